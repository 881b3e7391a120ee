"""The order saga's routes into the catalog (look products up, reserve, commit and release stock), and
the showcase generation the gateway's copy of anonymous answers follows.

What each takes and answers is in `subgraphs.common.contract` (LOOKUP, RESERVE, COMMIT, RELEASE,
SHOWCASE_GENERATION); every effect is idempotent by order id:

    reserve   reserved now at the current names and prices, or before (the same answer);
              409 OUT_OF_STOCK | PRODUCT_UNAVAILABLE (with `product_id`): nothing reserved;
              409 CANCELLED (released before) | CONFLICT (reserved with other lines)
    commit    sold now, or before; 409 INVALID_STATE when released, or never reserved
    release   given back now, or before, or never reserved (a tombstone refuses a late reserve)
"""

from __future__ import annotations

from subgraphs.common.context import AppState
from subgraphs.common.contract import (
    COMMIT, LOOKUP, RELEASE, RESERVE, SHOWCASE_GENERATION, CommitReply, LookupReply, LookupRequest, Nothing, OrderRef,
    ProductInfo, ReleaseReply, ReserveReply, ReserveRequest, ShowcaseGeneration,
)
from subgraphs.common.internal import route
from subgraphs.common.settings import Settings

from . import reservations
from .cache import ResponseCache


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


async def showcase_generation(state: AppState, _: Nothing) -> ShowcaseGeneration:
    """This process's showcase generation; a process without its cache (turned off) vouches for nothing."""
    cache: ResponseCache | None = getattr(getattr(state, "services", None), "cache", None)
    if cache is None:
        return ShowcaseGeneration(generation="off", listening=False)
    return ShowcaseGeneration(generation=cache.token(), listening=cache.trusted)


ROUTES = [
    route(LOOKUP, lookup_products), route(RESERVE, reserve), route(COMMIT, commit), route(RELEASE, release),
    # Asked by the gateway, which holds this route's own credential and not the service's.
    route(SHOWCASE_GENERATION, showcase_generation, Settings.showcase_poll_token),
]
