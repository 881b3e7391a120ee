"""The orders subgraph: the cart, placing and cancelling orders, and reading them."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.auth import IsAdmin, IsAuthenticated
from subgraphs.common.contract import MEANING
from subgraphs.common.ids import input_id, parse_id
from subgraphs.common.errors import DomainError, ErrorCode, UserError, mutation
from subgraphs.common.pagination import After, Connection, First, Page
from subgraphs.common.schema import make_schema

from . import cart, service
from .remote import Remote, RemoteUnavailable
from .states import OrderStatus
from .types import (
    Cart, CartPayload, Order, OrderFilter, OrderPayload, PlaceOrderInput, PlaceOrderPayload, User, order_page,
)

if TYPE_CHECKING:
    from .app import Orders

UNAVAILABLE = UserError(code=ErrorCode.INTERNAL, message="The store cannot reach a service right now; try again shortly.")


def _services(info: Info) -> Orders:
    services: Orders = info.context.state.services
    return services


def _remote(info: Info) -> Remote:
    return _services(info).remote


async def _cart(info: Info) -> Cart:
    lines = await cart.lines(info.context.db, _remote(info), info.context.principal.user_id)
    return Cart.build(lines, info.context.settings.currency)


def _product_id(value: strawberry.ID) -> uuid.UUID:
    return input_id(value, "productId", ErrorCode.NOT_FOUND, "No such product.")


async def _change_cart(info: Info, change: Callable[[], Awaitable[None]]) -> CartPayload:
    """Runs one cart change; an outage comes back as errors (a business failure too: `mutation`)."""
    try:
        await change()
        return CartPayload(cart=await _cart(info))
    except RemoteUnavailable:
        return CartPayload(errors=[UNAVAILABLE])


@strawberry.type
class Query:
    @strawberry.field(description="The caller's cart, at current prices.", permission_classes=[IsAuthenticated])
    async def cart(self, info: Info) -> Cart:
        return await _cart(info)

    @strawberry.field(description="The caller's orders, newest first.", permission_classes=[IsAuthenticated])
    async def my_orders(self, info: Info, first: First = 20, after: After = UNSET) -> Connection[Order]:
        page = Page.from_args(first, after)
        return order_page(await service.list_orders(info.context.db, page, user_id=info.context.principal.user_id), page)

    @strawberry.field(description="One order: the owner's or, for an ADMIN, anyone's; null otherwise.")
    async def order(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Order id.")]) -> Order | None:
        key = parse_id(id)
        row = service.visible(await service.get_order(info.context.db, key), info.context.principal) if key else None
        return Order.from_row(row) if row else None

    @strawberry.field(description="Every order, newest first, optionally by customer and status (ADMIN).", permission_classes=[IsAdmin])
    async def orders(
        self,
        info: Info,
        first: First = 20,
        after: After = UNSET,
        filter: Annotated[OrderFilter | None, strawberry.argument(description="Narrows the list by customer and status.")] = UNSET,
    ) -> Connection[Order]:
        page = Page.from_args(first, after)
        user_id = status = None
        if filter:
            status = filter.status or None
            if filter.user_id:
                user_id = parse_id(filter.user_id)
                if user_id is None:  # nobody has that id: an empty page, as for an unknown user
                    return order_page([], page)
        return order_page(await service.list_orders(info.context.db, page, user_id=user_id, status=status), page)


@strawberry.type
class Mutation:
    @mutation(description="Adds a product to the cart (up to what is in stock).", permission_classes=[IsAuthenticated])
    async def add_to_cart(
        self,
        info: Info,
        product_id: Annotated[strawberry.ID, strawberry.argument(description="The product to add.")],
        quantity: Annotated[int, strawberry.argument(description=f"How many to add, at least 1; a line holds at most {cart.MAX_QUANTITY}, and no more than is in stock.")] = 1,
    ) -> CartPayload:
        user = info.context.principal.user_id
        return await _change_cart(info, lambda: cart.add(info.context.db, _remote(info), user, _product_id(product_id), quantity))

    @mutation(description="Sets a line's quantity; 0 removes the line.", permission_classes=[IsAuthenticated])
    async def update_cart_item(
        self,
        info: Info,
        product_id: Annotated[strawberry.ID, strawberry.argument(description="A product in the cart.")],
        quantity: Annotated[int, strawberry.argument(description=f"The line's new quantity, at most {cart.MAX_QUANTITY} and what is in stock; 0 removes the line.")],
    ) -> CartPayload:
        user = info.context.principal.user_id
        return await _change_cart(info, lambda: cart.set_quantity(info.context.db, _remote(info), user, _product_id(product_id), quantity))

    @mutation(description="Removes a product from the cart.", permission_classes=[IsAuthenticated])
    async def remove_from_cart(self, info: Info, product_id: Annotated[strawberry.ID, strawberry.argument(description="The product to take out.")]) -> CartPayload:
        user = info.context.principal.user_id
        return await _change_cart(info, lambda: cart.remove(info.context.db, user, _product_id(product_id)))

    @mutation(description="Empties the cart.", permission_classes=[IsAuthenticated])
    async def clear_cart(self, info: Info) -> CartPayload:
        return await _change_cart(info, lambda: cart.clear(info.context.db, info.context.principal.user_id))

    @mutation(
        description="Buys the cart with the wallet: reserve → charge → queue delivery → CONFIRMED, or FAILED with the reason.",
        permission_classes=[IsAuthenticated],
    )
    async def place_order(self, info: Info, input: Annotated[PlaceOrderInput, strawberry.argument(description="How to deliver, and the key that makes a retry safe.")]) -> PlaceOrderPayload:
        state, user = info.context.state, info.context.principal.user_id
        runner = _services(info).runner
        try:
            order = await service.place_order(state.db, _remote(info), user_id=user, currency=state.settings.currency, input=input)
        except RemoteUnavailable:
            return PlaceOrderPayload(errors=[UNAVAILABLE])
        await runner.wait(order.id, state.settings.place_order_wait)
        row = await service.get_order(state.db, order.id)
        assert row is not None
        errors = [UserError(code=ErrorCode(row.failure_reason), message="The order failed.")] if row.status == OrderStatus.FAILED and row.failure_reason else []
        return PlaceOrderPayload(order=Order.from_row(row), errors=errors)

    @mutation(description="Cancels an order until it ships or is picked up: refund, stock back, delivery cancelled.", permission_classes=[IsAuthenticated])
    async def cancel_order(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Order id.")]) -> OrderPayload:
        state = info.context.state
        key = parse_id(id)
        row = service.visible(await service.get_order(state.db, key), info.context.principal) if key else None
        if row is None:
            return OrderPayload(errors=[UserError(code=ErrorCode.NOT_FOUND, message="No such order.", field="id")])
        try:
            await service.begin_cancel(state.db, _remote(info), row)
        except DomainError as error:  # answered here, not by `mutation`: the payload still shows the order
            return OrderPayload(order=Order.from_row(row), errors=[error.as_user_error()])
        await _services(info).runner.wait(row.id, state.settings.place_order_wait)
        fresh = await service.get_order(state.db, row.id)
        assert fresh is not None
        return OrderPayload(order=Order.from_row(fresh))


# What orders can answer in `errors` and `failureReason`: every refusal of another subgraph by its
# meaning (the saga; the cart's own checks use the same codes), and an empty cart.
schema = make_schema(
    query=Query,
    mutation=Mutation,
    types=[Order, User],
    error_codes={*MEANING.values(), ErrorCode.CART_EMPTY},
)
