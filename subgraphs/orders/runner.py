"""Runs sagas in the background and recovers unfinished ones, at start and periodically."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from .models import Order
from .saga import ENDED, Saga
from .states import SagaState

log = logging.getLogger(__name__)


class Runner:
    """One per process: `start(order_id)` launches a saga; `recover()` resumes every unfinished one."""

    def __init__(self, saga: Saga, *, interval: float = 2.0, concurrency: int = 4, grace: float = 3.0) -> None:
        self.saga, self.interval, self.grace = saga, interval, grace
        # Each running saga holds one database connection: leave the rest of the pool to requests.
        self.slots = asyncio.Semaphore(concurrency)
        self.tasks: dict[uuid.UUID, asyncio.Task[bool]] = {}
        self.loop_task: asyncio.Task[None] | None = None

    def start(self, order_id: uuid.UUID) -> asyncio.Task[bool]:
        """The task running this order's saga (an existing one is reused)."""
        task = self.tasks.get(order_id)
        if task is None or task.done():
            task = asyncio.create_task(self._run(order_id), name=f"saga-{order_id}")
            self.tasks[order_id] = task
        return task

    async def _run(self, order_id: uuid.UUID) -> bool:
        try:
            async with self.slots:
                return await self.saga.run(order_id)
        except Exception:  # noqa: BLE001 (recovery picks it up again)
            log.exception("saga of order %s failed; recovery will resume it", order_id)
            return False
        finally:
            self.tasks.pop(order_id, None)

    async def wait(self, order_id: uuid.UUID, timeout: float) -> None:
        """Waits up to `timeout` seconds for the order's saga to end, whoever runs it; it goes on
        in the background afterwards."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with contextlib.suppress(TimeoutError):
            if await asyncio.wait_for(asyncio.shield(self.start(order_id)), timeout):
                return
        # Another process holds the saga (a replica's recovery), or it waits out an outage: watch it.
        while loop.time() < deadline:
            async with self.saga.db() as session:
                if await session.scalar(select(Order.saga).where(Order.id == order_id)) in (*ENDED, None):
                    return
            await asyncio.sleep(0.05)

    async def recover(self) -> int:
        """Starts a saga for every unfinished order not already running here; returns how many.

        Orders touched in the last few seconds are left to the process that is placing them."""
        quiet = func.clock_timestamp() - timedelta(seconds=self.grace)
        async with self.saga.db() as session:
            query = select(Order.id).where(Order.saga.not_in(ENDED), Order.updated_at < quiet).order_by(Order.updated_at).limit(500)
            ids = list(await session.scalars(query))
        started = [i for i in ids if i not in self.tasks]
        for order_id in started:
            self.start(order_id)
        return len(started)

    async def _loop(self) -> None:
        while True:
            try:
                await self.recover()
            except Exception:  # noqa: BLE001 (the database may be restarting)
                log.exception("saga recovery failed; retrying")
            await asyncio.sleep(self.interval)

    def run_forever(self) -> None:
        self.loop_task = asyncio.create_task(self._loop(), name="saga-recovery")

    async def stop(self) -> None:
        tasks = [t for t in [self.loop_task, *self.tasks.values()] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
