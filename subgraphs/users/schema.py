"""The users subgraph: accounts, profiles and sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET
from strawberry.types import Info  # needed at runtime: Strawberry reads resolver signatures

from subgraphs.common.auth import IsAdmin, IsAuthenticated
from subgraphs.common.errors import DomainError, ErrorCode, mutation
from subgraphs.common.pagination import After, Connection, First, Page
from subgraphs.common.schema import make_schema

from . import service, sessions
from .loaders import UserLoader
from .types import (
    AuthPayload,
    AuthProvider,
    LoginInput,
    RegisterInput,
    StartExternalLoginPayload,
    UpdateProfileInput,
    User,
    UserPayload,
)

if TYPE_CHECKING:
    from .app import Users
    from .models import User as UserRow


def _services(info: Info) -> Users:
    services: Users = info.context.state.services
    return services


async def _signed_in(info: Info, user: UserRow) -> AuthPayload:
    opened = await sessions.open_session(info.context.db, user, info.context.settings.refresh_token_ttl)
    return _payload(info, opened)


def _payload(info: Info, opened: sessions.Opened) -> AuthPayload:
    issued = _services(info).signer.issue(opened.user.id, list(opened.user.roles), opened.session_id)
    info.context.signed_in = opened.user.id
    return AuthPayload(
        access_token=issued.token,
        refresh_token=opened.refresh_token,
        expires_in=issued.expires_in,
        user=User.from_row(opened.user),
    )


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in account; null when anonymous.")
    async def me(self, info: Info) -> User | None:
        principal = info.context.principal
        if principal is None:
            return None
        row = await info.context.loader(UserLoader).load(principal.user_id)
        return User.from_row(row) if row else None

    @strawberry.field(description="External sign-in providers configured for this store.")
    def auth_providers(self, info: Info) -> list[AuthProvider]:
        providers = _services(info).providers
        return [AuthProvider(id=p.id, name=p.name) for p in providers.by_id.values()]

    @strawberry.field(description="Any account by id (ADMIN).", permission_classes=[IsAdmin])
    async def user(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Account id.")]) -> User | None:
        row = await info.context.loader(UserLoader).load_id(id)
        return User.from_row(row) if row else None

    @strawberry.field(description="All accounts, newest first; `search` matches email or name (ADMIN).", permission_classes=[IsAdmin])
    async def users(
        self,
        info: Info,
        first: First = 20,
        after: After = UNSET,
        search: Annotated[str | None, strawberry.argument(description="Text to find in the email or display name, ignoring case; blank means every account.")] = UNSET,
    ) -> Connection[User]:
        page = Page.from_args(first, after)
        rows = await service.list_users(info.context.db, page, search)
        return Connection[User].build(rows, page, node=User.from_row)


@strawberry.type
class Mutation:
    @mutation(description="Creates an account with email and password and signs it in.")
    async def register(self, info: Info, input: Annotated[RegisterInput, strawberry.argument(description="Email, password and display name.")]) -> AuthPayload:
        client = (info.context.settings, info.context.client_address)
        user = await service.register(info.context.db, input.email, input.password, input.display_name, client=client)
        return await _signed_in(info, user)

    @mutation(description="Signs in with email and password: a new session and its tokens.")
    async def login(self, info: Info, input: Annotated[LoginInput, strawberry.argument(description="Email and password.")]) -> AuthPayload:
        user = await service.authenticate(info.context.db, info.context.settings, input.email, input.password, info.context.client_address)
        return await _signed_in(info, user)

    @mutation(description="Begins signing in with an external provider (see `authProviders`): returns where to send the browser.")
    async def start_external_login(
        self,
        info: Info,
        provider: Annotated[str, strawberry.argument(description="A provider's `id` from `authProviders`.")],
        redirect_uri: Annotated[str, strawberry.argument(description="Where the provider sends the browser back; one of the store's allowed addresses.")],
    ) -> StartExternalLoginPayload:
        providers = _services(info).providers
        url, state = await service.start_external_login(info.context.db, info.context.settings, providers, provider, redirect_uri)
        return StartExternalLoginPayload(authorization_url=url, state=state)

    @mutation(
        description="Finishes an external sign-in with the `state` and `code` the provider sent back: the linked account, "
        "an existing one with the same provider-verified email (now linked), or a new one."
    )
    async def complete_external_login(
        self,
        info: Info,
        state: Annotated[str, strawberry.argument(description="The `state` of `startExternalLogin`, as the provider sent it back.")],
        code: Annotated[str, strawberry.argument(description="The authorization code the provider sent back.")],
    ) -> AuthPayload:
        user = await service.complete_external_login(info.context.db, _services(info).providers, state, code)
        return await _signed_in(info, user)

    @mutation(description="Trades a refresh token for new tokens; a reused token ends its session.")
    async def refresh_session(self, info: Info, refresh_token: Annotated[str, strawberry.argument(description="The refresh token of the last sign-in or refresh.")]) -> AuthPayload:
        return _payload(info, await sessions.rotate(info.context.db, refresh_token))

    @strawberry.mutation(description="Ends the caller's session: its tokens stop working at once.", permission_classes=[IsAuthenticated])
    async def logout(self, info: Info) -> bool:
        await sessions.revoke(info.context.db, info.context.principal.session_id)
        return True

    @mutation(description="Changes the caller's display name or default address.", permission_classes=[IsAuthenticated])
    async def update_profile(self, info: Info, input: Annotated[UpdateProfileInput, strawberry.argument(description="The fields to change; those left out stay as they are.")]) -> UserPayload:
        try:
            address = input.default_address.to_dict() if input.default_address else None
        except ValueError as exc:
            raise DomainError(ErrorCode.INVALID_INPUT, str(exc), "defaultAddress") from None
        row = await service.update_profile(
            info.context.db,
            info.context.principal.user_id,
            display_name=None if input.display_name is UNSET else input.display_name,
            address=address,
        )
        return UserPayload(user=User.from_row(row))


# What the code here can answer in a payload's `errors`; the SDL lists only these.
schema = make_schema(
    query=Query, mutation=Mutation, types=[User],
    error_codes=[ErrorCode.CONFLICT, ErrorCode.EMAIL_TAKEN, ErrorCode.INVALID_CREDENTIALS, ErrorCode.INVALID_INPUT, ErrorCode.NOT_FOUND, ErrorCode.PROVIDER_ERROR, ErrorCode.RATE_LIMITED],
)
