"""Searches under every sort: the same rows in the same order as the sort's plain definition.

The plain definition is one SQL query over the table (hits of the word, live, in the category, in
stock if asked, ordered by the sort's key and id); the showcase must match it page after page
through its cursors, for a word common in its category and a rare one. The NAME order is cut into
regions of a few products (name_regions_rebuild), so the search jumps over regions as it does on
a large catalog; a small WINDOW makes the bounded probe fall through to its tail.
"""

from __future__ import annotations

import random
import string
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from subgraphs.catalog import search
from subgraphs.common.pagination import Page
from tests.catalog.support import PRODUCTS, make_category, make_product
from tests.catalog.test_mutations import DELETE_PRODUCT
from tests.conftest import GraphQLClient

SORTS = ("NAME", "PRICE_ASC", "PRICE_DESC", "NEWEST", "RELEVANCE")
ORDER = {
    "NAME": "lower(name), id",
    "PRICE_ASC": "price, id",
    "PRICE_DESC": "price DESC, id DESC",
    "NEWEST": "created_at DESC, id DESC",
    # Tiers: the word in the name first, then in the description only; newest first in each.
    "RELEVANCE": "(NOT name_tsv @@ websearch_to_tsquery('russian', :q)), created_at DESC, id DESC",
}
UPDATE_PRODUCT = "mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { errors { code } } }"
ADJUST = "mutation($id: ID!, $delta: Int!) { adjustStock(productId: $id, delta: $delta) { errors { code } } }"


def word() -> str:
    """A fresh alphabetic word, so no other test's product holds it."""
    return "".join(random.choices(string.ascii_lowercase, k=12))


async def expected(engine: AsyncEngine, sort: str, q: str, category: str, in_stock: bool) -> list[str]:
    """The ids of the listing by the sort's plain definition."""
    stock = "AND on_hand > reserved" if in_stock else ""
    statement = text(
        f"SELECT id::text FROM catalog.products WHERE deleted_at IS NULL AND category_id = :c {stock} "
        f"AND search_tsv @@ websearch_to_tsquery('russian', :q) ORDER BY {ORDER[sort]}"
    )
    async with engine.connect() as connection:
        return [row[0] for row in await connection.execute(statement, {"q": q, "c": category})]


async def paged(client: GraphQLClient, sort: str, q: str, category: str, in_stock: bool, first: int) -> list[str]:
    """Every page through the returned cursors; the ids in order (a repeat would show as a duplicate)."""
    ids: list[str] = []
    after = None
    while True:
        variables: dict[str, Any] = {"first": first, "after": after, "sort": sort}
        variables["filter"] = {"categoryId": category, "search": q, "inStockOnly": in_stock}
        page = (await client.data(PRODUCTS, variables))["products"]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


async def shelf(admin: GraphQLClient, common: str, rare: str) -> tuple[str, list[dict[str, Any]]]:
    """A category whose names cluster: the common word only in names late in the NAME order (and in
    some descriptions), the rare one in two products far apart; prices and stock vary."""
    category = (await make_category(admin))["id"]
    products = []
    for i in range(36):
        letter = string.ascii_lowercase[i % 26]
        name = f"{letter}{letter} {word()} {common if i >= 24 else 'plain'}" + (f" {rare}" if i in (3, 30) else "")
        description = f"goes with {common}" if i % 7 == 0 else "nothing to see"
        price = f"{(i * 37) % 50 + 1}.00"
        products.append(await make_product(admin, category, name=name, description=description, price=price, stock=i % 4))
    return category, products


