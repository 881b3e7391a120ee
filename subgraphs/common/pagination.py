"""Relay connections with keyset cursors: a cursor carries the sort key and the id, never an offset.

    page = Page.from_args(first, after)          # BAD_USER_INPUT on a bad first / cursor
    rows = await session.scalars(NEWEST.paged(select(Order).where(...), page))   # in service.py
    return Connection.build(rows, page, node=to_type)     # key=: a row's cursor, [created_at, id] unless told

`after` is declared `After = UNSET` in every resolver and handed to `Page.from_args` as it comes:
a Python default of None would print `after: String = null` into the SDL, which the contract
(`after: String`, no default) does not say; absent, null and "" all mean the first page.

A cursor is the client's to forge: once decoded, each part must have the type of its place in
the sort key (`key=`, `(datetime, UUID)` unless told) and fit its column, else BAD_USER_INPUT;
a well-formed cursor of the wrong types never reaches PostgreSQL.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

import orjson
import strawberry
from sqlalchemy import ColumnElement, Select, literal, tuple_

from .errors import bad_user_input
from .inputs import DEFAULT_MAX_LENGTH, FORBIDDEN
from .money import LIMIT

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_PAGE = 20
MAX_PAGE = 100
#: The sort key of most connections: newest first, the id breaking ties.
CREATED = (datetime, UUID)
INT64 = 2**63

#: `first` and `after` of every connection, described once.
First = Annotated[
    int | None, strawberry.argument(description=f"How many items at most: 0 to {MAX_PAGE}, else BAD_USER_INPUT; null means {DEFAULT_PAGE}.")
]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor: the `endCursor` of the previous page; omit it for the first page.")]


@strawberry.federation.type(shareable=True, description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow the last edge.")
    has_previous_page: bool = strawberry.field(description="Items precede the first edge (true once paged with `after`).")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge: pass it as `after` for the next page.")


@strawberry.type(description="One item of a page, with the cursor to continue after it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, Relay style.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")

    @classmethod
    def build(
        cls, rows: Sequence[R], page: Page, *, node: Callable[[R], T], key: Callable[[R], list[Any]] | None = None
    ) -> Connection[T]:
        """A connection from `page.limit` rows (one more than asked tells whether a next page exists)."""
        more = len(rows) > page.first
        position = key or created_position
        edges = [Edge(cursor=encode_cursor(position(row)), node=node(row)) for row in rows[: page.first]]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=page.after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


def created_position(row: Any) -> list[Any]:
    """A row's place in a list by (created_at, id), either way: the cursor of the CREATED sort key."""
    return [row.created_at, row.id]


@dataclass(frozen=True, slots=True)
class Page:
    """Validated paging arguments."""

    first: int
    after: list[Any] | None

    @property
    def limit(self) -> int:
        return self.first + 1

    @classmethod
    def from_args(cls, first: int | None, after: object, *, key: Sequence[type] = CREATED) -> Page:
        """`after`: a cursor, or None / UNSET / "" for the first page; `key`: the Python type of each part of the sort key, in order."""
        if first is None:
            first = DEFAULT_PAGE
        if first < 0 or first > MAX_PAGE:
            raise bad_user_input(f"`first` must be between 0 and {MAX_PAGE}.")
        return cls(first=first, after=decode_cursor(after, key) if isinstance(after, str) and after else None)


S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True, slots=True)
class Keyset:
    """A sort order for keyset paging: its columns, the last one unique (the tie-breaker), all one way.

        NEWEST = Keyset((Order.created_at, Order.id))             # newest first
        query = NEWEST.paged(select(Order).where(...), page)      # ORDER BY, the cursor's WHERE, LIMIT
    """

    columns: tuple[Any, ...]
    descending: bool = True

    def order(self, columns: Sequence[Any] | None = None) -> list[Any]:
        """ORDER BY this order, over `columns` in its place when given (a subquery's, an expression of them)."""
        return [c.desc() if self.descending else c.asc() for c in (columns or self.columns)]

    def beyond(self, position: Sequence[Any] | None) -> list[ColumnElement[bool]]:
        """The rows after `position` in this order: `(a, b) < (:a, :b)` (`>` ascending), for `.where(*…)`;
        none for the first page. A position's parts are values (bound with their column's type) or
        columns of another relation."""
        if position is None:
            return []
        bound = tuple_(*(v if isinstance(v, ColumnElement) else literal(v, c.type) for c, v in zip(self.columns, position, strict=True)))
        row = tuple_(*self.columns)
        return [row < bound if self.descending else row > bound]

    def paged(self, query: S, page: Page) -> S:
        """`query` ordered this way, after the page's cursor, limited to `page.limit` rows."""
        return query.where(*self.beyond(page.after)).order_by(*self.order()).limit(page.limit)  # type: ignore[return-value]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, UUID):
        return {"u": str(value)}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (tag, raw), = value.items()
        converters: dict[str, Callable[[str], Any]] = {"t": datetime.fromisoformat, "d": Decimal, "u": UUID}
        if tag in converters and isinstance(raw, str):
            return converters[tag](raw)
    if isinstance(value, (str, int, float)) or value is None:
        return value
    raise ValueError("unexpected cursor part")


def encode_cursor(key: list[Any]) -> str:
    """An opaque, URL-safe cursor for a sort key (orjson: 20 of them a page; `decode_cursor` reads
    either encoder's JSON, so cursors handed out before stay valid)."""
    parts = [_plain(part) for part in key]
    try:
        raw = orjson.dumps(parts)
    except TypeError:  # what orjson does not encode (an integer past 64 bits)
        raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fits(value: Any, expected: type) -> bool:
    """Whether a decoded part has the type of its place and fits its column."""
    if expected is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if expected is Decimal:
        return isinstance(value, Decimal) and value.is_finite() and abs(value) < LIMIT
    if expected is str:
        return isinstance(value, str) and len(value) <= DEFAULT_MAX_LENGTH and not FORBIDDEN.search(value)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool) and -INT64 <= value < INT64
    return isinstance(value, expected)


def decode_cursor(cursor: str, key: Sequence[type]) -> list[Any]:
    """The sort key inside a cursor, each part of its type; BAD_USER_INPUT when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        if not isinstance(parts, list) or len(parts) != len(key):
            raise ValueError("wrong arity")
        typed = [_typed(part) for part in parts]
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        raise bad_user_input("`after` is not a valid cursor.") from None
    if not all(_fits(part, expected) for part, expected in zip(typed, key)):
        raise bad_user_input("`after` is not a valid cursor.")
    return typed
