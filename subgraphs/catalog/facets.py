"""Facets of a listing: its hits by category (the category filter left out), in stock, in total.

Counting is bounded: one statement reads at most EXACT + 1 hits (`LIMIT` inside, grouped outside),
so up to EXACT hits the counts are exact at the cost of reading them. Beyond that the hits are
counted in a page sample (`TABLESAMPLE SYSTEM`, about SAMPLE_ROWS rows, a fixed seed so the same
listing shows the same numbers page after page) and scaled up. The planner's row estimate was the
other option; it is blind to correlated words ("running shoes") and to a category's share of a
word, while a sample sees both. The estimate never falls below what the bounded pass counted.

Which hits: the listing's words anywhere (name or description), or, when the words match nothing
in the whole catalog, the typo fallback (trigram word similarity on names), as `products` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .models import Category, Product
from .search import TYPO_THRESHOLD, Listing, _constant, _match, reading

C = Category.__table__
P = Product.__table__
#: Up to this many hits the counts are exact.
EXACT = 10_000
#: About how many rows the sample of a large result reads.
SAMPLE_ROWS = 20_000
SEED = 7


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category: Any  # a categories row
    count: int


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    exact: bool
    in_stock: int
    categories: list[CategoryCount]


def _hits(listing: Listing, mode: str, c: Any) -> list[ColumnElement[bool]]:
    """The listing's filter over columns `c`, without its category."""
    where: list[ColumnElement[bool]] = [c.deleted_at.is_(None)]
    if listing.in_stock_only:
        where.append(c.on_hand > c.reserved)
    if listing.search:
        where.append(_match(mode, listing.search, c))
    return where


def _grouped(source: Any) -> Any:
    """Hits and available ones per category of `source`, with the category's row."""
    s = source.c
    grouped = (
        select(s.category_id, func.count().label("hits"), func.count().filter(s.on_hand > s.reserved).label("in_stock"))
        .group_by(s.category_id)
        .subquery("grouped")
    )
    g = grouped.c
    return select(C, g.hits, g.in_stock).join_from(grouped, C, C.c.id == g.category_id)


def _bounded(listing: Listing, mode: str) -> Any:
    columns = (P.c.category_id, P.c.on_hand, P.c.reserved)
    return _grouped(select(*columns).where(*_hits(listing, mode, P.c)).limit(_constant(EXACT + 1, Integer)).subquery("hit"))


async def _sampled(session: AsyncSession, listing: Listing, mode: str) -> tuple[dict[Any, Any], float]:
    """Per category (id -> row) from a page sample, and the factor that scales it to the table."""
    rows = await session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'catalog.products'::regclass"))
    percent = 100.0 if not rows or rows <= SAMPLE_ROWS else 100.0 * SAMPLE_ROWS / float(rows)
    sample = P.tablesample(func.system(_constant(percent, Float)), name="sample", seed=literal_column(str(SEED)))
    statement = _grouped(select(sample.c.category_id, sample.c.on_hand, sample.c.reserved).where(*_hits(listing, mode, sample.c)).subquery("hit"))
    found = {row.id: row for row in await session.execute(statement)}
    return found, 100.0 / percent


async def count_facets(db: async_sessionmaker[AsyncSession], listing: Listing) -> Counts:
    """The facets of the listing; see the module's docstring for how large results are estimated."""
    async with reading(db) as session:
        mode = "words" if listing.search else "all"
        rows = list(await session.execute(_bounded(listing, mode)))
        if listing.search and not rows:
            mode = "typo"
            await session.execute(TYPO_THRESHOLD)
            rows = list(await session.execute(_bounded(listing, mode)))
        total = sum(row.hits for row in rows)
        if total <= EXACT:
            categories = [CategoryCount(row, row.hits) for row in rows]
            return Counts(total, True, sum(row.in_stock for row in rows), _ranked(categories))
        sampled, scale = await _sampled(session, listing, mode)
    seen = {row.id: row for row in rows}
    counts = {key: max(seen[key].hits if key in seen else 0, round(row.hits * scale)) for key, row in sampled.items()}
    counts.update({key: row.hits for key, row in seen.items() if key not in counts})
    in_stock = max(sum(row.in_stock for row in rows), round(sum(row.in_stock for row in sampled.values()) * scale))
    categories = [CategoryCount(sampled.get(key) or seen[key], count) for key, count in counts.items()]
    total = max(EXACT + 1, sum(counts.values()))
    return Counts(total, False, min(in_stock, total), _ranked(categories))


def _ranked(categories: list[CategoryCount]) -> list[CategoryCount]:
    """Most hits first; equal counts by name, so the order is stable."""
    return sorted((c for c in categories if c.count > 0), key=lambda c: (-c.count, c.category.name, str(c.category.id)))
