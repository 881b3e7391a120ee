"""The catalog subgraph's ASGI app: `uvicorn subgraphs.catalog.app:app`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.context import AppState
from subgraphs.common.settings import Settings

from .cache import CachedReads, ResponseCache
from .categories import CategoryMap
from .feed import ShowcaseFeed
from .internal import ROUTES
from .schema import schema


@dataclass(frozen=True)
class Catalog:
    """What catalog holds for its lifetime: the response cache of anonymous reads (None when turned off)
    and the in-memory categories that name each product's category on a page without a query."""

    cache: ResponseCache | None
    categories: CategoryMap | None


@contextlib.asynccontextmanager
async def _services(state: AppState[Catalog]) -> AsyncIterator[Catalog]:
    """Both follow one showcase feed while the process runs (the cache unless turned off)."""
    url = state.settings.database_url
    if not url:
        yield Catalog(cache=None, categories=None)
        return
    async with contextlib.AsyncExitStack() as stack:
        feed = ShowcaseFeed(url)
        cache = ResponseCache(state.settings, feed) if state.settings.showcase_cache else None
        categories = CategoryMap(url, feed)
        await feed.start()
        stack.push_async_callback(feed.stop)
        await categories.start(wait=5.0 if feed.listening else 0.0)  # a database that is late: neither waits twice
        stack.push_async_callback(categories.stop)
        yield Catalog(cache=cache, categories=categories)


def build(settings: Settings | None = None) -> Starlette:
    """The app: GraphQL plus the saga's internal routes; settings are read at startup unless given."""
    app = create_app(
        "catalog", schema, settings=settings, routes=ROUTES, services=_services, pool=lambda conf: (conf.catalog_pool_size, 0)
    )
    app.add_middleware(CachedReads)  # outermost: a hit costs no more than this
    return app


app = build()
