"""The outbox relay: status changes reach orders' `/internal/events` in order, and wait while it is down.

Orders is played by a tiny Starlette app under uvicorn on a free port (the test port base + 1000-1999); the settings'
port base is shifted so that `settings.url("orders")` points at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from subgraphs.common.auth import TokenVerifier
from subgraphs.common.context import AppState
from subgraphs.common.contract import Event, Handled
from subgraphs.common.db import create_engine, session_factory
from subgraphs.common.events import Relay
from subgraphs.common.internal import SERVICE_HEADER
from subgraphs.common.settings import PORT_OFFSETS, Settings
from subgraphs.delivery.app import SUBSCRIBERS, build
from subgraphs.delivery.models import OutboxEvent
from tests.conftest import TEST_PORT_BASE, GraphQLClient, listening_on, serve
from tests.delivery.support import Saga, events
from tests.conftest import free_port as shared_free_port

UPDATE = "mutation($o: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $o, status: $s) { errors { code } } }"
Db = async_sessionmaker[AsyncSession]


def free_port() -> int:
    return shared_free_port(range(TEST_PORT_BASE + 1000, TEST_PORT_BASE + 2000))


def aimed_at(settings: Settings, port: int, **changes: Any) -> Settings:
    """Settings whose orders subgraph answers on `port`."""
    return settings.model_copy(update={"port_base": port - PORT_OFFSETS["orders"], **changes})


class FakeOrders:
    """Records the events it is sent (as the contract's `Event`); refuses callers without the service
    credential, as orders would."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.received: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/internal/events", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> JSONResponse:
        if request.headers.get(SERVICE_HEADER) != self.token:
            return JSONResponse({"error": "UNAUTHENTICATED"}, status_code=401)
        self.received.append(Event.model_validate(await request.json()).wire())
        return JSONResponse(Handled().wire())

    def about(self, order_id: uuid.UUID) -> list[dict[str, Any]]:
        return [e for e in self.received if e["payload"]["order_id"] == str(order_id)]

    def serving(self, port: int) -> contextlib.AbstractAsyncContextManager[None]:
        return listening_on(self.app, port)


@contextlib.asynccontextmanager
async def relay_for(settings: Settings) -> AsyncIterator[Relay]:
    """A relay over the delivery outbox, not started: the test drives `drain()`."""
    engine = create_engine(settings.database_url or "", pool_size=2)
    state = AppState(name="delivery", settings=settings, db=session_factory(engine), verifier=TokenVerifier.from_settings(settings))
    relay = Relay(state, OutboxEvent, SUBSCRIBERS)
    try:
        yield relay
    finally:
        await relay.stop()
        await engine.dispose()


async def drain_all(relay: Relay) -> int:
    total = 0
    while delivered := await relay.drain():
        total += delivered
    return total


async def shipped(saga: Saga, admin: GraphQLClient, *steps: str) -> uuid.UUID:
    order_id = await saga.queued()
    for status in steps:
        assert (await admin.data(UPDATE, {"o": str(order_id), "s": status}))["updateDeliveryStatus"]["errors"] == []
    return order_id


async def test_events_reach_orders_in_order_and_are_marked_published(
    saga: Saga, admin: GraphQLClient, settings: Settings, db: Db
) -> None:
    first = await shipped(saga, admin, "IN_TRANSIT", "DELIVERED")
    second = await shipped(saga, admin, "IN_TRANSIT")
    fake, port = FakeOrders(settings.resolved_service_token()), free_port()
    async with fake.serving(port), relay_for(aimed_at(settings, port)) as relay:
        assert await drain_all(relay) >= 3
    stored = await events(db, first) + await events(db, second)
    assert all(e.published_at is not None for e in stored)
    assert [(e["id"], e["topic"], e["payload"]) for e in fake.about(first) + fake.about(second)] == [
        (str(e.id), "delivery.status_changed", e.payload) for e in stored
    ]
    assert [e["payload"]["status"] for e in fake.about(first)] == ["IN_TRANSIT", "DELIVERED"]
    # Everything arrived in outbox order: the first order's events before the second's.
    ids = [e["id"] for e in fake.received]
    assert [ids.index(str(e.id)) for e in stored] == sorted(ids.index(str(e.id)) for e in stored)


async def test_events_wait_while_orders_is_unreachable(saga: Saga, admin: GraphQLClient, settings: Settings, db: Db) -> None:
    order_id = await shipped(saga, admin, "IN_TRANSIT")
    port = free_port()  # nobody listens there yet
    down = aimed_at(settings, port, internal_attempts=2, internal_timeout=0.5)
    async with relay_for(down) as relay:
        assert await relay.drain() == 0
    assert [e.published_at for e in await events(db, order_id)] == [None]
    fake = FakeOrders(settings.resolved_service_token())
    async with fake.serving(port), relay_for(down) as relay:  # orders is back: the event goes out now
        await drain_all(relay)
    assert [e["payload"]["status"] for e in fake.about(order_id)] == ["IN_TRANSIT"]
    assert all(e.published_at is not None for e in await events(db, order_id))


async def test_a_wrong_credential_is_an_outage_not_a_delivery(saga: Saga, admin: GraphQLClient, settings: Settings, db: Db) -> None:
    order_id = await shipped(saga, admin, "IN_TRANSIT")
    fake, port = FakeOrders("another-secret"), free_port()
    async with fake.serving(port), relay_for(aimed_at(settings, port, internal_attempts=1)) as relay:
        assert await relay.drain() == 0
    assert [e.published_at for e in await events(db, order_id)] == [None]


async def test_the_app_runs_its_relay(settings: Settings, token_for: Any, db: Db) -> None:
    fake, port = FakeOrders(settings.resolved_service_token()), free_port()
    app = build(aimed_at(settings, port), background=True)
    async with fake.serving(port), serve(app) as http:
        relay = app.state.shop.relay
        saga = Saga(http, settings.resolved_service_token())
        order_id = await shipped(saga, GraphQLClient(http).as_(token_for(uuid.uuid4(), "ADMIN")), "IN_TRANSIT", "DELIVERED")
        for _ in range(200):  # woken by NOTIFY, so this takes milliseconds, not the poll interval
            stored = await events(db, order_id)
            if len(stored) == 2 and all(e.published_at for e in stored):
                break
            await asyncio.sleep(0.05)
        assert [e["payload"]["status"] for e in fake.about(order_id)] == ["IN_TRANSIT", "DELIVERED"]
        assert all(e.published_at is not None for e in await events(db, order_id))
    assert app.state.shop.relay is None and relay.task.done()
