"""Helpers for the notifications tests: events as relays send them, a recording provider, free ports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from subgraphs.notifications.senders import Message
from tests.conftest import TEST_PORT_BASE
from tests.conftest import free_port as shared_free_port
from tests.internal_client import InternalRoutes


def order_event(user_id: uuid.UUID, order_id: uuid.UUID | None = None, status: str = "CONFIRMED", note: str | None = None) -> dict[str, Any]:
    """An `order.status_changed` event exactly as orders' `set_status` publishes it."""
    payload = {
        "order_id": str(order_id or uuid.uuid4()),
        "user_id": str(user_id),
        "status": status,
        "at": datetime.now(UTC).isoformat(),
        "note": note,
    }
    return {"id": str(uuid.uuid4()), "topic": "order.status_changed", "payload": payload}


def wallet_event(user_id: uuid.UUID, kind: str = "TOP_UP", amount: str = "100.00", order_id: uuid.UUID | None = None) -> dict[str, Any]:
    """A `wallet.*` event exactly as wallet's `_event` publishes it."""
    payload = {
        "transaction_id": str(uuid.uuid4()),
        "user_id": str(user_id),
        "kind": kind,
        "amount": amount,
        "balance": "250.00",
        "order_id": str(order_id) if order_id else None,
    }
    return {"id": str(uuid.uuid4()), "topic": f"wallet.{kind.lower()}", "payload": payload}


class Events:
    """Posts events to `/internal/events` as a relay does."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.routes = InternalRoutes(http, token)

    async def post(self, event: dict[str, Any], *, token: str | None = None) -> httpx.Response:
        routes = self.routes.as_(token) if token else self.routes
        return await routes.send("POST", "/internal/events", event)


class RecordingSender:
    """A provider that keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def to(self, user_id: uuid.UUID) -> list[Message]:
        return [m for m in self.sent if m.user_id == user_id]


def free_port() -> int:
    return shared_free_port(range(TEST_PORT_BASE + 1500, TEST_PORT_BASE + 1600))
