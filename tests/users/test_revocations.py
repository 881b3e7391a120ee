"""Users announces every ended session (logout, refresh-token reuse) and serves the recent ones to
the other subgraphs' catch-up read (`GET /internal/revocations`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from subgraphs.common.db import connect_raw
from subgraphs.common.revocation import CHANNEL, Revocation, RevocationsReply
from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient
from tests.internal_client import InternalRoutes
from tests.users.test_accounts import register
from tests.users.test_sessions import LOGOUT, refresh

ROUTE = "/internal/revocations"


def session_of(token: str) -> uuid.UUID:
    return uuid.UUID(jwt.decode(token, options={"verify_signature": False})["sid"])


@pytest.fixture
async def announced(settings: Settings) -> AsyncIterator[asyncio.Queue[Revocation]]:
    """What users announces on the revocation channel, heard by a LISTEN of the test's own."""
    heard: asyncio.Queue[Revocation] = asyncio.Queue()
    connection = await connect_raw(settings.database_url or "")
    await connection.add_listener(CHANNEL, lambda *args: heard.put_nowait(Revocation.model_validate_json(args[-1])))
    yield heard
    await connection.close()


async def until_heard(heard: asyncio.Queue[Revocation], session_id: uuid.UUID) -> Revocation:
    while True:
        revocation = await asyncio.wait_for(heard.get(), 10)
        if revocation.session_id == session_id:
            return revocation


async def catch_up(users: GraphQLClient, settings: Settings, **params: Any) -> RevocationsReply:
    response = await InternalRoutes(users.http, settings.resolved_service_token()).send("GET", ROUTE, params=params)
    assert response.status_code == 200, response.text
    return RevocationsReply.model_validate_json(response.content)


async def test_logout_is_announced_and_served_to_the_catch_up(users: GraphQLClient, settings: Settings, announced: asyncio.Queue[Revocation]) -> None:
    token = (await register(users))["accessToken"]
    sid = session_of(token)
    before = await catch_up(users, settings)
    assert sid not in {r.session_id for r in before.revocations}
    assert (await users.as_(token).data(LOGOUT))["logout"] is True
    heard = await until_heard(announced, sid)
    served = {r.session_id: r.revoked_at for r in (await catch_up(users, settings, since=before.as_of.isoformat())).revocations}
    assert served[sid] == heard.revoked_at
    # A later `since` leaves it out; no `since` means the whole token lifetime.
    assert sid not in {r.session_id for r in (await catch_up(users, settings, since=(heard.revoked_at + timedelta(seconds=1)).isoformat())).revocations}
    assert sid in {r.session_id for r in (await catch_up(users, settings)).revocations}


async def test_refresh_token_reuse_is_announced(users: GraphQLClient, announced: asyncio.Queue[Revocation]) -> None:
    signed_up = await register(users)
    assert (await refresh(users, signed_up["refreshToken"]))["errors"] == []
    assert (await refresh(users, signed_up["refreshToken"]))["errors"][0]["code"] == "INVALID_CREDENTIALS"
    heard = await until_heard(announced, session_of(signed_up["accessToken"]))
    assert heard.revoked_at <= datetime.now(UTC)


async def test_the_route_wants_the_service_credential_and_a_proper_time(users: GraphQLClient, settings: Settings) -> None:
    internal = InternalRoutes(users.http, settings.resolved_service_token())
    assert (await internal.as_(None).send("GET", ROUTE)).status_code == 401
    assert (await internal.send("GET", ROUTE, params={"since": "yesterday"})).status_code == 400
    assert (await internal.send("GET", ROUTE, params={"since": "2026-01-01T00:00:00"})).status_code == 400


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_a_moment_at_the_ends_of_the_calendar_is_answered(users: GraphQLClient, settings: Settings, since: str) -> None:
    """Far in the future: nothing ended since then; far in the past: every session whose tokens may live."""
    token = (await register(users))["accessToken"]
    assert (await users.as_(token).data(LOGOUT))["logout"] is True
    reply = await catch_up(users, settings, since=since)
    ended = {r.session_id for r in reply.revocations}
    assert (session_of(token) in ended) is since.startswith("0001")
