"""The order saga's routes into the wallet: charge an order, refund it. Idempotent by order id.

What each takes and answers is in `subgraphs.common.contract` (CHARGE, REFUND):

    charge   paid now, or paid before (the same answer); 409 INSUFFICIENT_FUNDS, 409 CANCELLED
             (refunded before: the tombstone), 409 CONFLICT (paid with another account or amount)
    refund   refunded now, or before (the same answer); `refunded: false` when never paid, and the
             tombstone then refuses a late charge
"""

from __future__ import annotations

from subgraphs.common.context import AppState
from subgraphs.common.contract import CHARGE, REFUND, ChargeReply, ChargeRequest, OrderRef, RefundReply
from subgraphs.common.internal import route

from . import service


async def charge(state: AppState, request: ChargeRequest) -> ChargeReply:
    """Pays an order from its customer's wallet."""
    row = await service.charge(state.db, request.order_id, request.user_id, service.clean_amount(request.amount))
    return ChargeReply(transaction_id=row.id, balance=row.balance_after)


async def refund(state: AppState, request: OrderRef) -> RefundReply:
    """Gives an order's payment back, or makes sure it can never be taken."""
    row = await service.refund(state.db, request.order_id)
    if row is None:
        return RefundReply(refunded=False)
    return RefundReply(refunded=True, transaction_id=row.id, balance=row.balance_after)


ROUTES = [route(CHARGE, charge), route(REFUND, refund)]
