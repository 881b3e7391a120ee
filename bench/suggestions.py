"""Search-as-you-type and facets at N products: latency over many distinct prefixes, one at a time.

    python -m bench.suggestions --products 1000000

Uses `shop_bench` as bench/catalog.py does (seeding it if short). Each request is distinct: the
prefixes are cut from real name words (2 to 8 letters), half of those of 5+ letters given one
typo; facets run over distinct words. Timed straight at the catalog subgraph (uvicorn, one worker)
over HTTP, sequentially, so the figure is a latency, not a throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

import httpx

from bench.catalog import _connect, prepare, serve

SUGGEST = "query($p: String!) { searchSuggestions(prefix: $p) { text product { id } category { id } } }"
FACETS = "query($f: ProductFilter) { products(first: 20, filter: $f) { edges { node { id } } facets { total totalIsExact inStock categories { category { id } count } } } }"


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word) - 1)
    return [word[:i] + word[i + 1 :], word[:i] + word[i + 1] + word[i] + word[i + 2 :]][rng.randrange(2)]


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


def timed(http: httpx.Client, endpoint: str, query: str, variables: list[dict[str, Any]]) -> tuple[list[float], int]:
    times, empty = [], 0
    for v in variables:
        started = time.perf_counter()
        body = http.post(endpoint, json={"query": query, "variables": v}).json()
        times.append((time.perf_counter() - started) * 1000)
        assert not body.get("errors"), body["errors"]
        empty += not next(iter(body["data"].values()))
    return times, empty


def line(name: str, times: list[float], empty: int) -> str:
    q = statistics.quantiles(times, n=100)
    return f"| {name} | {len(times)} | {q[49]:.1f} | {q[89]:.1f} | {q[98]:.1f} | {empty} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--prefixes", type=int, default=300)
    parser.add_argument("--port", type=int, default=4902)
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
            rows = [
                line("suggestions, exact prefixes (2-8 letters)", *timed(http, endpoint, SUGGEST, [{"p": p} for p in exact])),
                line("suggestions, one typo (5-8 letters)", *timed(http, endpoint, SUGGEST, [{"p": p} for p in typos])),
                line("two-letter prefixes only", *timed(http, endpoint, SUGGEST, [{"p": p} for p in sorted({w[:2] for w in words})])),
                line("facets, distinct words (page + facets)", *timed(http, endpoint, FACETS, [{"f": {"search": w}} for w in words[:100]])),
                line("page without facets, same words", *timed(http, endpoint, FACETS.replace(" facets { total totalIsExact inStock categories { category { id } count } }", ""), [{"f": {"search": w}} for w in words[:100]])),
            ]
    finally:
        process.terminate()
        process.wait()
    print(f"{args.products:,} products; sequential requests straight at the catalog subgraph (one uvicorn worker)\n")
    print("| line | requests | p50 ms | p90 ms | p99 ms | empty answers |\n|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
