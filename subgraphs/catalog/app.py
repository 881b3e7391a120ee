"""The catalog subgraph's ASGI app: `uvicorn subgraphs.catalog.app:app`."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.settings import Settings

from .internal import routes
from .schema import schema


def build(settings: Settings | None = None) -> Starlette:
    """The app: GraphQL plus the saga's internal routes; settings are read at startup unless given."""
    return create_app("catalog", schema, settings=settings, routes=routes)


app = build()
