"""The orders subgraph's GraphQL types."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET
from strawberry.federation.schema_directives import Key
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.auth import may_read, owned_field
from subgraphs.common.ids import parse_id
from subgraphs.common.errors import ErrorCode, UserError
from subgraphs.common.money import money
from subgraphs.common.pagination import After, Connection, First, Page
from subgraphs.common.types import AddressInput, DeliveryMethod, Money, OrderStatus

from . import models
from .cart import CartLine
from .loaders import HistoryLoader, ItemsLoader


@strawberry.federation.type(directives=[Key(fields="id", resolvable=False)], description="Something the store sells.")
class Product:
    id: strawberry.ID = strawberry.field(description="Product id.")


@strawberry.type(description="A line of the cart, at today's price.")
class CartItem:
    product: Product = strawberry.field(description="The product.")
    quantity: int = strawberry.field(description="How many.")
    unit_price: Money = strawberry.field(description="The product's current price.")
    line_total: Money = strawberry.field(description="unitPrice × quantity.")


@strawberry.type(description="What the customer is about to buy.")
class Cart:
    items: list[CartItem] = strawberry.field(description="The lines, oldest first.")
    total: Money = strawberry.field(description="Sum of the lines.")
    item_count: int = strawberry.field(description="Sum of the quantities.")

    @classmethod
    def build(cls, lines: list[CartLine], currency: str) -> Cart:
        return cls(
            items=[
                CartItem(
                    product=Product(id=strawberry.ID(str(l.product_id))), quantity=l.quantity,
                    unit_price=money(l.unit_price, currency), line_total=money(l.line_total, currency),
                )
                for l in lines
            ],
            total=money(sum((l.line_total for l in lines), start=Decimal(0)), currency),
            item_count=sum(l.quantity for l in lines),
        )


@strawberry.type(description="A line of an order, as bought.")
class OrderItem:
    product: Product = strawberry.field(description="The product (still resolvable after it left the showcase).")
    product_name: str = strawberry.field(description="The product's name when it was bought.")
    quantity: int = strawberry.field(description="How many.")
    unit_price: Money = strawberry.field(description="The price paid per unit.")
    line_total: Money = strawberry.field(description="unitPrice × quantity.")


@strawberry.type(description="One step of an order's history.")
class OrderStatusChange:
    status: OrderStatus = strawberry.field(description="The status entered.")
    at: datetime = strawberry.field(description="When.")
    note: str | None = strawberry.field(description="Why, when there is more to say (e.g. a failure reason).")


@strawberry.federation.type(keys=["id"], description="A customer or administrator account.")
class User:
    id: strawberry.ID = strawberry.field(description="Account id.")

    @strawberry.field(description="The account's orders, newest first (the owner or an ADMIN; empty for anyone else).")
    async def orders(self, info: Info, first: First = 20, after: After = UNSET) -> Connection[Order]:
        from .service import list_orders

        page = Page.from_args(first, after)
        # Not `owned_field`: the contract answers anyone else with an empty page, not null or an error.
        owner = parse_id(self.id)
        if owner is None or not may_read(info.context, owner):
            return order_page([], page)
        return order_page(await list_orders(info.context.db, page, user_id=owner), page)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        """Users are the users subgraph's: a stub, whose fields answer a malformed id as nobody's."""
        return cls(id=id)


# Every field but the id is the customer's or an ADMIN's: `resolve_reference` and `order` already answer
# anyone else with null, and the fields hold the same rule for any path that builds an Order.
@strawberry.federation.type(keys=["id"], description="A purchase and where it is.")
class Order:
    id: strawberry.ID = strawberry.field(description="Order id.")
    status: OrderStatus = owned_field(description="Current status.")
    total: Money = owned_field(description="What the customer paid (or is to pay).")
    delivery_method: DeliveryMethod = owned_field(description="Courier or pickup.")
    failure_reason: ErrorCode | None = owned_field(description="Why the order FAILED.")
    user: User = owned_field(description="The customer.")
    created_at: datetime = owned_field(description="When the order was placed.")
    updated_at: datetime = owned_field(description="When it last changed.")
    currency: strawberry.Private[str]

    @property
    def owner_id(self) -> str:
        return self.user.id

    @owned_field(description="What was bought.")
    async def items(self, info: Info) -> list[OrderItem]:
        rows = await info.context.loader(ItemsLoader).load(uuid.UUID(self.id))
        return [
            OrderItem(
                product=Product(id=strawberry.ID(str(r.product_id))), product_name=r.product_name, quantity=r.quantity,
                unit_price=money(r.unit_price, self.currency), line_total=money(r.unit_price * r.quantity, self.currency),
            )
            for r in rows
        ]

    @owned_field(description="Every status the order went through, oldest first.")
    async def status_history(self, info: Info) -> list[OrderStatusChange]:
        rows = await info.context.loader(HistoryLoader).load(uuid.UUID(self.id))
        return [OrderStatusChange(status=OrderStatus(r.status), at=r.at, note=r.note) for r in rows]

    @classmethod
    def from_row(cls, row: models.Order) -> Order:
        return cls(
            id=strawberry.ID(str(row.id)), status=OrderStatus(row.status), total=money(row.total, row.currency),
            delivery_method=DeliveryMethod(row.delivery_method),
            failure_reason=ErrorCode(row.failure_reason) if row.failure_reason else None,
            user=User(id=strawberry.ID(str(row.user_id))), created_at=row.created_at, updated_at=row.updated_at,
            currency=row.currency,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Order | None:
        from .loaders import OrderLoader
        from .service import visible

        row = visible(await info.context.loader(OrderLoader).load_id(id), info.context.principal)
        return cls.from_row(row) if row else None


def order_page(rows: list[models.Order], page: Page) -> Connection[Order]:
    return Connection[Order].build(rows, page, node=Order.from_row)


@strawberry.input(description="Where the order goes.")
class DeliveryInput:
    method: DeliveryMethod = strawberry.field(description="Courier or pickup.")
    address: AddressInput | None = strawberry.field(default=UNSET, description="For COURIER; defaults to the profile's default address.")
    pickup_point_id: strawberry.ID | None = strawberry.field(default=UNSET, description="For PICKUP.")


@strawberry.input(description="Turn the cart into an order.")
class PlaceOrderInput:
    idempotency_key: str = strawberry.field(description="Any unique string per purchase: a retry with it never makes a second order.")
    delivery: DeliveryInput = strawberry.field(description="Where the order goes.")


@strawberry.input(description="Narrows the admin's order list.")
class OrderFilter:
    user_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Only this customer's orders.")
    status: OrderStatus | None = strawberry.field(default=UNSET, description="Only orders in this status.")


@strawberry.type(description="The cart after a change, or errors.")
class CartPayload:
    cart: Cart | None = strawberry.field(default=None, description="The cart as it is now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="The order placed (maybe still PENDING), or errors.")
class PlaceOrderPayload:
    order: Order | None = strawberry.field(default=None, description="The order.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success; the failure reason when the order FAILED.")


@strawberry.type(description="An order after a change, or errors.")
class OrderPayload:
    order: Order | None = strawberry.field(default=None, description="The order as it is now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")
