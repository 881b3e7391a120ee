"""The base of every per-request DataLoader: bound to the request's database once, here.

    class UserLoader(Loader[uuid.UUID, User | None]):
        async def batch_load_fn(self, keys):
            async with self.db() as session:   # one statement for the whole batch
                return one_per_key(keys, await session.scalars(select(User).where(User.id.in_(keys))), by=lambda u: u.id)

Built by `ctx.loader(UserLoader)`, so a request shares one instance (and its cache) across fields;
`ctx.loader(UserLoader).load_id(id)` loads by an id the client sent, None when it is no id.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from aiodataloader import DataLoader

from .ids import parse_id

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from .context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")


class Loader(DataLoader[K, V]):
    """A DataLoader over the subgraph's database; subclasses write only `batch_load_fn`."""

    def __init__(self, context: Context[Any]) -> None:
        super().__init__()
        self.db: async_sessionmaker[AsyncSession] = context.db

    async def load_id(self: Loader[uuid.UUID, V], value: object) -> V | None:
        """The answer for an id a client sent (an argument, a reference); None, and no statement,
        when it is no id: a malformed id reads like an unknown one."""
        key = parse_id(value)
        return await self.load(key) if key is not None else None


def one_per_key(keys: Sequence[K], rows: Iterable[R], *, by: Callable[[R], K]) -> list[R | None]:
    """A batch's answer when each key has at most one row: in the order of `keys`, None where none."""
    found = {by(row): row for row in rows}
    return [found.get(key) for key in keys]


def all_per_key(keys: Sequence[K], rows: Iterable[R], *, by: Callable[[R], K]) -> list[list[R]]:
    """A batch's answer when a key has many rows: each key's rows in the statement's order."""
    grouped: dict[K, list[R]] = defaultdict(list)
    for row in rows:
        grouped[by(row)].append(row)
    return [grouped[key] for key in keys]
