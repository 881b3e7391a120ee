"""The order saga's routes into the catalog: look products up, reserve, commit and release stock.

What each takes and answers is in `subgraphs.common.contract` (LOOKUP, RESERVE, COMMIT, RELEASE);
every effect is idempotent by order id:

    reserve   reserved now at the current names and prices, or before (the same answer);
              409 OUT_OF_STOCK | PRODUCT_UNAVAILABLE (with `product_id`): nothing reserved;
              409 CANCELLED (released before) | CONFLICT (reserved with other lines)
    commit    sold now, or before; 409 INVALID_STATE when released, or never reserved
    release   given back now, or before, or never reserved (a tombstone refuses a late reserve)
"""

from __future__ import annotations

from subgraphs.common.context import AppState
from subgraphs.common.contract import (
    COMMIT, LOOKUP, RELEASE, RESERVE, CommitReply, LookupReply, LookupRequest, OrderRef, ProductInfo, ReleaseReply,
    ReserveReply, ReserveRequest,
)
from subgraphs.common.internal import route

from . import reservations


async def lookup_products(state: AppState, request: LookupRequest) -> LookupReply:
    """Products by id for the cart and checkout, deleted ones included (flagged)."""
    rows = await reservations.lookup(state.db, request.ids)
    return LookupReply(products=[ProductInfo(row.id, row.name, row.price, row.stock, row.deleted) for row in rows])


async def reserve(state: AppState, request: ReserveRequest) -> ReserveReply:
    """Reserves an order's lines, all or none, and answers them priced."""
    return ReserveReply(lines=await reservations.reserve(state.db, request.order_id, request.merged()))


async def commit(state: AppState, request: OrderRef) -> CommitReply:
    """The sale is final: the reserved items leave the stock on hand."""
    await reservations.commit(state.db, request.order_id)
    return CommitReply()


async def release(state: AppState, request: OrderRef) -> ReleaseReply:
    """The compensation of reserve and of commit: the order's items are sellable again."""
    await reservations.release(state.db, request.order_id)
    return ReleaseReply()


ROUTES = [route(LOOKUP, lookup_products), route(RESERVE, reserve), route(COMMIT, commit), route(RELEASE, release)]
