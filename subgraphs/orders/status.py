"""Order status changes: the order, its history and the event, always in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.events import publish

from .models import Order, OrderStatusChange, OutboxEvent
from .states import OrderStatus

S = OrderStatus
#: Delivery statuses (as delivery's events spell them) that move an order on, and the order
#: statuses they may move it from.
DELIVERY_DRIVES: dict[str, tuple[OrderStatus, tuple[OrderStatus, ...]]] = {
    "IN_TRANSIT": (S.SHIPPED, (S.CONFIRMED,)),
    "READY_FOR_PICKUP": (S.READY_FOR_PICKUP, (S.CONFIRMED,)),
    "DELIVERED": (S.DELIVERED, (S.SHIPPED, S.CONFIRMED)),
    "PICKED_UP": (S.DELIVERED, (S.READY_FOR_PICKUP, S.CONFIRMED)),
}
#: Where a customer may still cancel: before the parcel leaves or is collected.
CANCELLABLE = (S.CONFIRMED, S.READY_FOR_PICKUP)


async def set_status(session: AsyncSession, order: Order, status: OrderStatus, note: str | None = None) -> None:
    """Moves the order (already locked in `session`) to `status`, records it and announces it."""
    now = datetime.now(UTC)
    order.status, order.updated_at = status, now
    session.add(OrderStatusChange(order_id=order.id, status=status, at=now, note=note))
    await publish(
        session,
        OutboxEvent,
        "order.status_changed",
        {"order_id": str(order.id), "user_id": str(order.user_id), "status": status.value, "at": now.isoformat(), "note": note},
    )
