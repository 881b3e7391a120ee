"""A malformed id answers what the contract says for it (NOT_FOUND, INVALID_INPUT, null, BAD_USER_INPUT,
an internal 4xx), on every argument, internal route and event that takes one: never INTERNAL or a 5xx."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from subgraphs.common.internal import SERVICE_HEADER
from subgraphs.common.settings import Settings
from tests.conftest import GraphQLClient, unique
from tests.security.input_support import (  # noqa: F401 (migrated, subgraphs and ids are fixtures)
    ADD, CANCEL, CREATE, DELETE, PLACE, READ, REMOVE, SET, STATUS, STOCK, UPDATE, Subgraphs, ids, migrated,
    payload_error, product_input, send, subgraphs,
)
from tests.security.test_input_values import MALFORMED

SPELLINGS = pytest.mark.parametrize("bad", MALFORMED, ids=["word", "empty", "arabic-indic", "braces", "short"])


def no_internal_error(body: Any) -> None:
    text = json.dumps(body)
    assert "Internal error" not in text and '"INTERNAL"' not in text, body


@SPELLINGS
async def test_every_id_argument_answers_its_own_code(subgraphs: Subgraphs, ids: dict[str, str], bad: str) -> None:
    catalog, customer = subgraphs.admin("catalog"), subgraphs.customer("orders")
    # (client, operation, variables, the payload's field, the code it answers)
    cases: list[tuple[GraphQLClient, str, dict[str, Any], str, str]] = [
        (catalog, UPDATE, {"id": bad, "i": {"name": "N"}}, "id", "NOT_FOUND"),
        (catalog, UPDATE, {"id": ids["product"], "i": {"categoryId": bad}}, "categoryId", "INVALID_INPUT"),
        (catalog, DELETE, {"id": bad}, "id", "NOT_FOUND"),
        (catalog, STOCK, {"id": bad}, "productId", "NOT_FOUND"),
        (catalog, CREATE, {"i": product_input(bad)}, "categoryId", "INVALID_INPUT"),
        (customer, ADD, {"id": bad}, "productId", "NOT_FOUND"),
        (customer, SET, {"id": bad}, "productId", "NOT_FOUND"),
        (customer, REMOVE, {"id": bad}, "productId", "NOT_FOUND"),
        (customer, CANCEL, {"id": bad}, "id", "NOT_FOUND"),
        (subgraphs.admin("delivery"), STATUS, {"id": bad}, "orderId", "NOT_FOUND"),
        (subgraphs.customer("notifications"), READ, {"ids": [str(uuid.uuid4()), bad]}, "ids", "INVALID_INPUT"),
    ]
    for client, operation, variables, field, code in cases:
        payload_error(await send(client, operation, variables), field, code)
    if bad:  # an empty pickup point id is "no pickup point", said the same way
        pickup = {"idempotencyKey": unique(), "delivery": {"method": "PICKUP", "pickupPointId": bad}}
        payload_error(await send(customer, PLACE, {"i": pickup}), "delivery.pickupPointId", "INVALID_INPUT")
    # orderStatusChanged's orderId: tests/notifications/test_subscriptions.py (over WebSocket, where it runs).


@SPELLINGS
async def test_internal_routes_and_events_answer_malformed_ids_as_bad_input(subgraphs: Subgraphs, migrated: Settings, bad: str) -> None:
    token = migrated.resolved_service_token()
    real = str(uuid.uuid4())
    path_bad = bad.replace("{", "%7B").replace("}", "%7D") or "%20"
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("catalog", "POST", "/internal/products/lookup", {"ids": [bad]}),
        ("catalog", "POST", "/internal/reservations", {"order_id": bad, "lines": [{"product_id": real, "quantity": 1}]}),
        ("catalog", "POST", "/internal/reservations", {"order_id": real, "lines": [{"product_id": bad, "quantity": 1}]}),
        ("catalog", "POST", f"/internal/reservations/{path_bad}/commit", None),
        ("catalog", "POST", f"/internal/reservations/{path_bad}/release", None),
        ("wallet", "POST", "/internal/charges", {"order_id": bad, "user_id": real, "amount": "1.00"}),
        ("wallet", "POST", "/internal/charges", {"order_id": real, "user_id": bad, "amount": "1.00"}),
        ("wallet", "POST", "/internal/refunds", {"order_id": bad}),
        ("delivery", "POST", "/internal/deliveries", {"order_id": bad, "user_id": real, "method": "PICKUP", "pickup_point_id": real}),
        ("delivery", "POST", "/internal/deliveries", {"order_id": real, "user_id": real, "method": "PICKUP", "pickup_point_id": bad}),
        ("delivery", "POST", f"/internal/deliveries/{path_bad}/cancel", None),
        ("delivery", "GET", f"/internal/pickup-points/{path_bad}", None),
        ("users", "GET", f"/internal/users/{path_bad}", None),
        ("orders", "POST", "/internal/events", {"id": bad, "topic": "delivery.status_changed", "payload": {"order_id": real, "status": "IN_TRANSIT"}}),
        ("orders", "POST", "/internal/events", {"id": real, "topic": "delivery.status_changed", "payload": {"order_id": bad, "status": "IN_TRANSIT"}}),
        ("notifications", "POST", "/internal/events", {"id": bad, "topic": "order.status_changed", "payload": {"order_id": real, "user_id": real, "status": "PENDING"}}),
        ("notifications", "POST", "/internal/events", {"id": real, "topic": "order.status_changed", "payload": {"order_id": bad, "user_id": real, "status": "PENDING"}}),
        ("notifications", "POST", "/internal/events", {"id": str(uuid.uuid4()), "topic": "wallet.transaction", "payload": {"user_id": bad}}),
    ]
    for name, method, path, body in calls:
        response = await subgraphs[name].http.request(method, path, json=body, headers={SERVICE_HEADER: token})
        # Refused as input (400, 404 for an unknown thing, 409 where a route still answers input so),
        # or taken as naming nothing: never a crash.
        assert response.status_code < 500, (name, path, body, response.status_code, response.text)
        no_internal_error(response.json())
        if response.status_code >= 400:
            assert response.json().get("error") in ("INVALID_INPUT", "NOT_FOUND"), (name, path, body, response.text)

