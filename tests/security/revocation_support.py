"""What the revocation tests share: one signed-in probe per subgraph, sign-in helpers, live sockets."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from subgraphs import SUBGRAPHS
from shop.probes import PROBES  # re-exported: the tests read it from here
from shop.stack import Stack
from tests.conftest import GraphQLClient, unique

REGISTER = """mutation($e: String!) { register(input: {email: $e, password: "correct horse", displayName: "Rev"}) {
  accessToken refreshToken errors { code } } }"""
LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken refreshToken errors { code } } }"
REFRESH = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken errors { code } } }"
LOGOUT = "mutation { logout }"
NOTIFICATIONS = "subscription { notificationAdded { kind } }"
#: Generous: a refusal is expected within a second; the machine may be busy.
DEADLINE = 10.0


def code(body: dict[str, Any]) -> str | None:
    """The first error's code, or None when the request succeeded."""
    errors = body.get("errors") or []
    return str(errors[0].get("extensions", {}).get("code")) if errors else None


async def sign_up(gateway: GraphQLClient) -> dict[str, Any]:
    """A new customer's `accessToken` and `refreshToken`."""
    payload: dict[str, Any] = (await gateway.data(REGISTER, {"e": f"{unique()}@example.com"}))["register"]
    assert payload["errors"] == []
    return payload


def direct(http: httpx.AsyncClient, store: Stack, name: str, token: str, port: int | None = None) -> GraphQLClient:
    """A client straight at one subgraph process, bypassing the gateway."""
    base = f"http://{store.settings.host}:{port}" if port else store.settings.url(name)
    return GraphQLClient(http, f"{base}/graphql", token)


def everywhere(http: httpx.AsyncClient, store: Stack, gateway: GraphQLClient, token: str) -> dict[str, tuple[GraphQLClient, str]]:
    """Every subgraph's probe, straight at it and through the gateway."""
    clients = {}
    for name in SUBGRAPHS:
        clients[f"{name} (direct)"] = (direct(http, store, name, token), PROBES[name])
        clients[f"{name} (gateway)"] = (gateway.as_(token), PROBES[name])
    return clients


async def all_accept(clients: dict[str, tuple[GraphQLClient, str]]) -> None:
    for where, (client, query) in clients.items():
        body = await client.execute(query)
        assert code(body) is None, (where, body)


async def all_refuse(clients: dict[str, tuple[GraphQLClient, str]], expected: str = "UNAUTHENTICATED") -> None:
    """Polls until every client's probe fails with `expected` (each within DEADLINE)."""
    for where, (client, query) in clients.items():
        await refused(client, query, where, expected)


async def refused(client: GraphQLClient, query: str, where: str = "", expected: str = "UNAUTHENTICATED") -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        body = await client.execute(query)
        if code(body) == expected:
            return
        assert time.monotonic() < deadline, (where, body)
        await asyncio.sleep(0.05)


@asynccontextmanager
async def live(url: str, token: str, query: str = NOTIFICATIONS) -> AsyncIterator[tuple[ClientConnection, asyncio.Queue[dict[str, Any]]]]:
    """A graphql-transport-ws subscription at `url` (ws://…/graphql); every message after the ack is queued."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), DEADLINE))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def pump() -> None:
            try:
                async for raw in socket:
                    await messages.put(json.loads(raw))
            except websockets.ConnectionClosed:
                pass
            await messages.put({"type": "closed"})

        task = asyncio.create_task(pump())
        try:
            yield socket, messages
        finally:
            task.cancel()


async def ended(messages: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    """The first message that ends the subscription: `error`, `complete` or the socket's close."""
    deadline = time.monotonic() + DEADLINE
    while True:
        message = await asyncio.wait_for(messages.get(), max(0.1, deadline - time.monotonic()))
        if message["type"] in ("error", "complete", "closed"):
            return message
