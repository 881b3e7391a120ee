"""The saga's internal routes: charges and refunds, idempotent by order id, with tombstones."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from subgraphs.common.internal import SERVICE_HEADER
from subgraphs.wallet import service
from subgraphs.wallet.service import Db
from tests.conftest import GraphQLClient, unique

from .conftest import Internal, assert_adds_up, ledger

Customer = Callable[[], tuple[uuid.UUID, GraphQLClient]]
BALANCE = "{ myWallet { balance { amount } transactions { edges { node { kind orderId amount { amount } } } } } }"


async def funded(db: Db, amount: str) -> uuid.UUID:
    """A new account whose wallet holds `amount`."""
    user_id = uuid.uuid4()
    await service.top_up(db, user_id, service.clean_amount(amount), unique("key"), maximum=service.MAX_AMOUNT)
    return user_id


async def test_internal_routes_need_the_service_credential(wallet_http: httpx.AsyncClient) -> None:
    body = {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "amount": "1.00"}
    for path in ("/internal/charges", "/internal/refunds"):
        assert (await wallet_http.post(path, json=body)).status_code == 401
        assert (await wallet_http.post(path, json=body, headers={SERVICE_HEADER: "wrong"})).status_code == 401


async def test_a_charge_pays_once_and_a_retry_answers_the_same(internal: Internal, db: Db) -> None:
    user_id, order_id = await funded(db, "100"), uuid.uuid4()
    status, body = await internal.charge(order_id, user_id, "100.00")
    assert status == 200 and body["balance"] == "0.00"
    # The wallet is empty now; a retry of the success is still that success, never INSUFFICIENT_FUNDS.
    assert await internal.charge(order_id, user_id, "100") == (200, body)
    balance, rows = await ledger(db, user_id)
    assert balance == 0 and [r.kind for r in rows] == ["TOP_UP", "PAYMENT"]
    assert str(rows[1].id) == body["transaction_id"] and rows[1].order_id == order_id


async def test_a_charge_beyond_the_balance_is_refused_and_takes_nothing(internal: Internal, db: Db) -> None:
    user_id = await funded(db, "10")
    status, body = await internal.charge(uuid.uuid4(), user_id, "10.01")
    assert status == 409 and body["error"] == "INSUFFICIENT_FUNDS"
    status, _ = await internal.charge(uuid.uuid4(), uuid.uuid4(), "0.01")  # an account never topped up
    assert status == 409
    balance, rows = await ledger(db, user_id)
    assert balance == 10 and len(rows) == 1


async def test_a_charge_replayed_with_other_terms_is_a_conflict(internal: Internal, db: Db) -> None:
    user_id, order_id = await funded(db, "100"), uuid.uuid4()
    assert (await internal.charge(order_id, user_id, "40"))[0] == 200
    status, body = await internal.charge(order_id, user_id, "41")
    assert status == 409 and body["error"] == "CONFLICT"
    other = await funded(db, "100")
    status, body = await internal.charge(order_id, other, "40")
    assert status == 409 and body["error"] == "CONFLICT"
    assert (await ledger(db, other))[0] == 100 and (await ledger(db, user_id))[0] == 60


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"order_id": "x", "user_id": str(uuid.uuid4()), "amount": "1"},
        {"order_id": str(uuid.uuid4()), "amount": "1"},
        {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4())},
        {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "amount": "abc"},
        {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "amount": "0"},
        {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "amount": "-5"},
        {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "amount": "1.005"},
        {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "amount": 1.5},
        {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "amount": "1e30"},
    ],
)
async def test_a_malformed_charge_is_invalid_input(internal: Internal, body: dict[str, Any]) -> None:
    status, reply = await internal.post("/internal/charges", body)
    assert status == 400 and reply["error"] == "INVALID_INPUT"


async def test_a_malformed_refund_is_invalid_input(internal: Internal) -> None:
    for body in ({}, {"order_id": "nope"}, {"order_id": None}):
        status, reply = await internal.post("/internal/refunds", body)
        assert status == 400 and reply["error"] == "INVALID_INPUT"


async def test_a_refund_gives_the_payment_back_once(
    internal: Internal, db: Db, wallet: GraphQLClient, token_for: Callable[..., str]
) -> None:
    user_id, order_id = await funded(db, "100"), uuid.uuid4()
    await internal.charge(order_id, user_id, "60")
    status, body = await internal.refund(order_id)
    assert status == 200 and body["refunded"] is True and body["balance"] == "100.00"
    assert await internal.refund(order_id) == (200, body)
    # A late retry of the charge it compensated answers the old payment: it does not charge again.
    status, again = await internal.charge(order_id, user_id, "60")
    assert status == 200 and again["balance"] == "40.00"
    balance, rows = await ledger(db, user_id)
    assert balance == 100 and [r.kind for r in rows] == ["TOP_UP", "PAYMENT", "REFUND"]
    assert_adds_up(balance, rows)
    seen = (await wallet.as_(token_for(user_id)).data(BALANCE))["myWallet"]
    assert seen["balance"]["amount"] == "100.00"
    assert [(e["node"]["kind"], e["node"]["orderId"]) for e in seen["transactions"]["edges"]] == [
        ("REFUND", str(order_id)), ("PAYMENT", str(order_id)), ("TOP_UP", None),
    ]


async def test_a_refund_before_the_charge_leaves_a_tombstone(internal: Internal, db: Db) -> None:
    user_id, order_id = await funded(db, "100"), uuid.uuid4()
    assert await internal.refund(order_id) == (200, {"refunded": False})
    status, body = await internal.charge(order_id, user_id, "10")
    assert status == 409 and body["error"] == "CANCELLED"
    assert await internal.refund(order_id) == (200, {"refunded": False})
    balance, rows = await ledger(db, user_id)
    assert balance == 100 and len(rows) == 1


async def test_a_refused_charge_then_its_compensation_cancels_the_order(internal: Internal, db: Db) -> None:
    user_id, order_id = await funded(db, "5"), uuid.uuid4()
    assert (await internal.charge(order_id, user_id, "10"))[1]["error"] == "INSUFFICIENT_FUNDS"
    assert await internal.refund(order_id) == (200, {"refunded": False})
    await service.top_up(db, user_id, service.clean_amount("100"), unique(), maximum=service.MAX_AMOUNT)
    assert (await internal.charge(order_id, user_id, "10"))[1]["error"] == "CANCELLED"
    assert (await ledger(db, user_id))[0] == 105
