"""The delivery schema: pickup points, one delivery per order, and the outbox of status changes.

A delivery row with no method is a tombstone: the order was cancelled before its delivery was
ever created (compensation overtook a create still in flight), so a late create is refused.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.db import schema_metadata
from subgraphs.common.events import outbox_models



class Base(DeclarativeBase):
    metadata = schema_metadata("delivery")

METHODS = ("COURIER", "PICKUP")
STATUSES = ("QUEUED", "IN_TRANSIT", "DELIVERED", "READY_FOR_PICKUP", "PICKED_UP", "CANCELLED")
#: Real deliveries, as opposed to tombstones; the queue's indexes cover only these.
REAL = text("method IS NOT NULL")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PickupPoint(Base):
    __tablename__ = "pickup_points"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    # The saga's idempotency key: a retried create finds the row instead of making a second one.
    order_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    # The order's owner, who may read the delivery; None on a tombstone.
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    # None marks a tombstone (see the module docstring).
    method: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    pickup_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("delivery.pickup_points.id"))
    # clock_timestamp: rows created in one transaction still queue in creation order.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())

    __table_args__ = (
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(f"method IS NULL OR {_one_of('method', METHODS)}", name="method"),
        CheckConstraint("method IS NOT NULL OR status = 'CANCELLED'", name="tombstone_cancelled"),
        CheckConstraint("method IS DISTINCT FROM 'COURIER' OR address IS NOT NULL", name="courier_address"),
        CheckConstraint("method IS DISTINCT FROM 'PICKUP' OR pickup_point_id IS NOT NULL", name="pickup_point"),
        # The admin's queue: oldest first, optionally by status, keyset on (created_at, id).
        Index("ix_deliveries_created_at_id", "created_at", "id", postgresql_where=REAL),
        Index("ix_deliveries_status_created_at_id", "status", "created_at", "id", postgresql_where=REAL),
    )


OutboxEvent, HandledEvent = outbox_models(Base)
