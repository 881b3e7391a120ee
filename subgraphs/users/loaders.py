"""Per-request DataLoaders: one query per batch, however many users a response mentions."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiodataloader import DataLoader
from sqlalchemy import select

from .models import ExternalIdentity, User

if TYPE_CHECKING:
    from subgraphs.common.context import Context


class UserLoader(DataLoader[uuid.UUID, User | None]):
    def __init__(self, context: Context) -> None:
        super().__init__()
        self.db = context.db

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[User | None]:
        async with self.db() as session:
            rows = {u.id: u for u in await session.scalars(select(User).where(User.id.in_(keys)))}
        return [rows.get(k) for k in keys]


class IdentitiesLoader(DataLoader[uuid.UUID, list[ExternalIdentity]]):
    def __init__(self, context: Context) -> None:
        super().__init__()
        self.db = context.db

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[ExternalIdentity]]:
        grouped: dict[uuid.UUID, list[ExternalIdentity]] = defaultdict(list)
        async with self.db() as session:
            query = select(ExternalIdentity).where(ExternalIdentity.user_id.in_(keys)).order_by(ExternalIdentity.linked_at)
            for row in await session.scalars(query):
                grouped[row.user_id].append(row)
        return [grouped[k] for k in keys]
