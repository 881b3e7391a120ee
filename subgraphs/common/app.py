"""The app factory: every subgraph is the same Starlette app around its own schema.

    app = create_app("wallet", schema, routes=ROUTES, outbox=OutboxEvent, subscribers=SUBSCRIBERS)
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, NoReturn

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry import UNSET
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from .auth import InvalidToken, KeysUnavailable, Principal, TokenVerifier, bearer_token, unauthenticated
from .context import AppState, Context, S
from .db import create_engine, session_factory
from .events import Relay, Subscribers
from .limits import BodyLimit
from .revocation import CLOSE_CODE, Fetch, RevocationFeed, UsersRevocations
from .settings import InvalidSettings, Settings, get_settings

#: A subgraph's services for the process's lifetime: entered at startup (they may read `state`), exited at shutdown.
Services = Callable[[AppState[S]], contextlib.AbstractAsyncContextManager[S]]
#: Turns a verified token into a principal, or refuses it (users checks that the session still lives).
Authenticate = Callable[[AppState[Any], Principal], Awaitable[Principal | None]]
#: Where a subgraph's revocation feed catches up from; by default users' internal route.
RevocationSource = Callable[[AppState[Any]], Fetch]


class GraphQLApp(GraphQL[Context[Any], None]):
    """Strawberry's ASGI view with the store's context: the principal is settled once per request."""

    def __init__(self, schema: Any, authenticate: Authenticate | None) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL],
        )
        self.authenticate = authenticate
        # Per open WebSocket: what stops watching its session when the connection ends.
        self._watching: dict[int, contextlib.ExitStack] = {}

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        finally:
            if isinstance(request, WebSocket) and (watching := self._watching.pop(id(request), None)) is not None:
                watching.close()

    def _watch(self, context: Context[Any]) -> None:
        """An open WebSocket of a signed-in session is closed as soon as that session ends."""
        feed, principal, websocket = context.state.revocations, context.principal, context.request
        if feed is None or principal is None or not isinstance(websocket, WebSocket):
            return

        async def close() -> None:
            with contextlib.suppress(RuntimeError):  # already closed by either side
                await websocket.close(code=CLOSE_CODE, reason="The session has ended.")

        stack = self._watching.setdefault(id(websocket), contextlib.ExitStack())
        stack.enter_context(feed.watch(principal.session_id, close))

    def encode_json(self, data: object) -> str:
        """orjson: several times faster than `json.dumps` on a page of products. Text, not bytes, since
        WebSocket messages go through here too (bytes would become binary frames)."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:  # what orjson cannot encode (an integer past 64 bits): the standard encoder
            return super().encode_json(data)  # type: ignore[return-value]

    async def render_graphql_ide(self, request: Request) -> Any:
        """GraphiQL unless `settings.graphiql` is off (production): then 404, as for any unknown page."""
        if not request.app.state.shop.settings.graphiql:
            raise HTTPException(404, "Not Found")
        return await super().render_graphql_ide(request)

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context[Any]:
        state: AppState[Any] = request.app.state.shop
        try:
            principal = await self.principal(state, request.headers.get("authorization"))
        except GraphQLError as error:
            return Context(request=request, response=response, state=state, principal=None, auth_error=error)
        context = Context(request=request, response=response, state=state, principal=principal)
        self._watch(context)  # no await since the check: a revocation cannot slip in between
        return context

    async def on_ws_connect(self, context: Context[Any]) -> UnsetType:
        """On WebSocket the token may come in the `connection_init` payload instead of a header."""
        if context.auth_error is not None:  # a refused token in the upgrade request's header
            raise ConnectionRejectionError({"message": str(context.auth_error)})
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        if context.principal is None and isinstance(authorization, str):
            try:
                context.principal = await self.principal(context.state, authorization)
            except GraphQLError as error:  # invalid or expired, its session ended, or sign-in not checkable now
                raise ConnectionRejectionError({"message": str(error)}) from None
            self._watch(context)
        return UNSET

    async def principal(self, state: AppState[Any], authorization: str | None) -> Principal | None:
        token = bearer_token(authorization)
        if token is None:
            return None
        try:
            principal: Principal | None = await state.verifier.verify(token)
        except InvalidToken:
            raise unauthenticated("The access token is invalid or expired.") from None
        except KeysUnavailable:
            raise GraphQLError("Sign-in cannot be checked right now; try again shortly.", extensions={"code": "SERVICE_UNAVAILABLE"}) from None
        if principal is not None and state.revocations is not None:
            state.revocations.check(principal)
        if principal is not None and self.authenticate is not None:
            principal = await self.authenticate(state, principal)
            if principal is None:
                raise unauthenticated("The session has ended; sign in again.")
        return principal


