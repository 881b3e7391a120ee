"""Order status changes: the order, its history and the event, always in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.events import publish

from .models import Order, OrderStatusChange, OutboxEvent

#: Delivery statuses that move an order on, and the order statuses they may move it from.
DELIVERY_DRIVES = {
    "IN_TRANSIT": ("SHIPPED", ("CONFIRMED",)),
    "READY_FOR_PICKUP": ("READY_FOR_PICKUP", ("CONFIRMED",)),
    "DELIVERED": ("DELIVERED", ("SHIPPED", "CONFIRMED")),
    "PICKED_UP": ("DELIVERED", ("READY_FOR_PICKUP", "CONFIRMED")),
}


async def set_status(session: AsyncSession, order: Order, status: str, note: str | None = None) -> None:
    """Moves the order (already locked in `session`) to `status`, records it and announces it."""
    now = datetime.now(UTC)
    order.status, order.updated_at = status, now
    session.add(OrderStatusChange(order_id=order.id, status=status, at=now, note=note))
    await publish(
        session,
        OutboxEvent,
        "order.status_changed",
        {"order_id": str(order.id), "user_id": str(order.user_id), "status": status, "at": now.isoformat(), "note": note},
    )
