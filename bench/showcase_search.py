"""The search lines of `python -m bench.showcase`: common words, deep pages, typos, suggestions and facets.

They are measured the way their own benchmarks measure them, with those benchmarks' functions:
search and typos at the SQL layer (the catalog's `list_products` against naive queries run in the
same loop, so the machine's load cancels out; bench/typos.py), suggestions and facets over HTTP
straight at a catalog subgraph, one distinct request at a time (bench/suggestions.py).
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
from bench import suggestions, typos
from subgraphs.catalog.search import Listing, cursor_key, list_products
from subgraphs.common.db import async_url, create_engine, session_factory
from subgraphs.common.pagination import Page

SORTS = ("RELEVANCE", "PRICE_ASC", "PRICE_DESC", "NAME")


@dataclass
class Row:
    """One line of the table: what was measured, against what, and the goal."""

    line: str
    path: str
    value: str
    baseline: str
    ratio: str
    goal: str
    met: bool | None  # None: no goal, for the record


def _ratio_row(line: str, path: str, ours: float, theirs: float, goal: float, what: str = "naive") -> Row:
    ratio = theirs / ours
    return Row(line, path, f"{ours * 1000:.1f} ms", f"{what} {theirs * 1000:.1f} ms", f"{ratio:.1f}x", f">= {goal:g}x", ratio >= goal)


async def search_rows(url: str, per_kind: int, words_for_speed: int = 20) -> list[Row]:
    """Typo recall and speed, common words by every sort and their deep pages (SQL layer, serial)."""
    engine = create_engine(async_url(url), pool_size=2)
    db = session_factory(engine)
    rng = random.Random(7)
    rows: list[Row] = []
    try:
        async with db() as session:
            words, lexicon = await typos._words(session, rng)

        async def page(search: str, sort: str | None = None, after: list[Any] | None = None) -> list[Any]:
            return await list_products(db, Listing.of(sort, search, None, False), Page(20, after))

        async def naive(statement: Any, q: str) -> None:
            async with db() as session:
                (await session.execute(statement, {"q": q})).all()

        found: Counter[tuple[str, str]] = Counter()
        tried: Counter[tuple[str, str]] = Counter()
        samples: list[str] = []
        for word in words:
            language = "EN" if word.isascii() else "RU"
            for kind in typos.KINDS:
                for _ in range(per_kind):
                    mistyped = typos.typo(word, kind, rng)
                    if mistyped in lexicon:  # a real word is searched as itself
                        continue
                    hits = await page(mistyped)
                    tried[language, kind] += 1
                    found[language, kind] += any(word in re.findall(r"\w+", r.name.lower()) for r in hits[:20])
                    samples.append(mistyped)
        for language in ("EN", "RU"):
            for kind in typos.KINDS:
                share = found[language, kind] / max(tried[language, kind], 1)
                rows.append(Row(f"typo recall, {language} {kind} ({tried[language, kind]} typos)", "SQL", f"{share:.1%}", "", "", ">= 95%", share >= 0.95))
        share = sum(found.values()) / max(sum(tried.values()), 1)
        rows.append(Row(f"typo recall, all ({sum(tried.values())} typos of {len(words)} words)", "SQL", f"{share:.1%}", "", "", ">= 95%", share >= 0.95))

        speed = rng.sample(samples, min(60, len(samples)))
        ours = await typos._timed([lambda q=q: page(q) for q in speed]) / len(speed)
        theirs = await typos._timed([lambda q=q: naive(typos.NAIVE_TRIGRAM, q) for q in speed]) / len(speed)
        rows.append(_ratio_row(f"typo search vs naive trigram ({len(speed)} typos)", "SQL", ours, theirs, 10, "trigram"))

        common = words[:words_for_speed]
        ranked = await typos._timed([lambda q=q: naive(typos.NAIVE_RANKED, q) for q in common]) / len(common)
        for sort in SORTS:
            ours = await typos._timed([lambda q=q: page(q, sort) for q in common]) / len(common)
            rows.append(_ratio_row(f"common words, {sort} vs naive ts_rank ({len(common)} words)", "SQL", ours, ranked, 10, "ts_rank"))
        for sort in SORTS:  # the fifth page of each word (cursors from the pages before) against its first
            cursors = []
            for q in common:
                after = None
                for _ in range(4):
                    hits = await page(q, sort, after)
                    after = cursor_key(Listing.of(sort, q, None, False), hits[19]) if len(hits) > 20 else None
                if after is not None:
                    cursors.append((q, after))
            first, deep = await _first_and_deep(cursors, page, sort)
            share = first / deep if deep else 0.0
            rows.append(Row(f"common words, {sort}: page 5 vs page 1 ({len(cursors)} words)", "SQL", f"{deep * 1000:.1f} ms",
                            f"page 1 {first * 1000:.1f} ms", f"{share:.2f}x", ">= 0.8x", share >= 0.8))
    finally:
        await engine.dispose()
    return rows


async def _first_and_deep(cursors: list[tuple[str, Any]], page: Any, sort: str, rounds: int = 5) -> tuple[float, float]:
    """Mean over words of each word's median page-1 and page-5 time, in seconds.

    The two pages of a word run back to back, round after round, so a change in the machine's
    load weighs on both alike; the first round only warms (page 5 was never read by the walk that
    found its cursor, page 1 was), and the median drops a round that a neighbour's burst hit.
    """
    firsts: list[list[float]] = [[] for _ in cursors]
    deeps: list[list[float]] = [[] for _ in cursors]
    for _ in range(rounds + 1):
        for (q, after), first, deep in zip(cursors, firsts, deeps, strict=True):
            first.append(await typos._timed([lambda q=q: page(q, sort)]))
            deep.append(await typos._timed([lambda q=q, a=after: page(q, sort, a)]))
    count = max(len(cursors), 1)
    return (sum(_p50(times[1:]) for times in firsts) / count, sum(_p50(times[1:]) for times in deeps) / count)


def _p50(times: list[float]) -> float:
    return statistics.median(times) if times else float("nan")


def suggestion_rows(url: str, endpoint: str, words: list[str], count: int) -> list[Row]:
    """searchSuggestions p50 over distinct exact and typo prefixes, and a page with facets against one without."""
    rng = random.Random(7)
    exact, typo_prefixes = suggestions.prefixes(words, count, rng)
    without = suggestions.FACETS.replace(" facets { total totalIsExact inStock categories { category { id } count } }", "")
    searched = [{"f": {"search": w}} for w in words[:count]]
    with httpx.Client(timeout=30) as http:
        suggestions.timed(http, endpoint, suggestions.SUGGEST, [{"p": p} for p in words[:30]])  # warm pools and caches
        exact_times, exact_empty = suggestions.timed(http, endpoint, suggestions.SUGGEST, [{"p": p} for p in exact])
        typo_times, typo_empty = suggestions.timed(http, endpoint, suggestions.SUGGEST, [{"p": p} for p in typo_prefixes])
        faceted, _ = suggestions.timed(http, endpoint, suggestions.FACETS, searched)
        plain, _ = suggestions.timed(http, endpoint, without, searched)
    rows = []
    for name, times, empty in (("exact prefixes (2-8 letters)", exact_times, exact_empty), ("one-typo prefixes (5-8 letters)", typo_times, typo_empty)):
        p50 = _p50(times)
        rows.append(Row(f"searchSuggestions p50, {len(times)} {name}; {empty} empty", "direct", f"{p50:.1f} ms", "", "", "<= 10 ms", p50 <= 10))
    with_, without_ = _p50(faceted), _p50(plain)
    rows.append(Row(f"page + facets vs page without, p50 ({len(searched)} words)", "direct", f"{with_:.1f} ms", f"without {without_:.1f} ms",
                    f"{with_ / without_:.2f}x", "", None))
    return rows


async def name_words(url: str) -> list[str]:
    """Name words of a 1% sample, as bench/suggestions.py picks its prefixes from."""
    return await suggestions._words(url)

