"""Search-as-you-type and facets at N products: latency over many distinct prefixes, one at a time.

    python -m bench.suggestions --products 1000000

Uses `shop_bench` as bench/catalog.py does (seeding it if short). Each request is distinct: the
prefixes are cut from real name words (2 to 8 letters), half of those of 5+ letters given one
typo; then, per kind of typo (a letter dropped, two neighbours swapped, a letter inserted or
replaced, anywhere but in the last letter typed), prefixes of 5-8 letters with that typo and
the recall: the share whose suggestions name a product with the word the prefix was cut from
(and, looser, with a word that begins with the prefix as meant). Facets run over distinct words.
Timed straight at the catalog subgraph (uvicorn, one worker) over HTTP, sequentially, so the
figure is a latency, not a throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy.engine import make_url

from bench.catalog import _connect, prepare, serve

SUGGEST = "query($p: String!) { searchSuggestions(prefix: $p) { text product { id } category { id } } }"
FLOOR = "query($p: ID!) { product(id: $p) { id } }"
FACETS = "query($f: ProductFilter) { products(first: 20, filter: $f) { edges { node { id } } facets { total totalIsExact inStock categories { category { id } count } } } }"


KINDS = ("dropped", "swapped", "inserted", "replaced")
LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюя"


@dataclass(frozen=True)
class TypoCase:
    typed: str  # what is sent
    meant: str  # the prefix without the typo
    word: str  # the name word it was cut from
    kind: str


def typo(word: str, rng: random.Random, kind: str | None = None) -> str:
    """`word` with one typo of `kind` (default: dropped or swapped), anywhere but in its last letter alone."""
    kind = kind or rng.choice(KINDS[:2])
    i = rng.randrange(len(word) - 1)
    alphabet = CYRILLIC if any(ch in CYRILLIC for ch in word) else LATIN
    if kind == "dropped":
        return word[:i] + word[i + 1 :]
    if kind == "swapped":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "inserted":
        return word[: i + 1] + rng.choice(alphabet) + word[i + 1 :]
    return word[:i] + rng.choice([ch for ch in alphabet if ch != word[i]]) + word[i + 1 :]


async def _words(url: str) -> list[str]:
    conn = await _connect(url)
    try:
        names = await conn.fetch("SELECT name FROM catalog.products TABLESAMPLE SYSTEM (1) LIMIT 3000")
    finally:
        await conn.close()
    return sorted({w.lower() for row in names for w in row["name"].replace(",", " ").split() if w.isalpha() and len(w) >= 3})


def prefixes(words: list[str], count: int, rng: random.Random) -> tuple[list[str], list[str]]:
    exact: set[str] = set()
    typos: set[str] = set()
    for _ in range(count * 20):
        word = rng.choice(words)
        cut = word[: rng.randint(2, min(8, len(word)))]
        if len(cut) >= 5 and rng.random() < 0.5:
            typos.add(typo(cut, rng))
        else:
            exact.add(cut)
        if len(exact) >= count and len(typos) >= count:
            break
    return sorted(exact)[:count], sorted(typos)[:count]


def typo_cases(words: list[str], count: int, kind: str, rng: random.Random) -> list[TypoCase]:
    """`count` distinct prefixes of 5-8 letters cut from `words`, each with one typo of `kind`."""
    long = [w for w in words if len(w) >= 5]
    cases: dict[str, TypoCase] = {}
    for _ in range(count * 20):
        word = rng.choice(long)
        meant = word[: rng.randint(5, min(8, len(word)))]
        typed = typo(meant, rng, kind)
        cases.setdefault(typed, TypoCase(typed, meant, word, kind))
        if len(cases) >= count:
            break
    return list(cases.values())


def _fold(value: str) -> str:
    return value.casefold().replace("ё", "е")


def recalled(http: httpx.Client, endpoint: str, cases: list[TypoCase]) -> tuple[list[float], int, int, int]:
    """Latencies, and how many cases had the word / a word with the meant prefix in a suggestion, and empty answers."""
    times, word_hits, prefix_hits, empty = [], 0, 0, 0
    for case in cases:
        started = time.perf_counter()
        body = http.post(endpoint, json={"query": SUGGEST, "variables": {"p": case.typed}}).json()
        times.append((time.perf_counter() - started) * 1000)
        assert not body.get("errors"), body["errors"]
        names = [set(re.findall(r"[^\W_]+", _fold(s["text"]))) for s in body["data"]["searchSuggestions"] if s["product"]]
        word_hits += any(_fold(case.word) in name for name in names)
        prefix_hits += any(w.startswith(_fold(case.meant)) for name in names for w in name)
        empty += not names
    return times, word_hits, prefix_hits, empty


def recall_line(kind: str, measured: tuple[list[float], int, int, int]) -> str:
    times, word_hits, prefix_hits, empty = measured
    q = statistics.quantiles(times, n=100)
    n = len(times)
    return f"| {kind} | {n} | {q[49]:.1f} | {q[89]:.1f} | {100 * word_hits / n:.0f}% | {100 * prefix_hits / n:.0f}% | {empty} |"


class Meter:
    """CPU seconds of the subgraph's processes and of the PostgreSQL server's (when it is local):
    on a machine others share, latency swings with their load, the work per request much less."""

    def __init__(self, subgraph_pid: int, url: str) -> None:
        self.roots = [psutil.Process(subgraph_pid)]
        socket_dir = make_url(url).query.get("host")
        pidfile = Path(str(socket_dir)) / "postmaster.pid" if socket_dir else None
        if pidfile is not None and pidfile.exists():
            self.roots.append(psutil.Process(int(pidfile.read_text().split()[0])))

    def seconds(self) -> float:
        total = 0.0
        for root in self.roots:
            for process in (root, *root.children(recursive=True)):
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    total += times.user + times.system
        return total


def measured(meter: Meter, run: Callable[[], tuple[list[float], int]]) -> tuple[list[float], int, float]:
    """`run`'s latencies and empty answers, and the CPU milliseconds per request it cost the server side."""
    before = meter.seconds()
    times, empty = run()
    return times, empty, (meter.seconds() - before) * 1000 / len(times)


