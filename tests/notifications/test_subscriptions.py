"""Live push over a real WebSocket (graphql-transport-ws), the subgraph served by uvicorn on the test port base + 1500-1599."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from subgraphs.common.settings import Settings
from subgraphs.notifications import service
from subgraphs.notifications.app import build
from subgraphs.notifications.broker import Broker
from tests.conftest import listening_on
from tests.notifications.support import (
    Events,
    RecordingSender,
    free_port,
    order_event,
    wallet_event,
)

ADDED = "subscription { notificationAdded { id kind title body order { id } readAt } }"
STATUS = "subscription($o: ID!) { orderStatusChanged(orderId: $o) { order { id } status at } }"
QUIET = 0.5  # how long "receives nothing" waits


class Live:
    """The subgraph under uvicorn: its URL, its broker, and events posted over real HTTP."""

    def __init__(self, app: Starlette, port: int, events: Events) -> None:
        self.app, self.port, self.events = app, port, events
        self.url = f"ws://127.0.0.1:{port}/graphql"

    @property
    def broker(self) -> Broker:
        broker: Broker = self.app.state.shop.services.broker
        return broker

    async def subscribers(self, count: int) -> None:
        """Waits until `count` subscriptions are registered (a notify before that would be missed)."""
        for _ in range(200):
            if len(self.broker.subscribers) >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{len(self.broker.subscribers)} subscribers, expected {count}")


@pytest.fixture(scope="module")
async def live(notifications_settings: Settings) -> AsyncIterator[Live]:
    app = build(notifications_settings, sender=RecordingSender(), background=False)
    port = free_port()
    async with listening_on(app, port, lifespan="on"):
        await asyncio.wait_for(app.state.shop.services.broker.listening.wait(), 5)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            yield Live(app, port, Events(http, notifications_settings.resolved_service_token()))


@contextlib.asynccontextmanager
async def subscription(
    live: Live, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, header: bool = False
) -> AsyncIterator[websockets.ClientConnection]:
    """A graphql-transport-ws subscription, signed in through `connection_init` (or the upgrade's header)."""
    headers = {"Authorization": f"Bearer {token}"} if token and header else None
    async with websockets.connect(live.url, subprotocols=["graphql-transport-ws"], additional_headers=headers) as ws:
        init: dict[str, Any] = {"type": "connection_init"}
        if token and not header:
            init["payload"] = {"Authorization": f"Bearer {token}"}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}))
        yield ws


