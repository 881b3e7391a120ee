"""The users subgraph's ASGI app: GraphQL plus the JWKS other subgraphs verify tokens with."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from subgraphs.common.app import create_app
from subgraphs.common.auth import KeySource, Principal, TokenVerifier
from subgraphs.common.context import AppState
from subgraphs.common.ids import parse_id
from subgraphs.common.internal import Reply, internal
from subgraphs.common.revocation import Fetch, RevocationsReply
from subgraphs.common.settings import Settings

from . import service, sessions
from .external import Providers
from .schema import schema
from .tokens import TokenSigner


@dataclass(frozen=True)
class Users:
    """What users holds for its lifetime: the token signer and the external sign-in providers."""

    signer: TokenSigner
    providers: Providers


@contextlib.asynccontextmanager
async def _services(state: AppState[Users]) -> AsyncIterator[Users]:
    signer = TokenSigner.from_settings(state.settings)
    # Users verifies its own tokens with its own key: no HTTP round trip to itself.
    state.verifier = TokenVerifier(KeySource(public_key=signer.public_key), issuer=signer.issuer, audience=signer.audience)
    yield Users(signer=signer, providers=Providers.from_settings(state.settings))


async def _session_alive(state: AppState[Users], principal: Principal) -> Principal | None:
    """Users' own fields refuse a token at once after logout, not only when it expires."""
    return principal if await sessions.is_active(state.db, principal.session_id) else None


def _own_revocations(state: AppState[Users]) -> Fetch:
    """Users catches up from its own tables, not over HTTP to itself."""

    async def fetch(since: datetime | None) -> RevocationsReply:
        return await sessions.revoked_since(state.db, since, state.settings.access_token_ttl)

    return fetch


async def revocations(state: AppState, body: dict[str, Any]) -> Reply:
    """The sessions ended since `since` (ISO 8601; absent: all whose access tokens may still live)."""
    try:
        since = datetime.fromisoformat(str(body["since"])) if body.get("since") else None
    except ValueError:
        return Reply(400, {"error": "INVALID_INPUT", "message": "`since` is not an ISO 8601 time"})
    if since is not None and since.tzinfo is None:
        return Reply(400, {"error": "INVALID_INPUT", "message": "`since` needs a time zone"})
    reply = await sessions.revoked_since(state.db, since, state.settings.access_token_ttl)
    return Reply(200, reply.model_dump(mode="json"))


async def account(state: AppState, body: dict[str, Any]) -> Reply:
    """What other subgraphs need of an account: where a courier delivery goes, where mail goes."""
    key = parse_id(body.get("id"))
    user = await service.get_user(state.db, key) if key else None
    if user is None:
        return Reply(404, {"error": "NOT_FOUND"})
    return Reply(200, {"id": str(user.id), "email": user.email, "display_name": user.display_name, "default_address": user.default_address})


async def jwks(request: Request) -> JSONResponse:
    signer: TokenSigner = request.app.state.shop.services.signer
    return JSONResponse(signer.jwks(), headers={"Cache-Control": "public, max-age=300"})


def build(settings: Settings | None = None) -> Starlette:
    return create_app(
        "users",
        schema,
        settings=settings,
        routes=[
            Route("/.well-known/jwks.json", jwks),
            Route("/internal/users/{id}", internal(account), methods=["GET"]),
            Route("/internal/revocations", internal(revocations), methods=["GET"]),
        ],
        services=_services,
        # Users reads the session itself on each request (the logout's own replica refuses at once);
        # the revocation feed every subgraph keeps is checked first all the same.
        authenticate=_session_alive,
        revocation_source=_own_revocations,
    )


app = build()
