"""The users subgraph's GraphQL types."""

from __future__ import annotations

import uuid
from datetime import datetime
import strawberry
from strawberry import UNSET
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.auth import owned_field
from subgraphs.common.errors import UserError
from subgraphs.common.types import Address, AddressInput, Role

from . import models
from .loaders import IdentitiesLoader, UserLoader

@strawberry.type(description="A sign-in through an external provider linked to an account.")
class ExternalIdentity:
    provider: str = strawberry.field(description="Provider id, e.g. `google`.")
    email: str | None = strawberry.field(description="The email the provider reported.")
    linked_at: datetime = strawberry.field(description="When the identity was linked.")


# Everything but the id is the account's own or an ADMIN's, on every path (`me`, payloads, `_entities`):
# no legitimate query shows one customer another's name or email (order lines carry product names).
@strawberry.federation.type(keys=["id"], description="A customer or administrator account.")
class User:
    id: strawberry.ID = strawberry.field(description="Account id.")
    email: str = owned_field(description="Sign-in email, normalised to lower case.")
    display_name: str = owned_field(description="The name shown in the store.")
    roles: list[Role] = owned_field(description="What the account may do.")
    default_address: Address | None = owned_field(description="Where courier deliveries go unless an order says otherwise.")
    created_at: datetime = owned_field(description="When the account was created.")

    @property
    def owner_id(self) -> str:
        return self.id

    @owned_field(description="External sign-ins linked to this account.")
    async def external_identities(self, info: Info) -> list[ExternalIdentity]:
        rows = await info.context.loader(IdentitiesLoader).load(uuid.UUID(self.id))
        return [ExternalIdentity(provider=r.provider, email=r.email, linked_at=r.linked_at) for r in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> User | None:
        """Other subgraphs name users by id; the fields decide who reads what."""
        row = await info.context.loader(UserLoader).load_id(id)
        return cls.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: models.User) -> User:
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            display_name=row.display_name,
            roles=[Role(r) for r in row.roles],
            default_address=Address.from_dict(row.default_address),
            created_at=row.created_at,
        )


@strawberry.type(description="The outcome of signing up, in, or refreshing: tokens and the account, or errors.")
class AuthPayload:
    access_token: str | None = strawberry.field(default=None, description="Bearer token for `Authorization`; short-lived.")
    refresh_token: str | None = strawberry.field(default=None, description="Single-use token for `refreshSession`.")
    expires_in: int | None = strawberry.field(default=None, description="Seconds until the access token expires.")
    user: User | None = strawberry.field(default=None, description="The signed-in account.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="A configured external sign-in provider.")
class AuthProvider:
    id: str = strawberry.field(description="Pass to `startExternalLogin`.")
    name: str = strawberry.field(description="Human-readable name.")


@strawberry.type(description="Where to send the browser to sign in with an external provider, or errors.")
class StartExternalLoginPayload:
    authorization_url: str | None = strawberry.field(
        default=None, description="Open this in the browser; the provider sends it back to `redirectUri` with `code` and `state`."
    )
    state: str | None = strawberry.field(default=None, description="Pass to `completeExternalLogin` with the code; valid for 10 minutes, once.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.type(description="The outcome of a profile change.")
class UserPayload:
    user: User | None = strawberry.field(default=None, description="The account as it is now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Empty on success.")


@strawberry.input(description="A new account.")
class RegisterInput:
    email: str = strawberry.field(description="Sign-in email.")
    password: str = strawberry.field(description="At least 8 characters.")
    display_name: str = strawberry.field(description="The name shown in the store.")


@strawberry.input(description="Email and password.")
class LoginInput:
    email: str = strawberry.field(description="Sign-in email.")
    password: str = strawberry.field(description="The account's password.")


@strawberry.input(description="Profile changes; omitted fields stay as they are.")
class UpdateProfileInput:
    display_name: str | None = strawberry.field(default=UNSET, description="A new display name.")
    default_address: AddressInput | None = strawberry.field(default=UNSET, description="A new default delivery address.")
