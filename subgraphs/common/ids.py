"""Ids: every `ID` of the API is a UUID; anything else is answered, never sent to PostgreSQL."""

from __future__ import annotations

import uuid

from graphql import GraphQLError

from .errors import DomainError, ErrorCode, bad_user_input


def parse_id(value: object) -> uuid.UUID | None:
    """The UUID inside an id, or None when it is not one (answered as null / NOT_FOUND where the API says so)."""
    if isinstance(value, uuid.UUID):
        return value
    # `uuid.UUID` would take non-ASCII digits (int() does) and any length of braces and dashes.
    if not isinstance(value, str) or not value.isascii() or len(value) > 45:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def require_id(value: object, argument: str) -> uuid.UUID:
    """The UUID inside an argument that must be one; BAD_USER_INPUT naming the argument otherwise."""
    key = parse_id(value)
    if key is None:
        raise invalid_id(argument)
    return key


def input_id(value: object, field: str, code: ErrorCode = ErrorCode.INVALID_INPUT, message: str = "Not a valid id.") -> uuid.UUID:
    """The UUID inside a mutation's input that must be one; otherwise a `DomainError` naming `field`,
    answered in the payload (`NOT_FOUND` where a malformed id should read like an unknown one)."""
    key = parse_id(value)
    if key is None:
        raise DomainError(code, message, field)
    return key


def invalid_id(argument: str) -> GraphQLError:
    """The error for an argument that is not an id."""
    error = bad_user_input(f"`{argument}` is not a valid id.")
    error.extensions["field"] = argument  # type: ignore[index]
    return error
