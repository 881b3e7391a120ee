"""placeOrder benchmark: the whole store (every subgraph + Hive Gateway), customers buying in a loop.

    python -m bench.orders                                  # workers 1, 10 users, 10 s
    python -m bench.orders --workers 1 2                    # one stack per worker count, same database
    python -m bench.orders --workers 2 --catalog-products 1000000   # also the catalog, gateway vs direct

PostgreSQL is DATABASE_URL's server, else an embedded one in `.data/bench-orders`; the database
`shop_bench_orders` is made fresh on every run, migrated and prepared (admin, demo data, pickup
points) exactly as `make run` does. The stack listens on `--port-base` (17000: gateway 17000,
subgraphs 17001-17005). Per worker count: an admin product (price 1.00, `--stock` units) and one
customer per virtual user (register + topUpWallet). Each virtual user loops { addToCart 1 unit;
placeOrder with a fresh idempotencyKey } for `--duration` seconds; only the placeOrder call is
timed. Three scenarios: through the gateway with a storefront's selection (order lines, delivery,
buyer: four subgraphs), through the gateway with orders' own fields only, and that same request
straight to the orders subgraph. At the end stock, wallets and order rows must add up.

Also measured: CPU per piece (from /proc, so other processes' load shows too; each scenario first
waits, boundedly, for the machine to be quiet), where each order's time goes (the saga's own
timestamps), optionally a py-spy profile (`--profile SECONDS`, py-spy on PATH), and with
`--catalog-products` bench/catalog.py's scenarios through the gateway and direct to catalog.
Results print as Markdown tables (stdout); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeRemainingColumn

from bench.catalog import PAGE, _connect, _facts, _python_load, check, run_wrk, scenarios
from shop.cli import prepare
from shop.migrate import migrate_all
from shop.postgres import ensure_database, server_url
from shop.stack import Stack
from subgraphs.catalog.seed import seed_bulk
from subgraphs.common.settings import ROOT, Settings

console = Console(stderr=True)
DATA = ROOT / ".data" / "bench-orders"
DATABASE = "shop_bench_orders"
PRICE = Decimal("1.00")

LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken errors { code } } }"
REGISTER = """mutation($e: String!) { register(input: {email: $e, password: "bench password", displayName: "Bench"}) {
  accessToken user { id } errors { code } } }"""
TOP_UP = "mutation($a: Decimal!, $k: String!) { topUpWallet(input: {amount: $a, idempotencyKey: $k}) { wallet { balance { amount } } errors { code } } }"
CATEGORY = "mutation($n: String!, $s: String!) { createCategory(input: {name: $n, slug: $s}) { category { id } errors { code } } }"
PRODUCT = """mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id stock } errors { code } } }"""
PICKUP_POINTS = "{ pickupPoints { id } }"
ADD = "mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { cart { itemCount } errors { code } } }"
STOCK = "query($id: ID!) { product(id: $id) { stock } }"
BALANCE = "{ myWallet { balance { amount } } }"
# What a storefront asks after buying: the order with its lines (names from catalog), the delivery
# (delivery subgraph) and the buyer (users): the gateway fans out to four subgraphs.
PLACE_FULL = """mutation($k: String!, $d: DeliveryInput!) { placeOrder(input: {idempotencyKey: $k, delivery: $d}) {
  order { id status failureReason total { amount } items { productName quantity unitPrice { amount } product { id name } }
          delivery { status method pickupPoint { name } } user { id email } }
  errors { code field } } }"""
# Only fields the orders subgraph owns: the same request can go to the gateway or straight to orders.
PLACE_OWN = """mutation($k: String!, $d: DeliveryInput!) { placeOrder(input: {idempotencyKey: $k, delivery: $d}) {
  order { id status failureReason total { amount } } errors { code field } } }"""


@dataclass
class Sample:
    latency: float  # seconds, placeOrder only
    outcome: str
    order_id: str | None
    units: int
    started: float  # wall clock (time.time), for the timeline against PostgreSQL's clock
    ended: float


@dataclass
class Fixture:
    product_id: str
    stock: int
    top_up: Decimal
    tokens: list[str]
    user_ids: list[str]
    delivery: dict[str, str]


@dataclass
class Run:
    """One scenario's measured samples (after its warm-up)."""

    name: str
    samples: list[Sample]
    duration: float
    warmup: list[Sample] = field(default_factory=list)
    foreign_cores: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)


