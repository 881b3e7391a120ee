"""Sending after the commit, and again later when the provider failed.

The intake commits first and then `kick`s the send in the background (the relay is not kept
waiting for SMTP); a loop picks up whatever is still unsent and due, up to the attempt limit.
A crash between the provider accepting a message and the commit marking it sent is the only
way a message goes twice: sending stays at-least-once, and never silently lost.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from subgraphs.common.settings import Settings
from subgraphs.common.tasks import cancel

from . import service
from .senders import Sender
from .service import Db

log = logging.getLogger(__name__)


class Dispatcher:
    """Sends notifications through one provider: `kick(id)` now, and the retry loop in the background."""

    def __init__(self, db: Db, sender: Sender, conf: Settings) -> None:
        self.db, self.sender, self.conf = db, sender, conf
        self._sends: set[asyncio.Task[bool]] = set()
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._loop = asyncio.create_task(self._retry_forever(), name="notifications-retry")

    async def stop(self) -> None:
        await cancel(self._loop, *self._sends)

    def kick(self, notification_id: uuid.UUID) -> None:
        """Sends a just-committed notification in the background."""
        task = asyncio.create_task(self.send(notification_id))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def send(self, notification_id: uuid.UUID) -> bool:
        """One attempt, if still due; True when this attempt sent it. Never raises for a provider failure."""
        try:
            sent = await service.send(
                self.db, self.sender, notification_id,
                max_attempts=self.conf.notify_max_attempts, backoff=self.conf.notify_retry_interval,
            )
        except Exception:
            log.exception("sending notification %s failed", notification_id)
            return False
        return sent

    async def retry_due(self) -> int:
        """Tries every unsent notification whose time has come; how many were sent."""
        ids = await service.due(self.db, max_attempts=self.conf.notify_max_attempts)
        return sum([await self.send(key) for key in ids])

    async def idle(self) -> None:
        """Waits for the sends already kicked (tests; a graceful shutdown)."""
        while self._sends:
            await asyncio.gather(*list(self._sends), return_exceptions=True)

    async def _retry_forever(self) -> None:
        while True:
            await asyncio.sleep(self.conf.notify_retry_interval)
            try:
                await self.retry_due()
            except Exception:
                log.exception("notification retry loop failed; carrying on")
