"""The orders schema: carts, orders with their lines and history, and each order's saga steps."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.db import schema_metadata
from subgraphs.common.events import outbox_models

from .states import OrderStatus, SagaState, Step, StepState, column_type



class Base(DeclarativeBase):
    metadata = schema_metadata("orders")
OutboxEvent, HandledEvent = outbox_models(Base)


class CartItem(Base):
    __tablename__ = "cart_items"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID)
    # The client's key: the same key from the same user never makes a second order.
    idempotency_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[OrderStatus] = mapped_column(column_type(OrderStatus), default=OrderStatus.PENDING)
    # What the saga is doing: RUNNING (forward), COMPENSATING (after a failure), CANCELLING, DONE.
    saga: Mapped[SagaState] = mapped_column(column_type(SagaState), default=SagaState.RUNNING)
    delivery_method: Mapped[str] = mapped_column(String(10))
    delivery_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    pickup_point_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    failure_reason: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())

    __table_args__ = (
        Index("uq_orders_user_id_idempotency_key", "user_id", "idempotency_key", unique=True),
        Index("ix_orders_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_orders_created_at_id", "created_at", "id"),
        Index("ix_orders_unfinished", "updated_at", postgresql_where="saga <> 'DONE'"),
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.orders.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    # Name and price as they were at the moment of purchase; they outlive the product.
    product_name: Mapped[str] = mapped_column(Text)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    quantity: Mapped[int] = mapped_column(Integer)


class OrderStatusChange(Base):
    __tablename__ = "order_status_history"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[OrderStatus] = mapped_column(column_type(OrderStatus))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    note: Mapped[str | None] = mapped_column(Text)


class SagaStep(Base):
    """One remote step of an order's saga: PENDING until done, DONE, then COMPENSATED if undone."""

    __tablename__ = "saga_steps"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.orders.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[Step] = mapped_column(column_type(Step), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[StepState] = mapped_column(column_type(StepState), default=StepState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