async def gql(http: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(url, json={"query": query, "variables": variables or {}}, headers=headers)
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise RuntimeError(f"{query[:60]}…: {body['errors']}")
    return body["data"]


async def setup(settings: Settings, gateway: str, customers: int, stock: int, top_up: Decimal) -> Fixture:
    """An admin product with `stock` units at 1.00, and `customers` customers with `top_up` each."""
    async with httpx.AsyncClient(timeout=60) as http:
        login = (await gql(http, gateway, LOGIN, {"e": settings.admin_email, "p": settings.admin_password}))["login"]
        admin = login["accessToken"]
        slug = f"bench-{uuid.uuid4().hex[:8]}"
        category = (await gql(http, gateway, CATEGORY, {"n": slug.title(), "s": slug}, admin))["createCategory"]["category"]["id"]
        made = (await gql(http, gateway, PRODUCT, {"i": {
            "name": f"Bench kettle {slug}", "description": "A kettle bought by the benchmark.", "price": str(PRICE),
            "categoryId": category, "stock": stock,
        }}, admin))["createProduct"]
        assert made["errors"] == [], made
        point = (await gql(http, gateway, PICKUP_POINTS))["pickupPoints"][0]["id"]

        async def customer(n: int) -> tuple[str, str]:
            registered = (await gql(http, gateway, REGISTER, {"e": f"bench-{uuid.uuid4().hex[:12]}@example.com"}))["register"]
            assert registered["errors"] == [], registered
            token = registered["accessToken"]
            paid = (await gql(http, gateway, TOP_UP, {"a": str(top_up), "k": uuid.uuid4().hex}, token))["topUpWallet"]
            assert paid["errors"] == [], paid
            return token, registered["user"]["id"]

        people = await asyncio.gather(*(customer(n) for n in range(customers)))
    return Fixture(made["product"]["id"], stock, top_up, [t for t, _ in people], [u for _, u in people],
                   {"method": "PICKUP", "pickupPointId": point})


def outcome_of(response: httpx.Response) -> tuple[str, str | None, int]:
    """(outcome, order id, units bought) of one placeOrder answer."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}", None, 0
    body = response.json()
    if body.get("errors"):
        code = (body["errors"][0].get("extensions") or {}).get("code", "?")
        return f"GraphQL error {code}", None, 0
    payload = body["data"]["placeOrder"]
    order = payload.get("order")
    if order is None:
        return "no order: " + ",".join(e["code"] for e in payload["errors"]), None, 0
    status = order["status"] if not order.get("failureReason") else f"{order['status']} {order['failureReason']}"
    return status, order["id"], int(Decimal(order["total"]["amount"]) / PRICE)


async def drive(endpoint: str, fixture: Fixture, place: str, duration: float) -> list[Sample]:
    """One virtual user per customer, each looping { addToCart 1; placeOrder } until the deadline."""
    samples: list[Sample] = []
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=len(fixture.tokens), max_keepalive_connections=len(fixture.tokens))

    async def user(http: httpx.AsyncClient, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        while time.perf_counter() < deadline:
            try:
                added = await http.post(endpoint, json={"query": ADD, "variables": {"p": fixture.product_id}}, headers=headers)
                body = added.json()
                if added.status_code != 200 or body.get("errors") or body["data"]["addToCart"]["errors"]:
                    samples.append(Sample(0.0, f"addToCart failed: {str(body)[:120]}", None, 0, time.time(), time.time()))
                    await asyncio.sleep(0.1)
                    continue
                variables = {"k": uuid.uuid4().hex, "d": fixture.delivery}
                wall, started = time.time(), time.perf_counter()
                response = await http.post(endpoint, json={"query": place, "variables": variables}, headers=headers)
                latency = time.perf_counter() - started
                outcome, order_id, units = outcome_of(response)
                samples.append(Sample(latency, outcome, order_id, units, wall, time.time()))
            except httpx.HTTPError as error:
                samples.append(Sample(0.0, f"transport error {type(error).__name__}", None, 0, time.time(), time.time()))
                await asyncio.sleep(0.1)

    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        await asyncio.gather(*(user(http, token) for token in fixture.tokens))
    return samples


def _cpu_table() -> dict[int, tuple[int, int, str]]:
    """pid → (parent pid, CPU ticks used, command line) of every process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), cmdline)
    return table


