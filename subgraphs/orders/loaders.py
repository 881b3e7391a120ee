"""Per-request DataLoaders for an order's lines and history."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiodataloader import DataLoader
from sqlalchemy import select

from .models import Order, OrderItem, OrderStatusChange

if TYPE_CHECKING:
    from subgraphs.common.context import Context


class OrderLoader(DataLoader[uuid.UUID, Order | None]):
    def __init__(self, context: Context) -> None:
        super().__init__()
        self.db = context.db

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Order | None]:
        async with self.db() as session:
            rows = {o.id: o for o in await session.scalars(select(Order).where(Order.id.in_(keys)))}
        return [rows.get(k) for k in keys]


class ItemsLoader(DataLoader[uuid.UUID, list[OrderItem]]):
    def __init__(self, context: Context) -> None:
        super().__init__()
        self.db = context.db

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[OrderItem]]:
        grouped: dict[uuid.UUID, list[OrderItem]] = defaultdict(list)
        async with self.db() as session:
            for row in await session.scalars(select(OrderItem).where(OrderItem.order_id.in_(keys)).order_by(OrderItem.product_name)):
                grouped[row.order_id].append(row)
        return [grouped[k] for k in keys]


class HistoryLoader(DataLoader[uuid.UUID, list[OrderStatusChange]]):
    def __init__(self, context: Context) -> None:
        super().__init__()
        self.db = context.db

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[OrderStatusChange]]:
        grouped: dict[uuid.UUID, list[OrderStatusChange]] = defaultdict(list)
        async with self.db() as session:
            query = select(OrderStatusChange).where(OrderStatusChange.order_id.in_(keys)).order_by(OrderStatusChange.id)
            for row in await session.scalars(query):
                grouped[row.order_id].append(row)
        return [grouped[k] for k in keys]
