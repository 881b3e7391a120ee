"""The showcase feed vouches only while its LISTEN is recently proven: a silent connection stops it in time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.catalog.feed import CHANNEL, TRUSTED_FOR, ShowcaseFeed
from subgraphs.common.settings import Settings
from tests.conftest import eventually


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
        await feed.start()
        try:
            await eventually(lambda: asyncio.sleep(0, feed.vouches))
            partition.flowing.clear()
            async with catalog_engine.begin() as connection:  # a change the cut connection cannot pass on
                await connection.execute(text(f"NOTIFY {CHANNEL}, 'products'"))
            await asyncio.sleep(TRUSTED_FOR)
            # However late this line runs, no proof got through the cut: the feed no longer vouches.
            assert not feed.vouches
            # A silence is not a loss: nothing was emptied, the connection is kept.
            assert feed.listening and notes.said == ["listened"]
            partition.flowing.set()
            # The notice held back arrives before the answer that proves the connection again.
            await eventually(lambda: feed.vouches, every=0)
            assert notes.said == ["listened", "products"]
        finally:
            await feed.stop()