def _ours(table: dict[int, tuple[int, int, str]]) -> set[int]:
    """This process, the embedded PostgreSQL of .data/bench-orders, and everything they started."""
    roots = {os.getpid(), *(pid for pid, (_, _, cmd) in table.items() if str(DATA) in cmd)}
    ours, grew = set(roots), True
    while grew:
        more = {pid for pid, (parent, _, _) in table.items() if parent in ours} - ours
        ours |= more
        grew = bool(more)
    return ours


def _group(pid: int, table: dict[int, tuple[int, int, str]], ours: set[int]) -> str:
    """Which piece a process belongs to: a subgraph, the gateway, PostgreSQL, the load generator, wrk, or others."""
    if pid not in ours:
        return "other processes"
    seen = pid
    while seen in table:
        cmd = table[seen][2]
        if seen == os.getpid():
            return "load generator (this process)" if seen == pid else "wrk/py-spy"
        if "subgraphs." in cmd and ".app:app" in cmd:
            return cmd.split("subgraphs.", 1)[1].split(".app:app", 1)[0]
        if "hive-gateway" in cmd:
            return "gateway (node)"
        if str(DATA) in cmd:
            return "postgres"
        seen = table[seen][0]
    return "other processes"


class ForeignCpu:
    """Cores used while a scenario runs, per piece; `cores` is what processes not of this benchmark used (tests, builds…)."""

    def __enter__(self) -> ForeignCpu:
        self.started, self.before = time.monotonic(), _cpu_table()
        self.cores, self.split = 0.0, {}
        return self

    def __exit__(self, *exc: object) -> None:
        after = _cpu_table()
        elapsed = time.monotonic() - self.started
        ours = _ours(after) | _ours(self.before)
        split: Counter[str] = Counter()
        for pid, (_, ticks, _) in after.items():
            used = ticks - self.before[pid][1] if pid in self.before else ticks
            if used > 0:
                split[_group(pid, after, ours)] += used / os.sysconf("SC_CLK_TCK") / elapsed
        self.split = dict(split.most_common())
        self.cores = split.get("other processes", 0.0)


