"""The kernel's keyset paging: the WHERE and ORDER BY a `Keyset` writes, and what `after` may be."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from graphql import GraphQLError
from sqlalchemy import Column, DateTime, MetaData, Table, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import UUID
from strawberry import UNSET

from subgraphs.common.pagination import Keyset, Page, encode_cursor

T = Table("things", MetaData(), Column("id", UUID), Column("created_at", DateTime(timezone=True)))
NEWEST = Keyset((T.c.created_at, T.c.id))
OLDEST = Keyset((T.c.created_at, T.c.id), descending=False)
AT, ID = datetime(2024, 5, 1, tzinfo=UTC), uuid.UUID(int=5)


def sql(statement: object) -> str:
    return " ".join(str(statement.compile(dialect=postgresql.dialect())).split())  # type: ignore[attr-defined]


@pytest.mark.parametrize("after", [UNSET, None, ""])
def test_an_absent_cursor_is_the_first_page(after: object) -> None:
    page = Page.from_args(5, after)
    assert page.after is None and page.limit == 6
    assert sql(NEWEST.paged(select(T.c.id), page)) == (
        "SELECT things.id FROM things ORDER BY things.created_at DESC, things.id DESC LIMIT %(param_1)s::INTEGER"
    )


def test_a_cursor_continues_after_its_position_in_the_order() -> None:
    page = Page.from_args(5, encode_cursor([AT, ID]))
    assert page.after == [AT, ID]
    newest = NEWEST.paged(select(T.c.id).where(T.c.id.is_not(None)), page)
    assert sql(newest) == (
        "SELECT things.id FROM things WHERE things.id IS NOT NULL AND (things.created_at, things.id) < "
        "(%(param_1)s::TIMESTAMP WITH TIME ZONE, %(param_2)s::UUID) "
        "ORDER BY things.created_at DESC, things.id DESC LIMIT %(param_3)s::INTEGER"
    )
    # (Each part is bound with its column's type, as the casts show.)
    assert "(things.created_at, things.id) > (" in sql(OLDEST.paged(select(T.c.id), page))
    assert "ORDER BY things.created_at ASC, things.id ASC" in sql(OLDEST.paged(select(T.c.id), page))


def test_a_position_may_be_another_relations_columns_and_an_order_other_columns() -> None:
    edge = select(T.c.created_at.label("key"), T.c.id.label("id")).limit(1).subquery("edge")
    condition, = NEWEST.beyond((edge.c.key, edge.c.id))
    assert sql(condition) == "(things.created_at, things.id) < (edge.key, edge.id)"
    assert [sql(c) for c in OLDEST.order([edge.c.key, edge.c.id])] == ["edge.key ASC", "edge.id ASC"]
    assert NEWEST.beyond(None) == []


def test_a_cursor_of_another_shape_is_bad_user_input() -> None:
    with pytest.raises(GraphQLError, match="not a valid cursor"):
        Page.from_args(5, encode_cursor([AT]))
