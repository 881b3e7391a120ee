"""The notifications subgraph: your history, the unread count, marking read, and live subscriptions."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET
from strawberry.types import (
    Info,  # needed at runtime: Strawberry reads resolver signatures
)

from subgraphs.common.ids import parse_id
from subgraphs.common.auth import IsAuthenticated
from subgraphs.common.errors import DomainError, ErrorCode, bad_user_input, mutation
from subgraphs.common.pagination import After, Connection, First, Page
from subgraphs.common.schema import make_schema

from . import service
from .broker import Broker, owned_by
from .types import MarkNotificationsReadPayload, Notification, Order, OrderStatusEvent

if TYPE_CHECKING:
    from .app import Notifications


@strawberry.type
class Query:
    @strawberry.field(description="Your notifications, newest first; `unreadOnly` leaves out the read ones.", permission_classes=[IsAuthenticated])
    async def my_notifications(
        self,
        info: Info,
        first: First = 20,
        after: After = UNSET,
        unread_only: Annotated[bool | None, strawberry.argument(description="Only those not yet marked read.")] = False,
    ) -> Connection[Notification]:
        page = Page.from_args(first, after)
        rows = await service.history(info.context.db, info.context.principal.user_id, page, unread_only=bool(unread_only))
        return Connection[Notification].build(rows, page, node=Notification.from_row)

    @strawberry.field(description="How many of your notifications are unread.", permission_classes=[IsAuthenticated])
    async def unread_notification_count(self, info: Info) -> int:
        return await service.unread_count(info.context.db, info.context.principal.user_id)


@strawberry.type
class Mutation:
    @mutation(
        description="Marks your notifications read: those in `ids` (ids not yours are ignored), or all when `ids` is "
        "null. `count` says how many were unread; a malformed id is INVALID_INPUT and marks nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def mark_notifications_read(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID] | None, strawberry.argument(description="The notifications to mark read; left out or null marks all of yours, an empty list none.")] = UNSET,
    ) -> MarkNotificationsReadPayload:
        keys = None
        if ids:
            keys = [parse_id(value) for value in ids]
            if None in keys:
                raise DomainError(ErrorCode.INVALID_INPUT, "Every id must be a notification id.", "ids")
        elif ids is not None and ids is not UNSET:
            return MarkNotificationsReadPayload(count=0)  # an empty list marks nothing
        count = await service.mark_read(info.context.db, info.context.principal.user_id, keys)  # type: ignore[arg-type]
        return MarkNotificationsReadPayload(count=count)


def _broker(info: Info) -> Broker:
    services: Notifications = info.context.state.services
    return services.broker


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The order's status changes as they happen (its owner, or an ADMIN). Someone else's order "
        "never yields anything, as if it did not exist.",
        permission_classes=[IsAuthenticated],
    )
    async def order_status_changed(
        self,
        info: Info,
        order_id: Annotated[strawberry.ID, strawberry.argument(description="The order to follow.")],
    ) -> AsyncGenerator[OrderStatusEvent, None]:
        key = parse_id(order_id)
        if key is None:
            raise bad_user_input("`orderId` is not an order id.")
        principal = info.context.principal

        def accept(row: service.Notification) -> bool:
            mine = principal.is_admin or row.user_id == principal.user_id
            return mine and row.kind == "ORDER_STATUS" and row.order_id == key

        async with _broker(info).subscribe(accept) as queue:
            while True:
                yield OrderStatusEvent.from_row(await queue.get())

    @strawberry.subscription(description="Your new notifications as they are made.", permission_classes=[IsAuthenticated])
    async def notification_added(self, info: Info) -> AsyncGenerator[Notification, None]:
        async with _broker(info).subscribe(owned_by(info.context.principal.user_id)) as queue:
            while True:
                yield Notification.from_row(await queue.get())


# What the code here can answer in a payload's `errors`; the SDL lists only these.
schema = make_schema(
    query=Query, mutation=Mutation, subscription=Subscription, types=[Order],
    error_codes=[ErrorCode.INVALID_INPUT],
)