async def wait_quiet(limit: float, patience: float) -> float:
    """Waits (at most `patience` seconds) until other processes use under `limit` cores; returns the last reading."""
    deadline = time.monotonic() + patience
    while True:
        with ForeignCpu() as foreign:
            await asyncio.sleep(3)
        if foreign.cores < limit or time.monotonic() > deadline:
            return foreign.cores
        console.print(f"  waiting: other processes use {foreign.cores:.2f} cores")


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def settle(url: str, user_ids: list[str], timeout: float = 120.0) -> int:
    """Waits until every order of these customers has finished its saga; returns how many had not at first."""
    conn = await _connect(url)
    try:
        first = None
        deadline = time.monotonic() + timeout
        while True:
            open_ = await conn.fetchval(
                "SELECT count(*) FROM orders.orders WHERE user_id = ANY($1::uuid[]) AND saga <> 'DONE'", user_ids
            )
            first = open_ if first is None else first
            if open_ == 0 or time.monotonic() > deadline:
                return first
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def verify(url: str, gateway: str, fixture: Fixture, answered: list[Sample]) -> dict[str, Any]:
    """Stock, wallets and order rows against each other and against what the clients were answered.

    The final state is the database's: an order answered PENDING finishes its saga afterwards.
    """
    async with httpx.AsyncClient(timeout=30) as http:
        stock = int((await gql(http, gateway, STOCK, {"id": fixture.product_id}))["product"]["stock"])
        balances = [Decimal((await gql(http, gateway, BALANCE, token=t))["myWallet"]["balance"]["amount"]) for t in fixture.tokens]
    conn = await _connect(url)
    try:
        orders = {r["id"]: r for r in await conn.fetch(
            "SELECT o.id::text AS id, o.status, o.total, (SELECT sum(quantity) FROM orders.order_items i WHERE i.order_id = o.id) AS units "
            "FROM orders.orders o WHERE o.user_id = ANY($1::uuid[])", fixture.user_ids
        )}
        product = await conn.fetchrow("SELECT on_hand, reserved FROM catalog.products WHERE id = $1::uuid", fixture.product_id)
        ledger = dict(await conn.fetch(
            "SELECT t.kind, sum(t.amount) FROM wallet.transactions t JOIN wallet.wallets w ON w.id = t.wallet_id "
            "WHERE w.user_id = ANY($1::uuid[]) AND t.kind <> 'TOP_UP' GROUP BY t.kind", fixture.user_ids
        ))
    finally:
        await conn.close()
    confirmed = [o for o in orders.values() if o["status"] == "CONFIRMED"]
    units = sum(int(o["units"]) for o in confirmed)
    spent = sum((o["total"] for o in confirmed), start=Decimal(0))
    seen = {s.order_id for s in answered if s.order_id}
    said_confirmed = {s.order_id for s in answered if s.outcome == "CONFIRMED"}
    final = Counter(o["status"] for o in orders.values())
    facts = {
        "orders in db = distinct orders answered": (len(orders), len(seen)),
        "every order finally CONFIRMED": (dict(final), {"CONFIRMED": len(orders)}),
        "answered CONFIRMED and CONFIRMED in db": (sum(1 for i in said_confirmed if orders.get(i, {}).get("status") == "CONFIRMED"), len(said_confirmed)),
        "stock (gateway) = initial − units of CONFIRMED": (stock, fixture.stock - units),
        "on_hand, reserved (db)": ((product["on_hand"], product["reserved"]), (fixture.stock - units, 0)),
        "sum of balances (gateway) = top-ups − CONFIRMED totals": (sum(balances), fixture.top_up * len(fixture.tokens) - spent),
        "PAYMENT rows = CONFIRMED totals": (ledger.get("PAYMENT", Decimal(0)), spent),
        "REFUND rows": (ledger.get("REFUND", Decimal(0)), Decimal(0)),
    }
    return {name: {"got": str(got), "expected": str(want), "ok": got == want} for name, (got, want) in facts.items()}


async def timeline(url: str, samples: list[Sample]) -> dict[str, list[float]]:
    """Where each CONFIRMED order's time went, from the saga's own timestamps (same host clock)."""
    ids = [s.order_id for s in samples if s.outcome == "CONFIRMED" and s.order_id]
    conn = await _connect(url)
    try:
        rows = await conn.fetch(
            """SELECT o.id::text AS id, extract(epoch FROM o.created_at) AS created,
                 extract(epoch FROM max(s.updated_at) FILTER (WHERE s.step = 'reserve')) AS reserve,
                 extract(epoch FROM max(s.updated_at) FILTER (WHERE s.step = 'charge')) AS charge,
                 extract(epoch FROM max(s.updated_at) FILTER (WHERE s.step = 'deliver')) AS deliver,
                 extract(epoch FROM max(s.updated_at) FILTER (WHERE s.step = 'commit')) AS commit,
                 (SELECT extract(epoch FROM h.at) FROM orders.order_status_history h
                   WHERE h.order_id = o.id AND h.status = 'CONFIRMED' LIMIT 1) AS confirmed
               FROM orders.orders o JOIN orders.saga_steps s ON s.order_id = o.id
               WHERE o.id = ANY($1::uuid[]) GROUP BY o.id""",
            ids,
        )
    finally:
        await conn.close()
    by_id = {r["id"]: r for r in rows}
    parts: dict[str, list[float]] = {k: [] for k in (
        "request in → order row (auth, pickup point check, cart + product lookups, insert)",
        "reserve stock (catalog)", "charge wallet (wallet)", "queue delivery (delivery)", "commit stock (catalog)",
        "CONFIRMED (status, outbox, empty cart)",
        "CONFIRMED → answer at the client (wake-up, read back, fields, entity fetches, response)")}
    names = list(parts)
    for s in samples:
        r = by_id.get(s.order_id or "")
        if r is None or r["confirmed"] is None:
            continue
        points = [s.started, r["created"], r["reserve"], r["charge"], r["deliver"], r["commit"], r["confirmed"], s.ended]
        for name, (a, b) in zip(names, zip(points, points[1:], strict=False), strict=True):
            parts[name].append((float(b) - float(a)) * 1000)
    return parts


