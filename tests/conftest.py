"""Shared fixtures: a real PostgreSQL (embedded unless DATABASE_URL is set), keys, and GraphQL clients.

Every test makes its own data (unique emails, slugs and names), so tests never depend on order.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from shop.migrate import migrate_all
from shop.postgres import drop_database, ensure_database, server_url
from subgraphs.common.db import connect_raw, create_engine, session_factory
from subgraphs.common.settings import ROOT, InvalidSettings, Settings, read_settings
from subgraphs.users.tokens import TokenSigner, generate_pem, public_pem

TEST_DATA = ROOT / ".data" / "test"
#: Where the end-to-end stacks put their ports (far from the development ports, so tests run beside `make run`);
#: `SHOP_TEST_PORT_BASE` moves them, so two checkouts can run their suites side by side.
TEST_PORT_BASE = int(os.environ.get("SHOP_TEST_PORT_BASE", "14000"))


def pytest_configure(config: pytest.Config) -> None:
    """Malformed settings in the environment stop the run with one line each, not in every fixture."""
    try:
        read_settings(Settings)
    except InvalidSettings as error:
        pytest.exit(str(error), returncode=2)


#: Fixtures that start the whole store as processes: a test that needs one, directly or through
#: another fixture, is marked `e2e` (`pytest -m "not e2e"` runs the in-process rest).
STORES = frozenset({"store", "chaos_store"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if STORES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def server() -> str:
    """The PostgreSQL server's URL (its `postgres` database)."""
    url, _handle = server_url(TEST_DATA)
    return url


@pytest.fixture(scope="session")
def fresh_database(server: str) -> Iterator[Callable[[str], str]]:
    """`fresh_database("seed")`: the URL of a new, empty database of this run's own (the name gets
    the run's pid, so runs side by side never meet), dropped when the run ends."""
    made: list[str] = []

    def make(label: str) -> str:
        name = f"shop_test_{label}_{os.getpid()}"
        made.append(name)
        return ensure_database(server, name, fresh=True)

    yield make
    for name in made:
        drop_database(server, name)


@pytest.fixture(scope="session")
def database_url(fresh_database: Callable[[str], str]) -> str:
    """The shared test database, every migration applied."""
    url = fresh_database("shared")
    migrate_all(url)
    return url


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the shared test database, beside the apps' own: for what the API does not show
    (outboxes, send state, saga steps) and for calling services concurrently like separate requests."""
    engine = create_engine(settings.database_url or "", pool_size=20, application_name="tests")
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def signing_pem() -> str:
    return generate_pem()


@pytest.fixture(scope="session")
def settings(database_url: str, signing_pem: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings as production would have them: keys given, not generated."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        jwt_private_key=signing_pem,
        jwt_public_key=public_pem(signing_pem),
        login_max_failures=5,
        # One subgraph in-process has no users beside it to learn revocations from (tests/security covers them).
        revocation_feed=False,
    )


@pytest.fixture(scope="session")
def signer(settings: Settings) -> TokenSigner:
    return TokenSigner.from_settings(settings)


@pytest.fixture(scope="session")
def token_for(signer: TokenSigner) -> Callable[..., str]:
    """An access token for any principal: `token_for(user_id, "ADMIN")`."""

    def make(user_id: uuid.UUID | None = None, *roles: str, session_id: uuid.UUID | None = None) -> str:
        return signer.issue(user_id or uuid.uuid4(), list(roles or ["CUSTOMER"]), session_id or uuid.uuid4()).token

    return make


class GraphQLClient:
    """Posts GraphQL to one app (in-process) or one URL; `token` signs the requests in."""

    def __init__(self, http: httpx.AsyncClient, path: str = "/graphql", token: str | None = None) -> None:
        self.http, self.path, self.token = http, path, token

    def as_(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, self.path, token)

    async def execute(self, query: str, variables: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """The whole response body: `data` and `errors`."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(self.path, json={"query": query, "variables": variables or {}, **extra}, headers=headers)
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` of a request that must not fail."""
        body = await self.execute(query, variables)
        assert not body.get("errors"), body["errors"]
        result: dict[str, Any] = body["data"]
        return result


@contextlib.asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, its lifespan run, behind an httpx client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


@contextlib.asynccontextmanager
async def listening_on(app: Any, port: int, *, lifespan: str = "off", within: float = 5.0) -> AsyncIterator[None]:
    """The app served by uvicorn on a real port of 127.0.0.1 (for what must be reached over TCP or WebSocket)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan=lifespan, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + within
        while not server.started:
            assert not task.done() and time.monotonic() < deadline, f"uvicorn did not start on port {port}"
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await task


def free_port(ports: range) -> int:
    """A port of `ports` (tried in random order) nobody listens on now: test servers keep off
    the store's own ports, and side-by-side runs keep off each other's."""
    return free_ports(ports, 1)[0]


def free_ports(ports: range, count: int) -> list[int]:
    """`count` different ports of `ports` nobody listens on now (two picks before either server
    binds could otherwise be the same port, and one server would answer for both)."""
    found: list[int] = []
    for port in random.sample(ports, len(ports)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            found.append(port)
            if len(found) == count:
                return found
    raise RuntimeError(f"not {count} free ports in {ports}")


def unique(prefix: str = "t") -> str:
    """A value no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout: float = 30.0, every: float = 0.05) -> None:
    """Polls `check` (sync or async) until it holds; fails after `timeout` seconds. Tests wait for an
    outcome this way, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"condition not reached within {timeout} s"
        await asyncio.sleep(every)


def app_engine(app: Starlette) -> AsyncEngine:
    """The engine a subgraph's app runs its SQL on."""
    engine: AsyncEngine = app.state.shop.db.kw["bind"]
    return engine


@contextlib.contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements `engine` sends while the block runs, in order (an app's: `app_engine(app)`)."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def listen_cut_and_back(database_url: str, name: str, listening: asyncio.Event) -> None:
    """Once `listening` is set, kills the LISTEN connections named `name` (as a database restart
    would) and waits until new ones listen and `listening` is set again."""

    async def pids() -> set[int]:
        connection = await connect_raw(database_url)
        try:
            query = "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()"
            return {row["pid"] for row in await connection.fetch(query, name)}
        finally:
            await connection.close()

    await asyncio.wait_for(listening.wait(), 20)
    before = await pids()
    assert before
    connection = await connect_raw(database_url)
    try:
        for pid in before:
            await connection.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await connection.close()

    async def again() -> bool:
        now = await pids()
        return listening.is_set() and bool(now) and not now & before

    await eventually(again)
