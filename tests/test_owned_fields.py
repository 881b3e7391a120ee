"""The kernel's one rule for private data (`owner_or_admin`, `owned_field`) on a schema of its own, without a database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import strawberry

from subgraphs.common.auth import Principal, owned_field, owner_or_admin

OWNER = uuid.uuid4()
QUERY = "{ thing { id secret note tags } }"


@strawberry.type
class Thing:
    id: strawberry.ID
    secret: str = owned_field(description="Non-null: anyone else gets NOT_FOUND.")
    note: str | None = owned_field(description="Nullable: anyone else gets null.")
    tags: list[str] = owned_field(description="A non-null list: NOT_FOUND, never a misleading [].")

    @property
    def owner_id(self) -> uuid.UUID:
        return OWNER


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> Thing | None:
        return Thing(id=strawberry.ID("1"), secret="s", note="n", tags=["t"])


schema = strawberry.Schema(query=Query)


@dataclass
class FakeContext:
    principal: Principal | None
    signed_in: uuid.UUID | None = None


def principal(user_id: uuid.UUID, *roles: str) -> Principal:
    return Principal(user_id=user_id, roles=frozenset(roles or ["CUSTOMER"]), session_id=uuid.uuid4(), token_id="t")


def test_the_rule() -> None:
    assert owner_or_admin(principal(OWNER), OWNER) and owner_or_admin(principal(OWNER), str(OWNER))
    assert owner_or_admin(principal(uuid.uuid4(), "ADMIN"), OWNER)
    assert not owner_or_admin(principal(uuid.uuid4()), OWNER)
    assert not owner_or_admin(None, OWNER)
    assert not owner_or_admin(principal(OWNER), "not-a-uuid") and not owner_or_admin(principal(OWNER), None)


def test_the_owner_an_admin_and_a_fresh_sign_in_read_every_field() -> None:
    for context in (FakeContext(principal(OWNER)), FakeContext(principal(uuid.uuid4(), "ADMIN")), FakeContext(None, signed_in=OWNER)):
        result = schema.execute_sync(QUERY, context_value=context)
        assert result.errors is None and result.data == {"thing": {"id": "1", "secret": "s", "note": "n", "tags": ["t"]}}


def test_anyone_else_gets_null_or_not_found() -> None:
    for context in (FakeContext(principal(uuid.uuid4())), FakeContext(None), FakeContext(None, signed_in=uuid.uuid4())):
        result = schema.execute_sync(QUERY, context_value=context)
        assert result.data == {"thing": None}
        # Executed in order, the first refused non-null field nulls the object and the rest are not asked.
        assert [(e.path[-1], (e.extensions or {}).get("code")) for e in result.errors or []] == [("secret", "NOT_FOUND")]
        tags = schema.execute_sync("{ thing { tags } }", context_value=context)
        assert tags.data == {"thing": None} and [(e.extensions or {}).get("code") for e in tags.errors or []] == ["NOT_FOUND"]
        only_nullable = schema.execute_sync("{ thing { id note } }", context_value=context)
        assert only_nullable.errors is None and only_nullable.data == {"thing": {"id": "1", "note": None}}
