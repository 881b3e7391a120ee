"""Demo data for an empty store, and bulk data for benchmarks (a million products in minutes).

    await seed_demo(database_url)                      # ~200 products, only into an empty catalog
    await seed_bulk(database_url, 1_000_000, progress)  # COPY in batches; progress(n_done)
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs.common.db import create_engine

from .vocabulary import BRANDS, COLORS_EN, COLORS_RU, DEPARTMENTS, FEATURES_EN, FEATURES_RU, SYLLABLES, Department, Kind

BATCH = 20_000
#: Products per name region (migration 0005 cuts them the same way).
NAME_REGION = 250
COLUMNS = ("id", "name", "description", "price", "category_id", "on_hand", "reserved", "image_url", "created_at", "updated_at")
# Two concurrent `seed_demo` calls (two replicas starting) must not both seed.
SEED_LOCK = 0x6361_7461  # "cata"


def demo_name(kind: Kind, adjective: str) -> str:
    """"Кружка керамическая" / "Wireless headphones": the style shop catalogs use in each language."""
    if kind.russian:
        return f"{kind.noun} {adjective}"
    return f"{adjective[0].upper()}{adjective[1:]} {kind.noun}"


def describe(kind: Kind, rng: random.Random) -> str:
    """A short description in the product's language, with a colour and two selling points."""
    if kind.russian:
        color, features = rng.choice(COLORS_RU), rng.sample(FEATURES_RU, 2)
        return f"{kind.noun} {rng.choice(kind.adjectives)}, цвет {color}. {features[0]}. {features[1]}."
    color, features = rng.choice(COLORS_EN), rng.sample(FEATURES_EN, 2)
    return f"A {rng.choice(kind.adjectives)} {kind.noun} in {color}. {features[0]}. {features[1]}."


def price(department: Department, rng: random.Random) -> Decimal:
    low, high = department.price_range
    # Shop-like prices: 1490.00, 2399.90.
    return Decimal(rng.randrange(low, high, 10)) - rng.choice((Decimal("0"), Decimal("0.10")))


async def _ensure_categories(conn: AsyncConnection) -> list[uuid.UUID]:
    """The departments as categories (existing slugs are kept), in DEPARTMENTS order."""
    for department in DEPARTMENTS:
        await conn.execute(
            text("INSERT INTO catalog.categories (id, name, slug) VALUES (:id, :name, :slug) ON CONFLICT (slug) DO NOTHING"),
            {"id": uuid.uuid4(), "name": department.name, "slug": department.slug},
        )
    rows = await conn.execute(text("SELECT slug, id FROM catalog.categories WHERE slug = ANY(:slugs)"), {"slugs": [d.slug for d in DEPARTMENTS]})
    ids = {row.slug: row.id for row in rows}
    return [ids[d.slug] for d in DEPARTMENTS]


async def seed_demo(database_url: str) -> bool:
    """Fills an empty catalog with 8 categories and ~200 products in stock; False when it had products."""
    engine = create_engine(database_url, pool_size=1, application_name="catalog-seed")
    rng = random.Random(2024)  # the same showcase on every machine
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEED_LOCK})
            if await conn.scalar(text("SELECT EXISTS (SELECT 1 FROM catalog.products)")):
                return False
            category_ids = await _ensure_categories(conn)
            now = datetime.now(UTC)
            rows: list[dict[str, Any]] = []
            for department, category_id in zip(DEPARTMENTS, category_ids, strict=True):
                for kind in department.kinds:
                    for adjective in kind.adjectives:
                        rows.append({
                            "id": uuid.uuid4(),
                            "name": demo_name(kind, adjective),
                            "description": describe(kind, rng),
                            "price": price(department, rng),
                            "category_id": category_id,
                            "on_hand": rng.randrange(5, 120),
                            # Spread over a month, so NEWEST shows a mix of departments.
                            "created_at": now - timedelta(minutes=rng.randrange(0, 30 * 24 * 60)),
                        })
            await conn.execute(
                text(
                    "INSERT INTO catalog.products (id, name, description, price, category_id, on_hand, created_at, updated_at) "
                    "VALUES (:id, :name, :description, :price, :category_id, :on_hand, :created_at, :created_at)"
                ),
                rows,
            )
        return True
    finally:
        await engine.dispose()


def _series(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()


def bulk_records(count: int, category_ids: list[uuid.UUID], rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """`count` generated products as COPY records: brand, series and colour vary the names."""
    # Added over two years, oldest first, as a real catalog grows: rows lie in the table roughly in
    # creation order, which is what makes newest-first scans read neighbouring pages.
    start, step = datetime.now(UTC) - timedelta(days=730), timedelta(days=730) / max(count, 1)
    kinds = [(d, i, k) for d, i in zip(DEPARTMENTS, category_ids, strict=True) for k in d.kinds]
    for n in range(count):
        department, category_id, kind = rng.choice(kinds)
        adjective, brand, series = rng.choice(kind.adjectives), rng.choice(BRANDS), _series(rng)
        if kind.russian:
            name = f"{kind.noun} {adjective} {brand} {series}, {rng.choice(COLORS_RU)}"
        else:
            name = f"{brand} {series} {adjective} {kind.noun}, {rng.choice(COLORS_EN)}"
        created = start + step * n + timedelta(seconds=rng.random())
        on_hand = 0 if rng.random() < 0.1 else rng.randrange(1, 500)
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), name, describe(kind, rng), price(department, rng),
               category_id, on_hand, 0, None, created, created)


async def seed_bulk(database_url: str, count: int, progress: Callable[[int], None] | None = None) -> None:
    """Loads `count` generated products with COPY, in batches of 20k, then refreshes planner statistics."""
    engine = create_engine(database_url, pool_size=1, application_name="catalog-seed")
    rng = random.Random()
    try:
        async with engine.begin() as conn:
            category_ids = await _ensure_categories(conn)
        records = bulk_records(count, category_ids, rng)
        done = 0
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            while done < count:
                batch = [next(records) for _ in range(min(BATCH, count - done))]
                await raw.copy_records_to_table("products", schema_name="catalog", columns=COLUMNS, records=batch)
                done += len(batch)
                if progress is not None:
                    progress(done)
            # The name regions were cut for the catalog before the load; recut them for this one.
            await raw.execute(f"SELECT catalog.name_regions_rebuild({NAME_REGION})")
            # The planner must know how common each word is (GIN vs ordered scan), and index-only
            # scans need the visibility map: both come from VACUUM ANALYZE, outside a transaction.
            await raw.execute("VACUUM (ANALYZE) catalog.products")
            await raw.execute("VACUUM (ANALYZE) catalog.name_regions")
    finally:
        await engine.dispose()
