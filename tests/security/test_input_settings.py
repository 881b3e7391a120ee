"""Hostile input on the internal routes, and malformed settings: one clear line, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest

from subgraphs.common.internal import SERVICE_HEADER
from subgraphs.common.settings import ROOT, InvalidSettings, Settings, read_settings
from tests.security.input_support import Subgraphs, migrated, subgraphs  # noqa: F401 (fixtures)


async def post(subgraphs: Subgraphs, name: str, path: str, raw: str | bytes, token: str, method: str = "POST") -> tuple[int, dict[str, Any]]:
    response = await subgraphs[name].http.request(method, path, content=raw, headers={SERVICE_HEADER: token, "Content-Type": "application/json"})
    return response.status_code, response.json()


@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "surrogate"])
async def test_internal_routes_refuse_nul_and_surrogates(subgraphs: Subgraphs, migrated: Settings, bad: str) -> None:
    token, order, user = migrated.resolved_service_token(), str(uuid.uuid4()), str(uuid.uuid4())
    bodies = [
        ("wallet", "/internal/charges", {"order_id": order, "user_id": user, "amount": f"1{bad}"}),
        ("wallet", "/internal/refunds", {"order_id": f"{order}{bad}"}),
        ("catalog", "/internal/reservations", {"order_id": order, "lines": [{"product_id": bad, "quantity": 1}]}),
        ("catalog", "/internal/products/lookup", {"ids": [bad]}),
        ("delivery", "/internal/deliveries", {"order_id": order, "user_id": user, "method": "COURIER", "address": {"city": bad}}),
        ("notifications", "/internal/events", {"id": str(uuid.uuid4()), "topic": "wallet.moved", "payload": {bad: 1}}),
    ]
    for name, path, body in bodies:
        status, reply = await post(subgraphs, name, path, json.dumps(body), token)
        assert (status, reply["error"]) == (400, "INVALID_INPUT"), (path, reply)
    status, reply = await post(subgraphs, "delivery", "/internal/pickup-points/%00", b"", token, method="GET")
    assert (status, reply["error"]) == (400, "INVALID_INPUT"), reply
    status, reply = await post(subgraphs, "wallet", "/internal/refunds", b'{"order_id": "\xff"}', token)
    assert (status, reply["error"]) == (400, "INVALID_INPUT"), reply  # not UTF-8


def test_a_plain_url_is_a_list_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_OIDC_REDIRECT_URIS", "https://shop.example/callback")
    assert read_settings(Settings).oidc_redirect_uris == ["https://shop.example/callback"]
    monkeypatch.setenv("SHOP_OIDC_REDIRECT_URIS", "https://a.example/cb, https://b.example/cb,")
    assert read_settings(Settings).oidc_redirect_uris == ["https://a.example/cb", "https://b.example/cb"]
    monkeypatch.setenv("SHOP_OIDC_REDIRECT_URIS", '["https://a.example/cb"]')
    assert read_settings(Settings).oidc_redirect_uris == ["https://a.example/cb"]
    monkeypatch.setenv("SHOP_OIDC_REDIRECT_URIS", "")
    assert read_settings(Settings).oidc_redirect_uris == []


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SHOP_PORT_BASE", "abc", "SHOP_PORT_BASE: expected an integer, got 'abc'"),
        ("SHOP_INTERNAL_TIMEOUT", "soon", "SHOP_INTERNAL_TIMEOUT: expected a number, got 'soon'"),
        ("SHOP_WALLET_MAX_TOP_UP", "lots", "SHOP_WALLET_MAX_TOP_UP: expected a decimal number such as 1000000, got 'lots'"),
        ("SHOP_OIDC_PROVIDERS", "[{", "SHOP_OIDC_PROVIDERS: expected a JSON array of objects"),
        ("SHOP_OIDC_REDIRECT_URIS", "[oops", "SHOP_OIDC_REDIRECT_URIS: expected a comma-separated list or a JSON array of strings"),
    ],
)
def test_a_malformed_setting_is_one_line(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidSettings) as caught:
        read_settings(Settings)
    assert str(caught.value).startswith(expected) and "\n" not in str(caught.value)


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")} | env
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60, check=False)


def test_make_run_stops_with_one_line_per_bad_setting() -> None:
    done = run([sys.executable, "-m", "shop", "run"], SHOP_OIDC_REDIRECT_URIS="[x", SHOP_PORT_BASE="abc", SHOP_SMTP_PORT="x")
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.splitlines() == [
        "SHOP_PORT_BASE: expected an integer, got 'abc'",
        "SHOP_OIDC_REDIRECT_URIS: expected a comma-separated list or a JSON array of strings, got '[x'",
        "SHOP_SMTP_PORT: expected an integer, got 'x'",
    ]


def test_a_subgraph_process_stops_with_one_line() -> None:
    from tests.conftest import TEST_PORT_BASE, free_port

    port = free_port(range(TEST_PORT_BASE + 900, TEST_PORT_BASE + 950))
    command = [sys.executable, "-m", "uvicorn", "subgraphs.wallet.app:app", "--port", str(port), "--log-level", "warning"]
    done = run(command, SHOP_ACCESS_TOKEN_TTL="a while")
    assert done.returncode == 2, done
    assert done.stderr.strip() == "wallet: SHOP_ACCESS_TOKEN_TTL: expected an integer, got 'a while'", done.stderr