def summary(run: Run) -> dict[str, Any]:
    placed = [s for s in run.samples if s.order_id]
    latencies = [s.latency * 1000 for s in placed]
    outcomes = Counter(s.outcome for s in run.samples)
    return {
        "scenario": run.name, "orders": len(placed), "orders_per_s": len(placed) / run.duration,
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
        "max": max(latencies, default=float("nan")), "outcomes": dict(outcomes), "foreign_cores": run.foreign_cores,
        "cpu": run.cpu,
    }


async def profile(stack: Stack, gateway: str, fixture: Fixture, seconds: float, out: Path) -> tuple[dict[str, str], list[Sample]]:
    """py-spy on the orders, catalog and wallet processes while the gateway scenario runs (numbers not kept)."""
    spy = shutil.which("py-spy")
    if spy is None:
        console.print("[yellow]py-spy is not on PATH: no profile[/]")
        return {}, []
    out.mkdir(parents=True, exist_ok=True)
    recorders = {}
    for name in ("orders", "catalog", "wallet", "delivery", "users"):
        pid = stack.processes[name].pid
        target = out / f"{name}.txt"
        recorders[name] = subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--subprocesses", "--duration", str(int(seconds)), "--rate", "200",
             "--format", "raw", "--output", str(target), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    await asyncio.sleep(1.0)
    samples = await drive(gateway, fixture, PLACE_FULL, seconds - 2)
    for process in recorders.values():
        await asyncio.to_thread(process.wait, 60)
    return {name: str(out / f"{name}.txt") for name in recorders}, samples


async def shoppers(gateway: str, count: int) -> list[str]:
    """Access tokens of `count` new customers, for requests that differ only in who asks."""
    async with httpx.AsyncClient(timeout=60) as http:
        async def one() -> str:
            registered = (await gql(http, gateway, REGISTER, {"e": f"shopper-{uuid.uuid4().hex[:12]}@example.com"}))["register"]
            assert registered["errors"] == [], registered
            return str(registered["accessToken"])

        return list(await asyncio.gather(*(one() for _ in range(count))))


def check_signed_in(endpoint: str, variables: dict[str, Any], tokens: list[str]) -> None:
    for token in (tokens[0], tokens[-1]):
        body = httpx.post(endpoint, json={"query": PAGE, "variables": variables}, headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        assert not body.get("errors") and body["data"]["products"]["edges"], body


def run_wrk_signed_in(endpoint: str, variables: dict[str, Any], tokens: list[str], duration: int, connections: int) -> tuple[float, float, float, int]:
    """bench/catalog.py's request, each one signed in as the next of `tokens` (a Lua `request` function).

    The gateway's HTTP executor merges identical in-flight subgraph queries (`deduplicateInflightRequests`,
    on by default; the key is URL, body and the forwarded headers), so 10 connections repeating one
    anonymous body mostly measure that merge. A different caller per request in flight defeats it.
    """
    body = json.dumps({"query": PAGE, "variables": variables})
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f"body = {json.dumps(body)}\ntokens = {{\n")
        script.write(",\n".join(json.dumps(t) for t in tokens))
        script.write('\n}\ni = 0\nrequest = function()\n  i = i % #tokens + 1\n'
                     '  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[i]}, body)\nend\n')
        script.write('done = function(summary, latency, requests)\n'
                     '  io.write(string.format("RESULT %f %f %f %d\\n", summary.requests / (summary.duration / 1e6), '
                     'latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.timeout))\nend\n')
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script.name, endpoint],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    match = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+)", out)
    assert match, out
    rps, p50, p99, errors = match.groups()
    return float(rps), float(p50), float(p99), int(errors)


