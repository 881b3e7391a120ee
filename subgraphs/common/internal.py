"""Internal calls between subgraphs: JSON over HTTP under `/internal/…`, never through the gateway.

The gateway only routes `/graphql`, so these routes are unreachable from :4000; each also refuses
a caller without the service credential (`X-Service-Token`). Every effect is idempotent by a key
the caller chooses (the order id), backed by a unique constraint, so a retry never doubles it.

Server side:   Route("/internal/charges", internal(charge), methods=["POST"])
    async def charge(state: AppState, body: dict) -> Reply: ... return Reply(200, {...})
Client side:   reply = await InternalClient(settings).post("wallet", "/internal/charges", {...})
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from .context import AppState
from .inputs import forbidden_at
from .settings import Settings

SERVICE_HEADER = "X-Service-Token"


@dataclass(frozen=True)
class Reply:
    """An internal answer: 200 for done (or already done), 409 for a business refusal with `error`."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.body.get("error", "INTERNAL"))


Handler = Callable[[AppState, dict[str, Any]], Awaitable[Reply]]


def internal(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wraps a handler as a Starlette endpoint: checks the credential, parses JSON, merges query and path params."""

    async def endpoint(request: Request) -> Response:
        state: AppState = request.app.state.shop
        presented = request.headers.get(SERVICE_HEADER, "")
        if not hmac.compare_digest(presented.encode(), state.settings.resolved_service_token().encode()):
            return JSONResponse({"error": "UNAUTHENTICATED"}, status_code=401)
        try:
            raw = await request.body()
            body = json.loads(raw) if raw else {}
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
            return JSONResponse({"error": "INVALID_INPUT", "message": "not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "INVALID_INPUT", "message": "expected an object"}, status_code=400)
        merged = {**request.query_params, **body, **request.path_params}
        # What no GraphQL operation may carry never reaches a handler (nor PostgreSQL) this way either.
        where = forbidden_at(merged)
        if where is not None:
            return JSONResponse({"error": "INVALID_INPUT", "message": f"`{where}` holds NUL or a lone surrogate"}, status_code=400)
        reply = await handler(state, merged)
        return JSONResponse(reply.body, status_code=reply.status)

    return endpoint


class RemoteUnavailable(Exception):
    """The other subgraph did not answer after every retry, or its circuit is open."""


class _Retryable(Exception):
    pass


class _Open(Exception):
    pass


class Breaker:
    """One subgraph's circuit: opens after `threshold` outages in a row, then lets one probe
    through every `cooldown` seconds, and closes on the first answer.

    The cooldown is short on purpose: a subgraph restarts in a second or two, and a long open
    circuit would keep sagas waiting on a subgraph that is long back.
    """

    def __init__(self, threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold, self.cooldown, self.clock = threshold, cooldown, clock
        self.failures = 0
        self.opened_at = 0.0

    @property
    def open(self) -> bool:
        return self.failures >= self.threshold

    def allow(self) -> bool:
        """Whether a call may go out now: always while closed; one probe per cooldown while open."""
        if not self.open:
            return True
        now = self.clock()
        if now - self.opened_at < self.cooldown:
            return False
        self.opened_at = now  # this call is the probe; the others wait for its outcome or the next cooldown
        return True

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = self.clock()


class InternalClient:
    """Calls another subgraph with a timeout, retries with backoff and jitter, and a circuit breaker."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.breakers: dict[str, Breaker] = {}
        self.http = httpx.AsyncClient(
            timeout=settings.internal_timeout,
            headers={SERVICE_HEADER: settings.resolved_service_token()},
            transport=transport,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def get(self, service: str, path: str) -> Reply:
        """Like `post`, for reads."""
        return await self.post(service, path, None, method="GET")

    async def post(self, service: str, path: str, body: dict[str, Any] | None = None, *, method: str = "POST") -> Reply:
        """The remote's reply (200 or a 4xx refusal); RemoteUnavailable when it cannot be had."""
        url = f"{self.settings.url(service)}{path}"
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.settings.internal_attempts),
                wait=wait_exponential_jitter(multiplier=0.05, max=1.0, jitter=0.05),
                retry=retry_if_exception_type(_Retryable),
                reraise=True,
            ):
                with attempt:
                    return await self._once(service, method, url, body)
        except (_Retryable, _Open) as exc:
            raise RemoteUnavailable(f"{service} unavailable: {exc}") from exc
        raise AssertionError("unreachable")

    def breaker(self, service: str) -> Breaker:
        """The circuit of one subgraph (made on first use)."""
        if service not in self.breakers:
            self.breakers[service] = Breaker(self.settings.breaker_threshold, self.settings.breaker_cooldown)
        return self.breakers[service]

    async def _once(self, service: str, method: str, url: str, body: dict[str, Any] | None) -> Reply:
        breaker = self.breaker(service)
        if not breaker.allow():
            raise _Open("circuit open")
        try:
            response = await self.http.request(method, url, json=body if method == "POST" else None)
        except httpx.TransportError as exc:
            breaker.failed()
            raise _Retryable(str(exc)) from exc
        if response.status_code >= 500 or response.status_code == 401:
            # 401: a misconfigured credential is an outage, not a business answer.
            breaker.failed()
            raise _Retryable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:  # not JSON: something other than a subgraph answered there
            breaker.failed()
            raise _Retryable(f"HTTP {response.status_code}, not JSON") from None
        breaker.succeeded()
        return Reply(response.status_code, body)
