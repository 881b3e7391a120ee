"""A fake of the catalog, wallet, delivery and users subgraphs, idempotent by order id like the real ones,
speaking their contract (`subgraphs.common.contract`): the same values, the same refusal codes.

It keeps effects (stock, money, deliveries) apart from calls, so a test can tell "retried" from
"doubled". `fail` makes a named operation refuse or be unreachable; `crash_after` simulates the
process dying right after an effect landed remotely.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from subgraphs.common.contract import Line, PricedLine, ProductInfo, RefusalCode, Refused
from subgraphs.orders.remote import RemoteUnavailable


class Crash(BaseException):
    """The process died: nothing after it runs (BaseException, so no `except Exception` catches it)."""


@dataclass
class FakeRemote:
    products_: dict[uuid.UUID, ProductInfo] = field(default_factory=dict)
    on_hand: dict[uuid.UUID, int] = field(default_factory=dict)
    reserved: dict[uuid.UUID, list[Line]] = field(default_factory=dict)  # order → lines (RESERVED)
    committed: dict[uuid.UUID, list[Line]] = field(default_factory=dict)  # order → lines (sold)
    balance: dict[uuid.UUID, Decimal] = field(default_factory=dict)
    payments: dict[uuid.UUID, tuple[uuid.UUID, Decimal]] = field(default_factory=dict)  # order → (payer, amount)
    refunds: set[uuid.UUID] = field(default_factory=set)
    deliveries: dict[uuid.UUID, str] = field(default_factory=dict)
    tombstones: set[tuple[str, uuid.UUID]] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    failures: dict[str, list[Exception]] = field(default_factory=dict)
    crash_after: set[str] = field(default_factory=set)

    def add_product(self, name: str, price: str, stock: int) -> uuid.UUID:
        pid = uuid.uuid4()
        self.products_[pid] = ProductInfo(pid, name, Decimal(price), stock, False)
        self.on_hand[pid] = stock
        return pid

    def fail(self, operation: str, *errors: Exception) -> None:
        """The next calls of `operation` raise these, one each."""
        self.failures.setdefault(operation, []).extend(errors)

    def _enter(self, operation: str) -> None:
        self.calls.append(operation)
        if self.failures.get(operation):
            raise self.failures[operation].pop(0)

    def _leave(self, operation: str) -> None:
        if operation in self.crash_after:
            self.crash_after.discard(operation)
            raise Crash(operation)

    def available(self, pid: uuid.UUID) -> int:
        held = sum(l.quantity for lines in self.reserved.values() for l in lines if l.product_id == pid)
        return self.on_hand[pid] - held

    async def products(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, ProductInfo]:
        return {i: ProductInfo(i, p.name, p.price, self.available(i), p.deleted) for i in ids if (p := self.products_.get(i))}

    async def reserve(self, order_id: uuid.UUID, lines: list[Line]) -> list[PricedLine]:
        self._enter("reserve")
        if ("reserve", order_id) in self.tombstones:
            raise Refused(RefusalCode.CANCELLED)
        if order_id not in self.reserved and order_id not in self.committed:
            for line in lines:
                product = self.products_[line.product_id]
                if product.deleted:
                    raise Refused(RefusalCode.PRODUCT_UNAVAILABLE, product_id=line.product_id)
                if self.available(line.product_id) < line.quantity:
                    raise Refused(RefusalCode.OUT_OF_STOCK, product_id=line.product_id)
            self.reserved[order_id] = list(lines)
        self._leave("reserve")
        return [PricedLine(l.product_id, l.quantity, self.products_[l.product_id].name, self.products_[l.product_id].price) for l in lines]

    async def commit(self, order_id: uuid.UUID) -> None:
        self._enter("commit")
        if order_id in self.reserved:
            lines = self.reserved.pop(order_id)
            for line in lines:
                self.on_hand[line.product_id] -= line.quantity
            self.committed[order_id] = lines
        self._leave("commit")

    async def release(self, order_id: uuid.UUID) -> None:
        self._enter("release")
        self.reserved.pop(order_id, None)
        for line in self.committed.pop(order_id, []):
            self.on_hand[line.product_id] += line.quantity  # sold, then cancelled: back on the shelf
        self.tombstones.add(("reserve", order_id))
        self._leave("release")

    async def charge(self, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal) -> None:
        self._enter("charge")
        if order_id in self.refunds:
            raise Refused(RefusalCode.CANCELLED)
        if order_id not in self.payments:
            if self.balance.get(user_id, Decimal(0)) < amount:
                raise Refused(RefusalCode.INSUFFICIENT_FUNDS)
            self.balance[user_id] -= amount
            self.payments[order_id] = (user_id, amount)
        self._leave("charge")

    async def refund(self, order_id: uuid.UUID) -> None:
        self._enter("refund")
        if order_id in self.payments and order_id not in self.refunds:
            payer, amount = self.payments[order_id]
            self.balance[payer] += amount
        self.refunds.add(order_id)
        self._leave("refund")

    async def create_delivery(self, order_id: uuid.UUID, user_id: uuid.UUID, method: str, address: dict[str, Any] | None, pickup_point_id: uuid.UUID | None) -> None:
        self._enter("deliver")
        if self.deliveries.get(order_id) == "CANCELLED":
            raise Refused(RefusalCode.CANCELLED)
        self.deliveries.setdefault(order_id, "QUEUED")
        self._leave("deliver")

    async def cancel_delivery(self, order_id: uuid.UUID) -> None:
        self._enter("cancel_delivery")
        if self.deliveries.get(order_id) in ("IN_TRANSIT", "DELIVERED", "PICKED_UP"):
            raise Refused(RefusalCode.INVALID_STATE)
        self.deliveries[order_id] = "CANCELLED"
        self._leave("cancel_delivery")

    async def pickup_point_exists(self, pickup_point_id: uuid.UUID) -> bool:
        return True

    async def default_address(self, user_id: uuid.UUID) -> dict[str, Any] | None:
        return None


OUTAGE = RemoteUnavailable("unreachable")
