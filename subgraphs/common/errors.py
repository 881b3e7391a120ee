"""Errors: expected business failures are data (`UserError`), the rest are GraphQL errors with a code."""

from __future__ import annotations

import enum

import strawberry
from graphql import GraphQLError


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(enum.Enum):
    INVALID_INPUT = "INVALID_INPUT"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    NOT_FOUND = "NOT_FOUND"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    PRODUCT_UNAVAILABLE = "PRODUCT_UNAVAILABLE"
    CART_EMPTY = "CART_EMPTY"
    INVALID_STATE = "INVALID_STATE"
    CONFLICT = "CONFLICT"
    PROVIDER_ERROR = "PROVIDER_ERROR"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL = "INTERNAL"


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


def bad_user_input(message: str) -> GraphQLError:
    """A malformed argument (paging, ids): a GraphQL error rather than data."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
