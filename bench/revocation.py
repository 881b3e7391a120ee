"""Revocation benchmark: how soon each subgraph refuses a logged-out token, and what the check costs.

    python -m bench.revocation --logouts 50 --duration 10

The whole store (`shop.stack.Stack`) on ports 16300-16306 against a fresh database
`shop_bench_revocation` (on DATABASE_URL's server, else an embedded PostgreSQL in
`.data/bench-revocation`). Part one: per logout, a new customer's token is seen accepted by every
subgraph, then logged out through the gateway; from the moment the logout is answered, each
subgraph (directly) and the gateway are polled until they refuse it; the delay is that first
refusal's arrival, so it includes one request's round trip. Part two: catalog pages asked by 64
signed-in customers (distinct tokens and page sizes), alternately of the stack's catalog (feed on)
and of a second catalog process with `SHOP_REVOCATION_FEED=false` (the code path before revocations
existed), rounds A B A B. Part three, in-process: the check itself (`RevocationFeed.check`) timed
over a million calls with 100,000 sessions revoked, against the same loop doing nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
import timeit
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from rich.console import Console

from bench.catalog import PAGE
from shop import SUBGRAPHS
from shop.cli import prepare
from shop.migrate import migrate_all
from shop.probes import PROBES
from shop.postgres import ensure_database, server_url
from shop.stack import Stack
from subgraphs.common.auth import Principal
from subgraphs.common.revocation import Revocation, RevocationFeed, RevocationsReply
from subgraphs.common.settings import ROOT, Settings

console = Console(stderr=True)
DATA = ROOT / ".data" / "bench-revocation"
DATABASE = "shop_bench_revocation"
REGISTER = 'mutation($e: String!) { register(input: {email: $e, password: "correct horse", displayName: "B"}) { accessToken errors { code } } }'


async def ask(http: httpx.AsyncClient, url: str, query: str, token: str | None, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: dict[str, Any] = (await http.post(url, json={"query": query, "variables": variables or {}}, headers=headers)).json()
    return body


def refused(body: dict[str, Any]) -> bool:
    errors = body.get("errors") or []
    return bool(errors) and errors[0].get("extensions", {}).get("code") == "UNAUTHENTICATED"


async def customer(http: httpx.AsyncClient, gateway: str) -> str:
    payload = (await ask(http, gateway, REGISTER, None, {"e": f"bench-{uuid.uuid4().hex[:12]}@example.com"}))["data"]["register"]
    assert payload["errors"] == [], payload
    return str(payload["accessToken"])


async def one_logout(http: httpx.AsyncClient, stack: Stack) -> dict[str, tuple[float, int]]:
    """Per target: seconds from the logout's answer to its first refusal, and the requests that took."""
    gateway = f"{stack.settings.url('gateway')}/graphql"
    targets = {name: (f"{stack.settings.url(name)}/graphql", PROBES[name]) for name in SUBGRAPHS}
    targets["gateway (catalog)"] = (gateway, PROBES["catalog"])
    token = await customer(http, gateway)
    for url, query in targets.values():
        assert not (await ask(http, url, query, token)).get("errors")
    assert (await ask(http, gateway, "mutation { logout }", token))["data"]["logout"] is True
    answered = time.perf_counter()

    async def until_refused(url: str, query: str) -> tuple[float, int]:
        for attempt in itertools.count(1):
            if refused(await ask(http, url, query, token)):
                return time.perf_counter() - answered, attempt
            if time.perf_counter() - answered > 30:
                raise TimeoutError(url)
            await asyncio.sleep(0.002)
        raise AssertionError("unreachable")

    delays = await asyncio.gather(*(until_refused(url, query) for url, query in targets.values()))
    return dict(zip(targets, delays, strict=True))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def load(url: str, tokens: list[str], duration: float, concurrency: int) -> dict[str, float]:
    """Signed-in catalog pages for `duration` seconds: requests/s, p50 and p99 in ms."""
    latencies: list[float] = []
    errors = 0
    sizes = itertools.cycle(range(10, 21))
    who = itertools.cycle(tokens)
    stop = time.perf_counter() + duration

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            began = time.perf_counter()
            body = await ask(http, url, PAGE, next(who), {"first": next(sizes)})
            latencies.append(time.perf_counter() - began)
            errors += bool(body.get("errors"))

    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return {"rps": len(latencies) / duration, "p50": pct(latencies, 50) * 1000, "p99": pct(latencies, 99) * 1000, "errors": errors}


