"""Builds a subgraph's federation schema with the store's extensions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.federation import Schema
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types import Info

from .errors import ErrorCode, bad_user_input
from .execution import LeanExecutor, lean_resolvers
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


class RefuseIntrospection(SchemaExtension):
    """`__schema` / `__type` are refused when GraphiQL is off (production): the gateway needs only `_service { sdl }`."""

    def on_operation(self):  # type: ignore[no-untyped-def]
        settings = getattr(self.execution_context.context, "settings", None)
        if settings is not None and not settings.graphiql:
            self.execution_context.validation_rules = (*self.execution_context.validation_rules, NoSchemaIntrospectionCustomRule)
        yield


class StoreSchema(Schema):
    """Federation's schema, with `_entities` refusing representations no gateway would send."""

    def entities_resolver(self, info: Info, representations: list[Any]) -> list[Any]:
        """Each representation of one of our entities, with its key fields, resolves; any other is BAD_USER_INPUT."""
        keys = self._entity_keys()
        results: list[Any] = []
        for representation in representations:
            name = representation.get("__typename") if isinstance(representation, dict) else None
            # Every key of the store is an id: a string, never null, a number or an object.
            if not isinstance(name, str) or name not in keys or not all(isinstance(representation.get(key), str) for key in keys[name]):
                results.append(bad_user_input("A representation needs the `__typename` of an entity here and its key fields as strings."))
            else:
                results.extend(super().entities_resolver(info, [dict(representation)]))
        return results

    def _entity_keys(self) -> dict[str, set[str]]:
        if not hasattr(self, "_keys"):
            keys: dict[str, set[str]] = {}
            for name, type_ in self.schema_converter.type_map.items():
                for directive in getattr(type_.definition, "directives", None) or ():
                    if isinstance(directive, Key):
                        keys.setdefault(name, set()).update(str(directive.fields).split())
            self._keys = keys
        return self._keys


# Strawberry builds `_entities` from this method's annotations, which must be real types (not strings).
StoreSchema.entities_resolver.__annotations__.update({"info": Info, "representations": list[FederationAny], "return": list[FederationAny]})


def make_schema(
    *,
    query: type,
    mutation: type | None = None,
    subscription: type | None = None,
    types: Sequence[type] = (),
    error_codes: Collection[ErrorCode] | None = None,
    extensions: Sequence[type[SchemaExtension]] = (),
) -> Schema:
    """A Federation 2 schema; parsing and validation are cached (they dominated CPU under load).

    Hostile input is refused here, for every subgraph alike: NUL and lone surrogates anywhere in
    an operation, strings over their length on every root field, amounts in any spelling but one.
    `error_codes` are the `ErrorCode`s this subgraph answers (default: all); its SDL lists only those.
    `extensions` are the subgraph's own, run after the kernel's.
    """
    limit_root_fields(query, mutation)
    schema = StoreSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(types),
        scalar_overrides={Decimal: DECIMAL_SCALAR},
        execution_context_class=LeanExecutor,
        extensions=[
            RejectRefusedToken,
            RejectHostileInput,
            RefuseIntrospection,
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
            lambda: MaskErrors(should_mask_error=_mask, error_message="Internal error."),
            *extensions,
        ],
    )
    lean_resolvers(schema)
    if error_codes is not None:
        _only_error_codes(schema, error_codes)
    return schema


def _only_error_codes(schema: Schema, codes: Collection[ErrorCode]) -> None:
    """Drops the other values from the GraphQL `ErrorCode`, so the SDL advertises what this subgraph answers.

    ErrorCode is output-only, so composition merges the subgraphs' values by union: the supergraph
    keeps the whole enum. Answering a dropped code fails to serialize (an internal error), never
    silently.
    """
    enum_type = schema._schema.type_map.get("ErrorCode")
    if enum_type is None:
        return
    keep = {code.name for code in codes}
    for name in [name for name in enum_type.values if name not in keep]:  # type: ignore[union-attr]
        del enum_type.values[name]  # type: ignore[union-attr]


def export_sdl(schema: Any) -> str:
    """The SDL committed as the subgraph's `schema.graphql` (what the gateway composes)."""
    return str(schema.as_str()).rstrip() + "\n"