@pytest.mark.parametrize("window", [3, 4000])
async def test_every_sort_matches_its_plain_definition(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    monkeypatch.setattr(search, "WINDOW", window)
    common, rare = word(), word()
    category, products = await shelf(admin_client, common, rare)
    # A deleted hit, a hit renamed into another region and one given the word by its description
    # after the regions were cut: the triggers must have added their words to their regions.
    async with catalog_engine.connect() as connection:
        await connection.execute(text("SELECT catalog.name_regions_rebuild(3)"))
        await connection.commit()
        regions = (await connection.execute(text("SELECT count(*) FROM catalog.name_regions"))).scalar_one()
    assert regions > 10
    assert (await admin_client.data(DELETE_PRODUCT, {"id": products[30]["id"]}))["deleteProduct"]["errors"] == []
    renamed = {"name": f"aaa {word()} {common} {rare}"}
    assert (await admin_client.data(UPDATE_PRODUCT, {"id": products[1]["id"], "input": renamed}))["updateProduct"]["errors"] == []
    described = {"description": f"now with {common}"}
    assert (await admin_client.data(UPDATE_PRODUCT, {"id": products[2]["id"], "input": described}))["updateProduct"]["errors"] == []
    assert (await admin_client.data(ADJUST, {"id": products[27]["id"], "delta": 5}))["adjustStock"]["errors"] == []
    for q in (common, rare, f"{common} {rare}"):
        for sort in SORTS:
            for in_stock in (False, True):
                want = await expected(catalog_engine, sort, q, category, in_stock)
                assert want, (q, sort, in_stock)
                for first in (2, 5):
                    got = await paged(catalog, sort, q, category, in_stock, first)
                    assert got == want, (q, sort, in_stock, first)
    # Without the category: the NAME jump over the whole catalog's regions.
    statement = text(
        "SELECT id::text FROM catalog.products WHERE deleted_at IS NULL "
        "AND search_tsv @@ websearch_to_tsquery('russian', :q) ORDER BY lower(name), id"
    )
    async with catalog_engine.connect() as connection:
        want = [row[0] for row in await connection.execute(statement, {"q": common})]
    ids: list[str] = []
    after = None
    while True:
        page = (await catalog.data(PRODUCTS, {"first": 4, "after": after, "sort": "NAME", "filter": {"search": common}}))["products"]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert ids == want


async def test_a_word_in_no_region_finds_nothing_under_name(catalog: GraphQLClient) -> None:
    page = await catalog.data(PRODUCTS, {"first": 5, "sort": "NAME", "filter": {"search": word()}})
    assert page["products"]["edges"] == []


async def test_at_most_three_statements_a_page(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "WINDOW", 3)
    common, rare = word(), word()
    category, _ = await shelf(admin_client, common, rare)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    # Typo searches first, one on each pooled connection in turn: the trigram threshold is set
    # once per connection, not per page.
    for _ in range(25):
        await catalog.data(PRODUCTS, {"first": 5, "filter": {"search": word()}})
    event.listen(catalog_engine.sync_engine, "before_cursor_execute", count)
    try:
        costs = {}
        for q in (common, rare, f"{common} {rare}", common[:-1] + "x" + common[-1], word()):
            for sort in SORTS:
                after = None
                for number in range(3):
                    statements.clear()
                    variables = {"first": 4, "after": after, "sort": sort, "filter": {"categoryId": category, "search": q}}
                    page = (await catalog.data(PRODUCTS, variables))["products"]
                    costs[q, sort, number] = len(statements)
                    if not page["pageInfo"]["hasNextPage"]:
                        break
                    after = page["pageInfo"]["endCursor"]
    finally:
        event.remove(catalog_engine.sync_engine, "before_cursor_execute", count)
    assert max(costs.values()) <= 3, {k: v for k, v in costs.items() if v > 3}


async def test_name_jump_keeps_phrase_hits(
    admin_client: GraphQLClient, catalog_app: tuple[Starlette, GraphQLClient], catalog_engine: AsyncEngine
) -> None:
    # "t-shirt" parses to a phrase; a region's words have no positions, yet the jump must not skip
    # the regions of the products the phrase matches (found by words, not by the typo fallback).
    category = (await make_category(admin_client))["id"]
    tag = word()
    for i in range(8):
        await make_product(admin_client, category, name=f"{'ab'[i % 2]}{word()} {tag}")
    hits = [await make_product(admin_client, category, name=f"{p} {word()} {tag} t-shirt") for p in ("ac", "zz")]
    async with catalog_engine.connect() as connection:
        await connection.execute(text("SELECT catalog.name_regions_rebuild(3)"))
        await connection.commit()
    db = catalog_app[0].state.shop.db
    rows = await search.list_products(db, search.Listing.of("NAME", f"{tag} t-shirt", category, False), Page(50, None))
    assert [(str(row.id), row.mode) for row in rows] == [(hit["id"], "words") for hit in hits]


@pytest.mark.parametrize("negation", ["(-{}", "!-{}", "-{}"])
async def test_name_jump_keeps_the_hits_of_a_negated_word(
    admin_client: GraphQLClient, catalog_app: tuple[Starlette, GraphQLClient], catalog_engine: AsyncEngine, negation: str
) -> None:
    # websearch_to_tsquery reads a "-" after punctuation as NOT too: a region holding the negated
    # word next to real hits must not be jumped over.
    category = (await make_category(admin_client))["id"]
    tag, red = word(), word()
    made = [await make_product(admin_client, category, name=f"{'ab'[i % 2]}{word()} {tag}" + (f" {red}" if i % 3 == 0 else "")) for i in range(9)]
    async with catalog_engine.connect() as connection:
        await connection.execute(text("SELECT catalog.name_regions_rebuild(3)"))
        await connection.commit()
    q = f"{tag} {negation.format(red)}"
    db = catalog_app[0].state.shop.db
    rows = await search.list_products(db, search.Listing.of("NAME", q, category, False), Page(50, None))
    assert [str(row.id) for row in rows] == await expected(catalog_engine, "NAME", q, category, False)
    assert len(rows) == len([p for i, p in enumerate(made) if i % 3 != 0])
