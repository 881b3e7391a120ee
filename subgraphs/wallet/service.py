"""Wallet actions: the wallet on first touch, top-ups, and the saga's charges and refunds.

Every movement locks its wallet row (`SELECT … FOR UPDATE`) before it reads the balance, so
movements of one wallet serialize and each ledger row's `balance_after` is exact. Idempotency
is the database's: a unique constraint decides whether a movement is new (`ON CONFLICT DO
NOTHING`), never a read before the write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.contract import RefusalCode, Refused
from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.events import publish
from subgraphs.common.money import parse_amount

from .models import Kind, OrderClaim, Outcome, OutboxEvent, Transaction, Wallet

Db = async_sessionmaker[AsyncSession]

MAX_KEY_LENGTH = 100
#: The largest amount NUMERIC(14, 2) holds.
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class Movement:
    """A ledger row and its wallet."""

    wallet: Wallet
    transaction: Transaction


def clean_amount(value: Decimal | str, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """A positive amount with at most two decimals, at most `maximum`; else INVALID_INPUT on `amount`."""
    try:
        return parse_amount(value, maximum=min(maximum, MAX_AMOUNT))
    except InvalidOperation:
        # parse_amount's quantize overflows on huge exponents (say 1e30): too large, whatever the limit.
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {min(maximum, MAX_AMOUNT)}.", "amount") from None


def clean_key(key: str) -> str:
    """An idempotency key: not blank, at most 100 characters; else INVALID_INPUT."""
    if not key.strip():
        raise DomainError(ErrorCode.INVALID_INPUT, "The idempotency key must not be blank.", "idempotencyKey")
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_KEY_LENGTH} characters.", "idempotencyKey")
    return key


async def ensure_wallets(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> None:
    """Creates the missing wallets of these accounts, zero balance.

    A wallet exists from the moment its account does, yet accounts live in the users subgraph:
    rather than wait for an event, the wallet is created atomically on its first touch (any read,
    top-up or charge), so every account reads as a zero wallet and two first touches make one.
    """
    rows = [{"id": uuid.uuid4(), "user_id": user_id} for user_id in dict.fromkeys(user_ids)]
    if rows:
        await session.execute(pg_insert(Wallet).values(rows).on_conflict_do_nothing(index_elements=[Wallet.user_id]))


async def _locked_wallet(session: AsyncSession, user_id: uuid.UUID) -> Wallet:
    await ensure_wallets(session, [user_id])
    query = select(Wallet).where(Wallet.user_id == user_id).with_for_update()
    return (await session.scalars(query)).one()


async def _move(
    session: AsyncSession, wallet: Wallet, kind: Kind, amount: Decimal, conflict: dict[str, Any], **keys: Any
) -> Transaction | None:
    """Writes a ledger row and the wallet's new balance; None when `conflict` finds the row written before."""
    # The wallet row is locked: its balance is current and no one else moves it until commit.
    balance = wallet.balance - amount if kind == Kind.PAYMENT else wallet.balance + amount
    statement = (
        pg_insert(Transaction)
        .values(id=uuid.uuid4(), wallet_id=wallet.id, kind=kind, amount=amount, balance_after=balance, **keys)
        .on_conflict_do_nothing(**conflict)
        .returning(Transaction)
    )
    row = (await session.scalars(statement)).first()
    if row is None:
        return None
    wallet.balance, wallet.updated_at = balance, datetime.now(UTC)
    await session.flush()
    await publish(session, OutboxEvent, f"wallet.{kind.lower()}", _event(wallet, row))
    return row


def _event(wallet: Wallet, row: Transaction) -> dict[str, Any]:
    return {
        "transaction_id": str(row.id),
        "user_id": str(wallet.user_id),
        "kind": row.kind,
        "amount": str(row.amount),
        "balance": str(row.balance_after),
        "order_id": str(row.order_id) if row.order_id else None,
    }


