"""The placeOrder saga against fakes of the other subgraphs and the real orders database.

A failure at each step gives exactly the right compensations; a crash between any two steps is
finished or compensated by recovery; retries never double an effect.
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from subgraphs.common.contract import RefusalCode
from subgraphs.common.errors import ErrorCode
from subgraphs.orders import service
from subgraphs.orders.models import CartItem, Order, OrderStatusChange, OutboxEvent, SagaStep
from subgraphs.orders.remote import Refused
from subgraphs.orders.runner import Runner
from subgraphs.orders.saga import Saga, claimed
from tests.orders.fakes import OUTAGE, Crash, FakeRemote


async def new_order(db, remote: FakeRemote, *, money: str = "1000.00", quantity: int = 2) -> tuple[uuid.UUID, uuid.UUID]:  # type: ignore[no-untyped-def]
    """A customer with money and a carted product, and the PENDING order made from that cart."""
    user = uuid.uuid4()
    remote.balance[user] = Decimal(money)
    product = remote.add_product("Mug", "150.00", stock=5)
    async with db.begin() as session:
        session.add(CartItem(user_id=user, product_id=product, quantity=quantity))
    order = await service.create_order(db, remote, user_id=user, key=uuid.uuid4().hex, currency="RUB", method="PICKUP", address=None, pickup_point_id=uuid.uuid4())
    return order.id, user


async def state(db, order_id: uuid.UUID) -> tuple[str, dict[str, str], list[str]]:  # type: ignore[no-untyped-def]
    async with db() as session:
        order = await session.get(Order, order_id, populate_existing=True)
        steps = {s.step: s.state for s in await session.scalars(select(SagaStep).where(SagaStep.order_id == order_id))}
        history = list(await session.scalars(select(OrderStatusChange.status).where(OrderStatusChange.order_id == order_id).order_by(OrderStatusChange.id)))
    assert order is not None
    return order.status, steps, history


def effects_undone(remote: FakeRemote, order_id: uuid.UUID, user: uuid.UUID) -> None:
    assert order_id not in remote.reserved and order_id not in remote.committed
    assert remote.balance[user] == Decimal("1000.00")
    assert remote.deliveries.get(order_id) in (None, "CANCELLED")


async def test_happy_path_confirms_and_empties_the_cart(db) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote)
    assert await Saga(db, remote).run(order_id) is True
    status, steps, history = await state(db, order_id)
    assert status == "CONFIRMED" and set(steps.values()) == {"DONE"}
    assert history == ["PENDING", "CONFIRMED"]
    assert remote.balance[user] == Decimal("700.00") and remote.deliveries[order_id] == "QUEUED"
    assert order_id in remote.committed
    async with db() as session:
        assert (await session.scalars(select(CartItem).where(CartItem.user_id == user))).all() == []
        events = (await session.scalars(select(OutboxEvent).where(OutboxEvent.payload["order_id"].astext == str(order_id)))).all()
    assert [e.payload["status"] for e in sorted(events, key=lambda e: e.created_at)] == ["PENDING", "CONFIRMED"]


@pytest.mark.parametrize(
    ("step", "code", "undone"),
    [
        ("reserve", ErrorCode.OUT_OF_STOCK, []),
        ("charge", ErrorCode.INSUFFICIENT_FUNDS, ["release"]),
        ("deliver", ErrorCode.INVALID_INPUT, ["refund", "release"]),
    ],
)
async def test_a_refusal_compensates_the_finished_steps_in_reverse(db, step: str, code: ErrorCode, undone: list[str]) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote)
    remote.fail(step, Refused(RefusalCode(code.value)))
    assert await Saga(db, remote).run(order_id) is True
    status, steps, history = await state(db, order_id)
    assert status == "FAILED" and history == ["PENDING", "FAILED"]
    async with db() as session:
        assert (await session.get(Order, order_id)).failure_reason == code.value  # type: ignore[union-attr]
    compensations = [c for c in remote.calls if c in ("release", "refund", "cancel_delivery")]
    assert compensations == undone
    assert steps[step] == "FAILED"
    effects_undone(remote, order_id, user)


async def test_an_outage_is_retried_later_without_doubling(db) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote)
    remote.fail("charge", OUTAGE)
    assert await Saga(db, remote).run(order_id) is False
    assert (await state(db, order_id))[0] == "PENDING"
    assert await Saga(db, remote).run(order_id) is True
    assert (await state(db, order_id))[0] == "CONFIRMED"
    assert remote.calls.count("charge") == 2 and remote.balance[user] == Decimal("700.00")


@pytest.mark.parametrize(
    ("step", "undone"),
    [
        ("deliver", ["cancel_delivery", "refund", "release"]),
        # A parcel that can still be called back is called back first, then stock and money go back.
        ("commit", ["cancel_delivery", "release", "refund", "release"]),
    ],
)
async def test_an_outage_past_the_deadline_compensates_the_uncertain_step_too(db, step: str, undone: list[str]) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote)
    remote.fail(step, OUTAGE)
    assert await Saga(db, remote, deadline=0).run(order_id) is True
    status, steps, _ = await state(db, order_id)
    assert status == "FAILED" and steps[step] == "COMPENSATED"
    assert [c for c in remote.calls if c in ("release", "refund", "cancel_delivery")] == undone
    effects_undone(remote, order_id, user)


async def parcel_on_its_way(db, remote: FakeRemote) -> tuple[uuid.UUID, uuid.UUID]:  # type: ignore[no-untyped-def]
    """An order reserved, charged and queued (the process died before the commit), whose parcel an admin has sent."""
    order_id, user = await new_order(db, remote)
    remote.crash_after.add("deliver")
    with pytest.raises(Crash):
        await Saga(db, remote).run(order_id)
    remote.deliveries[order_id] = "IN_TRANSIT"
    return order_id, user


async def test_a_parcel_on_its_way_turns_the_saga_forward_instead_of_refunding(db) -> None:  # type: ignore[no-untyped-def]
    """Stock cannot be committed past the deadline, but an admin has already sent the parcel: no
    refund, no stock back on the shelf; the commit is retried until the order is confirmed."""
    remote = FakeRemote()
    order_id, user = await parcel_on_its_way(db, remote)
    remote.fail("commit", OUTAGE)
    assert await Saga(db, remote, deadline=0).run(order_id) is False
    status, steps, _ = await state(db, order_id)
    assert status == "PENDING" and steps == {"reserve": "DONE", "charge": "DONE", "deliver": "DONE", "commit": "PENDING"}
    assert [c for c in remote.calls if c in ("release", "refund", "cancel_delivery")] == ["cancel_delivery"]
    assert remote.balance[user] == Decimal("700.00") and order_id in remote.reserved
    async with db() as session:
        order = await session.get(Order, order_id)
        assert order is not None and order.saga == "RUNNING" and order.failure_reason is None

    assert await Saga(db, remote, deadline=0).run(order_id) is True  # the catalog is back
    status, steps, history = await state(db, order_id)
    assert status == "CONFIRMED" and set(steps.values()) == {"DONE"} and history == ["PENDING", "CONFIRMED"]
    assert remote.balance[user] == Decimal("700.00") and order_id in remote.committed
    assert remote.deliveries[order_id] == "IN_TRANSIT"


async def test_a_parcel_on_its_way_after_a_step_was_already_undone_waits_for_an_operator(db) -> None:  # type: ignore[no-untyped-def]
    """Committed stock already given back (as compensation in plain reverse order did), then the
    parcel turns out to travel: neither finishing nor undoing is safe alone, so nothing more is done."""
    remote = FakeRemote()
    order_id, user = await parcel_on_its_way(db, remote)
    async with db.begin() as session:
        await session.execute(update(SagaStep).where(SagaStep.order_id == order_id, SagaStep.step == "deliver").values(state="DONE"))
        await session.execute(update(SagaStep).where(SagaStep.order_id == order_id, SagaStep.step == "commit").values(state="COMPENSATED"))
        await session.execute(update(Order).where(Order.id == order_id).values(saga="COMPENSATING", failure_reason="INTERNAL"))
    assert await Saga(db, remote).run(order_id) is True
    status, steps, _ = await state(db, order_id)
    assert status == "PENDING" and steps["charge"] == "DONE" and steps["reserve"] == "DONE"
    assert [c for c in remote.calls if c in ("release", "refund", "cancel_delivery")] == ["cancel_delivery"]
    assert remote.balance[user] == Decimal("700.00")
    async with db() as session:
        order = await session.get(Order, order_id)
        assert order is not None and order.saga == "STUCK"
    calls = len(remote.calls)
    assert await Saga(db, remote).run(order_id) is True and len(remote.calls) == calls  # left alone
    runner, started = Runner(Saga(db, remote), grace=0), []
    runner.start = started.append  # type: ignore[method-assign,assignment]  (recorded, not run)
    await runner.recover()
    assert order_id not in started  # recovery leaves it


@pytest.mark.parametrize("step", ["reserve", "charge", "deliver", "commit"])
async def test_a_crash_after_each_step_is_finished_by_recovery(db, step: str) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote)
    remote.crash_after.add(step)
    with pytest.raises(Crash):
        await Saga(db, remote).run(order_id)
    assert (await state(db, order_id))[0] == "PENDING"
    assert await Saga(db, remote).run(order_id) is True  # recovery, as after a restart
    assert (await state(db, order_id))[0] == "CONFIRMED"
    assert remote.balance[user] == Decimal("700.00") and remote.on_hand[next(iter(remote.on_hand))] == 3
    assert remote.calls.count(step) == 2


@pytest.mark.parametrize("step", ["release", "refund"])
async def test_a_crash_during_compensation_is_finished_by_recovery(db, step: str) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote)
    remote.fail("deliver", Refused(RefusalCode.INVALID_INPUT))
    remote.crash_after.add(step)
    with pytest.raises(Crash):
        await Saga(db, remote).run(order_id)
    assert (await state(db, order_id))[0] == "PENDING"
    assert await Saga(db, remote).run(order_id) is True
    assert (await state(db, order_id))[0] == "FAILED"
    effects_undone(remote, order_id, user)


async def test_two_runners_never_run_one_saga_at_once(db) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, _ = await new_order(db, remote)
    async with claimed(db, order_id) as first:
        assert first is not None
        assert await Saga(db, remote).run(order_id) is False  # the other replica backs off
        assert remote.calls == []
    assert await Saga(db, remote).run(order_id) is True


async def test_cancel_after_confirmation_refunds_and_restocks(db) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote)
    await Saga(db, remote).run(order_id)
    order = await service.get_order(db, order_id)
    assert order is not None
    await service.begin_cancel(db, remote, order)
    assert await Saga(db, remote).run(order_id) is True
    status, _, history = await state(db, order_id)
    assert status == "CANCELLED" and history == ["PENDING", "CONFIRMED", "CANCELLED"]
    assert remote.balance[user] == Decimal("1000.00") and remote.on_hand[next(iter(remote.on_hand))] == 5
    assert remote.deliveries[order_id] == "CANCELLED"


async def test_cancel_is_refused_once_the_parcel_is_on_its_way(db) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote)
    await Saga(db, remote).run(order_id)
    remote.deliveries[order_id] = "IN_TRANSIT"
    order = await service.get_order(db, order_id)
    with pytest.raises(Exception) as refused:
        await service.begin_cancel(db, remote, order)  # type: ignore[arg-type]
    assert getattr(refused.value, "code", None) == ErrorCode.INVALID_STATE
    assert remote.balance[user] == Decimal("700.00")


async def test_confirmation_takes_only_what_was_bought_from_the_cart(db) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, user = await new_order(db, remote, quantity=2)
    async with db.begin() as session:  # one more unit carted while the order is on its way
        await session.execute(update(CartItem).where(CartItem.user_id == user).values(quantity=3))
    await Saga(db, remote).run(order_id)
    async with db() as session:
        assert list(await session.scalars(select(CartItem.quantity).where(CartItem.user_id == user))) == [1]


async def test_waiting_follows_a_saga_that_another_process_runs(db) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, _ = await new_order(db, remote)
    runner = Runner(Saga(db, remote))
    async with claimed(db, order_id) as other:
        assert other is not None
        waiting = asyncio.create_task(runner.wait(order_id, timeout=10))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # the lock holder has not finished: keep waiting, do not answer PENDING
    await Saga(db, remote).run(order_id)  # the other process finishes the saga
    await asyncio.wait_for(waiting, 5)
    assert (await state(db, order_id))[0] == "CONFIRMED"
    await runner.stop()


async def test_recovery_finishes_orders_nobody_is_running(db) -> None:  # type: ignore[no-untyped-def]
    remote = FakeRemote()
    order_id, _ = await new_order(db, remote)  # placed, then the process died before running it
    runner = Runner(Saga(db, remote), grace=0)
    assert await runner.recover() >= 1
    await asyncio.gather(*list(runner.tasks.values()))
    assert (await state(db, order_id))[0] == "CONFIRMED"
    await runner.stop()


async def test_the_tables_hold_the_same_text_as_before_the_enums(db) -> None:  # type: ignore[no-untyped-def]
    """Steps, states and statuses are enums in the code; the columns and events keep their strings."""
    remote = FakeRemote()
    order_id, _ = await new_order(db, remote)
    remote.fail("deliver", Refused(RefusalCode.INVALID_INPUT, "no such pickup point"))
    await Saga(db, remote).run(order_id)
    async with db() as session:
        order = (await session.execute(text("SELECT status, saga FROM orders.orders WHERE id = :o"), {"o": order_id})).one()
        steps = dict((await session.execute(text("SELECT step, state FROM orders.saga_steps WHERE order_id = :o"), {"o": order_id})).all())
        history = list(await session.scalars(text("SELECT status FROM orders.order_status_history WHERE order_id = :o ORDER BY id"), {"o": order_id}))
    assert tuple(order) == ("FAILED", "DONE")
    assert steps == {"reserve": "COMPENSATED", "charge": "COMPENSATED", "deliver": "FAILED", "commit": "PENDING"}
    assert history == ["PENDING", "FAILED"]
    assert all(type(value) is str for value in (*order, *steps, *steps.values(), *history))
