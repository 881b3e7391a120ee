"""The wallet subgraph in-process, its database for direct service calls, and ledger checks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from subgraphs.common.settings import Settings
from subgraphs.wallet.app import build
from subgraphs.wallet.models import Transaction, Wallet
from subgraphs.wallet.service import Db
from tests.conftest import GraphQLClient, serve
from tests.internal_client import Answer, InternalRoutes

SIGN = {"TOP_UP": 1, "REFUND": 1, "PAYMENT": -1}


@pytest.fixture(scope="session")
async def wallet_http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The wallet app in-process, its lifespan run."""
    async with serve(build(settings, background=False)) as http:
        yield http


@pytest.fixture(scope="session")
def wallet(wallet_http: httpx.AsyncClient) -> GraphQLClient:
    """Anonymous GraphQL client of the wallet subgraph; `.as_(token)` signs in."""
    return GraphQLClient(wallet_http)


@pytest.fixture
def customer(wallet: GraphQLClient, token_for: Callable[..., str]) -> Callable[[], tuple[uuid.UUID, GraphQLClient]]:
    """A new customer each call: their id and a client signed in as them."""

    def make() -> tuple[uuid.UUID, GraphQLClient]:
        user_id = uuid.uuid4()
        return user_id, wallet.as_(token_for(user_id))

    return make


class Internal(InternalRoutes):
    """The wallet's internal routes, called with the service credential."""

    async def charge(self, order_id: uuid.UUID, user_id: uuid.UUID, amount: str) -> Answer:
        return await self.post("/internal/charges", {"order_id": str(order_id), "user_id": str(user_id), "amount": amount})

    async def refund(self, order_id: uuid.UUID) -> Answer:
        return await self.post("/internal/refunds", {"order_id": str(order_id)})


@pytest.fixture(scope="session")
def internal(wallet_http: httpx.AsyncClient, settings: Settings) -> Internal:
    return Internal(wallet_http, settings.resolved_service_token())


async def ledger(db: Db, user_id: uuid.UUID) -> tuple[Decimal, list[Transaction]]:
    """The wallet's balance and its ledger, oldest first."""
    async with db() as session:
        wallet = (await session.scalars(select(Wallet).where(Wallet.user_id == user_id))).one()
        rows = await session.scalars(
            select(Transaction).where(Transaction.wallet_id == wallet.id).order_by(Transaction.created_at, Transaction.id)
        )
        return wallet.balance, list(rows)


def assert_adds_up(balance: Decimal, rows: list[Transaction]) -> None:
    """Each row's balance_after is the previous one plus its signed amount, never negative; the last is the balance."""
    running = Decimal("0")
    for row in rows:
        running += SIGN[row.kind] * row.amount
        assert row.balance_after == running, (row.kind, row.amount, row.balance_after, running)
        assert running >= 0
    assert balance == running
