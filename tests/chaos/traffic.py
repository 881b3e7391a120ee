"""Checkout traffic through the gateway while pieces die: customers top up, buy (pickup and courier)
and sometimes cancel; an admin moves deliveries along. Every call is retried, with the same
idempotency key, until it gets a definite answer, as a storefront would."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from tests.conftest import GraphQLClient, unique

REGISTER = """mutation($email: String!) { register(input: {email: $email, password: "correct horse", displayName: "Ann"}) {
  accessToken user { id } errors { code } } }"""
LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken errors { code } } }"
TOP_UP = """mutation($a: Decimal!, $k: String!) { topUpWallet(input: {amount: $a, idempotencyKey: $k}) {
  transaction { id } errors { code } } }"""
ADD_CART = "mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { cart { itemCount } errors { code } } }"
PLACE = """mutation($k: String!, $d: DeliveryInput!) { placeOrder(input: {idempotencyKey: $k, delivery: $d}) {
  order { id status } errors { code } } }"""
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { order { status } errors { code } } }"
ORDER = "query($id: ID!) { order(id: $id) { status } }"
ORDERS = """query($s: OrderStatus) { orders(first: 50, filter: {status: $s}) {
  edges { node { id status deliveryMethod } } } }"""
MOVE = "mutation($o: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $o, status: $s) { delivery { status } errors { code } } }"
CATEGORY = "mutation($n: String!, $s: String!) { createCategory(input: {name: $n, slug: $s}) { category { id } errors { code } } }"
PRODUCT = """mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { code } } }"""
POINT = """mutation($input: CreatePickupPointInput!) { createPickupPoint(input: $input) { pickupPoint { id } errors { code } } }"""
ADDRESS = {"recipient": "Ann", "country": "RU", "city": "Tula", "street": "Lenina 5", "postalCode": "300000"}
#: Where an admin sends a delivery next, by the order's status and delivery method.
NEXT_MOVE = {
    ("PENDING", "COURIER"): "IN_TRANSIT", ("CONFIRMED", "COURIER"): "IN_TRANSIT", ("SHIPPED", "COURIER"): "DELIVERED",
    ("PENDING", "PICKUP"): "READY_FOR_PICKUP", ("CONFIRMED", "PICKUP"): "READY_FOR_PICKUP",
    ("READY_FOR_PICKUP", "PICKUP"): "PICKED_UP",
}


class Gone(Exception):
    """No definite answer before the traffic's deadline."""


@dataclass
class Ledger:
    """What the clients were told: the figures the invariants are checked against."""

    top_ups: dict[str, Decimal] = field(default_factory=dict)  # idempotency key → amount
    orders: dict[str, str] = field(default_factory=dict)  # idempotency key → order id
    placed: Counter[str] = field(default_factory=Counter)  # status in placeOrder's answer
    cancels: Counter[str] = field(default_factory=Counter)  # "done" or the refusal's code
    moves: Counter[str] = field(default_factory=Counter)
    retries: int = 0


async def call(client: GraphQLClient, query: str, variables: dict[str, Any], field_: str, *, until: float, ledger: Ledger) -> dict[str, Any]:
    """The mutation's payload once the store gives a definite answer (no outage, no INTERNAL)."""
    while True:
        try:
            body = await client.execute(query, variables)
            payload = (body.get("data") or {}).get(field_)
            if not body.get("errors") and payload is not None:
                codes = [e["code"] for e in payload.get("errors") or []] if isinstance(payload, dict) else []
                if "INTERNAL" not in codes:
                    return payload  # type: ignore[no-any-return]
        except (httpx.HTTPError, ValueError):
            pass  # the gateway is down or cut the answer off
        ledger.retries += 1
        if time.monotonic() > until:
            raise Gone(field_)
        await asyncio.sleep(0.2)


