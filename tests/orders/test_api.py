"""The orders subgraph's API over fakes of catalog, wallet and delivery: cart, placing, reading, cancelling."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient
from tests.internal_client import InternalRoutes
from tests.orders.fakes import FakeRemote

CART = "{ cart { items { product { id } quantity unitPrice { amount } lineTotal { amount } } total { amount currency } itemCount } }"
ADD = """mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) {
  cart { itemCount total { amount } } errors { code field } } }"""
UPDATE = "mutation($p: ID!, $q: Int!) { updateCartItem(productId: $p, quantity: $q) { cart { itemCount } errors { code } } }"
REMOVE = "mutation($p: ID!) { removeFromCart(productId: $p) { cart { itemCount } errors { code } } }"
CLEAR = "mutation { clearCart { cart { itemCount } errors { code } } }"
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { id status total { amount } deliveryMethod failureReason items { productName quantity unitPrice { amount } lineTotal { amount } }
          statusHistory { status } user { id } }
  errors { code field } } }"""
MY_ORDERS = "query($first: Int, $after: String) { myOrders(first: $first, after: $after) { edges { node { id status } } pageInfo { hasNextPage endCursor } } }"
ORDER = "query($id: ID!) { order(id: $id) { id status } }"
ORDERS = "query($f: OrderFilter) { orders(first: 50, filter: $f) { edges { node { id status user { id } } } } }"
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { order { status } errors { code } } }"
PICKUP = {"method": "PICKUP", "pickupPointId": str(uuid.uuid4())}


def customer(orders: GraphQLClient, token_for: Any, remote: FakeRemote, money: str = "1000.00") -> tuple[GraphQLClient, uuid.UUID]:
    user = uuid.uuid4()
    remote.balance[user] = Decimal(money)
    return orders.as_(token_for(user)), user


async def test_cart_lines_totals_and_limits(orders: GraphQLClient, token_for: Any, remote: FakeRemote) -> None:
    me, _ = customer(orders, token_for, remote)
    mug, tea = remote.add_product("Mug", "150.00", 3), remote.add_product("Tea", "99.90", 10)
    assert (await me.data(ADD, {"p": str(mug), "q": 2}))["addToCart"]["errors"] == []
    added = (await me.data(ADD, {"p": str(tea), "q": 1}))["addToCart"]
    assert added["cart"] == {"itemCount": 3, "total": {"amount": "399.90"}}
    too_many = (await me.data(ADD, {"p": str(mug), "q": 2}))["addToCart"]
    assert too_many["errors"] == [{"code": "OUT_OF_STOCK", "field": "quantity"}] and too_many["cart"] is None
    assert (await me.data(ADD, {"p": str(uuid.uuid4()), "q": 1}))["addToCart"]["errors"][0]["code"] == "NOT_FOUND"
    assert (await me.data(ADD, {"p": str(mug), "q": 0}))["addToCart"]["errors"][0]["code"] == "INVALID_INPUT"
    cart = (await me.data(CART))["cart"]
    assert [(i["quantity"], i["lineTotal"]["amount"]) for i in cart["items"]] == [(2, "300.00"), (1, "99.90")]
    assert cart["total"] == {"amount": "399.90", "currency": "RUB"}
    # Live prices: the cart follows the catalog.
    remote.products_[tea] = remote.products_[tea].__class__(tea, "Tea", Decimal("89.90"), 10, False)
    assert (await me.data(CART))["cart"]["total"]["amount"] == "389.90"
    assert (await me.data(UPDATE, {"p": str(tea), "q": 0}))["updateCartItem"]["cart"]["itemCount"] == 2
    assert (await me.data(UPDATE, {"p": str(mug), "q": 4}))["updateCartItem"]["errors"][0]["code"] == "OUT_OF_STOCK"
    assert (await me.data(REMOVE, {"p": str(mug)}))["removeFromCart"]["cart"]["itemCount"] == 0


async def test_a_deleted_product_cannot_be_carted(orders: GraphQLClient, token_for: Any, remote: FakeRemote) -> None:
    me, _ = customer(orders, token_for, remote)
    gone = remote.add_product("Old", "10.00", 5)
    remote.products_[gone] = remote.products_[gone].__class__(gone, "Old", Decimal("10.00"), 5, True)
    assert (await me.data(ADD, {"p": str(gone), "q": 1}))["addToCart"]["errors"][0]["code"] == "PRODUCT_UNAVAILABLE"


