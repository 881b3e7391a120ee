"""The kernel's executor: plain leaf fields and `(self, info)` resolvers on a short path, the same answers and errors."""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from subgraphs.common.execution import PLAN
from subgraphs.common.schema import make_schema


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"


class Never(BasePermission):
    message = "Not yours."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Thing:
    name: str
    colour: Colour
    count: int | None
    label: str
    # A guarded plain attribute, as `owned_field` makes them: its permission must run on every path.
    secret: str = strawberry.field(default="s3cret", extensions=[PermissionExtension([Never()], use_directives=False)])
    hidden: str | None = strawberry.field(default="s3cret", permission_classes=[Never])

    @strawberry.field
    def caller(self, info: Info) -> str:
        return f"{self.name} for {info.context['who']}"

    @strawberry.field
    async def later(self, info: Info) -> str:
        return f"{self.name} later for {info.context['who']}"

    @strawberry.field
    def shout(self, loud: bool = False) -> str:
        return self.name.upper() if loud else self.name


class Broken:
    """Not a Thing: `label` is missing and `name` is None, as a bug would leave them."""

    name = None
    colour = Colour.RED
    count = None


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(name="kettle", colour=Colour.RED, count=3, label="a"), Thing(name="mug", colour=Colour.RED, count=None, label="b")]

    @strawberry.field
    def broken(self) -> Thing | None:
        return Broken()  # type: ignore[return-value]


schema = make_schema(query=Query)


async def run(query: str) -> Any:
    return await schema.execute(query, context_value={"who": "Ann"})


async def test_leaves_and_direct_resolvers_answer_as_strawberry_does() -> None:
    result = await run("{ things { name colour count label caller later shout(loud: true) n: name } }")
    assert result.errors is None
    assert result.data == {"things": [
        {"name": "kettle", "colour": "RED", "count": 3, "label": "a", "caller": "kettle for Ann", "later": "kettle later for Ann", "shout": "KETTLE", "n": "kettle"},
        {"name": "mug", "colour": "RED", "count": None, "label": "b", "caller": "mug for Ann", "later": "mug later for Ann", "shout": "MUG", "n": "mug"},
    ]}
    planned = schema._schema.type_map["Thing"].fields  # type: ignore[attr-defined]
    assert planned["name"].extensions[PLAN] is not None  # the short path was taken


async def test_a_null_or_missing_attribute_fails_as_before() -> None:
    """The full path's located error (masked, as every unexpected one is), the parent nulled."""
    for field in ("name", "label"):
        result = await run(f"{{ broken {{ {field} colour }} }}")
        assert result.data == {"broken": None}
        assert result.errors is not None and [e.message for e in result.errors] == ["Internal error."], result.errors
        assert result.errors[0].path == ["broken", field]


async def test_a_guarded_attribute_is_never_read_on_the_short_path() -> None:
    for field in ("secret", "hidden"):
        result = await run(f"{{ things {{ name {field} }} }}")
        assert "s3cret" not in str(result.data), result.data
        assert result.errors is not None and result.errors[0].message == "Not yours.", result.errors
    fields = schema._schema.type_map["Thing"].fields  # type: ignore[attr-defined]
    assert fields["secret"].extensions.get(PLAN) is None and fields["hidden"].extensions.get(PLAN) is None


@strawberry.type
class Ticks:
    @strawberry.subscription
    async def ticks(self, info: Info) -> AsyncGenerator[int, None]:
        for tick in (1, 2):
            yield tick


async def test_a_subscription_of_self_and_info_keeps_its_stream() -> None:
    streaming = make_schema(query=Query, subscription=Ticks)
    stream = await streaming.subscribe("subscription { ticks }", context_value={"who": "Ann"})
    assert [result.data async for result in stream] == [{"ticks": 1}, {"ticks": 2}]  # type: ignore[union-attr]
