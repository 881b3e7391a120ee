"""One settings object, read from the environment once and passed explicitly."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import typing
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from subgraphs import SUBGRAPHS

ROOT = Path(__file__).resolve().parents[2]

#: Default ports in development: the gateway on the base, each subgraph on base + its place in `SUBGRAPHS`;
#: `SHOP_PORT_BASE` shifts them all (the tests run beside `make run`).
DEVELOPMENT_PORT_BASE = 4000
PORT_OFFSETS = {"gateway": 0} | {name: place for place, name in enumerate(SUBGRAPHS, start=1)}


class Settings(BaseSettings):
    """Every knob of the store; environment variables are `SHOP_<NAME>` unless noted."""

    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")

    # Unset: `make run` and the tests start an embedded PostgreSQL in `data_dir`.
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "SHOP_DATABASE_URL"))
    data_dir: Path = ROOT / ".data"
    port_base: int = DEVELOPMENT_PORT_BASE
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

    # Ended sessions (subgraphs/common/revocation.py): every process learns of them by LISTEN and by a
    # catch-up read of users this often (seconds); when it cannot confirm it is in sync for
    # `revocation_max_lag` seconds, signed-in requests are refused with SERVICE_UNAVAILABLE (keep it a
    # few poll intervals: the LISTEN connection's heartbeat runs at the poll interval too).
    # `revocation_feed=False` runs a subgraph without the feed (tests of one subgraph alone, with
    # no users beside it): a revoked session's tokens are then accepted until they expire.
    revocation_poll_interval: float = 2.0
    revocation_max_lag: float = 10.0
    revocation_feed: bool = True

    # The catalog's cache of anonymous read responses (subgraphs/catalog/cache.py): forgotten on every
    # product or category change (PostgreSQL NOTIFY); `showcase_cache_ttl` seconds is the longest an
    # entry lives anyway, `showcase_cache_entries` the most kept per process; off with `showcase_cache=False`.
    showcase_cache: bool = True
    showcase_cache_ttl: float = 30.0
    showcase_cache_entries: int = 2000
    # The catalog's connections, all kept (no burst allowance): the showcase is read by many shoppers at
    # once, and a burst connection is closed when it is handed back, so under steady load connections
    # were opened and closed all the time (measured: a third of a page's CPU, PostgreSQL's included).
    # The same most-at-once as the other subgraphs' `db_pool_size` plus its burst.
    catalog_pool_size: int = 10
    # The gateway's copy of the same anonymous showcase answers (router/showcaseCache.ts), kept this many
    # seconds. The promise is that a change shows in every listing within 1 s: on top of the 0.4 s a
    # catalog process may go on trusting a silent LISTEN (catalog/feed.py), at most 0.6 (tests/test_shape.py
    # adds them up). 0 turns off this level alone; `showcase_cache=False` turns off both.
    # `showcase_cache_entries` bounds it too.
    showcase_gateway_ttl: float = Field(default=0.5, ge=0, le=0.6)
    # Past that short life the gateway keeps an answer up to `showcase_gateway_max_age` seconds while the
    # catalog's showcase generation, asked every `showcase_gateway_poll_interval` seconds, has not moved
    # (GET /internal/showcase/generation): a change then shows within one interval plus the NOTIFY, and
    # when the catalog answers late, within three intervals (a poll older than that vouches for nothing):
    # at most 0.2, so even that, on top of the feed's 0.4 s, keeps the 1 s promise. A max age of 0 keeps the
    # short life alone.
    showcase_gateway_poll_interval: float = Field(default=0.1, gt=0, le=0.2)
    showcase_gateway_max_age: float = Field(default=30.0, ge=0)

    login_max_failures: int = 5
    login_window_seconds: int = 15 * 60
    # Failed sign-ins (and registrations of a taken email) from one client address per window, across all emails.
    login_max_failures_per_client: int = 50
    # Peers whose X-Forwarded-For is believed (comma-separated addresses or networks): the gateway's, a load balancer's.
    trusted_proxies: Annotated[list[str], NoDecode] = ["127.0.0.0/8", "::1"]

    # Browser origins the gateway answers CORS for, with credentials (comma-separated); the storefront's in development.
    cors_origins: Annotated[list[str], NoDecode] = [
        "http://localhost:3000", "http://127.0.0.1:3000", "http://localhost:5173", "http://127.0.0.1:5173",
    ]
    # The largest request body a subgraph reads (the gateway's limit too); more is 413.
    max_body_bytes: int = 100 * 1024
    # GraphiQL and `__schema` introspection on the subgraphs and the gateway; turn off in production.
    graphiql: bool = True

    # External sign-in. Each entry: {"id", "name", "issuer", "client_id", "client_secret", "scope"?}; an entry with
    # "kind": "oauth2" (no discovery) gives "authorize_url", "token_url" and "userinfo_url" instead of "issuer".
    oidc_providers: Annotated[list[dict[str, str]], NoDecode] = []
    # Where providers may send the browser back to; empty allows only http://localhost… and http://127.0.0.1… (development).
    # Comma-separated or a JSON array: a single plain URL is a list of one.
    oidc_redirect_uris: Annotated[list[str], NoDecode] = []
    # Presets: setting a client id and secret adds the provider.
    google_client_id: str | None = None
    google_client_secret: str | None = None
    microsoft_client_id: str | None = None
    microsoft_client_secret: str | None = None
    yandex_client_id: str | None = None
    yandex_client_secret: str | None = None

    # The storefront's static server in `make run` (storefront/dist), and the gateway address its
    # pages call (unset: the gateway's own URL); the gateway's CORS must allow the storefront's origin.
    storefront_port: int | None = None
    public_graphql_url: str | None = None

    admin_email: str = "admin@example.com"
    admin_password: str = "admin-password"

    # How notifications leave the store (subgraphs/notifications/senders.py): `smtp` mails them through
    # `smtp_host`:`smtp_port`, `log` (development) only logs them.
    notify_provider: Literal["log", "smtp"] = "log"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "shop@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    # A notification is tried this many times in all, then left unsent with its last error.
    notify_max_attempts: int = 5
    # How often unsent notifications are looked for; the n-th retry waits n times this long.
    notify_retry_interval: float = 30.0

    @field_validator("oidc_redirect_uris", "trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """`a,b` or `["a", "b"]` from the environment; lists given in code pass as they are."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            return _json(value)
        return [part.strip() for part in value.split(",") if part.strip()]

    @field_validator("oidc_providers", mode="before")
    @classmethod
    def _json_list(cls, value: Any) -> Any:
        return _json(value) if isinstance(value, str) else value

    def port(self, piece: str) -> int:
        """The port of the gateway or of one subgraph."""
        return self.port_base + PORT_OFFSETS[piece]

    def url(self, piece: str) -> str:
        """The base URL of the gateway or of one subgraph (`SHOP_<PIECE>_URL` overrides, e.g. in containers)."""
        return os.environ.get(f"SHOP_{piece.upper()}_URL") or f"http://{self.host}:{self.port(piece)}"

    @property
    def resolved_storefront_port(self) -> int:
        """3000 in development; beside a shifted port base, base + 10 (base - 1000 would be another base's)."""
        if self.storefront_port is not None:
            return self.storefront_port
        return 3000 if self.port_base == DEVELOPMENT_PORT_BASE else self.port_base + 10

    @property
    def resolved_jwks_url(self) -> str:
        return self.jwks_url or f"{self.url('users')}/.well-known/jwks.json"


    def resolved_service_token(self) -> str:
        """The service credential: from settings in production, else one generated once per data folder."""
        return self.service_token or _development_token(self.data_dir)

    def showcase_poll_token(self) -> str:
        """The credential of the showcase generation route alone, derived from the service credential:
        the gateway, facing the internet, holds this one, which reaches no money or stock route."""
        return hmac.new(self.resolved_service_token().encode(), b"showcase-generation", hashlib.sha256).hexdigest()


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


