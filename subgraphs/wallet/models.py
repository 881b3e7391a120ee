"""The wallet schema: one wallet per account, an append-only ledger, and what was settled per order."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Numeric, String, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.db import schema_metadata
from subgraphs.common.events import outbox_models



class Base(DeclarativeBase):
    metadata = schema_metadata("wallet")

#: NUMERIC(14, 2): up to 999 999 999 999.99, exact.
Amount = Numeric(14, 2)


class Kind(enum.StrEnum):
    """Why money moved."""

    TOP_UP = "TOP_UP"
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"


class Outcome(enum.StrEnum):
    """What an order came to in the wallet."""

    PAID = "PAID"
    VOIDED = "VOIDED"


class Wallet(Base):
    """An account's balance. The users subgraph owns accounts, so `user_id` is no foreign key."""

    __tablename__ = "wallets"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    # The database, not only the code, refuses an overdraft.
    balance: Mapped[Decimal] = mapped_column(Amount, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)


class Transaction(Base):
    """One movement of money; `balance_after` is the wallet's balance right after it."""

    __tablename__ = "transactions"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    wallet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wallet.wallets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Amount)
    balance_after: Mapped[Decimal] = mapped_column(Amount)
    order_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    # clock_timestamp, not now(): rows are written under the wallet's lock, so this order is the
    # order in which the balance changed, even for transactions that began earlier.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())

    __table_args__ = (
        CheckConstraint("kind IN ('TOP_UP', 'PAYMENT', 'REFUND')", name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        CheckConstraint(
            "(kind = 'TOP_UP' AND idempotency_key IS NOT NULL AND order_id IS NULL)"
            " OR (kind <> 'TOP_UP' AND order_id IS NOT NULL AND idempotency_key IS NULL)",
            name="key_or_order",
        ),
        # Idempotency of top-ups: the same key credits a wallet once.
        UniqueConstraint("wallet_id", "idempotency_key"),
        # Idempotency of the saga's steps: one payment and one refund per order, whatever retries.
        Index("uq_transactions_payment_order_id", "order_id", unique=True, postgresql_where=text("kind = 'PAYMENT'")),
        Index("uq_transactions_refund_order_id", "order_id", unique=True, postgresql_where=text("kind = 'REFUND'")),
        # History, newest first, by keyset.
        Index("ix_transactions_wallet_id_created_at_id", "wallet_id", "created_at", "id"),
    )


class OrderClaim(Base):
    """What the wallet settled about an order, once: PAID, or VOIDED (the refund came first).

    A charge claims `PAID` and a refund claims `VOIDED` with `INSERT … ON CONFLICT DO NOTHING` on
    the primary key, so a charge and a refund of one order serialize on this row: a refund that
    overtakes the charge it compensates leaves a `VOIDED` tombstone, and the late charge is refused.
    A refused charge rolls back, so its claim never exists.
    """

    __tablename__ = "order_claims"

    order_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("outcome IN ('PAID', 'VOIDED')", name="outcome"),)


OutboxEvent, HandledEvent = outbox_models(Base)
