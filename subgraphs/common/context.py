"""The per-request context: who is calling, the database, and lazily built DataLoaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

from starlette.requests import Request
from starlette.websockets import WebSocket

from .clients import client_address

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from .auth import Principal, TokenVerifier
    from .events import Relay
    from .revocation import RevocationFeed
    from .settings import Settings

L = TypeVar("L")
#: A subgraph's own long-lived services: one dataclass per subgraph (`None` for a subgraph without any).
S = TypeVar("S")


@dataclass
class AppState(Generic[S]):
    """What a subgraph process holds for its lifetime: the kernel's parts, and `services`, the subgraph's own."""

    name: str
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    verifier: TokenVerifier
    #: Ended sessions (None when `revocation_feed` is off); the principal is checked against it once per request.
    revocations: RevocationFeed | None = None
    #: Delivers the subgraph's outbox to its subscribers (None: it publishes nothing, or runs without background work).
    relay: Relay | None = None
    _services: S | None = None

    @property
    def services(self) -> S:
        """The subgraph's services, built by `create_app(services=...)` at startup and closed at shutdown."""
        if self._services is None:
            # AttributeError, so that `getattr(state, "services", None)` reads "not running" as None.
            raise AttributeError(f"{self.name} has no services outside its lifespan")
        return self._services


@dataclass
class Context(Generic[S]):
    """Built once per request (or per WebSocket connection)."""

    request: Request | WebSocket
    state: AppState[S]
    principal: Principal | None
    response: Any = None
    #: Set when a token was presented but refused; the whole operation then fails UNAUTHENTICATED.
    auth_error: Exception | None = None
    #: The account a sign-in in this operation proved the caller to be (its token is not sent yet):
    #: the payload's `user` is theirs to read.
    signed_in: UUID | None = None
    #: The WebSocket `connection_init` payload (Strawberry fills it in).
    connection_params: dict[str, Any] | None = None
    _loaders: dict[Callable[..., Any], Any] = field(default_factory=dict)

    @property
    def db(self) -> async_sessionmaker[AsyncSession]:
        return self.state.db

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def client_address(self) -> str:
        """The caller's IP address (X-Forwarded-For believed only from `settings.trusted_proxies`)."""
        return client_address(self.request, self.settings.trusted_proxies)

    def loader(self, factory: Callable[[Context[Any]], L]) -> L:
        """The request's one instance of a DataLoader, built on first use: `ctx.loader(ProductLoader)`."""
        if factory not in self._loaders:
            self._loaders[factory] = factory(self)
        return self._loaders[factory]  # type: ignore[no-any-return]
