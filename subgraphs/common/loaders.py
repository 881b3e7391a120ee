"""The base of every per-request DataLoader: bound to the request's database once, here.

    class UserLoader(Loader[uuid.UUID, User | None]):
        async def batch_load_fn(self, keys): ...   # one statement for the whole batch, through self.db

Built by `ctx.loader(UserLoader)`, so a request shares one instance (and its cache) across fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from aiodataloader import DataLoader

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from .context import Context

K = TypeVar("K")
V = TypeVar("V")


class Loader(DataLoader[K, V]):
    """A DataLoader over the subgraph's database; subclasses write only `batch_load_fn`."""

    def __init__(self, context: Context[Any]) -> None:
        super().__init__()
        self.db: async_sessionmaker[AsyncSession] = context.db
