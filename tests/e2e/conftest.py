"""End to end: the real processes (every subgraph under uvicorn, Hive Gateway) on their own ports.

Everything goes through the gateway only, as the storefront and GraphiQL would.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from shop.cli import prepare
from shop.migrate import migrate_all
from shop.postgres import drop_database, ensure_database
from shop.stack import Stack
from subgraphs.common.settings import ROOT, Settings
from tests.conftest import TEST_PORT_BASE, GraphQLClient

PORT_BASE = TEST_PORT_BASE


@pytest.fixture(scope="package")
def e2e_settings(server: str, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings of one package's stack; each package that imports these fixtures gets its own database."""
    name = f"shop_{request.node.name}_{os.getpid()}"
    url = ensure_database(server, name, fresh=True)
    migrate_all(url)
    yield Settings(database_url=url, data_dir=ROOT / ".data" / "e2e", port_base=PORT_BASE, admin_email="admin-e2e@example.com")
    drop_database(server, name)


@pytest.fixture(scope="package")
async def store(e2e_settings: Settings) -> AsyncIterator[Stack]:
    """The whole store, started once for the end-to-end tests (development keys, JWKS over HTTP)."""
    assert e2e_settings.database_url
    await prepare(e2e_settings, e2e_settings.database_url)
    async with Stack(e2e_settings, e2e_settings.database_url, quiet=True) as stack:
        yield stack


@pytest.fixture(scope="package")
async def gateway(store: Stack) -> AsyncIterator[GraphQLClient]:
    """An anonymous client of the gateway; `.as_(token)` signs in."""
    async with httpx.AsyncClient(base_url=store.settings.url("gateway"), timeout=30.0) as http:
        yield GraphQLClient(http)


@pytest.fixture(scope="package")
async def admin(gateway: GraphQLClient, e2e_settings: Settings) -> GraphQLClient:
    body = await gateway.data(
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken errors { code } } }",
        {"e": e2e_settings.admin_email, "p": e2e_settings.admin_password},
    )
    return gateway.as_(body["login"]["accessToken"])
