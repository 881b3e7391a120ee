"""The order saga's internal calls: queue a delivery (idempotent by order id) and cancel it."""

from __future__ import annotations

import asyncio
import uuid

from tests.conftest import GraphQLClient
from tests.delivery.support import ADDRESS, Saga

UPDATE = """
mutation($orderId: ID!, $status: DeliveryStatus!) {
  updateDeliveryStatus(orderId: $orderId, status: $status) { delivery { status } errors { code } }
}"""
ENTITY = """
query($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Order { id delivery { id status method address { city apartment } pickupPoint { name } } } }
}"""


async def delivery_of(admin: GraphQLClient, order_id: uuid.UUID) -> dict | None:
    body = await admin.data(ENTITY, {"reps": [{"__typename": "Order", "id": str(order_id)}]})
    return body["_entities"][0]["delivery"]


async def test_courier_delivery_is_queued_once(saga: Saga, admin: GraphQLClient) -> None:
    order_id = uuid.uuid4()
    first = await saga.create(order_id, address={**ADDRESS, "city": "  Kazan ", "apartment": " "})
    assert first.status_code == 200
    assert first.json()["status"] == "QUEUED" and uuid.UUID(first.json()["delivery_id"])
    replay = await saga.create(order_id)
    assert replay.status_code == 200 and replay.json() == first.json()
    stored = await delivery_of(admin, order_id)
    assert stored == {
        "id": first.json()["delivery_id"], "status": "QUEUED", "method": "COURIER",
        "address": {"city": "Kazan", "apartment": None}, "pickupPoint": None,
    }


async def test_pickup_delivery_is_queued_at_its_point(saga: Saga, admin: GraphQLClient, pickup_point: dict[str, str]) -> None:
    order_id = uuid.uuid4()
    # A pickup delivery keeps no address, even when one is sent along.
    created = await saga.create(order_id, method="PICKUP", pickup_point_id=pickup_point["id"])
    assert created.status_code == 200 and created.json()["status"] == "QUEUED"
    stored = await delivery_of(admin, order_id)
    assert stored is not None
    assert (stored["method"], stored["address"], stored["pickupPoint"]) == ("PICKUP", None, {"name": pickup_point["name"]})


async def test_a_replay_answers_the_current_status(saga: Saga, admin: GraphQLClient) -> None:
    order_id = await saga.queued()
    await admin.data(UPDATE, {"orderId": str(order_id), "status": "IN_TRANSIT"})
    replay = await saga.create(order_id)
    assert replay.status_code == 200 and replay.json()["status"] == "IN_TRANSIT"


async def test_concurrent_creates_make_one_delivery(saga: Saga) -> None:
    order_id = uuid.uuid4()
    answers = await asyncio.gather(*(saga.create(order_id) for _ in range(5)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["delivery_id"] for a in answers}) == 1


async def test_bad_requests_are_refused_as_invalid_input(saga: Saga, admin: GraphQLClient) -> None:
    cases = [
        await saga.create(method="PICKUP", pickup_point_id=str(uuid.uuid4())),
        await saga.create(method="PICKUP", pickup_point_id="not-a-uuid"),
        await saga.create(method="PICKUP", pickup_point_id=None),
        await saga.create(method="COURIER", address=None),
        await saga.create(method="COURIER", address={**ADDRESS, "street": ""}),
        await saga.create(method="COURIER", address={**ADDRESS, "city": 7}),
        await saga.create(method="DRONE"),
        await saga.http.post("/internal/deliveries", json={"order_id": "x", "method": "COURIER"}, headers=saga.headers),
    ]
    for answer in cases:
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "INVALID_INPUT" and answer.json()["message"]
    # Nothing was stored: the order id is free for a correct request.
    order_id = uuid.uuid4()
    assert (await saga.create(order_id, address=None)).status_code == 400
    assert await delivery_of(admin, order_id) is None
    assert (await saga.create(order_id)).status_code == 200


async def test_internal_calls_need_the_service_credential(saga: Saga, pickup_point: dict[str, str]) -> None:
    for caller in (Saga(saga.http, None), Saga(saga.http, "wrong")):
        assert (await caller.create()).status_code == 401
        assert (await caller.cancel(uuid.uuid4())).status_code == 401
        assert (await caller.pickup_point(pickup_point["id"])).status_code == 401


async def test_cancel_from_queued_and_ready_for_pickup(saga: Saga, admin: GraphQLClient, pickup_point: dict[str, str]) -> None:
    queued = await saga.queued()
    ready = await saga.queued("PICKUP", pickup_point_id=pickup_point["id"])
    await admin.data(UPDATE, {"orderId": str(ready), "status": "READY_FOR_PICKUP"})
    for order_id in (queued, ready):
        for _ in range(2):  # idempotent
            answer = await saga.cancel(order_id)
            assert answer.status_code == 200 and answer.json() == {"status": "CANCELLED"}
        assert (await delivery_of(admin, order_id) or {})["status"] == "CANCELLED"
        # A replayed create now learns the delivery was cancelled.
        assert (await saga.create(order_id)).json()["error"] == "CANCELLED"


async def test_cancel_after_the_parcel_left_is_invalid_state(saga: Saga, admin: GraphQLClient) -> None:
    order_id = await saga.queued()
    await admin.data(UPDATE, {"orderId": str(order_id), "status": "IN_TRANSIT"})
    refused = await saga.cancel(order_id)
    assert refused.status_code == 409 and refused.json()["error"] == "INVALID_STATE"
    assert (await delivery_of(admin, order_id) or {})["status"] == "IN_TRANSIT"
    await admin.data(UPDATE, {"orderId": str(order_id), "status": "DELIVERED"})
    assert (await saga.cancel(order_id)).json()["error"] == "INVALID_STATE"


async def test_cancel_before_create_leaves_a_tombstone(saga: Saga, admin: GraphQLClient) -> None:
    order_id = uuid.uuid4()
    cancelled = await saga.cancel(order_id)
    assert cancelled.status_code == 200 and cancelled.json() == {"status": "CANCELLED"}
    assert (await saga.cancel(order_id)).status_code == 200
    late = await saga.create(order_id)
    assert late.status_code == 409 and late.json()["error"] == "CANCELLED"
    # A tombstone is no delivery: the order shows none and the admin cannot move it.
    assert await delivery_of(admin, order_id) is None
    moved = await admin.data(UPDATE, {"orderId": str(order_id), "status": "IN_TRANSIT"})
    assert [e["code"] for e in moved["updateDeliveryStatus"]["errors"]] == ["NOT_FOUND"]


async def test_cancel_racing_a_create_never_leaves_a_live_delivery(saga: Saga, admin: GraphQLClient) -> None:
    for _ in range(5):
        order_id = uuid.uuid4()
        created, cancelled = await asyncio.gather(saga.create(order_id), saga.cancel(order_id))
        assert cancelled.status_code == 200
        # Whichever came first, the delivery ends cancelled (or never existed).
        assert created.status_code in (200, 409)
        assert (await saga.create(order_id)).json()["error"] == "CANCELLED"


async def test_cancel_of_a_malformed_order_id(saga: Saga) -> None:
    answer = await saga.cancel("not-a-uuid")
    assert answer.status_code == 400 and answer.json()["error"] == "INVALID_INPUT"
