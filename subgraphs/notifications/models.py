"""The notifications schema: each user's notifications (their history), and what the provider did with them.

One notification per handled event: the event id is unique here, and `handled_events` records it
in the same transaction, so a replayed event creates nothing. Sending is tracked on the row
(`sent_at`, `send_attempts`, `send_error`, `next_attempt_at`) so a failed send is retried, and a
sent one never again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.db import schema_metadata
from subgraphs.common.events import outbox_models


class Base(DeclarativeBase):
    metadata = schema_metadata("notifications")


KINDS = ("ORDER_STATUS", "WALLET", "ACCOUNT")


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The event that made it: one notification per event, whatever the relay replays.
    event_id: Mapped[uuid.UUID | None] = mapped_column(UUID, unique=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    # For ORDER_STATUS: the status entered and when (what `orderStatusChanged` reports).
    order_status: Mapped[str | None] = mapped_column(String(20))
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # clock_timestamp: notifications made in one transaction still sort in creation order.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    send_attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    send_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        CheckConstraint("kind <> 'ORDER_STATUS' OR (order_id IS NOT NULL AND order_status IS NOT NULL)", name="order_status"),
        # A user's history, newest first, keyset on (created_at, id).
        Index("ix_notifications_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_notifications_user_id_unread", "user_id", postgresql_where=text("read_at IS NULL")),
        # The retry loop's queue: only what is still to send.
        Index("ix_notifications_next_attempt_at", "next_attempt_at", postgresql_where=text("sent_at IS NULL")),
    )


OutboxEvent, HandledEvent = outbox_models(Base)
