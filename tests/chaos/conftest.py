"""The chaos test's own store: an embedded PostgreSQL in its own data folder (so crashing it
touches no other test), its own ports, and the real processes of `shop/stack.py`."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from shop.cli import prepare
from shop.migrate import migrate_all
from shop.postgres import embedded, ensure_database
from shop.stack import Stack
from subgraphs.common.settings import ROOT, Settings
from tests.conftest import TEST_PORT_BASE, GraphQLClient

from .faults import Postgres

#: Beside the end-to-end stacks' ports, never on them.
PORT_BASE = TEST_PORT_BASE + 100


@pytest.fixture(scope="package")
def chaos_dir() -> Iterator[Path]:
    path = ROOT / ".data" / "test" / f"chaos-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="package")
def postgres(chaos_dir: Path) -> Iterator[Postgres]:
    """A PostgreSQL of this test alone, which the test may crash and start again."""
    handle = embedded(chaos_dir)
    try:
        yield Postgres(handle)
    finally:
        handle.cleanup()


@pytest.fixture(scope="package")
def chaos_settings(postgres: Postgres, chaos_dir: Path) -> Settings:
    url = ensure_database(postgres.url, "shop")
    migrate_all(url)
    return Settings(database_url=url, data_dir=chaos_dir / "store", port_base=PORT_BASE, admin_email="admin-chaos@example.com")


@pytest.fixture(scope="package")
async def chaos_store(chaos_settings: Settings) -> AsyncIterator[Stack]:
    assert chaos_settings.database_url
    await prepare(chaos_settings, chaos_settings.database_url)
    async with Stack(chaos_settings, chaos_settings.database_url, quiet=True) as stack:
        yield stack


@pytest.fixture(scope="package")
async def chaos_gateway(chaos_store: Stack) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=chaos_store.settings.url("gateway"), timeout=15.0) as http:
        yield GraphQLClient(http)
