"""Email over SMTP (aiosmtpd on a free port): sent once after the commit; a failure is kept and retried."""

from __future__ import annotations

import contextlib
import email
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.internal import InternalClient
from subgraphs.common.settings import Settings
from subgraphs.notifications.app import build
from subgraphs.notifications.dispatch import Dispatcher
from subgraphs.notifications.models import Notification
from subgraphs.notifications.senders import SmtpSender, UsersDirectory
from tests.conftest import serve
from tests.notifications.support import Events, free_port, order_event

Db = async_sessionmaker[AsyncSession]


class Mailbox:
    """An SMTP server's handler: keeps what it accepts; refuses everything while `refusing`."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], email.message.Message]] = []
        self.refusing = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusing:
            return "554 Transaction failed"
        self.mails.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[email.message.Message]:
        return [mail for rcpt, mail in self.mails if address in rcpt]


@contextlib.contextmanager
def smtp_server(port: int) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


class Addresses:
    """A fake users directory: the addresses of the users this test made."""

    def __init__(self) -> None:
        self.known: dict[uuid.UUID, str] = {}

    def new_user(self) -> tuple[uuid.UUID, str]:
        user_id = uuid.uuid4()
        self.known[user_id] = f"{user_id.hex[:12]}@example.com"
        return user_id, self.known[user_id]

    async def email_of(self, user_id: uuid.UUID) -> str | None:
        return self.known.get(user_id)


@contextlib.asynccontextmanager
async def mailing_app(settings: Settings, port: int, addresses: Addresses, **conf: Any) -> AsyncIterator[tuple[Events, Dispatcher]]:
    """The subgraph mailing through 127.0.0.1:`port`, retries driven by the test (no background loop)."""
    mailing = settings.model_copy(
        update={"notify_provider": "smtp", "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "shop@example.com", "smtp_timeout": 5, **conf}
    )
    app = build(mailing, sender=SmtpSender(mailing, addresses.email_of), background=False)
    async with serve(app) as http:
        yield Events(http, settings.resolved_service_token()), app.state.shop.services.dispatcher


async def row(db: Db, notification_id: str) -> Notification:
    async with db() as session:
        found = await session.get(Notification, uuid.UUID(notification_id))
    assert found is not None
    return found


async def test_an_order_status_change_is_mailed_to_the_owner(notifications_settings: Settings, db: Db) -> None:
    addresses, port = Addresses(), free_port()
    user_id, address = addresses.new_user()
    order_id = uuid.uuid4()
    with smtp_server(port) as mailbox:
        async with mailing_app(notifications_settings, port, addresses) as (events, dispatcher):
            reply = await events.post(order_event(user_id, order_id, "SHIPPED"))
            await dispatcher.idle()
    (mail,) = mailbox.to(address)
    assert mail["Subject"] == f"Order {str(order_id)[:8]}: shipped"
    assert mail["To"] == address and mail["From"] == "shop@example.com"
    assert "is on its way" in mail.get_payload()
    stored = await row(db, reply.json()["notification_id"])
    assert stored.sent_at is not None and stored.send_attempts == 1


async def test_a_refusing_server_is_recorded_and_a_retry_sends_once(notifications_settings: Settings, db: Db) -> None:
    addresses, port = Addresses(), free_port()
    user_id, address = addresses.new_user()
    with smtp_server(port) as mailbox:
        async with mailing_app(notifications_settings, port, addresses, notify_retry_interval=0) as (events, dispatcher):
            mailbox.refusing = True
            reply = await events.post(order_event(user_id, status="CONFIRMED"))
            await dispatcher.idle()
            failed = await row(db, reply.json()["notification_id"])
            assert failed.sent_at is None and failed.send_attempts == 1 and "554" in (failed.send_error or "")

            mailbox.refusing = False
            await dispatcher.retry_due()
            await dispatcher.retry_due()  # nothing left for it: never sent twice
    assert len(mailbox.to(address)) == 1
    sent = await row(db, reply.json()["notification_id"])
    assert sent.sent_at is not None and sent.send_attempts == 2 and sent.send_error is None


async def test_a_closed_server_is_retried_until_it_answers(notifications_settings: Settings, db: Db) -> None:
    addresses, port = Addresses(), free_port()  # nobody listens there yet
    user_id, address = addresses.new_user()
    async with mailing_app(notifications_settings, port, addresses, notify_retry_interval=0) as (events, dispatcher):
        reply = await events.post(order_event(user_id, status="DELIVERED"))
        await dispatcher.idle()
        failed = await row(db, reply.json()["notification_id"])
        assert failed.sent_at is None and failed.send_attempts == 1 and "SMTP" in (failed.send_error or "")
        with smtp_server(port) as mailbox:
            await dispatcher.retry_due()
            await dispatcher.retry_due()
    (mail,) = mailbox.to(address)
    assert mail["Subject"].endswith(": delivered")
    assert (await row(db, reply.json()["notification_id"])).sent_at is not None


async def test_sending_stops_after_the_last_attempt(notifications_settings: Settings, db: Db) -> None:
    addresses, port = Addresses(), free_port()
    user_id, _address = addresses.new_user()
    async with mailing_app(notifications_settings, port, addresses, notify_retry_interval=0, notify_max_attempts=2) as (events, dispatcher):
        reply = await events.post(order_event(user_id))
        await dispatcher.idle()
        for _ in range(3):
            await dispatcher.retry_due()
    given_up = await row(db, reply.json()["notification_id"])
    assert given_up.sent_at is None and given_up.send_attempts == 2 and given_up.send_error


async def test_a_user_without_an_address_is_a_recorded_failure(notifications_settings: Settings, db: Db) -> None:
    addresses, port = Addresses(), free_port()
    with smtp_server(port) as mailbox:
        async with mailing_app(notifications_settings, port, addresses) as (events, dispatcher):
            reply = await events.post(order_event(uuid.uuid4()))
            await dispatcher.idle()
    stored = await row(db, reply.json()["notification_id"])
    assert stored.sent_at is None and "no email address" in (stored.send_error or "")
    assert mailbox.mails == []


async def test_the_users_directory_reads_the_email_from_users_internal_route(notifications_settings: Settings) -> None:
    known = uuid.uuid4()

    def users(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/internal/users/{known}":
            return httpx.Response(200, json={"id": str(known), "email": "known@example.com", "default_address": None})
        return httpx.Response(404, json={"error": "NOT_FOUND"})

    client = InternalClient(notifications_settings, transport=httpx.MockTransport(users))
    try:
        directory = UsersDirectory(client)
        assert await directory.email_of(known) == "known@example.com"
        assert await directory.email_of(uuid.uuid4()) is None
    finally:
        await client.aclose()


async def test_the_smtp_provider_is_chosen_by_settings(notifications_settings: Settings) -> None:
    app = build(notifications_settings.model_copy(update={"notify_provider": "smtp"}), background=False)
    async with serve(app):
        dispatcher: Dispatcher = app.state.shop.services.dispatcher
        assert isinstance(dispatcher.sender, SmtpSender)


def test_log_is_the_default_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOP_NOTIFY_PROVIDER", raising=False)
    assert Settings().notify_provider == "log"
