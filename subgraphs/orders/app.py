"""The orders subgraph's ASGI app: GraphQL, the saga runner with its recovery, and the event intake."""

from __future__ import annotations


from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.events import Relay
from subgraphs.common.internal import InternalClient
from subgraphs.common.settings import Settings

from .internal import ROUTES as INTERNAL_ROUTES
from .models import OutboxEvent
from .remote import HttpRemote, Remote
from .runner import Runner
from .saga import Saga
from .schema import schema

#: Who hears about order status changes.
ROUTES: dict[str, tuple[str, ...]] = {"order.status_changed": ("notifications",)}


def build(settings: Settings | None = None, *, remote: Remote | None = None, background: bool = True) -> Starlette:
    """`remote` replaces the HTTP calls (tests); `background=False` leaves recovery and the relay off."""

    async def start(state: AppState) -> None:
        client = InternalClient(state.settings)
        state.extras["client"] = client
        state.extras["remote"] = remote or HttpRemote(client)
        saga = Saga(state.db, state.extras["remote"], deadline=state.settings.saga_deadline)
        runner = Runner(saga, interval=state.settings.saga_recovery_interval, concurrency=state.settings.db_pool_size)
        state.extras["runner"] = runner
        if background:
            runner.run_forever()
            relay = Relay(state, OutboxEvent, ROUTES)
            state.extras["relay"] = relay
            await relay.start()

    async def stop(state: AppState) -> None:
        await state.extras["runner"].stop()
        if relay := state.extras.get("relay"):
            await relay.stop()
        await state.extras["client"].aclose()

    return create_app(
        "orders",
        schema,
        settings=settings,
        routes=INTERNAL_ROUTES,
        on_startup=[start],
        on_shutdown=[stop],
    )


app = build()
