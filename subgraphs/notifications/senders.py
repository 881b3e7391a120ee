"""Providers that carry a notification to its user: a log line in development, email over SMTP.

    sender = SmtpSender(conf, directory.email_of)     # directory: where user ids become addresses
    await sender.send(Message(user_id=..., subject="…", body="…"))   # raises SendError on failure
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from subgraphs.common.contract import ACCOUNT, LookupById, Refused
from subgraphs.common.internal import InternalClient, RemoteUnavailable
from subgraphs.common.settings import Settings

log = logging.getLogger(__name__)

#: A user's email address, or None when the user has none (or no longer exists).
AddressResolver = Callable[[uuid.UUID], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class Message:
    """One notification as a provider sees it."""

    notification_id: uuid.UUID
    user_id: uuid.UUID
    subject: str
    body: str


class SendError(Exception):
    """The provider did not take the message; it will be retried."""


class Sender(Protocol):
    async def send(self, message: Message) -> None:
        """Hands the message to the provider, or raises SendError."""


class LogSender:
    """Development: the message is a log line."""

    async def send(self, message: Message) -> None:
        log.info("notification %s for %s: %s — %s", message.notification_id, message.user_id, message.subject, message.body)


class SmtpSender:
    """Email through an SMTP relay; the blocking `smtplib` runs in a worker thread."""

    def __init__(self, conf: Settings, resolve: AddressResolver) -> None:
        self.conf, self.resolve = conf, resolve

    async def send(self, message: Message) -> None:
        try:
            to = await self.resolve(message.user_id)
        except RemoteUnavailable as exc:
            raise SendError(f"cannot look up the address: {exc}") from exc
        if not to:
            raise SendError(f"user {message.user_id} has no email address")
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.conf.smtp_from, to, message.subject
        # Lets a mail log be matched to the notification; a resend carries the same id.
        mail["Message-ID"] = f"<{message.notification_id}@{self.conf.smtp_from.rpartition('@')[2] or 'shop'}>"
        mail.set_content(message.body)
        try:
            await asyncio.to_thread(self._deliver, mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"SMTP: {exc!r}") from exc

    def _deliver(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self.conf.smtp_host, self.conf.smtp_port, timeout=self.conf.smtp_timeout) as smtp:
            if self.conf.smtp_starttls:
                smtp.starttls()
            if self.conf.smtp_username:
                smtp.login(self.conf.smtp_username, self.conf.smtp_password or "")
            smtp.send_message(mail)


class UsersDirectory:
    """Email addresses from the users subgraph (`GET /internal/users/{id}` → `email`)."""

    def __init__(self, client: InternalClient) -> None:
        self.client = client

    async def email_of(self, user_id: uuid.UUID) -> str | None:
        try:
            account = await self.client.call(ACCOUNT, LookupById(id=str(user_id)))
        except Refused:
            return None
        return account.email or None