async def test_place_order_confirms_and_a_replay_returns_the_same_order(orders: GraphQLClient, token_for: Any, remote: FakeRemote) -> None:
    me, user = customer(orders, token_for, remote)
    mug = remote.add_product("Mug", "150.00", 3)
    await me.data(ADD, {"p": str(mug), "q": 2})
    variables = {"input": {"idempotencyKey": "k-1", "delivery": PICKUP}}
    placed = (await me.data(PLACE, variables))["placeOrder"]
    assert placed["errors"] == []
    order = placed["order"]
    assert order["status"] == "CONFIRMED" and order["total"]["amount"] == "300.00"
    assert order["items"] == [{"productName": "Mug", "quantity": 2, "unitPrice": {"amount": "150.00"}, "lineTotal": {"amount": "300.00"}}]
    assert [s["status"] for s in order["statusHistory"]] == ["PENDING", "CONFIRMED"] and order["user"]["id"] == str(user)
    assert (await me.data(CART))["cart"]["itemCount"] == 0
    again = (await me.data(PLACE, variables))["placeOrder"]
    assert again["order"]["id"] == order["id"] and remote.balance[user] == Decimal("700.00")


async def test_failed_order_reports_the_reason(orders: GraphQLClient, token_for: Any, remote: FakeRemote) -> None:
    me, user = customer(orders, token_for, remote, money="10.00")
    mug = remote.add_product("Mug", "150.00", 3)
    await me.data(ADD, {"p": str(mug), "q": 1})
    placed = (await me.data(PLACE, {"input": {"idempotencyKey": "poor", "delivery": PICKUP}}))["placeOrder"]
    assert placed["order"]["status"] == "FAILED" and placed["order"]["failureReason"] == "INSUFFICIENT_FUNDS"
    assert placed["errors"][0]["code"] == "INSUFFICIENT_FUNDS"
    assert remote.available(mug) == 3 and remote.balance[user] == Decimal("10.00")
    assert (await me.data(CART))["cart"]["itemCount"] == 1  # a failed purchase leaves the cart as it was


async def test_bad_requests_change_nothing(orders: GraphQLClient, token_for: Any, remote: FakeRemote) -> None:
    me, _ = customer(orders, token_for, remote)
    empty = (await me.data(PLACE, {"input": {"idempotencyKey": "e", "delivery": PICKUP}}))["placeOrder"]
    assert empty["errors"][0]["code"] == "CART_EMPTY"
    mug = remote.add_product("Mug", "150.00", 3)
    await me.data(ADD, {"p": str(mug), "q": 1})
    calls = len(remote.calls)
    courier = (await me.data(PLACE, {"input": {"idempotencyKey": "c", "delivery": {"method": "COURIER"}}}))["placeOrder"]
    assert courier["errors"] == [{"code": "INVALID_INPUT", "field": "delivery.address"}] and courier["order"] is None
    no_point = (await me.data(PLACE, {"input": {"idempotencyKey": "p", "delivery": {"method": "PICKUP"}}}))["placeOrder"]
    assert no_point["errors"][0]["field"] == "delivery.pickupPointId"
    assert len(remote.calls) == calls  # nothing reserved, nothing charged
    assert (await me.data(MY_ORDERS))["myOrders"]["edges"] == []


async def test_who_sees_which_orders(orders: GraphQLClient, token_for: Any, remote: FakeRemote, settings: Settings) -> None:
    ann, ann_id = customer(orders, token_for, remote)
    bob, _ = customer(orders, token_for, remote)
    admin = orders.as_(token_for(uuid.uuid4(), "ADMIN"))
    ids = []
    for key in ("a1", "a2", "a3"):
        await ann.data(ADD, {"p": str(remote.add_product("Pen", "5.00", 9)), "q": 1})
        ids.append((await ann.data(PLACE, {"input": {"idempotencyKey": key, "delivery": PICKUP}}))["placeOrder"]["order"]["id"])
    first = (await ann.data(MY_ORDERS, {"first": 2}))["myOrders"]
    rest = (await ann.data(MY_ORDERS, {"first": 2, "after": first["pageInfo"]["endCursor"]}))["myOrders"]
    assert [e["node"]["id"] for e in first["edges"] + rest["edges"]] == ids[::-1]
    assert (await bob.data(ORDER, {"id": ids[0]}))["order"] is None
    assert (await orders.data(ORDER, {"id": ids[0]}))["order"] is None
    assert (await admin.data(ORDER, {"id": ids[0]}))["order"]["id"] == ids[0]
    listed = (await admin.data(ORDERS, {"f": {"userId": str(ann_id), "status": "CONFIRMED"}}))["orders"]["edges"]
    assert [e["node"]["id"] for e in listed] == ids[::-1]
    assert (await bob.execute(ORDERS))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { edges { node { id } } } } } }"
    rep = {"r": [{"__typename": "User", "id": str(ann_id)}]}
    assert len((await ann.data(entities, rep))["_entities"][0]["orders"]["edges"]) == 3
    assert (await bob.data(entities, rep))["_entities"][0]["orders"]["edges"] == []


