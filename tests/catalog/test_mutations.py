"""Categories and products through the API: creating, changing, deleting, stock, and who may do it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.catalog.support import CREATE_CATEGORY, CREATE_PRODUCT, make_category, make_product, names
from tests.conftest import GraphQLClient, unique

UPDATE_PRODUCT = """
mutation($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) {
    product { id name description price { amount currency } imageUrl category { id } stock }
    errors { code field message }
  }
}"""
DELETE_PRODUCT = "mutation($id: ID!) { deleteProduct(id: $id) { deletedId errors { code field } } }"
ADJUST_STOCK = """
mutation($id: ID!, $delta: Int!) {
  adjustStock(productId: $id, delta: $delta) { product { id stock } errors { code field message } }
}"""
PRODUCT = "query($id: ID!) { product(id: $id) { id name stock price { amount currency } category { id name } } }"
CATEGORIES = "{ categories { id name slug productCount } }"


async def test_create_category_and_list_it(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    slug = unique("garden")
    data = await admin_client.data(CREATE_CATEGORY, {"input": {"name": "  Garden  ", "slug": slug}})
    category = data["createCategory"]["category"]
    assert data["createCategory"]["errors"] == []
    assert (category["name"], category["slug"], category["productCount"]) == ("Garden", slug, 0)
    listed = (await catalog.data(CATEGORIES))["categories"]
    assert category in listed


@pytest.mark.parametrize(
    ("name", "slug", "code", "field"),
    [
        ("   ", "ok-slug", "INVALID_INPUT", "name"),
        ("Name", "Bad Slug", "INVALID_INPUT", "slug"),
        ("Name", "-leading", "INVALID_INPUT", "slug"),
        ("Name", "double--dash", "INVALID_INPUT", "slug"),
        ("Name", "", "INVALID_INPUT", "slug"),
    ],
)
async def test_create_category_refuses_bad_input(admin_client: GraphQLClient, name: str, slug: str, code: str, field: str) -> None:
    data = await admin_client.data(CREATE_CATEGORY, {"input": {"name": name, "slug": slug}})
    assert data["createCategory"]["category"] is None
    assert [(e["code"], e["field"]) for e in data["createCategory"]["errors"]] == [(code, field)]


async def test_duplicate_slug_is_a_conflict(admin_client: GraphQLClient) -> None:
    slug = unique("dup")
    await admin_client.data(CREATE_CATEGORY, {"input": {"name": "First", "slug": slug}})
    data = await admin_client.data(CREATE_CATEGORY, {"input": {"name": "Second", "slug": slug}})
    assert [(e["code"], e["field"]) for e in data["createCategory"]["errors"]] == [("CONFLICT", "slug")]


async def test_create_and_read_product(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client, "Kitchen")
    product = await make_product(
        admin_client, category["id"], name="Кружка керамическая", price="1499.9", stock=7, imageUrl="https://img.example/mug.jpg"
    )
    assert product["price"] == {"amount": "1499.90", "currency": "RUB"}
    assert (product["stock"], product["imageUrl"], product["category"]["id"]) == (7, "https://img.example/mug.jpg", category["id"])
    read = (await catalog.data(PRODUCT, {"id": product["id"]}))["product"]
    assert read["name"] == "Кружка керамическая" and read["category"]["name"] == "Kitchen"


async def test_stock_defaults_to_zero(admin_client: GraphQLClient) -> None:
    category = await make_category(admin_client)
    data = await admin_client.data(CREATE_PRODUCT, {"input": {"name": "Bare", "description": "", "price": "1", "categoryId": category["id"]}})
    assert data["createProduct"]["product"]["stock"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"price": "0"}, "price"),
        ({"price": "-5.00"}, "price"),
        ({"price": "1.999"}, "price"),
        ({"price": "100000000000.00"}, "price"),
        ({"stock": -1}, "stock"),
        ({"categoryId": str(uuid.uuid4())}, "categoryId"),
        ({"categoryId": "not-a-uuid"}, "categoryId"),
    ],
)
async def test_create_product_refuses_bad_input_and_changes_nothing(
    admin_client: GraphQLClient, catalog: GraphQLClient, change: dict[str, Any], field: str
) -> None:
    category = await make_category(admin_client)
    values = {"name": "Valid", "description": "", "price": "10.00", "categoryId": category["id"], "stock": 1, **change}
    data = await admin_client.data(CREATE_PRODUCT, {"input": values})
    assert data["createProduct"]["product"] is None
    assert [(e["code"], e["field"]) for e in data["createProduct"]["errors"]] == [("INVALID_INPUT", field)]
    assert await names(catalog, categoryId=category["id"]) == []


async def test_update_product(admin_client: GraphQLClient) -> None:
    kitchen, garden = await make_category(admin_client), await make_category(admin_client)
    product = await make_product(admin_client, kitchen["id"], name="Old", description="old", imageUrl="https://img.example/a.jpg")
    data = await admin_client.data(
        UPDATE_PRODUCT, {"id": product["id"], "input": {"name": "New", "price": "2.50", "categoryId": garden["id"], "imageUrl": None}}
    )
    updated = data["updateProduct"]["product"]
    assert data["updateProduct"]["errors"] == []
    assert (updated["name"], updated["description"], updated["price"]["amount"]) == ("New", "old", "2.50")
    assert (updated["category"]["id"], updated["imageUrl"], updated["stock"]) == (garden["id"], None, 10)


async def test_update_product_errors(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    product = await make_product(admin_client, category["id"], name="Keep me", price="5.00")
    cases = [
        (product["id"], {"price": "0.001"}, "INVALID_INPUT", "price"),
        (product["id"], {"name": ""}, "INVALID_INPUT", "name"),
        (product["id"], {"categoryId": str(uuid.uuid4())}, "INVALID_INPUT", "categoryId"),
        (str(uuid.uuid4()), {"name": "Ghost"}, "NOT_FOUND", "id"),
        ("nonsense", {"name": "Ghost"}, "NOT_FOUND", "id"),
    ]
    for id_, change, code, field in cases:
        data = await admin_client.data(UPDATE_PRODUCT, {"id": id_, "input": change})
        assert [(e["code"], e["field"]) for e in data["updateProduct"]["errors"]] == [(code, field)], change
    read = (await catalog.data(PRODUCT, {"id": product["id"]}))["product"]
    assert (read["name"], read["price"]["amount"], read["category"]["id"]) == ("Keep me", "5.00", category["id"])


async def test_delete_hides_product_but_entities_still_resolve(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    product = await make_product(admin_client, category["id"], name="Discontinued kettle")
    data = await admin_client.data(DELETE_PRODUCT, {"id": product["id"]})
    assert data["deleteProduct"] == {"deletedId": product["id"], "errors": []}

    assert (await catalog.data(PRODUCT, {"id": product["id"]}))["product"] is None
    assert await names(catalog, categoryId=category["id"]) == []
    assert await names(catalog, categoryId=category["id"], search="kettle") == []
    entities = await catalog.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name price { amount } } } }",
        {"r": [{"__typename": "Product", "id": product["id"]}]},
    )
    assert entities["_entities"] == [{"id": product["id"], "name": "Discontinued kettle", "price": {"amount": "100.00"}}]

    again = await admin_client.data(DELETE_PRODUCT, {"id": product["id"]})
    assert [(e["code"], e["field"]) for e in again["deleteProduct"]["errors"]] == [("NOT_FOUND", "id")]
    assert again["deleteProduct"]["deletedId"] is None
    updated = await admin_client.data(UPDATE_PRODUCT, {"id": product["id"], "input": {"name": "Back"}})
    assert updated["updateProduct"]["errors"][0]["code"] == "NOT_FOUND"


async def test_product_is_null_for_missing_or_malformed_ids(catalog: GraphQLClient) -> None:
    for id_ in (str(uuid.uuid4()), "not-a-uuid", ""):
        assert (await catalog.data(PRODUCT, {"id": id_}))["product"] is None


async def test_product_count_excludes_deleted(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    products = [await make_product(admin_client, category["id"]) for _ in range(3)]
    await admin_client.data(DELETE_PRODUCT, {"id": products[0]["id"]})
    listed = {c["id"]: c for c in (await catalog.data(CATEGORIES))["categories"]}
    assert listed[category["id"]]["productCount"] == 2


async def test_adjust_stock_bounds(admin_client: GraphQLClient, catalog_engine: AsyncEngine) -> None:
    category = await make_category(admin_client)
    product = await make_product(admin_client, category["id"], stock=5)

    async def adjust(delta: int, id_: str = product["id"]) -> dict[str, Any]:
        result: dict[str, Any] = (await admin_client.data(ADJUST_STOCK, {"id": id_, "delta": delta}))["adjustStock"]
        return result

    assert (await adjust(3))["product"]["stock"] == 8
    assert (await adjust(-8))["product"]["stock"] == 0
    refused = await adjust(-1)
    assert refused["product"] is None and [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_INPUT", "delta")]
    assert (await adjust(10))["product"]["stock"] == 10
    assert (await adjust(2**31 - 1))["errors"][0]["code"] == "INVALID_INPUT"  # beyond what the column holds

    # Checkout has reserved 4 of the 10: only 6 may go, and stock shows what is left to sell.
    async with catalog_engine.begin() as conn:
        await conn.execute(text("UPDATE catalog.products SET reserved = 4 WHERE id = :id"), {"id": product["id"]})
    assert (await adjust(-7))["errors"][0]["code"] == "INVALID_INPUT"
    assert (await adjust(-6))["product"]["stock"] == 0
    assert (await adjust(0))["product"]["stock"] == 0

    assert (await adjust(1, str(uuid.uuid4())))["errors"][0]["code"] == "NOT_FOUND"
    assert (await adjust(1, "bogus"))["errors"] == [{"code": "NOT_FOUND", "field": "productId", "message": "No such product."}]
    await admin_client.data(DELETE_PRODUCT, {"id": product["id"]})
    assert (await adjust(1))["errors"][0]["code"] == "NOT_FOUND"


async def test_concurrent_stock_removals_never_oversell(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    product = await make_product(admin_client, category["id"], stock=5)
    results = await asyncio.gather(*(admin_client.data(ADJUST_STOCK, {"id": product["id"], "delta": -1}) for _ in range(12)))
    succeeded = [r for r in results if not r["adjustStock"]["errors"]]
    assert len(succeeded) == 5
    assert (await catalog.data(PRODUCT, {"id": product["id"]}))["product"]["stock"] == 0


MUTATIONS = [
    (CREATE_CATEGORY, {"input": {"name": "X", "slug": "x"}}),
    (CREATE_PRODUCT, {"input": {"name": "X", "description": "", "price": "1", "categoryId": str(uuid.uuid4())}}),
    (UPDATE_PRODUCT, {"id": str(uuid.uuid4()), "input": {"name": "X"}}),
    (DELETE_PRODUCT, {"id": str(uuid.uuid4())}),
    (ADJUST_STOCK, {"id": str(uuid.uuid4()), "delta": 1}),
]


@pytest.mark.parametrize(("mutation", "variables"), MUTATIONS)
async def test_mutations_need_an_admin(
    catalog: GraphQLClient, customer_client: GraphQLClient, mutation: str, variables: dict[str, Any]
) -> None:
    anonymous = await catalog.execute(mutation, variables)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    customer = await customer_client.execute(mutation, variables)
    assert customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    forged = await catalog.as_("not-a-token").execute(mutation, variables)
    assert forged["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
