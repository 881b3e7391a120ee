"""Events become notifications: one per event, whatever the relay replays, and each sent once."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from subgraphs.notifications.models import Notification
from tests.conftest import GraphQLClient
from tests.notifications.support import (
    Events,
    RecordingSender,
    order_event,
    wallet_event,
)

HISTORY = "{ myNotifications(first: 50) { edges { node { id kind title body readAt order { id } } } } }"


async def nodes(client: GraphQLClient) -> list[dict]:
    return [edge["node"] for edge in (await client.data(HISTORY))["myNotifications"]["edges"]]


async def test_an_order_status_change_makes_one_notification_for_the_owner(events: Events, user, notifications: GraphQLClient) -> None:
    user_id, client = user
    order_id = uuid.uuid4()
    reply = await events.post(order_event(user_id, order_id, "CANCELLED", note="cancelled by the customer"))
    assert reply.status_code == 200 and reply.json()["notification_id"]

    (node,) = await nodes(client)
    assert node["kind"] == "ORDER_STATUS"
    assert node["title"] == f"Order {str(order_id)[:8]}: cancelled"
    assert "cancelled" in node["body"] and "cancelled by the customer" in node["body"]
    assert node["order"] == {"id": str(order_id)} and node["readAt"] is None


async def test_a_replayed_event_creates_nothing(
    events: Events, user, db: async_sessionmaker[AsyncSession], notifications_app: Starlette, sender: RecordingSender
) -> None:
    user_id, client = user
    event = order_event(user_id)
    first = await events.post(event)
    again = await events.post(event)
    assert first.status_code == again.status_code == 200
    assert again.json() == {"notification_id": None}
    assert len(await nodes(client)) == 1
    async with db() as session:
        count = await session.scalar(select(func.count()).where(Notification.user_id == user_id))
    assert count == 1
    await notifications_app.state.shop.services.dispatcher.idle()
    assert len(sender.to(user_id)) == 1


async def test_wallet_events_make_wallet_notifications(events: Events, user) -> None:
    user_id, client = user
    order_id = uuid.uuid4()
    for event in (wallet_event(user_id, "TOP_UP", "500.00"), wallet_event(user_id, "PAYMENT", "120.50", order_id), wallet_event(user_id, "REFUND", "120.50", order_id)):
        assert (await events.post(event)).status_code == 200
    found = await nodes(client)
    assert [n["kind"] for n in found] == ["WALLET"] * 3
    assert [n["title"] for n in found] == ["Refund received: 120.50 RUB", "Payment made: 120.50 RUB", "Wallet topped up: 500.00 RUB"]
    assert found[0]["order"] == {"id": str(order_id)} and found[2]["order"] is None


async def test_each_notification_is_sent_once_after_the_commit(events: Events, user, notifications_app: Starlette, sender: RecordingSender, db) -> None:
    user_id, _client = user
    reply = await events.post(order_event(user_id, status="SHIPPED"))
    await notifications_app.state.shop.services.dispatcher.idle()
    (message,) = sender.to(user_id)
    assert message.subject.endswith(": shipped")
    async with db() as session:
        row = await session.get(Notification, uuid.UUID(reply.json()["notification_id"]))
    assert row.sent_at is not None and row.send_attempts == 1 and row.send_error is None
    # The retry loop finds nothing to do for a sent notification.
    assert await notifications_app.state.shop.services.dispatcher.send(row.id) is False
    assert len(sender.to(user_id)) == 1


async def test_other_topics_are_acknowledged_and_ignored(events: Events, user) -> None:
    user_id, client = user
    reply = await events.post({"id": str(uuid.uuid4()), "topic": "delivery.status_changed", "payload": {"user_id": str(user_id)}})
    assert reply.status_code == 200 and reply.json() == {"notification_id": None}
    assert await nodes(client) == []


async def test_a_malformed_event_is_refused(events: Events, user) -> None:
    user_id, _client = user
    broken = order_event(user_id)
    broken["payload"]["status"] = "LOST"
    assert (await events.post(broken)).json()["error"] == "INVALID_INPUT"
    assert (await events.post({"id": "nope", "topic": "order.status_changed", "payload": {}})).status_code == 400


WRONG_SHAPES = [
    *(("order", field, value) for field, value in [
        ("status", []), ("status", {"CONFIRMED": 1}), ("at", "0001-01-01T00:00:00+14:00"), ("at", "9999-12-31T23:59:59-14:00"),
        ("at", "2026-12-01T10:00:00"), ("at", 1764583200),
    ]),
    *(("wallet", field, value) for field, value in [("amount", "9" * 300), ("amount", "lots"), ("amount", True), ("amount", "NaN"), ("balance", [1])]),
]


@pytest.mark.parametrize(("topic", "field", "value"), WRONG_SHAPES)
async def test_an_event_of_the_wrong_shape_is_refused_and_stores_nothing(events: Events, user, topic: str, field: str, value: object) -> None:
    user_id, client = user
    broken = order_event(user_id) if topic == "order" else wallet_event(user_id)
    broken["payload"][field] = value
    reply = await events.post(broken)
    assert reply.status_code == 400 and reply.json()["error"] == "INVALID_INPUT", reply.text
    assert await nodes(client) == []


async def test_intake_wants_the_service_credential(events: Events, user) -> None:
    user_id, client = user
    reply = await events.post(order_event(user_id), token="forged")
    assert reply.status_code == 401
    assert await nodes(client) == []
