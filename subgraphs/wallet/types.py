"""The wallet subgraph's GraphQL types."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.auth import owned_field
from subgraphs.common.ids import parse_id
from subgraphs.common.errors import UserError
from subgraphs.common.money import money
from subgraphs.common.pagination import After, Connection, First, Page
from subgraphs.common.types import Money

from . import models
from .loaders import TransactionPageLoader, WalletByUserLoader




@strawberry.enum(description="Why money moved.")
class WalletTransactionKind(enum.Enum):
    TOP_UP = strawberry.enum_value("TOP_UP", description="The owner added money.")
    PAYMENT = strawberry.enum_value("PAYMENT", description="An order was paid.")
    REFUND = strawberry.enum_value("REFUND", description="An order's payment came back.")


@strawberry.type(description="One movement of money in a wallet's ledger.")
class WalletTransaction:
    id: strawberry.ID = strawberry.field(description="Transaction id.")
    kind: WalletTransactionKind = strawberry.field(description="Why the money moved.")
    amount: Money = strawberry.field(description="How much moved (always positive; `kind` says which way).")
    balance_after: Money = strawberry.field(description="The wallet's balance right after this movement.")
    order_id: strawberry.ID | None = strawberry.field(description="The order paid or refunded; null for top-ups.")
    created_at: datetime = strawberry.field(description="When the money moved.")

    @classmethod
    def from_row(cls, row: models.Transaction, currency: str) -> WalletTransaction:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=WalletTransactionKind(row.kind),
            amount=money(row.amount, currency),
            balance_after=money(row.balance_after, currency),
            order_id=strawberry.ID(str(row.order_id)) if row.order_id else None,
            created_at=row.created_at,
        )


@strawberry.type(description="An account's money in the store: a balance and the ledger behind it.")
class Wallet:
    id: strawberry.ID = strawberry.field(description="Wallet id.")
    balance: Money = strawberry.field(description="What the wallet holds now.")
    wallet_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The ledger, newest first.")
    async def transactions(
        self, info: Info, first: First = 20, after: After = UNSET
    ) -> Connection[WalletTransaction]:
        page = Page.from_args(first, after)
        key = (self.wallet_id, page.limit, tuple(page.after) if page.after else None)
        rows = await info.context.loader(TransactionPageLoader).load(key)
        currency = info.context.settings.currency
        return Connection[WalletTransaction].build(
            rows, page, node=lambda r: WalletTransaction.from_row(r, currency)
        )

    @classmethod
    def from_row(cls, row: models.Wallet, currency: str) -> Wallet:
        return cls(id=strawberry.ID(str(row.id)), balance=money(row.balance, currency), wallet_id=row.id)


@strawberry.federation.type(keys=["id"], description="A customer or administrator account.")
class User:
    id: strawberry.ID = strawberry.field(description="Account id.")

    @property
    def owner_id(self) -> str:
        return self.id

    @owned_field(description="The account's wallet: for its owner and administrators, null for anyone else.")
    async def wallet(self, info: Info) -> Wallet | None:
        user_id = parse_id(self.id)
        if user_id is None:
            return None
        row = await info.context.loader(WalletByUserLoader).load(user_id)
        return Wallet.from_row(row, info.context.settings.currency)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        """Users are the users subgraph's; here an id is all a user needs."""
        return cls(id=id)


@strawberry.type(description="The outcome of a top-up: the wallet and the credit, or errors.")
class TopUpWalletPayload:
    wallet: Wallet | None = strawberry.field(default=None, description="The wallet as it is now.")
    transaction: WalletTransaction | None = strawberry.field(
        default=None, description="The credit (the first one again when the idempotency key was used before)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.input(description="Money to add to the caller's wallet.")
class TopUpWalletInput:
    amount: Decimal = strawberry.field(description='More than zero, at most two decimals, e.g. "500.00".')
    idempotency_key: str = strawberry.field(
        description="Chosen by the client, at most 100 characters: the same key again credits once and answers the first result."
    )
