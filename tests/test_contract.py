"""The internal contract: one refusal vocabulary with one status rule, every call served by exactly
one route, and the client turning replies into models, refusals into `Refused`, anything else into
an outage."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from subgraphs.catalog.internal import ROUTES as CATALOG
from subgraphs.common import contract
from subgraphs.common.contract import MEANING, STATUS, Call, RefusalCode, Refused
from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.internal import SERVICE_HEADER, InternalClient, RemoteUnavailable, route
from subgraphs.common.settings import Settings
from subgraphs.delivery.internal import ROUTES as DELIVERY
from subgraphs.notifications.internal import ROUTES as NOTIFICATIONS
from subgraphs.orders.internal import ROUTES as ORDERS
from subgraphs.orders.remote import HttpRemote, Line
from subgraphs.users.internal import ROUTES as USERS
from subgraphs.wallet.internal import ROUTES as WALLET

CALLS = [value for value in vars(contract).values() if isinstance(value, Call)]
SERVED = {"catalog": CATALOG, "wallet": WALLET, "delivery": DELIVERY, "users": USERS, "orders": ORDERS, "notifications": NOTIFICATIONS}


def test_every_refusal_means_a_real_error_code_and_cancelled_is_a_state() -> None:
    assert set(MEANING) == set(RefusalCode)
    # Only the two codes no caller ever sees as a refusal mean INTERNAL.
    assert {code for code, meaning in MEANING.items() if meaning is ErrorCode.INTERNAL} == {
        RefusalCode.UNAUTHENTICATED, RefusalCode.TOO_EARLY
    }
    assert Refused(RefusalCode.CANCELLED).code is ErrorCode.INVALID_STATE


def test_malformed_input_is_400_and_a_refusal_by_state_is_409() -> None:
    assert Refused(RefusalCode.INVALID_INPUT).status == 400
    for code in set(RefusalCode) - set(STATUS):
        assert Refused(code).status == 409, code
    assert Refused(RefusalCode.NOT_FOUND).status == 404 and Refused(RefusalCode.TOO_EARLY).status == 425


def test_every_call_is_served_by_exactly_one_route_where_it_says() -> None:
    for call in CALLS:
        assert call.path_fields <= set(call.request.model_fields), call.path
        answering = [name for name, routes in SERVED.items() for r in routes if r.path == call.path and call.method in (r.methods or ())]
        if call.service:
            assert answering == [call.service], call.path
        else:  # events: every subscriber answers them
            assert sorted(answering) == ["notifications", "orders"]
    served = {(r.path, method) for routes in SERVED.values() for r in routes for method in (r.methods or ()) if method != "HEAD"}
    assert served == {(call.path, call.method) for call in CALLS}


def remote_answering(settings: Settings, answer: Any) -> tuple[HttpRemote, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    client = InternalClient(settings.model_copy(update={"internal_attempts": 1}), transport=httpx.MockTransport(handle))
    return HttpRemote(client), seen


async def test_the_client_sends_the_wire_format_and_reads_the_reply_as_models(settings: Settings) -> None:
    pid = uuid.uuid4()
    priced = {"product_id": str(pid), "quantity": 2, "name": "Lamp", "unit_price": "19.90"}
    remote, seen = remote_answering(settings, lambda request: httpx.Response(200, json={"lines": [priced]}))
    order_id = uuid.uuid4()
    lines = await remote.reserve(order_id, [Line(pid, 2)])
    assert lines == [contract.PricedLine(pid, 2, "Lamp", Decimal("19.90"))]
    assert seen[0].url.path == "/internal/reservations"
    assert json.loads(seen[0].content) == {"order_id": str(order_id), "lines": [{"product_id": str(pid), "quantity": 2}]}
    await remote.client.aclose()


async def test_a_path_only_call_sends_no_body(settings: Settings) -> None:
    remote, seen = remote_answering(settings, lambda request: httpx.Response(200, json={"status": "COMMITTED"}))
    order_id = uuid.uuid4()
    await remote.commit(order_id)
    assert seen[0].url.path == f"/internal/reservations/{order_id}/commit" and seen[0].content == b""
    await remote.client.aclose()


async def test_a_tombstone_refusal_reaches_the_saga_as_invalid_state(settings: Settings) -> None:
    refusal = {"error": "CANCELLED", "message": "This order was cancelled before it was paid."}
    remote, _ = remote_answering(settings, lambda request: httpx.Response(409, json=refusal))
    with pytest.raises(Refused) as refused:
        await remote.charge(uuid.uuid4(), uuid.uuid4(), Decimal("10.00"))
    assert refused.value.reason is RefusalCode.CANCELLED and refused.value.code is ErrorCode.INVALID_STATE
    assert str(refused.value) == refusal["message"]
    await remote.client.aclose()


async def test_a_refusal_names_the_product_at_fault(settings: Settings) -> None:
    pid = uuid.uuid4()
    refusal = {"error": "OUT_OF_STOCK", "message": "Only 1 in stock.", "product_id": str(pid)}
    remote, _ = remote_answering(settings, lambda request: httpx.Response(409, json=refusal))
    with pytest.raises(Refused) as refused:
        await remote.reserve(uuid.uuid4(), [Line(pid, 2)])
    assert (refused.value.code, refused.value.product_id) == (ErrorCode.OUT_OF_STOCK, pid)
    await remote.client.aclose()


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"transaction": "?"}),  # a 200 that is not the reply
        httpx.Response(409, json={"error": "SOMETHING_NEW"}),  # a refusal the contract does not know
    ],
)
async def test_an_answer_outside_the_contract_is_an_outage(settings: Settings, answer: httpx.Response) -> None:
    remote, _ = remote_answering(settings, lambda request: answer)
    with pytest.raises(RemoteUnavailable):
        await remote.charge(uuid.uuid4(), uuid.uuid4(), Decimal("10.00"))
    await remote.client.aclose()


async def test_a_request_the_remote_would_refuse_is_refused_before_it_leaves(settings: Settings) -> None:
    remote, seen = remote_answering(settings, lambda request: httpx.Response(200, json={}))
    with pytest.raises(Refused) as refused:
        await remote.charge(uuid.uuid4(), uuid.uuid4(), Decimal("0.00"))
    assert refused.value.code is ErrorCode.INVALID_INPUT and seen == []
    with pytest.raises(Refused):
        await remote.create_delivery(uuid.uuid4(), uuid.uuid4(), "DRONE", None, None)
    assert seen == []
    await remote.client.aclose()


async def test_an_unknown_pickup_point_is_no_error(settings: Settings) -> None:
    remote, seen = remote_answering(settings, lambda request: httpx.Response(404, json={"error": "NOT_FOUND"}))
    point = uuid.uuid4()
    assert await remote.pickup_point_exists(point) is False
    assert seen[0].method == "GET" and seen[0].url.path == f"/internal/pickup-points/{point}"
    await remote.client.aclose()


async def test_a_handlers_domain_error_is_answered_as_the_refusal_with_its_code(settings: Settings) -> None:
    async def charge(state: Any, request: contract.ChargeRequest) -> contract.ChargeReply:
        raise DomainError(ErrorCode.INSUFFICIENT_FUNDS, "Not enough money.")

    app = Starlette(routes=[route(contract.CHARGE, charge)])
    app.state.shop = SimpleNamespace(settings=settings)
    body = {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "amount": "10.00"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wallet") as http:
        response = await http.post(contract.CHARGE.path, json=body, headers={SERVICE_HEADER: settings.resolved_service_token()})
    assert (response.status_code, response.json()) == (409, {"error": "INSUFFICIENT_FUNDS", "message": "Not enough money."})
