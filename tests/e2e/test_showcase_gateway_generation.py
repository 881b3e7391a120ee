"""The gateway's copy past its short life (router/showcaseCache.ts): kept while the catalog's generation
vouches for it, emptied as soon as a poll brings another, and back to the short life when it cannot ask.

A change is made behind the gateway's back (in the database, or the saga's internal reservation straight
at the catalog) and the listing polled with a deadline: FRESH, generous beside the 1 s promise, but far
below the half of the long life (15 s) after which a copy that ignored the catalog would be renewed. A
copy that "lives on" is read again after IDLE seconds without a request in between (so no renewal):
past the short life (0.5 s), only the catalog's generation can have kept it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shop.stack import Stack
from subgraphs.common.contract import SHOWCASE_GENERATION
from subgraphs.common.db import connect_raw
from subgraphs.common.internal import SERVICE_HEADER
from tests.conftest import TEST_PORT_BASE, GraphQLClient, free_port, listening_on
from tests.delivery.test_relay import free_port as fake_port
from tests.e2e.test_showcase import new_category, new_product
from tests.e2e.test_showcase_gateway_cache import HEADER, LISTING, post, served_from_copy

FRESH = 5.0
IDLE = 1.5
GATEWAY_PORTS = range(TEST_PORT_BASE + 200, TEST_PORT_BASE + 300)


async def shown_soon(http: httpx.AsyncClient, category: str, wanted: Callable[[list[dict[str, Any]]], bool]) -> None:
    """Polls the anonymous listing until `wanted(rows)` holds, for FRESH seconds at most."""
    deadline = time.monotonic() + FRESH
    while True:
        rows = [edge["node"] for edge in (await post(http, LISTING, {"c": category})).json()["data"]["products"]["edges"]]
        if wanted(rows):
            return
        assert time.monotonic() < deadline, f"the change did not reach the listing within {FRESH} s: {rows}"
        await asyncio.sleep(0.02)


async def kept_while_idle(http: httpx.AsyncClient, category: str) -> bool:
    """Fills the copy, waits IDLE seconds without a request, and says whether the next read is still a hit."""
    await served_from_copy(http, LISTING, {"c": category})
    await asyncio.sleep(IDLE)
    return (await post(http, LISTING, {"c": category})).headers.get(HEADER) == "hit"


async def lives_on(http: httpx.AsyncClient, category: str, tries: int = 5) -> bool:
    """`kept_while_idle`, a few times: a change elsewhere in the store (another test's) may empty the copy."""
    for _ in range(tries):
        if await kept_while_idle(http, category):
            return True
    return False


async def set_price(store: Stack, product: str, price: str) -> None:
    """Straight in the database: only the catalog's NOTIFY tells anyone."""
    conn = await connect_raw(store.settings.database_url or "")
    try:
        assert await conn.execute("UPDATE catalog.products SET price = $1::numeric WHERE id = $2", price, uuid.UUID(product)) == "UPDATE 1"
    finally:
        await conn.close()


def prices(rows: list[dict[str, Any]]) -> list[str]:
    return [p["price"]["amount"] for p in rows]


@contextlib.asynccontextmanager
async def gateway_with(store: Stack, env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """Another gateway in front of the same subgraphs, its settings changed by `env`."""
    port = free_port(GATEWAY_PORTS)
    key = await store.gateway_replica(port, env=env)
    try:
        async with httpx.AsyncClient(base_url=f"http://{store.settings.host}:{port}", timeout=30.0) as http:
            yield http
    finally:
        store.retire(key)


class Generation:
    """Stands between a gateway and the catalog's generation: passes it on while `live`, else answers
    `frozen` (the last one passed on) with `listening` false, or nothing useful at all (`silent`)."""

    def __init__(self, store: Stack) -> None:
        self.url = store.settings.url("catalog") + SHOWCASE_GENERATION.path
        self.token = store.settings.resolved_service_token()
        self.mode = "live"
        self.frozen: dict[str, Any] = {}
        self.app = Starlette(routes=[Route(SHOWCASE_GENERATION.path, self.handle, methods=["GET"])])

    async def handle(self, request: Request) -> JSONResponse:
        if self.mode == "silent":
            return JSONResponse({"error": "UNAVAILABLE"}, status_code=503)
        if self.mode == "deaf":
            return JSONResponse({**self.frozen, "listening": False})
        async with httpx.AsyncClient(timeout=2.0) as http:
            self.frozen = (await http.get(self.url, headers={SERVICE_HEADER: request.headers.get(SERVICE_HEADER, "")})).json()
        return JSONResponse(self.frozen)

    def serving(self, port: int) -> contextlib.AbstractAsyncContextManager[None]:
        return listening_on(self.app, port)


async def test_the_catalog_answers_its_generation_to_a_service_only(store: Stack) -> None:
    async with httpx.AsyncClient(base_url=store.settings.url("catalog"), timeout=30.0) as http:
        assert (await http.get(SHOWCASE_GENERATION.path)).status_code == 401
        token, poll = {SERVICE_HEADER: store.settings.resolved_service_token()}, {SERVICE_HEADER: store.settings.showcase_poll_token()}
        before = SHOWCASE_GENERATION.reply.model_validate((await http.get(SHOWCASE_GENERATION.path, headers=poll)).json())
        assert before.listening
        # A write through the catalog moves it (its cache is emptied), and a read does not.
        line = {"order_id": str(uuid.uuid4()), "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]}
        assert (await http.post("/internal/reservations", json=line, headers=token)).status_code == 409
        after = (await http.get(SHOWCASE_GENERATION.path, headers=poll)).json()
        assert after["generation"] != before.generation and after["listening"] is True
        assert (await http.get(SHOWCASE_GENERATION.path, headers=poll)).json()["generation"] == after["generation"]
        # The route has its own credential: the service's does not open it.
        assert (await http.get(SHOWCASE_GENERATION.path, headers=token)).status_code == 401


async def test_an_unchanged_answer_lives_well_past_the_short_life(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    await new_product(admin, category, "Birch bowl", price="7.00")
    assert await lives_on(gateway.http, category)


async def test_a_change_behind_the_gateways_back_ends_the_long_life_at_once(
    gateway: GraphQLClient, admin: GraphQLClient, store: Stack
) -> None:
    category = await new_category(admin)
    product = (await new_product(admin, category, "Pewter jug", price="30.00", stock=5))["id"]
    assert await lives_on(gateway.http, category)
    await set_price(store, product, "29.00")
    await shown_soon(gateway.http, category, lambda rows: prices(rows) == ["29.00"])
    # The saga's reservation straight at the catalog, as a recovering orders replica makes it.
    assert await lives_on(gateway.http, category)
    token = {SERVICE_HEADER: store.settings.resolved_service_token()}
    line = {"order_id": str(uuid.uuid4()), "lines": [{"product_id": product, "quantity": 2}]}
    async with httpx.AsyncClient(base_url=store.settings.url("catalog"), timeout=30.0) as direct:
        assert (await direct.post("/internal/reservations", json=line, headers=token)).status_code == 200
    await shown_soon(gateway.http, category, lambda rows: [p["stock"] for p in rows] == [3])


async def test_a_gateway_refused_the_generation_keeps_the_short_life_only(admin: GraphQLClient, store: Stack) -> None:
    category = await new_category(admin)
    product = (await new_product(admin, category, "Linen apron", price="12.00"))["id"]
    async with gateway_with(store, {"SHOP_SHOWCASE_POLL_TOKEN": "not-the-poll-token"}) as http:
        for _ in range(3):
            assert not await kept_while_idle(http, category)
        await served_from_copy(http, LISTING, {"c": category})
        await set_price(store, product, "11.00")
        await shown_soon(http, category, lambda rows: prices(rows) == ["11.00"])


async def test_a_catalog_that_stops_listening_or_answering_vouches_for_nothing(admin: GraphQLClient, store: Stack) -> None:
    category = await new_category(admin)
    product = (await new_product(admin, category, "Wool blanket", price="80.00"))["id"]
    stand_in, port = Generation(store), fake_port()
    async with stand_in.serving(port), gateway_with(store, {"SHOP_SHOWCASE_GENERATION_URL": f"http://127.0.0.1:{port}{SHOWCASE_GENERATION.path}"}) as http:
        assert await lives_on(http, category)  # passed on, the catalog's generation keeps the copy
        for mode, price in (("deaf", "79.00"), ("silent", "78.00")):
            # Filled while vouched for, then the same generation said without the LISTEN, or nothing said.
            stand_in.mode = "live"
            assert await lives_on(http, category)
            await served_from_copy(http, LISTING, {"c": category})
            stand_in.mode = mode
            await set_price(store, product, price)  # the stand-in hides the generation this moves
            await shown_soon(http, category, lambda rows, price=price: prices(rows) == [price])  # type: ignore[misc]
            assert not await kept_while_idle(http, category), mode

async def test_an_answer_of_another_catalog_process_than_the_one_polled_keeps_the_short_life(admin: GraphQLClient, store: Stack) -> None:
    category = await new_category(admin)
    await new_product(admin, category, "Cedar box", price="15.00")
    replica = await store.replica("catalog", free_port(GATEWAY_PORTS))
    port = int(replica.rsplit("@", 1)[1])
    try:
        # The replica hears every NOTIFY too, but the answers come from the stack's catalog: its generation
        # vouches for nothing the replica did not compute itself.
        polled = f"http://{store.settings.host}:{port}{SHOWCASE_GENERATION.path}"
        async with gateway_with(store, {"SHOP_SHOWCASE_GENERATION_URL": polled}) as http:
            for _ in range(3):
                assert not await kept_while_idle(http, category)
    finally:
        store.retire(replica)