async def test_cancel_refunds_and_cannot_be_done_twice(orders: GraphQLClient, token_for: Any, remote: FakeRemote) -> None:
    me, user = customer(orders, token_for, remote)
    await me.data(ADD, {"p": str(remote.add_product("Lamp", "400.00", 2)), "q": 1})
    order = (await me.data(PLACE, {"input": {"idempotencyKey": "x", "delivery": PICKUP}}))["placeOrder"]["order"]
    other, _ = customer(orders, token_for, remote)
    assert (await other.data(CANCEL, {"id": order["id"]}))["cancelOrder"]["errors"][0]["code"] == "NOT_FOUND"
    cancelled = (await me.data(CANCEL, {"id": order["id"]}))["cancelOrder"]
    assert cancelled == {"order": {"status": "CANCELLED"}, "errors": []}
    assert remote.balance[user] == Decimal("1000.00")
    assert (await me.data(CANCEL, {"id": order["id"]}))["cancelOrder"]["errors"][0]["code"] == "INVALID_STATE"


async def test_delivery_events_move_the_order_once(orders: GraphQLClient, token_for: Any, remote: FakeRemote, settings: Settings) -> None:
    me, _ = customer(orders, token_for, remote)
    await me.data(ADD, {"p": str(remote.add_product("Chair", "900.00", 2)), "q": 1})
    order = (await me.data(PLACE, {"input": {"idempotencyKey": "d", "delivery": PICKUP}}))["placeOrder"]["order"]
    relay = InternalRoutes(orders.http, settings.resolved_service_token())

    async def event(status: str, event_id: str | None = None) -> None:
        body = {"id": event_id or str(uuid.uuid4()), "topic": "delivery.status_changed", "payload": {"order_id": order["id"], "status": status}}
        assert (await relay.send("POST", "/internal/events", body)).status_code == 200

    same = str(uuid.uuid4())
    await event("READY_FOR_PICKUP", same)
    await event("READY_FOR_PICKUP", same)
    await event("PICKED_UP")
    history = "query($id: ID!) { order(id: $id) { status statusHistory { status } } }"
    seen = (await me.data(history, {"id": order["id"]}))["order"]
    assert seen["status"] == "DELIVERED"
    assert [s["status"] for s in seen["statusHistory"]] == ["PENDING", "CONFIRMED", "READY_FOR_PICKUP", "DELIVERED"]
    assert (await relay.as_(None).send("POST", "/internal/events", {})).status_code == 401


async def test_anonymous_callers_are_refused(orders: GraphQLClient) -> None:
    for query in (CART, MY_ORDERS, CLEAR):
        assert (await orders.execute(query))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_page_of_orders_costs_three_statements(settings: Settings, token_for: Any) -> None:
    """The list, then every order's lines and every order's history in one batch each."""
    from subgraphs.orders.app import build
    from tests.conftest import app_engine, serve, statements

    remote = FakeRemote()
    app = build(settings, remote=remote, background=False)
    async with serve(app) as http:
        me, _ = customer(GraphQLClient(http), token_for, remote)
        for key in ("p1", "p2", "p3"):
            await me.data(ADD, {"p": str(remote.add_product("Cup", "3.00", 9)), "q": 1})
            await me.data(PLACE, {"input": {"idempotencyKey": key, "delivery": PICKUP}})
        page = "{ myOrders { edges { node { id items { productName quantity } statusHistory { status } } } } }"
        with statements(app_engine(app)) as sent:
            orders = (await me.data(page))["myOrders"]["edges"]
    assert len(orders) == 3 and all(o["node"]["items"] and o["node"]["statusHistory"] for o in orders)
    assert len(sent) == 3, sent


async def test_place_order_answers_pending_after_the_wait_and_the_saga_goes_on(settings: Settings, token_for: Any) -> None:
    import asyncio

    from subgraphs.orders.app import build
    from tests.conftest import eventually, serve

    class SlowWallet(FakeRemote):
        async def charge(self, *args: Any) -> None:
            await asyncio.sleep(1.0)
            await super().charge(*args)

    remote = SlowWallet()
    app = build(settings.model_copy(update={"place_order_wait": 0.2}), remote=remote, background=False)
    async with serve(app) as http:
        me, user = customer(GraphQLClient(http), token_for, remote)
        await me.data(ADD, {"p": str(remote.add_product("Cup", "3.00", 9)), "q": 1})
        placed = (await me.data(PLACE, {"input": {"idempotencyKey": "slow", "delivery": PICKUP}}))["placeOrder"]
        assert placed["order"]["status"] == "PENDING" and placed["errors"] == []

        async def confirmed() -> bool:  # the saga goes on after the answer
            return (await me.data(ORDER, {"id": placed["order"]["id"]}))["order"]["status"] == "CONFIRMED"

        await eventually(confirmed)
    assert remote.balance[user] == Decimal("997.00")
