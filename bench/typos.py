"""Typo recall and search speed at the SQL layer: the catalog's own query vs naive ones, same run.

    python -m bench.typos --products 1000000

Uses the benchmark database of bench/catalog.py (seeded if short). Recall: for many name words of
five letters or more (the most common, Russian and English, and rare series names), typos of each
kind at random positions; a hit is a first page (20) holding a product with the intended word. Speed:
distinct requests one after another on one connection each side, as a ratio to the naive query run
in the same loop (so the machine's load cancels out): a trigram query for typos, `ts_rank` over all
hits for common words, under each sort. Deep pages (5 and 20, reached through the returned cursors)
against the first page of the same word, interleaved. `--sorts-only` skips the recall.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from bench.catalog import prepare
from subgraphs.catalog.search import Listing, cursor_key, list_products
from subgraphs.common.db import async_url, create_engine, session_factory
from subgraphs.common.pagination import Page

KINDS = ("dropped", "inserted", "replaced", "swapped")
SORTS = ("RELEVANCE", "PRICE_ASC", "PRICE_DESC", "NAME", "NEWEST")
NAIVE_TRIGRAM = text(
    "SELECT id, name FROM catalog.products WHERE deleted_at IS NULL AND :q <% name "
    "ORDER BY word_similarity(:q, name) DESC LIMIT 20"
)
NAIVE_RANKED = text(
    "SELECT id, name FROM catalog.products WHERE deleted_at IS NULL AND search_tsv @@ websearch_to_tsquery('russian', :q) "
    "ORDER BY ts_rank(search_tsv, websearch_to_tsquery('russian', :q)) DESC LIMIT 20"
)


def typo(word: str, kind: str, rng: random.Random) -> str:
    """One typo of `kind` at a random position (never the first letter, as shoppers rarely miss it)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz" if word.isascii() else "абвгдежзийклмнопрстуфхцчшщыьэюя"
    i = rng.randrange(1, len(word) - 1)
    letter = rng.choice([c for c in alphabet if c != word[i]])
    if kind == "dropped":
        return word[:i] + word[i + 1 :]
    if kind == "inserted":
        return word[:i] + letter + word[i:]
    if kind == "replaced":
        return word[:i] + letter + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :] if word[i] != word[i + 1] else word[:i] + letter + word[i:]


async def _words(session: Any, rng: random.Random) -> tuple[list[str], set[str]]:
    """The 60 most common alphabetic name words of 5+ letters, 20 rare ones, and the whole lexicon."""
    lexicon = {w for (w,) in await session.execute(text("SELECT word FROM catalog.lexicon"))}
    rows = (await session.execute(text("SELECT word, products FROM catalog.lexicon WHERE length(word) >= 5 ORDER BY products DESC"))).all()
    alphabetic = [w for w, _ in rows if w.isalpha()]
    return alphabetic[:60] + rng.sample(alphabetic[200:], 20), lexicon


async def _timed(runs: list[Callable[[], Awaitable[Any]]]) -> float:
    started = time.perf_counter()
    for run in runs:
        await run()
    return time.perf_counter() - started


