"""The orders subgraph's ASGI app: GraphQL, the saga runner with its recovery, and the event intake."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import Route

from subgraphs.common.ids import parse_id
from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.events import Subscribers, too_early
from subgraphs.common.internal import InternalClient, Reply, internal
from subgraphs.common.settings import Settings

from . import service
from .models import OutboxEvent
from .remote import HttpRemote, Remote
from .runner import Runner
from .saga import Saga
from .schema import schema

#: Who hears about order status changes.
SUBSCRIBERS: Subscribers = {"order.status_changed": ("notifications",)}


async def events(state: AppState, body: dict[str, object]) -> Reply:
    """Events from other subgraphs (delivery's status changes), each handled once, none too early."""
    if body.get("topic") == "delivery.status_changed":
        event_id, payload = parse_id(body.get("id")), body.get("payload")
        if event_id is None or not isinstance(payload, dict) or parse_id(payload.get("order_id")) is None:
            return Reply(400, {"error": "INVALID_INPUT", "message": "an event needs an id and a payload with an order_id"})
        if not await service.on_delivery_status(state.db, event_id, payload):
            return too_early("the order is not confirmed yet")
    return Reply(200, {"handled": True})


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
        routes=[Route("/internal/events", internal(events), methods=["POST"])],
        services=services,
        outbox=OutboxEvent,
        subscribers=SUBSCRIBERS,
        background=background,
    )


app = build()
