"""Alembic for every subgraph: each keeps its versions, and its version table, in its own schema.

A subgraph's `migrations/env.py` is one call: `run_env(Base.metadata)`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .db import async_url

SUBGRAPHS_DIR = Path(__file__).resolve().parents[1]


def config(subgraph: str, database_url: str) -> Config:
    """An Alembic config for one subgraph (no ini file: everything is derived)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SUBGRAPHS_DIR / subgraph / "migrations"))
    # Kept out of the ini options: URL-encoded socket paths clash with ini interpolation.
    cfg.attributes["url"] = async_url(database_url)
    cfg.attributes["schema"] = subgraph
    return cfg


def upgrade(subgraph: str, database_url: str) -> None:
    """Applies every migration of one subgraph."""
    command.upgrade(config(subgraph, database_url), "head")


def run_env(metadata: MetaData) -> None:
    """The body of each `env.py`: online migrations over asyncpg, in the subgraph's schema."""
    cfg = context.config
    schema = metadata.schema or cfg.attributes["schema"]

    def migrate(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, parent: type_ != "schema" or name == schema,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(cfg.attributes["url"], poolclass=NullPool)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(main())
