"""Events between subgraphs: a transactional outbox, a relay, and idempotent consumers.

The producer writes the event in the same transaction as the change (`publish`), so an event
exists exactly when its change does. The relay delivers unpublished events in order to each
subscriber's `/internal/events` (woken by LISTEN/NOTIFY, polling as a fallback) and marks them
published; a crash in between only means a second delivery, which consumers ignore because they
record handled event ids (`first_time`) in the same transaction as their effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, func, insert, select, text
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .context import AppState
from .db import connect_raw
from .internal import InternalClient, RemoteUnavailable

log = logging.getLogger(__name__)


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
    """Records an event as handled in the current transaction; False when it already was."""
    result = await session.execute(
        pg_insert(handled).values(event_id=event_id).on_conflict_do_nothing().returning(handled.event_id)
    )
    return result.first() is not None


class Relay:
    """Delivers a subgraph's outbox to subscribers: `routes` maps a topic to subgraph names."""

    def __init__(self, state: AppState, outbox: Any, routes: dict[str, tuple[str, ...]], *, poll: float = 1.0) -> None:
        self.state, self.outbox, self.routes, self.poll = state, outbox, routes, poll
        self.client = InternalClient(state.settings)
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"relay-{self.state.name}")

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.client.aclose()

    async def _run(self) -> None:
        listener = None
        try:
            listener = await connect_raw(self.state.settings.database_url or "")
            await listener.add_listener(channel(self.outbox.__table__.schema), lambda *_: self.wake.set())
        except Exception:  # noqa: BLE001 (polling alone still delivers)
            log.warning("outbox relay of %s polls without LISTEN", self.state.name, exc_info=True)
        try:
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
        finally:
            if listener is not None:
                await listener.close()

    async def drain(self, batch: int = 100) -> int:
        """Delivers up to `batch` events in order; stops at the first that cannot be delivered yet."""
        delivered = 0
        async with self.state.db.begin() as session:
            # SKIP LOCKED: two replicas relay different events instead of waiting on each other.
            rows = (
                await session.scalars(
                    select(self.outbox)
                    .where(self.outbox.published_at.is_(None))
                    .order_by(self.outbox.created_at, self.outbox.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                event = {"id": str(row.id), "topic": row.topic, "payload": row.payload}
                try:
                    for service in self.routes.get(row.topic, ()):
                        reply = await self.client.post(service, "/internal/events", event)
                        if not reply.ok:
                            log.error("%s refused event %s: %s", service, row.id, reply.body)
                except RemoteUnavailable:
                    break
                row.published_at = datetime.now(UTC)
                delivered += 1
        return delivered
