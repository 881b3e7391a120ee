"""The orders subgraph's ASGI app: GraphQL, the saga runner with its recovery, and the event intake."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.events import Subscribers
from subgraphs.common.internal import InternalClient
from subgraphs.common.settings import Settings

from .internal import ROUTES as INTERNAL_ROUTES
from .models import OutboxEvent
from .remote import HttpRemote, Remote
from .runner import Runner
from .saga import Saga
from .schema import schema

#: Who hears about order status changes.
SUBSCRIBERS: Subscribers = {"order.status_changed": ("notifications",)}


@dataclass(frozen=True)
class Orders:
    """What orders holds for its lifetime: the calls to other subgraphs and the saga runner."""

    client: InternalClient
    remote: Remote
    runner: Runner


def build(settings: Settings | None = None, *, remote: Remote | None = None, background: bool = True) -> Starlette:
    """`remote` replaces the HTTP calls (tests); `background=False` leaves recovery and the relay off."""

    @contextlib.asynccontextmanager
    async def services(state: AppState[Orders]) -> AsyncIterator[Orders]:
        conf = state.settings
        client = InternalClient(conf)
        calls = remote or HttpRemote(client)
        runner = Runner(Saga(state.db, calls, deadline=conf.saga_deadline), interval=conf.saga_recovery_interval, concurrency=conf.db_pool_size)
        try:
            if background:
                runner.run_forever()
            yield Orders(client=client, remote=calls, runner=runner)
        finally:
            await runner.stop()
            await client.aclose()

    return create_app(
        "orders",
        schema,
        settings=settings,
        routes=INTERNAL_ROUTES,
        services=services,
        outbox=OutboxEvent,
        subscribers=SUBSCRIBERS,
        background=background,
    )


app = build()
