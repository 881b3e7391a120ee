"""What other subgraphs read of users (ACCOUNT, REVOCATIONS in `subgraphs.common.contract`).

    GET /internal/users/{id}              an account's email, name and default address; 404 NOT_FOUND
    GET /internal/revocations?since=…     the sessions ended since then (ISO 8601 with a time zone)
"""

from __future__ import annotations

from subgraphs.common.context import AppState
from subgraphs.common.contract import ACCOUNT, REVOCATIONS, Account, LookupById, RefusalCode, Refused, RevocationsReply, RevocationsRequest
from subgraphs.common.ids import parse_id
from subgraphs.common.internal import route

from . import service, sessions


async def revocations(state: AppState, request: RevocationsRequest) -> RevocationsReply:
    """The sessions ended since `since` (absent: all whose access tokens may still live)."""
    return await sessions.revoked_since(state.db, request.since, state.settings.access_token_ttl)


async def account(state: AppState, request: LookupById) -> Account:
    """Where a courier delivery goes, where mail goes."""
    key = parse_id(request.id)
    user = await service.get_user(state.db, key) if key else None
    if user is None:
        raise Refused(RefusalCode.NOT_FOUND, "No such account.")
    return Account(id=user.id, email=user.email, display_name=user.display_name, default_address=user.default_address)


ROUTES = [route(ACCOUNT, account), route(REVOCATIONS, revocations)]
