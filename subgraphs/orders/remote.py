"""What the orders subgraph asks of the others, as one small port with an HTTP implementation.

The saga is written against `Remote`; unit tests pass a fake, the app passes `HttpRemote`. Both
speak `subgraphs.common.contract`: refusals (out of stock, no money…) raise its `Refused`, whose
`code` is what the refusal means here; outages raise `RemoteUnavailable`.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Protocol

from subgraphs.common.contract import (
    ACCOUNT, CANCEL_DELIVERY, CHARGE, COMMIT, LOOKUP, PICKUP_POINT, QUEUE_DELIVERY, REFUND, RELEASE, RESERVE, ChargeRequest,
    DeliveryRequest, Line, LookupById, LookupRequest, OrderRef, PricedLine, ProductInfo, RefusalCode, Refused, ReserveRequest,
)
from subgraphs.common.internal import InternalClient, RemoteUnavailable, parse

__all__ = ["Remote", "HttpRemote", "Refused", "RemoteUnavailable", "ProductInfo", "Line", "PricedLine"]


class Remote(Protocol):
    async def products(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, ProductInfo]: ...
    async def reserve(self, order_id: uuid.UUID, lines: list[Line]) -> list[PricedLine]: ...
    async def commit(self, order_id: uuid.UUID) -> None: ...
    async def release(self, order_id: uuid.UUID) -> None: ...
    async def charge(self, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal) -> None: ...
    async def refund(self, order_id: uuid.UUID) -> None: ...
    async def create_delivery(self, order_id: uuid.UUID, user_id: uuid.UUID, method: str, address: dict[str, Any] | None, pickup_point_id: uuid.UUID | None) -> None: ...
    async def cancel_delivery(self, order_id: uuid.UUID) -> None: ...
    async def pickup_point_exists(self, pickup_point_id: uuid.UUID) -> bool: ...
    async def default_address(self, user_id: uuid.UUID) -> dict[str, Any] | None: ...


class HttpRemote:
    """`Remote` over the subgraphs' internal routes. A request is checked before it leaves, so what
    the remote would refuse as malformed (a zero total, say) is the same `Refused` here."""

    def __init__(self, client: InternalClient) -> None:
        self.client = client

    async def products(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, ProductInfo]:
        reply = await self.client.call(LOOKUP, parse(LookupRequest, {"ids": ids}))
        return {p.id: p for p in reply.products}

    async def reserve(self, order_id: uuid.UUID, lines: list[Line]) -> list[PricedLine]:
        return (await self.client.call(RESERVE, parse(ReserveRequest, {"order_id": order_id, "lines": lines}))).lines

    async def commit(self, order_id: uuid.UUID) -> None:
        await self.client.call(COMMIT, OrderRef(order_id=order_id))

    async def release(self, order_id: uuid.UUID) -> None:
        await self.client.call(RELEASE, OrderRef(order_id=order_id))

    async def charge(self, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal) -> None:
        await self.client.call(CHARGE, parse(ChargeRequest, {"order_id": order_id, "user_id": user_id, "amount": amount}))

    async def refund(self, order_id: uuid.UUID) -> None:
        await self.client.call(REFUND, OrderRef(order_id=order_id))

    async def create_delivery(
        self, order_id: uuid.UUID, user_id: uuid.UUID, method: str, address: dict[str, Any] | None, pickup_point_id: uuid.UUID | None
    ) -> None:
        where = {"method": method, "address": address, "pickup_point_id": pickup_point_id}
        await self.client.call(QUEUE_DELIVERY, parse(DeliveryRequest, {"order_id": order_id, "user_id": user_id, **where}))

    async def cancel_delivery(self, order_id: uuid.UUID) -> None:
        await self.client.call(CANCEL_DELIVERY, OrderRef(order_id=order_id))

    async def pickup_point_exists(self, pickup_point_id: uuid.UUID) -> bool:
        try:
            await self.client.call(PICKUP_POINT, LookupById(id=str(pickup_point_id)))
        except Refused as refused:
            if refused.reason is RefusalCode.NOT_FOUND:
                return False
            raise
        return True

    async def default_address(self, user_id: uuid.UUID) -> dict[str, Any] | None:
        return (await self.client.call(ACCOUNT, LookupById(id=str(user_id)))).default_address

