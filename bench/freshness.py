"""How long a change takes to show in a cached anonymous listing through the gateway, under read load.

    python -m bench.freshness                  # 1M products (bench/catalog.py's shop_bench), 20 changes a path

While 8 clients keep reading the 24 first pages (so both caches stay full), an admin changes the price of the
first product of one of them, either through the gateway (a mutation empties its copy), straight at the
catalog (as another gateway replica would), or in the database by SQL (only the catalog's NOTIFY tells): in the
last two, the gateway's copy, which would otherwise live up to its max age, is emptied when its next poll of
the catalog's showcase generation sees it move. Figures, from the change's answer (the mutation's or the SQL's):
when the first anonymous read of that page that shows the new price was sent (the staleness, to within
one read) and when it was answered (plus that read's own latency, an uncached page after the change).
The price is put back at the end. Last, what the gateway's polls of the catalog's showcase generation cost
the catalog: its CPU while the stack is idle (the gateway polling), and per poll (a few hundred asked in a row).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import time
import uuid
from decimal import Decimal

import httpx
import orjson

from bench.catalog import PAGE, prepare
from bench.load import run
from bench.showcase import _facts, gateway, graphql_bodies
from bench.showcase_profile import tree_cpu
from shop.cli import prepare as prepare_store
from shop.migrate import migrate_all
from subgraphs.common.contract import SHOWCASE_GENERATION
from subgraphs.common.db import connect_raw
from subgraphs.common.internal import SERVICE_HEADER
from subgraphs.common.settings import ROOT, Settings

UPDATE = "mutation($id: ID!, $p: Decimal!) { updateProduct(id: $id, input: {price: $p}) { errors { code } } }"
LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }"


async def first_product(http: httpx.AsyncClient, url: str, body: bytes) -> tuple[str, str]:
    page = (await http.post(url, content=body, headers={"content-type": "application/json"})).json()
    node = page["data"]["products"]["edges"][0]["node"]
    return node["id"], node["price"]["amount"]


async def warm(http: httpx.AsyncClient, url: str, body: bytes, seconds: float = 0.3) -> None:
    """Reads the page for a while, as a shopper would: the measuring client's own key (the load's requests
    carry other headers) is then kept as any busy page is, past the entries computed just after a change."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        await http.post(url, content=body, headers={"content-type": "application/json"})
        await asyncio.sleep(0.01)


async def until_shown(http: httpx.AsyncClient, url: str, body: bytes, product: str, price: str) -> tuple[float, float]:
    """When the first read showing the change was sent and when it was answered, from now (the mutation's answer)."""
    changed = time.perf_counter()
    while True:
        sent = time.perf_counter()
        page = (await http.post(url, content=body, headers={"content-type": "application/json"})).json()
        if any(e["node"]["id"] == product and e["node"]["price"]["amount"] == price for e in page["data"]["products"]["edges"]):
            return sent - changed, time.perf_counter() - changed
        assert time.perf_counter() - changed < 30, "a change did not show within 30 s"
        await asyncio.sleep(0.005)


async def poll_cost(settings: Settings, http: httpx.AsyncClient, catalog: int, idle: float = 5.0, polls: int = 500) -> tuple[float, float]:
    """The catalog's CPU share of a core while only the gateway polls it, and its CPU ms per poll."""
    before = tree_cpu([catalog])
    await asyncio.sleep(idle)
    share = (tree_cpu([catalog]) - before) / idle
    route, token = settings.url("catalog") + SHOWCASE_GENERATION.path, {SERVICE_HEADER: settings.showcase_poll_token()}
    before = tree_cpu([catalog])
    for _ in range(polls):
        assert (await http.get(route, headers=token)).status_code == 200
    return share, (tree_cpu([catalog]) - before) * 1000 / polls


async def measure(settings: Settings, url: str, changes: int) -> tuple[dict[str, list[tuple[float, float]]], tuple[float, float]]:
    categories, deep = await _facts(url)
    bodies = graphql_bodies(categories, deep)["first"]
    body = orjson.dumps({"query": PAGE, "variables": {"first": 20, "filter": {"categoryId": categories[0]}, "sort": "PRICE_ASC"}})
    paths = ("through the gateway", "straight at the catalog", "in the database")
    shown: dict[str, list[tuple[float, float]]] = {path: [] for path in paths}
    async with gateway(url, settings.port_base, 1, True) as (graphql, pids), httpx.AsyncClient(timeout=30) as http:
        token = (await http.post(graphql, json={"query": LOGIN, "variables": {"e": settings.admin_email, "p": settings.admin_password}})).json()
        signed = {"Authorization": f"Bearer {token['data']['login']['accessToken']}"}
        product, original = await first_product(http, graphql, body)
        load = asyncio.create_task(run(graphql, [*bodies, body], 3600, 8))
        database = await connect_raw(url)
        targets = {"through the gateway": graphql, "straight at the catalog": f"{settings.url('catalog')}/graphql"}
        try:
            for n in range(changes):
                for place, path in enumerate(paths):
                    price = str(Decimal("0.01") * (n * len(paths) + place + 1))  # lowest: stays first
                    await warm(http, graphql, body)
                    if path in targets:
                        answer = await http.post(targets[path], json={"query": UPDATE, "variables": {"id": product, "p": price}}, headers=signed)
                        assert answer.json()["data"]["updateProduct"]["errors"] == [], answer.text
                    else:  # only the catalog's NOTIFY tells anyone
                        await database.execute("UPDATE catalog.products SET price = $1::numeric WHERE id = $2", price, uuid.UUID(product))
                    shown[path].append(await until_shown(http, graphql, body, product, price))
        finally:
            await database.close()
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await load
            await http.post(graphql, json={"query": UPDATE, "variables": {"id": product, "p": original}}, headers=signed)
        cost = await poll_cost(settings, http, pids[1])
    return shown, cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("SHOP_BENCH_PORT_BASE", "17000")) + 50)
    args = parser.parse_args()
    url, _handle = prepare(args.products)
    migrate_all(url)
    settings = Settings(database_url=url, data_dir=ROOT / ".data" / "bench-showcase", port_base=args.port_base, admin_email="admin-bench@example.com")
    asyncio.run(prepare_store(settings, url))
    shown, (share, per_poll) = asyncio.run(measure(settings, url, args.changes))
    for path, times in shown.items():
        sent, answered = (sorted(1000 * t[i] for t in times) for i in (0, 1))
        print(f"{path}: the first read showing it sent after p50 {statistics.median(sent):.0f} ms, max {sent[-1]:.0f} ms;"
              f" answered after p50 {statistics.median(answered):.0f} ms, max {answered[-1]:.0f} ms ({len(times)} changes,"
              f" gateway TTL {settings.showcase_gateway_ttl:g} s, max age {settings.showcase_gateway_max_age:g} s polling every"
              f" {settings.showcase_gateway_poll_interval:g} s, load average {os.getloadavg()[0]:.1f})")
    print(f"the gateway's polls: the idle catalog uses {100 * share:.1f}% of a core; {per_poll:.2f} ms of its CPU a poll"
          f" ({1 / settings.showcase_gateway_poll_interval:g} polls a second)")


if __name__ == "__main__":
    main()
