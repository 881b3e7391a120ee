from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from starlette.applications import Starlette

from subgraphs.common.settings import Settings
from subgraphs.notifications.app import build
from tests.conftest import GraphQLClient, serve
from tests.notifications.support import Events, RecordingSender


@pytest.fixture(scope="session")
def notifications_settings(settings: Settings) -> Settings:
    """The shared settings (the session's `migrate_all` has already built notifications' tables)."""
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
