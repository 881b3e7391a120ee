"""Delivery actions: pickup points, the admin's queue and status changes, and the saga's steps.

Status changes follow a strict table per method; each one applied writes a
`delivery.status_changed` event into the outbox in the same transaction, which is what moves
the order along (orders consumes it). Cancelling is the saga's compensation, not an admin's
status change, so it publishes nothing: the order's status after a cancel is orders' own business.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.auth import owner_or_admin
from subgraphs.common.ids import parse_id
from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.events import publish
from subgraphs.common.pagination import Keyset, Page
from subgraphs.common.types import AddressInput

from .models import Delivery, OutboxEvent, PickupPoint

if TYPE_CHECKING:
    from subgraphs.common.auth import Principal

Db = async_sessionmaker[AsyncSession]
D = Delivery.__table__
P = PickupPoint.__table__
#: The admin's queue: oldest first.
QUEUE = Keyset((D.c.created_at, D.c.id), descending=False)

TOPIC = "delivery.status_changed"
#: The only moves an admin may make, per method; anything else is INVALID_STATE.
TRANSITIONS: dict[str, frozenset[tuple[str, str]]] = {
    "COURIER": frozenset({("QUEUED", "IN_TRANSIT"), ("IN_TRANSIT", "DELIVERED")}),
    "PICKUP": frozenset({("QUEUED", "READY_FOR_PICKUP"), ("READY_FOR_PICKUP", "PICKED_UP")}),
}
#: Where the saga's compensation (or the customer's cancelOrder) may still stop a delivery.
CANCELLABLE = frozenset({"QUEUED", "READY_FOR_PICKUP"})
ADDRESS_PARTS = ("recipient", "phone", "country", "city", "street", "building", "apartment", "postal_code")




def clean_address(raw: Any) -> dict[str, Any]:
    """An address from an internal call, validated as `AddressInput` is; ValueError when it is not one."""
    if not isinstance(raw, dict):
        raise ValueError("address must be an object")
    parts = {name: raw.get(name) for name in ADDRESS_PARTS}
    if any(value is not None and not isinstance(value, str) for value in parts.values()):
        raise ValueError("address parts must be strings")
    return AddressInput(**parts).to_dict()


def visible_to(principal: Principal | None, row: Row[Any]) -> bool:
    """Owners and admins see a delivery; to anyone else it does not exist."""
    return owner_or_admin(principal, row.user_id)


# Pickup points


async def list_pickup_points(db: Db) -> list[Row[Any]]:
    """Every pickup point, by name."""
    async with db() as session:
        return list(await session.execute(select(P).order_by(P.c.name, P.c.id)))


async def create_pickup_point(db: Db, name: str, address: dict[str, Any], opening_hours: str | None) -> Row[Any]:
    """A new pickup point; INVALID_INPUT for a blank name."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "The name must have 1 to 200 characters.", "name")
    hours = (opening_hours or "").strip() or None
    async with db.begin() as session:
        values = {"id": uuid.uuid4(), "name": name, "address": address, "opening_hours": hours}
        return (await session.execute(P.insert().values(**values).returning(*P.c))).one()


async def get_pickup_point(db: Db, point_id: uuid.UUID) -> Row[Any] | None:
    async with db() as session:
        return (await session.execute(select(P).where(P.c.id == point_id))).first()


# The admin's queue and status changes


async def list_deliveries(db: Db, page: Page, status: str | None) -> list[Row[Any]]:
    """The queue, oldest first, keyset on (created_at, id); tombstones are not deliveries."""
    query = select(D).where(D.c.method.is_not(None))
    if status is not None:
        query = query.where(D.c.status == status)
    async with db() as session:
        return list(await session.execute(QUEUE.paged(query, page)))


