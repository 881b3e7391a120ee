"""One way for tests to call a subgraph's `/internal/…` routes as another subgraph does."""

from __future__ import annotations

from typing import Any

import httpx

from subgraphs.common.internal import SERVICE_HEADER

#: An internal answer: the status and the JSON body.
Answer = tuple[int, Any]


class InternalRoutes:
    """A subgraph's internal routes over `http`, with the service credential `token` (None: without one)."""

    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {SERVICE_HEADER: self.token} if self.token is not None else {}

    def as_(self, token: str | None) -> InternalRoutes:
        """The same routes called with another credential (None: none)."""
        return type(self)(self.http, token)

    async def send(self, method: str, path: str, body: Any = None, *, params: dict[str, str] | None = None) -> httpx.Response:
        """The raw response; `body` goes out as JSON (None: no body, as the saga sends path-only calls)."""
        return await self.http.request(method, path, json=body, params=params, headers=self.headers)

    async def post(self, path: str, body: Any = None) -> Answer:
        response = await self.send("POST", path, body)
        return response.status_code, response.json()

    async def get(self, path: str, params: dict[str, str] | None = None) -> Answer:
        response = await self.send("GET", path, params=params)
        return response.status_code, response.json()
