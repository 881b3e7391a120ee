"""The admin's delivery queue, and an order's delivery as the supergraph asks for it (`_entities`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.applications import Starlette

from tests.conftest import GraphQLClient, app_engine, statements
from tests.delivery.support import Saga

DELIVERIES = """
query($first: Int, $after: String, $status: DeliveryStatus) {
  deliveries(first: $first, after: $after, status: $status) {
    edges { cursor node { id orderId method status createdAt pickupPoint { name } address { city } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
ENTITIES = """
query($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Order { id delivery { status method pickupPoint { name } address { city } } }
  }
}"""
UPDATE = "mutation($o: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $o, status: $s) { errors { code } } }"


async def whole_queue(admin: GraphQLClient, first: int, status: str | None = None) -> list[dict[str, Any]]:
    """Every delivery in the queue, page by page."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await admin.data(DELIVERIES, {"first": first, "after": after, "status": status}))["deliveries"]
        nodes += [edge["node"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_the_queue_is_oldest_first_and_pages_by_keyset(saga: Saga, admin: GraphQLClient, pickup_point: dict[str, str]) -> None:
    mine = [await saga.queued(), await saga.queued("PICKUP", pickup_point_id=pickup_point["id"]), await saga.queued()]
    whole = await whole_queue(admin, 100)
    created = [datetime.fromisoformat(n["createdAt"]) for n in whole]
    assert created == sorted(created)
    order_ids = [n["orderId"] for n in whole]
    assert [order_ids.index(str(o)) for o in mine] == sorted(order_ids.index(str(o)) for o in mine)
    # Small pages see exactly the same list: nothing skipped, nothing twice.
    assert [n["id"] for n in await whole_queue(admin, 2)] == [n["id"] for n in whole]
    node = whole[order_ids.index(str(mine[1]))]
    assert (node["method"], node["pickupPoint"], node["address"]) == ("PICKUP", {"name": pickup_point["name"]}, None)


async def test_the_queue_filters_by_status(saga: Saga, admin: GraphQLClient) -> None:
    moved, waiting = await saga.queued(), await saga.queued()
    await admin.data(UPDATE, {"o": str(moved), "s": "IN_TRANSIT"})
    in_transit = await whole_queue(admin, 50, "IN_TRANSIT")
    assert {n["status"] for n in in_transit} == {"IN_TRANSIT"}
    assert str(moved) in {n["orderId"] for n in in_transit} and str(waiting) not in {n["orderId"] for n in in_transit}
    assert str(waiting) in {n["orderId"] for n in await whole_queue(admin, 50, "QUEUED")}


async def test_the_queue_leaves_out_tombstones(saga: Saga, admin: GraphQLClient) -> None:
    order_id = uuid.uuid4()
    await saga.cancel(order_id)
    assert str(order_id) not in {n["orderId"] for n in await whole_queue(admin, 100, "CANCELLED")}


async def test_bad_paging_is_bad_user_input(admin: GraphQLClient) -> None:
    for variables in ({"first": 101}, {"first": -1}, {"after": "garbage!"}):
        body = await admin.execute(DELIVERIES, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables
    empty = (await admin.data(DELIVERIES, {"first": 0}))["deliveries"]
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is True


async def test_only_an_admin_sees_the_queue(customer: GraphQLClient, delivery: GraphQLClient) -> None:
    assert (await customer.execute(DELIVERIES))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await delivery.execute(DELIVERIES))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_page_costs_two_statements(
    saga: Saga, admin: GraphQLClient, delivery_app: Starlette, pickup_point: dict[str, str]
) -> None:
    for _ in range(3):
        await saga.queued("PICKUP", pickup_point_id=pickup_point["id"])
    with statements(app_engine(delivery_app)) as sent:
        page = (await admin.data(DELIVERIES, {"first": 20}))["deliveries"]
    assert len(page["edges"]) >= 3
    assert len(sent) == 2  # the page, then every pickup point it names in one batch


async def test_an_order_shows_its_delivery_to_its_owner_and_admins(
    saga: Saga, delivery: GraphQLClient, admin: GraphQLClient, token_for: Callable[..., str], pickup_point: dict[str, str]
) -> None:
    owner_id = uuid.uuid4()
    courier = await saga.queued(user_id=owner_id)
    pickup = await saga.queued("PICKUP", pickup_point_id=pickup_point["id"], user_id=owner_id)
    nothing = uuid.uuid4()
    reps = [{"__typename": "Order", "id": str(o)} for o in (courier, pickup, nothing)]
    owner = delivery.as_(token_for(owner_id, "CUSTOMER"))
    for reader in (owner, admin):
        orders = (await reader.data(ENTITIES, {"reps": reps}))["_entities"]
        assert orders == [
            {"id": str(courier), "delivery": {"status": "QUEUED", "method": "COURIER", "pickupPoint": None, "address": {"city": "Kazan"}}},
            {"id": str(pickup), "delivery": {"status": "QUEUED", "method": "PICKUP", "pickupPoint": {"name": pickup_point["name"]}, "address": None}},
            {"id": str(nothing), "delivery": None},
        ]
    # Anyone else sees no delivery, as if it did not exist.
    for stranger in (delivery.as_(token_for(uuid.uuid4(), "CUSTOMER")), delivery):
        orders = (await stranger.data(ENTITIES, {"reps": reps}))["_entities"]
        assert [o["delivery"] for o in orders] == [None, None, None]


async def test_a_pickup_point_resolves_as_an_entity(delivery: GraphQLClient, pickup_point: dict[str, str]) -> None:
    query = "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on PickupPoint { id name } } }"
    reps = [{"__typename": "PickupPoint", "id": pickup_point["id"]}, {"__typename": "PickupPoint", "id": str(uuid.uuid4())}]
    expected = {"id": pickup_point["id"], "name": pickup_point["name"]}
    assert (await delivery.data(query, {"reps": reps}))["_entities"] == [expected, None]
