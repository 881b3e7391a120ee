"""Events from other subgraphs' relays (see `subgraphs.common.events`).

    POST /internal/events   {id, topic, payload} → {notification_id} (null: replayed, or nobody to tell)

Topics heard: `order.status_changed` (ORDER_STATUS) and `wallet.top_up` / `wallet.payment` /
`wallet.refund` (WALLET); any other topic is acknowledged and ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from subgraphs.common.ids import parse_id
from subgraphs.common.context import AppState
from subgraphs.common.internal import Reply, internal

from . import service

if TYPE_CHECKING:
    from .app import Notifications


async def event(state: AppState, body: dict[str, Any]) -> Reply:
    """Stores the event's notification once and sends it after the commit."""
    event_id, topic, payload = parse_id(body.get("id")), body.get("topic"), body.get("payload")
    if event_id is None or not isinstance(topic, str) or not isinstance(payload, dict):
        return Reply(409, {"error": "INVALID_INPUT", "message": "expected {id: UUID, topic, payload: object}"})
    try:
        created = await service.handle_event(state.db, event_id, topic, payload, currency=state.settings.currency)
    except service.BadEvent as exc:
        return Reply(409, {"error": "INVALID_INPUT", "message": str(exc)})
    if created is not None:
        services: Notifications = state.services
        services.dispatcher.kick(created)
    return Reply(200, {"notification_id": str(created) if created else None})


ROUTES = [Route("/internal/events", internal(event), methods=["POST"])]
