"""Bearer tokens, verified by every subgraph itself; the principal rides in the context.

The gateway only forwards `Authorization`, so no subgraph trusts a header it cannot verify:
signature (EdDSA or RS256 only), `iss`, `aud` and `exp` are checked here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import httpx
import jwt
import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.base import StrawberryOptional

if TYPE_CHECKING:
    from strawberry.types import Info
    from strawberry.types.field import StrawberryField

    from .context import Context
    from .settings import Settings

ALGORITHMS = ["EdDSA", "RS256"]
REQUIRED_CLAIMS = ["sub", "roles", "sid", "iss", "aud", "exp", "iat", "jti"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the access token says."""

    user_id: UUID
    roles: frozenset[str]
    session_id: UUID
    token_id: str

    @property
    def is_admin(self) -> bool:
        return "ADMIN" in self.roles


class InvalidToken(Exception):
    """The bearer token is malformed, forged, expired or not for us."""


class KeysUnavailable(Exception):
    """The verifying keys cannot be fetched right now: an outage, not the caller's fault."""


class KeySource:
    """Verifying keys by `kid`: a fixed public key, or the users subgraph's JWKS (fetched, cached)."""

    def __init__(self, *, public_key: Any = None, jwks_url: str | None = None, ttl: float = 300.0) -> None:
        self._static = public_key
        self._url = jwks_url
        self._ttl = ttl
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> Any:
        if self._static is not None:
            return self._static
        if kid not in self._keys or time.monotonic() - self._fetched_at > self._ttl:
            await self._refresh(force=kid not in self._keys)
        try:
            return self._keys[kid or ""]
        except KeyError:
            raise InvalidToken("unknown signing key") from None

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            # A burst of tokens with an unknown kid refreshes once, not once each.
            if not force and time.monotonic() - self._fetched_at <= self._ttl:
                return
            if force and time.monotonic() - self._fetched_at < 1.0:
                return
            if self._url is None:
                raise InvalidToken("no verifying key configured")
            try:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    response = await client.get(self._url)
                    response.raise_for_status()
            except httpx.HTTPError as exc:
                raise KeysUnavailable(str(exc)) from exc
            jwks = jwt.PyJWKSet.from_dict(response.json())
            self._keys = {k.key_id or "": k.key for k in jwks.keys}
            self._fetched_at = time.monotonic()


class TokenVerifier:
    """Checks an access token completely and returns its principal."""

    def __init__(self, keys: KeySource, *, issuer: str, audience: str) -> None:
        self.keys, self.issuer, self.audience = keys, issuer, audience

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        if settings.jwt_public_key:
            source = KeySource(public_key=_load_public(settings.jwt_public_key))
        else:
            source = KeySource(jwks_url=settings.resolved_jwks_url)
        return cls(source, issuer=settings.jwt_issuer, audience=settings.jwt_audience)

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("algorithm not allowed")
        key = await self.keys.key(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
            return Principal(
                user_id=UUID(claims["sub"]),
                roles=frozenset(claims["roles"]),
                session_id=UUID(claims["sid"]),
                token_id=str(claims["jti"]),
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidToken(str(exc)) from exc


def _load_public(pem: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pem.encode())


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` value, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def unauthenticated(message: str = "Sign in first.") -> GraphQLError:
    return GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})


def forbidden(message: str = "Not allowed for your role.") -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


class IsAuthenticated(BasePermission):
    """The caller presented a valid access token."""

    message = "Sign in first."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class IsAdmin(BasePermission):
    """The caller is signed in with the ADMIN role (anonymous callers get UNAUTHENTICATED)."""

    message = "Only an administrator may do this."
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is None:
            raise unauthenticated()
        return principal.is_admin


# Private data: one rule for every path a field is reached by (a query, a mutation's payload, `_entities`).


def owner_or_admin(principal: Principal | None, owner: UUID | str | None) -> bool:
    """The rule for private data: its owner or an ADMIN; anyone else, anonymous included, sees none of it.

    Ids compare as text, so an id that is not a UUID (a forged representation) simply belongs to nobody.
    """
    if principal is None:
        return False
    return principal.is_admin or (owner is not None and str(owner) == str(principal.user_id))


def may_read(context: Context, owner: UUID | str | None) -> bool:
    """`owner_or_admin` for this request, counting the account a sign-in in this operation just proved to be."""
    signed_in = context.signed_in
    return owner_or_admin(context.principal, owner) or (signed_in is not None and owner is not None and str(owner) == str(signed_in))


class Owned(Protocol):
    """An object whose private fields are one account's: `owner_id` names it (None: nobody's)."""

    @property
    def owner_id(self) -> UUID | str | None: ...


class IsOwnerOrAdmin(BasePermission):
    """The field's object (`Owned`) is the caller's, or the caller is an ADMIN."""

    # Someone else's data reads as if it did not exist (API.md), so no hint that it does.
    message = "Not found."
    error_extensions = {"code": "NOT_FOUND"}

    def has_permission(self, source: Owned, info: Info, **kwargs: Any) -> bool:
        return may_read(info.context, source.owner_id)


class OwnedField(PermissionExtension):
    """A private field: null for anyone else when it may be null, else a NOT_FOUND error.

    Strawberry's `fail_silently` would answer a list field with `[]`; an empty `roles` or
    `externalIdentities` would be a lie rather than no answer, so only nullable fields stay silent.
    """

    def __init__(self) -> None:
        super().__init__([IsOwnerOrAdmin()], use_directives=False)

    def apply(self, field: StrawberryField) -> None:
        self.fail_silently = isinstance(field.type, StrawberryOptional)


def owned_field(**kwargs: Any) -> Any:
    """A field only its object's owner or an ADMIN reads: `email: str = owned_field(description="…")`.

    Also a decorator for resolvers: `@owned_field(description="…")`. The type must be `Owned`.
    """
    return strawberry.field(extensions=[OwnedField()], **kwargs)
