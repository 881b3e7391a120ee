"""Status changes by an admin: a strict table per method, one outbox event per change applied."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import GraphQLClient
from tests.delivery.support import Saga, events

UPDATE = """
mutation($orderId: ID!, $status: DeliveryStatus!) {
  updateDeliveryStatus(orderId: $orderId, status: $status) {
    delivery { id orderId method status updatedAt }
    errors { code field message }
  }
}"""

STATUSES = ["QUEUED", "IN_TRANSIT", "DELIVERED", "READY_FOR_PICKUP", "PICKED_UP", "CANCELLED"]
#: The legal paths, written out here independently of the service's table.
PATHS = {"COURIER": ["QUEUED", "IN_TRANSIT", "DELIVERED"], "PICKUP": ["QUEUED", "READY_FOR_PICKUP", "PICKED_UP"]}
Db = async_sessionmaker[AsyncSession]


async def move(admin: GraphQLClient, order_id: uuid.UUID, status: str) -> dict:
    body = await admin.data(UPDATE, {"orderId": str(order_id), "status": status})
    payload: dict = body["updateDeliveryStatus"]
    return payload


async def new_delivery(saga: Saga, method: str, pickup_point: dict[str, str]) -> uuid.UUID:
    return await saga.queued(method, pickup_point_id=pickup_point["id"] if method == "PICKUP" else None)


@pytest.mark.parametrize("method", ["COURIER", "PICKUP"])
async def test_every_legal_step_applies_and_publishes_once(
    method: str, saga: Saga, admin: GraphQLClient, db: Db, pickup_point: dict[str, str]
) -> None:
    order_id = await new_delivery(saga, method, pickup_point)
    stamps = []
    for status in PATHS[method][1:]:
        applied = await move(admin, order_id, status)
        assert applied["errors"] == []
        assert applied["delivery"]["status"] == status and applied["delivery"]["orderId"] == str(order_id)
        again = await move(admin, order_id, status)  # idempotent: same answer, no second event
        assert again["errors"] == [] and again["delivery"] == applied["delivery"]
        stamps.append(applied["delivery"]["updatedAt"])
    published = await events(db, order_id)
    assert [e.topic for e in published] == ["delivery.status_changed"] * 2
    assert [e.payload for e in published] == [
        {"order_id": str(order_id), "status": status, "at": datetime.fromisoformat(stamp).isoformat()}
        for status, stamp in zip(PATHS[method][1:], stamps, strict=True)
    ]
    assert all(e.published_at is None for e in published)  # no relay in these tests


@pytest.mark.parametrize("method", ["COURIER", "PICKUP"])
async def test_every_other_move_is_invalid_state_and_changes_nothing(
    method: str, saga: Saga, admin: GraphQLClient, db: Db, pickup_point: dict[str, str]
) -> None:
    path = PATHS[method]
    for reached in range(len(path)):
        order_id = await new_delivery(saga, method, pickup_point)
        before = None
        for status in path[1 : reached + 1]:
            before = (await move(admin, order_id, status))["delivery"]
        current = path[reached]
        before = before or (await move(admin, order_id, current))["delivery"]
        legal = {path[reached + 1]} if reached + 1 < len(path) else set()
        for target in STATUSES:
            if target in legal or target == current:
                continue
            refused = await move(admin, order_id, target)
            assert [e["code"] for e in refused["errors"]] == ["INVALID_STATE"], (method, current, target)
            assert refused["delivery"] is None and refused["errors"][0]["message"]
            assert (await move(admin, order_id, current))["delivery"] == before  # unchanged
        assert len(await events(db, order_id)) == reached


async def test_a_cancelled_delivery_moves_no_more(saga: Saga, admin: GraphQLClient, db: Db) -> None:
    order_id = await saga.queued()
    assert (await saga.cancel(order_id)).status_code == 200
    for target in STATUSES:
        refused = await move(admin, order_id, target)
        assert [e["code"] for e in refused["errors"]] == ["INVALID_STATE"]
    assert await events(db, order_id) == []


async def test_cancelled_is_not_an_admin_move(saga: Saga, admin: GraphQLClient) -> None:
    order_id = await saga.queued()
    refused = await move(admin, order_id, "CANCELLED")
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_STATE", "status")]
    assert "cancelOrder" in refused["errors"][0]["message"]
    assert (await move(admin, order_id, "QUEUED"))["delivery"]["status"] == "QUEUED"


async def test_unknown_order_is_not_found(admin: GraphQLClient) -> None:
    for order_id in (str(uuid.uuid4()), "not-a-uuid"):
        body = await admin.data(UPDATE, {"orderId": order_id, "status": "IN_TRANSIT"})
        assert [e["code"] for e in body["updateDeliveryStatus"]["errors"]] == ["NOT_FOUND"]


async def test_racing_admins_apply_a_move_once(saga: Saga, admin: GraphQLClient, db: Db) -> None:
    order_id = await saga.queued()
    answers = await asyncio.gather(*(move(admin, order_id, "IN_TRANSIT") for _ in range(6)))
    assert all(a["errors"] == [] and a["delivery"]["status"] == "IN_TRANSIT" for a in answers)
    assert [e.payload["status"] for e in await events(db, order_id)] == ["IN_TRANSIT"]


async def test_racing_different_moves_apply_only_legal_ones(saga: Saga, admin: GraphQLClient, db: Db) -> None:
    order_id = await saga.queued()
    first, second = await asyncio.gather(move(admin, order_id, "IN_TRANSIT"), move(admin, order_id, "DELIVERED"))
    # DELIVERED is legal only once IN_TRANSIT committed; either order leaves a consistent history.
    statuses = [e.payload["status"] for e in await events(db, order_id)]
    assert first["errors"] == []
    if second["errors"]:
        assert second["errors"][0]["code"] == "INVALID_STATE" and statuses == ["IN_TRANSIT"]
    else:
        assert statuses == ["IN_TRANSIT", "DELIVERED"]


async def test_only_an_admin_moves_deliveries(saga: Saga, customer: GraphQLClient, delivery: GraphQLClient) -> None:
    order_id = await saga.queued()
    variables = {"orderId": str(order_id), "status": "IN_TRANSIT"}
    assert (await customer.execute(UPDATE, variables))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await delivery.execute(UPDATE, variables))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
