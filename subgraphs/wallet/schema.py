"""The wallet subgraph: the caller's wallet, top-ups, and `User.wallet`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.auth import IsAuthenticated
from subgraphs.common.errors import ErrorCode, mutation
from subgraphs.common.schema import make_schema

from . import service
from .loaders import WalletByUserLoader
from .types import TopUpWalletInput, TopUpWalletPayload, User, Wallet, WalletTransaction


@strawberry.type
class Query:
    @strawberry.field(
        description="The signed-in account's wallet (zero until its first top-up).", permission_classes=[IsAuthenticated]
    )
    async def my_wallet(self, info: Info) -> Wallet:
        row = await info.context.loader(WalletByUserLoader).load(info.context.principal.user_id)
        return Wallet.from_row(row, info.context.settings.currency)


@strawberry.type
class Mutation:
    @mutation(
        description="Adds money to the caller's wallet; the same idempotency key credits once.",
        permission_classes=[IsAuthenticated],
    )
    async def top_up_wallet(self, info: Info, input: Annotated[TopUpWalletInput, strawberry.argument(description="The amount, and the key that makes a retry safe.")]) -> TopUpWalletPayload:
        settings = info.context.settings
        moved = await service.top_up(
            info.context.db, info.context.principal.user_id, input.amount, input.idempotency_key, maximum=settings.wallet_max_top_up
        )
        return TopUpWalletPayload(
            wallet=Wallet.from_row(moved.wallet, settings.currency),
            transaction=WalletTransaction.from_row(moved.transaction, settings.currency),
        )


# What the code here can answer in a payload's `errors`; the SDL lists only these.
schema = make_schema(query=Query, mutation=Mutation, types=[User], error_codes=[ErrorCode.CONFLICT, ErrorCode.INVALID_INPUT])
