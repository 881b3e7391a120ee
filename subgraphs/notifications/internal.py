"""Events from other subgraphs' relays (EVENTS in `subgraphs.common.contract`; see `subgraphs.common.events`).

    POST /internal/events   → {notification_id} (null: replayed, or nobody to tell)

Topics heard: `order.status_changed` (ORDER_STATUS) and `wallet.top_up` / `wallet.payment` /
`wallet.refund` (WALLET); any other topic is acknowledged and ignored. An event whose payload is
not what its topic promises is 400 INVALID_INPUT.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from subgraphs.common.context import AppState
from subgraphs.common.contract import EVENTS, Event, Notified, RefusalCode, Refused
from subgraphs.common.internal import route

from . import service

if TYPE_CHECKING:
    from .app import Notifications


async def event(state: AppState, request: Event) -> Notified:
    """Stores the event's notification once and sends it after the commit."""
    try:
        created = await service.handle_event(state.db, request.id, request.topic, request.payload, currency=state.settings.currency)
    except service.BadEvent as exc:
        raise Refused(RefusalCode.INVALID_INPUT, str(exc)) from None
    if created is not None:
        services: Notifications = state.services
        services.dispatcher.kick(created)
    return Notified(notification_id=created)


ROUTES = [route(EVENTS, event)]
