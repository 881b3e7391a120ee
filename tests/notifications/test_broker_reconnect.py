"""The live-push broker LISTENs again after the database drops its connection (as a restart does)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.settings import Settings
from subgraphs.common.db import listener_name
from subgraphs.notifications import service
from subgraphs.notifications.broker import Broker, owned_by
from tests.conftest import listen_cut_and_back


async def test_the_broker_listens_again_and_pushes_after_its_connection_is_killed(
    notifications_settings: Settings, db: async_sessionmaker[AsyncSession]
) -> None:
    broker = Broker(notifications_settings.database_url or "", db, reconnect_delay=0.2)
    await broker.start()
    name = listener_name(service.CHANNEL)
    try:
        await listen_cut_and_back(notifications_settings.database_url or "", name, broker.listening)
        me = uuid.uuid4()
        async with broker.subscribe(owned_by(me)) as queue:
            async with db.begin() as session:
                made = await service.add(session, user_id=me, kind="WALLET", title="Refund received", body="Refund received: 1 RUB.")
            row = await asyncio.wait_for(queue.get(), 20)
        assert row.id == made
    finally:
        await broker.stop()