async def catalog_compare(url: str, gateway: str, endpoints: list[tuple[str, str, bool]], args: argparse.Namespace) -> list[dict[str, Any]]:
    """bench/catalog.py's scenarios (its cursor, words and checks, facts read from this stack's database), per endpoint.

    `endpoints`: (label, URL, signed in?). Anonymous, the request is exactly bench/catalog.py's; signed in,
    the same body with each request in flight from another of 64 customers.
    """
    facts = await _facts(url)
    tokens = await shoppers(gateway, 64)
    tool = "wrk" if shutil.which("wrk") else "python"
    rows = []
    for scenario, variables in scenarios(facts).items():
        row: dict[str, Any] = {"scenario": scenario}
        for label, endpoint, distinct in endpoints:
            if distinct and tool != "wrk":
                continue
            if distinct:
                await asyncio.to_thread(check_signed_in, endpoint, variables, tokens)
            else:
                await asyncio.to_thread(check, endpoint, variables)
            await wait_quiet(args.quiet_below, args.patience)
            with ForeignCpu() as foreign:
                if distinct:
                    measured = await asyncio.to_thread(run_wrk_signed_in, endpoint, variables, tokens, args.catalog_duration, args.catalog_connections)
                elif tool == "wrk":
                    measured = await asyncio.to_thread(run_wrk, endpoint, variables, args.catalog_duration, args.catalog_connections, 1)
                else:
                    measured = await _python_load(endpoint, variables, args.catalog_duration, args.catalog_connections)
            row[label] = (*measured, foreign.cores, foreign.split)
            console.print(f"catalog {label}: {scenario}: {measured[0]:.0f} req/s, p50 {measured[1]:.1f} ms, p99 {measured[2]:.1f} ms, "
                          f"other load {foreign.cores:.2f} cores, catalog {foreign.split.get('catalog', 0):.2f} cores")
        rows.append(row)
    return [{"count": facts["count"], "tool": tool, "labels": [e[0] for e in endpoints]}, *rows]


async def bench_stack(settings: Settings, url: str, workers: int, args: argparse.Namespace, catalog: bool) -> dict[str, Any]:
    started = time.monotonic()
    async with Stack(settings, url, workers=workers, quiet=True) as stack:
        console.print(f"[bold]workers {workers}[/]: stack up in {time.monotonic() - started:.1f} s")
        gateway = f"{settings.url('gateway')}/graphql"
        direct = f"{settings.url('orders')}/graphql"
        fixture = await setup(settings, gateway, args.concurrency, args.stock, Decimal(args.top_up))
        plan = [("gateway, full selection (4 subgraphs)", gateway, PLACE_FULL),
                ("gateway, orders-only selection", gateway, PLACE_OWN),
                ("direct to orders, orders-only selection", direct, PLACE_OWN)]
        if args.only_gateway:
            plan = plan[:1]
        runs: list[Run] = []
        for name, endpoint, place in plan:
            await wait_quiet(args.quiet_below, args.patience)
            warm = await drive(endpoint, fixture, place, args.warmup)
            with ForeignCpu() as foreign:
                samples = await drive(endpoint, fixture, place, args.duration)
            runs.append(Run(name, samples, args.duration, warm, foreign.cores, foreign.split))
            s = summary(runs[-1])
            console.print(f"  {name}: {s['orders_per_s']:.1f} orders/s, p50 {s['p50']:.0f} ms, p95 {s['p95']:.0f} ms, "
                          f"p99 {s['p99']:.0f} ms, {s['outcomes']}")
        profiled, extra = await profile(stack, gateway, fixture, args.profile, DATA / f"profile-w{workers}") if args.profile else ({}, [])
        unsettled = await settle(url, fixture.user_ids)
        everything = [s for r in runs for s in (*r.warmup, *r.samples)] + extra
        outcomes = Counter(s.outcome for s in everything)
        checks = await verify(url, gateway, fixture, everything)
        parts = {run.name: await timeline(url, run.samples) for run in runs}
        result: dict[str, Any] = {
            "workers": workers, "runs": [summary(r) for r in runs], "checks": checks, "unsettled_at_end": unsettled,
            "timeline": {name: {k: {"p50": percentile(v, 50), "p95": percentile(v, 95), "n": len(v)} for k, v in part.items()}
                         for name, part in parts.items()},
            "all_outcomes": dict(outcomes), "profile": profiled, "dead": stack.dead(),
        }
        if catalog:
            direct_catalog = f"{settings.url('catalog')}/graphql"
            result["catalog"] = await catalog_compare(url, gateway, [
                ("gateway, anonymous (bench/catalog.py)", gateway, False),
                ("gateway, 64 signed-in callers", gateway, True),
                ("direct, anonymous (bench/catalog.py)", direct_catalog, False),
                ("direct, 64 signed-in callers", direct_catalog, True),
            ], args)
        return result


