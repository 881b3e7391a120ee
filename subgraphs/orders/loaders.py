"""Per-request DataLoaders for an order's lines and history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from subgraphs.common.loaders import Loader, all_per_key, one_per_key

from .models import Order, OrderItem, OrderStatusChange


class OrderLoader(Loader[uuid.UUID, Order | None]):
    """Orders by id."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Order | None]:
        async with self.db() as session:
            return one_per_key(keys, await session.scalars(select(Order).where(Order.id.in_(keys))), by=lambda o: o.id)


class ItemsLoader(Loader[uuid.UUID, list[OrderItem]]):
    """Each order's lines, by product name."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[OrderItem]]:
        query = select(OrderItem).where(OrderItem.order_id.in_(keys)).order_by(OrderItem.product_name)
        async with self.db() as session:
            return all_per_key(keys, await session.scalars(query), by=lambda row: row.order_id)


class HistoryLoader(Loader[uuid.UUID, list[OrderStatusChange]]):
    """Each order's status changes, oldest first."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[OrderStatusChange]]:
        query = select(OrderStatusChange).where(OrderStatusChange.order_id.in_(keys)).order_by(OrderStatusChange.id)
        async with self.db() as session:
            return all_per_key(keys, await session.scalars(query), by=lambda row: row.order_id)
