"""The revocation feed against a real PostgreSQL: LISTEN, the catch-up, closing watchers, the lag policy.

The catch-up source is a fake of users (a function); LISTEN and NOTIFY are PostgreSQL's own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from graphql import GraphQLError

from subgraphs.common.auth import Principal
from subgraphs.common.db import connect_raw
from subgraphs.common.revocation import CHANNEL, OVERLAP, Revocation, RevocationFeed, RevocationsReply
from subgraphs.common.settings import Settings
from tests.conftest import eventually


class FakeUsers:
    """users' catch-up route: answers what it holds, or fails while `down`."""

    def __init__(self) -> None:
        self.revocations: list[Revocation] = []
        self.down = False
        self.asked: list[datetime | None] = []

    async def __call__(self, since: datetime | None) -> RevocationsReply:
        self.asked.append(since)
        if self.down:
            raise ConnectionError("users is down")
        return RevocationsReply(revocations=list(self.revocations), as_of=datetime.now(UTC))


def principal(session_id: uuid.UUID | None = None) -> Principal:
    return Principal(user_id=uuid.uuid4(), roles=frozenset({"CUSTOMER"}), session_id=session_id or uuid.uuid4(), token_id="t")


def refusal(feed: RevocationFeed, who: Principal) -> str | None:
    try:
        feed.check(who)
    except GraphQLError as error:
        return str((error.extensions or {})["code"])
    return None


@pytest.fixture
def feed_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"revocation_max_lag": 0.5, "revocation_poll_interval": 0.2, "revocation_feed": True})


@pytest.fixture
async def running(feed_settings: Settings) -> AsyncIterator[Callable[..., Awaitable[RevocationFeed]]]:
    feeds: list[RevocationFeed] = []

    async def start(users: FakeUsers, connect: Callable[[str], Awaitable[asyncpg.Connection]] = connect_raw) -> RevocationFeed:
        feed = RevocationFeed(users, feed_settings.database_url or "", feed_settings, connect=connect)
        feeds.append(feed)
        await feed.start(wait=5.0)
        return feed

    yield start
    for feed in feeds:
        await feed.stop()


async def notify(database_url: str, revocation: Revocation) -> None:
    connection = await connect_raw(database_url)
    try:
        await connection.execute("SELECT pg_notify($1, $2)", CHANNEL, revocation.model_dump_json())
    finally:
        await connection.close()


async def test_an_announced_revocation_is_refused_and_closes_the_sessions_connections(running: Callable[..., Awaitable[RevocationFeed]], settings: Settings) -> None:
    feed = await running(FakeUsers())
    assert feed.in_sync
    ended, other = principal(), principal()
    closed: list[uuid.UUID] = []

    async def close() -> None:
        closed.append(ended.session_id)

    with feed.watch(ended.session_id, close):
        assert refusal(feed, ended) is None
        await notify(settings.database_url or "", Revocation(session_id=ended.session_id, revoked_at=datetime.now(UTC)))
        await eventually(lambda: refusal(feed, ended) == "UNAUTHENTICATED")
        await eventually(lambda: closed == [ended.session_id])
    assert refusal(feed, other) is None
    assert feed.watchers == {}


async def test_the_catch_up_brings_what_was_revoked_before_start_and_reads_incrementally(running: Callable[..., Awaitable[RevocationFeed]]) -> None:
    users = FakeUsers()
    before = principal()
    users.revocations.append(Revocation(session_id=before.session_id, revoked_at=datetime.now(UTC)))
    feed = await running(users)
    assert refusal(feed, before) == "UNAUTHENTICATED"
    assert users.asked[0] is None  # everything whose tokens may live
    await eventually(lambda: len(users.asked) >= 2)
    assert users.asked[1] is not None and users.asked[1] < datetime.now(UTC) - OVERLAP + timedelta(seconds=5)


async def test_revocations_older_than_a_token_lifetime_are_forgotten(running: Callable[..., Awaitable[RevocationFeed]], feed_settings: Settings) -> None:
    users = FakeUsers()
    old = principal()
    long_ago = datetime.now(UTC) - timedelta(seconds=feed_settings.access_token_ttl) - OVERLAP - timedelta(seconds=1)
    users.revocations.append(Revocation(session_id=old.session_id, revoked_at=long_ago))
    feed = await running(users)
    assert refusal(feed, old) is None and feed.revoked == {}


async def test_a_feed_that_never_synced_refuses_signed_in_callers() -> None:
    users = FakeUsers()
    users.down = True
    feed = RevocationFeed(users, "", Settings(revocation_max_lag=0.5, revocation_poll_interval=0.2))
    assert not feed.in_sync and refusal(feed, principal()) == "SERVICE_UNAVAILABLE"


async def test_listen_alone_keeps_it_in_sync_while_users_is_down(running: Callable[..., Awaitable[RevocationFeed]], settings: Settings) -> None:
    users = FakeUsers()
    feed = await running(users)
    await eventually(lambda: feed._gap_free)
    users.down = True
    await asyncio.sleep(1.5)  # three times the allowed lag without a catch-up
    assert feed.in_sync
    ended = principal()
    await notify(settings.database_url or "", Revocation(session_id=ended.session_id, revoked_at=datetime.now(UTC)))
    await eventually(lambda: refusal(feed, ended) == "UNAUTHENTICATED")


async def test_without_listen_and_users_it_falls_behind_and_recovers_by_itself(running: Callable[..., Awaitable[RevocationFeed]]) -> None:
    users = FakeUsers()
    database_up = True

    async def connect(url: str) -> asyncpg.Connection:
        if not database_up:
            raise ConnectionRefusedError("the database is unreachable")
        return await connect_raw(url, application_name="revocation-test")

    feed = await running(users, connect)
    assert feed.in_sync
    users.down, database_up = True, False
    listening = feed._listening_since
    # The LISTEN connection is cut; it cannot come back, nor can users be read.
    assert listening is not None
    connection = await connect_raw(feed.database_url)
    try:
        await connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'revocation-test' AND datname = current_database()")
    finally:
        await connection.close()
    await eventually(lambda: not feed.in_sync)
    assert refusal(feed, principal()) == "SERVICE_UNAVAILABLE"
    users.down, database_up = False, True
    await eventually(lambda: feed.in_sync)
    assert refusal(feed, principal()) is None