def _package(frame: str) -> str:
    """`f (sqlalchemy/orm/session.py:12)` → `sqlalchemy`; the event loop's own frame → `event loop (uvloop)`."""
    where = frame.rsplit(" (", 1)[-1]
    path = where.split(":")[0]
    if path.startswith("asyncio/runners.py") or path.startswith("uvicorn/_compat.py"):
        return "event loop (uvloop, C)"
    top = path.split("/")[0]
    return top if "/" in path else f"stdlib {top}"


def profile_summary(path: Path, top: int = 10) -> str:
    """A py-spy raw profile by library: where the leaf frame is (self) and where any frame is (inclusive)."""
    own: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")[1:]
        n = int(count)
        total += n
        if frames:
            own[_package(frames[-1])] += n
        for package in {_package(f) for f in frames}:
            inside[package] += n
    lines = [f"{total} busy samples at 200 Hz\n", "| library (leaf frame) | self % | inside it (any frame) % |", "|---|---:|---:|"]
    for package, count in own.most_common(top):
        lines.append(f"| {package} | {100 * count / total:.0f} | {100 * inside[package] / total:.0f} |")
    return "\n".join(lines)


def revision() -> str:
    """The commit measured (the tree may move under a long run: subgraphs import their code at start)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "subgraphs", "shop", "router"], cwd=ROOT, capture_output=True, text=True).stdout
    return f"{head}{' + uncommitted changes' if dirty.strip() else ''}"


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\ncommit {revision()}; {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"\nplaceOrder: {args.concurrency} virtual users (one customer each), {args.duration} s after {args.warmup} s warm-up\n")
    print("| workers | scenario | orders | orders/s | p50 ms | p95 ms | p99 ms | max ms | outcomes | other load (cores) |\n"
          "|---:|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for result in results:
        for r in result["runs"]:
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items()))
            print(f"| {result['workers']} | {r['scenario']} | {r['orders']} | {r['orders_per_s']:.1f} | {r['p50']:.0f} | "
                  f"{r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} | {outcomes} | {r['foreign_cores']:.2f} |")
    pieces = sorted({k for result in results for r in result["runs"] for k in r["cpu"]})
    print("\nCPU while measuring, in cores (2 on this machine)\n")
    print("| workers | scenario | " + " | ".join(pieces) + " |\n|---:|---|" + "---:|" * len(pieces))
    for result in results:
        for r in result["runs"]:
            print(f"| {result['workers']} | {r['scenario']} | " + " | ".join(f"{r['cpu'].get(k, 0):.2f}" for k in pieces) + " |")
    for result in results:
        for name, path in result["profile"].items():
            if Path(path).exists():
                print(f"\nworkers {result['workers']}: py-spy, {name} subgraph, share of its busy samples\n")
                print(profile_summary(Path(path)))
    for result in results:
        print(f"\nworkers {result['workers']}: where a CONFIRMED order's time goes, ms (p50 / p95 per segment; client and PostgreSQL clocks)\n")
        names = list(result["timeline"])
        print("| segment | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
        for segment in next(iter(result["timeline"].values())):
            cells = [f"{result['timeline'][n][segment]['p50']:.0f} / {result['timeline'][n][segment]['p95']:.0f}" for n in names]
            print(f"| {segment} | " + " | ".join(cells) + " |")
        print(f"\nworkers {result['workers']}: checks (all orders of the run, warm-ups included; "
              f"{result['unsettled_at_end']} sagas unfinished when the load stopped; dead processes: {result['dead'] or 'none'})\n")
        print("| check | got | expected | ok |\n|---|---|---|---|")
        for name, c in result["checks"].items():
            print(f"| {name} | {c['got']} | {c['expected']} | {'yes' if c['ok'] else '**NO**'} |")
        if "catalog" in result:
            meta, *rows = result["catalog"]
            print(f"\nworkers {result['workers']}: catalog, {meta['count']:,} products, {meta['tool']}, "
                  f"{args.catalog_connections} connections, {args.catalog_duration} s each; cores = the catalog subgraph's CPU\n")
            labels = [label for label in meta["labels"] if any(label in row for row in rows)]
            print("| scenario | endpoint, requests | req/s | p50 ms | p99 ms | errors | catalog cores | gateway cores | other load |")
            print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
            for row in rows:
                for label in labels:
                    m = row[label]
                    print(f"| {row['scenario']} | {label} | {m[0]:,.0f} | {m[1]:.1f} | {m[2]:.1f} | {m[3]} | "
                          f"{m[5].get('catalog', 0):.2f} | {m[5].get('gateway (node)', 0):.2f} | {m[4]:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="uvicorn workers per subgraph; several values: one stack each")
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each scenario")
    parser.add_argument("--concurrency", type=int, default=10, help="virtual users, one customer each")
    parser.add_argument("--stock", type=int, default=1_000_000)
    parser.add_argument("--top-up", default="100000.00", help="each customer's wallet")
    parser.add_argument("--port-base", type=int, default=17000)
    parser.add_argument("--only-gateway", action="store_true", help="only the gateway, full selection scenario")
    parser.add_argument("--profile", type=float, default=0, help="seconds of an extra gateway run under py-spy (not measured)")
    parser.add_argument("--catalog-products", type=int, default=0, help="seed the catalog up to N products and compare gateway vs direct")
    parser.add_argument("--catalog-duration", type=int, default=10)
    parser.add_argument("--catalog-connections", type=int, default=10)
    parser.add_argument("--quiet-below", type=float, default=0.3, help="before each scenario, wait until other processes use fewer cores")
    parser.add_argument("--patience", type=float, default=300, help="seconds to wait for that at most (then measure anyway)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    for port in range(args.port_base, args.port_base + 7):
        assert not (4000 <= port <= 4006 or 14000 <= port <= 14006), "ports 4000-4006 and 14000-14006 belong to make run and the tests"

    server, _handle = server_url(DATA)  # the handle keeps the embedded server up until this process exits
    url = ensure_database(server, DATABASE, fresh=True)
    migrate_all(url)
    settings = Settings(database_url=url, data_dir=DATA, port_base=args.port_base, admin_email="admin-bench@example.com")
    asyncio.run(prepare(settings, url))
    if args.catalog_products:
        have = asyncio.run(_facts(url))["count"]
        columns = (*Progress.get_default_columns()[:-1], MofNCompleteColumn(), TimeRemainingColumn())
        began = time.monotonic()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("Products", total=args.catalog_products - have)
            asyncio.run(seed_bulk(url, args.catalog_products - have, lambda done: progress.update(task, completed=done)))
        console.print(f"Seeded {args.catalog_products - have:,} products in {time.monotonic() - began:.0f} s.")
    results = []
    for n, workers in enumerate(args.workers):
        results.append(asyncio.run(bench_stack(settings, url, workers, args, catalog=bool(args.catalog_products) and n == len(args.workers) - 1)))
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    failed = [name for r in results for name, c in r["checks"].items() if not c["ok"]]
    with contextlib.suppress(Exception):
        console.print("[green]All checks passed.[/]" if not failed else f"[red]Checks failed: {failed}[/]")


if __name__ == "__main__":
    main()
