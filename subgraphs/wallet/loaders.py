"""Per-request DataLoaders: one statement per batch, however many wallets a response mentions."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ARRAY, cast, select, true
from sqlalchemy.dialects.postgresql import UUID, array
from sqlalchemy.orm import aliased
from sqlalchemy.sql import func

from subgraphs.common.loaders import Loader
from subgraphs.common.pagination import Keyset

from .models import Transaction, Wallet
from .service import ensure_wallets

#: A page of one wallet's history: (wallet id, rows to fetch, the (created_at, id) to start after).
PageKey = tuple[uuid.UUID, int, tuple[datetime, uuid.UUID] | None]
#: A wallet's history: newest first.
NEWEST = Keyset((Transaction.created_at, Transaction.id))


class WalletByUserLoader(Loader[uuid.UUID, Wallet]):
    """Accounts' wallets, created on first touch (see `service.ensure_wallets`)."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Wallet]:
        async with self.db.begin() as session:
            await ensure_wallets(session, keys)
            rows = {w.user_id: w for w in await session.scalars(select(Wallet).where(Wallet.user_id.in_(keys)))}
        return [rows[k] for k in keys]


class TransactionPageLoader(Loader[PageKey, list[Transaction]]):
    """Pages of wallets' histories, newest first, by keyset on (created_at, id).

    Keys asking the same page size and position share one statement: a LATERAL subquery per
    wallet, so each wallet's page is an index range scan with a LIMIT, never a scan of its history.
    """

    async def batch_load_fn(self, keys: Sequence[PageKey]) -> list[list[Transaction]]:
        groups: dict[tuple[int, tuple[datetime, uuid.UUID] | None], list[uuid.UUID]] = defaultdict(list)
        for wallet_id, limit, after in keys:
            groups[(limit, after)].append(wallet_id)
        found: dict[PageKey, list[Transaction]] = defaultdict(list)
        async with self.db() as session:
            for (limit, after), wallet_ids in groups.items():
                for row in await session.scalars(_pages(wallet_ids, limit, after)):
                    found[(row.wallet_id, limit, after)].append(row)
        return [found[key] for key in keys]


def _pages(wallet_ids: list[uuid.UUID], limit: int, after: tuple[datetime, uuid.UUID] | None):  # type: ignore[no-untyped-def]
    wallets = func.unnest(cast(array(wallet_ids), ARRAY(UUID))).table_valued("id").render_derived(name="w")
    page = select(Transaction).where(Transaction.wallet_id == wallets.c.id, *NEWEST.beyond(after))
    page = page.order_by(*NEWEST.order()).limit(limit).lateral("t")
    row = aliased(Transaction, page)
    return select(row).select_from(wallets).join(page, true()).order_by(row.wallet_id, *NEWEST.order([row.created_at, row.id]))
