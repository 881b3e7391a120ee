"""Value types that several subgraphs define identically (hence shareable)."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import UNSET


@strawberry.enum(description="What an account may do.")
class Role(enum.Enum):
    CUSTOMER = strawberry.enum_value("CUSTOMER", description="Shops: a cart, orders, a wallet, notifications.")
    ADMIN = strawberry.enum_value("ADMIN", description="Also runs the store: the catalog, deliveries, every account and order.")


@strawberry.enum(description="How an order reaches the customer.")
class DeliveryMethod(enum.Enum):
    COURIER = strawberry.enum_value("COURIER", description="A courier brings it to an address.")
    PICKUP = strawberry.enum_value("PICKUP", description="The customer collects it at a pickup point.")


class OrderStatus(enum.StrEnum):  # a str, as the orders tables and events hold it
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    SHIPPED = "SHIPPED"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


# A StrEnum's values must stay plain strings (`strawberry.enum_value` would wrap them), so its
# values get their descriptions after Strawberry has read the enum.
def describe_values(enum_type: type[enum.Enum], descriptions: dict[str, str], *, description: str) -> None:
    """Makes `enum_type` a GraphQL enum with `description` and one description per value (all required)."""
    strawberry.enum(enum_type, description=description)
    for value in enum_type.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = descriptions[value.name]


describe_values(
    OrderStatus,
    {
        "PENDING": "Placed; stock, payment and delivery are being arranged.",
        "CONFIRMED": "Reserved, paid and queued for delivery.",
        "SHIPPED": "With the courier.",
        "READY_FOR_PICKUP": "Waiting at the pickup point.",
        "DELIVERED": "Handed to the customer, by the courier or at the pickup point.",
        "CANCELLED": "Cancelled by its owner or an ADMIN: the payment refunded, the stock released.",
        "FAILED": "Could not be placed (see `failureReason`); whatever was done is undone.",
    },
    description="Where an order is in its life.",
)


@strawberry.federation.type(shareable=True, description="An amount of money in the store's currency.")
class Money:
    amount: Decimal = strawberry.field(description='A decimal string such as "1499.90"; never a float.')
    currency: str = strawberry.field(description="ISO 4217 code, the store's one currency.")


@strawberry.federation.type(shareable=True, description="A postal address.")
class Address:
    recipient: str = strawberry.field(description="Who receives the parcel.")
    phone: str | None = strawberry.field(default=None, description="A contact phone.")
    country: str = strawberry.field(description="Country.")
    city: str = strawberry.field(description="City.")
    street: str = strawberry.field(description="Street.")
    building: str | None = strawberry.field(default=None, description="Building or house number.")
    apartment: str | None = strawberry.field(default=None, description="Apartment or office.")
    postal_code: str = strawberry.field(description="Postal code.")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Address | None:
        return cls(**data) if data else None


@strawberry.input(description="A postal address.")
class AddressInput:
    recipient: str = strawberry.field(description="Who receives the parcel.")
    phone: str | None = strawberry.field(default=UNSET, description="A contact phone.")
    country: str = strawberry.field(description="Country.")
    city: str = strawberry.field(description="City.")
    street: str = strawberry.field(description="Street.")
    building: str | None = strawberry.field(default=UNSET, description="Building or house number.")
    apartment: str | None = strawberry.field(default=UNSET, description="Apartment or office.")
    postal_code: str = strawberry.field(description="Postal code.")

    def to_dict(self) -> dict[str, Any]:
        """The address as stored (JSONB), blanks stripped; raises ValueError when a required part is blank."""
        data = {
            k: ((v.strip() or None) if isinstance(v, str) else None)
            for k, v in vars(self).items()
        }
        missing = [k for k in ("recipient", "country", "city", "street", "postal_code") if not data.get(k)]
        if missing:
            raise ValueError(f"address.{missing[0]} must not be blank")
        return data
