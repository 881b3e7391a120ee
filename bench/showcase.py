"""The showcase's read path against a plain endpoint, measured in the same run with distinct requests.

    python -m bench.showcase                       # 1M products (seeded once into shop_bench), writes bench/README.md
    python -m bench.showcase --profile 15          # also samples the uncached catalog with py-spy
    python -m bench.showcase --paths gateway       # the plain endpoint and the gateway lines only

Lines: first pages over 8 categories x 3 sorts (24 distinct requests) and 100 different deep keyset
pages, each against the plain Starlette + asyncpg + orjson endpoint (bench/plain.py, started here),
the catalog subgraph directly and the gateway of a `make run`-like stack, without and with the
response cache of anonymous reads. Ratios are to the plain endpoint's same line, whose figure is
the mean of a measurement before and one after the others (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from bench.catalog import PAGE, _connect, prepare, serve
from bench.load import Measured, run
from shop.cli import prepare as prepare_store
from shop.migrate import migrate_all
from shop.stack import Stack
from subgraphs.common.pagination import encode_cursor
from subgraphs.common.settings import ROOT, Settings

README = Path(__file__).parent / "README.md"
SORTS = ("NEWEST", "NAME", "PRICE_ASC")
START, END = "<!-- showcase:start -->", "<!-- showcase:end -->"


async def _facts(url: str) -> tuple[list[str], list[tuple[Any, Any]]]:
    """The 8 categories and 100 keyset positions spread over the first 100,000 products (newest first)."""
    conn = await _connect(url)
    try:
        categories = [str(r["id"]) for r in await conn.fetch("SELECT id FROM catalog.categories ORDER BY slug LIMIT 8")]
        deep = await conn.fetch(
            "SELECT created_at, id FROM (SELECT created_at, id, row_number() OVER (ORDER BY created_at DESC, id DESC) AS n "
            "FROM catalog.products WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 100000) s WHERE n % 1000 = 0"
        )
    finally:
        await conn.close()
    return categories, [(r["created_at"], r["id"]) for r in deep]


def graphql_bodies(categories: list[str], deep: list[tuple[Any, Any]]) -> dict[str, list[bytes]]:
    first = [{"first": 20, "filter": {"categoryId": c}, "sort": s} for c in categories for s in SORTS]
    pages = [{"first": 20, "after": encode_cursor(["NEWEST", "all", at, key])} for at, key in deep]
    return {line: [orjson.dumps({"query": PAGE, "variables": v}) for v in variables] for line, variables in (("first", first), ("deep", pages))}


def plain_bodies(categories: list[str], deep: list[tuple[Any, Any]]) -> dict[str, list[bytes]]:
    return {
        "first": [orjson.dumps({"category": c, "sort": s}) for c in categories for s in SORTS],
        "deep": [orjson.dumps({"after": [at.isoformat(), str(key)]}) for at, key in deep],
    }


def check(endpoint: str, bodies: list[bytes]) -> None:
    """Every request once (warming plans and pages): each must answer products, without errors."""
    for body in bodies:
        answer = httpx.post(endpoint, content=body, headers={"content-type": "application/json"}, timeout=60).json()
        assert not answer.get("errors") and answer["data"]["products"]["edges"], answer


@contextlib.contextmanager
def plain_endpoint(url: str, port: int, workers: int) -> Iterator[str]:
    command = [sys.executable, "-m", "uvicorn", "bench.plain:app", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url}, cwd=ROOT, start_new_session=True)
    try:
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"http://127.0.0.1:{port}/products", content=b'{"after": ["2000-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000000"]}', timeout=1)
                break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/products"
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def catalog(url: str, port: int, workers: int, cached: bool) -> Iterator[tuple[str, int]]:
    os.environ["SHOP_SHOWCASE_CACHE"] = "true" if cached else "false"
    process = serve(url, port, workers)
    try:
        yield f"http://127.0.0.1:{port}/graphql", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.asynccontextmanager
async def gateway(url: str, port_base: int, workers: int, cached: bool) -> Any:
    os.environ["SHOP_SHOWCASE_CACHE"] = "true" if cached else "false"
    settings = Settings(database_url=url, data_dir=ROOT / ".data" / "bench-showcase", port_base=port_base, admin_email="admin-bench@example.com")
    async with Stack(settings, url, workers=workers, quiet=True) as stack:
        yield f"{stack.settings.url('gateway')}/graphql", stack.processes["gateway"].pid


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (node behind its launcher)."""
    process = psutil.Process(pid)
    return sum(sum(p.cpu_times()[:2]) for p in (process, *process.children(recursive=True)))


