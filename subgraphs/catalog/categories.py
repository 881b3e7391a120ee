"""The categories a process knows, in memory, so a page names each product's category without a query.

A listing page asks `category { id name }` of every product: through the DataLoader that was an
extra SQL statement and an awaited resolver per product, a large share of a page's CPU. The store
has a few dozen categories, which hardly ever change, so each process keeps them by id.

Freshness: the map is only used while its LISTEN on `catalog_showcase` (migration 0004's triggers,
payload `categories` for that table) is up. A notice marks the map stale at once (the DataLoader
answers meanwhile) and re-reads its rows; a re-read that a newer notice overtook is dropped, so a
rename is seen as soon as the notice arrives. The categories are those that existed when the LISTEN
began (at start, and again after a reconnect): one created later is read by the DataLoader, one
statement per page, as before this map, so the number of statements a page costs stays the same
whether or not a notice about it has arrived yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from .cache import CHANNEL, HEARTBEAT
from .loaders import CategoryRow, category_rows

log = logging.getLogger(__name__)

class CategoryMap:
    """Categories by id, kept in step with the database; `get` answers None whenever it cannot vouch."""

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]]) -> None:
        self.connect = connect
        self.rows: dict[uuid.UUID, CategoryRow] = {}
        self.fresh = False
        self.generation = 0
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def get(self, key: uuid.UUID) -> CategoryRow | None:
        return self.rows.get(key) if self.fresh else None

    async def start(self, *, wait: float = 5.0) -> None:
        self._task = asyncio.create_task(self._listen(), name="category-map-listen")
        with contextlib.suppress(TimeoutError):  # without the database yet: the DataLoader answers meanwhile
            async with asyncio.timeout(wait):
                await self._ready.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _stale(self) -> None:
        self.generation += 1
        self.fresh = False

    async def _read(self, connection: asyncpg.Connection, generation: int, *, every: bool) -> bool:
        """Re-reads the known categories (all of them when `every`); False if a notice overtook the read."""
        rows = await category_rows(connection, None if every else list(self.rows))
        if generation != self.generation:
            return False
        self.rows = {row.id: row for row in rows}
        self.fresh = True
        return True

    async def _listen(self) -> None:
        while True:
            connection = None
            try:
                connection = await self.connect()
                changed = asyncio.Event()

                def heard(_c: Any, _pid: int, _channel: str, payload: str) -> None:
                    if payload == "categories":
                        self._stale()
                        changed.set()

                connection.add_termination_listener(lambda _c: self._stale())
                await connection.add_listener(CHANNEL, heard)
                self._stale()
                loaded = await self._read(connection, self.generation, every=True)
                self._ready.set()
                while True:  # a silent dead connection shows as a failed heartbeat
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(HEARTBEAT):
                            await changed.wait()
                    if changed.is_set() or not loaded:
                        changed.clear()
                        loaded = await self._read(connection, self.generation, every=not loaded) or loaded
                    else:
                        async with asyncio.timeout(HEARTBEAT):
                            await connection.fetchval("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("category map LISTEN lost or refused (%s); categories are read per page until it is back", exc)
            finally:
                self._stale()
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        async with asyncio.timeout(1.0):
                            await connection.close()
            await asyncio.sleep(HEARTBEAT)
