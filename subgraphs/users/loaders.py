"""Per-request DataLoaders: one query per batch, however many users a response mentions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from subgraphs.common.loaders import Loader, all_per_key, one_per_key

from .models import ExternalIdentity, User


class UserLoader(Loader[uuid.UUID, User | None]):
    """Accounts by id."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[User | None]:
        async with self.db() as session:
            return one_per_key(keys, await session.scalars(select(User).where(User.id.in_(keys))), by=lambda u: u.id)


class IdentitiesLoader(Loader[uuid.UUID, list[ExternalIdentity]]):
    """Each account's linked external identities, oldest link first."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[ExternalIdentity]]:
        query = select(ExternalIdentity).where(ExternalIdentity.user_id.in_(keys)).order_by(ExternalIdentity.linked_at)
        async with self.db() as session:
            return all_per_key(keys, await session.scalars(query), by=lambda row: row.user_id)
