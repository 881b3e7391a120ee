"""The delivery subgraph's ASGI app: `uvicorn subgraphs.delivery.app:app`."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.events import Relay
from subgraphs.common.settings import Settings

from .internal import ROUTES
from .models import OutboxEvent
from .schema import schema
from .service import TOPIC

#: Who hears delivery's events: orders turns status changes into order statuses.
SUBSCRIBERS = {TOPIC: ("orders",)}


async def _start_relay(state: AppState) -> None:
    relay = Relay(state, OutboxEvent, SUBSCRIBERS)
    state.extras["relay"] = relay
    await relay.start()


async def _stop_relay(state: AppState) -> None:
    relay: Relay | None = state.extras.pop("relay", None)
    if relay is not None:
        await relay.stop()


def build(settings: Settings | None = None, *, relay: bool = True) -> Starlette:
    """The app; settings are read from the environment at startup unless given.

    `relay=False` leaves the outbox undelivered (in-process tests read it directly).
    """
    return create_app(
        "delivery",
        schema,
        settings=settings,
        routes=ROUTES,
        on_startup=[_start_relay] if relay else [],
        on_shutdown=[_stop_relay] if relay else [],
    )


app = build()
