"""Errors: expected business failures are data (`UserError`), the rest are GraphQL errors with a code."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(enum.Enum):
    INVALID_INPUT = strawberry.enum_value("INVALID_INPUT", description="An input is malformed or out of range; `field` names it.")
    EMAIL_TAKEN = strawberry.enum_value("EMAIL_TAKEN", description="An account with this email exists.")
    INVALID_CREDENTIALS = strawberry.enum_value("INVALID_CREDENTIALS", description="Wrong email or password, or a refresh token or sign-in that is no longer valid.")
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="The thing named does not exist (or is not yours).")
    INSUFFICIENT_FUNDS = strawberry.enum_value("INSUFFICIENT_FUNDS", description="The wallet's balance does not cover the order.")
    OUT_OF_STOCK = strawberry.enum_value("OUT_OF_STOCK", description="Fewer items are in stock than asked for.")
    PRODUCT_UNAVAILABLE = strawberry.enum_value("PRODUCT_UNAVAILABLE", description="The product is no longer sold.")
    CART_EMPTY = strawberry.enum_value("CART_EMPTY", description="An order needs at least one item in the cart.")
    INVALID_STATE = strawberry.enum_value("INVALID_STATE", description="Not possible in the current status (e.g. cancelling a shipped order).")
    CONFLICT = strawberry.enum_value("CONFLICT", description="Clashes with what exists or changed meanwhile (a taken slug, a reused idempotency key); look again.")
    PROVIDER_ERROR = strawberry.enum_value("PROVIDER_ERROR", description="The external sign-in provider failed or is not configured.")
    RATE_LIMITED = strawberry.enum_value("RATE_LIMITED", description="Too many attempts; try again later.")
    INTERNAL = strawberry.enum_value("INTERNAL", description="Something failed on the store's side (a service could not be reached); try again shortly.")


@strawberry.federation.type(shareable=True, description="A business failure: what went wrong, and with which input.")
class UserError:
    code: ErrorCode = strawberry.field(description="Machine-readable reason.")
    field: str | None = strawberry.field(default=None, description="The input field at fault, when there is one.")
    message: str = strawberry.field(default="", description="Human-readable explanation.")


class DomainError(Exception):
    """Raised by services for an expected failure; mutations turn it into a `UserError`."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field

    def as_user_error(self) -> UserError:
        return UserError(code=self.code, field=self.field, message=self.message)


class ErrorsAsPayload(FieldExtension):
    """A mutation's expected failure as data: a `DomainError` it raises answers its payload type
    with `errors=[error.as_user_error()]`, every other field at its default (null)."""

    def apply(self, field: Any) -> None:
        self.field = field

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as error:
            return self.field.type(errors=[error.as_user_error()])


def mutation(**options: Any) -> Any:
    """`strawberry.mutation` for a mutation answering a payload with `errors`: the resolver raises
    (or lets its service raise) `DomainError` for an expected failure; `ErrorsAsPayload` answers it."""
    extensions = [ErrorsAsPayload(), *options.pop("extensions", ())]
    return strawberry.mutation(**options, extensions=extensions)


def bad_user_input(message: str) -> GraphQLError:
    """A malformed argument (paging, ids): a GraphQL error rather than data."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
