from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from subgraphs.common.settings import Settings
from subgraphs.orders.app import build
from tests.conftest import GraphQLClient, serve
from tests.orders.fakes import FakeRemote


@pytest.fixture(scope="module")
def remote() -> FakeRemote:
    return FakeRemote()


@pytest.fixture(scope="module")
async def orders(settings: Settings, remote: FakeRemote) -> AsyncIterator[GraphQLClient]:
    """The orders subgraph in-process over a fake of its neighbours; no background recovery."""
    async with serve(build(settings.model_copy(update={"place_order_wait": 5.0}), remote=remote, background=False)) as http:
        yield GraphQLClient(http)
