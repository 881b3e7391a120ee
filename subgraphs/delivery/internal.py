"""The order saga's internal calls to delivery (see `subgraphs.common.internal` for the conventions).

    POST /internal/deliveries                    queue an order's delivery (idempotent by order id)
    POST /internal/deliveries/{order_id}/cancel  the compensation (idempotent; may leave a tombstone)
    GET  /internal/pickup-points/{id}            does this pickup point exist (checked before reserving)
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from subgraphs.common.ids import parse_id
from subgraphs.common.context import AppState
from subgraphs.common.errors import DomainError
from subgraphs.common.internal import Reply, internal

from . import service
from .service import clean_address


def _invalid(message: str) -> Reply:
    return Reply(409, {"error": "INVALID_INPUT", "message": message})


def _refused(error: DomainError) -> Reply:
    return Reply(409, {"error": error.code.value, "message": error.message})


async def create_delivery(state: AppState, body: dict[str, Any]) -> Reply:
    """`{order_id, user_id, method, address, pickup_point_id}` → `{delivery_id, status}`; 409 CANCELLED after a cancel."""
    order_id, user_id = parse_id(body.get("order_id")), parse_id(body.get("user_id"))
    if order_id is None or user_id is None:
        return _invalid("order_id and user_id must be UUIDs.")
    method = body.get("method")
    if method not in service.TRANSITIONS:
        return _invalid("method must be COURIER or PICKUP.")
    address = None
    if method == "COURIER" and body.get("address") is not None:
        try:
            address = clean_address(body["address"])
        except ValueError as exc:
            return _invalid(str(exc))
    raw_point = body.get("pickup_point_id")
    point_id = parse_id(raw_point) if raw_point is not None else None
    try:
        row = await service.create_delivery(
            state.db, order_id=order_id, user_id=user_id, method=method, address=address, pickup_point_id=point_id
        )
    except DomainError as error:
        return _refused(error)
    if row.status == "CANCELLED":
        return Reply(409, {"error": "CANCELLED", "message": "The order's delivery was already cancelled."})
    return Reply(200, {"delivery_id": str(row.id), "status": row.status})


async def cancel_delivery(state: AppState, body: dict[str, Any]) -> Reply:
    """→ `{status: "CANCELLED"}`, also when already cancelled; 409 INVALID_STATE once the parcel has left."""
    order_id = parse_id(body.get("order_id"))
    if order_id is None:
        return _invalid("order_id must be a UUID.")
    try:
        row = await service.cancel_delivery(state.db, order_id)
    except DomainError as error:
        return _refused(error)
    return Reply(200, {"status": row.status})


async def pickup_point(state: AppState, body: dict[str, Any]) -> Reply:
    """→ `{id, name}`, or 404 NOT_FOUND."""
    key = parse_id(body.get("id"))
    row = await service.get_pickup_point(state.db, key) if key else None
    if row is None:
        return Reply(404, {"error": "NOT_FOUND", "message": "No such pickup point."})
    return Reply(200, {"id": str(row.id), "name": row.name})


ROUTES = [
    Route("/internal/deliveries", internal(create_delivery), methods=["POST"]),
    Route("/internal/deliveries/{order_id}/cancel", internal(cancel_delivery), methods=["POST"]),
    Route("/internal/pickup-points/{id}", internal(pickup_point), methods=["GET"]),
]