async def update_status(db: Db, order_id: Any, target: str) -> Row[Any]:
    """Moves an order's delivery to `target` and publishes the change; the same status again is a no-op.

    The row lock orders two admins racing: the second sees the first's result, so a repeated
    move is the idempotent case and never publishes twice.
    """
    key = parse_id(order_id)
    async with db.begin() as session:
        row = None
        if key is not None:
            query = select(D).where(D.c.order_id == key, D.c.method.is_not(None)).with_for_update()
            row = (await session.execute(query)).first()
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No delivery for this order.", "orderId")
        if target == "CANCELLED":
            raise DomainError(
                ErrorCode.INVALID_STATE, "A delivery is cancelled by cancelling its order (cancelOrder).", "status"
            )
        if row.status == target:
            return row
        if (row.status, target) not in TRANSITIONS[row.method]:
            raise DomainError(
                ErrorCode.INVALID_STATE, f"A {row.method} delivery cannot go from {row.status} to {target}.", "status"
            )
        moved = (
            await session.execute(
                update(D).where(D.c.id == row.id).values(status=target, updated_at=func.clock_timestamp()).returning(*D.c)
            )
        ).one()
        await publish(
            session, OutboxEvent, TOPIC, {"order_id": str(key), "status": target, "at": moved.updated_at.isoformat()}
        )
    return moved


# The order saga's steps (internal calls)


async def create_delivery(
    db: Db, *, order_id: uuid.UUID, user_id: uuid.UUID, method: str, address: dict[str, Any] | None, pickup_point_id: uuid.UUID | None
) -> Row[Any]:
    """Queues an order's delivery, or answers the one it already has (a CANCELLED row means refused).

    Idempotent by order id: the unique constraint, not the first SELECT, is what stops a double.
    """
    async with db.begin() as session:
        existing = await _by_order(session, order_id)
        if existing is not None:
            return existing
        if method == "PICKUP":
            if pickup_point_id is None or await session.scalar(select(P.c.id).where(P.c.id == pickup_point_id)) is None:
                raise DomainError(ErrorCode.INVALID_INPUT, "Unknown pickup point.", "pickupPointId")
            address = None
        else:
            if address is None:
                raise DomainError(ErrorCode.INVALID_INPUT, "A courier delivery needs an address.", "address")
            pickup_point_id = None
        values = {
            "id": uuid.uuid4(),
            "order_id": order_id,
            "user_id": user_id,
            "method": method,
            "status": "QUEUED",
            "address": address,
            "pickup_point_id": pickup_point_id,
        }
        inserted = (
            await session.execute(
                pg_insert(D).values(**values).on_conflict_do_nothing(index_elements=[D.c.order_id]).returning(*D.c)
            )
        ).first()
        # None: a concurrent create or cancel committed first; answer what it left.
        return inserted if inserted is not None else await _by_order(session, order_id)  # type: ignore[return-value]


async def cancel_delivery(db: Db, order_id: uuid.UUID) -> Row[Any]:
    """Cancels an order's delivery (idempotent); with none yet, leaves a tombstone that refuses a late create.

    INVALID_STATE once the parcel has left (IN_TRANSIT) or reached the customer.
    """
    async with db.begin() as session:
        row = await _by_order(session, order_id, lock=True)
        if row is None:
            tombstone = {"id": uuid.uuid4(), "order_id": order_id, "status": "CANCELLED"}
            row = (
                await session.execute(
                    pg_insert(D).values(**tombstone).on_conflict_do_nothing(index_elements=[D.c.order_id]).returning(*D.c)
                )
            ).first()
            if row is None:  # a create committed meanwhile: cancel that one
                row = await _by_order(session, order_id, lock=True)
        assert row is not None
        if row.status == "CANCELLED":
            return row
        if row.status not in CANCELLABLE:
            raise DomainError(ErrorCode.INVALID_STATE, f"The delivery is already {row.status}.")
        query = update(D).where(D.c.id == row.id).values(status="CANCELLED", updated_at=func.clock_timestamp())
        return (await session.execute(query.returning(*D.c))).one()


async def _by_order(session: AsyncSession, order_id: uuid.UUID, *, lock: bool = False) -> Row[Any] | None:
    query = select(D).where(D.c.order_id == order_id)
    return (await session.execute(query.with_for_update() if lock else query)).first()
