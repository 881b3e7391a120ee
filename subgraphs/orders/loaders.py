"""Per-request DataLoaders for an order's lines and history."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from subgraphs.common.loaders import Loader

from .models import Order, OrderItem, OrderStatusChange


class OrderLoader(Loader[uuid.UUID, Order | None]):
    """Orders by id."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Order | None]:
        async with self.db() as session:
            rows = {o.id: o for o in await session.scalars(select(Order).where(Order.id.in_(keys)))}
        return [rows.get(k) for k in keys]


class ItemsLoader(Loader[uuid.UUID, list[OrderItem]]):
    """Each order's lines, by product name."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[OrderItem]]:
        grouped: dict[uuid.UUID, list[OrderItem]] = defaultdict(list)
        async with self.db() as session:
            for row in await session.scalars(select(OrderItem).where(OrderItem.order_id.in_(keys)).order_by(OrderItem.product_name)):
                grouped[row.order_id].append(row)
        return [grouped[k] for k in keys]


class HistoryLoader(Loader[uuid.UUID, list[OrderStatusChange]]):
    """Each order's status changes, oldest first."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[OrderStatusChange]]:
        grouped: dict[uuid.UUID, list[OrderStatusChange]] = defaultdict(list)
        async with self.db() as session:
            query = select(OrderStatusChange).where(OrderStatusChange.order_id.in_(keys)).order_by(OrderStatusChange.id)
            for row in await session.scalars(query):
                grouped[row.order_id].append(row)
        return [grouped[k] for k in keys]
