"""The internal-call client: timeouts and outages retried with backoff, refusals not, a breaker per subgraph;
and the one development credential every process presents."""

from __future__ import annotations

import asyncio
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from subgraphs.common.internal import SERVICE_HEADER, Breaker, InternalClient, RemoteUnavailable
from subgraphs.common.settings import Settings, created_once


def client(settings: Settings, handler: httpx.MockTransport) -> InternalClient:
    return InternalClient(settings.model_copy(update={"internal_attempts": 3}), transport=handler)


async def test_outages_are_retried_then_answered(settings: Settings) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers[SERVICE_HEADER])
        if len(seen) < 3:
            return httpx.Response(503) if len(seen) == 1 else httpx.Response(502)
        return httpx.Response(200, json={"ok": True})

    remote = client(settings, httpx.MockTransport(answer))
    reply = await remote.post("wallet", "/internal/charges", {"order_id": "x"})
    assert reply.ok and reply.body == {"ok": True} and len(seen) == 3
    assert set(seen) == {settings.resolved_service_token()}
    await remote.aclose()


async def test_refusals_are_answers_not_retried(settings: Settings) -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(409, json={"error": "INSUFFICIENT_FUNDS"})

    remote = client(settings, httpx.MockTransport(answer))
    reply = await remote.post("wallet", "/internal/charges", {})
    assert reply.error == "INSUFFICIENT_FUNDS" and calls == 1
    await remote.aclose()


async def test_an_unreachable_subgraph_opens_its_breaker(settings: Settings) -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused", request=request)

    remote = client(settings, httpx.MockTransport(answer))
    for _ in range(2):
        with pytest.raises(RemoteUnavailable):
            await remote.post("delivery", "/internal/deliveries", {})
    tried = calls
    # Past the threshold the breaker answers for the subgraph: no more traffic to it for a while.
    with pytest.raises(RemoteUnavailable):
        await remote.post("delivery", "/internal/deliveries", {})
    assert tried >= 5 and calls == tried
    # Another subgraph has its own breaker.
    healthy = client(settings, httpx.MockTransport(lambda r: httpx.Response(200, json={})))
    assert (await healthy.post("wallet", "/internal/refunds", {})).ok
    await remote.aclose()
    await healthy.aclose()


def test_an_open_breaker_lets_one_probe_through_per_cooldown_and_closes_on_an_answer() -> None:
    now = [0.0]
    breaker = Breaker(threshold=2, cooldown=1.0, clock=lambda: now[0])
    breaker.failed()
    assert breaker.allow()
    breaker.failed()
    assert not breaker.allow()
    now[0] = 1.0
    assert breaker.allow() and not breaker.allow()  # one probe, the others wait
    breaker.failed()  # the probe failed: another cooldown
    now[0] = 1.5
    assert not breaker.allow()
    now[0] = 2.0
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.allow() and breaker.allow() and not breaker.open


async def test_a_subgraph_that_is_back_is_called_again_soon(settings: Settings) -> None:
    up = False

    def answer(request: httpx.Request) -> httpx.Response:
        if not up:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"ok": True})

    remote = InternalClient(settings.model_copy(update={"internal_attempts": 3, "breaker_cooldown": 0.2}), transport=httpx.MockTransport(answer))
    for _ in range(2):
        with pytest.raises(RemoteUnavailable):
            await remote.post("wallet", "/internal/charges", {})
    assert remote.breaker("wallet").open
    up = True
    deadline = time.monotonic() + 20
    while True:
        try:
            assert (await remote.post("wallet", "/internal/charges", {})).ok
            break
        except RemoteUnavailable:
            assert time.monotonic() < deadline, "the breaker never let a probe through"
            await asyncio.sleep(0.05)
    assert not remote.breaker("wallet").open
    await remote.aclose()


def test_processes_starting_together_agree_on_one_development_credential(tmp_path: Path) -> None:
    """Every subgraph may find the credential missing at once; all of them must read the same one."""
    path = tmp_path / "keys" / "service-token"
    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(lambda _: created_once(path, lambda: secrets.token_hex(8)), range(32)))
    assert seen == {path.read_text()} and oct(path.stat().st_mode)[-3:] == "600"
    assert [p.name for p in path.parent.iterdir()] == ["service-token"]  # no temporary left behind
