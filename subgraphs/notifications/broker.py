"""Live push: every process LISTENs on PostgreSQL and fans new notifications out to its subscribers.

A notification made by any replica is announced with `pg_notify` when its transaction commits;
each process reads it once, fresh from the database, and offers it to the local subscriptions
whose filter accepts it:

    async with broker.subscribe(lambda n: n.user_id == me) as queue:
        while True:
            yield await queue.get()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable

from subgraphs.common.db import listen_forever
from subgraphs.common.ids import parse_id
from subgraphs.common.tasks import cancel

from . import service
from .models import Notification
from .service import Db

log = logging.getLogger(__name__)

Accept = Callable[[Notification], bool]


class Broker:
    """One per process: a dedicated LISTEN connection (reconnected with backoff when lost, e.g. by a
    database restart) and local queues."""

    def __init__(self, database_url: str, db: Db, *, reconnect_delay: float = 1.0, queue_size: int = 100) -> None:
        self.database_url, self.db = database_url, db
        self.reconnect_delay, self.queue_size = reconnect_delay, queue_size
        self.subscribers: dict[asyncio.Queue[Notification], Accept] = {}
        #: Set while LISTEN is in force: what is committed from then on reaches the subscribers.
        self.listening = asyncio.Event()
        # Announced ids, read and offered one at a time so that subscribers see them in order.
        self._heard_ids: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="notifications-listen"),
            asyncio.create_task(self._fan_out(), name="notifications-fan-out"),
        ]

    async def stop(self) -> None:
        await cancel(*self._tasks)

    @contextlib.asynccontextmanager
    async def subscribe(self, accept: Accept) -> AsyncIterator[asyncio.Queue[Notification]]:
        """A queue of the new notifications `accept` wants, for as long as the block lasts."""
        queue: asyncio.Queue[Notification] = asyncio.Queue(self.queue_size)
        self.subscribers[queue] = accept
        try:
            yield queue
        finally:
            del self.subscribers[queue]

    async def _listen(self) -> None:
        await listen_forever(
            self.database_url, service.CHANNEL, self._heard, ready=self.listening.set, lost=self.listening.clear,
            first_delay=self.reconnect_delay / 10, max_delay=max(self.reconnect_delay, 5.0),
        )

    def _heard(self, payload: str) -> None:
        if self.subscribers:  # nobody here is listening: no need to read it
            self._heard_ids.put_nowait(payload)

    async def _fan_out(self) -> None:
        while True:
            payload = await self._heard_ids.get()
            key = parse_id(payload)
            try:
                row = await service.get(self.db, key) if key else None
            except Exception:
                log.exception("cannot read notification %s for live push", payload)
                continue
            if row is not None:
                self._offer(row)

    def _offer(self, row: Notification) -> None:
        for queue, accept in list(self.subscribers.items()):
            if accept(row):
                try:
                    queue.put_nowait(row)
                except asyncio.QueueFull:
                    log.warning("a subscriber is %d notifications behind; dropping %s", self.queue_size, row.id)


def owned_by(user_id: uuid.UUID) -> Accept:
    """The user's own notifications."""
    return lambda row: row.user_id == user_id
