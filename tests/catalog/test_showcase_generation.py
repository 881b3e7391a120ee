"""The showcase generation the gateway's copy follows, in-process: what moves it, what the answers say."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from subgraphs.catalog.cache import GENERATION_HEADER
from subgraphs.catalog.feed import ShowcaseFeed
from subgraphs.common.contract import SHOWCASE_GENERATION, ShowcaseGeneration
from subgraphs.common.internal import SERVICE_HEADER
from subgraphs.common.settings import Settings
from tests.catalog.test_cache import CATEGORIES, CREATE_CATEGORY, cache_of, replica
from tests.conftest import GraphQLClient, eventually, unique

HEADER = GENERATION_HEADER.decode()
__all__ = ["replica"]  # the fixture: a second catalog process on the same database


async def generation(http: httpx.AsyncClient, settings: Settings) -> ShowcaseGeneration:
    response = await http.get(SHOWCASE_GENERATION.path, headers={SERVICE_HEADER: settings.showcase_poll_token()})
    assert response.status_code == 200, response.text
    return ShowcaseGeneration.model_validate(response.json())


async def test_the_generation_is_for_services_and_each_anonymous_answer_says_its_own(
    replica: tuple[Starlette, GraphQLClient], settings: Settings, admin_client: GraphQLClient
) -> None:
    app, catalog = replica
    assert (await catalog.http.get(SHOWCASE_GENERATION.path)).status_code == 401
    # Its own credential, and that alone: the service's does not open it, and it opens no other route.
    service, poll = {SERVICE_HEADER: settings.resolved_service_token()}, {SERVICE_HEADER: settings.showcase_poll_token()}
    assert (await catalog.http.get(SHOWCASE_GENERATION.path, headers=service)).status_code == 401
    assert (await catalog.http.post("/internal/products/lookup", json={"ids": []}, headers=poll)).status_code == 401
    cache_of(app).forget()
    now = await generation(catalog.http, settings)
    assert now.listening and now.generation == cache_of(app).token()
    computed = await catalog.http.post("/graphql", json={"query": CATEGORIES})
    kept = await catalog.http.post("/graphql", json={"query": CATEGORIES})
    assert computed.headers[HEADER] == kept.headers[HEADER] == now.generation and kept.json() == computed.json()
    # A signed-in answer and a mutation's say nothing; a mutation that ran moves the generation, one refused does not.
    admin = {"Authorization": f"Bearer {admin_client.token}"}
    signed = await catalog.http.post("/graphql", json={"query": CATEGORIES}, headers=admin)
    assert HEADER not in signed.headers
    refused = await catalog.http.post("/graphql", json={"query": CREATE_CATEGORY, "variables": {"n": "X", "s": unique("x")}})
    assert HEADER not in refused.headers and (await generation(catalog.http, settings)).generation == now.generation
    moved = await catalog.http.post("/graphql", json={"query": CREATE_CATEGORY, "variables": {"n": "X", "s": unique("x")}}, headers=admin)
    assert HEADER not in moved.headers and (await generation(catalog.http, settings)).generation != now.generation


async def test_another_process_never_has_the_same_generation(
    catalog_app: tuple[Starlette, GraphQLClient], replica: tuple[Starlette, GraphQLClient]
) -> None:
    (here, _), (there, _) = catalog_app, replica
    # Both count from 0; the boot id keeps their generations apart (a restarted process's too).
    assert cache_of(here).boot != cache_of(there).boot
    assert cache_of(here).token(7) != cache_of(there).token(7)


async def test_a_lost_listen_moves_the_generation_and_vouches_for_nothing_meanwhile(
    replica: tuple[Starlette, GraphQLClient], settings: Settings, catalog_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, catalog = replica
    before = await generation(catalog.http, settings)
    async with catalog_engine.connect() as connection:
        await connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'catalog-showcase' AND pid <> pg_backend_pid()")
        )

    async def back() -> bool:
        again = await generation(catalog.http, settings)
        return again.listening and again.generation != before.generation

    await eventually(back)
    # As while the LISTEN is down, or silent past what it may be trusted for (catalog/feed.py): answers
    # computed now vouch for nothing.
    monkeypatch.setattr(ShowcaseFeed, "vouches", property(lambda _self: False))
    assert HEADER not in (await catalog.http.post("/graphql", json={"query": CATEGORIES})).headers
    assert not (await generation(catalog.http, settings)).listening