def refuse_to_start(name: str, error: InvalidSettings) -> NoReturn:
    """One line per malformed setting, then exit 2: under uvicorn an exception would print a traceback."""
    sys.stderr.write("".join(f"{name}: {line}\n" for line in str(error).splitlines()))
    sys.stderr.flush()
    os._exit(2)


def create_app(
    name: str,
    schema: Any,
    *,
    settings: Settings | None = None,
    routes: Sequence[BaseRoute] = (),
    services: Services[Any] | None = None,
    outbox: Any = None,
    subscribers: Subscribers | None = None,
    background: bool = True,
    authenticate: Authenticate | None = None,
    revocation_source: RevocationSource | None = None,
    pool: Callable[[Settings], tuple[int, int]] | None = None,
) -> Starlette:
    """A subgraph's ASGI app: `/graphql`, `/health` and `routes`, around one lifespan.

    At startup: the settings (read unless given), the database, `services(state)` entered for the
    process's lifetime as `state.services`, the relay of `outbox` to `subscribers` (topic → subgraph
    names) unless `background` is off (in-process tests then read the outbox themselves), and the
    revocation feed (unless `settings.revocation_feed` is off), caught up from `revocation_source`
    (default: users' internal route). At shutdown the same in reverse.
    `pool`: the engine's (pool size, burst allowance) from the settings; default `db_pool_size` twice.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            conf = settings or get_settings()
        except InvalidSettings as error:
            refuse_to_start(name, error)
        if not conf.database_url:
            raise RuntimeError("DATABASE_URL is not set (make run sets it for every subgraph).")
        size, overflow = pool(conf) if pool is not None else (conf.db_pool_size, conf.db_pool_size)
        engine = create_engine(conf.database_url, pool_size=size, max_overflow=overflow, application_name=name)
        state: AppState[Any] = AppState(name=name, settings=conf, db=session_factory(engine), verifier=TokenVerifier.from_settings(conf))
        app.state.shop = state
        try:
            async with contextlib.AsyncExitStack() as stack:
                if services is not None:
                    try:
                        state._services = await stack.enter_async_context(services(state))
                    except InvalidSettings as error:  # a setting only this subgraph reads, checked as it starts
                        refuse_to_start(name, error)
                    stack.callback(setattr, state, "_services", None)
                if outbox is not None and background:
                    await _start_relay(state, Relay(state, outbox, subscribers or {}))
                    stack.push_async_callback(_stop_relay, state)
                if conf.revocation_feed:
                    await _start_revocations(state, name, revocation_source)
                    stack.push_async_callback(_stop_revocations, state)
                yield
        finally:
            await engine.dispose()

    async def health(request: Request) -> JSONResponse:
        # Not ready while it cannot tell ended sessions: signed-in requests are refused meanwhile.
        feed = request.app.state.shop.revocations
        if feed is not None and not feed.in_sync:
            return JSONResponse({"status": "behind", "subgraph": name, "detail": "revocations not in sync"}, status_code=503)
        return JSONResponse({"status": "ok", "subgraph": name})

    view = GraphQLApp(schema, authenticate)
    return Starlette(
        routes=[Route("/health", health), *routes, Route("/graphql", view, methods=["GET", "POST"]), WebSocketRoute("/graphql", view)],
        lifespan=lifespan,
        middleware=[Middleware(BodyLimit)],
    )


async def _start_relay(state: AppState[Any], relay: Relay) -> None:
    state.relay = relay
    await relay.start()


async def _stop_relay(state: AppState[Any]) -> None:
    if state.relay is not None:
        await state.relay.stop()
        state.relay = None


async def _start_revocations(state: AppState[Any], name: str, source: RevocationSource | None) -> None:
    """The process's feed of ended sessions; users' internal route unless `source` says otherwise."""
    fetch = source(state) if source else UsersRevocations(state.settings)
    # Named, so an operator (or a test) can find this process's LISTEN connection.
    state.revocations = RevocationFeed(fetch, state.settings.database_url or "", state.settings, application_name=f"{name}-revocations")
    await state.revocations.start()


async def _stop_revocations(state: AppState[Any]) -> None:
    if (feed := state.revocations) is not None:
        await feed.stop()
        if isinstance(feed.fetch, UsersRevocations):
            await feed.fetch.aclose()