async def run(settings: Settings, url: str, args: argparse.Namespace) -> None:
    async with Stack(settings, url, quiet=True) as stack, httpx.AsyncClient(timeout=120) as http:
        per_target: dict[str, list[tuple[float, int]]] = {}
        for n in range(args.logouts):
            for target, measured in (await one_logout(http, stack)).items():
                per_target.setdefault(target, []).append(measured)
            console.print(f"logout {n + 1}/{args.logouts}", end="\r")
        print(f"\nRevocation delay over {args.logouts} logouts (logout answered → first UNAUTHENTICATED arrives), ms:\n")
        print("| target | p50 | p99 | max | refused by the first request |\n|---|---:|---:|---:|---:|")
        for target, rows in per_target.items():
            delays = [d for d, _ in rows]
            first = sum(1 for _, attempts in rows if attempts == 1)
            print(f"| {target} | {pct(delays, 50) * 1000:.1f} | {pct(delays, 99) * 1000:.1f} | {max(delays) * 1000:.1f} | {first}/{len(rows)} |")

        gateway = f"{stack.settings.url('gateway')}/graphql"
        tokens = [await customer(http, gateway) for _ in range(64)]  # one at a time: password hashing is costly
        port = settings.port_base + 12
        await stack.replica("catalog", port, env={"SHOP_REVOCATION_FEED": "false"})
        with_feed = f"{stack.settings.url('catalog')}/graphql"
        without = f"http://{settings.host}:{port}/graphql"
        for endpoint in (with_feed, without):  # warm both
            await load(endpoint, tokens, 2, args.concurrency)
        rows = []
        for round_ in range(args.rounds):
            for label, endpoint in (("feed on", with_feed), ("feed off (before)", without)):
                rows.append((round_ + 1, label, await load(endpoint, tokens, args.duration, args.concurrency)))
        print(f"\nSigned-in catalog pages (64 tokens, page sizes 10-20, {args.concurrency} connections, {args.duration:.0f} s each):\n")
        print("| round | catalog | requests/s | p50 ms | p99 ms | errors |\n|---:|---|---:|---:|---:|---:|")
        for round_, label, r in rows:
            print(f"| {round_} | {label} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']:.0f} |")
        for label in ("feed on", "feed off (before)"):
            mine = [r for _, lab, r in rows if lab == label]
            print(f"mean {label}: {statistics.mean(r['rps'] for r in mine):.0f} req/s, p50 {statistics.mean(r['p50'] for r in mine):.1f} ms")


def check_cost(revoked: int = 100_000, calls: int = 1_000_000) -> tuple[float, float]:
    """Nanoseconds per `check` of a live session with `revoked` sessions known, and per empty call."""

    async def fetch(since: datetime | None) -> RevocationsReply:
        return RevocationsReply(revocations=[], as_of=datetime.now(UTC))

    async def measure() -> tuple[float, float]:
        feed = RevocationFeed(fetch, "", Settings())
        now = datetime.now(UTC)
        for _ in range(revoked):
            feed.record(Revocation(session_id=uuid.uuid4(), revoked_at=now))
        await feed.catch_up()  # in sync
        alive = Principal(user_id=uuid.uuid4(), roles=frozenset({"CUSTOMER"}), session_id=uuid.uuid4(), token_id="t")
        checked = min(timeit.repeat(lambda: feed.check(alive), number=calls, repeat=5)) / calls
        empty = min(timeit.repeat(lambda: None, number=calls, repeat=5)) / calls
        return checked * 1e9, empty * 1e9

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logouts", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10, help="seconds per load round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port-base", type=int, default=16300)
    parser.add_argument("--only-check", action="store_true", help="only part three (no stack)")
    args = parser.parse_args()
    checked, empty = check_cost()
    print(f"RevocationFeed.check, 100,000 sessions revoked: {checked:.0f} ns per call (an empty call: {empty:.0f} ns)")
    if args.only_check:
        return
    server, _handle = server_url(DATA)  # the handle keeps the embedded server up until this process exits
    url = ensure_database(server, DATABASE, fresh=True)
    migrate_all(url)
    settings = Settings(database_url=url, data_dir=DATA, port_base=args.port_base, admin_email="admin-bench@example.com")
    asyncio.run(prepare(settings, url))
    asyncio.run(run(settings, url, args))


if __name__ == "__main__":
    main()
