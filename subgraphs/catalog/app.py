"""The catalog subgraph's ASGI app: `uvicorn subgraphs.catalog.app:app`."""

from __future__ import annotations

import functools

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.db import connect_raw
from subgraphs.common.settings import Settings

from .cache import KEY, CachedReads, ResponseCache
from .internal import ROUTES
from .schema import schema


async def start_cache(state: AppState) -> None:
    """The response cache of anonymous reads, listening for showcase changes (unless turned off)."""
    if not state.settings.showcase_cache or not state.settings.database_url:
        return
    connect = functools.partial(connect_raw, state.settings.database_url, application_name="catalog-showcase")
    cache = state.extras[KEY] = ResponseCache(state.settings, connect)
    await cache.start()


async def stop_cache(state: AppState) -> None:
    if (cache := state.extras.pop(KEY, None)) is not None:
        await cache.stop()


def build(settings: Settings | None = None) -> Starlette:
    """The app: GraphQL plus the saga's internal routes; settings are read at startup unless given."""
    app = create_app("catalog", schema, settings=settings, routes=ROUTES, on_startup=[start_cache], on_shutdown=[stop_cache])
    app.add_middleware(CachedReads)  # outermost: a hit costs no more than this
    return app


app = build()
