"""Hostile input refused in one place for every subgraph, before any resolver runs.

- A NUL or a lone surrogate anywhere in an operation (a literal, a variable, a key) fails the
  whole operation with BAD_USER_INPUT: PostgreSQL cannot store either, and no part of an
  operation should run when another part is refused.
- Every string argument and input field has a length limit (`MAX_LENGTH` by GraphQL name,
  `DEFAULT_MAX_LENGTH` otherwise): over it a mutation answers `INVALID_INPUT` with the field in
  its payload's `errors`, a query a BAD_USER_INPUT error naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from graphql import ArgumentNode, DocumentNode, ExecutionResult, GraphQLError, ObjectFieldNode, StringValueNode, Visitor, visit
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from .errors import ErrorCode, UserError

if TYPE_CHECKING:
    from strawberry.extensions.field_extension import AsyncExtensionResolver, SyncExtensionResolver
    from strawberry.types import Info
    from strawberry.types.field import StrawberryField

#: What no stored string may hold: NUL (PostgreSQL refuses it) and UTF-16 halves (not text at all).
FORBIDDEN = re.compile("[\x00\ud800-\udfff]")

#: Characters allowed in a string argument or input field, by its GraphQL name (or `Input.field`
#: where one input differs); each is at most the width of its column (tests/security/test_input.py).
MAX_LENGTH: dict[str, int] = {
    # users
    "email": 254,  # RFC 5321's longest path; the columns hold 320
    "password": 256,
    "displayName": 100,
    "refreshToken": 256,
    "provider": 50,
    "redirectUri": 2048,
    "state": 64,
    "code": 2048,
    # Searches read their first 200 characters; longer text is still taken, up to this.
    "search": 1000,
    # catalog (and pickup point names)
    "name": 200,
    "CreateProductInput.name": 300,
    "UpdateProductInput.name": 300,
    "slug": 100,
    "description": 10_000,
    "imageUrl": 2000,
    # wallet, orders
    "idempotencyKey": 100,
    # addresses (stored as JSON)
    "recipient": 200,
    "phone": 32,
    "country": 100,
    "city": 100,
    "street": 200,
    "building": 50,
    "apartment": 50,
    "postalCode": 20,
    # delivery
    "openingHours": 200,
}
#: Anything else (ids, cursors): far above what a well-formed value needs.
DEFAULT_MAX_LENGTH = 1000


def forbidden_at(value: Any, path: str = "") -> str | None:
    """Where a NUL or a lone surrogate hides in a JSON-like value (keys included), or None."""
    if isinstance(value, str):
        return (path or "value") if FORBIDDEN.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and FORBIDDEN.search(key):
                return path or "variables"
            found = forbidden_at(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = forbidden_at(item, f"{path}[{index}]")
            if found:
                return found
    return None


class _Literals(Visitor):
    """Finds a bad string literal, naming the argument or input field that holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: str | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
        return self._named(node)

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> Any:
        return self._named(node)

    def _named(self, node: ArgumentNode | ObjectFieldNode) -> Any:
        if isinstance(node.value, StringValueNode):
            if FORBIDDEN.search(node.value.value):
                self.found = node.name.value
                return self.BREAK
            return self.SKIP
        return None

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        # A string anywhere else: in a list, a directive, a default value.
        if FORBIDDEN.search(node.value):
            self.found = "query"
            return self.BREAK
        return None


def hostile_input_error(where: str) -> GraphQLError:
    """The one error for a NUL or a lone surrogate, wherever it was."""
    return GraphQLError(
        f"`{where}` holds a NUL character or a lone surrogate, which no text may contain.",
        extensions={"code": "BAD_USER_INPUT", "field": where},
    )


#: Scans of documents already seen, by their text (clients repeat a few operations; see bench/inputs.py).
_SCANS: dict[str, str | None] = {}
SCAN_CACHE = 1000


def scan_literals(document: DocumentNode, text: str | None) -> str | None:
    """Where a bad literal is, or None."""
    if text is not None and text in _SCANS:
        return _SCANS[text]
    literals = _Literals()
    visit(document, literals)
    result = literals.found
    if text is not None:
        if len(_SCANS) >= SCAN_CACHE:
            _SCANS.clear()
        _SCANS[text] = result
    return result


class RejectHostileInput(SchemaExtension):
    """Refuses the operation before execution when a literal or a variable holds NUL or a lone surrogate."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        where = None
        if context.graphql_document is not None:
            where = scan_literals(context.graphql_document, context.query)
        if where is None and context.variables:
            where = forbidden_at(context.variables)
        if where is not None:
            context.result = ExecutionResult(data=None, errors=[hostile_input_error(where)])
        yield


def _too_long(value: Any, path: str, name: str, owner: str = "") -> tuple[str, int] | None:
    """The first string over its limit inside an argument value: (path, limit), or None."""
    if isinstance(value, str):
        limit = MAX_LENGTH.get(f"{owner}.{name}") or MAX_LENGTH.get(name, DEFAULT_MAX_LENGTH)
        return (path, limit) if len(value) > limit else None
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _too_long(item, path, name, owner)
            if found:
                return found
        return None
    definition = getattr(type(value), "__strawberry_definition__", None)
    if definition is not None and getattr(definition, "is_input", False):
        for field in definition.fields:
            child = field.graphql_name or to_camel_case(field.python_name)
            found = _too_long(getattr(value, field.python_name, None), f"{path}.{child}" if path else child, child, definition.name)
            if found:
                return found
    return None


class LimitLengths(FieldExtension):
    """On a root field: every string argument (and input field) within its limit, else a refusal."""

    def apply(self, field: StrawberryField) -> None:
        self.field = field
        self.payload = getattr(field.type, "__strawberry_definition__", None)

    def _refusal(self, info: Info, kwargs: dict[str, Any]) -> Any:
        """None when every string fits; else the payload with INVALID_INPUT (mutations) — or raises."""
        for argument in self.field.arguments:
            name = argument.graphql_name or to_camel_case(argument.python_name)
            # A mutation's `input` is the whole request: its fields are named without the prefix.
            path = "" if name == "input" else name
            found = _too_long(kwargs.get(argument.python_name), path, name)
            if found is None:
                continue
            where, limit = found
            message = f"At most {limit} characters."
            is_mutation = info.operation.operation.value == "mutation"
            if is_mutation and self.payload is not None and any(f.python_name == "errors" for f in self.payload.fields):
                return self.field.type(errors=[UserError(code=ErrorCode.INVALID_INPUT, field=where, message=message)])
            raise GraphQLError(f"`{where}`: {message}", extensions={"code": "BAD_USER_INPUT", "field": where})
        return None

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        refused = self._refusal(info, kwargs)
        return refused if refused is not None else next_(source, info, **kwargs)

    async def resolve_async(self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        refused = self._refusal(info, kwargs)
        return refused if refused is not None else await next_(source, info, **kwargs)


def limit_root_fields(*roots: type | None) -> None:
    """Puts `LimitLengths` on every field of the root types, innermost: permissions answer first."""
    for root in roots:
        definition = getattr(root, "__strawberry_definition__", None)
        for field in definition.fields if definition else ():
            if field.arguments and not any(isinstance(e, LimitLengths) for e in field.extensions):
                field.extensions.insert(0, LimitLengths())
