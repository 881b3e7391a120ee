"""The order saga's routes into delivery (QUEUE_DELIVERY, CANCEL_DELIVERY, PICKUP_POINT in
`subgraphs.common.contract`):

    queue    an order's delivery, idempotent by order id; 400 INVALID_INPUT for a courier delivery
             without a valid address or a pickup at an unknown point; 409 CANCELLED after a cancel
    cancel   the compensation, idempotent (with no delivery yet, a tombstone refuses a late queue);
             409 INVALID_STATE once the parcel has left
    pickup point   whether it exists (checked before anything is reserved); 404 NOT_FOUND
"""

from __future__ import annotations

from subgraphs.common.context import AppState
from subgraphs.common.contract import (
    CANCEL_DELIVERY, PICKUP_POINT, QUEUE_DELIVERY, DeliveryReply, DeliveryRequest, DeliveryStatus, LookupById, OrderRef,
    PickupPoint, RefusalCode, Refused,
)
from subgraphs.common.ids import parse_id
from subgraphs.common.internal import route

from . import service
from .service import clean_address


async def create_delivery(state: AppState, request: DeliveryRequest) -> DeliveryReply:
    """Queues the order's delivery, or answers the one it has."""
    address = None
    if request.method == "COURIER" and request.address is not None:
        try:
            address = clean_address(request.address)
        except ValueError as exc:
            raise Refused(RefusalCode.INVALID_INPUT, str(exc)) from None
    row = await service.create_delivery(
        state.db, order_id=request.order_id, user_id=request.user_id, method=request.method, address=address,
        pickup_point_id=request.pickup_point_id,
    )
    if row.status == "CANCELLED":
        raise Refused(RefusalCode.CANCELLED, "The order's delivery was already cancelled.")
    return DeliveryReply(delivery_id=row.id, status=row.status)


async def cancel_delivery(state: AppState, request: OrderRef) -> DeliveryStatus:
    """→ CANCELLED, also when already cancelled."""
    row = await service.cancel_delivery(state.db, request.order_id)
    return DeliveryStatus(status=row.status)


async def pickup_point(state: AppState, request: LookupById) -> PickupPoint:
    """The point's id and name."""
    key = parse_id(request.id)
    row = await service.get_pickup_point(state.db, key) if key else None
    if row is None:
        raise Refused(RefusalCode.NOT_FOUND, "No such pickup point.")
    return PickupPoint(id=row.id, name=row.name)


ROUTES = [route(QUEUE_DELIVERY, create_delivery), route(CANCEL_DELIVERY, cancel_delivery), route(PICKUP_POINT, pickup_point)]
