"""Concurrency against the real database: every movement of one wallet at once, and the ledger still adds up."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from decimal import Decimal

from subgraphs.wallet import service
from subgraphs.wallet.service import Db
from tests.conftest import GraphQLClient, unique

from .conftest import Internal, assert_adds_up, ledger

TOP_UP = """
mutation($key: String!) {
  topUpWallet(input: {amount: "25.00", idempotencyKey: $key}) { transaction { id } wallet { balance { amount } } errors { code } }
}"""


async def _charge(db: Db, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal) -> Decimal | None:
    """The amount charged, or None when refused (only ever for lack of funds here)."""
    try:
        await service.charge(db, order_id, user_id, amount)
    except service.Refused as refusal:
        assert refusal.reason == "INSUFFICIENT_FUNDS"
        return None
    return amount


async def test_concurrent_top_ups_charges_and_refunds_add_up(db: Db) -> None:
    user_id = uuid.uuid4()
    # A first credit, so whichever charge locks the wallet first finds money.
    credits = [Decimal(100)]
    await service.top_up(db, user_id, credits[0], unique("key"), maximum=service.MAX_AMOUNT)
    credits += [Decimal(10 + i) for i in range(30)]
    orders = [(uuid.uuid4(), Decimal(15) + Decimal(i) / 100) for i in range(30)]
    results = await asyncio.gather(
        *(service.top_up(db, user_id, amount, unique("key"), maximum=service.MAX_AMOUNT) for amount in credits[1:]),
        *(_charge(db, order_id, user_id, amount) for order_id, amount in orders),
    )
    outcomes = results[len(credits) - 1 :]
    charged = [r for r in outcomes if r is not None]
    assert charged

    balance, rows = await ledger(db, user_id)
    assert balance == sum(credits) - sum(charged)
    assert sum(1 for r in rows if r.kind == "PAYMENT") == len(charged)
    assert_adds_up(balance, rows)

    # Now refund every order while retrying every charge: nothing is charged or refunded twice.
    paid = [order_id for (order_id, amount), result in zip(orders, outcomes) if result is not None]
    await asyncio.gather(
        *(service.refund(db, order_id) for order_id, _ in orders),
        *(service.refund(db, order_id) for order_id in paid),
        *(_charge(db, order_id, user_id, amount) for order_id, amount in orders if order_id in paid),
    )
    balance, rows = await ledger(db, user_id)
    assert balance == sum(credits)
    assert sum(1 for r in rows if r.kind == "REFUND") == sum(1 for r in rows if r.kind == "PAYMENT") == len(paid)
    assert_adds_up(balance, rows)


async def test_a_charge_racing_its_refund_never_keeps_the_money(db: Db) -> None:
    user_id = uuid.uuid4()
    await service.top_up(db, user_id, Decimal(1000), unique(), maximum=service.MAX_AMOUNT)
    orders = [uuid.uuid4() for _ in range(20)]

    async def charge(order_id: uuid.UUID) -> bool:
        try:
            await service.charge(db, order_id, user_id, Decimal(10))
        except service.Refused as refusal:
            assert refusal.reason == "CANCELLED"
            return False
        return True

    outcomes = await asyncio.gather(*(asyncio.gather(charge(o), service.refund(db, o)) for o in orders))
    for charged, refunded in outcomes:
        # Either the charge landed and the refund gave it back, or the refund came first and the charge was refused.
        assert charged == (refunded is not None)
    balance, rows = await ledger(db, user_id)
    assert balance == 1000
    assert_adds_up(balance, rows)


async def test_concurrent_retries_of_one_charge_pay_once(db: Db) -> None:
    user_id, order_id = uuid.uuid4(), uuid.uuid4()
    await service.top_up(db, user_id, Decimal(100), unique(), maximum=service.MAX_AMOUNT)
    payments = await asyncio.gather(*(service.charge(db, order_id, user_id, Decimal(70)) for _ in range(10)))
    assert len({p.id for p in payments}) == 1
    balance, rows = await ledger(db, user_id)
    assert balance == 30 and [r.kind for r in rows] == ["TOP_UP", "PAYMENT"]


async def test_concurrent_identical_top_ups_credit_once(wallet: GraphQLClient, token_for: Callable[..., str], db: Db) -> None:
    user_id = uuid.uuid4()
    client, key = wallet.as_(token_for(user_id)), unique("key")
    answers = await asyncio.gather(*(client.data(TOP_UP, {"key": key}) for _ in range(10)))
    payloads = [a["topUpWallet"] for a in answers]
    assert all(p["errors"] == [] for p in payloads)
    assert len({p["transaction"]["id"] for p in payloads}) == 1
    assert {p["wallet"]["balance"]["amount"] for p in payloads} == {"25.00"}
    balance, rows = await ledger(db, user_id)
    assert balance == 25 and len(rows) == 1


async def test_concurrent_http_charges_of_distinct_orders_never_overdraw(internal: Internal, db: Db) -> None:
    user_id = uuid.uuid4()
    await service.top_up(db, user_id, Decimal(100), unique(), maximum=service.MAX_AMOUNT)
    replies = await asyncio.gather(*(internal.charge(uuid.uuid4(), user_id, "30") for _ in range(10)))
    assert sorted(status for status, _ in replies) == [200] * 3 + [409] * 7
    assert {body["error"] for status, body in replies if status == 409} == {"INSUFFICIENT_FUNDS"}
    assert sorted(body["balance"] for status, body in replies if status == 200) == ["10.00", "40.00", "70.00"]
    balance, rows = await ledger(db, user_id)
    assert balance == 10
    assert_adds_up(balance, rows)
