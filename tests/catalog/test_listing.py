"""The showcase: keyset pages for every sort, filters, bad arguments, and the SQL a page costs."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.catalog.support import PRODUCTS, make_category, make_product, names
from tests.conftest import GraphQLClient, statements, unique

PAGE_WITH_CATEGORIES = """
query($first: Int, $filter: ProductFilter) {
  products(first: $first, filter: $filter) {
    edges { node { id name category { id name slug productCount } } }
  }
}"""
ADJUST_STOCK = "mutation($id: ID!, $delta: Int!) { adjustStock(productId: $id, delta: $delta) { errors { code } } }"


@pytest.fixture(scope="module")
async def shelf(admin_client: GraphQLClient) -> tuple[str, list[dict[str, Any]]]:
    """A category of 45 products; every price is shared by three of them (ties decided by id)."""
    category = await make_category(admin_client, "Paging shelf")
    products = []
    for i in range(45):
        name = f"widget {i:02d} {uuid.uuid4().hex[:6]}"
        products.append(await make_product(admin_client, category["id"], name=name, price=f"{100 + i % 15}.50"))
    return category["id"], products


def expected(products: list[dict[str, Any]], sort: str) -> list[str]:
    """The order the API promises, computed independently: sort key, then id, both in the same direction."""
    def ids(p: dict[str, Any]) -> uuid.UUID:
        return uuid.UUID(p["id"])

    keys = {
        "NEWEST": (lambda p: (datetime.fromisoformat(p["createdAt"]), ids(p)), True),
        "RELEVANCE": (lambda p: (datetime.fromisoformat(p["createdAt"]), ids(p)), True),
        "NAME": (lambda p: (p["name"].lower(), ids(p)), False),
        "PRICE_ASC": (lambda p: (Decimal(p["price"]["amount"]), ids(p)), False),
        "PRICE_DESC": (lambda p: (Decimal(p["price"]["amount"]), ids(p)), True),
    }
    key, reverse = keys[sort]
    return [p["id"] for p in sorted(products, key=key, reverse=reverse)]


@pytest.mark.parametrize("sort", ["NEWEST", "NAME", "PRICE_ASC", "PRICE_DESC", "RELEVANCE", None])
@pytest.mark.parametrize("search", [None, "widgets"])
async def test_pages_of_20_20_5_in_order_for_every_sort(
    catalog: GraphQLClient, shelf: tuple[str, list[dict[str, Any]]], sort: str | None, search: str | None
) -> None:
    category_id, products = shelf
    seen: list[str] = []
    after = None
    for size, more in ((20, True), (20, True), (5, False)):
        page = (await catalog.data(PRODUCTS, {"first": 20, "after": after, "filter": {"categoryId": category_id, "search": search}, "sort": sort}))["products"]
        assert len(page["edges"]) == size
        assert page["pageInfo"]["hasNextPage"] is more
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
    # Default: NEWEST, or RELEVANCE (every name has the word: newest first) when searching.
    assert seen == expected(products, sort or "NEWEST")


async def test_first_zero_and_empty_pages(catalog: GraphQLClient, shelf: tuple[str, list[dict[str, Any]]]) -> None:
    empty = (await catalog.data(PRODUCTS, {"first": 0, "filter": {"categoryId": shelf[0]}}))["products"]
    assert empty == {"edges": [], "pageInfo": {"hasNextPage": True, "hasPreviousPage": False, "startCursor": None, "endCursor": None}}
    nothing = (await catalog.data(PRODUCTS, {"filter": {"categoryId": str(uuid.uuid4())}}))["products"]
    assert nothing["edges"] == [] and nothing["pageInfo"]["hasNextPage"] is False


async def test_a_page_is_stable_when_products_are_added(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    for i in range(3):
        await make_product(admin_client, category["id"], name=f"stable {i}")
    first = (await catalog.data(PRODUCTS, {"first": 2, "filter": {"categoryId": category["id"]}}))["products"]
    await make_product(admin_client, category["id"], name="stable newcomer")
    rest = await catalog.data(PRODUCTS, {"first": 5, "after": first["pageInfo"]["endCursor"], "filter": {"categoryId": category["id"]}})
    assert [e["node"]["name"] for e in first["edges"] + rest["products"]["edges"]] == ["stable 2", "stable 1", "stable 0"]


async def test_category_and_stock_filters(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    mine, other = await make_category(admin_client), await make_category(admin_client)
    tag = unique("lamp").replace("-", "")
    await make_product(admin_client, mine["id"], name=f"{tag} in stock", stock=3)
    sold_out = await make_product(admin_client, mine["id"], name=f"{tag} sold out", stock=0)
    await make_product(admin_client, other["id"], name=f"{tag} elsewhere", stock=3)

    assert set(await names(catalog, categoryId=mine["id"])) == {f"{tag} in stock", f"{tag} sold out"}
    assert await names(catalog, categoryId=mine["id"], inStockOnly=True) == [f"{tag} in stock"]
    assert await names(catalog, categoryId=mine["id"], inStockOnly=False, sort="NAME") == [f"{tag} in stock", f"{tag} sold out"]
    assert set(await names(catalog, search=tag, inStockOnly=True)) == {f"{tag} in stock", f"{tag} elsewhere"}

    await admin_client.data(ADJUST_STOCK, {"id": sold_out["id"], "delta": 2})
    assert len(await names(catalog, categoryId=mine["id"], inStockOnly=True)) == 2


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 101},
        {"first": -1},
        {"after": "garbage"},
        {"after": "W10"},  # base64 of "[]": JSON, but not one of our cursors
        {"filter": {"categoryId": "not-a-uuid"}},
    ],
)
async def test_bad_arguments_are_bad_user_input(catalog: GraphQLClient, variables: dict[str, Any]) -> None:
    body = await catalog.execute(PRODUCTS, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_cursor_of_another_sort_is_refused(catalog: GraphQLClient, shelf: tuple[str, list[dict[str, Any]]]) -> None:
    variables: dict[str, Any] = {"first": 2, "filter": {"categoryId": shelf[0]}}
    cursors = {}
    for sort in ("NEWEST", "NAME", "PRICE_ASC", "PRICE_DESC"):
        page = await catalog.data(PRODUCTS, {**variables, "sort": sort})
        cursors[sort] = page["products"]["pageInfo"]["endCursor"]
    searched = await catalog.data(PRODUCTS, {**variables, "filter": {**variables["filter"], "search": "widget"}})
    cursors["RELEVANCE"] = searched["products"]["pageInfo"]["endCursor"]
    for made_by, cursor in cursors.items():
        for used_with in ("NEWEST", "NAME", "PRICE_ASC", "PRICE_DESC"):
            if used_with != made_by:
                body = await catalog.execute(PRODUCTS, {**variables, "sort": used_with, "after": cursor})
                assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (made_by, used_with)
    # RELEVANCE without a search is NEWEST, so NEWEST's cursors serve it.
    same = await catalog.data(PRODUCTS, {**variables, "sort": "RELEVANCE", "after": cursors["NEWEST"]})
    assert len(same["products"]["edges"]) == 2


async def test_a_page_costs_a_fixed_number_of_statements(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    categories = [await make_category(admin_client) for _ in range(3)]
    tag = unique("nplus").replace("-", "")
    for i in range(12):
        await make_product(admin_client, categories[i % 3]["id"], name=f"{tag} {i}")
    costs = []
    for first in (2, 11):
        with statements(catalog_engine) as sent:
            page = await catalog.data(PAGE_WITH_CATEGORIES, {"first": first, "filter": {"search": tag}})
        assert len(page["products"]["edges"]) == first
        assert {e["node"]["category"]["productCount"] for e in page["products"]["edges"]} == {4}
        costs.append(len(sent))
    # The page, its categories, their counts: the same three statements for 2 products or 11.
    assert costs == [3, 3]
