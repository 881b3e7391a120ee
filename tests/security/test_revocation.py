"""A session that ends, ends everywhere: after logout, refresh-token reuse or any revocation, every
subgraph refuses the session's access tokens (straight at it and through the gateway), open
subscriptions are closed, restarted processes and second replicas refuse too, and a process that
cannot learn of revocations refuses signed-in callers instead of trusting them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from shop.stack import Stack
from subgraphs.common.revocation import CLOSE_CODE
from subgraphs.common.settings import Settings
from tests.conftest import TEST_PORT_BASE, GraphQLClient, eventually, free_ports, unique
from tests.security.revocation_support import (
    LOGIN,
    LOGOUT,
    PROBES,
    REFRESH,
    all_accept,
    all_refuse,
    code,
    direct,
    ended,
    everywhere,
    live,
    refused,
    sign_up,
)

TOP_UP = 'mutation($k: String!) { topUpWallet(input: {amount: "5.00", idempotencyKey: $k}) { errors { code } } }'
#: Extra processes started by these tests listen here (the stack's own ports are below).
REPLICA_PORTS = range(TEST_PORT_BASE + 100, TEST_PORT_BASE + 200)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30.0) as client:
        yield client


async def test_logout_is_refused_by_every_subgraph_direct_and_through_the_gateway(store: Stack, gateway: GraphQLClient, http: httpx.AsyncClient) -> None:
    token = (await sign_up(gateway))["accessToken"]
    clients = everywhere(http, store, gateway, token)
    await all_accept(clients)
    assert (await gateway.as_(token).data(LOGOUT))["logout"] is True
    await all_refuse(clients)


async def test_refresh_token_reuse_ends_the_session_everywhere(store: Stack, gateway: GraphQLClient, http: httpx.AsyncClient) -> None:
    first = await sign_up(gateway)
    rotated = (await gateway.data(REFRESH, {"t": first["refreshToken"]}))["refreshSession"]
    assert rotated["errors"] == []
    both = {**everywhere(http, store, gateway, first["accessToken"]), **{f"rotated {k}": v for k, v in everywhere(http, store, gateway, rotated["accessToken"]).items()}}
    await all_accept(both)
    reused = (await gateway.data(REFRESH, {"t": first["refreshToken"]}))["refreshSession"]
    assert reused["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    await all_refuse(both)


async def test_an_admin_session_ends_everywhere_too(store: Stack, gateway: GraphQLClient, e2e_settings: Settings, http: httpx.AsyncClient) -> None:
    # A session of its own: the package's `admin` client must stay signed in.
    login = (await gateway.data(LOGIN, {"e": e2e_settings.admin_email, "p": e2e_settings.admin_password}))["login"]
    token = login["accessToken"]
    clients = everywhere(http, store, gateway, token)
    deliveries = "{ deliveries(first: 1) { edges { node { id } } } }"  # ADMIN only
    clients["delivery admin (direct)"] = (direct(http, store, "delivery", token), deliveries)
    await all_accept(clients)
    await gateway.as_(token).data(LOGOUT)
    await all_refuse(clients)


async def test_open_subscriptions_are_closed_direct_and_through_the_gateway(store: Stack, gateway: GraphQLClient) -> None:
    token = (await sign_up(gateway))["accessToken"]
    me = gateway.as_(token)
    at_subgraph = store.settings.url("notifications").replace("http", "ws") + "/graphql"
    at_gateway = store.settings.url("gateway").replace("http", "ws") + "/graphql"
    async with live(at_subgraph, token) as (socket, straight), live(at_gateway, token) as (_, routed):
        # Both subscriptions are live end to end: each sees a notification first (a top-up notifies;
        # repeated until both carry one, since a subscription is live some unknown time after it is sent).
        async def both_heard() -> bool:
            assert (await me.data(TOP_UP, {"k": unique()}))["topUpWallet"]["errors"] == []
            await asyncio.sleep(0.2)
            return not straight.empty() and not routed.empty()

        await eventually(both_heard)
        for messages in (straight, routed):
            assert (await asyncio.wait_for(messages.get(), 15))["type"] == "next"
        await me.data(LOGOUT)
        assert (await ended(straight))["type"] == "closed"
        assert socket.close_code == CLOSE_CODE
        await ended(routed)  # the gateway ends it (an error or the socket closed)


async def test_a_new_subscription_of_an_ended_session_is_refused(store: Stack, gateway: GraphQLClient) -> None:
    import websockets

    token = (await sign_up(gateway))["accessToken"]
    await gateway.as_(token).data(LOGOUT)
    await refused(gateway.as_(token), PROBES["notifications"])
    with pytest.raises(websockets.ConnectionClosed) as refusal:
        async with live(store.settings.url("notifications").replace("http", "ws") + "/graphql", token):
            pass
    assert refusal.value.rcvd is not None and refusal.value.rcvd.code == 4403  # graphql-ws: Forbidden, at connection_init


async def test_a_subgraph_restarted_after_the_logout_still_refuses(store: Stack, gateway: GraphQLClient, http: httpx.AsyncClient) -> None:
    token = (await sign_up(gateway))["accessToken"]
    await gateway.as_(token).data(LOGOUT)
    catalog = direct(http, store, "catalog", token)
    await refused(catalog, PROBES["catalog"])
    store.kill("catalog")
    await store.restart("catalog")  # answers /health only once caught up
    assert code(await catalog.execute(PROBES["catalog"])) == "UNAUTHENTICATED"
    await refused(gateway.as_(token), PROBES["catalog"], "gateway")


async def test_two_replicas_of_a_subgraph_both_refuse(store: Stack, gateway: GraphQLClient, http: httpx.AsyncClient) -> None:
    """A second catalog and a second notifications process: each refuses, and each closes its own sockets."""
    catalog_port, notifications_port = free_ports(REPLICA_PORTS, 2)
    keys = [await store.replica("catalog", catalog_port), await store.replica("notifications", notifications_port)]
    try:
        token = (await sign_up(gateway))["accessToken"]
        replicas = {
            "catalog": (direct(http, store, "catalog", token), PROBES["catalog"]),
            "catalog replica": (direct(http, store, "catalog", token, catalog_port), PROBES["catalog"]),
            "notifications": (direct(http, store, "notifications", token), PROBES["notifications"]),
            "notifications replica": (direct(http, store, "notifications", token, notifications_port), PROBES["notifications"]),
        }
        await all_accept(replicas)
        first = store.settings.url("notifications").replace("http", "ws") + "/graphql"
        second = f"ws://{store.settings.host}:{notifications_port}/graphql"
        async with live(first, token) as (one, on_first), live(second, token) as (other, on_second):
            await gateway.as_(token).data(LOGOUT)
            await all_refuse(replicas)
            for messages in (on_first, on_second):
                assert (await ended(messages))["type"] == "closed"
            assert one.close_code == other.close_code == CLOSE_CODE
    finally:
        for key in keys:
            store.retire(key)


async def test_a_process_that_cannot_learn_of_revocations_refuses_signed_in_callers(store: Stack, gateway: GraphQLClient, http: httpx.AsyncClient) -> None:
    """A catalog replica whose users is unreachable: behind at start (SERVICE_UNAVAILABLE for tokens,
    anonymous served), in sync once users answers, still in sync on LISTEN alone when users goes
    away again, and behind once LISTEN breaks too; back by itself when users returns."""
    from subgraphs.common.db import connect_raw

    users_port, port = free_ports(REPLICA_PORTS, 2)
    env = {
        "SHOP_USERS_URL": f"http://{store.settings.host}:{users_port}",  # nobody there yet
        "SHOP_JWKS_URL": f"{store.settings.url('users')}/.well-known/jwks.json",  # keys stay reachable
        "SHOP_REVOCATION_MAX_LAG": "1",
        "SHOP_REVOCATION_POLL_INTERVAL": "0.5",
    }
    key = await store.replica("catalog", port, env=env, healthy=False)
    users: str | None = None
    try:
        token = (await sign_up(gateway))["accessToken"]
        replica = direct(http, store, "catalog", token, port)
        anonymous = replica.as_(None)
        health = f"http://{store.settings.host}:{port}/health"
        assert (await http.get(health)).status_code == 503
        assert code(await replica.execute(PROBES["catalog"])) == "SERVICE_UNAVAILABLE"
        assert code(await anonymous.execute(PROBES["catalog"])) is None

        users = await store.replica("users", users_port)

        async def serves_the_token() -> bool:
            return code(await replica.execute(PROBES["catalog"])) is None

        await eventually(serves_the_token)
        assert (await http.get(health)).status_code == 200

        store.retire(users)
        users = None
        await asyncio.sleep(3)  # three times the allowed lag: LISTEN alone keeps it in sync
        assert code(await replica.execute(PROBES["catalog"])) is None
        other = (await sign_up(gateway))["accessToken"]
        await gateway.as_(other).data(LOGOUT)  # announced on LISTEN; the catch-up cannot run
        await refused(direct(http, store, "catalog", other, port), PROBES["catalog"], "replica, LISTEN only")

        # LISTEN broken (its connection terminated) while users is away: nothing proves it in sync.
        assert store.settings.database_url
        connection = await connect_raw(store.settings.database_url)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'catalog-revocations' AND datname = current_database()"
            )
        finally:
            await connection.close()
        await refused(replica, PROBES["catalog"], "replica, feed down", "SERVICE_UNAVAILABLE")
        assert code(await anonymous.execute(PROBES["catalog"])) is None

        users = await store.replica("users", users_port)
        await eventually(serves_the_token)
        # The main catalog lost its LISTEN too and is back in sync with the real users.
        await all_accept({"catalog": (direct(http, store, "catalog", token), PROBES["catalog"])})
    finally:
        if users is not None:
            store.retire(users)
        store.retire(key)


async def test_a_subscription_over_server_sent_events_through_the_gateway_ends_too(store: Stack, gateway: GraphQLClient) -> None:
    """The gateway subscribes to notifications over WebSocket (the subgraphs serve subscriptions on
    WebSocket only); once that is closed, the gateway ends the client's event stream."""
    token = (await sign_up(gateway))["accessToken"]
    me = gateway.as_(token)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    body = {"query": "subscription { notificationAdded { kind } }"}
    events: asyncio.Queue[str] = asyncio.Queue()

    async def listen() -> None:
        async with httpx.AsyncClient(timeout=60) as client, client.stream("POST", store.settings.url("gateway") + "/graphql", json=body, headers=headers) as stream:
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    await events.put(line.removeprefix("event:").strip())
        await events.put("closed")

    task = asyncio.create_task(listen())
    try:
        async def live() -> bool:  # a top-up notifies; repeated until the stream carries one
            assert (await me.data(TOP_UP, {"k": unique()}))["topUpWallet"]["errors"] == []
            await asyncio.sleep(0.5)
            return not events.empty()

        await eventually(live)
        assert await events.get() == "next"
        await me.data(LOGOUT)
        while (event := await asyncio.wait_for(events.get(), 15)) not in ("complete", "closed"):
            assert event == "next"
    finally:
        task.cancel()
