"""The categories a process knows, in memory, so a page names each product's category without a query.

A listing page asks `category { id name }` of every product: through the DataLoader that was an
extra SQL statement and an awaited resolver per product, a large share of a page's CPU. The store
has a few dozen categories, which hardly ever change, so each process keeps them by id.

Freshness: the map is only used while the process's showcase feed (feed.py: its one LISTEN on
`catalog_showcase`, migration 0004's triggers, payload `categories` for that table) vouches. A
notice marks the map stale at once (the DataLoader answers meanwhile) and re-reads its rows; a
re-read that a newer notice overtook is dropped, so a rename is seen as soon as the notice
arrives. The categories are those that existed when the LISTEN began (at start, and again after a
reconnect): one created later is read by the DataLoader, one statement per page, as before this
map, so the number of statements a page costs stays the same whether or not a notice about it has
arrived yet.

The response cache follows the same feed, so a notice empties it in the same moment it makes this
map stale: no page can be computed with the old name after the cache forgot and be kept.

The rows are read on a connection of their own, opened for each read: the LISTEN connection is the
feed's, busy with its heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from subgraphs.common.db import connect_raw
from subgraphs.common.tasks import awaited, cancel

from .feed import ShowcaseFeed
from .loaders import CategoryRow, category_rows

log = logging.getLogger(__name__)
NAME = "catalog-categories"  # the application_name of the map's connections
READ_WITHIN = 10.0  # seconds a read may take before it counts as failed
READ_AGAIN = 1.0  # seconds before a failed read is tried again


class CategoryMap:
    """Categories by id, kept in step with the database; `get` answers None whenever it cannot vouch."""

    def __init__(self, url: str, feed: ShowcaseFeed) -> None:
        self.url, self.feed = url, feed
        self.rows: dict[uuid.UUID, CategoryRow] = {}
        self.fresh = False
        self.generation = 0
        self.whole = False  # `rows` are every category as of the current LISTEN's start
        self._task: asyncio.Task[None] | None = None
        self._wanted = asyncio.Event()  # a (re-)read is due
        self._ready = asyncio.Event()
        feed.follow(self)

    def get(self, key: uuid.UUID) -> CategoryRow | None:
        return self.rows.get(key) if self.fresh and self.feed.vouches else None

    async def start(self, *, wait: float = 5.0) -> None:
        """Reads as the feed asks; waits (up to `wait`) for the first whole read."""
        self._task = asyncio.create_task(self._follow(), name="category-map-read")
        await awaited(self._ready, wait)  # without the database yet: the DataLoader answers meanwhile

    async def stop(self) -> None:
        await cancel(self._task)

    def _stale(self) -> None:
        self.generation += 1
        self.fresh = False

    def heard(self, payload: str) -> None:
        if payload == "categories":
            self._stale()
            self._wanted.set()

    def listened(self) -> None:
        self._stale()
        self._wanted.set()

    def lost(self) -> None:
        self.whole = False
        self._stale()

    async def _follow(self) -> None:
        """Reads whenever one is due while listening: every category after a (re)connect, the known ones after a notice."""
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            if not self.feed.listening:  # the next LISTEN asks again
                continue
            generation = self.generation
            try:
                rows = await self._read(None if not self.whole else list(self.rows))
            except Exception as exc:  # noqa: BLE001 (the database may be away: stay stale, try again)
                log.warning("category map read failed (%s); categories are read per page until it succeeds", exc)
                await asyncio.sleep(READ_AGAIN)
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
