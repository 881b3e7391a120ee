"""A request body limit for every subgraph route, the same as the gateway's: 413 past `max_body_bytes`.

A declared `Content-Length` over the limit is refused before the app reads anything; a chunked
body is counted as it streams in, and refused as soon as it passes the limit. Before answering,
up to `DRAIN_FACTOR` times the limit of what is still coming is read and dropped: closing a
socket with unread data resets the connection, and the client would never see its 413. Only
while more is coming: once the last part (`more_body` false) has been received, another
`receive()` waits for the client to disconnect (uvicorn), so the refusal would never be sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import JSONResponse

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


#: How much of a refused body is read and dropped (so the client gets its answer); past that, the connection is cut.
DRAIN_FACTOR = 8


class _TooLarge(Exception):
    """The body passed the limit while the app was reading it."""


class BodyLimit:
    """ASGI middleware; the limit comes from the app's settings (`AppState.settings.max_body_bytes`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int = scope["app"].state.shop.settings.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(limit, scope, receive, send)
            return
        seen = 0
        started = False
        pending = True  # more of the body is still to be received

        async def counted() -> Message:
            nonlocal seen, pending
            message = await receive()
            pending = message["type"] == "http.request" and message.get("more_body", False)
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if started:  # cannot happen with the store's routes, which read the body before answering
                raise
            # The part that passed the limit may have been the last one (the whole body arrived
            # before the app read it, as on a loaded machine): then there is nothing to drain.
            await _refuse(limit, scope, receive, send, pending=pending)


async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send, *, pending: bool = True) -> None:
    budget = limit * DRAIN_FACTOR
    while pending and budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client is gone
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = {"errors": [{"message": f"Request body is larger than {limit} bytes.", "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
    # Closing the connection: the rest of the body is never read.
    await JSONResponse(body, status_code=413, headers={"connection": "close"})(scope, receive, send)
