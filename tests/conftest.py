"""Shared fixtures: a real PostgreSQL (embedded unless DATABASE_URL is set), keys, and GraphQL clients.

Every test makes its own data (unique emails, slugs and names), so tests never depend on order.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from shop.migrate import migrate_all
from shop.postgres import drop_database, ensure_database, server_url
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


@pytest.fixture(scope="session")
def server() -> str:
    """The PostgreSQL server's URL (its `postgres` database)."""
    url, _handle = server_url(TEST_DATA)
    return url


@pytest.fixture(scope="session")
def database_url(server: str) -> Iterator[str]:
    """A fresh database of this run's own (runs side by side never meet), every migration applied."""
    name = f"shop_test_{os.getpid()}"
    url = ensure_database(server, name, fresh=True)
    migrate_all(url)
    yield url
    drop_database(server, name)


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


def free_port(ports: range) -> int:
    """A port of `ports` (tried in random order) nobody listens on now: test servers keep off
    the store's own ports, and side-by-side runs keep off each other's."""
    for port in random.sample(ports, len(ports)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports}")


def unique(prefix: str = "t") -> str:
    """A value no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"

