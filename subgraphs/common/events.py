"""Events between subgraphs: a transactional outbox, a relay, and idempotent consumers.

The producer writes the event in the same transaction as the change (`publish`), so an event
exists exactly when its change does. The relay delivers unpublished events in order to each
subscriber's `/internal/events` (woken by LISTEN/NOTIFY, listening again after the database
restarts, polling as a fallback) and marks them published; a crash in between only means a
second delivery, which consumers ignore because they record handled event ids (`first_time`) in
the same transaction as their effect.

A consumer that cannot apply an event yet (it is about something it has not finished itself)
records nothing and answers `TOO_EARLY`: the relay keeps the event and offers it again a little
later, holding back only the later events about the same order, never the rest of the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, func, insert, select, text
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .context import AppState
from .db import listen_forever
from .contract import EVENTS, STATUS, Event, RefusalCode, Refused
from .internal import InternalClient, OffContract, RemoteUnavailable
from .tasks import cancel

log = logging.getLogger(__name__)

#: Who hears a producer's events: topic → the subgraphs whose `/internal/events` get them.
Subscribers = Mapping[str, tuple[str, ...]]

#: A consumer's answer to an event it cannot apply yet: nothing was recorded, deliver it again later.
TOO_EARLY = STATUS[RefusalCode.TOO_EARLY]


def too_early(reason: str) -> Refused:
    """The refusal (to raise) that makes the relay keep an event and offer it again later."""
    return Refused(RefusalCode.TOO_EARLY, reason)


def outbox_models(base: type[DeclarativeBase]) -> tuple[Any, Any]:
    """The outbox and the handled-events tables in the schema of `base`."""

    class OutboxEvent(base):  # type: ignore[misc, valid-type]
        __tablename__ = "outbox"
        id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
        topic: Mapped[str] = mapped_column(String(100))
        payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp(), index=True)
        published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    class HandledEvent(base):  # type: ignore[misc, valid-type]
        __tablename__ = "handled_events"
        event_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
        handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    return OutboxEvent, HandledEvent


def channel(schema: str) -> str:
    return f"outbox_{schema}"


async def publish(session: AsyncSession, outbox: Any, topic: str, payload: dict[str, Any]) -> None:
    """Adds an event to the current transaction; it is delivered once that commits."""
    await session.execute(insert(outbox).values(id=uuid.uuid4(), topic=topic, payload=payload))
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel(outbox.__table__.schema)})


async def first_time(session: AsyncSession, handled: Any, event_id: uuid.UUID) -> bool:
    """Records an event as handled in the current transaction; False when it already was.

    Call it only in the transaction that applies the event (or finds it has nothing to do): an
    event recorded but not applied would never come again.
    """
    result = await session.execute(
        pg_insert(handled).values(event_id=event_id).on_conflict_do_nothing().returning(handled.event_id)
    )
    return result.first() is not None


class Relay:
    """Delivers a subgraph's outbox to its subscribers (topic → subgraph names); `create_app` runs it.

    `retry_early` is how long an event a subscriber found too early waits before it is offered again.
    """

    def __init__(
        self, state: AppState[Any], outbox: Any, subscribers: Subscribers, *, poll: float = 1.0, retry_early: float = 0.5
    ) -> None:
        self.state, self.outbox, self.subscribers, self.poll, self.retry_early = state, outbox, subscribers, poll, retry_early
        self.client = InternalClient(state.settings)
        self.wake = asyncio.Event()
        #: Set while LISTEN is in force (otherwise the relay still polls).
        self.listening = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.listener: asyncio.Task[None] | None = None
        # Events a subscriber found too early: id → (when to offer it again, the order it is about).
        self.early: dict[uuid.UUID, tuple[float, str | None]] = {}

    async def start(self) -> None:
        self.listener = asyncio.create_task(self._listen(), name=f"relay-listen-{self.state.name}")
        self.task = asyncio.create_task(self._run(), name=f"relay-{self.state.name}")

    async def stop(self) -> None:
        await cancel(self.task, self.listener)
        await self.client.aclose()

    def _ready(self) -> None:
        self.listening.set()
        self.wake.set()  # what was committed while nobody listened goes out now

    async def _listen(self) -> None:
        await listen_forever(
            self.state.settings.database_url or "",
            channel(self.outbox.__table__.schema),
            lambda _payload: self.wake.set(),
            ready=self._ready,
            lost=self.listening.clear,
        )

    async def _run(self) -> None:
        while True:
            try:
                delivered = await self.drain()
            except Exception:  # noqa: BLE001 (a bad moment must not stop the relay)
                log.exception("outbox relay of %s failed; retrying", self.state.name)
                delivered = 0
            if delivered == 0:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.poll)

    async def drain(self, batch: int = 100) -> int:
        """Delivers up to `batch` events in order; returns how many.

        An outage stops the pass (order is kept: nothing overtakes the undelivered event). An event
        found too early is set aside for `retry_early` seconds, and so are the later events about
        the same order; everything else goes on.
        """
        now = time.monotonic()
        self.early = {k: v for k, v in self.early.items() if v[0] > now}
        held = {about for _, about in self.early.values() if about is not None}
        delivered = 0
        async with self.state.db.begin() as session:
            # SKIP LOCKED: two replicas relay different events instead of waiting on each other.
            query = select(self.outbox).where(self.outbox.published_at.is_(None))
            if self.early:
                query = query.where(self.outbox.id.not_in(list(self.early)))
            rows = (
                await session.scalars(
                    query.order_by(self.outbox.created_at, self.outbox.id).limit(batch).with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                about = row.payload.get("order_id") if isinstance(row.payload, dict) else None
                if about is not None and about in held:
                    continue
                try:
                    early = await self._deliver(row)
                except RemoteUnavailable:
                    break
                if early:
                    self.early[row.id] = (time.monotonic() + self.retry_early, about)
                    if about is not None:
                        held.add(about)
                    continue
                row.published_at = datetime.now(UTC)
                delivered += 1
        return delivered

    async def _deliver(self, row: Any) -> bool:
        """Offers one event to its subscribers; True when one of them found it too early."""
        event = Event(id=row.id, topic=row.topic, payload=row.payload)
        early = False
        for service in self.subscribers.get(row.topic, ()):
            try:
                await self.client.call(EVENTS, event, service=service)
            except Refused as refused:
                if refused.reason is RefusalCode.TOO_EARLY:
                    log.info("%s finds event %s too early; offering it again later", service, row.id)
                    early = True
                else:  # it will never apply: offering it again would only hold back the rest
                    log.error("%s refused event %s: %s %s", service, row.id, refused.reason, refused.message)
            except OffContract as error:  # an answer all the same (a 413, another version): as a refusal
                log.error("%s refused event %s: %s", service, row.id, error)
        return early
