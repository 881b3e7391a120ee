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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
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


class InternalClient:
    """Calls another subgraph with a timeout, retries with backoff and jitter, and a circuit breaker."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.breakers = AsyncCircuitBreakerFactory(default_threshold=5, default_ttl=10.0)
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
        except (_Retryable, OpenedState) as exc:
            raise RemoteUnavailable(f"{service} unavailable: {exc}") from exc
        raise AssertionError("unreachable")

    async def _once(self, service: str, method: str, url: str, body: dict[str, Any] | None) -> Reply:
        breaker = await self.breakers.get_breaker(service)
        async with breaker:
            try:
                response = await self.http.request(method, url, json=body if method == "POST" else None)
            except httpx.TransportError as exc:
                raise _Retryable(str(exc)) from exc
            if response.status_code >= 500 or response.status_code == 401:
                # 401: a misconfigured credential is an outage, not a business answer.
                raise _Retryable(f"HTTP {response.status_code}")
        return Reply(response.status_code, response.json())