def _json(value: str) -> Any:
    try:
        return json.loads(value) if value.strip() else []
    except ValueError:
        raise ValueError("not JSON") from None


class InvalidSettings(ValueError):
    """Malformed environment: one line per variable, naming it and the form it expects."""


S = TypeVar("S", bound=BaseSettings)

#: How each kind of setting is written, for the one-line error.
_FORMS: dict[Any, str] = {
    int: "an integer",
    float: "a number",
    Decimal: "a decimal number such as 1000000",
    bool: "true or false",
    Path: "a path",
    str: "text",
}


def _form(annotation: Any) -> str:
    """The expected spelling of a setting of this type."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _form(args[0])
    if origin is list:
        if args and typing.get_origin(args[0]) is dict:
            return 'a JSON array of objects, e.g. [{"id": "...", "issuer": "..."}]'
        return "a comma-separated list or a JSON array of strings"
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in args)
    if args and origin is not None:  # X | None
        return _form(args[0])
    return _FORMS.get(annotation, "a valid value")


def _variable(model: type[BaseSettings], field: str) -> str:
    info = model.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    prefix = model.model_config.get("env_prefix", "")
    return f"{prefix}{field}".upper()


def describe(model: type[BaseSettings], error: ValidationError) -> str:
    """One line per malformed setting: `SHOP_PORT_BASE: expected an integer, got 'abc'`."""
    # An error names the field, or the alias it was read under (DATABASE_URL).
    names = {str(choice): field for field, info in model.model_fields.items()
             if isinstance(info.validation_alias, AliasChoices) for choice in info.validation_alias.choices}
    lines: dict[str, str] = {}
    for item in error.errors():
        loc = str(item["loc"][0]) if item["loc"] else ""
        name = names.get(loc, loc)
        info = model.model_fields.get(name)
        got = repr(item.get("input"))
        got = got if len(got) <= 60 else got[:57] + "..."
        form = _form(info.annotation) if info else "a valid value"
        lines.setdefault(name, f"{_variable(model, name)}: expected {form}, got {got}")
    return "\n".join(lines.values())


def read_settings(model: type[S], **given: Any) -> S:
    """A settings object from the environment (and `given`); InvalidSettings, one line per bad variable."""
    try:
        return model(**given)
    except ValidationError as error:
        raise InvalidSettings(describe(model, error)) from None
    except SettingsError as error:  # a value the source itself could not decode
        raise InvalidSettings(str(error).split("\n")[0]) from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time); InvalidSettings when malformed."""
    return read_settings(Settings)
