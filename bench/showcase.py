"""Every line of the showcase issue in one run, with its ratio and goal, written into bench/README.md.

    python -m bench.showcase                                 # 1M products (seeded once into shop_bench), all lines
    python -m bench.showcase --only listing --paths plain direct   # a quick subset
    python -m bench.showcase --profile 15                    # also py-spy on the uncached catalog

Listing lines (`listing`): first pages over 8 categories x 3 sorts (24 distinct requests) and 100
different deep keyset pages, against the plain Starlette + asyncpg + orjson endpoint (bench/plain.py,
started here), on each path: the catalog subgraph directly and the gateway of a `make run`-like stack,
without and with the response cache of anonymous reads. The plain endpoint's figure is the mean of a
measurement before and one after the others (the machine is shared). Every process gets the same
uvicorn workers (`make run`'s default, 1). The load generator is wrk with a Lua script handing each
connection the next body in turn (bench/load.py), the same for every path.
Search lines (`search`: common words by every sort, deep pages, typo recall and speed) and
`suggestions` (searchSuggestions p50, facets): bench/showcase_search.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from bench.catalog import PAGE, _connect, prepare, serve
from bench.load import Measured, measure
from bench.showcase_profile import postgres, profile, summarize, summarize_node, tree_cpu
from bench.showcase_search import Row, name_words, search_rows, suggestion_rows
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
def plain_endpoint(url: str, port: int, workers: int) -> Iterator[tuple[str, int]]:
    command = [sys.executable, "-m", "uvicorn", "bench.plain:app", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url}, cwd=ROOT, start_new_session=True)
    try:
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"http://127.0.0.1:{port}/products", content=b'{"after": ["2000-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000000"]}', timeout=1)
                break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/products", process.pid
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
        # The CPU of the path: the gateway and the catalog (the idle rest of the stack is not the page's cost).
        yield f"{stack.settings.url('gateway')}/graphql", [stack.processes[name].pid for name in ("gateway", "catalog")]


#: path -> (goal as a share of the plain endpoint, or None: for the record)
GOALS = {"plain": None, "direct": 0.12, "direct, cached": None, "gateway": 0.10, "gateway, cached": 0.5}
PATHS = {"plain": "plain", "direct": "direct", "direct-cached": "direct, cached", "gateway": "gateway", "gateway-cached": "gateway, cached"}
LINES = {"first": "first pages, 8 categories x 3 sorts (24 distinct)", "deep": "100 different deep pages (keyset, NEWEST)"}


def _timed(name: str, run: Callable[[], Measured], pids: list[int]) -> Measured:
    """The load, and the CPU its servers and PostgreSQL used per request (robust to the machine's other load)."""
    database = postgres()
    before = [tree_cpu([pid]) for pid in pids], tree_cpu(database)
    result = run()
    requests = max(result.requests, 1)
    each = [(tree_cpu([pid]) - was) * 1000 / requests for pid, was in zip(pids, before[0], strict=True)]
    result.server_ms = sum(each)
    result.database_ms = (tree_cpu(database) - before[1]) * 1000 / requests
    split = f" ({' + '.join(f'{ms:.2f}' for ms in each)})" if len(each) > 1 else ""
    print(f"{name}: {result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.errors} errors;"
          f" CPU per request: servers {result.server_ms:.2f} ms{split}, PostgreSQL {result.database_ms:.2f} ms", flush=True)
    return result


def listing(url: str, args: argparse.Namespace, out: dict[str, str]) -> dict[tuple[str, str], Measured]:
    """Throughput of each listing line on each asked path; the plain endpoint before and after the others."""
    categories, deep = asyncio.run(_facts(url))
    gql, plain = graphql_bodies(categories, deep), plain_bodies(categories, deep)
    paths = [PATHS[p] for p in args.paths]
    results: dict[tuple[str, str], Measured] = {}

    def load(name: str, endpoint: str, bodies: list[bytes], pids: list[int]) -> Measured:
        return _timed(name, lambda: measure(endpoint, bodies, args.duration, args.connections, tool=args.tool), pids)

    with plain_endpoint(url, args.port_base + 90, args.workers) as (endpoint, plain_pid):
        for line in ("first", "deep") if paths else ():
            results["plain", line] = load(f"plain {line}", endpoint, plain[line], [plain_pid])
        for cached in (False, True):
            path = "direct, cached" if cached else "direct"
            if path not in paths and not (path == "direct" and "suggestions" in args.only):
                continue
            with catalog(url, args.port_base + 91 + cached, args.workers, cached) as (graphql, pid):
                # Sequential latency first, on a settled machine: right after the listing's seconds of full
                # load the same p50 runs ~1.7x (bench/README.md), a fresh process's too.
                if path == "direct" and "suggestions" in args.only:
                    out["suggestions endpoint"] = graphql
                    out["suggestions"] = suggestion_rows(url, graphql, asyncio.run(name_words(url)), args.prefixes)  # type: ignore[assignment]
                if path in paths:
                    for line in ("first", "deep"):
                        check(graphql, gql[line])
                        if args.profile and not cached and line == "first":
                            # Profiled in a pass of its own: a sampler's cost stays out of the measured line.
                            spy = profile(pid, args.profile, ROOT / ".data" / "showcase.raw")
                            load(f"{path} {line} (profiled, not counted)", graphql, gql[line], [pid])
                            spy.wait(timeout=args.profile + 60)
                            out["catalog profile"] = summarize(ROOT / ".data" / "showcase.raw")
                        results[path, line] = load(f"{path} {line}", graphql, gql[line], [pid])
        if any(p.startswith("gateway") for p in paths):
            migrate_all(url)
            settings = Settings(database_url=url, data_dir=ROOT / ".data" / "bench-showcase", port_base=args.port_base, admin_email="admin-bench@example.com")
            asyncio.run(prepare_store(settings, url))
        for cached in (False, True):
            path = "gateway, cached" if cached else "gateway"
            if path not in paths:
                continue
            cpu = ROOT / ".data" / "showcase-node"
            node_options = os.environ.get("NODE_OPTIONS")
            if args.profile and not cached:
                cpu.mkdir(parents=True, exist_ok=True)
                for old in cpu.glob("*.cpuprofile"):
                    old.unlink()
                os.environ["NODE_OPTIONS"] = f"{node_options or ''} --require {Path(__file__).with_name('node_profile.cjs')}".strip()
                os.environ["SHOP_CPU_PROF_DIR"] = str(cpu)

            async def through_gateway() -> None:
                async with gateway(url, args.port_base, args.workers, cached) as (graphql, pids):
                    node = [p.pid for p in psutil.Process(pids[0]).children(recursive=True) + [psutil.Process(pids[0])] if p.name() == "node"]
                    for line in ("first", "deep"):
                        await asyncio.to_thread(check, graphql, gql[line])
                        if args.profile and not cached and line == "first":  # in a pass of its own, as above
                            for pid in node:
                                os.kill(pid, signal.SIGUSR2)  # bench/node_profile.cjs: start
                            await asyncio.to_thread(load, f"{path} {line} (profiled, not counted)", graphql, gql[line], pids)
                            for pid in node:
                                os.kill(pid, signal.SIGUSR2)  # and write
                        results[path, line] = await asyncio.to_thread(load, f"{path} {line}", graphql, gql[line], pids)
                    await asyncio.sleep(1 if args.profile else 0)

            try:
                asyncio.run(through_gateway())
            finally:
                os.environ.pop("SHOP_CPU_PROF_DIR", None)
                os.environ.pop("NODE_OPTIONS", None) if node_options is None else os.environ.update(NODE_OPTIONS=node_options)
            if args.profile and not cached and cpu.exists():
                out["gateway profile"] = summarize_node(cpu)
        for line in ("first", "deep") if paths else ():
            again = load(f"plain {line} (again)", endpoint, plain[line], [plain_pid])
            results["plain", line] = results["plain", line].mean(again)
    return results


def listing_rows(results: dict[tuple[str, str], Measured]) -> list[Row]:
    """The goal is on requests/s; the CPU ratio (plain's CPU per request over this path's, servers and
    PostgreSQL) says the same with the machine's other load taken out."""
    rows = []
    for line in ("first", "deep") if results else ():
        base = results["plain", line]
        for path, goal in GOALS.items():
            if (path, line) not in results:
                continue
            r = results[path, line]
            ratio, cpu = r.requests_per_s / base.requests_per_s, r.server_ms + r.database_ms
            cpu_ratio = (base.server_ms + base.database_ms) / cpu if cpu else 0.0
            value = f"{r.requests_per_s:,.0f} req/s, p50 {r.p50_ms:.1f} ms, CPU {r.server_ms:.2f} + {r.database_ms:.2f} ms/req" + (f", {r.errors} errors" if r.errors else "")
            rows.append(Row(LINES[line], path, value, "" if path == "plain" else f"plain {base.requests_per_s:,.0f} req/s",
                            f"{ratio:.3f}x (CPU {cpu_ratio:.3f}x)", f">= {goal:g}x" if goal else "", ratio >= goal if goal else None))
    return rows


def render(rows: list[Row], args: argparse.Namespace, out: dict[str, Any], started: float) -> str:
    table = ["| line | path | measured | baseline (same run) | ratio | goal | |", "|---|---|---|---|---:|---|---|"]
    for r in rows:
        mark = "" if r.met is None else ("met" if r.met else "**missed**")
        table.append(f"| {r.line} | {r.path} | {r.value} | {r.baseline} | {r.ratio} | {r.goal} | {mark} |")
    load = os.getloadavg()
    command = "python -m bench.showcase" + ("" if set(args.only) == set(SECTIONS) else f" --only {' '.join(args.only)}") + (
        "" if args.paths == list(PATHS) else f" --paths {' '.join(args.paths)}")
    text = "\n".join(table) + (
        f"\n\n{args.products:,} products; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {(time.monotonic() - started) / 60:.0f} min;"
        f" listing: {args.tool if args.tool != 'auto' else 'wrk'} with {args.connections} connections, {args.duration:g} s a line, {args.workers} uvicorn worker(s) each;"
        f" load average at the end {load[0]:.1f} on {os.cpu_count()} cores (shared). CPU a+b ms/req: the servers of the path (the gateway"
        f" path: the gateway and the catalog) + PostgreSQL. Command: `{command}`.\n"
    )
    if out.get("catalog profile"):
        text += f"\nWhere the uncached catalog spent its time (py-spy, direct first pages):\n\n{out['catalog profile']}\n"
    if out.get("gateway profile"):
        text += f"\nWhere the gateway spent its time (a V8 CPU profile, as `node --cpu-prof` takes it, of the uncached first pages):\n\n{out['gateway profile']}\n"
    return text


SECTIONS = ("listing", "search", "suggestions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="sections to run (default: all)")
    parser.add_argument("--paths", nargs="+", choices=list(PATHS), default=list(PATHS), help="listing paths (plain always runs)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per listing line")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the plain endpoint and of each subgraph")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto", help="listing load generator (auto: wrk if installed)")
    parser.add_argument("--per-kind", type=int, default=3, help="typos of each kind per word (search)")
    parser.add_argument("--prefixes", type=int, default=100, help="distinct prefixes of each kind, and facet words (suggestions)")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("SHOP_BENCH_PORT_BASE", "17000")))
    parser.add_argument("--profile", type=int, default=0, help="seconds of py-spy on the uncached catalog (and a CPU profile of the gateway, bench/node_profile.cjs; 0: none)")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    args = parser.parse_args()
    started = time.monotonic()
    url, _handle = prepare(args.products)  # the handle keeps an embedded server up until the end
    out: dict[str, Any] = {}
    rows: list[Row] = []
    if "listing" in args.only or "suggestions" in args.only:
        if "listing" not in args.only:
            args.paths = []
        rows += listing_rows(listing(url, args, out))
    rows += out.get("suggestions", [])
    if "search" in args.only:
        rows += asyncio.run(search_rows(url, args.per_kind))
    text = render(rows, args, out, started)
    print(text)
    if not args.no_readme:
        write_readme(text)


def write_readme(table: str) -> None:
    readme = README.read_text()
    section = f"{START}\n## The showcase, every line of issue 7 (bench/showcase.py)\n\n{table}{END}"
    if START in readme:
        readme = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: section, readme, flags=re.S)
    else:
        readme = readme.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(readme)


if __name__ == "__main__":
    main()
