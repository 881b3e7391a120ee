"""The delivery subgraph: pickup points (anyone reads, ADMIN adds) and the delivery queue (ADMIN)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import UNSET
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.auth import IsAdmin
from subgraphs.common.errors import DomainError, ErrorCode, mutation
from subgraphs.common.pagination import After, Connection, First, Page
from subgraphs.common.schema import make_schema

from . import service
from .types import (
    CreatePickupPointInput,
    Delivery,
    DeliveryPayload,
    DeliveryStatus,
    Order,
    PickupPoint,
    PickupPointPayload,
)


@strawberry.type
class Query:
    @strawberry.field(description="Every pickup point, by name: where PICKUP orders can be collected.")
    async def pickup_points(self, info: Info) -> list[PickupPoint]:
        return [PickupPoint.from_row(row) for row in await service.list_pickup_points(info.context.db)]

    @strawberry.field(
        description="The delivery queue, oldest first, optionally only one status (ADMIN).", permission_classes=[IsAdmin]
    )
    async def deliveries(
        self,
        info: Info,
        first: First = 20,
        after: After = UNSET,
        status: Annotated[DeliveryStatus | None, strawberry.argument(description="Only deliveries in this status; null means every status.")] = UNSET,
    ) -> Connection[Delivery]:
        page = Page.from_args(first, after)
        rows = await service.list_deliveries(info.context.db, page, status.value if status else None)
        return Connection[Delivery].build(rows, page, node=Delivery.from_row)


@strawberry.type
class Mutation:
    @mutation(
        description="Moves an order's delivery on: courier QUEUED → IN_TRANSIT → DELIVERED, pickup QUEUED → "
        "READY_FOR_PICKUP → PICKED_UP; the order follows. Repeating the current status changes nothing; "
        "any other move is INVALID_STATE (ADMIN).",
        permission_classes=[IsAdmin],
    )
    async def update_delivery_status(
        self,
        info: Info,
        order_id: Annotated[strawberry.ID, strawberry.argument(description="The order whose delivery moves.")],
        status: Annotated[DeliveryStatus, strawberry.argument(description="The next status: only the steps `DeliveryStatus` describes, for the delivery's method.")],
    ) -> DeliveryPayload:
        return DeliveryPayload(delivery=Delivery.from_row(await service.update_status(info.context.db, order_id, status.value)))

    @mutation(description="Adds a pickup point (ADMIN).", permission_classes=[IsAdmin])
    async def create_pickup_point(self, info: Info, input: Annotated[CreatePickupPointInput, strawberry.argument(description="The new pickup point.")]) -> PickupPointPayload:
        try:
            address = input.address.to_dict()
        except ValueError as exc:
            raise DomainError(ErrorCode.INVALID_INPUT, str(exc), "address") from None
        hours = input.opening_hours if input.opening_hours is not UNSET else None
        row = await service.create_pickup_point(info.context.db, input.name, address, hours)
        return PickupPointPayload(pickup_point=PickupPoint.from_row(row))


# What the code here can answer in a payload's `errors`; the SDL lists only these.
schema = make_schema(
    query=Query, mutation=Mutation, types=[PickupPoint, Order],
    error_codes=[ErrorCode.INVALID_INPUT, ErrorCode.INVALID_STATE, ErrorCode.NOT_FOUND],
)
