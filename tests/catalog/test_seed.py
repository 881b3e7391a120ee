"""Demo and bulk data, each in a database of its own (the shared test database has other tests' rows)."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from subgraphs.catalog.seed import seed_bulk, seed_demo
from subgraphs.common.migrations import upgrade


@pytest.fixture(scope="module")
def empty_catalog(fresh_database: Callable[[str], str]) -> str:
    url = fresh_database("catalog_seed")
    upgrade("catalog", url)
    return url


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username, host=parsed.query.get("host") or parsed.host, port=parsed.port, database=parsed.database
    )
    try:
        return await conn.fetch(query)
    finally:
        await conn.close()


async def test_seed_demo_fills_an_empty_catalog_once(empty_catalog: str) -> None:
    assert await seed_demo(empty_catalog) is True
    assert await seed_demo(empty_catalog) is False
    counts = await _fetch(empty_catalog, "SELECT c.slug, count(p.id) AS n, min(p.on_hand) AS low FROM catalog.categories c "
                                         "JOIN catalog.products p ON p.category_id = c.id GROUP BY c.slug")
    assert len(counts) == 8
    assert sum(r["n"] for r in counts) >= 120
    assert all(r["low"] > 0 for r in counts)
    names = {r["name"] for r in await _fetch(empty_catalog, "SELECT name FROM catalog.products")}
    assert {"Кружка керамическая", "Wireless headphones", "Running shoes"} & names == {"Кружка керамическая", "Wireless headphones"}


async def test_seed_bulk_loads_searchable_varied_products(empty_catalog: str) -> None:
    progress: list[int] = []
    before = (await _fetch(empty_catalog, "SELECT count(*) AS n FROM catalog.products"))[0]["n"]
    await seed_bulk(empty_catalog, 45_000, progress.append)
    assert progress == [20_000, 40_000, 45_000]
    stats = (await _fetch(
        empty_catalog,
        "SELECT count(*) AS n, count(DISTINCT name) AS names, count(*) FILTER (WHERE name_tsv = ''::tsvector) AS unindexed, "
        "count(*) FILTER (WHERE search_tsv @@ websearch_to_tsquery('russian', 'wireless')) AS wireless, "
        "count(*) FILTER (WHERE on_hand = 0) AS sold_out FROM catalog.products",
    ))[0]
    assert stats["n"] == before + 45_000
    assert stats["names"] > 40_000  # brand, series and colour keep names apart
    assert stats["unindexed"] == 0
    assert 1_000 < stats["wireless"] < 10_000  # a common word: about one product in fifteen
    assert 0 < stats["sold_out"] < 10_000
