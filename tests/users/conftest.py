from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from subgraphs.common.settings import Settings
from subgraphs.users.app import build
from tests.conftest import GraphQLClient, serve


@pytest.fixture(scope="session")
async def users(settings: Settings) -> AsyncIterator[GraphQLClient]:
    """The users subgraph in-process, anonymous; `.as_(token)` signs in."""
    async with serve(build(settings)) as http:
        yield GraphQLClient(http)


@pytest.fixture(scope="session")
async def admin(users: GraphQLClient, settings: Settings) -> GraphQLClient:
    """A real administrator session (users checks that the session behind a token is alive)."""
    from subgraphs.common.db import create_engine, session_factory
    from subgraphs.users.service import ensure_admin

    engine = create_engine(settings.database_url or "")
    await ensure_admin(session_factory(engine), "root@example.com", "admin-password")
    await engine.dispose()
    body = await users.data(
        'mutation { login(input: {email: "root@example.com", password: "admin-password"}) { accessToken } }'
    )
    return users.as_(body["login"]["accessToken"])
