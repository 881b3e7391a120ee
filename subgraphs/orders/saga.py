"""The placeOrder saga: reserve stock → charge the wallet → queue the delivery → commit stock → CONFIRMED.

Every step is persisted (`saga_steps`) and every remote effect is idempotent by order id, so the
saga can be run again from the database at any point — after a crash, by another replica, or by
recovery — without doubling anything. A refusal compensates the finished steps (the delivery
first, then in reverse) and ends the order FAILED; an outage is retried until the deadline, then compensated as well (the
remotes leave tombstones, so undoing a step that never landed is safe). Once the parcel is on its
way it cannot be called back, and then the purchase is finished instead: nothing is refunded or put
back on the shelf for goods that travel.

Two runners never work on one order at once: each holds a PostgreSQL advisory lock on the order
id for as long as it runs, and a crashed runner's lock dies with its connection. A runner does
all its database work on that one connection, so a running saga costs exactly one connection
(holding the lock on one pooled connection while asking the pool for more would deadlock under load).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from subgraphs.common.errors import ErrorCode

from .models import CartItem, Order, OrderItem, SagaStep
from .remote import Line, Refused, Remote, RemoteUnavailable
from .states import UNDOABLE, OrderStatus, SagaState, Step, StepState
from .status import set_status

log = logging.getLogger(__name__)

#: Saga states nothing more is done in by itself.
ENDED = (SagaState.DONE, SagaState.STUCK)
#: The steps in the order they run (and each order's `saga_steps` rows, by position).
STEPS = tuple(Step)
Db = async_sessionmaker[AsyncSession]
#: What a step writes locally once its remote call succeeded, in the transaction that marks it DONE.
Record = Callable[[AsyncSession], Awaitable[None]]
#: A step's action: the remote call, then what to record (None: only that it is done).
Do = Callable[[Db, Order], Awaitable[Record | None]]
#: A step's compensation, by order id: the remotes leave a tombstone when there is nothing to undo.
Undo = Callable[[uuid.UUID], Awaitable[None]]


def lock_key(order_id: uuid.UUID) -> int:
    """A signed 64-bit advisory lock key from the order id."""
    return (order_id.int >> 64) - (1 << 63)


@contextlib.asynccontextmanager
async def claimed(db: Db, order_id: uuid.UUID) -> AsyncIterator[Db | None]:
    """Holds the order's advisory lock while the block runs, yielding sessions on the locking
    connection; yields None when another runner has the lock."""
    engine: AsyncEngine = db.kw["bind"]
    async with engine.connect() as connection:
        got = bool(await connection.scalar(select(func.pg_try_advisory_lock(lock_key(order_id)))))
        await connection.commit()  # the lock is the session's, not the transaction's: it stays
        if not got:
            yield None
            return
        try:
            yield async_sessionmaker(bind=connection, expire_on_commit=False)
        finally:
            await connection.scalar(select(func.pg_advisory_unlock(lock_key(order_id))))
            await connection.commit()


class Saga:
    """Runs (or resumes) one order's saga to its end, as far as the remotes allow right now."""

    def __init__(self, db: Db, remote: Remote, *, deadline: float = 120.0) -> None:
        self.db, self.remote, self.deadline = db, remote, timedelta(seconds=deadline)
        #: Each step's action and compensation; a new step is one more line here and in `Step`.
        self.table: dict[Step, tuple[Do, Undo]] = {
            Step.RESERVE: (self._reserve, remote.release),
            Step.CHARGE: (self._charge, remote.refund),
            Step.DELIVER: (self._deliver, remote.cancel_delivery),
            # Committed stock goes back the same way as reserved stock.
            Step.COMMIT: (self._commit, remote.release),
        }
        assert tuple(self.table) == STEPS, "every step needs an action and a compensation"

    async def run(self, order_id: uuid.UUID) -> bool:
        """True when this call found the saga finished or finished it; False when it must be resumed later."""
        async with claimed(self.db, order_id) as db:
            if db is None:
                return False
            order = await self._order(db, order_id)
            if order is None or order.saga in ENDED:
                return True
            if order.saga == SagaState.RUNNING and not await self._forward(db, order):
                return False
            order = await self._order(db, order_id)
            if order is None or order.saga in ENDED:
                return True
            return await self._backward(db, order_id)

    async def _order(self, db: Db, order_id: uuid.UUID) -> Order | None:
        async with db() as session:
            return await session.get(Order, order_id, populate_existing=True)

    async def _steps(self, db: Db, order_id: uuid.UUID) -> list[SagaStep]:
        async with db() as session:
            return list(await session.scalars(select(SagaStep).where(SagaStep.order_id == order_id).order_by(SagaStep.position)))

    async def _mark(self, session: AsyncSession, order_id: uuid.UUID, step: Step, state: StepState, error: str | None = None) -> None:
        await session.execute(
            update(SagaStep)
            .where(SagaStep.order_id == order_id, SagaStep.step == step)
            .values(state=state, error=error, attempts=SagaStep.attempts + 1, updated_at=func.clock_timestamp())
        )

    async def _forward(self, db: Db, order: Order) -> bool:
        """Runs the pending steps; True when the saga moved to its end (confirmed or compensating)."""
        for step in await self._steps(db, order.id):
            if step.state != StepState.PENDING:
                continue
            do, _ = self.table[step.step]
            try:
                record = await do(db, order)
            except Refused as refused:
                await self._fail(db, order.id, step.step, StepState.FAILED, refused.code, str(refused))
                return True
            except RemoteUnavailable as outage:
                if datetime.now(UTC) - order.created_at < self.deadline:
                    async with db.begin() as session:
                        await self._mark(session, order.id, step.step, StepState.PENDING, str(outage))
                    return False
                # Past the deadline: give up, and undo this step too, in case it landed.
                await self._fail(db, order.id, step.step, StepState.UNKNOWN, ErrorCode.INTERNAL, str(outage))
                return True
            async with db.begin() as session:
                if record is not None:
                    await record(session)
                await self._mark(session, order.id, step.step, StepState.DONE)
        async with db.begin() as session:
            locked = await session.get(Order, order.id, with_for_update=True)
            assert locked is not None
            locked.saga = SagaState.DONE
            await set_status(session, locked, OrderStatus.CONFIRMED)
            await _empty_cart(session, locked)
        return True

    async def _reserve(self, db: Db, order: Order) -> Record:
        async with db() as session:
            items = list(await session.scalars(select(OrderItem).where(OrderItem.order_id == order.id)))
        priced = await self.remote.reserve(order.id, [Line(i.product_id, i.quantity) for i in items])

        async def record(session: AsyncSession) -> None:
            # The reservation fixes the prices the customer pays: they become the order's lines.
            for line in priced:
                await session.execute(
                    update(OrderItem)
                    .where(OrderItem.order_id == order.id, OrderItem.product_id == line.product_id)
                    .values(product_name=line.name, unit_price=line.unit_price)
                )
            total = sum((line.unit_price * line.quantity for line in priced), start=Decimal(0))
            await session.execute(update(Order).where(Order.id == order.id).values(total=total, updated_at=func.clock_timestamp()))
            order.total = total  # what the next step charges

        return record

    async def _charge(self, db: Db, order: Order) -> None:
        await self.remote.charge(order.id, order.user_id, order.total)

    async def _deliver(self, db: Db, order: Order) -> None:
        await self.remote.create_delivery(order.id, order.user_id, order.delivery_method, order.delivery_address, order.pickup_point_id)

    async def _commit(self, db: Db, order: Order) -> None:
        await self.remote.commit(order.id)

    async def _fail(self, db: Db, order_id: uuid.UUID, step: Step, state: StepState, code: ErrorCode, message: str) -> None:
        async with db.begin() as session:
            await self._mark(session, order_id, step, state, message)
            await session.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(saga=SagaState.COMPENSATING, failure_reason=code.value, updated_at=func.clock_timestamp())
            )

    async def _backward(self, db: Db, order_id: uuid.UUID) -> bool:
        """Undoes the finished steps, the delivery first, then the others in reverse; ends FAILED
        (or CANCELLED when cancelling). A parcel already on its way turns the saga forward again."""
        steps = await self._steps(db, order_id)
        # The delivery first: it is the one undo that can be refused (the parcel has left), and then
        # the purchase must be finished, so no money or stock may have gone back before it is asked.
        for step in sorted(reversed(steps), key=lambda s: s.step != Step.DELIVER):
            if step.state not in UNDOABLE:
                continue
            _, undo = self.table[step.step]
            try:
                await undo(order_id)
            except RemoteUnavailable as outage:
                log.warning("compensation %s of order %s postponed: %s", step.step, order_id, outage)
                return False
            except Refused as refused:
                if step.step == Step.DELIVER:
                    return await self._finish_instead(db, order_id, steps, refused)
                # Nothing left to undo there (a tombstone, or never landed): record and go on.
                log.error("compensation %s of order %s refused: %s", step.step, order_id, refused)
            async with db.begin() as session:
                await self._mark(session, order_id, step.step, StepState.COMPENSATED)
        async with db.begin() as session:
            order = await session.get(Order, order_id, with_for_update=True)
            assert order is not None
            cancelled = order.saga == SagaState.CANCELLING
            order.saga = SagaState.DONE
            if cancelled:
                await set_status(session, order, OrderStatus.CANCELLED)
            else:
                await set_status(session, order, OrderStatus.FAILED, order.failure_reason)
        return True

    async def _finish_instead(self, db: Db, order_id: uuid.UUID, steps: list[SagaStep], refused: Refused) -> bool:
        """The parcel left before it could be called back: the steps that timed out are run again
        (each is idempotent) until the order is confirmed. False: recovery resumes it.

        A step refused outright, or one already undone (a compensation begun before the delivery
        was undone first), cannot be run again: then the saga is STUCK, for an operator."""
        if any(step.state == StepState.FAILED or (step.state == StepState.COMPENSATED and step.step != Step.DELIVER) for step in steps):
            log.error("order %s: the delivery cannot be called back (%s) and a step cannot be run again; it waits for an operator", order_id, refused)
            async with db.begin() as session:
                await session.execute(
                    update(Order).where(Order.id == order_id).values(saga=SagaState.STUCK, updated_at=func.clock_timestamp())
                )
            return True
        async with db.begin() as session:
            await session.execute(
                update(SagaStep)
                .where(SagaStep.order_id == order_id, SagaStep.state == StepState.UNKNOWN)
                .values(state=StepState.PENDING, updated_at=func.clock_timestamp())
            )
            await session.execute(
                update(Order)
                .where(Order.id == order_id, Order.saga == SagaState.COMPENSATING)
                .values(saga=SagaState.RUNNING, failure_reason=None, updated_at=func.clock_timestamp())
            )
        log.warning("order %s: the delivery is on its way (%s); finishing the purchase instead of undoing it", order_id, refused)
        return False


async def _empty_cart(session: AsyncSession, order: Order) -> None:
    """Takes what was bought out of the cart: units added meanwhile stay."""
    bought = select(OrderItem.quantity).where(OrderItem.order_id == order.id, OrderItem.product_id == CartItem.product_id)
    mine = (CartItem.user_id == order.user_id) & CartItem.product_id.in_(select(OrderItem.product_id).where(OrderItem.order_id == order.id))
    await session.execute(delete(CartItem).where(mine, CartItem.quantity <= bought.scalar_subquery()))
    await session.execute(update(CartItem).where(mine).values(quantity=CartItem.quantity - bought.scalar_subquery()))
