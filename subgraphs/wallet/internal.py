"""The order saga's routes into the wallet: charge an order, refund it. Idempotent by order id.

    POST /internal/charges  {"order_id", "user_id", "amount": "1499.90"}
        200 {"transaction_id", "balance"}            paid now, or paid before (the same answer)
        409 {"error": "INSUFFICIENT_FUNDS" | "CANCELLED" | "CONFLICT", "message"}
    POST /internal/refunds  {"order_id"}
        200 {"refunded": true, "transaction_id", "balance"}   refunded now, or before (the same answer)
        200 {"refunded": false}                      never paid: a tombstone refuses a late charge
    400 {"error": "INVALID_INPUT", "message"} for a malformed body; 401 without the service credential.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from starlette.routing import Route

from subgraphs.common.ids import parse_id
from subgraphs.common.context import AppState
from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.internal import Reply, internal

from . import service
from .models import Transaction


def _invalid(message: str) -> Reply:
    return Reply(400, {"error": "INVALID_INPUT", "message": message})


def _uuid(body: dict[str, Any], name: str) -> uuid.UUID:
    key = parse_id(body.get(name))
    if key is None:
        raise DomainError(ErrorCode.INVALID_INPUT, f"`{name}` must be a UUID.", name)
    return key


def _done(row: Transaction, **extra: Any) -> Reply:
    return Reply(200, {**extra, "transaction_id": str(row.id), "balance": str(row.balance_after)})


async def charge(state: AppState, body: dict[str, Any]) -> Reply:
    """Pays an order from its customer's wallet."""
    try:
        order_id, user_id = _uuid(body, "order_id"), _uuid(body, "user_id")
        raw = body.get("amount")
        if not isinstance(raw, str):
            raise DomainError(ErrorCode.INVALID_INPUT, "`amount` must be a decimal string.", "amount")
        amount: Decimal = service.clean_amount(raw)
    except DomainError as error:
        return _invalid(error.message)
    try:
        row = await service.charge(state.db, order_id, user_id, amount)
    except service.Refused as refusal:
        return Reply(409, {"error": refusal.code, "message": refusal.message})
    return _done(row)


async def refund(state: AppState, body: dict[str, Any]) -> Reply:
    """Gives an order's payment back, or makes sure it can never be taken."""
    try:
        order_id = _uuid(body, "order_id")
    except DomainError as error:
        return _invalid(error.message)
    row = await service.refund(state.db, order_id)
    return _done(row, refunded=True) if row else Reply(200, {"refunded": False})


routes = [
    Route("/internal/charges", internal(charge), methods=["POST"]),
    Route("/internal/refunds", internal(refund), methods=["POST"]),
]
