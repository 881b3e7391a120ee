"""A cache of anonymous read responses, in front of the catalog's GraphQL view.

Who may be served from it: a POST to `/graphql` without an `Authorization` header, whose body
names neither a mutation nor a subscription. A request with a token is never answered from the
cache and its answer is never kept, so what a signed-in caller sees reaches nobody else. Only a
200 JSON answer without `errors` is kept, keyed by the exact body (query and variables).

Why in the subgraph, not in the gateway: the subgraph hears of every change from the database it
reads (a NOTIFY sent at commit by triggers on products and categories, migration 0004), in every
process and replica, including stock taken by the order saga's reservations; the gateway would
need its own channel to the database and its own idea of who is anonymous. Hive Gateway does keep a
copy of these answers for half a second in front of this cache (router/showcaseCache.ts), because
proxying every read here was its limit; that copy is bounded by time, this cache by NOTIFY.

Freshness: a notice (on the process's one LISTEN, feed.py) empties the cache and bumps its
generation. A response is kept only if the generation did not move while it was computed, so an
answer read before a change that is stored after the notice is dropped. While the feed does not
vouch (its LISTEN down, not yet up, or unproven for 0.4 s) nothing is served nor kept; on
reconnecting the cache starts empty, since notices may have been missed.
A write through this process also empties it at once: an internal stock call as its answer
starts, a mutation as soon as it has run (`ForgetAfterWrites`), before its answer leaves. Only a
mutation that ran does: one refused outright (an anonymous caller, a forged token) changes nothing
and empties nothing, so nobody can keep the cache empty by sending mutations. A query whose body
merely mentions `mutation` or `subscription` is neither served from the cache nor kept.

The gateway's copy learns of all this from `token`: the process's boot id and generation, answered by
`GET /internal/showcase/generation` with `listening`, and sent with every anonymous answer as
`x-showcase-generation` (the generation the answer was computed in: a hit's is the current one, a
computed answer's the one at its start), so the gateway keeps an answer past its short life only
while the process that computed it still has that generation (router/showcaseCache.ts says why).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import FieldNode, get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from subgraphs.common.settings import Settings

from .feed import ShowcaseFeed

MAX_BODY = 32 * 1024  # larger requests are passed through untouched
GENERATION_HEADER = b"x-showcase-generation"
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Entry = tuple[float, list[tuple[bytes, bytes]], bytes]


class ResponseCache:
    """The entries of one process, forgotten whenever its showcase feed hears of a change."""

    def __init__(self, settings: Settings, feed: ShowcaseFeed) -> None:
        self.ttl, self.capacity = settings.showcase_cache_ttl, settings.showcase_cache_entries
        self.feed = feed
        self.entries: OrderedDict[bytes, Entry] = OrderedDict()
        self.generation = 0
        # A restarted process starts again at generation 0: the boot id tells its generations apart.
        self.boot = secrets.token_hex(8)
        feed.follow(self)

    @property
    def trusted(self) -> bool:
        """Whether what is kept is known to be current: the LISTEN is up and recently proven."""
        return self.feed.vouches

    def get(self, key: bytes) -> Entry | None:
        entry = self.entries.get(key) if self.trusted else None
        if entry is not None and entry[0] < time.monotonic():
            self.entries.pop(key, None)
            return None
        return entry

    def put(self, key: bytes, generation: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        """Keeps an answer computed during `generation`, unless the showcase changed meanwhile."""
        if not self.trusted or generation != self.generation:
            return
        self.entries[key] = (time.monotonic() + self.ttl, headers, body)
        while len(self.entries) > self.capacity:
            self.entries.popitem(last=False)

    def forget(self, *_: Any) -> None:
        self.generation += 1
        self.entries.clear()

    def token(self, generation: int | None = None) -> str:
        """`generation` (default: the current one) of this process, unlike any other process's."""
        return f"{self.boot}.{self.generation if generation is None else generation}"

    def heard(self, payload: str) -> None:
        self.forget()

    def listened(self) -> None:
        self.forget()  # what changed while nobody listened

    def lost(self) -> None:
        self.forget()


