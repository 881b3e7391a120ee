"""Notifications through the gateway: one per order status change, the history, and live
subscriptions over WebSocket (graphql-transport-ws), the token in the connection_init payload."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import websockets

from shop.stack import Stack
from tests.conftest import GraphQLClient, eventually, unique
from tests.e2e.test_checkout import ADD, DELIVERY, PLACE, customer, pickup
from tests.e2e.test_showcase import new_category, new_product

TOP_UP = 'mutation($k: String!) { topUpWallet(input: {amount: "1.00", idempotencyKey: $k}) { errors { code } } }'
HISTORY = """query($unread: Boolean) { myNotifications(first: 50, unreadOnly: $unread) {
  edges { node { id kind title body order { id status } readAt } } } unreadNotificationCount }"""
MARK = "mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { count errors { code } } }"


class Live:
    """A subscription's events (`events`) and a probe beside it on the same connection: the subscriber's
    own `notificationAdded`, which `heard()` shows has carried something since it was last asked."""

    def __init__(self, me: GraphQLClient) -> None:
        self.me = me
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.probe: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def heard(self) -> bool:
        """Tops the wallet up by 1.00 (a WALLET notification) and says whether the probe has carried one."""
        assert (await self.me.data(TOP_UP, {"k": unique()}))["topUpWallet"]["errors"] == []
        await asyncio.sleep(0.2)
        heard = not self.probe.empty()
        while not self.probe.empty():
            self.probe.get_nowait()
        return heard


@asynccontextmanager
async def subscription(store: Stack, me: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> AsyncIterator[Live]:
    """A subscription through the gateway, yielded once it is live: a probe subscribed after it on the same
    connection has carried a notification (there is no fixed time after which a subscription is live)."""
    url = store.settings.url("gateway").replace("http", "ws") + "/graphql"
    live = Live(me)
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {me.token}"}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}))
        await socket.send(json.dumps({"id": "probe", "type": "subscribe", "payload": {"query": "subscription { notificationAdded { kind } }"}}))

        async def pump() -> None:
            async for raw in socket:
                message = json.loads(raw)
                if message["type"] in ("next", "error"):
                    await (live.probe if message.get("id") == "probe" else live.events).put(message["payload"])

        task = asyncio.create_task(pump())
        try:
            await eventually(live.heard)
            yield live
        finally:
            task.cancel()


async def next_where(messages: asyncio.Queue[Any], keep: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The next message `keep` accepts (errors are always kept), waiting up to 15 s in all."""
    async with asyncio.timeout(15):
        while True:
            message = await messages.get()
            if not isinstance(message, dict) or message.get("errors") or not message.get("data") or keep(message):
                return message  # type: ignore[no-any-return]


async def test_each_status_change_notifies_the_owner_live_and_in_history(store: Stack, gateway: GraphQLClient, admin: GraphQLClient) -> None:
    product = (await new_product(admin, await new_category(admin), "Candle", price="50.00", stock=5))["id"]
    me = await customer(gateway)
    await me.data(ADD, {"p": product, "q": 1})
    async with subscription(store, me, "subscription { notificationAdded { kind title order { id } } }") as live:
        added = live.events
        order = (await me.data(PLACE, {"k": unique(), "d": await pickup(gateway)}))["placeOrder"]["order"]
        assert order["status"] == "CONFIRMED"
        # The top-up's WALLET notification may come first: events of different producers have no order.
        first = await next_where(added, lambda m: m["data"]["notificationAdded"]["kind"] != "WALLET")
        assert first["data"]["notificationAdded"]["kind"] == "ORDER_STATUS"
        assert first["data"]["notificationAdded"]["order"]["id"] == order["id"]

    watched = "subscription($o: ID!) { orderStatusChanged(orderId: $o) { status order { id } } }"
    async with subscription(store, me, watched, {"o": order["id"]}) as live:
        changes = live.events
        await admin.data(DELIVERY, {"o": order["id"], "s": "READY_FOR_PICKUP"})
        # CONFIRMED may still be on its way when the subscription opens: it comes before, never after.
        event = await next_where(changes, lambda m: m["data"]["orderStatusChanged"]["status"] != "CONFIRMED")
        assert event["data"]["orderStatusChanged"] == {"status": "READY_FOR_PICKUP", "order": {"id": order["id"]}}

    async def three() -> bool:
        edges = (await me.data(HISTORY))["myNotifications"]["edges"]
        return len([e for e in edges if e["node"]["kind"] == "ORDER_STATUS"]) == 3

    await eventually(three)  # PENDING, CONFIRMED, READY_FOR_PICKUP: one each, none doubled
    history = await me.data(HISTORY, {"unread": True})
    assert history["unreadNotificationCount"] >= 3
    marked = (await me.data(MARK, {"ids": None}))["markNotificationsRead"]
    assert marked["errors"] == [] and marked["count"] == history["unreadNotificationCount"]
    assert (await me.data(HISTORY, {"unread": True}))["unreadNotificationCount"] == 0


async def test_someone_elses_order_cannot_be_watched(store: Stack, gateway: GraphQLClient, admin: GraphQLClient) -> None:
    product = (await new_product(admin, await new_category(admin), "Vase", price="20.00", stock=5))["id"]
    owner, stranger = await customer(gateway), await customer(gateway)
    await owner.data(ADD, {"p": product, "q": 1})
    order = (await owner.data(PLACE, {"k": unique(), "d": await pickup(gateway)}))["placeOrder"]["order"]
    watched = "subscription($o: ID!) { orderStatusChanged(orderId: $o) { status } }"
    async with subscription(store, stranger, watched, {"o": order["id"]}) as live:
        await admin.data(DELIVERY, {"o": order["id"], "s": "READY_FOR_PICKUP"})

        async def owner_notified() -> bool:
            edges = (await owner.data(HISTORY))["myNotifications"]["edges"]
            return any(e["node"]["title"].endswith("ready for pickup") for e in edges if (e["node"]["order"] or {}).get("id") == order["id"])

        await eventually(owner_notified)
        # The stranger's probe carries a notification made after the owner's: had the order's reached
        # the stranger, it would have come before it.
        await eventually(live.heard)
        changes = live.events
        received = [changes.get_nowait() for _ in range(changes.qsize())]
    # Nothing of the order reaches a stranger (an error, or silence).
    assert not [m for m in received if isinstance(m, dict) and (m.get("data") or {}).get("orderStatusChanged")]


async def test_subscriptions_also_run_over_server_sent_events(store: Stack, gateway: GraphQLClient) -> None:
    me = await customer(gateway, "0")
    url = store.settings.url("gateway") + "/graphql"
    headers = {"Authorization": f"Bearer {me.token}", "Accept": "text/event-stream"}
    body = {"query": "subscription { notificationAdded { kind title } }"}
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def listen() -> None:
        import httpx

        async with httpx.AsyncClient(timeout=30) as http, http.stream("POST", url, json=body, headers=headers) as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data:") and line[5:].strip():
                    await received.put(json.loads(line[5:]))

    task = asyncio.create_task(listen())
    try:
        top_up = 'mutation($k: String!) { topUpWallet(input: {amount: "25.00", idempotencyKey: $k}) { errors { code } } }'

        async def live() -> bool:  # a top-up notifies; repeated until the stream, once open, carries one
            assert (await me.data(top_up, {"k": unique()}))["topUpWallet"]["errors"] == []
            await asyncio.sleep(0.2)
            return not received.empty()

        await eventually(live)
        event = await asyncio.wait_for(received.get(), 15)
        assert event["data"]["notificationAdded"]["kind"] == "WALLET"
    finally:
        task.cancel()
