"""A delivery event that arrives before its order is confirmed is refused as too early, recorded
nowhere, and applied when it comes again after the confirmation."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from subgraphs.common.events import TOO_EARLY
from subgraphs.common.settings import Settings
from subgraphs.orders.app import build
from subgraphs.orders.models import HandledEvent
from subgraphs.orders.saga import Saga
from tests.conftest import serve
from tests.internal_client import InternalRoutes
from tests.orders.fakes import FakeRemote
from tests.orders.test_saga import new_order, state


@pytest.fixture(scope="module")
async def intake(settings: Settings) -> AsyncIterator[InternalRoutes]:
    async with serve(build(settings, remote=FakeRemote(), background=False)) as http:
        yield InternalRoutes(http, settings.resolved_service_token())


def delivery_event(order_id: uuid.UUID, status: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "topic": "delivery.status_changed", "payload": {"order_id": str(order_id), "status": status}}


async def handled(db: Any, event: dict[str, Any]) -> bool:
    async with db() as session:
        return await session.scalar(select(HandledEvent.event_id).where(HandledEvent.event_id == uuid.UUID(event["id"]))) is not None


async def test_an_early_event_is_refused_until_the_order_is_confirmed_then_applied(db: Any, intake: InternalRoutes) -> None:
    remote = FakeRemote()
    order_id, _user = await new_order(db, remote)
    moved = delivery_event(order_id, "IN_TRANSIT")
    # The saga has queued the delivery, but the order is still PENDING when the parcel moves.
    early = await intake.send("POST", "/internal/events", moved)
    assert early.status_code == TOO_EARLY and not await handled(db, moved)
    assert (await state(db, order_id))[0] == "PENDING"

    assert await Saga(db, remote).run(order_id) is True
    again = await intake.send("POST", "/internal/events", moved)  # the relay offers it again
    assert again.status_code == 200 and await handled(db, moved)
    status, _steps, history = await state(db, order_id)
    assert status == "SHIPPED" and history == ["PENDING", "CONFIRMED", "SHIPPED"]
    # A replay is ignored.
    assert (await intake.send("POST", "/internal/events", moved)).status_code == 200
    assert (await state(db, order_id))[2] == ["PENDING", "CONFIRMED", "SHIPPED"]


async def test_an_event_about_an_order_past_it_is_acknowledged_without_effect(db: Any, intake: InternalRoutes) -> None:
    remote = FakeRemote()
    order_id, _user = await new_order(db, remote)
    assert await Saga(db, remote).run(order_id) is True
    for status in ("IN_TRANSIT", "DELIVERED"):
        assert (await intake.send("POST", "/internal/events", delivery_event(order_id, status))).status_code == 200
    late = delivery_event(order_id, "IN_TRANSIT")
    assert (await intake.send("POST", "/internal/events", late)).status_code == 200
    assert (await state(db, order_id))[2] == ["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED"]
