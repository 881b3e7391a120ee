"""The notifications subgraph's GraphQL types, built from `Notification` rows."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from subgraphs.common.errors import UserError
from subgraphs.common.types import OrderStatus

from .models import Notification as Row


@strawberry.enum(description="What a notification is about.")
class NotificationKind(enum.Enum):
    ORDER_STATUS = strawberry.enum_value("ORDER_STATUS", description="One of your orders changed status.")
    WALLET = strawberry.enum_value("WALLET", description="Money moved in your wallet: a top-up, a payment or a refund.")
    ACCOUNT = strawberry.enum_value("ACCOUNT", description="Something about your account.")


# The orders subgraph owns Order (and its description); here it is only a reference to it.
@strawberry.federation.type(directives=[Key(fields=FieldSet("id"), resolvable=False)], description="A purchase and where it is.")
class Order:
    id: strawberry.ID = strawberry.field(description="Order id.")


@strawberry.type(description="Something the store told you: stored as your history, also pushed live and sent.")
class Notification:
    id: strawberry.ID = strawberry.field(description="Notification id; pass it to `markNotificationsRead`.")
    kind: NotificationKind = strawberry.field(description="What it is about.")
    title: str = strawberry.field(description="One line, e.g. `Order 1a2b3c4d: shipped`; also the email subject.")
    body: str = strawberry.field(description="The full text.")
    order: Order | None = strawberry.field(description="The order it concerns, when it concerns one.")
    created_at: datetime = strawberry.field(description="When it was made.")
    read_at: datetime | None = strawberry.field(description="When you marked it read; null while unread.")

    @classmethod
    def from_row(cls, row: Row) -> Notification:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=NotificationKind(row.kind),
            title=row.title,
            body=row.body,
            order=Order(id=strawberry.ID(str(row.order_id))) if row.order_id else None,
            created_at=row.created_at,
            read_at=row.read_at,
        )


@strawberry.type(description="An order entered a status.")
class OrderStatusEvent:
    order: Order = strawberry.field(description="The order.")
    status: OrderStatus = strawberry.field(description="The status it entered.")
    at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_row(cls, row: Row) -> OrderStatusEvent:
        assert row.order_id is not None and row.order_status is not None and row.status_at is not None
        return cls(order=Order(id=strawberry.ID(str(row.order_id))), status=OrderStatus(row.order_status), at=row.status_at)


@strawberry.type(description="The outcome of marking notifications read.")
class MarkNotificationsReadPayload:
    count: int = strawberry.field(default=0, description="How many unread notifications became read.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")
