"""`products { facets }`: hit counts by category with the category filter left out, exact and estimated."""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.catalog.support import make_category, make_product
from tests.conftest import GraphQLClient, statements

FACETS = """
query($filter: ProductFilter, $first: Int) {
  products(first: $first, filter: $filter) {
    edges { node { id } }
    facets { total totalIsExact inStock categories { category { id name } count } }
  }
}"""
PAGE = "query($filter: ProductFilter) { products(first: 5, filter: $filter) { edges { node { id } } } }"


def word() -> str:
    """A made-up word no other product holds (letters only, so it stays one lexeme)."""
    return "zq" + "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))


async def facets(client: GraphQLClient, **filter_: Any) -> dict[str, Any]:
    data = await client.data(FACETS, {"filter": filter_, "first": 2})
    result: dict[str, Any] = data["products"]["facets"]
    return result


async def test_counts_leave_the_category_out_and_count_available_stock(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    tag = word()
    big, small, other = [await make_category(admin_client, name) for name in ("Big shelf", "Small shelf", "Other shelf")]
    made = [await make_product(admin_client, big["id"], name=f"{tag} kettle {i}", stock=3) for i in range(3)]
    await make_product(admin_client, big["id"], name=f"{tag} empty kettle", stock=0)
    await make_product(admin_client, small["id"], name="Plain mug", description=f"Goes with the {tag} kettle", stock=1)
    await make_product(admin_client, other["id"], name="Unrelated thing", stock=5)
    # Stock all reserved by orders in progress is not available: on hand 3, reserved 3.
    async with catalog_engine.begin() as conn:
        await conn.execute(text("UPDATE catalog.products SET reserved = on_hand WHERE id = :id"), {"id": uuid.UUID(made[0]["id"])})

    picked = await facets(catalog, search=tag, categoryId=small["id"])
    assert picked["total"] == 5 and picked["totalIsExact"] is True
    assert picked["inStock"] == 3  # 2 kettles with stock + the mug; the reserved and the empty ones are not
    assert [(c["category"]["id"], c["count"]) for c in picked["categories"]] == [(big["id"], 4), (small["id"], 1)]
    assert picked["categories"][0]["category"]["name"] == "Big shelf"
    # The same without a category, and the in-stock filter narrows every count.
    assert await facets(catalog, search=tag) == picked
    only = await facets(catalog, search=tag, inStockOnly=True)
    assert (only["total"], only["inStock"]) == (3, 3)
    assert [c["count"] for c in only["categories"]] == [2, 1]
    # A deleted product is no hit; nothing matching is an empty, exact result.
    assert (await facets(catalog, search=word()))["categories"] == []
    assert await facets(catalog, search=word()) == {"total": 0, "totalIsExact": True, "inStock": 0, "categories": []}


async def test_a_typo_counts_what_the_listing_finds(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    shelf = await make_category(admin_client)
    tag = word()
    await make_product(admin_client, shelf["id"], name=f"{tag}thermos")
    typo = (await facets(catalog, search=f"{tag}thermso"))
    assert typo["total"] >= 1 and shelf["id"] in [c["category"]["id"] for c in typo["categories"]]


async def test_a_listing_that_does_not_ask_pays_nothing(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    shelf = await make_category(admin_client)
    tag = word()
    for i in range(3):
        await make_product(admin_client, shelf["id"], name=f"{tag} lamp {i}")
    with statements(catalog_engine) as sent:
        await catalog.data(PAGE, {"filter": {"search": tag}})
        plain = list(sent)
        sent.clear()
        await catalog.data(FACETS, {"filter": {"search": tag}, "first": 5})
        asked = list(sent)
    assert not any("group by" in s.lower() for s in plain)
    assert len(asked) == len(plain) + 1  # one bounded statement counts every facet


async def test_more_than_ten_thousand_hits_are_estimated(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    shelf = await make_category(admin_client, "Bulk shelf")
    tag = word()
    insert = text(
        "INSERT INTO catalog.products (id, name, price, category_id, on_hand) "
        "SELECT gen_random_uuid(), :tag || ' bulk item ' || i, 10, :category, i % 2 FROM generate_series(1, 10050) AS i"
    )
    async with catalog_engine.begin() as conn:
        await conn.execute(insert, {"tag": tag, "category": uuid.UUID(shelf["id"])})
    try:
        found = await facets(catalog, search=tag)
        assert found["totalIsExact"] is False
        assert found["total"] > 10_000
        assert [c["category"]["id"] for c in found["categories"]] == [shelf["id"]]
        assert found["categories"][0]["count"] > 10_000
        # Half have stock: the estimate is near 5,025 (the sample of this small table is all of it).
        assert 4_000 <= found["inStock"] <= found["total"]
        # The same listing gives the same numbers again (a fixed sample).
        assert await facets(catalog, search=tag) == found
        everything = await facets(catalog)
        assert everything["totalIsExact"] is False and everything["total"] > 10_000
    finally:
        async with catalog_engine.begin() as conn:
            await conn.execute(text("DELETE FROM catalog.products WHERE category_id = :c"), {"c": uuid.UUID(shelf["id"])})