def profile(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the process (and its uvicorn workers) into collapsed stacks."""
    command = [str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses", "--format", "raw", "--rate", "200",
               "--duration", str(seconds), "--pid", str(pid), "--output", str(out), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize(raw: Path, top: int = 20) -> str:
    """The functions where samples were taken (self time), as a share of all samples."""
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frame = stack.split(";")[-1]
        own[re.sub(r" \((/.*/)?(site-packages/)?", " (", frame)] += int(count)
        total += int(count)
    rows = [f"| {100 * n / total:.1f}% | `{frame}` |" for frame, n in own.most_common(top)]
    return "| self | function (file:line) |\n|---:|---|\n" + "\n".join(rows)


def measure(name: str, endpoint: str, bodies: list[bytes], args: argparse.Namespace) -> Measured:
    result = asyncio.run(run(endpoint, bodies, args.duration, args.connections))
    print(f"{name}: {result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.errors} errors", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per line")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the plain endpoint and of each subgraph")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("SHOP_BENCH_PORT_BASE", "17000")))
    parser.add_argument("--profile", type=int, default=0, help="seconds of py-spy on the uncached catalog (0: none)")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument("--paths", default="direct,gateway", help="which of direct, gateway to measure beside the plain endpoint")
    args = parser.parse_args()

    url, _handle = prepare(args.products)
    categories, deep = asyncio.run(_facts(url))
    gql, plain = graphql_bodies(categories, deep), plain_bodies(categories, deep)
    results: dict[tuple[str, str], Measured] = {}
    profiled = ""
    with plain_endpoint(url, args.port_base + 90, args.workers) as endpoint:
        for line in ("first", "deep"):
            results["plain", line] = measure(f"plain {line}", endpoint, plain[line], args)
        for cached in (False, True) if "direct" in args.paths else ():
            path = "direct, cached" if cached else "direct"
            with catalog(url, args.port_base + 91 + cached, args.workers, cached) as (graphql, pid):
                for line in ("first", "deep"):
                    check(graphql, gql[line])
                    spy = profile(pid, args.profile, ROOT / ".data" / "showcase.raw") if args.profile and not cached and line == "first" else None
                    results[path, line] = measure(f"{path} {line}", graphql, gql[line], args)
                    if spy is not None:
                        spy.wait(timeout=args.profile + 60)
                        profiled = summarize(ROOT / ".data" / "showcase.raw")
        migrate_all(url)
        settings = Settings(database_url=url, data_dir=ROOT / ".data" / "bench-showcase", port_base=args.port_base, admin_email="admin-bench@example.com")
        asyncio.run(prepare_store(settings, url))
        for cached in (False, True) if "gateway" in args.paths else ():
            path = "gateway, cached" if cached else "gateway"

            async def through_gateway() -> None:
                async with gateway(url, args.port_base, args.workers, cached) as (graphql, pid):
                    for line in ("first", "deep"):
                        await asyncio.to_thread(check, graphql, gql[line])
                        used = cpu_seconds(pid)
                        results[path, line] = await run(graphql, gql[line], args.duration, args.connections)
                        r, busy = results[path, line], (cpu_seconds(pid) - used) / args.duration
                        print(f"{path} {line}: {r.requests_per_s:,.0f} req/s, p50 {r.p50_ms:.1f} ms, gateway CPU {100 * busy:.0f}% of a core", flush=True)

            asyncio.run(through_gateway())
        for line in ("first", "deep"):
            again = measure(f"plain {line} (again)", endpoint, plain[line], args)
            before = results["plain", line]
            results["plain", line] = Measured((before.requests_per_s + again.requests_per_s) / 2, (before.p50_ms + again.p50_ms) / 2,
                                              max(before.p99_ms, again.p99_ms), before.errors + again.errors)
    table = render(results, args, profiled)
    print(table)
    if not args.no_readme:
        write_readme(table)


def render(results: dict[tuple[str, str], Measured], args: argparse.Namespace, profiled: str) -> str:
    names = {"first": "first pages, 8 categories x 3 sorts (24 distinct)", "deep": "100 different deep pages (keyset, NEWEST)"}
    rows = ["| line | path | requests/s | p50 ms | p99 ms | vs plain endpoint |", "|---|---|---:|---:|---:|---:|"]
    for line in ("first", "deep"):
        base = results["plain", line].requests_per_s
        for path in ("plain", "direct", "direct, cached", "gateway", "gateway, cached"):
            if (path, line) not in results:
                continue
            r = results[path, line]
            rows.append(f"| {names[line]} | {path} | {r.requests_per_s:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.requests_per_s / base:.3f}x |")
    load = os.getloadavg()
    text = "\n".join(rows) + (
        f"\n\n{args.products:,} products; {args.connections} connections, {args.duration:g} s a line, {args.workers} uvicorn worker(s) each;"
        f" load average at the end {load[0]:.1f} on {os.cpu_count()} cores (shared). Command: `python -m bench.showcase`.\n"
    )
    if profiled:
        text += f"\nWhere the uncached catalog spent its time (py-spy, direct first pages):\n\n{profiled}\n"
    return text


def write_readme(table: str) -> None:
    readme = README.read_text()
    section = f"{START}\n## Showcase read path (bench/showcase.py)\n\n{table}{END}"
    if START in readme:
        readme = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: section, readme, flags=re.S)
    else:
        readme = readme.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(readme)


if __name__ == "__main__":
    main()
