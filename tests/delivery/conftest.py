from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from starlette.applications import Starlette

from subgraphs.common.settings import Settings
from subgraphs.delivery.app import build
from tests.conftest import GraphQLClient, serve, unique
from tests.delivery.support import ADDRESS_INPUT, Saga

CREATE_POINT = """
mutation($input: CreatePickupPointInput!) {
  createPickupPoint(input: $input) {
    pickupPoint { id name openingHours address { recipient city street postalCode } }
    errors { code field message }
  }
}"""


@pytest.fixture(scope="session")
def delivery_app(settings: Settings) -> Starlette:
    """The delivery subgraph without its relay: tests read the outbox directly."""
    return build(settings, background=False)


@pytest.fixture(scope="session")
async def delivery(delivery_app: Starlette) -> AsyncIterator[GraphQLClient]:
    """The delivery subgraph in-process, anonymous; `.as_(token)` signs in."""
    async with serve(delivery_app) as http:
        yield GraphQLClient(http)


@pytest.fixture(scope="session")
def admin(delivery: GraphQLClient, token_for: Callable[..., str]) -> GraphQLClient:
    return delivery.as_(token_for(uuid.uuid4(), "ADMIN"))


@pytest.fixture(scope="session")
def customer(delivery: GraphQLClient, token_for: Callable[..., str]) -> GraphQLClient:
    return delivery.as_(token_for(uuid.uuid4(), "CUSTOMER"))


@pytest.fixture(scope="session")
def saga(delivery: GraphQLClient, settings: Settings) -> Saga:
    """Internal calls as orders makes them, with the service credential."""
    return Saga(delivery.http, settings.resolved_service_token())


@pytest.fixture(scope="session")
async def pickup_point(admin: GraphQLClient) -> dict[str, str]:
    """A pickup point for the tests that need one: `{id, name}`."""
    name = unique("Point")
    body = await admin.data(CREATE_POINT, {"input": {"name": name, "address": ADDRESS_INPUT, "openingHours": "9–21"}})
    point: dict[str, str] = body["createPickupPoint"]["pickupPoint"]
    return point
