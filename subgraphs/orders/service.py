"""Order actions: place (start the saga), cancel, read, and follow the delivery."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.auth import Principal, owner_or_admin
from subgraphs.common.ids import input_id, parse_id
from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.events import first_time
from subgraphs.common.pagination import Keyset, Page

from . import cart
from .models import HandledEvent, Order, OrderItem, SagaStep
from .remote import Refused, Remote, RemoteUnavailable
from .saga import STEPS
from .states import OrderStatus, SagaState, Step, StepState
from .status import CANCELLABLE, DELIVERY_DRIVES, set_status

Db = async_sessionmaker[AsyncSession]
#: Order lists: newest first.
NEWEST = Keyset((Order.created_at, Order.id))


async def delivery_target(
    remote: Remote, user_id: uuid.UUID, method: str, address: dict[str, Any] | None, pickup_point_id: str | None
) -> tuple[dict[str, Any] | None, uuid.UUID | None]:
    """Where the order goes, checked before anything is reserved or charged."""
    if method == "COURIER":
        address = address or await remote.default_address(user_id)
        if not address:
            raise DomainError(ErrorCode.INVALID_INPUT, "A courier delivery needs an address (or a default address in the profile).", "delivery.address")
        return address, None
    if not pickup_point_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "A pickup needs a pickup point.", "delivery.pickupPointId")
    point = input_id(pickup_point_id, "delivery.pickupPointId")
    if not await remote.pickup_point_exists(point):
        raise DomainError(ErrorCode.INVALID_INPUT, "No such pickup point.", "delivery.pickupPointId")
    return None, point


async def existing_order(db: Db, user_id: uuid.UUID, key: str) -> Order | None:
    async with db() as session:
        return await session.scalar(select(Order).where(Order.user_id == user_id, Order.idempotency_key == key))


async def create_order(
    db: Db, remote: Remote, *, user_id: uuid.UUID, key: str, currency: str, method: str,
    address: dict[str, Any] | None, pickup_point_id: uuid.UUID | None,
) -> Order:
    """The PENDING order from the cart, with its saga steps, in one transaction (or the one this key made)."""
    async with db() as session:
        carted = list(await session.scalars(select(cart.CartItem).where(cart.CartItem.user_id == user_id)))
    if not carted:
        raise DomainError(ErrorCode.CART_EMPTY, "The cart is empty.")
    # Today's names and prices, for the PENDING order's display; the reservation fixes the real ones.
    products = await remote.products([c.product_id for c in carted])
    prices = {p.id: p.price for p in products.values()}
    names = {p.id: p.name for p in products.values()}
    order_id = uuid.uuid4()
    async with db.begin() as session:
        created = await session.scalar(
            insert(Order)
            .values(
                id=order_id, user_id=user_id, idempotency_key=key, status=OrderStatus.PENDING, saga=SagaState.RUNNING,
                delivery_method=method, delivery_address=address, pickup_point_id=pickup_point_id,
                total=sum((prices.get(c.product_id, Decimal(0)) * c.quantity for c in carted), start=Decimal(0)),
                currency=currency,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "idempotency_key"])
            .returning(Order.id)
        )
        if created is not None:
            session.add_all(
                OrderItem(order_id=order_id, product_id=c.product_id, quantity=c.quantity,
                          product_name=names.get(c.product_id, ""), unit_price=prices.get(c.product_id, Decimal(0)))
                for c in carted
            )
            session.add_all(SagaStep(order_id=order_id, step=step, position=i) for i, step in enumerate(STEPS))
            order = await session.get(Order, order_id)
            assert order is not None
            await set_status(session, order, OrderStatus.PENDING)
    # None: the same key raced us, and that order is the answer.
    found = await existing_order(db, user_id, key)
    assert found is not None
    return found


async def get_order(db: Db, order_id: uuid.UUID) -> Order | None:
    async with db() as session:
        return await session.get(Order, order_id, populate_existing=True)


def visible(order: Order | None, principal: Principal | None) -> Order | None:
    """Someone else's order answers as if it did not exist."""
    return order if order is not None and owner_or_admin(principal, order.user_id) else None


async def list_orders(db: Db, page: Page, *, user_id: uuid.UUID | None = None, status: OrderStatus | None = None) -> list[Order]:
    """Newest first, keyset on (created_at, id)."""
    query = select(Order)
    if user_id is not None:
        query = query.where(Order.user_id == user_id)
    if status is not None:
        query = query.where(Order.status == status)
    async with db() as session:
        return list(await session.scalars(NEWEST.paged(query, page)))


async def begin_cancel(db: Db, remote: Remote, order: Order) -> None:
    """Cancels the delivery, then hands refund and release to the saga (CANCELLING → CANCELLED)."""
    if order.saga != SagaState.DONE or order.status not in CANCELLABLE:
        raise DomainError(ErrorCode.INVALID_STATE, f"An order that is {order.status} cannot be cancelled.")
    try:
        # First, because it may refuse: a parcel already on its way cannot be called back.
        await remote.cancel_delivery(order.id)
    except Refused:
        raise DomainError(ErrorCode.INVALID_STATE, "The delivery is already on its way.") from None
    except RemoteUnavailable:
        raise DomainError(ErrorCode.INTERNAL, "Delivery cannot be reached; try again shortly.") from None
    async with db.begin() as session:
        locked = await session.get(Order, order.id, with_for_update=True)
        if locked is None or locked.saga != SagaState.DONE or locked.status not in CANCELLABLE:
            raise DomainError(ErrorCode.INVALID_STATE, "The order changed meanwhile; look again.")
        locked.saga = SagaState.CANCELLING
        locked.updated_at = func.clock_timestamp()
        await session.execute(
            update(SagaStep).where(SagaStep.order_id == order.id, SagaStep.step == Step.DELIVER).values(state=StepState.COMPENSATED)
        )


async def on_delivery_status(db: Db, event_id: uuid.UUID, payload: dict[str, Any]) -> bool:
    """Moves an order along with its delivery, once per event, and only forward.

    False, recording nothing, while the order is still PENDING: the saga queues the delivery
    before it confirms the order, so an admin may move the parcel in between, and that event
    must be applied once the order is confirmed, not dropped.
    """
    target = DELIVERY_DRIVES.get(str(payload.get("status")))
    if target is None:
        return True  # a status that moves no order: nothing to apply, nothing to record
    async with db.begin() as session:
        order = await session.get(Order, parse_id(payload.get("order_id")), with_for_update=True)
        if order is not None and order.status == OrderStatus.PENDING:
            return False
        if not await first_time(session, HandledEvent, event_id) or order is None:
            return True
        status, sources = target
        if order.status in sources:
            await set_status(session, order, status, f"delivery {str(payload['status']).lower().replace('_', ' ')}")
    return True


async def place_order(db: Db, remote: Remote, *, user_id: uuid.UUID, currency: str, input: Any) -> Order:
    """Validates the request and creates the PENDING order (or finds the one this key made)."""
    key = input.idempotency_key.strip()
    if not 1 <= len(key) <= 100:
        raise DomainError(ErrorCode.INVALID_INPUT, "The idempotency key must have 1 to 100 characters.", "idempotencyKey")
    if (found := await existing_order(db, user_id, key)) is not None:
        return found
    delivery = input.delivery
    try:
        address = delivery.address.to_dict() if delivery.address else None
    except ValueError as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, str(exc), "delivery.address") from None
    address, point = await delivery_target(remote, user_id, delivery.method.value, address, delivery.pickup_point_id or None)
    return await create_order(
        db, remote, user_id=user_id, key=key, currency=currency, method=delivery.method.value, address=address, pickup_point_id=point
    )