def timed(http: httpx.Client, endpoint: str, query: str, variables: list[dict[str, Any]]) -> tuple[list[float], int]:
    times, empty = [], 0
    for v in variables:
        started = time.perf_counter()
        body = http.post(endpoint, json={"query": query, "variables": v}).json()
        times.append((time.perf_counter() - started) * 1000)
        assert not body.get("errors"), body["errors"]
        empty += not next(iter(body["data"].values()))
    return times, empty


def line(name: str, times: list[float], empty: int, cpu: float | None = None) -> str:
    q = statistics.quantiles(times, n=100)
    return f"| {name} | {len(times)} | {q[49]:.1f} | {q[89]:.1f} | {q[98]:.1f} | {'' if cpu is None else f'{cpu:.1f}'} | {empty} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--prefixes", type=int, default=300)
    parser.add_argument("--port", type=int, default=int(os.environ.get("SHOP_BENCH_PORT_BASE", "4900")) + 2)
    args = parser.parse_args()
    url, _handle = prepare(args.products)  # the embedded server stops when this process exits
    rng = random.Random(7)
    words = asyncio.run(_words(url))
    exact, typos = prefixes(words, args.prefixes, rng)
    process = serve(url, args.port, 1)
    endpoint = f"http://127.0.0.1:{args.port}/graphql"
    try:
        with httpx.Client(timeout=30) as http:
            timed(http, endpoint, SUGGEST, [{"p": p} for p in words[:50]])  # warm the caches and pools
            meter = Meter(process.pid, url)
            page = FACETS.replace(" facets { total totalIsExact inStock categories { category { id } count } }", "")
            lines = {
                # About the smallest request there is (one primary-key miss): what the machine's load costs every line.
                "floor: `product(id)` of a missing id": (FLOOR, [{"p": str(uuid.UUID(int=rng.getrandbits(128)))} for _ in range(100)]),
                "suggestions, exact prefixes (2-8 letters)": (SUGGEST, [{"p": p} for p in exact]),
                "suggestions, one typo (5-8 letters)": (SUGGEST, [{"p": p} for p in typos]),
                "two-letter prefixes only": (SUGGEST, [{"p": p} for p in sorted({w[:2] for w in words})]),
                "facets, distinct words (page + facets)": (FACETS, [{"f": {"search": w}} for w in words[:100]]),
                "page without facets, same words": (page, [{"f": {"search": w}} for w in words[:100]]),
            }
            rows = [
                line(name, *measured(meter, lambda q=query, v=variables: timed(http, endpoint, q, v)))  # type: ignore[misc]
                for name, (query, variables) in lines.items()
            ]
            recall = [recall_line(kind, recalled(http, endpoint, typo_cases(words, args.prefixes, kind, rng))) for kind in KINDS]
    finally:
        process.terminate()
        process.wait()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.products:,} products; sequential requests straight at the catalog subgraph (one uvicorn worker); load average {load}\n")
    print("| line | requests | p50 ms | p90 ms | p99 ms | CPU ms a request (subgraph + PostgreSQL) | empty answers |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print("\n| one typo, 5-8 letters | prefixes | p50 ms | p90 ms | recall: the word | recall: a word with the meant prefix | empty answers |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(recall))


if __name__ == "__main__":
    main()
