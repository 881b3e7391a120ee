"""The delivery subgraph's ASGI app: `uvicorn subgraphs.delivery.app:app`."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.events import Subscribers
from subgraphs.common.settings import Settings

from .internal import ROUTES
from .models import OutboxEvent
from .schema import schema
from .service import TOPIC

#: Who hears delivery's events: orders turns status changes into order statuses.
SUBSCRIBERS: Subscribers = {TOPIC: ("orders",)}


def build(settings: Settings | None = None, *, background: bool = True) -> Starlette:
    """The app; settings are read from the environment at startup unless given.

    `background=False` leaves the outbox undelivered (in-process tests read it directly).
    """
    return create_app(
        "delivery", schema, settings=settings, routes=ROUTES, outbox=OutboxEvent, subscribers=SUBSCRIBERS, background=background
    )


app = build()
