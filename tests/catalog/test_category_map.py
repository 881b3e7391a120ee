"""The in-memory categories that name each product's category on a page: fresh after a rename, never wrong."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from subgraphs.catalog.app import build
from subgraphs.catalog.categories import CategoryMap
from subgraphs.common.settings import Settings
from tests.catalog.support import make_category, make_product
from tests.catalog.test_cache import eventually
from tests.conftest import GraphQLClient, serve, unique

SHELF = "query($c: ID) { products(first: 5, filter: {categoryId: $c}) { edges { node { name category { id name slug } } } } }"


def map_of(app: Starlette) -> CategoryMap:
    categories = app.state.shop.services.categories
    assert isinstance(categories, CategoryMap)
    return categories


async def shelf_names(client: GraphQLClient, category_id: str) -> set[str]:
    data = await client.data(SHELF, {"c": category_id})
    return {edge["node"]["category"]["name"] for edge in data["products"]["edges"]}


@pytest.fixture
async def fresh(settings: Settings) -> AsyncIterator[tuple[Starlette, GraphQLClient]]:
    """A catalog process started now: its map holds every category that exists at this moment."""
    app = build(settings)
    async with serve(app) as http:
        await eventually(lambda: asyncio.sleep(0, map_of(app).fresh))
        yield app, GraphQLClient(http)


async def test_a_rename_by_plain_sql_reaches_the_map_and_every_listing(
    admin_client: GraphQLClient, catalog_engine: AsyncEngine, settings: Settings
) -> None:
    shelf = await make_category(admin_client, "Before the rename")
    await make_product(admin_client, shelf["id"])
    app = build(settings)
    async with serve(app) as http:
        client, categories = GraphQLClient(http), map_of(app)
        await eventually(lambda: asyncio.sleep(0, categories.get(uuid.UUID(shelf["id"])) is not None))
        assert await shelf_names(client, shelf["id"]) == {"Before the rename"}
        renamed = unique("After")
        async with catalog_engine.begin() as connection:
            await connection.execute(text("UPDATE catalog.categories SET name = :n WHERE id = :i"), {"n": renamed, "i": shelf["id"]})

        async def seen() -> bool:
            row = categories.get(uuid.UUID(shelf["id"]))
            return row is not None and row.name == renamed and await shelf_names(client, shelf["id"]) == {renamed}

        await eventually(seen)


async def test_a_category_made_after_the_start_is_named_by_the_loader(
    fresh: tuple[Starlette, GraphQLClient], admin_client: GraphQLClient
) -> None:
    app, client = fresh
    shelf = await make_category(admin_client, unique("Newer shelf"))
    made = await make_product(admin_client, shelf["id"])
    assert made["category"] == {"id": shelf["id"], "slug": shelf["slug"]}
    assert await shelf_names(client, shelf["id"]) == {shelf["name"]}
    assert map_of(app).get(uuid.UUID(shelf["id"])) is None  # answered without the map, and right


async def test_without_its_listen_the_map_vouches_for_nothing_and_listings_stay_right(
    fresh: tuple[Starlette, GraphQLClient], admin_client: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    app, client = fresh
    categories = map_of(app)
    shelf = await make_category(admin_client, unique("Shelf"))
    await make_product(admin_client, shelf["id"])
    async with catalog_engine.connect() as connection:
        await connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'catalog-showcase' AND pid <> pg_backend_pid()")
        )
    assert await shelf_names(client, shelf["id"]) == {shelf["name"]}
    await eventually(lambda: asyncio.sleep(0, categories.fresh and categories.get(uuid.UUID(shelf["id"])) is not None))  # back, re-read whole
    assert await shelf_names(client, shelf["id"]) == {shelf["name"]}


async def test_one_notice_makes_the_map_and_the_cache_stale_together(
    admin_client: GraphQLClient, catalog_engine: AsyncEngine, settings: Settings
) -> None:
    """Both follow one LISTEN: no page can be computed with the old name after the cache forgot."""
    shelf = await make_category(admin_client, unique("Old name"))
    await make_product(admin_client, shelf["id"])
    app = build(settings)
    async with serve(app) as http:
        client, categories, cache = GraphQLClient(http), map_of(app), app.state.shop.services.cache
        await eventually(lambda: asyncio.sleep(0, categories.get(uuid.UUID(shelf["id"])) is not None))
        assert await shelf_names(client, shelf["id"]) == {shelf["name"]}
        renamed = unique("New name")
        async with catalog_engine.begin() as connection:  # without triggers: the notice is given by hand below
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
            await connection.execute(text("UPDATE catalog.categories SET name = :n WHERE id = :i"), {"n": renamed, "i": shelf["id"]})
        assert await shelf_names(client, shelf["id"]) == {shelf["name"]}  # nobody has heard: the old name, kept
        before = cache.token()
        categories.feed._heard("categories")
        assert cache.token() != before and cache.entries == {} and categories.get(uuid.UUID(shelf["id"])) is None
        assert await shelf_names(client, shelf["id"]) == {renamed}
