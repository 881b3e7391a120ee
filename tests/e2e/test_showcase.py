"""The showcase through the gateway: an admin fills a category, a customer pages, searches and sorts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import GraphQLClient, unique
from tests.e2e.test_accounts import sign_up

CREATE_CATEGORY = """
mutation($name: String!, $slug: String!) {
  createCategory(input: {name: $name, slug: $slug}) { category { id slug productCount } errors { code field } }
}"""
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id name price { amount currency } stock category { id } } errors { code field } }
}"""
PRODUCTS = """
query($first: Int, $after: String, $filter: ProductFilter, $sort: ProductSort) {
  products(first: $first, after: $after, filter: $filter, sort: $sort) {
    edges { cursor node { id name price { amount } stock createdAt category { slug } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
CATEGORIES = "{ categories { id slug productCount } }"


async def new_category(admin: GraphQLClient) -> str:
    slug = unique("cat")
    payload = (await admin.data(CREATE_CATEGORY, {"name": slug.title(), "slug": slug}))["createCategory"]
    assert payload["errors"] == []
    return str(payload["category"]["id"])


async def new_product(admin: GraphQLClient, category: str, name: str, price: str = "100.00", stock: int = 5, description: str = "") -> dict[str, Any]:
    variables = {"input": {"name": name, "description": description or name, "price": price, "categoryId": category, "stock": stock}}
    payload = (await admin.data(CREATE_PRODUCT, variables))["createProduct"]
    assert payload["errors"] == [], payload
    product: dict[str, Any] = payload["product"]
    return product


async def all_pages(client: GraphQLClient, variables: dict[str, Any]) -> list[list[dict[str, Any]]]:
    pages, after = [], None
    while True:
        page = (await client.data(PRODUCTS, {**variables, "after": after}))["products"]
        pages.append([edge["node"] for edge in page["edges"]])
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


@pytest.fixture(scope="module")
async def shelf(admin: GraphQLClient) -> dict[str, Any]:
    """A category of 45 products with distinct prices and names, made by an admin through the gateway."""
    category = await new_category(admin)
    products = [await new_product(admin, category, f"Item {i:02d} {unique('n')}", price=f"{(i * 37) % 45 + 1}.50", stock=i % 4) for i in range(45)]
    return {"category": category, "products": products}


async def test_a_customer_pages_20_20_5_without_repeats(gateway: GraphQLClient, shelf: dict[str, Any]) -> None:
    customer = gateway.as_((await sign_up(gateway))["accessToken"])
    pages = await all_pages(customer, {"filter": {"categoryId": shelf["category"]}})
    assert [len(p) for p in pages] == [20, 20, 5]
    ids = [p["id"] for page in pages for p in page]
    assert len(set(ids)) == 45 and set(ids) == {p["id"] for p in shelf["products"]}
    # NEWEST is the default without a search: the last created comes first.
    assert ids[0] == shelf["products"][-1]["id"]


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [("NAME", lambda p: p["name"], False), ("PRICE_ASC", lambda p: Decimal(p["price"]["amount"]), False),
     ("PRICE_DESC", lambda p: Decimal(p["price"]["amount"]), True), ("NEWEST", lambda p: p["createdAt"], True)],
)
async def test_every_sort_pages_in_order(gateway: GraphQLClient, shelf: dict[str, Any], sort: str, key: Any, reverse: bool) -> None:
    pages = await all_pages(gateway, {"first": 20, "filter": {"categoryId": shelf["category"]}, "sort": sort})
    items = [p for page in pages for p in page]
    assert len(items) == 45 and len({p["id"] for p in items}) == 45
    assert [key(p) for p in items] == sorted((key(p) for p in items), reverse=reverse)


async def test_in_stock_only_and_product_count(gateway: GraphQLClient, shelf: dict[str, Any]) -> None:
    in_stock = await all_pages(gateway, {"first": 100, "filter": {"categoryId": shelf["category"], "inStockOnly": True}})
    assert len(in_stock[0]) == sum(1 for p in shelf["products"] if p["stock"] > 0)
    assert all(p["stock"] > 0 for p in in_stock[0])
    counts = {c["id"]: c["productCount"] for c in (await gateway.data(CATEGORIES))["categories"]}
    assert counts[shelf["category"]] == 45


async def test_search_by_word_forms_in_both_languages_and_with_a_typo(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    mug = await new_product(admin, category, "Кружки керамические", description="Набор из двух кружек")
    shoes = await new_product(admin, category, "Trail running shoes", description="Light shoes for running")
    kettle = await new_product(admin, category, "Electric kettle", description="Boils water fast")

    async def found(search: str) -> list[str]:
        page = (await gateway.data(PRODUCTS, {"first": 10, "filter": {"search": search, "categoryId": category}}))["products"]
        return [edge["node"]["id"] for edge in page["edges"]]

    assert await found("кружка") == [mug["id"]]
    assert await found("керамическая кружка") == [mug["id"]]
    assert await found("shoe") == [shoes["id"]]
    assert await found("run") == [shoes["id"]] or await found("running") == [shoes["id"]]
    assert await found("ketle") == [kettle["id"]]
    assert await found("nothing-like-this") == []


async def test_relevance_ranks_name_matches_first(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    in_description = await new_product(admin, category, "Steel bottle", description="Keeps tea hot; not a lamp")
    in_name = await new_product(admin, category, "Desk lamp", description="A warm light")
    page = (await gateway.data(PRODUCTS, {"filter": {"search": "lamp", "categoryId": category}}))["products"]
    assert [e["node"]["id"] for e in page["edges"]] == [in_name["id"], in_description["id"]]


async def test_bad_paging_input(gateway: GraphQLClient) -> None:
    for variables in ({"first": 101}, {"first": -1}, {"after": "not-a-cursor"}):
        body = await gateway.execute(PRODUCTS, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


async def test_mutations_need_an_admin(gateway: GraphQLClient) -> None:
    variables = {"name": "X", "slug": unique("x")}
    anonymous = await gateway.execute(CREATE_CATEGORY, variables)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    customer = gateway.as_((await sign_up(gateway))["accessToken"])
    forbidden = await customer.execute(CREATE_CATEGORY, variables)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert variables["slug"] not in {c["slug"] for c in (await gateway.data(CATEGORIES))["categories"]}


async def test_admin_edits_deletes_and_adjusts_stock(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    product = await new_product(admin, category, "Wooden spoon", stock=3)
    update = """mutation($id: ID!) { updateProduct(id: $id, input: {price: "12.30"}) { product { price { amount } } errors { code } } }"""
    assert (await admin.data(update, {"id": product["id"]}))["updateProduct"]["product"]["price"]["amount"] == "12.30"
    adjust = "mutation($id: ID!, $d: Int!) { adjustStock(productId: $id, delta: $d) { product { stock } errors { code } } }"
    assert (await admin.data(adjust, {"id": product["id"], "d": 4}))["adjustStock"]["product"]["stock"] == 7
    refused = (await admin.data(adjust, {"id": product["id"], "d": -8}))["adjustStock"]
    assert refused["errors"][0]["code"] == "INVALID_INPUT"
    assert (await gateway.data("query($id: ID!) { product(id: $id) { stock } }", {"id": product["id"]}))["product"]["stock"] == 7
    deleted = (await admin.data("mutation($id: ID!) { deleteProduct(id: $id) { deletedId errors { code } } }", {"id": product["id"]}))
    assert deleted["deleteProduct"] == {"deletedId": product["id"], "errors": []}
    assert (await gateway.data("query($id: ID!) { product(id: $id) { id } }", {"id": product["id"]}))["product"] is None
