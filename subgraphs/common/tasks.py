"""The background tasks a process keeps while it runs: waited for briefly at start, ended at stop."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def awaited(event: asyncio.Event, seconds: float) -> bool:
    """Waits up to `seconds` for `event`; whether it came (a start goes on without it: the database may be late)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()


async def cancel(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancels each task and waits for it to end, one after the other."""
    for task in tasks:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
