"""The fuzzer's own stack: its own database, ports and data folder, so what it creates or deletes
(as an admin it may delete products) never touches the data the other security tests rely on."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from shop.postgres import drop_database, ensure_database
from shop.migrate import migrate_all
from subgraphs.common.settings import ROOT, Settings
from tests.conftest import GraphQLClient
from tests.e2e.conftest import PORT_BASE, admin, gateway, store

from .world import Cast, make_cast

__all__ = ["admin", "cast", "e2e_settings", "gateway", "store"]

#: Ten ports above the other stacks: this one may run while the security package's stack is up.
FUZZ_PORT_BASE = PORT_BASE + 10


@pytest.fixture(scope="package")
def e2e_settings(server: str) -> Iterator[Settings]:
    """Settings of the fuzzer's stack: a fresh database, its own ports and data folder (keys, supergraph, logs)."""
    name = f"shop_fuzz_{os.getpid()}"
    url = ensure_database(server, name, fresh=True)
    migrate_all(url)
    yield Settings(
        database_url=url,
        data_dir=ROOT / ".data" / "e2e-fuzz",
        port_base=FUZZ_PORT_BASE,
        admin_email="admin-fuzz@example.com",
    )
    drop_database(server, name)


@pytest.fixture(scope="package")
async def cast(gateway: GraphQLClient, e2e_settings: Settings) -> Cast:
    """The fuzzer's callers and the real ids and cursors of its stack, made once for the package."""
    return await make_cast(gateway, e2e_settings.admin_email, e2e_settings.admin_password)
