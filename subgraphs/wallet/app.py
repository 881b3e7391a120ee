"""The wallet subgraph's ASGI app: `uvicorn subgraphs.wallet.app:app`."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.events import Subscribers
from subgraphs.common.settings import Settings

from .internal import ROUTES as INTERNAL_ROUTES
from .models import OutboxEvent
from .schema import schema

#: Who hears about wallet movements.
SUBSCRIBERS: Subscribers = {topic: ("notifications",) for topic in ("wallet.top_up", "wallet.payment", "wallet.refund")}


def build(settings: Settings | None = None, *, background: bool = True) -> Starlette:
    """The app: GraphQL plus the saga's internal routes; settings are read at startup unless given.

    `background=False` leaves the outbox undelivered (in-process tests read it directly).
    """
    return create_app(
        "wallet", schema, settings=settings, routes=INTERNAL_ROUTES, outbox=OutboxEvent, subscribers=SUBSCRIBERS, background=background
    )


app = build()
