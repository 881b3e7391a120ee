"""Per-request DataLoaders: one query per batch, however many deliveries or pickup points a response names."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row

from subgraphs.common.loaders import Loader, one_per_key

from .models import Delivery, PickupPoint

D = Delivery.__table__
P = PickupPoint.__table__


class PickupPointLoader(Loader[uuid.UUID, Row[Any] | None]):
    """Pickup points by id."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Row[Any] | None]:
        async with self.db() as session:
            return one_per_key(keys, await session.execute(select(P).where(P.c.id.in_(keys))), by=lambda row: row.id)


class DeliveryByOrderLoader(Loader[uuid.UUID, Row[Any] | None]):
    """Deliveries by order id; a tombstone (cancelled before it existed) is no delivery."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Row[Any] | None]:
        query = select(D).where(D.c.order_id.in_(keys), D.c.method.is_not(None))
        async with self.db() as session:
            return one_per_key(keys, await session.execute(query), by=lambda row: row.order_id)
