"""The delivery subgraph's GraphQL types: built from database rows, relations through DataLoaders."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.errors import UserError
from subgraphs.common.types import Address, AddressInput, DeliveryMethod

from .loaders import DeliveryByOrderLoader, PickupPointLoader
from .service import visible_to


@strawberry.enum(description="Where a delivery stands. Courier: QUEUED → IN_TRANSIT → DELIVERED; pickup: QUEUED → READY_FOR_PICKUP → PICKED_UP.")
class DeliveryStatus(enum.Enum):
    QUEUED = strawberry.enum_value("QUEUED", description="Waiting to be packed and sent; the order can still be cancelled.")
    IN_TRANSIT = strawberry.enum_value("IN_TRANSIT", description="With the courier (the order is SHIPPED).")
    DELIVERED = strawberry.enum_value("DELIVERED", description="Handed to the customer by the courier.")
    READY_FOR_PICKUP = strawberry.enum_value("READY_FOR_PICKUP", description="Waiting at the pickup point.")
    PICKED_UP = strawberry.enum_value("PICKED_UP", description="Collected by the customer at the pickup point.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="Stopped because the order was cancelled.")


@strawberry.federation.type(keys=["id"], description="A place where customers collect their orders.")
class PickupPoint:
    id: strawberry.ID = strawberry.field(description="Pickup point id; pass it as `pickupPointId` when placing an order.")
    name: str = strawberry.field(description="Name shown to customers.")
    address: Address = strawberry.field(description="Where it is.")
    opening_hours: str | None = strawberry.field(description="When it is open, as free text, e.g. `Mon–Fri 9:00–21:00`.")

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> PickupPoint | None:
        row = await info.context.loader(PickupPointLoader).load_id(id)
        return cls.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: Any) -> PickupPoint:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            address=Address(**row.address),
            opening_hours=row.opening_hours,
        )


@strawberry.type(description="Getting one order to its customer: by courier to an address, or through a pickup point.")
class Delivery:
    id: strawberry.ID = strawberry.field(description="Delivery id.")
    order_id: strawberry.ID = strawberry.field(description="The order delivered; pass it to `updateDeliveryStatus`.")
    method: DeliveryMethod = strawberry.field(description="Courier or pickup.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    address: Address | None = strawberry.field(description="Where the courier goes; null for pickup.")
    created_at: datetime = strawberry.field(description="When the delivery was queued.")
    updated_at: datetime = strawberry.field(description="When the status last changed.")
    pickup_point_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Where the customer collects the order; null for courier delivery.")
    async def pickup_point(self, info: Info) -> PickupPoint | None:
        if self.pickup_point_id is None:
            return None
        row = await info.context.loader(PickupPointLoader).load(self.pickup_point_id)
        return PickupPoint.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: Any) -> Delivery:
        return cls(
            id=strawberry.ID(str(row.id)),
            order_id=strawberry.ID(str(row.order_id)),
            method=DeliveryMethod(row.method),
            status=DeliveryStatus(row.status),
            address=Address.from_dict(row.address),
            created_at=row.created_at,
            updated_at=row.updated_at,
            pickup_point_id=row.pickup_point_id,
        )


# The description is the orders subgraph's own: composition wants one text for the entity.
@strawberry.federation.type(keys=["id"], description="A purchase and where it is.")
class Order:
    id: strawberry.ID = strawberry.field(description="Order id.")

    @strawberry.field(description="The order's delivery; null until it is queued, or when the order never got one.")
    async def delivery(self, info: Info) -> Delivery | None:
        row = await info.context.loader(DeliveryByOrderLoader).load_id(self.id)
        # Orders already checked who may see the order; this guards a direct call to this subgraph.
        if row is None or not visible_to(info.context.principal, row):
            return None
        return Delivery.from_row(row)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Order:
        """Orders are the orders subgraph's: a stub, whose `delivery` answers a malformed id with null."""
        return cls(id=id)


@strawberry.input(description="A new pickup point.")
class CreatePickupPointInput:
    name: str = strawberry.field(description="Name shown to customers; must not be blank.")
    address: AddressInput = strawberry.field(description="Where it is.")
    opening_hours: str | None = strawberry.field(default=strawberry.UNSET, description="When it is open, as free text.")


@strawberry.type(description="The outcome of a delivery status change.")
class DeliveryPayload:
    delivery: Delivery | None = strawberry.field(default=None, description="The delivery as it is now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="The outcome of adding a pickup point.")
class PickupPointPayload:
    pickup_point: PickupPoint | None = strawberry.field(default=None, description="The pickup point as it is now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")
