"""Ended sessions, known to every process: a revoked session's access tokens are refused everywhere.

users ends a session and announces it (`pg_notify` on `CHANNEL`) in one transaction. Each process
keeps in memory the sessions revoked within the last access-token lifetime (older ones carry no
live token), fed by LISTEN and by a catch-up read at start and every `revocation_poll_interval`
seconds (users' `GET /internal/revocations?since=…`), which covers what LISTEN missed while it was
down and what was revoked before the process started:

    feed = RevocationFeed(fetch, database_url, settings)
    await feed.start()
    feed.check(principal)          # UNAUTHENTICATED when revoked, SERVICE_UNAVAILABLE when behind
    with feed.watch(principal.session_id, close):   # `close` is awaited when the session ends
        ...

The feed counts as in sync while a catch-up succeeded within `revocation_max_lag` seconds, or while
its LISTEN connection answers and has been up without a break since a successful catch-up (then
nothing can have been missed, even with users down). Behind for longer, signed-in callers are
refused with SERVICE_UNAVAILABLE rather than served on a token that may have ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

import httpx
from graphql import GraphQLError
from pydantic import ValidationError

from .auth import unauthenticated
from .contract import Revocation, RevocationsReply  # re-exported: the feed is where they are read
from .db import listen_forever
from .internal import SERVICE_HEADER
from .tasks import cancel

if TYPE_CHECKING:
    import asyncpg

    from .auth import Principal
    from .settings import Settings

log = logging.getLogger(__name__)

#: The one channel users announces ended sessions on.
CHANNEL = "session_revoked"
#: How far back each incremental catch-up reaches before users' previous reading time: a
#: revocation is stamped before its transaction commits, so one committed late is still found.
OVERLAP = timedelta(seconds=30)
#: The close code an ended session's WebSocket gets: graphql-ws's "Unauthorized", which its clients
#: (Hive Gateway's among them) take as final; on "Forbidden" (4403) they would reconnect and retry.
CLOSE_CODE = 4401


#: Reads the revocations since a moment (None: all whose tokens may still live); raises when it cannot.
Fetch = Callable[[datetime | None], Awaitable[RevocationsReply]]
Close = Callable[[], Awaitable[None]]


def behind() -> GraphQLError:
    return GraphQLError("Sign-in cannot be checked right now; try again shortly.", extensions={"code": "SERVICE_UNAVAILABLE"})


class RevocationFeed:
    """One per process: the revoked sessions, the connections to close, and the tasks that feed them."""

    def __init__(
        self,
        fetch: Fetch,
        database_url: str,
        settings: Settings,
        *,
        application_name: str | None = None,
        connect: Callable[[str], Awaitable[asyncpg.Connection]] | None = None,
    ) -> None:
        """`application_name` names the LISTEN connection; `connect` opens it instead (a test's, to cut it)."""
        self.fetch, self.database_url, self.connect, self.application_name = fetch, database_url, connect, application_name
        self.max_lag = settings.revocation_max_lag
        self.poll_interval = settings.revocation_poll_interval
        # Tokens live `access_token_ttl`; the overlap covers clocks that disagree a little.
        self.keep = timedelta(seconds=settings.access_token_ttl) + OVERLAP
        self.revoked: dict[UUID, datetime] = {}
        self.watchers: dict[UUID, set[Close]] = {}
        self._caught_up_at = float("-inf")  # monotonic time of the last successful catch-up
        self._listening_since: float | None = None  # when the current LISTEN connection was established
        self._listen_alive_at = float("-inf")  # when the last heartbeat it answered was sent
        self._gap_free = False  # a catch-up begun after LISTEN started has succeeded
        self._as_of: datetime | None = None
        self._woken = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing: set[asyncio.Task[None]] = set()  # held until done: the loop keeps only weak references

    # -- asking ---------------------------------------------------------------------------------

    @property
    def in_sync(self) -> bool:
        """Whether no revocation can have been missed for longer than `revocation_max_lag`."""
        now = time.monotonic()
        if now - self._caught_up_at <= self.max_lag:
            return True
        return self._gap_free and self._listening_since is not None and now - self._listen_alive_at <= self.max_lag

    def check(self, principal: Principal) -> None:
        """Refuses a principal whose session has ended, or any principal while the feed is behind."""
        if principal.session_id in self.revoked:
            raise unauthenticated("The session has ended; sign in again.")
        if not self.in_sync:
            raise behind()

    @contextlib.contextmanager
    def watch(self, session_id: UUID, close: Close) -> Iterator[None]:
        """While the block lasts, `close` is awaited once if the session ends."""
        self.watchers.setdefault(session_id, set()).add(close)
        try:
            yield
        finally:
            closers = self.watchers.get(session_id)
            if closers is not None:
                closers.discard(close)
                if not closers:
                    del self.watchers[session_id]

    # -- learning -------------------------------------------------------------------------------

    def record(self, revocation: Revocation) -> None:
        """Remembers an ended session and closes its open connections."""
        if revocation.revoked_at < datetime.now(UTC) - self.keep:
            return  # its tokens have all expired
        self.revoked[revocation.session_id] = revocation.revoked_at
        for close in self.watchers.pop(revocation.session_id, set()):
            task = asyncio.get_running_loop().create_task(close(), name="revocation-close")
            self._closing.add(task)
            task.add_done_callback(self._closed)

    async def catch_up(self) -> None:
        """One catch-up read; raises when users cannot be read."""
        started = time.monotonic()
        listening_since = self._listening_since
        reply = await self.fetch(self._as_of - OVERLAP if self._as_of else None)
        for revocation in reply.revocations:
            self.record(revocation)
        self._as_of = reply.as_of
        self._caught_up_at = started
        if listening_since is not None and listening_since == self._listening_since:
            self._gap_free = True
        self._prune()

    def _closed(self, task: asyncio.Task[None]) -> None:
        self._closing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("closing an ended session's connection failed", exc_info=task.exception())

    def _prune(self) -> None:
        oldest = datetime.now(UTC) - self.keep
        for session_id in [s for s, at in self.revoked.items() if at < oldest]:
            del self.revoked[session_id]

    def _heard(self, payload: str) -> None:
        try:
            self.record(Revocation.model_validate_json(payload))
        except ValidationError:
            log.warning("ignoring a malformed revocation announcement: %r", payload)

    # -- running --------------------------------------------------------------------------------

    async def start(self, *, wait: float = 5.0) -> None:
        """Starts LISTEN and the catch-up loop; waits up to `wait` seconds for the first sync."""
        self._tasks = [
            asyncio.create_task(self._listen(), name="revocations-listen"),
            asyncio.create_task(self._poll(), name="revocations-poll"),
        ]
        deadline = time.monotonic() + wait
        while not self.in_sync and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        await cancel(*self._tasks)
        self._tasks = []

    async def _poll(self) -> None:
        while True:
            try:
                await self.catch_up()
                delay = self.poll_interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an outage of users: retried soon, the lag policy decides meanwhile
                log.warning("cannot catch up on revocations: %s", exc)
                delay = min(self.poll_interval, 1.0)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._woken.wait()
            self._woken.clear()

    async def _listen(self) -> None:
        # A heartbeat every poll interval, as often as the catch-up: a dead connection, even a
        # silent one, ends the LISTEN's vouching within two of them, well inside `max_lag`.
        await listen_forever(
            self.database_url,
            CHANNEL,
            self._heard,
            ready=self._listened,
            lost=self._deaf,
            alive=self._answered,
            max_delay=min(self.poll_interval, 1.0),
            check_every=self.poll_interval,
            application_name=self.application_name,
            connect=self.connect,
        )

    def _listened(self) -> None:
        self._listening_since = self._listen_alive_at = time.monotonic()
        self._gap_free = False
        self._woken.set()  # catch up on what was revoked while nobody listened

    def _deaf(self) -> None:
        self._listening_since = None
        self._gap_free = False

    def _answered(self, sent: float) -> None:
        self._listen_alive_at = sent


class UsersRevocations:
    """The catch-up read over HTTP from users: a `Fetch`. One attempt per call (the feed's loop is the retry)."""

    PATH = "/internal/revocations"

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = f"{settings.url('users')}{self.PATH}"
        self.http = httpx.AsyncClient(
            timeout=settings.internal_timeout, headers={SERVICE_HEADER: settings.resolved_service_token()}, transport=transport
        )

    async def __call__(self, since: datetime | None) -> RevocationsReply:
        params = {"since": since.isoformat()} if since else {}
        response = await self.http.get(self.url, params=params)
        response.raise_for_status()
        return RevocationsReply.model_validate_json(response.content)

    async def aclose(self) -> None:
        await self.http.aclose()
