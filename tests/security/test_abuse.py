"""Abuse: guessing passwords (concurrently, across emails, behind forged addresses), browsers of
foreign origins, huge bodies, and GraphiQL or introspection left open in production."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shop.stack import ROUTER, Stack, child_env, render_supergraph
from subgraphs import SUBGRAPHS
from subgraphs.common.clients import resolve
from subgraphs.common.db import async_url
from subgraphs.common.settings import Settings
from subgraphs.users.app import build as build_users
from subgraphs.users.throttle import client_key
from tests.conftest import TEST_PORT_BASE, GraphQLClient, free_port, unique

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { accessToken errors { code } }
}
"""
REGISTER = """
mutation($email: String!) {
  register(input: {email: $email, password: "correct horse", displayName: "Ann"}) { accessToken errors { code } }
}
"""
INTROSPECTION = "{ __schema { queryType { name } } }"


_serial = itertools.count(1)


def fresh_address() -> str:
    """A client address of the documentation ranges (RFC 5737, RFC 3849) no other test of this run uses."""
    n = next(_serial)
    return f"198.51.100.{n // 2 % 254 + 1}" if n % 2 else f"2001:db8:{n:x}::1"


@pytest.fixture(scope="module")
async def db(e2e_settings: Settings) -> AsyncIterator[AsyncEngine]:
    assert e2e_settings.database_url
    engine = create_async_engine(async_url(e2e_settings.database_url))
    yield engine
    await engine.dispose()


async def failures(db: AsyncEngine, *, email: str | None = None, client: str | None = None) -> int:
    """Password checks that failed, as users recorded them."""
    column, value = ("email", email) if email is not None else ("client", client)
    async with db.connect() as connection:
        count = await connection.scalar(text(f"SELECT count(*) FROM users.login_failures WHERE {column} = :v"), {"v": value})
    return int(count or 0)


async def login(http: httpx.AsyncClient, email: str, password: str, client: str | None = None) -> str | None:
    """The login's error code (None: signed in); `client` is sent as X-Forwarded-For."""
    headers = {"X-Forwarded-For": client} if client else {}
    response = await http.post("/graphql", json={"query": LOGIN, "variables": {"email": email, "password": password}}, headers=headers)
    payload = response.json()["data"]["login"]
    return payload["errors"][0]["code"] if payload["errors"] else None


