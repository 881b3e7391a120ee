"""Sessions and refresh tokens: opaque, stored hashed, rotated on every use.

Presenting a refresh token that was already rotated means it leaked (or raced): the whole
session is revoked, so neither the thief nor the owner can go on with it. Every revocation goes
through `_end`, which announces it to every subgraph process in the same transaction
(subgraphs/common/revocation.py), so the session's access tokens are refused everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.revocation import CHANNEL, OVERLAP, Revocation, RevocationsReply

from .models import RefreshToken, Session, User

Db = async_sessionmaker[AsyncSession]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Opened:
    user: User
    session_id: uuid.UUID
    refresh_token: str


async def _new_token(session: AsyncSession, session_id: uuid.UUID) -> str:
    token = secrets.token_urlsafe(32)
    session.add(RefreshToken(token_hash=_hash(token), session_id=session_id))
    return token


async def open_session(db: Db, user: User, ttl: int) -> Opened:
    """A new session for a user who just proved who they are."""
    async with db.begin() as session:
        row = Session(id=uuid.uuid4(), user_id=user.id, expires_at=datetime.now(UTC) + timedelta(seconds=ttl))
        session.add(row)
        await session.flush()
        token = await _new_token(session, row.id)
    return Opened(user=user, session_id=row.id, refresh_token=token)


async def rotate(db: Db, refresh_token: str) -> Opened:
    """Trades a refresh token for a new one; INVALID_CREDENTIALS when it is unknown, spent or ended."""
    now = datetime.now(UTC)
    opened: Opened | None = None
    async with db.begin() as session:
        # The row lock makes two concurrent uses of one token strictly ordered: the second is a reuse.
        stored = await session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == _hash(refresh_token)).with_for_update()
        )
        row = await session.get(Session, stored.session_id, with_for_update=True) if stored else None
        if stored is None or row is None or row.revoked_at is not None or row.expires_at <= now:
            pass
        elif stored.rotated_at is not None:
            await _end(session, row.id)  # committed below, then refused
        else:
            stored.rotated_at = now
            token = await _new_token(session, row.id)
            user = await session.get(User, row.user_id)
            if user is not None:
                opened = Opened(user=user, session_id=row.id, refresh_token=token)
    if opened is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "The refresh token is not valid; sign in again.")
    return opened


async def _end(session: AsyncSession, session_id: uuid.UUID) -> None:
    """Ends a session in the current transaction and announces it once that commits."""
    # The database's clock, like the catch-up read's `as_of`: one clock for every users replica.
    revoked_at = await session.scalar(
        update(Session)
        .where(Session.id == session_id, Session.revoked_at.is_(None))
        .values(revoked_at=func.clock_timestamp())
        .returning(Session.revoked_at)
    )
    if revoked_at is not None:
        payload = Revocation(session_id=session_id, revoked_at=revoked_at).model_dump_json()
        await session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})


async def revoke(db: Db, session_id: uuid.UUID) -> None:
    """Ends a session: its refresh token stops working and every subgraph refuses its access tokens."""
    async with db.begin() as session:
        await _end(session, session_id)


async def revoked_since(db: Db, since: datetime | None, token_ttl: int) -> RevocationsReply:
    """Sessions ended since `since` (None: all whose access tokens may still be alive)."""
    async with db() as session:
        as_of = await session.scalar(select(func.clock_timestamp()))
        assert as_of is not None
        # A token lives `token_ttl` at most after its session ended; the overlap allows for clocks that differ.
        oldest = as_of - timedelta(seconds=token_ttl) - OVERLAP
        # Never later than now: a `since` from the far future (or any clock) asks for nothing, and cannot overflow.
        start = min(max(since, oldest), as_of) if since else oldest
        rows = await session.execute(select(Session.id, Session.revoked_at).where(Session.revoked_at >= start))
        revocations = [Revocation(session_id=sid, revoked_at=at) for sid, at in rows]
    return RevocationsReply(revocations=revocations, as_of=as_of)


async def is_active(db: Db, session_id: uuid.UUID) -> bool:
    async with db() as session:
        row = await session.get(Session, session_id)
    return row is not None and row.revoked_at is None and row.expires_at > datetime.now(UTC)