async def next_message(ws: websockets.ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def nothing_arrives(ws: websockets.ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        await next_message(ws, QUIET)


async def test_notification_added_receives_an_event_posted_to_intake(live: Live, token_for: Callable[..., str]) -> None:
    user_id = uuid.uuid4()
    async with subscription(live, ADDED, token=token_for(user_id)) as ws:
        await live.subscribers(1)
        reply = await live.events.post(wallet_event(user_id, "TOP_UP", "42.00"))
        message = await next_message(ws)
    assert message["type"] == "next"
    node = message["payload"]["data"]["notificationAdded"]
    assert node["id"] == reply.json()["notification_id"]
    assert node["kind"] == "WALLET" and node["title"] == "Wallet topped up: 42.00 RUB" and node["readAt"] is None


async def test_notification_added_yields_only_your_own(live: Live, token_for: Callable[..., str]) -> None:
    me, someone = uuid.uuid4(), uuid.uuid4()
    async with subscription(live, ADDED, token=token_for(me), header=True) as ws:
        await live.subscribers(1)
        await live.events.post(order_event(someone))
        await nothing_arrives(ws)
        await live.events.post(order_event(me, status="DELIVERED"))
        message = await next_message(ws)
    assert message["payload"]["data"]["notificationAdded"]["title"].endswith(": delivered")


async def test_order_status_changed_reaches_the_owner_and_an_admin_but_not_another_customer(
    live: Live, token_for: Callable[..., str]
) -> None:
    owner, order_id = uuid.uuid4(), uuid.uuid4()
    variables = {"o": str(order_id)}
    async with (
        subscription(live, STATUS, variables, token=token_for(owner)) as mine,
        subscription(live, STATUS, variables, token=token_for(uuid.uuid4(), "ADMIN")) as admins,
        subscription(live, STATUS, variables, token=token_for(uuid.uuid4())) as strangers,
    ):
        await live.subscribers(3)
        await live.events.post(order_event(owner, uuid.uuid4(), "SHIPPED"))  # another order of theirs
        event = order_event(owner, order_id, "SHIPPED")
        await live.events.post(event)
        for ws in (mine, admins):
            got = (await next_message(ws))["payload"]["data"]["orderStatusChanged"]
            assert got["order"] == {"id": str(order_id)} and got["status"] == "SHIPPED"
            assert got["at"].startswith(event["payload"]["at"][:19])
        await nothing_arrives(strangers)
        await nothing_arrives(mine)  # the other order's change was not this subscription's


async def test_wallet_notifications_are_not_order_status_events(live: Live, token_for: Callable[..., str]) -> None:
    owner, order_id = uuid.uuid4(), uuid.uuid4()
    async with subscription(live, STATUS, {"o": str(order_id)}, token=token_for(owner)) as ws:
        await live.subscribers(1)
        await live.events.post(wallet_event(owner, "PAYMENT", "10.00", order_id))
        await nothing_arrives(ws)


async def test_a_notification_made_by_another_replica_reaches_the_subscriber(
    live: Live, token_for: Callable[..., str], db: async_sessionmaker[AsyncSession]
) -> None:
    user_id, order_id = uuid.uuid4(), uuid.uuid4()
    async with subscription(live, ADDED, token=token_for(user_id)) as ws:
        await live.subscribers(1)
        # Another process: its own engine and connection, only PostgreSQL in between.
        event = order_event(user_id, order_id, "READY_FOR_PICKUP")
        created = await service.handle_event(db, uuid.UUID(event["id"]), event["topic"], event["payload"], currency="RUB")
        node = (await next_message(ws))["payload"]["data"]["notificationAdded"]
    assert node["id"] == str(created) and node["order"] == {"id": str(order_id)}


async def test_nothing_is_pushed_before_the_commit(live: Live, token_for: Callable[..., str], db: async_sessionmaker[AsyncSession]) -> None:
    user_id = uuid.uuid4()
    async with subscription(live, ADDED, token=token_for(user_id)) as ws:
        await live.subscribers(1)
        async with db.begin() as session:
            await service.add(session, user_id=user_id, kind="ACCOUNT", title="rolled back", body="never")
            await session.rollback()
        await nothing_arrives(ws)


async def test_anonymous_subscriptions_are_unauthenticated(live: Live) -> None:
    for query, variables in ((ADDED, {}), (STATUS, {"o": str(uuid.uuid4())})):
        async with subscription(live, query, variables) as ws:
            message = await next_message(ws)
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_refused_token_in_connection_init_closes_the_connection(live: Live) -> None:
    async with websockets.connect(live.url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer not.a.token"}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await next_message(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_refused_token_in_the_upgrade_header_yields_nothing(live: Live) -> None:
    """Never anonymous, never data. Today the operation only completes (common's RejectRefusedToken raises
    inside Strawberry's subscription worker); rejecting in `on_ws_connect` would close with 4403 instead."""
    headers = {"Authorization": "Bearer not.a.token"}
    async with websockets.connect(live.url, subprotocols=["graphql-transport-ws"], additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        try:
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ADDED}}))
            message = await next_message(ws)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4403
            return
    assert message["type"] in ("error", "complete"), message


async def test_a_malformed_order_id_is_bad_user_input(live: Live, token_for: Callable[..., str]) -> None:
    async with subscription(live, STATUS, {"o": "nope"}, token=token_for(uuid.uuid4())) as ws:
        message = await next_message(ws)
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", message