async def top_up(db: Db, user_id: uuid.UUID, amount: Decimal, key: str, *, maximum: Decimal) -> Movement:
    """Credits the wallet once per idempotency key; the same key again answers the first credit.

    The same key with another amount is CONFLICT: it is a different request reusing a key.
    """
    amount, key = clean_amount(amount, maximum), clean_key(key)
    async with db.begin() as session:
        wallet = await _locked_wallet(session, user_id)
        unique_key = {"index_elements": [Transaction.wallet_id, Transaction.idempotency_key]}
        row = await _move(session, wallet, Kind.TOP_UP, amount, unique_key, idempotency_key=key)
        if row is None:
            first = select(Transaction).where(Transaction.wallet_id == wallet.id, Transaction.idempotency_key == key)
            row = (await session.scalars(first)).one()
            if row.amount != amount:
                raise DomainError(ErrorCode.CONFLICT, "This idempotency key was used for another amount.", "idempotencyKey")
    return Movement(wallet, row)


async def _claim(session: AsyncSession, order_id: uuid.UUID, outcome: Outcome) -> str | None:
    """Claims the order for `outcome`; None when this call did, else the outcome settled before."""
    claimed = await session.scalar(
        pg_insert(OrderClaim).values(order_id=order_id, outcome=outcome).on_conflict_do_nothing().returning(OrderClaim.order_id)
    )
    if claimed is not None:
        return None
    return await session.scalar(select(OrderClaim.outcome).where(OrderClaim.order_id == order_id))


async def _order_row(session: AsyncSession, order_id: uuid.UUID, kind: Kind) -> Transaction | None:
    query = select(Transaction).where(Transaction.order_id == order_id, Transaction.kind == kind)
    return (await session.scalars(query)).first()


async def charge(db: Db, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal) -> Transaction:
    """Pays for an order from the wallet, once: a retry of a success answers the same payment.

    Refused: INSUFFICIENT_FUNDS; CANCELLED when the order was refunded before (tombstone);
    CONFLICT when the order was paid by another account or for another amount.
    """
    async with db.begin() as session:
        settled = await _claim(session, order_id, Outcome.PAID)
        if settled == Outcome.VOIDED:
            raise Refused(RefusalCode.CANCELLED, "This order was cancelled before it was paid.")
        if settled == Outcome.PAID:
            payment = await _order_row(session, order_id, Kind.PAYMENT)
            owner = await session.scalar(select(Wallet.user_id).where(Wallet.id == payment.wallet_id)) if payment else None
            if payment is None or owner != user_id or payment.amount != amount:
                raise Refused(RefusalCode.CONFLICT, "This order was paid with another account or amount.")
            return payment
        wallet = await _locked_wallet(session, user_id)
        if wallet.balance < amount:
            raise Refused(RefusalCode.INSUFFICIENT_FUNDS, "The wallet balance is too low.")
        index = {"index_elements": [Transaction.order_id], "index_where": text("kind = 'PAYMENT'")}
        row = await _move(session, wallet, Kind.PAYMENT, amount, index, order_id=order_id)
        if row is None:  # the claim makes this unreachable; the unique index is the last word anyway
            raise Refused(RefusalCode.CONFLICT, "This order is paid already.")
        return row


async def refund(db: Db, order_id: uuid.UUID) -> Transaction | None:
    """Gives an order's payment back in full, once; None (and a tombstone) when it was never paid."""
    async with db.begin() as session:
        settled = await _claim(session, order_id, Outcome.VOIDED)
        if settled in (None, Outcome.VOIDED):
            return None
        payment = await _order_row(session, order_id, Kind.PAYMENT)
        if payment is None:
            return None
        wallet = (await session.scalars(select(Wallet).where(Wallet.id == payment.wallet_id).with_for_update())).one()
        index = {"index_elements": [Transaction.order_id], "index_where": text("kind = 'REFUND'")}
        row = await _move(session, wallet, Kind.REFUND, payment.amount, index, order_id=order_id)
        return row or await _order_row(session, order_id, Kind.REFUND)
