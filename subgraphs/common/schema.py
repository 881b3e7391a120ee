"""Builds a subgraph's federation schema with the store's extensions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.federation import Schema

from .inputs import RejectHostileInput, limit_root_fields
from .money import DECIMAL_SCALAR


def _mask(error: GraphQLError) -> bool:
    """Hide the text of unexpected exceptions (bugs, outages); keep errors raised on purpose."""
    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, (GraphQLError, PermissionError))


class RejectRefusedToken(SchemaExtension):
    """A presented but invalid token fails the whole operation: it never silently turns anonymous."""

    async def on_operation(self):  # type: ignore[no-untyped-def]
        error = getattr(self.execution_context.context, "auth_error", None)
        if error is not None:
            raise error
        yield


def make_schema(
    *, query: type, mutation: type | None = None, subscription: type | None = None, types: Sequence[type] = ()
) -> Schema:
    """A Federation 2 schema; parsing and validation are cached (they dominated CPU under load).

    Hostile input is refused here, for every subgraph alike: NUL and lone surrogates anywhere in
    an operation, strings over their length on every root field, amounts in any spelling but one.
    """
    limit_root_fields(query, mutation)
    return Schema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(types),
        scalar_overrides={Decimal: DECIMAL_SCALAR},
        extensions=[
            RejectRefusedToken,
            RejectHostileInput,
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
            lambda: MaskErrors(should_mask_error=_mask, error_message="Internal error."),
        ],
    )


def export_sdl(schema: Any) -> str:
    """The SDL committed as the subgraph's `schema.graphql` (what the gateway composes)."""
    return str(schema.as_str()).rstrip() + "\n"