class ForgetAfterWrites(SchemaExtension):
    """Empties the process's cache once a mutation has run, before its answer leaves.

    "Has run": some root field answered (data that is not null). A mutation refused as a whole
    (UNAUTHENTICATED, FORBIDDEN, invalid) wrote nothing and empties nothing. Any answer computed
    while it ran is refused by `put`, its generation having moved; other processes hear by NOTIFY.
    """

    def on_execute(self) -> Any:
        yield
        context = self.execution_context
        if context.operation_type is not OperationType.MUTATION or context.result is None or context.graphql_document is None:
            return
        services = getattr(getattr(context.context, "state", None), "services", None)
        cache: ResponseCache | None = getattr(services, "cache", None)
        operation = get_operation_ast(context.graphql_document, context.operation_name)
        roots = operation.selection_set.selections if operation is not None else ()
        # `__typename` answers without running anything.
        typename = {(node.alias or node.name).value for node in roots if isinstance(node, FieldNode) and node.name.value == "__typename"}
        data = getattr(context.result, "data", None) or {}
        if cache is not None and any(value is not None for key, value in data.items() if key not in typename):
            cache.forget()


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key == name), None)


async def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the rest of the connection's messages."""
    sent = False

    async def again() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def _writing(app: Any, cache: ResponseCache, scope: Scope, receive: Receive, send: Send) -> None:
    """A request that may write: the cache is emptied before its answer leaves, so whoever made the
    change and reads next sees it (other processes hear of it by NOTIFY), and again when it ends."""

    async def forgetting(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            cache.forget()
        await send(message)

    try:
        await app(scope, receive, forgetting)
    finally:
        cache.forget()


class CachedReads:
    """ASGI middleware: answers repeated anonymous reads from the process's `ResponseCache`."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = getattr(scope.get("app"), "state", None) if scope["type"] == "http" else None
        cache: ResponseCache | None = getattr(getattr(getattr(state, "shop", None), "services", None), "cache", None)
        if cache is None or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        if scope["path"] != "/graphql":  # the saga's internal stock calls: they write
            return await _writing(self.app, cache, scope, receive, send)
        length = _header(scope, b"content-length")
        if length is None or not length.isdigit() or int(length) > MAX_BODY:
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more and len(body) <= MAX_BODY:
            message = await receive()
            if message["type"] != "http.request":  # the client left before sending it all
                return
            body, more = body + message.get("body", b""), message.get("more_body", False)
        # A mutation empties the cache once it has run (ForgetAfterWrites); signed in: neither served nor kept.
        if more or b"mutation" in body or b"subscription" in body or _header(scope, b"authorization") is not None:
            return await self.app(scope, await _replay(body, receive), send)
        key = b"\0".join((_header(scope, b"accept") or b"", _header(scope, b"content-type") or b"", body))
        if (entry := cache.get(key)) is not None:
            headers = [*entry[1], (GENERATION_HEADER, cache.token().encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            return await send({"type": "http.response.body", "body": entry[2]})
        await self._compute(cache, key, scope, await _replay(body, receive), send)

    async def _compute(self, cache: ResponseCache, key: bytes, scope: Scope, receive: Receive, send: Send) -> None:
        generation, status, headers, chunks = cache.generation, 0, [], []
        # Said only while the cache is trusted: an answer computed without the feed's vouching vouches for nothing.
        vouch = [(GENERATION_HEADER, cache.token(generation).encode())] if cache.trusted else []

        async def capture(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
                message = {**message, "headers": [*headers, *vouch]}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        answer = b"".join(chunks)
        names = {name.lower(): value for name, value in headers}
        if status == 200 and names.get(b"content-type", b"").startswith(b"application/json") and b"set-cookie" not in names:
            if b'"errors"' not in answer:
                cache.put(key, generation, headers, answer)
