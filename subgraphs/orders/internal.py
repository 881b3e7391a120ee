"""Events from other subgraphs' relays into orders (EVENTS in `subgraphs.common.contract`).

    delivery.status_changed   moves the order with its parcel, once per event; 425 TOO_EARLY while
                              the order is not confirmed yet (the relay offers it again)
Any other topic is acknowledged and ignored.
"""

from __future__ import annotations

from subgraphs.common.context import AppState
from subgraphs.common.contract import EVENTS, DeliveryStatusChanged, Event, Handled
from subgraphs.common.events import too_early
from subgraphs.common.internal import parse, route

from . import service


async def event(state: AppState, request: Event) -> Handled:
    """Applies delivery's status changes, each once, none too early."""
    if request.topic == "delivery.status_changed":
        parse(DeliveryStatusChanged, request.payload)  # a malformed payload: 400, nothing recorded
        if not await service.on_delivery_status(state.db, request.id, request.payload):
            raise too_early("the order is not confirmed yet")
    return Handled()


ROUTES = [route(EVENTS, event)]
