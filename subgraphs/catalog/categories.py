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

Each process hears the notice twice, on this LISTEN and on the response cache's, in no set order: a
page computed after the cache heard it but before this map did may name a category the old way, so
the map empties the cache (`stale`, given by app.py) whenever it stops vouching, and that answer is
dropped (and the gateway's copy follows the cache's generation, router/showcaseCache.ts).

The rows are read on a connection of their own, opened for each read: the LISTEN connection is
`listen_forever`'s, busy with its heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from subgraphs.common.db import connect_raw, listen_forever

from .cache import CHANNEL, HEARTBEAT
from .loaders import CategoryRow, category_rows

log = logging.getLogger(__name__)
NAME = "catalog-categories"  # the application_name of the map's connections
READ_WITHIN = 10.0  # seconds a read may take before it counts as failed


class CategoryMap:
    """Categories by id, kept in step with the database; `get` answers None whenever it cannot vouch."""

    def __init__(self, url: str, *, stale: Callable[[], None] | None = None) -> None:
        self.url = url
        self._on_stale = stale
        self.rows: dict[uuid.UUID, CategoryRow] = {}
        self.fresh = False
        self.generation = 0
        self.listening = False
        self.whole = False  # `rows` are every category as of the current LISTEN's start
        self._tasks: list[asyncio.Task[None]] = []
        self._wanted = asyncio.Event()  # a (re-)read is due
        self._ready = asyncio.Event()

    def get(self, key: uuid.UUID) -> CategoryRow | None:
        return self.rows.get(key) if self.fresh else None

    async def start(self, *, wait: float = 5.0) -> None:
        self._tasks = [
            asyncio.create_task(self._follow(), name="category-map-read"),
            asyncio.create_task(
                listen_forever(
                    self.url, CHANNEL, self._heard, ready=self._listened, lost=self._lost,
                    check_every=HEARTBEAT, max_delay=HEARTBEAT, application_name=NAME,
                ),
                name="category-map-listen",
            ),
        ]
        with contextlib.suppress(TimeoutError):  # without the database yet: the DataLoader answers meanwhile
            async with asyncio.timeout(wait):
                await self._ready.wait()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _stale(self) -> None:
        self.generation += 1
        self.fresh = False
        if self._on_stale is not None:
            self._on_stale()

    def _heard(self, payload: str) -> None:
        if payload == "categories":
            self._stale()
            self._wanted.set()

    def _listened(self) -> None:
        self.listening = True
        self._stale()
        self._wanted.set()

    def _lost(self) -> None:
        self.listening = self.whole = False
        self._stale()

    async def _follow(self) -> None:
        """Reads whenever one is due while listening: every category after a (re)connect, the known ones after a notice."""
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            if not self.listening:  # the next LISTEN asks again
                continue
            generation = self.generation
            try:
                rows = await self._read(None if not self.whole else list(self.rows))
            except Exception as exc:  # noqa: BLE001 (the database may be away: stay stale, try again)
                log.warning("category map read failed (%s); categories are read per page until it succeeds", exc)
                await asyncio.sleep(HEARTBEAT)
                self._wanted.set()
                continue
            if generation == self.generation:  # else a notice (or a loss) overtook the read: it is dropped
                self.rows = {row.id: row for row in rows}
                self.fresh = self.whole = True
            self._ready.set()

    async def _read(self, keys: list[uuid.UUID] | None) -> list[CategoryRow]:
        async with asyncio.timeout(READ_WITHIN):
            connection = await connect_raw(self.url, application_name=NAME)
            try:
                return await category_rows(connection, keys)
            finally:
                await connection.close()
