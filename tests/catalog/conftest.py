"""The catalog subgraph in-process against the test database, and clients named by role."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from subgraphs.catalog.app import build
from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient, app_engine, serve


@pytest.fixture(scope="session")
async def catalog_app(settings: Settings) -> AsyncIterator[tuple[Starlette, GraphQLClient]]:
    app = build(settings)
    async with serve(app) as http:
        yield app, GraphQLClient(http)


@pytest.fixture(scope="session")
def catalog(catalog_app: tuple[Starlette, GraphQLClient]) -> GraphQLClient:
    """Anonymous: the showcase as any visitor sees it."""
    return catalog_app[1]


@pytest.fixture(scope="session")
def catalog_engine(catalog_app: tuple[Starlette, GraphQLClient]) -> AsyncEngine:
    """The app's own engine, to watch the SQL it sends."""
    return app_engine(catalog_app[0])


@pytest.fixture(scope="session")
def admin_client(catalog: GraphQLClient, token_for: Callable[..., str]) -> GraphQLClient:
    return catalog.as_(token_for(uuid.uuid4(), "ADMIN"))


@pytest.fixture(scope="session")
def customer_client(catalog: GraphQLClient, token_for: Callable[..., str]) -> GraphQLClient:
    return catalog.as_(token_for(uuid.uuid4(), "CUSTOMER"))
