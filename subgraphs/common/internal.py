"""Internal calls between subgraphs: JSON over HTTP under `/internal/…`, never through the gateway.

The gateway only routes `/graphql`, so these routes are unreachable from :4000; each also refuses
a caller without the service credential (`X-Service-Token`). Every effect is idempotent by a key
the caller chooses (the order id), backed by a unique constraint, so a retry never doubles it.

What each route takes and answers is written once, in `subgraphs.common.contract`:

Server side:   route(CHARGE, charge)
    async def charge(state: AppState, request: ChargeRequest) -> ChargeReply: ... (or raise Refused, or a DomainError)
Client side:   reply = await InternalClient(settings).call(CHARGE, ChargeRequest(...))
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from .context import AppState
from .contract import STATUS, Call, Refusal, RefusalCode, Refused, Rep, Req
from .errors import DomainError
from .inputs import forbidden_at
from .settings import Settings

SERVICE_HEADER = "X-Service-Token"


@dataclass(frozen=True)
class Reply:
    """An internal answer: 200 for done (or already done), else a refusal with `error` (its status: `contract.STATUS`)."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.body.get("error", "INTERNAL"))


Handler = Callable[[AppState, dict[str, Any]], Awaitable[Reply]]


def _refusal(reason: RefusalCode, message: str) -> JSONResponse:
    return JSONResponse(Refused(reason, message).wire(), status_code=STATUS[reason])


Credential = Callable[[Settings], str]


def internal(handler: Handler, credential: Credential = Settings.resolved_service_token) -> Callable[[Request], Awaitable[Response]]:
    """Wraps a handler as a Starlette endpoint: checks the credential (the service's, unless the route
    has its own), parses JSON, merges query and path params."""

    async def endpoint(request: Request) -> Response:
        state: AppState = request.app.state.shop
        presented = request.headers.get(SERVICE_HEADER, "")
        if not hmac.compare_digest(presented.encode(), credential(state.settings).encode()):
            code = RefusalCode.UNAUTHENTICATED  # no message: nothing to tell a caller without the credential
            return JSONResponse({"error": code.value}, status_code=STATUS[code])
        try:
            raw = await request.body()
            body = json.loads(raw) if raw else {}
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
            return _refusal(RefusalCode.INVALID_INPUT, "not JSON")
        if not isinstance(body, dict):
            return _refusal(RefusalCode.INVALID_INPUT, "expected an object")
        merged = {**request.query_params, **body, **request.path_params}
        # What no GraphQL operation may carry never reaches a handler (nor PostgreSQL) this way either.
        where = forbidden_at(merged)
        if where is not None:
            return _refusal(RefusalCode.INVALID_INPUT, f"`{where}` holds NUL or a lone surrogate")
        reply = await handler(state, merged)
        return JSONResponse(reply.body, status_code=reply.status)

    return endpoint


def explain(error: ValidationError) -> str:
    """The first problem of a malformed body, naming the field: "`lines.0.quantity`: …"."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"`{where}`: {first['msg']}"


def parse(model: type[Req], data: object) -> Req:
    """`data` as `model`, or the 400 INVALID_INPUT refusal (for a part a handler reads itself)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise Refused(RefusalCode.INVALID_INPUT, explain(error)) from None


def route(call: Call[Req, Rep], handler: Callable[[AppState, Req], Awaitable[Rep]], credential: Credential = Settings.resolved_service_token) -> Route:
    """The route answering `call`: the body (with query and path parameters) validated as its
    request, the handler's reply as 200, a `Refused` as its status, a service's `DomainError` as
    the refusal with its code; 400 for a malformed body."""

    async def endpoint(state: AppState, body: dict[str, Any]) -> Reply:
        try:
            reply = await handler(state, parse(call.request, body))
        except DomainError as error:
            refused = Refused.from_domain(error)
            return Reply(refused.status, refused.wire())
        except Refused as refused:
            return Reply(refused.status, refused.wire())
        return Reply(200, reply.wire())

    return Route(call.path, internal(endpoint, credential), methods=[call.method])


class RemoteUnavailable(Exception):
    """The other subgraph did not answer after every retry, or its circuit is open."""


class OffContract(RemoteUnavailable):
    """The other subgraph answered, but not as the contract says (a remote of another version)."""


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

    async def call(self, call: Call[Req, Rep], request: Req, *, service: str = "") -> Rep:
        """The reply of `call` as its model; `Refused` when the remote declined; RemoteUnavailable
        when it cannot be had, `OffContract` (one) when it answers outside the contract."""
        fields = request.wire()
        path = call.path.format(**{name: fields.pop(name) for name in call.path_fields})
        if call.method == "GET":
            query = {name: value for name, value in fields.items() if value is not None}
            path = str(httpx.URL(path, params=query)) if query else path
            reply = await self.get(service or call.service, path)
        else:
            reply = await self.post(service or call.service, path, fields or None)
        try:
            if reply.ok:
                return call.reply.model_validate(reply.body)
            refusal = Refusal.model_validate(reply.body)
        except ValidationError as error:
            raise OffContract(f"{service or call.service} answered outside the contract: {explain(error)}") from None
        raise Refused(refusal.error, refusal.message, refusal.product_id)

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
