"""The showcase feed vouches only while its LISTEN is recently proven: a silent connection stops it in time."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.catalog.cache import ResponseCache
from subgraphs.catalog.feed import CHANNEL, TRUSTED_FOR, ShowcaseFeed
from subgraphs.common.db import listen_forever
from subgraphs.common.settings import Settings
from subgraphs.common.tasks import cancel
from tests.conftest import eventually, unique


class Partition:
    """A TCP proxy to the database that, while `cut`, passes no byte either way and closes nothing,
    as a network partition does; what it held back flows on, in order, once healed."""

    def __init__(self, url: str) -> None:
        self.target = make_url(url)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.url = ""

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Partition]:
        server = await asyncio.start_server(self._pipe, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        self.url = self.target.set(host="127.0.0.1", port=port, query={}).render_as_string(hide_password=False)
        async with server:
            yield self
            server.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        where, port = self.target.query.get("host") or self.target.host, self.target.port or 5432
        assert isinstance(where, str)
        if where.startswith("/"):  # a Unix socket directory, as the embedded server's
            upstream = await asyncio.open_unix_connection(f"{where}/.s.PGSQL.{port}")
        else:
            upstream = await asyncio.open_connection(where, port)
        await asyncio.gather(self._copy(reader, upstream[1]), self._copy(upstream[0], writer), return_exceptions=True)

    async def _copy(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                await self.flowing.wait()
                sink.write(data)
                await sink.drain()
        finally:
            sink.close()


class Notes:
    """A follower that writes down what it is told."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def heard(self, payload: str) -> None:
        self.said.append(payload)

    def listened(self) -> None:
        self.said.append("listened")

    def lost(self) -> None:
        self.said.append("lost")


async def test_a_silent_listen_stops_vouching_within_its_window_and_misses_nothing(settings: Settings, catalog_engine: AsyncEngine) -> None:
    partition = Partition(settings.database_url or "")
    async with partition.running():
        feed, notes = ShowcaseFeed(partition.url, application_name="showcase-feed-test"), Notes()
        feed.follow(notes)
        cache = ResponseCache(settings, feed)
        await feed.start()
        try:
            await eventually(lambda: asyncio.sleep(0, feed.vouches))
            await eventually(lambda: (cache.put(b"page", cache.generation, [], b"{}"), cache.get(b"page") is not None)[1])
            partition.flowing.clear()
            change = unique("change")  # other tests' writes may be announced on the channel too
            async with catalog_engine.begin() as connection:  # a change the cut connection cannot pass on
                await connection.execute(text("SELECT pg_notify(:channel, :change)"), {"channel": CHANNEL, "change": change})
            await asyncio.sleep(TRUSTED_FOR)
            # However late these lines run, no proof got through the cut: nothing is vouched for.
            assert not feed.vouches and not cache.trusted and cache.get(b"page") is None
            # A silence is not a loss: the connection is kept, and nothing was emptied for it.
            assert feed.listening and "lost" not in notes.said and change not in notes.said
            partition.flowing.set()
            # The notice held back arrives before the answer that proves the connection again.
            await eventually(lambda: feed.vouches, every=0)
            assert change in notes.said and "lost" not in notes.said and cache.entries == {}
        finally:
            await feed.stop()


class SlowHeartbeats:
    """The part of an asyncpg connection `listen_forever` uses, each `SELECT 1` answered after `delay` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.asked: list[float] = []

    def add_termination_listener(self, _callback: Any) -> None:
        pass

    async def add_listener(self, _channel: str, _callback: Any) -> None:
        pass

    async def fetchval(self, _sql: str) -> int:
        self.asked.append(time.monotonic())
        await asyncio.sleep(self.delay)
        return 1

    def is_closed(self) -> bool:
        return False

    async def close(self) -> None:
        pass


async def test_a_heartbeat_vouches_from_when_it_was_sent_not_answered() -> None:
    # Only what was announced before the `SELECT 1` reached the server is proven heard by its answer.
    connection, stamps = SlowHeartbeats(delay=0.3), list[float]()

    async def connect(_url: str) -> Any:
        return connection

    listening = asyncio.create_task(listen_forever("", CHANNEL, lambda _p: None, alive=stamps.append, check_every=0.25, dead_after=1.0, connect=connect))
    try:
        await eventually(lambda: len(stamps) >= 3)
    finally:
        await cancel(listening)
    assert all(sent <= asked < sent + connection.delay / 2 for sent, asked in zip(stamps, connection.asked, strict=False))
    # The next one goes an interval after the previous was sent, or at once when its answer took longer:
    # here at once (0.3 s apart), not an interval after the answer (0.55 s apart).
    assert all(later - earlier < 0.45 for earlier, later in zip(connection.asked, connection.asked[1:], strict=False))