async def sorts(db: Any, common: list[str], deep: tuple[int, ...] = (5, 20)) -> None:
    """Common words under every sort against ts_rank over all hits, and deep pages against the first.

    A deep page is reached through the cursors the pages before it returned, as a shopper pages on.
    """

    async def page(search: str, sort: str | None = None, after: list[Any] | None = None) -> list[Any]:
        return await list_products(db, Listing.of(sort, search, None, False), Page(20, after))

    async def naive(q: str) -> None:
        async with db() as session:
            (await session.execute(NAIVE_RANKED, {"q": q})).all()

    # Word by word, the naive query and then each sort: a change in load weighs on all alike.
    naive_ranked, ours = 0.0, dict.fromkeys(SORTS, 0.0)
    for q in common:
        naive_ranked += await _timed([lambda q=q: naive(q)])
        for sort in SORTS:
            ours[sort] += await _timed([lambda q=q, s=sort: page(q, s)])
    n = len(common)
    print("\n| line (distinct requests, serial) | ours ms | naive ms | ratio |\n|---|---:|---:|---:|")
    for sort in SORTS:
        line = f"common word, {sort} vs ts_rank ({n} words)"
        print(f"| {line} | {ours[sort] / n * 1000:.1f} | {naive_ranked / n * 1000:.1f} | {naive_ranked / ours[sort]:.1f}x |")
    for sort in SORTS:
        cursors: dict[int, list[tuple[str, Any]]] = {depth: [] for depth in deep}
        for q in common:
            after = None
            for number in range(1, max(deep)):
                rows = await page(q, sort, after)
                if len(rows) <= 20:
                    break  # fewer hits than that many pages: the word drops out of the deeper lines
                after = cursor_key(Listing.of(sort, q, None, False), rows[19])
                if number + 1 in cursors:
                    cursors[number + 1].append((q, after))
        for depth, pairs in cursors.items():
            # Interleaved, word by word, so a change in the machine's load weighs on both alike; the
            # medians, as one stall of a loaded machine would outweigh twenty 5 ms pages in a mean.
            first, later = [], []
            for q, a in pairs:
                first.append(await _timed([lambda q=q: page(q, sort)]))
                later.append(await _timed([lambda q=q, a=a: page(q, sort, a)]))
            f, d = statistics.median(first or [0.0]), statistics.median(later or [1e-9])
            line = f"page {depth} / page 1, {sort} ({len(pairs)} words, p50)"
            print(f"| {line} | {d * 1000:.1f} | {f * 1000:.1f} | deep/first {f / d:.2f} |")


async def main(url: str, per_kind: int, recall: bool = True) -> None:
    engine = create_engine(async_url(url), pool_size=2)
    db = session_factory(engine)
    rng = random.Random(7)
    async with db() as session:
        words, lexicon = await _words(session, rng)
    if not recall:
        await sorts(db, words[:20])
        await engine.dispose()
        return

    async def page(search: str, sort: str | None = None, after: list[Any] | None = None) -> list[Any]:
        return await list_products(db, Listing.of(sort, search, None, False), Page(20, after))

    found: Counter[tuple[str, str]] = Counter()
    tried: Counter[tuple[str, str]] = Counter()
    real = 0
    samples: list[str] = []
    for word in words:
        language = "EN" if word.isascii() else "RU"
        for kind in KINDS:
            for _ in range(per_kind):
                mistyped = typo(word, kind, rng)
                if mistyped in lexicon:
                    real += 1  # a real word is searched as itself, not corrected
                    continue
                rows = await page(mistyped)
                tried[language, kind] += 1
                found[language, kind] += any(word in re.findall(r"\w+", r.name.lower()) for r in rows[:20])
                samples.append(mistyped)
    print(f"| typo recall ({len(words)} words, {per_kind} per kind; {real} typos were real words, skipped) | found |")
    print("|---|---:|")
    for language in ("EN", "RU"):
        for kind in KINDS:
            n = tried[language, kind]
            print(f"| {language} {kind} ({n}) | {found[language, kind] / max(n, 1):.1%} |")
    print(f"| all ({sum(tried.values())}) | {sum(found.values()) / max(sum(tried.values()), 1):.1%} |")

    async def naive(statement: Any, q: str) -> None:
        async with db() as session:
            (await session.execute(statement, {"q": q})).all()

    speed = rng.sample(samples, min(60, len(samples)))
    ours = await _timed([lambda q=q: page(q) for q in speed])
    theirs = await _timed([lambda q=q: naive(NAIVE_TRIGRAM, q) for q in speed])
    print("\n| line (distinct requests, serial) | ours ms | naive ms | ratio |\n|---|---:|---:|---:|")
    print(f"| typo search vs trigram ({len(speed)}) | {ours / len(speed) * 1000:.1f} | {theirs / len(speed) * 1000:.1f} | {theirs / ours:.1f}x |")

    await sorts(db, words[:20])
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--per-kind", type=int, default=3, help="typos of each kind per word")
    parser.add_argument("--sorts-only", action="store_true", help="only the common-word sorts and deep pages")
    args = parser.parse_args()
    url, _handle = prepare(args.products)  # the handle keeps an embedded server up until the end
    asyncio.run(main(url, args.per_kind, recall=not args.sorts_only))