@pytest.fixture(scope="module")
async def users(store: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """Straight at the users process (a real HTTP server), as something inside the network would call it."""
    async with httpx.AsyncClient(base_url=store.settings.url("users"), timeout=60.0) as http:
        yield http


async def registered(gateway: GraphQLClient) -> str:
    email = f"{unique()}@example.com"
    body = await gateway.data(REGISTER, {"email": email})
    assert body["register"]["errors"] == []
    return email


async def test_concurrent_guesses_check_at_most_the_allowed_passwords(users: httpx.AsyncClient, gateway: GraphQLClient, db: AsyncEngine) -> None:
    email, client = await registered(gateway), fresh_address()
    codes = await asyncio.gather(*(login(users, email, f"guess {i}", client) for i in range(30)))
    # Five guesses were admitted and checked; 25 were refused before their password was looked at.
    assert codes.count("INVALID_CREDENTIALS") == 5 and codes.count("RATE_LIMITED") == 25
    assert await failures(db, email=email) == 5
    assert await login(users, email, "correct horse", fresh_address()) == "RATE_LIMITED"


async def test_a_success_resets_the_count_for_the_email(users: httpx.AsyncClient, gateway: GraphQLClient, db: AsyncEngine) -> None:
    email, client = await registered(gateway), fresh_address()
    for _ in range(4):
        assert await login(users, email, "wrong horse", client) == "INVALID_CREDENTIALS"
    assert await login(users, email, "correct horse", client) is None
    assert await failures(db, email=email) == 0
    for _ in range(5):
        assert await login(users, email, "wrong horse", client) == "INVALID_CREDENTIALS"
    assert await login(users, email, "correct horse", client) == "RATE_LIMITED"


async def test_one_client_cannot_spray_many_emails(
    users: httpx.AsyncClient, gateway: GraphQLClient, db: AsyncEngine, e2e_settings: Settings
) -> None:
    budget, client = e2e_settings.login_max_failures_per_client, fresh_address()
    emails = [f"{unique()}@example.com" for _ in range(budget + 10)]
    codes = await asyncio.gather(*(login(users, email, "password1", client) for email in emails))
    assert codes.count("INVALID_CREDENTIALS") == budget and codes.count("RATE_LIMITED") == 10
    assert await failures(db, client=client) == budget
    # Spent for this client, even with the right password, and for registering; others sign in as usual.
    email = await registered(gateway)
    assert await login(users, email, "correct horse", client) == "RATE_LIMITED"
    taken = await users.post("/graphql", json={"query": REGISTER, "variables": {"email": email}}, headers={"X-Forwarded-For": client})
    assert taken.json()["data"]["register"]["errors"] == [{"code": "RATE_LIMITED"}]
    assert await login(users, email, "correct horse", fresh_address()) is None


async def test_registering_taken_emails_counts_as_failures_of_the_client(users: httpx.AsyncClient, gateway: GraphQLClient, db: AsyncEngine) -> None:
    email, client = await registered(gateway), fresh_address()
    taken = await users.post("/graphql", json={"query": REGISTER, "variables": {"email": email}}, headers={"X-Forwarded-For": client})
    assert taken.json()["data"]["register"]["errors"] == [{"code": "EMAIL_TAKEN"}]
    assert await failures(db, client=client) == 1


async def test_the_gateway_forwards_the_client_address(gateway: GraphQLClient, db: AsyncEngine) -> None:
    client = fresh_address()
    # The test runs on the gateway's host, a trusted proxy like the gateway itself: its X-Forwarded-For
    # is believed, as a load balancer's in front of the gateway would be.
    assert await login(gateway.http, f"{unique()}@example.com", "password1", client) == "INVALID_CREDENTIALS"
    assert await failures(db, client=client) == 1


@pytest.fixture(scope="module")
def untrusted_settings(e2e_settings: Settings) -> Iterator[Settings]:
    yield e2e_settings.model_copy(update={"trusted_proxies": ["192.0.2.0/24"], "login_max_failures_per_client": 3, "graphiql": False})


@pytest.fixture(scope="module")
async def production_users(untrusted_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A users app in production shape (GraphiQL off) called from 203.0.113.x, an untrusted peer."""
    app = build_users(untrusted_settings)
    peer = f"203.0.113.{random.randint(1, 254)}"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://users") as http:
            yield http


async def test_a_direct_caller_cannot_forge_its_address(production_users: httpx.AsyncClient) -> None:
    forged = [await login(production_users, f"{unique()}@example.com", "password1", fresh_address()) for _ in range(4)]
    assert forged == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"]


def test_the_right_most_untrusted_address_is_the_client() -> None:
    proxies = ["10.0.0.0/8", "127.0.0.1"]
    # A client's own X-Forwarded-For comes first; each trusted proxy appends the address it saw.
    assert resolve("10.0.0.2", ["6.6.6.6, 203.0.113.9"], proxies) == "203.0.113.9"
    assert resolve("10.0.0.2", ["6.6.6.6", "203.0.113.9, 10.0.0.7"], proxies) == "203.0.113.9"
    assert resolve("203.0.113.9", ["6.6.6.6"], proxies) == "203.0.113.9"
    assert resolve("127.0.0.1", ["::ffff:198.51.100.4"], proxies) == "198.51.100.4"
    assert resolve("127.0.0.1", ["not-an-address"], proxies) == "127.0.0.1"
    assert resolve(None, ["6.6.6.6"], proxies) == "unknown"
    # One IPv6 subscriber holds a whole /64: its addresses share one budget.
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") != client_key("2001:db8:1:3::1")
    assert client_key("203.0.113.9") != client_key("203.0.113.10")


async def test_only_allowed_origins_get_cors_headers(gateway: GraphQLClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, authorization"}
    for origin in ("http://localhost:3000", "http://localhost:5173"):
        allowed = await gateway.http.options("/graphql", headers={"Origin": origin, **preflight})
        assert allowed.headers["access-control-allow-origin"] == origin
        assert allowed.headers["access-control-allow-credentials"] == "true"
        actual = await gateway.http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": origin})
        assert actual.status_code == 200 and actual.headers["access-control-allow-origin"] == origin
        assert actual.headers["access-control-allow-credentials"] == "true"
    for origin in ("https://evil.example", "null", "http://localhost:3000.evil.example"):
        foreign = await gateway.http.options("/graphql", headers={"Origin": origin, **preflight})
        assert "access-control-allow-origin" not in foreign.headers and "access-control-allow-credentials" not in foreign.headers
        actual = await gateway.http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": origin})
        assert "access-control-allow-origin" not in actual.headers and "access-control-allow-credentials" not in actual.headers


async def test_every_subgraph_refuses_huge_bodies(store: Stack) -> None:
    padding = "x" * 200_000

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(20):
            yield padding[:10_000].encode()
        yield b'"}}'

    async with httpx.AsyncClient(timeout=30.0) as http:
        for name in SUBGRAPHS:
            url = f"{store.settings.url(name)}/graphql"
            declared = await http.post(url, json={"query": "{ __typename }", "variables": {"pad": padding}})
            assert declared.status_code == 413, name
            assert declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
            # No Content-Length: counted as it streams in.
            chunked = await http.post(url, content=chunks(), headers={"Content-Type": "application/json"})
            assert chunked.status_code == 413, name
            fine = await http.post(url, json={"query": "{ __typename }", "variables": {"pad": "x" * 50_000}})
            assert fine.status_code == 200, name


async def test_a_chunked_body_over_the_limit_in_its_last_part_gets_its_413(store: Stack) -> None:
    """The whole chunked body in one write, as a subgraph on a loaded machine reads it: the part
    that passes the limit is also the last one, and nothing is left to drain before the 413."""
    limit = store.settings.max_body_bytes
    payload = b'{"query": "{ __typename }", "variables": {"pad": "' + b"x" * limit + b'"}}'
    for name in SUBGRAPHS:
        url = httpx.URL(store.settings.url(name))
        request = (
            f"POST /graphql HTTP/1.1\r\nHost: {url.host}:{url.port}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
        reader, writer = await asyncio.open_connection(url.host, url.port)
        try:
            writer.write(request)
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 10)
        finally:
            writer.close()
        assert status.split()[1:2] == [b"413"], (name, status)


async def test_graphiql_and_introspection_in_development(store: Stack) -> None:
    async with httpx.AsyncClient(base_url=store.settings.url("catalog"), timeout=30.0) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        assert (await http.post("/graphql", json={"query": INTROSPECTION})).json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_graphiql_and_introspection_are_off_in_production(production_users: httpx.AsyncClient) -> None:
    page = await production_users.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404
    refused = (await production_users.post("/graphql", json={"query": INTROSPECTION})).json()
    assert refused["data"] is None and "introspection" in refused["errors"][0]["message"].lower()
    # What the gateway needs still answers.
    sdl = (await production_users.post("/graphql", json={"query": "{ _service { sdl } }"})).json()
    assert "type Query" in sdl["data"]["_service"]["sdl"]


@pytest.fixture(scope="module")
async def production_gateway(store: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A second Hive Gateway before the same subgraphs, configured for production: GraphiQL off, one origin."""
    settings = store.settings.model_copy(update={"graphiql": False, "cors_origins": ["https://shop.example"]})
    port = free_port(range(TEST_PORT_BASE + 100, TEST_PORT_BASE + 200))
    supergraph = render_supergraph(settings)  # the store's, for its subgraphs' ports
    log = open(settings.data_dir / "logs" / "gateway-production.log", "ab")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(ROUTER / "node_modules" / ".bin" / "hive-gateway"), "supergraph", str(supergraph), "--port", str(port), "--host", settings.host],
        cwd=ROUTER, env=child_env(settings, store.database_url), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://{settings.host}:{port}", timeout=30.0) as http:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None and time.monotonic() < deadline, "the production gateway did not start"
                try:
                    if (await http.get("/healthcheck")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            yield http
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
        log.close()


async def test_the_gateway_graphiql_and_origins_follow_the_settings(gateway: GraphQLClient, production_gateway: httpx.AsyncClient) -> None:
    html = {"Accept": "text/html"}
    assert "<title>Shop API</title>" in (await gateway.http.get("/graphql", headers=html)).text
    page = await production_gateway.get("/graphql", headers=html)
    assert page.status_code == 406 and "<title>Shop API</title>" not in page.text
    allowed = await production_gateway.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://shop.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    local = await production_gateway.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": "http://localhost:3000"})
    assert "access-control-allow-origin" not in local.headers


def test_the_router_answers_cors_for_the_configured_origin_only() -> None:
    root = ROUTER.parent
    cors = yaml.safe_load((ROUTER / "router.yaml").read_text())["cors"]
    assert cors["allow_any_origin"] is False
    assert cors["policies"] == [
        {"origins": ["${env.SHOP_CORS_ORIGINS:-http://localhost:3000}"], "allow_credentials": True},
    ]
    router = yaml.safe_load((root / "compose.yaml").read_text())["services"]["router"]
    assert router["environment"]["SHOP_CORS_ORIGINS"] == "${SHOP_CORS_ORIGINS:-http://localhost:3000}"
