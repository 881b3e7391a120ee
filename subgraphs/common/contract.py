"""What the subgraphs ask of each other: every `/internal/…` route as a typed request and reply.

The routes validate their input with these models (`internal.route`), the orders subgraph's client
builds and parses the same models (`InternalClient.call`), and the tests' fakes speak them too, so
a route is written down once. A refusal is `Refused` with a `RefusalCode`; its HTTP status follows
from the code: 400 for malformed input, 404 for an unknown thing looked up, 409 for a refusal by
state (out of stock, no money, cancelled before…). Adding a call means adding its models and one
`Call` here, then its handler on the answering side.
"""

from __future__ import annotations

import enum
import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic.dataclasses import dataclass as checked

from .errors import DomainError, ErrorCode
from .ids import parse_id
from .money import parse_amount

#: Stock and quantities are 32-bit integer columns; at most this many ids per lookup, lines per reservation.
MAX_QUANTITY = 2**31 - 1
MAX_IDS = 200
MAX_LINES = 1000


class RefusalCode(enum.StrEnum):
    """Why an internal call did nothing: the reply's `error`."""

    INVALID_INPUT = "INVALID_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    NOT_FOUND = "NOT_FOUND"
    TOO_EARLY = "TOO_EARLY"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    PRODUCT_UNAVAILABLE = "PRODUCT_UNAVAILABLE"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    CONFLICT = "CONFLICT"
    INVALID_STATE = "INVALID_STATE"
    #: A compensation came first (release before reserve, refund before charge, cancel before queueing):
    #: the tombstone refuses the late action for good.
    CANCELLED = "CANCELLED"


#: The status of each refusal; every other code is a refusal by state (409).
STATUS: dict[RefusalCode, int] = {
    RefusalCode.INVALID_INPUT: 400,
    RefusalCode.UNAUTHENTICATED: 401,
    RefusalCode.NOT_FOUND: 404,
    RefusalCode.TOO_EARLY: 425,
}

#: What a refusal means to the caller's API. CANCELLED: the order was compensated before this step
#: landed, so it can no longer go forward; for the saga that is the order's state, INVALID_STATE.
#: UNAUTHENTICATED and TOO_EARLY never reach a caller as refusals: the client retries a rejected
#: credential as an outage, and only the relay hears TOO_EARLY (it offers the event again).
MEANING: dict[RefusalCode, ErrorCode] = {
    RefusalCode.INVALID_INPUT: ErrorCode.INVALID_INPUT,
    RefusalCode.UNAUTHENTICATED: ErrorCode.INTERNAL,
    RefusalCode.NOT_FOUND: ErrorCode.NOT_FOUND,
    RefusalCode.TOO_EARLY: ErrorCode.INTERNAL,
    RefusalCode.OUT_OF_STOCK: ErrorCode.OUT_OF_STOCK,
    RefusalCode.PRODUCT_UNAVAILABLE: ErrorCode.PRODUCT_UNAVAILABLE,
    RefusalCode.INSUFFICIENT_FUNDS: ErrorCode.INSUFFICIENT_FUNDS,
    RefusalCode.CONFLICT: ErrorCode.CONFLICT,
    RefusalCode.INVALID_STATE: ErrorCode.INVALID_STATE,
    RefusalCode.CANCELLED: ErrorCode.INVALID_STATE,
}


class Refused(Exception):
    """The other side understood and declined; nothing was done there.

    `reason` is what went over the wire; `code` is what it means to the caller's API (`MEANING`).
    """

    def __init__(self, reason: RefusalCode, message: str = "", product_id: uuid.UUID | None = None) -> None:
        super().__init__(message or reason.value)
        self.reason, self.message, self.product_id = reason, message or reason.value, product_id

    @property
    def code(self) -> ErrorCode:
        return MEANING[self.reason]

    @property
    def status(self) -> int:
        return STATUS.get(self.reason, 409)

    @classmethod
    def from_domain(cls, error: DomainError) -> Refused:
        """A service's `DomainError` as a refusal with the same code."""
        return cls(RefusalCode(error.code.value), error.message)

    def wire(self) -> dict[str, Any]:
        return Refusal(error=self.reason, message=self.message, product_id=self.product_id).wire()


