"""Stock for the order saga: look products up, reserve an order's lines, commit or release them.

Idempotency is the database's, as in the wallet: `reservations` has the order id as its primary
key. Reserve claims it (`INSERT … ON CONFLICT DO NOTHING`, state RESERVED) in the same transaction
as the stock it takes, so a refused reserve rolls back and leaves no claim; release claims it as a
RELEASED tombstone when nothing is there yet. When the row exists, commit and release lock it
(`SELECT … FOR UPDATE`) before they move stock, so the steps of one order serialize on that row:

    reserve, then release   the release waits for the reserve's transaction (its insert holds the
                            key), then finds RESERVED and gives the stock back
    release, then reserve   the tombstone wins the key; the reserve finds RELEASED: CANCELLED
    release, release        the second waits for the first's lock, finds RELEASED: nothing to do

Stock never oversells: each line is one guarded `UPDATE … WHERE on_hand - reserved >= q`, which
PostgreSQL re-checks against the newest row version when it had to wait for another writer.
Lines are taken in product id order, so two reservations never wait for each other in a cycle.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.contract import PricedLine, RefusalCode, Refused

from .models import Product, Reservation, ReservationLine, ReservationState
from .search import reading

Db = async_sessionmaker[AsyncSession]
P = Product.__table__
R = Reservation.__table__
L = ReservationLine.__table__

RESERVED, COMMITTED, RELEASED = ReservationState.RESERVED, ReservationState.COMMITTED, ReservationState.RELEASED


_IDS = bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))
_LOOKUP = select(
    P.c.id,
    P.c.name,
    P.c.price,
    (P.c.on_hand - P.c.reserved).label("stock"),
    P.c.deleted_at.is_not(None).label("deleted"),
).where(P.c.id == any_(_IDS))


async def lookup(db: Db, ids: Sequence[uuid.UUID]) -> list[Row[Any]]:
    """The products among `ids`, deleted ones included, unknown ones left out; one statement."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    async with reading(db) as session:
        found = {row.id: row for row in await session.execute(_LOOKUP, {"ids": wanted})}
    return [found[key] for key in wanted if key in found]


async def _lines(session: AsyncSession, order_id: uuid.UUID) -> list[PricedLine]:
    query = select(L.c.product_id, L.c.quantity, L.c.name, L.c.unit_price).where(L.c.order_id == order_id).order_by(L.c.position)
    return [PricedLine(*row) for row in await session.execute(query)]


async def _claim(session: AsyncSession, order_id: uuid.UUID, state: ReservationState) -> bool:
    """Inserts the order's row in `state`; False when it exists (after waiting for an in-flight insert)."""
    statement = pg_insert(R).values(order_id=order_id, state=state).on_conflict_do_nothing().returning(R.c.order_id)
    return await session.scalar(statement) is not None


async def _locked_state(session: AsyncSession, order_id: uuid.UUID) -> str | None:
    return await session.scalar(select(R.c.state).where(R.c.order_id == order_id).with_for_update())


async def _set_state(session: AsyncSession, order_id: uuid.UUID, state: ReservationState) -> None:
    await session.execute(update(R).where(R.c.order_id == order_id).values(state=state, updated_at=func.now()))


def _in_lock_order(lines: Iterable[PricedLine]) -> list[PricedLine]:
    return sorted(lines, key=lambda line: line.product_id)


async def reserve(db: Db, order_id: uuid.UUID, lines: dict[uuid.UUID, int]) -> list[PricedLine]:
    """Reserves every line (product id → quantity, merged) or none, at the current names and prices.

    A replay answers the lines as first recorded. Refused: OUT_OF_STOCK or PRODUCT_UNAVAILABLE (with
    the product), CANCELLED when the order was released before, CONFLICT when the order was
    reserved with other lines.
    """
    async with db.begin() as session:
        if not await _claim(session, order_id, RESERVED):
            state = await session.scalar(select(R.c.state).where(R.c.order_id == order_id))
            if state == RELEASED:
                raise Refused(RefusalCode.CANCELLED, "This order's reservation was released: it is cancelled.")
            recorded = await _lines(session, order_id)
            if {line.product_id: line.quantity for line in recorded} != lines:
                raise Refused(RefusalCode.CONFLICT, "This order was reserved with other lines.")
            return recorded

        priced: dict[uuid.UUID, PricedLine] = {}
        for product_id in sorted(lines):
            quantity = lines[product_id]
            taken = (
                update(P)
                .where(P.c.id == product_id, P.c.deleted_at.is_(None), P.c.on_hand - P.c.reserved >= quantity)
                .values(reserved=P.c.reserved + quantity)
                .returning(P.c.name, P.c.price)
            )
            row = (await session.execute(taken)).first()
            if row is None:
                raise await _why_not(session, product_id)
            priced[product_id] = PricedLine(product_id, quantity, row.name, row.price)

        # The answer keeps the request's order of lines; so does every replay (`position`).
        ordered = [priced[product_id] for product_id in lines]
        await session.execute(
            L.insert(),
            [
                {"order_id": order_id, "position": i, "product_id": line.product_id, "quantity": line.quantity,
                 "name": line.name, "unit_price": line.unit_price}
                for i, line in enumerate(ordered)
            ],
        )
        return ordered


async def _why_not(session: AsyncSession, product_id: uuid.UUID) -> Refused:
    """Why a guarded reservation of this product took nothing (the transaction then rolls back)."""
    row = (await session.execute(select(P.c.deleted_at, P.c.on_hand - P.c.reserved).where(P.c.id == product_id))).first()
    if row is None or row[0] is not None:
        return Refused(RefusalCode.PRODUCT_UNAVAILABLE, "The product is no longer sold.", product_id)
    return Refused(RefusalCode.OUT_OF_STOCK, f"Only {max(row[1], 0)} in stock.", product_id)


async def commit(db: Db, order_id: uuid.UUID) -> None:
    """Makes a reservation a sale: its items leave on_hand and reserved. INVALID_STATE unless reserved."""
    async with db.begin() as session:
        state = await _locked_state(session, order_id)
        if state == COMMITTED:
            return
        if state != RESERVED:
            raise Refused(RefusalCode.INVALID_STATE, "No reservation to commit: it was released, or never made.")
        for line in _in_lock_order(await _lines(session, order_id)):
            await session.execute(
                update(P)
                .where(P.c.id == line.product_id)
                .values(on_hand=P.c.on_hand - line.quantity, reserved=P.c.reserved - line.quantity)
            )
        await _set_state(session, order_id, COMMITTED)


async def release(db: Db, order_id: uuid.UUID) -> None:
    """Gives an order's stock back, once: held items are freed, sold items return to the shelf.

    With no reservation yet, leaves a RELEASED tombstone, so a late reserve is refused.
    """
    async with db.begin() as session:
        if await _claim(session, order_id, RELEASED):
            return
        state = await _locked_state(session, order_id)
        if state == RELEASED:
            return
        for line in _in_lock_order(await _lines(session, order_id)):
            # A deleted product still gets its items back: they are on the shelf again.
            values = {"reserved": P.c.reserved - line.quantity} if state == RESERVED else {"on_hand": P.c.on_hand + line.quantity}
            await session.execute(update(P).where(P.c.id == line.product_id).values(values))
        await _set_state(session, order_id, RELEASED)
