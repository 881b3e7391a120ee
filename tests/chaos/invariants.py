"""What must add up after the faults, read straight from PostgreSQL (each subgraph's own schema)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import asyncpg

from .traffic import Ledger

ALIVE = ("CONFIRMED", "SHIPPED", "READY_FOR_PICKUP", "DELIVERED")
#: The order status each delivery status implies.
FOLLOWS = {"QUEUED": "CONFIRMED", "IN_TRANSIT": "SHIPPED", "READY_FOR_PICKUP": "READY_FOR_PICKUP",
           "DELIVERED": "DELIVERED", "PICKED_UP": "DELIVERED"}
OUTBOXES = ("orders", "wallet", "delivery")
WALLET_TITLES = {"TOP_UP": "Wallet topped up", "PAYMENT": "Payment made", "REFUND": "Refund received"}


async def unsettled(db: asyncpg.Connection) -> list[str]:
    """Why the store is not at rest yet (empty once every saga, event and notification has gone through)."""
    reasons = []
    running = await db.fetchval("SELECT count(*) FROM orders.orders WHERE saga <> 'DONE' OR status = 'PENDING'")
    if running:
        reasons.append(f"{running} orders not terminal")
    for schema in OUTBOXES:
        waiting = await db.fetchval(f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL")
        if waiting:
            reasons.append(f"{waiting} events in the {schema} outbox")
    unsent = await db.fetchval("SELECT count(*) FROM notifications.notifications WHERE sent_at IS NULL")
    if unsent:
        reasons.append(f"{unsent} notifications not sent yet")
    return reasons


async def orders_terminal(db: asyncpg.Connection) -> bool:
    return not await db.fetchval("SELECT count(*) FROM orders.orders WHERE saga <> 'DONE' OR status = 'PENDING'")


async def violations(db: asyncpg.Connection, ledger: Ledger, products: list[str], stock: int) -> list[str]:
    """Every broken invariant, described; empty when money, stock, deliveries and notifications add up."""
    found: list[str] = []
    orders = {r["id"]: r for r in await db.fetch("SELECT id, user_id, idempotency_key, status, saga, total FROM orders.orders")}

    # One order per idempotency key, and the one the client was told about.
    for key, order_id in ledger.orders.items():
        rows = [o for o in orders.values() if o["idempotency_key"] == key]
        if [str(o["id"]) for o in rows] != [order_id]:
            found.append(f"key {key}: client saw {order_id}, database has {[str(o['id']) for o in rows]}")

    # Money: balance = top-ups − payments + refunds, never negative; each order paid exactly as it ended.
    for wallet in await db.fetch("SELECT id, user_id, balance FROM wallet.wallets"):
        moves = await db.fetch("SELECT kind, amount, balance_after, order_id, idempotency_key FROM wallet.transactions WHERE wallet_id = $1", wallet["id"])
        total = sum((m["amount"] if m["kind"] != "PAYMENT" else -m["amount"] for m in moves), start=Decimal(0))
        if total != wallet["balance"] or wallet["balance"] < 0 or any(m["balance_after"] < 0 for m in moves):
            found.append(f"wallet of {wallet['user_id']}: balance {wallet['balance']}, ledger says {total}")
    paid = Counter[tuple[str, str]]()
    for m in await db.fetch("SELECT kind, order_id, amount FROM wallet.transactions WHERE order_id IS NOT NULL"):
        paid[(str(m["order_id"]), m["kind"])] += 1
    for order in orders.values():
        key = str(order["id"])
        payments, refunds = paid[(key, "PAYMENT")], paid[(key, "REFUND")]
        expected = (1, 0) if order["status"] in ALIVE else None
        if expected and (payments, refunds) != expected or not expected and payments != refunds or payments > 1:
            found.append(f"order {key} {order['status']}: {payments} payments, {refunds} refunds")
    top_ups = Counter(r["idempotency_key"] for r in await db.fetch("SELECT idempotency_key FROM wallet.transactions WHERE kind = 'TOP_UP'"))
    for key in ledger.top_ups:
        if top_ups[key] != 1:
            found.append(f"top-up {key} the client was told about is there {top_ups[key]} times")

    # Stock: initial = on shelf + sold to live orders; nothing left reserved.
    sold = Counter[str]()
    for line in await db.fetch("SELECT i.product_id, i.quantity, o.status FROM orders.order_items i JOIN orders.orders o ON o.id = i.order_id"):
        if line["status"] in ALIVE:
            sold[str(line["product_id"])] += line["quantity"]
    for product in await db.fetch("SELECT id, on_hand, reserved FROM catalog.products WHERE id = ANY($1::uuid[])", products):
        if product["reserved"] != 0 or product["on_hand"] + sold[str(product["id"])] != stock:
            found.append(f"product {product['id']}: on hand {product['on_hand']}, reserved {product['reserved']}, sold {sold[str(product['id'])]}, initially {stock}")
    held = await db.fetchval("SELECT count(*) FROM catalog.reservations WHERE state = 'RESERVED'")
    if held:
        found.append(f"{held} reservations still RESERVED")

    # Deliveries: one per live order, none (or a cancelled one) for the others, and the order follows it.
    deliveries = {r["order_id"]: r["status"] for r in await db.fetch("SELECT order_id, status FROM delivery.deliveries")}
    for order in orders.values():
        status = deliveries.get(order["id"])
        if order["status"] in ALIVE and FOLLOWS.get(str(status)) != order["status"]:
            found.append(f"order {order['id']} is {order['status']} but its delivery is {status}")
        if order["status"] not in ALIVE and status not in (None, "CANCELLED"):
            found.append(f"order {order['id']} is {order['status']} but its delivery is {status}")
    for order_id in set(deliveries) - set(orders):
        if deliveries[order_id] != "CANCELLED":
            found.append(f"delivery of unknown order {order_id} is {deliveries[order_id]}")

    # Notifications: one per order status change and one per wallet movement, no loss, no doubles.
    changes = Counter((str(r["order_id"]), r["status"]) for r in await db.fetch("SELECT order_id, status FROM orders.order_status_history"))
    told = Counter((str(r["order_id"]), r["order_status"]) for r in await db.fetch(
        "SELECT order_id, order_status FROM notifications.notifications WHERE kind = 'ORDER_STATUS'"))
    if changes != told:
        found.append(f"order notifications differ from status changes: missing {dict(changes - told)}, extra {dict(told - changes)}")
    movements = Counter((str(r["user_id"]), WALLET_TITLES[r["kind"]]) for r in await db.fetch(
        "SELECT w.user_id, t.kind FROM wallet.transactions t JOIN wallet.wallets w ON w.id = t.wallet_id"))
    wallet_told = Counter((str(r["user_id"]), r["title"].split(":")[0]) for r in await db.fetch(
        "SELECT user_id, title FROM notifications.notifications WHERE kind = 'WALLET'"))
    if movements != wallet_told:
        found.append(f"wallet notifications differ from movements: missing {dict(movements - wallet_told)}, extra {dict(wallet_told - movements)}")
    return found
