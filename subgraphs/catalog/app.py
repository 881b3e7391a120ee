"""The catalog subgraph's ASGI app: `uvicorn subgraphs.catalog.app:app`."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.db import connect_raw
from subgraphs.common.settings import Settings

from .cache import CachedReads, ResponseCache
from .internal import routes
from .schema import schema


@dataclass(frozen=True)
class Catalog:
    """What catalog holds for its lifetime: the response cache of anonymous reads (None when turned off)."""

    cache: ResponseCache | None


@contextlib.asynccontextmanager
async def _services(state: AppState[Catalog]) -> AsyncIterator[Catalog]:
    """The cache listens for showcase changes while the process runs (unless turned off)."""
    if not state.settings.showcase_cache or not state.settings.database_url:
        yield Catalog(cache=None)
        return
    connect = functools.partial(connect_raw, state.settings.database_url, application_name="catalog-showcase")
    cache = ResponseCache(state.settings, connect)
    await cache.start()
    try:
        yield Catalog(cache=cache)
    finally:
        await cache.stop()


def build(settings: Settings | None = None) -> Starlette:
    """The app: GraphQL plus the saga's internal routes; settings are read at startup unless given."""
    app = create_app("catalog", schema, settings=settings, routes=routes, services=_services)
    app.add_middleware(CachedReads)  # outermost: a hit costs no more than this
    return app


app = build()
