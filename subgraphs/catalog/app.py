"""The catalog subgraph's ASGI app: `uvicorn subgraphs.catalog.app:app`."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs.common.app import create_app
from subgraphs.common.settings import Settings

from .schema import schema


def build(settings: Settings | None = None) -> Starlette:
    """The app; settings are read from the environment at startup unless given."""
    return create_app("catalog", schema, settings=settings)


app = build()
