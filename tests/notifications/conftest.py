from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from subgraphs.common.db import create_engine, session_factory
from subgraphs.common.migrations import upgrade
from subgraphs.common.settings import Settings
from subgraphs.notifications.app import build
from tests.conftest import GraphQLClient, serve
from tests.notifications.support import Events, RecordingSender


@pytest.fixture(scope="session")
def notifications_settings(settings: Settings) -> Settings:
    """The shared settings, with notifications' tables migrated.

    `shop.SUBGRAPHS` does not list notifications yet, so the session's `migrate_all` skips it;
    upgrading again once it does is a no-op.
    """
    upgrade("notifications", settings.database_url or "")
    return settings


@pytest.fixture(scope="session")
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture(scope="session")
def notifications_app(notifications_settings: Settings, sender: RecordingSender) -> Starlette:
    """The subgraph with a recording provider and no retry loop (tests drive retries themselves)."""
    return build(notifications_settings, sender=sender, background=False)


@pytest.fixture(scope="session")
async def notifications(notifications_app: Starlette) -> AsyncIterator[GraphQLClient]:
    """The subgraph in-process, anonymous; `.as_(token)` signs in."""
    async with serve(notifications_app) as http:
        yield GraphQLClient(http)


@pytest.fixture(scope="session")
def events(notifications: GraphQLClient, notifications_settings: Settings) -> Events:
    """Events as the relays deliver them, with the service credential."""
    return Events(notifications.http, notifications_settings.resolved_service_token())


@pytest.fixture
def user(notifications: GraphQLClient, token_for: Callable[..., str]) -> tuple[uuid.UUID, GraphQLClient]:
    """A fresh customer: `(user_id, client signed in as them)`."""
    user_id = uuid.uuid4()
    return user_id, notifications.as_(token_for(user_id))


@pytest.fixture(scope="session")
async def db(notifications_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Direct database access, for what the API does not show (send state), and for another 'replica'."""
    engine = create_engine(notifications_settings.database_url or "", pool_size=2)
    yield session_factory(engine)
    await engine.dispose()
