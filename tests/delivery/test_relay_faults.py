"""The relay on a bad day: an event found too early waits without holding back the others, and
LISTEN comes back after the database drops its connection."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from subgraphs.common.contract import RefusalCode, Refused
from subgraphs.common.db import listen_forever, listener_name
from subgraphs.common.events import TOO_EARLY, channel, too_early
from subgraphs.common.settings import Settings
from subgraphs.delivery.models import OutboxEvent
from tests.conftest import GraphQLClient, eventually, listen_cut_and_back
from tests.delivery.support import Saga, events
from tests.delivery.test_relay import Db, FakeOrders, aimed_at, drain_all, free_port, relay_for, shipped


class PickyOrders(FakeOrders):
    """Answers TOO_EARLY for the orders in `early`, as orders does for an order not confirmed yet."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.early: set[str] = set()
        self.offered: list[dict[str, Any]] = []

    async def handle(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.offered.append(body)
        if body["payload"]["order_id"] in self.early:
            return JSONResponse(too_early("not confirmed yet").wire(), status_code=TOO_EARLY)
        return await super().handle(request)


async def test_an_early_event_waits_and_the_rest_of_the_outbox_goes_on(
    saga: Saga, admin: GraphQLClient, settings: Settings, db: Db
) -> None:
    early = await shipped(saga, admin, "IN_TRANSIT", "DELIVERED")
    other = await shipped(saga, admin, "IN_TRANSIT")
    fake, port = PickyOrders(settings.resolved_service_token()), free_port()
    fake.early.add(str(early))
    async with fake.serving(port), relay_for(aimed_at(settings, port)) as relay:
        # Long enough that draining never offers the early order again, however slow the machine.
        relay.retry_early = 30.0
        await drain_all(relay)
        # The other order's event went out; the early order's stay, and its DELIVERED was never offered.
        assert [e["payload"]["status"] for e in fake.about(other)] == ["IN_TRANSIT"]
        assert [e.published_at for e in await events(db, early)] == [None, None]
        assert [e["payload"]["status"] for e in fake.offered if e["payload"]["order_id"] == str(early)] == ["IN_TRANSIT"]
        fake.early.clear()  # the order is confirmed now
        relay.early = {row: (0.0, about) for row, (_, about) in relay.early.items()}  # its wait is over

        async def through() -> bool:
            await relay.drain()
            return all(e.published_at for e in await events(db, early))

        await eventually(through)
    assert [e["payload"]["status"] for e in fake.about(early)] == ["IN_TRANSIT", "DELIVERED"]


class RefusingOrders(FakeOrders):
    """Refuses the events of the orders in `refused` by the contract (409), of those in `garbled` outside it."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.refused: set[str] = set()
        self.garbled: set[str] = set()

    async def handle(self, request: Request) -> JSONResponse:
        order_id = (await request.json())["payload"]["order_id"]
        if order_id in self.refused:
            return JSONResponse(Refused(RefusalCode.INVALID_STATE, "never").wire(), status_code=409)
        if order_id in self.garbled:
            return JSONResponse({"errors": [{"message": "too large"}]}, status_code=413)
        return await super().handle(request)


async def test_an_event_refused_for_good_is_not_offered_again_nor_holds_back_the_rest(
    saga: Saga, admin: GraphQLClient, settings: Settings, db: Db
) -> None:
    refused, garbled, fine = [await shipped(saga, admin, "IN_TRANSIT") for _ in range(3)]
    fake, port = RefusingOrders(settings.resolved_service_token()), free_port()
    fake.refused.add(str(refused))
    fake.garbled.add(str(garbled))
    async with fake.serving(port), relay_for(aimed_at(settings, port)) as relay:
        await drain_all(relay)
        assert relay.early == {}
    assert [e["payload"]["status"] for e in fake.about(fine)] == ["IN_TRANSIT"]
    for order_id in fake.refused | fake.garbled:
        assert all(e.published_at is not None for e in await events(db, uuid.UUID(order_id)))


async def test_the_relay_listens_again_after_its_connection_is_killed(
    saga: Saga, admin: GraphQLClient, settings: Settings, db: Db
) -> None:
    fake, port = FakeOrders(settings.resolved_service_token()), free_port()
    name = listener_name(channel(OutboxEvent.__table__.schema))
    async with fake.serving(port), relay_for(aimed_at(settings, port)) as relay:
        relay.poll = 3600.0  # no polling: only a NOTIFY heard on a live LISTEN moves an event now
        await relay.start()
        await listen_cut_and_back(settings.database_url or "", name, relay.listening)
        order_id = await shipped(saga, admin, "IN_TRANSIT")

        async def heard() -> bool:
            return [e["payload"]["status"] for e in fake.about(order_id)] == ["IN_TRANSIT"]

        await eventually(heard)


async def test_a_lost_listen_connection_is_not_fatal_while_the_database_is_away(settings: Settings) -> None:
    """A server that cannot be reached is retried with backoff, and the task lives on."""
    ready: list[bool] = []
    nowhere = "postgresql://postgres@localhost:1/none"
    task = asyncio.create_task(listen_forever(nowhere, "x", lambda _p: None, ready=lambda: ready.append(True), first_delay=0.01))
    await asyncio.sleep(0.3)
    assert not task.done() and ready == []
    task.cancel()
    async with asyncio.timeout(20):  # cancelling it must end it, whatever it was waiting on
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
