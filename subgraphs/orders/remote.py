"""What the orders subgraph asks of the others, as one small port with an HTTP implementation.

The saga is written against `Remote`; unit tests pass a fake, the app passes `HttpRemote`.
Refusals (out of stock, no money…) raise `Refused`; outages raise `RemoteUnavailable`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from subgraphs.common.errors import ErrorCode
from subgraphs.common.internal import InternalClient, RemoteUnavailable, Reply

__all__ = ["Remote", "HttpRemote", "Refused", "RemoteUnavailable", "ProductInfo", "Line", "PricedLine"]


class Refused(Exception):
    """The remote said no, for a business reason; nothing was done there."""

    def __init__(self, code: ErrorCode, message: str = "") -> None:
        super().__init__(message or code.value)
        self.code = code


@dataclass(frozen=True)
class ProductInfo:
    id: uuid.UUID
    name: str
    price: Decimal
    stock: int
    deleted: bool


@dataclass(frozen=True)
class Line:
    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class PricedLine:
    product_id: uuid.UUID
    quantity: int
    name: str
    unit_price: Decimal


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


def _refusal(reply: Reply) -> Refused:
    try:
        code = ErrorCode(reply.error)
    except ValueError:
        code = ErrorCode.INTERNAL
    return Refused(code, str(reply.body.get("message", "")))


def _expect(reply: Reply) -> Reply:
    if not reply.ok:
        raise _refusal(reply)
    return reply


class HttpRemote:
    """`Remote` over the subgraphs' internal routes."""

    def __init__(self, client: InternalClient) -> None:
        self.client = client

    async def products(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, ProductInfo]:
        reply = _expect(await self.client.post("catalog", "/internal/products/lookup", {"ids": [str(i) for i in ids]}))
        found = [
            ProductInfo(uuid.UUID(p["id"]), p["name"], Decimal(p["price"]), int(p["stock"]), bool(p["deleted"]))
            for p in reply.body["products"]
        ]
        return {p.id: p for p in found}

    async def reserve(self, order_id: uuid.UUID, lines: list[Line]) -> list[PricedLine]:
        body = {"order_id": str(order_id), "lines": [{"product_id": str(l.product_id), "quantity": l.quantity} for l in lines]}
        reply = _expect(await self.client.post("catalog", "/internal/reservations", body))
        return [
            PricedLine(uuid.UUID(l["product_id"]), int(l["quantity"]), l["name"], Decimal(l["unit_price"]))
            for l in reply.body["lines"]
        ]

    async def commit(self, order_id: uuid.UUID) -> None:
        _expect(await self.client.post("catalog", f"/internal/reservations/{order_id}/commit"))

    async def release(self, order_id: uuid.UUID) -> None:
        _expect(await self.client.post("catalog", f"/internal/reservations/{order_id}/release"))

    async def charge(self, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal) -> None:
        body = {"order_id": str(order_id), "user_id": str(user_id), "amount": str(amount)}
        _expect(await self.client.post("wallet", "/internal/charges", body))

    async def refund(self, order_id: uuid.UUID) -> None:
        _expect(await self.client.post("wallet", "/internal/refunds", {"order_id": str(order_id)}))

    async def create_delivery(
        self, order_id: uuid.UUID, user_id: uuid.UUID, method: str, address: dict[str, Any] | None, pickup_point_id: uuid.UUID | None
    ) -> None:
        body = {
            "order_id": str(order_id), "user_id": str(user_id), "method": method, "address": address,
            "pickup_point_id": str(pickup_point_id) if pickup_point_id else None,
        }
        _expect(await self.client.post("delivery", "/internal/deliveries", body))

    async def cancel_delivery(self, order_id: uuid.UUID) -> None:
        _expect(await self.client.post("delivery", f"/internal/deliveries/{order_id}/cancel"))

    async def pickup_point_exists(self, pickup_point_id: uuid.UUID) -> bool:
        reply = await self.client.get("delivery", f"/internal/pickup-points/{pickup_point_id}")
        return reply.ok

    async def default_address(self, user_id: uuid.UUID) -> dict[str, Any] | None:
        reply = _expect(await self.client.get("users", f"/internal/users/{user_id}"))
        address: dict[str, Any] | None = reply.body.get("default_address")
        return address
