"""The catalog process's one LISTEN on `catalog_showcase`, and how long it vouches for what was heard.

The response cache (cache.py) and the category map (categories.py) keep in memory what a NOTIFY
from migration 0004's triggers makes stale. Both follow this one connection, so each notice
reaches them together and in the order it was sent: neither can be ahead of the other.

Vouching. PostgreSQL sends a listener every notification committed before a statement arrived
ahead of that statement's answer, so a `SELECT 1` sent at `t` and answered proves every change
announced before `t` has been heard. The feed vouches only while the newest such proof is under
`TRUSTED_FOR` old, with one sent every `HEARTBEAT`. A connection that dies without a word (a
network partition, a frozen server) stops the vouching within `TRUSTED_FOR`, so no process keeps
serving what it can no longer hear about; the gateway's short-lived copy on top of that stays
within the promised second of a change. A slow answer under load only pauses the vouching: nothing
was missed, so nothing is emptied, and it resumes with the answer. Only a connection unanswered
for `DEAD_AFTER`, or one that ends, is replaced, and then the followers start over.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from subgraphs.common.db import listen_forever
from subgraphs.common.tasks import awaited, cancel

CHANNEL = "catalog_showcase"
HEARTBEAT = 0.1  # seconds between proofs
TRUSTED_FOR = 0.4  # seconds a proof vouches for: the gateway's 0.5 s copy on top stays within 1 s
DEAD_AFTER = 5.0  # seconds a heartbeat may go unanswered before the connection is replaced


class Follower(Protocol):
    """What keeps state the notices make stale."""

    def heard(self, payload: str) -> None:
        """A notice: `products`, `categories` or `stock`."""

    def listened(self) -> None:
        """A LISTEN began: what changed while nobody listened is unknown."""

    def lost(self) -> None:
        """The LISTEN ended."""


class ShowcaseFeed:
    """Dispatches `catalog_showcase` notices to its followers; `vouches` says whether they may trust their state."""

    def __init__(self, url: str, *, application_name: str = "catalog-showcase") -> None:
        self.url, self.application_name = url, application_name
        self.followers: list[Follower] = []
        self.listening = False
        self._proved = float("-inf")  # when the newest answered proof was sent
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    @property
    def vouches(self) -> bool:
        return self.listening and time.monotonic() - self._proved < TRUSTED_FOR

    def follow(self, follower: Follower) -> None:
        self.followers.append(follower)

    async def start(self, *, wait: float = 5.0) -> None:
        self._task = asyncio.create_task(self._listen(), name="showcase-feed")
        await awaited(self._ready, wait)  # without the database yet: the followers vouch for nothing meanwhile

    async def stop(self) -> None:
        await cancel(self._task)

    def _heard(self, payload: str) -> None:
        for follower in self.followers:
            follower.heard(payload)

    def _listened(self) -> None:
        self._proved = time.monotonic()
        self.listening = True
        for follower in self.followers:
            follower.listened()
        self._ready.set()

    def _lost(self) -> None:
        self.listening = False
        for follower in self.followers:
            follower.lost()

    def _answered(self, sent: float) -> None:
        self._proved = max(self._proved, sent)

    async def _listen(self) -> None:
        await listen_forever(
            self.url, CHANNEL, self._heard, ready=self._listened, lost=self._lost, alive=self._answered,
            check_every=HEARTBEAT, dead_after=DEAD_AFTER, max_delay=1.0,
            application_name=self.application_name,
        )
