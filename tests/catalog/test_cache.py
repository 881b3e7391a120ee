"""The response cache of anonymous reads, in-process: what it keeps, what it never keeps, how it forgets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from subgraphs.catalog.app import build
from subgraphs.catalog.cache import ResponseCache
from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient, eventually, serve, unique

CATEGORIES = "{ categories { id slug } }"
CREATE_CATEGORY = "mutation($n: String!, $s: String!) { createCategory(input: {name: $n, slug: $s}) { category { id } errors { code } } }"


def cache_of(app: Starlette) -> ResponseCache:
    cache: ResponseCache = app.state.shop.services.cache
    return cache


async def slugs(client: GraphQLClient) -> set[str]:
    return {c["slug"] for c in (await client.data(CATEGORIES))["categories"]}


@pytest.fixture
async def replica(settings: Settings) -> AsyncIterator[tuple[Starlette, GraphQLClient]]:
    """A second catalog process on the same database, as another replica or worker would be."""
    app = build(settings)
    async with serve(app) as http:
        await eventually(lambda: asyncio.sleep(0, cache_of(app).feed.listening))
        yield app, GraphQLClient(http)


async def test_anonymous_reads_are_kept_and_signed_in_ones_never(
    catalog_app: tuple[Starlette, GraphQLClient], admin_client: GraphQLClient
) -> None:
    app, catalog = catalog_app
    cache = cache_of(app)
    await eventually(lambda: asyncio.sleep(0, cache.feed.listening))
    query = "{ categories { id name } }"
    cache.forget()
    await admin_client.data(query)
    assert cache.entries == {}, "a signed-in caller's answer was kept"
    first = await catalog.execute(query)
    assert len(cache.entries) == 1 and await catalog.execute(query) == first


async def test_a_token_is_never_answered_from_the_cache(catalog_app: tuple[Starlette, GraphQLClient]) -> None:
    _, catalog = catalog_app
    assert not (await catalog.execute(CATEGORIES)).get("errors")  # now kept for anonymous callers
    refused = await catalog.as_("not-a-token").execute(CATEGORIES)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_errors_and_mutations_are_not_kept(catalog_app: tuple[Starlette, GraphQLClient]) -> None:
    app, catalog = catalog_app
    cache = cache_of(app)
    cache.forget()
    assert (await catalog.execute("{ products(first: -1) { edges { cursor } } }")).get("errors")
    assert (await catalog.execute(CREATE_CATEGORY, {"n": "X", "s": unique("cat")})).get("errors")
    assert cache.entries == {}


async def test_a_mutation_that_did_not_run_empties_nothing(
    catalog_app: tuple[Starlette, GraphQLClient], customer_client: GraphQLClient
) -> None:
    """Refused outright (anonymous, a forged token, a customer), a mutation wrote nothing: the cache
    stays, so nobody can keep it empty by sending them; a query that only mentions one is not kept."""
    app, catalog = catalog_app
    cache = cache_of(app)
    await eventually(lambda: asyncio.sleep(0, cache.feed.listening))
    await slugs(catalog)
    kept, generation = dict(cache.entries), cache.generation
    assert kept
    for client in (catalog, catalog.as_("not-a-token"), customer_client):
        assert (await client.execute(CREATE_CATEGORY, {"n": "X", "s": unique("cat")})).get("errors")
    assert (await catalog.execute("mutation { __typename }"))["data"] == {"__typename": "Mutation"}
    named = "query($q: String) { products(first: 1, filter: {search: $q}) { edges { cursor } } }"
    assert not (await catalog.execute(named, {"q": "mutation subscription"})).get("errors")
    assert cache.generation == generation and dict(cache.entries) == kept


async def test_a_mutation_that_ran_empties_the_cache_before_its_answer_leaves(
    catalog_app: tuple[Starlette, GraphQLClient], admin_client: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    """Even one that changed nothing (a taken slug answers CONFLICT in its payload), so no NOTIFY
    could have done it: the mutation itself empties the cache."""
    app, catalog = catalog_app
    cache = cache_of(app)
    await eventually(lambda: asyncio.sleep(0, cache.feed.listening))
    slug = unique("cat")
    async with catalog_engine.begin() as connection:
        await connection.execute(text("INSERT INTO catalog.categories (id, name, slug) VALUES (gen_random_uuid(), 'Taken', :s)"), {"s": slug})

    async def heard() -> bool:  # its notice has arrived: none is pending
        return slug in await slugs(catalog)

    await eventually(heard)
    await slugs(catalog)
    generation = cache.generation
    assert cache.entries
    again = await admin_client.data(CREATE_CATEGORY, {"n": "Taken", "s": slug})
    assert again["createCategory"]["errors"] == [{"code": "CONFLICT"}]
    assert cache.entries == {} and cache.generation > generation


async def test_a_change_made_anywhere_reaches_every_process(
    catalog_app: tuple[Starlette, GraphQLClient], replica: tuple[Starlette, GraphQLClient],
    admin_client: GraphQLClient, catalog_engine: AsyncEngine,
) -> None:
    (_, here), (_, there) = catalog_app, replica
    before = await slugs(there)
    assert await slugs(there) == before  # kept in the replica now
    slug = unique("cat")
    assert (await admin_client.data(CREATE_CATEGORY, {"n": "Fresh", "s": slug}))["createCategory"]["errors"] == []

    async def seen_there() -> bool:
        return slug in await slugs(there)

    await eventually(seen_there)
    # A change by plain SQL (as the saga's stock reservations make) is heard too.
    async with catalog_engine.begin() as connection:
        await connection.execute(text("UPDATE catalog.categories SET name = 'Renamed' WHERE slug = :s"), {"s": slug})

    async def renamed() -> bool:
        rows = (await here.data("{ categories { slug name } }"))["categories"]
        return any(c["slug"] == slug and c["name"] == "Renamed" for c in rows)

    await eventually(renamed)


async def test_nothing_is_served_while_the_listener_is_down(
    replica: tuple[Starlette, GraphQLClient], catalog_engine: AsyncEngine
) -> None:
    app, there = replica
    cache = cache_of(app)
    await there.data(CATEGORIES)
    async with catalog_engine.connect() as connection:
        await connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'catalog-showcase' AND pid <> pg_backend_pid()")
        )
    await eventually(lambda: asyncio.sleep(0, not cache.feed.listening or cache.entries == {}))
    await eventually(lambda: asyncio.sleep(0, cache.feed.listening))  # back, and starting empty
    assert await there.data(CATEGORIES)
