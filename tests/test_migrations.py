"""Each subgraph's migrations build exactly what its models declare (no drift either way)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from subgraphs import SUBGRAPHS
from subgraphs.common.db import async_url


@pytest.mark.parametrize("name", SUBGRAPHS)
async def test_migrations_match_the_models(database_url: str, name: str) -> None:
    metadata = importlib.import_module(f"subgraphs.{name}.models").Base.metadata

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={"include_schemas": True, "include_name": lambda n, t, _: t != "schema" or n == name, "version_table_schema": name},
        )
        return list(compare_metadata(context, metadata))

    engine = create_async_engine(async_url(database_url))
    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    await engine.dispose()
    assert differences == []
