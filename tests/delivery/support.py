"""Helpers for the delivery tests: the saga's internal calls as orders makes them, and the outbox."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.delivery.models import OutboxEvent
from tests.internal_client import InternalRoutes

ADDRESS = {
    "recipient": "Ann Lee", "phone": "+7 900 000-00-00", "country": "RU", "city": "Kazan",
    "street": "Baumana", "building": "5", "apartment": "12", "postal_code": "420111",
}
ADDRESS_INPUT = {"recipient": "Depot", "country": "RU", "city": "Tver", "street": "Sovetskaya", "postalCode": "170100"}


class Saga(InternalRoutes):
    """The orders subgraph's side of the internal calls (with or without the service credential)."""

    async def create(
        self,
        order_id: uuid.UUID | None = None,
        *,
        user_id: uuid.UUID | None = None,
        method: str = "COURIER",
        address: dict[str, Any] | None = ADDRESS,
        pickup_point_id: str | None = None,
    ) -> httpx.Response:
        body = {
            "order_id": str(order_id or uuid.uuid4()),
            "user_id": str(user_id or uuid.uuid4()),
            "method": method,
            "address": address,
            "pickup_point_id": pickup_point_id,
        }
        return await self.send("POST", "/internal/deliveries", body)

    async def queued(self, method: str = "COURIER", *, pickup_point_id: str | None = None, user_id: uuid.UUID | None = None) -> uuid.UUID:
        """A new order's delivery, QUEUED; returns the order id."""
        order_id = uuid.uuid4()
        response = await self.create(order_id, user_id=user_id, method=method, pickup_point_id=pickup_point_id)
        assert response.status_code == 200, response.text
        return order_id

    async def cancel(self, order_id: uuid.UUID | str) -> httpx.Response:
        # No body, as orders sends it: the order id is in the path.
        return await self.send("POST", f"/internal/deliveries/{order_id}/cancel")

    async def pickup_point(self, point_id: str) -> httpx.Response:
        return await self.send("GET", f"/internal/pickup-points/{point_id}")


async def events(db: async_sessionmaker[AsyncSession], order_id: uuid.UUID | str) -> list[Any]:
    """The outbox rows about one order, oldest first."""
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.payload["order_id"].astext == str(order_id))
        .order_by(OutboxEvent.created_at, OutboxEvent.id)
    )
    async with db() as session:
        return list(await session.scalars(query))