def _id(value: object) -> uuid.UUID:
    key = parse_id(value)
    if key is None:
        raise ValueError("must be a UUID string")
    return key


def _amount(value: object) -> Decimal:
    try:
        return parse_amount(value)
    except DomainError as error:
        raise ValueError(error.message) from None


Id = Annotated[uuid.UUID, BeforeValidator(_id)]
#: A count of items: a JSON integer (not true, not 1.5, not "2") within the column.
Quantity = Annotated[int, Strict(), Field(ge=1, le=MAX_QUANTITY)]
#: Money on the wire is a string in the canonical form, "1499.90"; JSON numbers are refused.
Amount = Annotated[Decimal, BeforeValidator(_amount)]


class Message(BaseModel):
    """A request or reply body; fields a route does not know are ignored."""

    model_config = ConfigDict(frozen=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Refusal(Message):
    """Every refusal's body; `product_id` names the product at fault, when there is one."""

    error: RefusalCode
    message: str = ""
    product_id: uuid.UUID | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


# The values the orders subgraph works with; plain dataclasses (positional, compared by value), checked.
@checked(frozen=True)
class Line:
    product_id: Id
    quantity: Quantity


@checked(frozen=True)
class PricedLine:
    """A reserved line at the name and unit price it was reserved at (what the customer pays)."""

    product_id: uuid.UUID
    quantity: int
    name: str
    unit_price: Decimal


@checked(frozen=True)
class ProductInfo:
    """`stock` is what can still be sold (on hand minus reserved)."""

    id: uuid.UUID
    name: str
    price: Decimal
    stock: int
    deleted: bool


class OrderRef(Message):
    """A call about one order, its id in the path."""

    order_id: Id


class LookupRequest(Message):
    ids: list[Id] = Field(max_length=MAX_IDS)


class LookupReply(Message):
    """The products found, deleted ones included (flagged); unknown ids are left out."""

    products: list[ProductInfo]


class ReserveRequest(Message):
    order_id: Id
    lines: list[Line] = Field(min_length=1, max_length=MAX_LINES)

    def merged(self) -> dict[uuid.UUID, int]:
        """Product id → quantity, the lines of one product added up, in their first order."""
        merged: dict[uuid.UUID, int] = {}
        for line in self.lines:
            merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
        if any(quantity > MAX_QUANTITY for quantity in merged.values()):
            raise Refused(RefusalCode.INVALID_INPUT, f"At most {MAX_QUANTITY} of one product.")
        return merged


class ReserveReply(Message):
    """The lines reserved now at the current names and prices, or before (the same answer)."""

    lines: list[PricedLine]


class CommitReply(Message):
    status: Literal["COMMITTED"] = "COMMITTED"


class ReleaseReply(Message):
    status: Literal["RELEASED"] = "RELEASED"


class ChargeRequest(Message):
    order_id: Id
    user_id: Id
    amount: Amount


class ChargeReply(Message):
    transaction_id: uuid.UUID
    balance: Decimal


class RefundReply(Message):
    """`refunded` false: never paid, and a tombstone now refuses a late charge (no other field then)."""

    refunded: bool
    transaction_id: uuid.UUID | None = None
    balance: Decimal | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class DeliveryRequest(Message):
    """A courier delivery goes to `address` (checked as `AddressInput` is), a pickup to the point."""

    order_id: Id
    user_id: Id
    method: Literal["COURIER", "PICKUP"]
    address: dict[str, Any] | None = None
    pickup_point_id: Id | None = None


class DeliveryReply(Message):
    delivery_id: uuid.UUID
    status: str


class DeliveryStatus(Message):
    status: str


class LookupById(Message):
    """A read by id; a malformed id reads like an unknown one (404)."""

    id: str


class PickupPoint(Message):
    id: uuid.UUID
    name: str


class Account(Message):
    """What other subgraphs need of an account: where a courier delivery goes, where mail goes."""

    id: uuid.UUID
    email: str
    display_name: str | None = None
    default_address: dict[str, Any] | None = None


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


class RevocationsRequest(Message):
    """`since` is ISO 8601 with a time zone; absent: all sessions whose access tokens may still live."""

    since: Annotated[AwareDatetime | None, BeforeValidator(_blank_is_none)] = None


class Revocation(Message):
    """One ended session: the NOTIFY payload and an item of the catch-up reply."""

    session_id: uuid.UUID
    revoked_at: datetime


class RevocationsReply(Message):
    """What ended since then, as of when (users' clock: the next `since`)."""

    revocations: list[Revocation]
    as_of: datetime


class Nothing(Message):
    """A read that takes no arguments."""


class ShowcaseGeneration(Message):
    """The catalog process's showcase generation (`cache.ResponseCache.token`) and whether its cache is trusted.

    `generation` changes at every change the process hears of and differs across restarts; `listening`
    false (also: the cache turned off): the process cannot vouch that nothing changed.
    """

    generation: str
    listening: bool


class Event(Message):
    """An outbox event, as a relay offers it to each subscriber."""

    id: Id
    topic: str
    payload: dict[str, Any]


class DeliveryStatusChanged(Message):
    """The payload of delivery's `delivery.status_changed`."""

    order_id: Id
    status: str


class EventReply(Message):
    """A consumer's acknowledgement; each says what it did (the relay reads only the status)."""

    model_config = ConfigDict(frozen=True, extra="allow")


class Handled(EventReply):
    handled: bool = True


class Notified(EventReply):
    """The notification stored for the event; null: replayed, or nobody to tell."""

    notification_id: uuid.UUID | None


Req = TypeVar("Req", bound=Message)
Rep = TypeVar("Rep", bound=Message)


@dataclass(frozen=True)
class Call(Generic[Req, Rep]):
    """One internal route: who answers it (empty: every subscriber), how, what it takes and answers."""

    service: str
    method: Literal["GET", "POST"]
    path: str
    request: type[Req]
    reply: type[Rep]
    #: The request fields that travel in the path (`{order_id}`), not in the body.
    path_fields: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        names = {name for _, name, _, _ in string.Formatter().parse(self.path) if name}
        object.__setattr__(self, "path_fields", frozenset(names))


LOOKUP = Call("catalog", "POST", "/internal/products/lookup", LookupRequest, LookupReply)
RESERVE = Call("catalog", "POST", "/internal/reservations", ReserveRequest, ReserveReply)
COMMIT = Call("catalog", "POST", "/internal/reservations/{order_id}/commit", OrderRef, CommitReply)
RELEASE = Call("catalog", "POST", "/internal/reservations/{order_id}/release", OrderRef, ReleaseReply)
SHOWCASE_GENERATION = Call("catalog", "GET", "/internal/showcase/generation", Nothing, ShowcaseGeneration)
CHARGE = Call("wallet", "POST", "/internal/charges", ChargeRequest, ChargeReply)
REFUND = Call("wallet", "POST", "/internal/refunds", OrderRef, RefundReply)
QUEUE_DELIVERY = Call("delivery", "POST", "/internal/deliveries", DeliveryRequest, DeliveryReply)
CANCEL_DELIVERY = Call("delivery", "POST", "/internal/deliveries/{order_id}/cancel", OrderRef, DeliveryStatus)
PICKUP_POINT = Call("delivery", "GET", "/internal/pickup-points/{id}", LookupById, PickupPoint)
ACCOUNT = Call("users", "GET", "/internal/users/{id}", LookupById, Account)
REVOCATIONS = Call("users", "GET", "/internal/revocations", RevocationsRequest, RevocationsReply)
EVENTS = Call("", "POST", "/internal/events", Event, EventReply)

