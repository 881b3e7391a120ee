"""`create_app` owns a subgraph's lifespan: its services, its outbox relay, in order, and nothing outside it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.schema import make_schema
from subgraphs.common.settings import Settings
from subgraphs.wallet.models import OutboxEvent
from tests.conftest import serve


@strawberry.type
class Query:
    @strawberry.field(description="Always true.")
    def ok(self) -> bool:
        return True


@dataclass
class Held:
    """A subgraph's services as the factory sees them: what happened to them, in order."""

    log: list[str] = field(default_factory=list)


def app_with(settings: Settings, held: Held, **options: Any) -> Any:
    @contextlib.asynccontextmanager
    async def services(state: AppState[Held]) -> AsyncIterator[Held]:
        held.log.append(f"open {state.name}")
        try:
            yield held
        finally:
            held.log.append(f"close, relay {'running' if state.relay else 'stopped'}")

    return create_app("probe", make_schema(query=Query), settings=settings, services=services, **options)


async def test_services_live_exactly_as_long_as_the_process(settings: Settings) -> None:
    held = Held()
    app = app_with(settings, held)
    async with serve(app) as http:
        assert app.state.shop.services is held and held.log == ["open probe"]
        assert (await http.get("/health")).json() == {"status": "ok", "subgraph": "probe"}
    assert held.log == ["open probe", "close, relay stopped"]
    with pytest.raises(AttributeError):
        app.state.shop.services  # noqa: B018 (the property refuses outside the lifespan)


async def test_the_relay_runs_inside_the_services_and_stops_first(settings: Settings) -> None:
    held = Held()
    app = app_with(settings, held, outbox=OutboxEvent, subscribers={"wallet.top_up": ("notifications",)})
    async with serve(app):
        relay = app.state.shop.relay
        assert relay is not None and relay.task is not None and not relay.task.done()
    assert app.state.shop.relay is None and relay.task.done()
    assert held.log == ["open probe", "close, relay stopped"]


async def test_background_off_runs_no_relay(settings: Settings) -> None:
    app = app_with(settings, Held(), outbox=OutboxEvent, subscribers={"wallet.top_up": ("notifications",)}, background=False)
    async with serve(app):
        assert app.state.shop.relay is None
