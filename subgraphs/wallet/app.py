"""The wallet subgraph's ASGI app: `uvicorn subgraphs.wallet.app:app`."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.events import Relay
from subgraphs.common.settings import Settings

from .internal import ROUTES as INTERNAL_ROUTES
from .models import OutboxEvent
from .schema import schema

#: Who hears about wallet movements.
ROUTES: dict[str, tuple[str, ...]] = {topic: ("notifications",) for topic in ("wallet.top_up", "wallet.payment", "wallet.refund")}


async def _start(state: AppState) -> None:
    relay = Relay(state, OutboxEvent, ROUTES)
    state.extras["relay"] = relay
    await relay.start()


async def _stop(state: AppState) -> None:
    await state.extras["relay"].stop()


def build(settings: Settings | None = None, *, relay: bool = True) -> Starlette:
    """The app: GraphQL plus the saga's internal routes; settings are read at startup unless given."""
    hooks = {"on_startup": [_start], "on_shutdown": [_stop]} if relay else {}
    return create_app("wallet", schema, settings=settings, routes=INTERNAL_ROUTES, **hooks)


app = build()
