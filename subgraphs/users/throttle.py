"""Sign-in throttling: an attempt is counted before its password is checked, so guesses cannot race.

    await throttle.admit(db, settings, client, email)   # RATE_LIMITED, or counted
    ... verify the password ...
    await throttle.failed(db, settings, client, email)  # or throttle.succeeded(...)

Two counters per attempt, each a row of `login_throttles` in a fixed window: the email's
(`login_max_failures`) and the client address's (`login_max_failures_per_client`, one source
spraying many emails; IPv6 by /64). Admitting locks both rows, so of N concurrent attempts
exactly as many as the budget allows go on to the password check; the others are refused
without one.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from sqlalchemy import case, delete, func, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.settings import Settings

from .models import LoginFailure, LoginThrottle

Db = async_sessionmaker[AsyncSession]


def client_key(client: str) -> str:
    """The counter of a client address; an IPv6 address counts as its /64, which one subscriber usually holds whole."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return f"client:{client}"
    if isinstance(address, ipaddress.IPv6Address):
        return f"client:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"client:{address}"


def _keys(client: str, email: str | None) -> list[str]:
    # Always the client's row first, then the email's: one lock order, so admissions never deadlock.
    return [client_key(client), *([f"email:{email}"] if email is not None else [])]


def _limit(key: str, settings: Settings) -> int:
    return settings.login_max_failures_per_client if key.startswith("client:") else settings.login_max_failures


async def _lock(session: AsyncSession, key: str, window: timedelta) -> int:
    """The key's attempts in its current window (a spent window starts again), its row locked until commit."""
    expired = LoginThrottle.window_start <= func.now() - window
    upsert = (
        pg_insert(LoginThrottle)
        .values(key=key, window_start=func.now(), attempts=0)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "window_start": case((expired, func.now()), else_=LoginThrottle.window_start),
                "attempts": case((expired, 0), else_=LoginThrottle.attempts),
            },
        )
        .returning(LoginThrottle.attempts)
    )
    return int((await session.execute(upsert)).scalar_one())


async def admit(db: Db, settings: Settings, client: str, email: str | None = None) -> None:
    """Counts one attempt for the client (and the email), or RATE_LIMITED when either budget is spent."""
    window = timedelta(seconds=settings.login_window_seconds)
    keys = _keys(client, email)
    async with db.begin() as session:
        for key in keys:
            if await _lock(session, key, window) >= _limit(key, settings):
                # Refused before any password is looked at: guessing gains nothing during the window.
                raise DomainError(ErrorCode.RATE_LIMITED, "Too many failed attempts; try again later.")
        await session.execute(update(LoginThrottle).where(LoginThrottle.key.in_(keys)).values(attempts=LoginThrottle.attempts + 1))


async def failed(db: Db, settings: Settings, client: str, email: str) -> None:
    """Records a failed check (its attempt stays counted) and sweeps what has outlived its window."""
    window = timedelta(seconds=settings.login_window_seconds)
    async with db.begin() as session:
        await session.execute(insert(LoginFailure).values(email=email, client=client[:64]))
        await session.execute(delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.at <= func.now() - window))
        await session.execute(delete(LoginThrottle).where(LoginThrottle.window_start <= func.now() - window))


async def succeeded(db: Db, client: str, email: str | None = None) -> None:
    """A success resets the email's counter and gives the client back the attempt it was counted."""
    async with db.begin() as session:
        await session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == client_key(client))
            .values(attempts=func.greatest(LoginThrottle.attempts - 1, 0))
        )
        if email is not None:
            await session.execute(delete(LoginThrottle).where(LoginThrottle.key == f"email:{email}"))
            await session.execute(delete(LoginFailure).where(LoginFailure.email == email))
