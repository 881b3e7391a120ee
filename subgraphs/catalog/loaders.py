"""Per-request DataLoaders: one query per batch, however many products or categories a response names."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import Row

from subgraphs.common.loaders import Loader

from .models import Category, Product
from .search import SHOWN, reading

C = Category.__table__
P = Product.__table__


class CategoryRow(NamedTuple):
    """A category as `Category.from_row` reads it."""

    id: uuid.UUID
    name: str
    slug: str


async def category_rows(connection: asyncpg.Connection, keys: list[uuid.UUID] | None) -> list[CategoryRow]:
    """Every category (`keys` None) or those of `keys`, on a plain asyncpg connection (the category map's)."""
    if keys is None:
        rows = await connection.fetch("SELECT id, name, slug FROM catalog.categories")
    else:
        rows = await connection.fetch("SELECT id, name, slug FROM catalog.categories WHERE id = ANY($1::uuid[])", keys)
    return [CategoryRow(row["id"], row["name"], row["slug"]) for row in rows]


class CategoryLoader(Loader[uuid.UUID, Row[Any] | None]):
    """Categories by id."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Row[Any] | None]:
        async with reading(self.db) as session:
            rows = {row.id: row for row in await session.execute(select(C).where(C.c.id.in_(keys)))}
        return [rows.get(key) for key in keys]


class ProductLoader(Loader[uuid.UUID, Row[Any] | None]):
    """Products by id, deleted ones included: orders still show the lines they sold."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Row[Any] | None]:
        async with reading(self.db) as session:
            rows = {row.id: row for row in await session.execute(select(*SHOWN).where(P.c.id.in_(keys)))}
        return [rows.get(key) for key in keys]


class ProductCountLoader(Loader[uuid.UUID, int]):
    """How many products on the showcase each category has (an index-only scan per category)."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[int]:
        query = (
            select(P.c.category_id, func.count())
            .where(P.c.category_id.in_(keys), P.c.deleted_at.is_(None))
            .group_by(P.c.category_id)
        )
        async with reading(self.db) as session:
            counts: dict[uuid.UUID, int] = {row[0]: row[1] for row in await session.execute(query)}
        return [counts.get(key, 0) for key in keys]
