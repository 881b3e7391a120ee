"""Per-request DataLoaders: one query per batch, however many users a response mentions."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from subgraphs.common.loaders import Loader

from .models import ExternalIdentity, User


class UserLoader(Loader[uuid.UUID, User | None]):
    """Accounts by id."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[User | None]:
        async with self.db() as session:
            rows = {u.id: u for u in await session.scalars(select(User).where(User.id.in_(keys)))}
        return [rows.get(k) for k in keys]


class IdentitiesLoader(Loader[uuid.UUID, list[ExternalIdentity]]):
    """Each account's linked external identities, oldest link first."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[ExternalIdentity]]:
        grouped: dict[uuid.UUID, list[ExternalIdentity]] = defaultdict(list)
        async with self.db() as session:
            query = select(ExternalIdentity).where(ExternalIdentity.user_id.in_(keys)).order_by(ExternalIdentity.linked_at)
            for row in await session.scalars(query):
                grouped[row.user_id].append(row)
        return [grouped[k] for k in keys]
