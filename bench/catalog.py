"""Catalog benchmark: N products, the subgraph under uvicorn, wrk (or a Python load generator) per scenario.

    python -m bench.catalog --products 1000000                  # seed if needed, serve, measure
    python -m bench.catalog --url http://127.0.0.1:4000/graphql  # measure a running gateway instead

The database is `shop_bench` on DATABASE_URL's server, or on an embedded server in `.data/bench`.
Seeding is skipped when it already holds at least N products. Results print as a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeRemainingColumn
from sqlalchemy.engine import make_url

from shop.postgres import ensure_database, server_url
from subgraphs.catalog.seed import seed_bulk
from subgraphs.common.migrations import upgrade
from subgraphs.common.pagination import encode_cursor
from subgraphs.common.settings import ROOT

from . import serving

console = Console()
PAGE = "query($first: Int, $after: String, $filter: ProductFilter, $sort: ProductSort) { products(first: $first, after: $after, filter: $filter, sort: $sort) { edges { cursor node { id name price { amount currency } stock category { id name } } } pageInfo { hasNextPage endCursor } } }"


@dataclass
class Result:
    scenario: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


async def _connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        user=parsed.username, password=parsed.password or None, host=parsed.query.get("host") or parsed.host,
        port=parsed.port, database=parsed.database,
    )


async def _facts(url: str) -> dict[str, Any]:
    """Product count, the cursor of row 100,000 (page 5,000 of 20), and a rare word."""
    conn = await _connect(url)
    try:
        count = await conn.fetchval("SELECT count(*) FROM catalog.products WHERE deleted_at IS NULL")
        deep = await conn.fetchrow(
            "SELECT created_at, id FROM catalog.products WHERE deleted_at IS NULL "
            "ORDER BY created_at DESC, id DESC OFFSET 99999 LIMIT 1"
        )
        # Bulk English names are "<Brand> <Series> ...": a series names a few dozen products.
        name = await conn.fetchval("SELECT name FROM catalog.products WHERE name ~ '^[A-Z][a-z]+ [A-Z][a-z]{5,} [a-z]' LIMIT 1")
        rare = name.split()[1] if name else "thermos"
        hits = await conn.fetchval(
            "SELECT count(*) FROM catalog.products WHERE search_tsv @@ websearch_to_tsquery('russian', $1)", rare
        )
        common = await conn.fetchval(
            "SELECT count(*) FROM catalog.products WHERE search_tsv @@ websearch_to_tsquery('russian', 'wireless')"
        )
    finally:
        await conn.close()
    return {"count": count, "deep": deep, "rare": rare, "rare_hits": hits, "common_hits": common}


def prepare(products: int) -> tuple[str, Any]:
    """The benchmark database, migrated and holding at least `products` products."""
    server, handle = server_url(ROOT / ".data" / "bench")
    url = ensure_database(server, "shop_bench")
    upgrade("catalog", url)
    have = asyncio.run(_facts(url))["count"]
    if have < products:
        columns = (*Progress.get_default_columns()[:-1], MofNCompleteColumn(), TimeRemainingColumn())
        started = time.monotonic()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("Products", total=products - have)
            asyncio.run(seed_bulk(url, products - have, lambda done: progress.update(task, completed=done)))
        console.print(f"Seeded {products - have:,} products in {time.monotonic() - started:.0f} s.")
    return url, handle


def scenarios(facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deep = encode_cursor(["NEWEST", "all", facts["deep"]["created_at"], facts["deep"]["id"]])
    return {
        "first page (NEWEST)": {"first": 20},
        "page 5,000 (NEWEST, keyset)": {"first": 20, "after": deep},
        f"search, common word ({facts['common_hits']:,} hits)": {"first": 20, "filter": {"search": "wireless"}},
        f"search, rare word ({facts['rare_hits']} hits)": {"first": 20, "filter": {"search": facts["rare"]}},
        "search, typo (headphnes)": {"first": 20, "filter": {"search": "headphnes"}},
        "search + PRICE_ASC, common word": {"first": 20, "filter": {"search": "wireless"}, "sort": "PRICE_ASC"},
    }


def serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    # The catalog alone, asked anonymously: no users beside it to learn of ended sessions from, and none needed.
    return serving.serve("catalog", port, {"DATABASE_URL": url, "SHOP_REVOCATION_FEED": "false"}, workers=workers, attempts=100)


def check(endpoint: str, variables: dict[str, Any]) -> int:
    """One request, which must succeed with products: a benchmark of errors measures nothing."""
    body = httpx.post(endpoint, json={"query": PAGE, "variables": variables}, timeout=30).json()
    assert not body.get("errors"), body["errors"]
    edges = body["data"]["products"]["edges"]
    assert edges, f"no products for {variables}"
    return len(edges)


def run_wrk(endpoint: str, variables: dict[str, Any], duration: int, connections: int, threads: int) -> tuple[float, float, float, int]:
    body = json.dumps({"query": PAGE, "variables": variables})
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = {json.dumps(body)}\n')
        script.write('done = function(summary, latency, requests)\n'
                     '  io.write(string.format("RESULT %f %f %f %d\\n", summary.requests / (summary.duration / 1e6), '
                     'latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.timeout))\nend\n')
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script.name, endpoint],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    match = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+)", out)
    assert match, out
    rps, p50, p99, errors = match.groups()
    return float(rps), float(p50), float(p99), int(errors)


async def _python_load(endpoint: str, variables: dict[str, Any], duration: int, connections: int) -> tuple[float, float, float, int]:
    """A bounded asyncio load generator: `connections` clients in a loop for `duration` seconds."""
    latencies: list[float] = []
    errors = 0
    payload = {"query": PAGE, "variables": variables}
    deadline = time.perf_counter() + duration

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await http.post(endpoint, json=payload)
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as http:
        await asyncio.gather(*(client(http) for _ in range(connections)))
    quantiles = statistics.quantiles(latencies, n=100)
    return len(latencies) / duration, quantiles[49] * 1000, quantiles[98] * 1000, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000, help="products the database must hold")
    parser.add_argument("--url", help="benchmark this GraphQL endpoint (e.g. the gateway) instead of starting the subgraph")
    parser.add_argument("--port", type=int, default=15002)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()

    url, _handle = prepare(args.products)
    facts = asyncio.run(_facts(url))
    process = None if args.url else serve(url, args.port, args.workers)
    endpoint = args.url or f"http://127.0.0.1:{args.port}/graphql"
    tool = "wrk" if args.tool == "wrk" or (args.tool == "auto" and shutil.which("wrk")) else "python"
    results: list[Result] = []
    try:
        for name, variables in scenarios(facts).items():
            check(endpoint, variables)  # also warms the plan and the pages this scenario reads
            if tool == "wrk":
                measured = run_wrk(endpoint, variables, args.duration, args.connections, args.threads)
            else:
                measured = asyncio.run(_python_load(endpoint, variables, args.duration, args.connections))
            results.append(Result(name, *measured))
            console.print(f"{name}: {measured[0]:.0f} req/s, p50 {measured[1]:.1f} ms, p99 {measured[2]:.1f} ms")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    console.print(f"\n{facts['count']:,} products; {tool}, {args.connections} connections, {args.duration} s each; {endpoint}\n")
    print("| scenario | requests/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.scenario} | {r.requests_per_s:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} |")


if __name__ == "__main__":
    main()
