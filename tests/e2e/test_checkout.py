"""Checkout through the gateway: wallet, cart, the placeOrder saga, delivery, cancellation, races and a crash."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx

from shop.stack import Stack
from tests.conftest import GraphQLClient, eventually, unique
from tests.e2e.test_accounts import sign_up
from tests.e2e.test_showcase import new_category, new_product

TOP_UP = """mutation($a: Decimal!, $k: String!) { topUpWallet(input: {amount: $a, idempotencyKey: $k}) {
  wallet { balance { amount } } transaction { id kind amount { amount } balanceAfter { amount } } errors { code field } } }"""
WALLET = "{ myWallet { balance { amount currency } transactions(first: 50) { edges { node { kind amount { amount } orderId } } } } }"
ADD = "mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { cart { itemCount total { amount } } errors { code } } }"
PLACE = """mutation($k: String!, $d: DeliveryInput!) { placeOrder(input: {idempotencyKey: $k, delivery: $d}) {
  order { id status failureReason total { amount } items { productName quantity unitPrice { amount } product { id name } }
          delivery { status method pickupPoint { name } address { city } } user { id email } }
  errors { code field } } }"""
ORDER = "query($id: ID!) { order(id: $id) { id status statusHistory { status } delivery { status } } }"
STOCK = "query($id: ID!) { product(id: $id) { stock } }"
PICKUP_POINTS = "{ pickupPoints { id name } }"
DELIVERY = "mutation($o: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $o, status: $s) { delivery { status } errors { code } } }"
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { order { status } errors { code } } }"
ADMIN_ORDERS = "query($u: ID) { orders(first: 100, filter: {userId: $u}) { edges { node { id status total { amount } } } } }"
ADDRESS = {"recipient": "Ann", "country": "RU", "city": "Tula", "street": "Lenina 5", "postalCode": "300000"}


async def customer(gateway: GraphQLClient, money: str = "1000.00") -> GraphQLClient:
    me = gateway.as_((await sign_up(gateway))["accessToken"])
    if Decimal(money) > 0:
        paid = (await me.data(TOP_UP, {"a": money, "k": unique()}))["topUpWallet"]
        assert paid["errors"] == []
    return me


async def balance(me: GraphQLClient) -> Decimal:
    return Decimal((await me.data(WALLET))["myWallet"]["balance"]["amount"])


async def stock(gateway: GraphQLClient, product: str) -> int:
    return int((await gateway.data(STOCK, {"id": product}))["product"]["stock"])


async def pickup(gateway: GraphQLClient) -> dict[str, Any]:
    points = (await gateway.data(PICKUP_POINTS))["pickupPoints"]
    return {"method": "PICKUP", "pickupPointId": points[0]["id"]}


async def test_pickup_purchase_from_wallet_to_hands(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    product = (await new_product(admin, await new_category(admin), "Teapot", price="450.00", stock=5))["id"]
    me = await customer(gateway)
    assert (await me.data(ADD, {"p": product, "q": 2}))["addToCart"]["cart"]["total"]["amount"] == "900.00"
    placed = (await me.data(PLACE, {"k": unique(), "d": await pickup(gateway)}))["placeOrder"]
    assert placed["errors"] == []
    order = placed["order"]
    assert order["status"] == "CONFIRMED" and order["total"]["amount"] == "900.00"
    assert order["items"] == [{"productName": "Teapot", "quantity": 2, "unitPrice": {"amount": "450.00"}, "product": {"id": product, "name": "Teapot"}}]
    assert order["delivery"]["status"] == "QUEUED" and order["delivery"]["pickupPoint"]["name"]
    assert await balance(me) == Decimal("100.00") and await stock(gateway, product) == 3
    ledger = (await me.data(WALLET))["myWallet"]["transactions"]["edges"]
    assert [(e["node"]["kind"], e["node"]["orderId"]) for e in ledger][0] == ("PAYMENT", order["id"])

    for status in ("READY_FOR_PICKUP", "PICKED_UP"):
        assert (await admin.data(DELIVERY, {"o": order["id"], "s": status}))["updateDeliveryStatus"]["errors"] == []

    async def delivered() -> bool:
        return (await me.data(ORDER, {"id": order["id"]}))["order"]["status"] == "DELIVERED"

    await eventually(delivered)
    seen = (await me.data(ORDER, {"id": order["id"]}))["order"]
    assert [s["status"] for s in seen["statusHistory"]] == ["PENDING", "CONFIRMED", "READY_FOR_PICKUP", "DELIVERED"]
    impossible = (await admin.data(DELIVERY, {"o": order["id"], "s": "IN_TRANSIT"}))["updateDeliveryStatus"]
    assert impossible["errors"] == [{"code": "INVALID_STATE"}]

    # The line keeps its name and price after the product leaves the showcase and changes.
    await admin.data("""mutation($id: ID!) { updateProduct(id: $id, input: {name: "Teapot 2", price: "999.00"}) { errors { code } } }""", {"id": product})
    await admin.data("mutation($id: ID!) { deleteProduct(id: $id) { errors { code } } }", {"id": product})
    lines = "query($id: ID!) { order(id: $id) { items { productName unitPrice { amount } product { id name } } } }"
    kept = (await me.data(lines, {"id": order["id"]}))["order"]["items"]
    assert kept == [{"productName": "Teapot", "unitPrice": {"amount": "450.00"}, "product": {"id": product, "name": "Teapot 2"}}]


async def test_courier_purchase_to_the_profile_address(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    product = (await new_product(admin, await new_category(admin), "Blanket", price="300.00", stock=2))["id"]
    me = await customer(gateway)
    await me.data(ADD, {"p": product, "q": 1})
    refused = (await me.data(PLACE, {"k": unique(), "d": {"method": "COURIER"}}))["placeOrder"]
    assert refused["errors"] == [{"code": "INVALID_INPUT", "field": "delivery.address"}] and refused["order"] is None
    assert await balance(me) == Decimal("1000.00") and await stock(gateway, product) == 2
    profile = "mutation($a: AddressInput!) { updateProfile(input: {defaultAddress: $a}) { errors { code } } }"
    await me.data(profile, {"a": ADDRESS})
    order = (await me.data(PLACE, {"k": unique(), "d": {"method": "COURIER"}}))["placeOrder"]["order"]
    assert order["status"] == "CONFIRMED" and order["delivery"]["address"]["city"] == "Tula"
    for status, expected in (("IN_TRANSIT", "SHIPPED"), ("DELIVERED", "DELIVERED")):
        await admin.data(DELIVERY, {"o": order["id"], "s": status})

        async def reached(expected: str = expected) -> bool:
            return (await me.data(ORDER, {"id": order["id"]}))["order"]["status"] == expected

        await eventually(reached)
    assert (await me.data(CANCEL, {"id": order["id"]}))["cancelOrder"]["errors"] == [{"code": "INVALID_STATE"}]


async def test_failures_are_compensated(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    cheap = (await new_product(admin, category, "Sock", price="100.00", stock=3))["id"]
    dear = (await new_product(admin, category, "Sofa", price="5000.00", stock=3))["id"]
    me = await customer(gateway, "1000.00")
    d = await pickup(gateway)

    await me.data(ADD, {"p": dear, "q": 1})
    poor = (await me.data(PLACE, {"k": unique(), "d": d}))["placeOrder"]
    assert poor["order"]["status"] == "FAILED" and poor["order"]["failureReason"] == "INSUFFICIENT_FUNDS"
    assert poor["errors"][0]["code"] == "INSUFFICIENT_FUNDS"
    assert await stock(gateway, dear) == 3 and await balance(me) == Decimal("1000.00")
    await me.data("mutation { clearCart { errors { code } } }")

    await me.data(ADD, {"p": cheap, "q": 3})
    await admin.data("mutation($id: ID!) { adjustStock(productId: $id, delta: -1) { errors { code } } }", {"id": cheap})
    short = (await me.data(PLACE, {"k": unique(), "d": d}))["placeOrder"]
    assert short["order"]["failureReason"] == "OUT_OF_STOCK" and await balance(me) == Decimal("1000.00")
    assert await stock(gateway, cheap) == 2
    await me.data("mutation { clearCart { errors { code } } }")

    await me.data(ADD, {"p": cheap, "q": 1})
    await admin.data("mutation($id: ID!) { deleteProduct(id: $id) { errors { code } } }", {"id": cheap})
    # The line stays in view, so the storefront can show why the purchase is refused.
    carted = (await me.data("{ cart { itemCount items { product { id } } } }"))["cart"]
    assert carted == {"itemCount": 1, "items": [{"product": {"id": cheap}}]}
    gone = (await me.data(PLACE, {"k": unique(), "d": d}))["placeOrder"]
    assert gone["errors"][0]["code"] == "PRODUCT_UNAVAILABLE" and gone["order"]["status"] == "FAILED"
    assert await balance(me) == Decimal("1000.00")


async def test_replay_cancel_and_who_sees_which_orders(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    product = (await new_product(admin, await new_category(admin), "Kettle", price="250.00", stock=4))["id"]
    me = await customer(gateway)
    await me.data(ADD, {"p": product, "q": 1})
    variables = {"k": unique(), "d": await pickup(gateway)}
    first, again = [(await me.data(PLACE, variables))["placeOrder"]["order"] for _ in range(2)]
    assert first["id"] == again["id"] and await balance(me) == Decimal("750.00")

    stranger = await customer(gateway, "0")
    assert (await stranger.data(ORDER, {"id": first["id"]}))["order"] is None
    assert (await stranger.data(CANCEL, {"id": first["id"]}))["cancelOrder"]["errors"] == [{"code": "NOT_FOUND"}]
    owner_id = first["user"]["id"]
    listed = (await admin.data(ADMIN_ORDERS, {"u": owner_id}))["orders"]["edges"]
    assert [e["node"]["id"] for e in listed] == [first["id"]]
    assert (await stranger.execute(ADMIN_ORDERS, {"u": owner_id}))["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    cancelled = (await admin.data(CANCEL, {"id": first["id"]}))["cancelOrder"]  # an admin may cancel anyone's
    assert cancelled == {"order": {"status": "CANCELLED"}, "errors": []}
    assert await balance(me) == Decimal("1000.00") and await stock(gateway, product) == 4
    assert (await me.data(ORDER, {"id": first["id"]}))["order"]["delivery"]["status"] == "CANCELLED"


async def test_many_buyers_for_fewer_units(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    product = (await new_product(admin, await new_category(admin), "Rare vinyl", price="200.00", stock=3))["id"]
    buyers = [await customer(gateway, "500.00") for _ in range(8)]
    for me in buyers:
        await me.data(ADD, {"p": product, "q": 1})
    d = await pickup(gateway)
    results = await asyncio.gather(*(me.data(PLACE, {"k": unique(), "d": d}) for me in buyers))
    statuses = sorted(r["placeOrder"]["order"]["status"] for r in results)
    assert statuses == ["CONFIRMED"] * 3 + ["FAILED"] * 5
    assert await stock(gateway, product) == 0
    balances = [await balance(me) for me in buyers]
    assert sum(balances) == Decimal("500.00") * 8 - Decimal("200.00") * 3


async def test_concurrent_top_ups_and_purchases_on_one_wallet(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    product = (await new_product(admin, await new_category(admin), "Pencil", price="10.00", stock=100))["id"]
    me = await customer(gateway, "50.00")
    await me.data(ADD, {"p": product, "q": 1})
    d = await pickup(gateway)
    tops = [me.data(TOP_UP, {"a": "5.00", "k": unique()}) for _ in range(10)]
    buys = [me.data(PLACE, {"k": unique(), "d": d}) for _ in range(6)]
    results = await asyncio.gather(*tops, *buys)
    confirmed = sum(1 for r in results[10:] if r["placeOrder"]["order"]["status"] == "CONFIRMED")
    ledger = (await me.data(WALLET))["myWallet"]
    signed = sum(
        Decimal(e["node"]["amount"]["amount"]) * (-1 if e["node"]["kind"] == "PAYMENT" else 1) for e in ledger["transactions"]["edges"]
    )
    assert Decimal(ledger["balance"]["amount"]) == signed == Decimal("100.00") - Decimal("10.00") * confirmed
    assert await stock(gateway, product) == 100 - confirmed


async def test_orders_crash_under_load_ends_consistent(store: Stack, gateway: GraphQLClient, admin: GraphQLClient) -> None:
    product = (await new_product(admin, await new_category(admin), "Lamp shade", price="100.00", stock=6))["id"]
    buyers = [await customer(gateway, "300.00") for _ in range(10)]
    for me in buyers:
        await me.data(ADD, {"p": product, "q": 1})
    d = await pickup(gateway)
    keys = [unique() for _ in buyers]

    async def place(me: GraphQLClient, key: str) -> None:
        try:
            await me.execute(PLACE, {"k": key, "d": d})
        except httpx.HTTPError:
            pass  # the orders process died under this request

    load = [asyncio.create_task(place(me, key)) for me, key in zip(buyers, keys, strict=True)]
    await asyncio.sleep(0.3)
    store.kill("orders")
    await asyncio.gather(*load)
    await store.restart("orders")
    # Clients retry with their keys: the orders that existed are found, the others made now.
    replays = await asyncio.gather(*(me.execute(PLACE, {"k": key, "d": d}) for me, key in zip(buyers, keys, strict=True)))
    ids = [r["data"]["placeOrder"]["order"]["id"] for r in replays]

    async def settled() -> bool:
        statuses = [(await admin.data("query($id: ID!) { order(id: $id) { status } }", {"id": i}))["order"]["status"] for i in ids]
        return all(s in ("CONFIRMED", "FAILED") for s in statuses)

    await eventually(settled, timeout=60)
    confirmed = [i for i in ids if (await admin.data("query($id: ID!) { order(id: $id) { status } }", {"id": i}))["order"]["status"] == "CONFIRMED"]
    assert len(confirmed) == 6 and await stock(gateway, product) == 0
    assert sum([await balance(me) for me in buyers]) == Decimal("3000.00") - Decimal("100.00") * len(confirmed)
    assert len(set(ids)) == len(buyers)
