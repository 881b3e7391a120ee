"""The order saga's routes into the catalog: look products up, reserve, commit and release stock.

See `subgraphs.common.internal` for the conventions; every effect is idempotent by order id.

    POST /internal/products/lookup  {"ids": [uuid, …]}  (at most 200)
        200 {"products": [{"id", "name", "price": "12.50", "stock": int, "deleted": bool}]}
            stock is what can still be sold (on_hand - reserved); unknown ids are left out
    POST /internal/reservations  {"order_id", "lines": [{"product_id", "quantity"}]}
        200 {"lines": [{"product_id", "quantity", "name", "unit_price": "12.50"}]}
            reserved now at the current names and prices, or before (the same answer)
        409 {"error": "OUT_OF_STOCK" | "PRODUCT_UNAVAILABLE", "message", "product_id"}  nothing reserved
        409 {"error": "CANCELLED" | "CONFLICT", "message"}  released before / reserved with other lines
    POST /internal/reservations/{order_id}/commit
        200 {"status": "COMMITTED"}      sold now, or before
        409 {"error": "INVALID_STATE", "message"}  released, or never reserved
    POST /internal/reservations/{order_id}/release
        200 {"status": "RELEASED"}       given back now, or before, or never reserved (a tombstone)
    400 {"error": "INVALID_INPUT", "message"} for a malformed body; 401 without the service credential.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.routing import Route

from subgraphs.common.ids import parse_id
from subgraphs.common.context import AppState
from subgraphs.common.internal import Reply, internal

from . import reservations
from .service import MAX_STOCK

#: At most this many ids per lookup, and lines per reservation.
MAX_IDS = 200
MAX_LINES = 1000


class Invalid(Exception):
    """A malformed body: 400 INVALID_INPUT with this message."""


def _invalid(message: str) -> Reply:
    return Reply(400, {"error": "INVALID_INPUT", "message": message})


def _refused(refusal: reservations.Refused) -> Reply:
    body: dict[str, Any] = {"error": refusal.code, "message": refusal.message}
    if refusal.product_id is not None:
        body["product_id"] = str(refusal.product_id)
    return Reply(409, body)


def _uuid(value: Any, name: str) -> uuid.UUID:
    key = parse_id(value) if isinstance(value, str) else None
    if key is None:
        raise Invalid(f"`{name}` must be a UUID string.")
    return key


def _quantity(value: Any) -> int:
    # bool is an int in Python, and JSON true is no quantity.
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_STOCK:
        raise Invalid(f"`quantity` must be an integer from 1 to {MAX_STOCK}.")
    return value


def _lines(value: Any) -> dict[uuid.UUID, int]:
    """The lines, product id → quantity, lines of one product merged, in their first order."""
    if not isinstance(value, list) or not value:
        raise Invalid("`lines` must be a non-empty list.")
    if len(value) > MAX_LINES:
        raise Invalid(f"At most {MAX_LINES} lines.")
    merged: dict[uuid.UUID, int] = {}
    for line in value:
        if not isinstance(line, dict):
            raise Invalid("Each line must be an object with `product_id` and `quantity`.")
        product_id = _uuid(line.get("product_id"), "product_id")
        merged[product_id] = merged.get(product_id, 0) + _quantity(line.get("quantity"))
        if merged[product_id] > MAX_STOCK:
            raise Invalid(f"At most {MAX_STOCK} of one product.")
    return merged


async def lookup_products(state: AppState, body: dict[str, Any]) -> Reply:
    """Products by id for the cart and checkout, deleted ones included (flagged)."""
    ids = body.get("ids")
    try:
        if not isinstance(ids, list):
            raise Invalid("`ids` must be a list of UUIDs.")
        if len(ids) > MAX_IDS:
            raise Invalid(f"At most {MAX_IDS} ids.")
        keys = [_uuid(value, "ids") for value in ids]
    except Invalid as error:
        return _invalid(str(error))
    rows = await reservations.lookup(state.db, keys)
    products = [
        {"id": str(row.id), "name": row.name, "price": str(row.price), "stock": row.stock, "deleted": row.deleted}
        for row in rows
    ]
    return Reply(200, {"products": products})


async def reserve(state: AppState, body: dict[str, Any]) -> Reply:
    """Reserves an order's lines, all or none, and answers them priced."""
    try:
        order_id, lines = _uuid(body.get("order_id"), "order_id"), _lines(body.get("lines"))
    except Invalid as error:
        return _invalid(str(error))
    try:
        priced = await reservations.reserve(state.db, order_id, lines)
    except reservations.Refused as refusal:
        return _refused(refusal)
    answer = [
        {"product_id": str(line.product_id), "quantity": line.quantity, "name": line.name, "unit_price": str(line.unit_price)}
        for line in priced
    ]
    return Reply(200, {"lines": answer})


async def commit(state: AppState, body: dict[str, Any]) -> Reply:
    """The sale is final: the reserved items leave the stock on hand."""
    try:
        order_id = _uuid(body.get("order_id"), "order_id")
    except Invalid as error:
        return _invalid(str(error))
    try:
        await reservations.commit(state.db, order_id)
    except reservations.Refused as refusal:
        return _refused(refusal)
    return Reply(200, {"status": "COMMITTED"})


async def release(state: AppState, body: dict[str, Any]) -> Reply:
    """The compensation of reserve and of commit: the order's items are sellable again."""
    try:
        order_id = _uuid(body.get("order_id"), "order_id")
    except Invalid as error:
        return _invalid(str(error))
    await reservations.release(state.db, order_id)
    return Reply(200, {"status": "RELEASED"})


routes = [
    Route("/internal/products/lookup", internal(lookup_products), methods=["POST"]),
    Route("/internal/reservations", internal(reserve), methods=["POST"]),
    Route("/internal/reservations/{order_id}/commit", internal(commit), methods=["POST"]),
    Route("/internal/reservations/{order_id}/release", internal(release), methods=["POST"]),
]
