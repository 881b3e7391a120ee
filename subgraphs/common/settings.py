"""One settings object, read from the environment once and passed explicitly."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]

#: Default ports in development; `SHOP_PORT_BASE` shifts them all (the tests run beside `make run`).
PORT_OFFSETS = {"gateway": 0, "users": 1, "catalog": 2, "wallet": 3, "orders": 4, "delivery": 5, "notifications": 6}


class Settings(BaseSettings):
    """Every knob of the store; environment variables are `SHOP_<NAME>` unless noted."""

    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")

    # Unset: `make run` and the tests start an embedded PostgreSQL in `data_dir`.
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "SHOP_DATABASE_URL"))
    data_dir: Path = ROOT / ".data"
    port_base: int = 4000
    host: str = "127.0.0.1"
    # Per subgraph process: steady connections; bursts may open as many again (PostgreSQL allows 100 by default).
    db_pool_size: int = 5

    currency: str = "RUB"

    jwt_issuer: str = "shop-users"
    jwt_audience: str = "shop"
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    # PEM keys. In production set them; in development users generates a key pair into data_dir.
    jwt_private_key: str | None = None
    jwt_public_key: str | None = None
    # Where the other subgraphs fetch the verifying keys when `jwt_public_key` is not set.
    jwks_url: str | None = None

    # Shared secret that internal calls between subgraphs present; generated into data_dir in development.
    service_token: str | None = None
    # Remote calls between subgraphs: per-attempt timeout and attempts before giving up.
    internal_timeout: float = 3.0
    internal_attempts: int = 4
    # The circuit per subgraph: opens after this many outages in a row, then probes once per cooldown
    # (seconds), so a subgraph that is back is used again within about a cooldown.
    breaker_threshold: int = 5
    breaker_cooldown: float = 1.0

    # The largest single wallet top-up (`SHOP_WALLET_MAX_TOP_UP`); more is INVALID_INPUT.
    wallet_max_top_up: Decimal = Decimal("1000000")

    # placeOrder answers when the saga ends or after this many seconds (the saga carries on).
    place_order_wait: float = 10.0
    # A saga whose remotes stay unreachable this long is compensated and FAILED.
    saga_deadline: float = 120.0
    # How often unfinished sagas are looked for.
    saga_recovery_interval: float = 2.0

    login_max_failures: int = 5
    login_window_seconds: int = 15 * 60

    # External sign-in. Each entry: {"id", "name", "issuer", "client_id", "client_secret", "scope"?}; an entry with
    # "kind": "oauth2" (no discovery) gives "authorize_url", "token_url" and "userinfo_url" instead of "issuer".
    oidc_providers: list[dict[str, str]] = []
    # Where providers may send the browser back to; empty allows only http://localhost… and http://127.0.0.1… (development).
    oidc_redirect_uris: list[str] = []
    # Presets: setting a client id and secret adds the provider.
    google_client_id: str | None = None
    google_client_secret: str | None = None
    microsoft_client_id: str | None = None
    microsoft_client_secret: str | None = None
    yandex_client_id: str | None = None
    yandex_client_secret: str | None = None

    admin_email: str = "admin@example.com"
    admin_password: str = "admin-password"

    def port(self, piece: str) -> int:
        """The port of the gateway or of one subgraph."""
        return self.port_base + PORT_OFFSETS[piece]

    def url(self, piece: str) -> str:
        """The base URL of the gateway or of one subgraph (`SHOP_<PIECE>_URL` overrides, e.g. in containers)."""
        return os.environ.get(f"SHOP_{piece.upper()}_URL") or f"http://{self.host}:{self.port(piece)}"

    @property
    def resolved_jwks_url(self) -> str:
        return self.jwks_url or f"{self.url('users')}/.well-known/jwks.json"


    def resolved_service_token(self) -> str:
        """The service credential: from settings in production, else one generated once per data folder."""
        return self.service_token or _development_token(self.data_dir)


def created_once(path: Path, make: Callable[[], str]) -> str:
    """The file's content, writing `make()` into it first if it does not exist yet.

    Every subgraph starts at once and each may find the file missing: the content is written to a
    private temporary file and hard-linked into place, which fails when another process got there
    first, so all of them end up reading the one winner's content, never a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(make())  # mkstemp made it 0600
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text()


@lru_cache
def _development_token(data_dir: Path) -> str:
    """Read once per process: every internal call, on both sides, presents or checks it."""
    import secrets

    return created_once(data_dir / "keys" / "service-token", lambda: secrets.token_urlsafe(32)).strip()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return Settings()
