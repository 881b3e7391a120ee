"""Notification actions: turning events into notifications, the history, marking read, sending.

An event becomes at most one notification: `first_time` and the insert share a transaction,
and so does `pg_notify`, so subscribers on every replica hear of exactly the committed ones.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.ids import parse_id
from subgraphs.common.events import first_time
from subgraphs.common.pagination import Keyset, Page

from .models import HandledEvent, Notification
from .senders import Message, Sender, SendError

Db = async_sessionmaker[AsyncSession]
N = Notification
#: A user's history: newest first.
NEWEST = Keyset((N.created_at, N.id))
#: The LISTEN/NOTIFY channel; the payload is a new notification's id.
CHANNEL = "notifications"
ORDER_TOPIC = "order.status_changed"
WALLET_TOPICS = {"wallet.top_up": "Wallet topped up", "wallet.payment": "Payment made", "wallet.refund": "Refund received"}
STATUS_TEXT = {
    "PENDING": "has been placed and is being processed",
    "CONFIRMED": "is confirmed: paid and reserved",
    "SHIPPED": "is on its way",
    "READY_FOR_PICKUP": "is ready for pickup",
    "DELIVERED": "has been delivered",
    "CANCELLED": "has been cancelled",
    "FAILED": "could not be completed",
}


class BadEvent(ValueError):
    """An event whose payload is not what its topic promises."""




def _moment(value: Any) -> datetime | None:
    """An ISO 8601 moment with its time zone, in UTC; None for anything else (or out of range)."""
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
        return at.astimezone(UTC) if at is not None and at.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def _money(value: Any) -> str | None:
    """An amount as the wallet writes it ("150.00"), or None for anything that is not one."""
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > 24:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return str(value) if amount.is_finite() else None


def describe(topic: str, payload: dict[str, Any], currency: str) -> dict[str, Any] | None:
    """The notification's columns for an event, or None for a topic that notifies nobody."""
    user_id = parse_id(payload.get("user_id"))
    if topic == ORDER_TOPIC:
        order_id, status = parse_id(payload.get("order_id")), payload.get("status")
        at = _moment(payload.get("at"))
        if user_id is None or order_id is None or not isinstance(status, str) or status not in STATUS_TEXT or at is None:
            raise BadEvent("order.status_changed needs user_id, order_id, a known status and at")
        body = f"Your order {str(order_id)[:8]} {STATUS_TEXT[status]}."
        if payload.get("note"):
            body += f" Note: {payload['note']}."
        title = f"Order {str(order_id)[:8]}: {status.lower().replace('_', ' ')}"
        return {"user_id": user_id, "kind": "ORDER_STATUS", "title": title, "body": body,
                "order_id": order_id, "order_status": status, "status_at": at}
    if topic in WALLET_TOPICS:
        amount, balance = _money(payload.get("amount")), _money(payload.get("balance"))
        if user_id is None or amount is None or (balance is None and payload.get("balance") is not None):
            raise BadEvent(f"{topic} needs user_id and an amount (and a balance, if any) as money")
        body = f"{WALLET_TOPICS[topic]}: {amount} {currency}."
        if balance is not None:
            body += f" Balance: {balance} {currency}."
        order_id = parse_id(payload["order_id"]) if payload.get("order_id") else None
        return {"user_id": user_id, "kind": "WALLET", "title": f"{WALLET_TOPICS[topic]}: {amount} {currency}",
                "body": body, "order_id": order_id}
    return None


async def handle_event(db: Db, event_id: uuid.UUID, topic: str, payload: dict[str, Any], *, currency: str) -> uuid.UUID | None:
    """Stores the event's notification once; the new id, or None (replayed, or nobody to notify)."""
    columns = describe(topic, payload, currency)
    async with db.begin() as session:
        # A topic that notifies nobody is not recorded: only what is applied is marked handled.
        if columns is None or not await first_time(session, HandledEvent, event_id):
            return None
        return await add(session, event_id=event_id, **columns)


async def add(session: AsyncSession, **columns: Any) -> uuid.UUID:
    """Inserts a notification and announces it to every replica once the transaction commits."""
    row = Notification(**columns)
    session.add(row)
    await session.flush()
    await session.execute(text("SELECT pg_notify(:channel, :id)"), {"channel": CHANNEL, "id": str(row.id)})
    return row.id


async def get(db: Db, notification_id: uuid.UUID) -> Notification | None:
    """One notification, read fresh."""
    async with db() as session:
        return await session.get(Notification, notification_id)


async def history(db: Db, user_id: uuid.UUID, page: Page, *, unread_only: bool) -> list[Notification]:
    """The user's notifications, newest first, keyset on (created_at, id)."""
    query = select(N).where(N.user_id == user_id)
    if unread_only:
        query = query.where(N.read_at.is_(None))
    async with db() as session:
        return list(await session.scalars(NEWEST.paged(query, page)))


async def unread_count(db: Db, user_id: uuid.UUID) -> int:
    """How many of the user's notifications are unread."""
    async with db() as session:
        return int(await session.scalar(select(func.count()).where(N.user_id == user_id, N.read_at.is_(None))) or 0)


async def mark_read(db: Db, user_id: uuid.UUID, ids: list[uuid.UUID] | None) -> int:
    """Marks the user's unread notifications read (those in `ids`, or all); how many changed."""
    query = update(N).where(N.user_id == user_id, N.read_at.is_(None)).values(read_at=func.now())
    if ids is not None:
        query = query.where(N.id.in_(ids))
    async with db.begin() as session:
        result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def send(db: Db, sender: Sender, notification_id: uuid.UUID, *, max_attempts: int, backoff: float) -> bool:
    """Sends one notification if it is still due; True once it is sent.

    The row stays locked while the provider works, so two replicas (or the retry loop and the
    send after the commit) never both send it; SKIP LOCKED lets the other one pass on.
    """
    async with db.begin() as session:
        query = (
            select(N)
            .where(N.id == notification_id, N.sent_at.is_(None), N.send_attempts < max_attempts)
            .with_for_update(skip_locked=True)
        )
        row = (await session.scalars(query)).first()
        if row is None:
            return False
        row.send_attempts += 1
        try:
            await sender.send(Message(notification_id=row.id, user_id=row.user_id, subject=row.title, body=row.body))
        except SendError as exc:
            row.send_error = str(exc)[:2000]
            row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=backoff * row.send_attempts)
            return False
        row.sent_at, row.send_error = datetime.now(UTC), None
        return True


async def due(db: Db, *, max_attempts: int, limit: int = 100) -> list[uuid.UUID]:
    """Unsent notifications whose next attempt is due, oldest first."""
    query = (
        select(N.id)
        .where(N.sent_at.is_(None), N.send_attempts < max_attempts, N.next_attempt_at <= func.now())
        .order_by(N.next_attempt_at)
        .limit(limit)
    )
    async with db() as session:
        return list(await session.scalars(query))
