"""Knobs of the notifications subgraph only (the common `Settings` stays the store's); `SHOP_<NAME>`."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    """How notifications leave the store: `SHOP_NOTIFY_PROVIDER=smtp` mails them, `log` (default) logs them."""

    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")

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