async def setup(gateway: GraphQLClient, admin: GraphQLClient, *, products: int, stock: int, rng: random.Random) -> tuple[list[str], str]:
    """The chaos test's own products (few, so customers compete for stock) and a pickup point."""
    until = time.monotonic() + 60
    ledger = Ledger()
    category = (await call(admin, CATEGORY, {"n": "Chaos", "s": unique("chaos")}, "createCategory", until=until, ledger=ledger))["category"]["id"]
    ids = []
    for i in range(products):
        made = await call(admin, PRODUCT, {"input": {"name": f"Chaos {i}", "description": "", "price": f"{rng.randint(5, 40) * 10}.00", "stock": stock,
                                                     "categoryId": category}}, "createProduct", until=until, ledger=ledger)
        ids.append(made["product"]["id"])
    point = await call(admin, POINT, {"input": {"name": unique("Point"), "address": ADDRESS}}, "createPickupPoint", until=until, ledger=ledger)
    return ids, point["pickupPoint"]["id"]


async def sign_up(gateway: GraphQLClient, until: float, ledger: Ledger) -> GraphQLClient:
    payload = await call(gateway, REGISTER, {"email": f"{unique()}@example.com"}, "register", until=until, ledger=ledger)
    return gateway.as_(payload["accessToken"])


async def customer(me: GraphQLClient, products: list[str], point: str, stop: asyncio.Event, until: float, ledger: Ledger, rng: random.Random) -> None:
    """Buys until told to stop: a top-up now and then, a cart, an order, sometimes a cancel."""
    while not stop.is_set():
        if rng.random() < 0.5:
            key, amount = unique("top"), Decimal(rng.randint(5, 30) * 100)
            await call(me, TOP_UP, {"a": str(amount), "k": key}, "topUpWallet", until=until, ledger=ledger)
            ledger.top_ups[key] = amount
        for product in rng.sample(products, rng.randint(1, 2)):
            # Not idempotent: a retried add may add twice, which only makes a bigger order.
            await call(me, ADD_CART, {"p": product, "q": rng.randint(1, 2)}, "addToCart", until=until, ledger=ledger)
        key = unique("order")
        delivery = {"method": "PICKUP", "pickupPointId": point} if rng.random() < 0.5 else {"method": "COURIER", "address": ADDRESS}
        placed = await call(me, PLACE, {"k": key, "d": delivery}, "placeOrder", until=until, ledger=ledger)
        if placed["order"] is None:
            ledger.placed[placed["errors"][0]["code"]] += 1
            continue
        order_id = placed["order"]["id"]
        assert ledger.orders.setdefault(key, order_id) == order_id, "one idempotency key, two orders"
        ledger.placed[placed["order"]["status"]] += 1
        if rng.random() < 0.3:
            await asyncio.sleep(rng.uniform(0, 0.5))
            cancelled = await call(me, CANCEL, {"id": order_id}, "cancelOrder", until=until, ledger=ledger)
            ledger.cancels[cancelled["errors"][0]["code"] if cancelled["errors"] else "done"] += 1
        await asyncio.sleep(rng.uniform(0, 0.3))


async def administrator(admin: GraphQLClient, stop: asyncio.Event, ledger: Ledger, rng: random.Random) -> None:
    """Moves deliveries along, including those of orders still PENDING (the saga's window)."""
    while not stop.is_set():
        for status in ("PENDING", "CONFIRMED", "SHIPPED", "READY_FOR_PICKUP"):
            try:
                body = await admin.execute(ORDERS, {"s": status})
                edges = ((body.get("data") or {}).get("orders") or {}).get("edges") or []
            except (httpx.HTTPError, ValueError):
                edges = []
            # Every PENDING order is tried (its delivery may be queued already): that window is the point.
            for edge in edges if status == "PENDING" else rng.sample(edges, min(len(edges), 3)):
                node = edge["node"]
                target = NEXT_MOVE.get((node["status"], node["deliveryMethod"]))
                if target is None or (status != "PENDING" and rng.random() < 0.4):
                    continue
                try:
                    moved = (await admin.execute(MOVE, {"o": node["id"], "s": target})).get("data") or {}
                except (httpx.HTTPError, ValueError):
                    continue
                payload = moved.get("updateDeliveryStatus") or {}
                if payload.get("errors") == []:
                    ledger.moves[f"{node['status']}→{target}"] += 1
        await asyncio.sleep(rng.uniform(0.1, 0.4))
