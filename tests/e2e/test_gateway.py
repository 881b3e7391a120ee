"""The gateway refuses abusive operations before any subgraph sees them."""

from __future__ import annotations

import platform
from decimal import Decimal

import pytest

from shop.stack import Stack
from tests.conftest import GraphQLClient, unique
from tests.e2e.test_checkout import balance, customer


async def test_depth_limit(gateway: GraphQLClient) -> None:
    fine = "{ products { edges { node { category { id } } } } }"
    assert "errors" not in await gateway.execute(fine)
    # 11 levels: more than any query the storefront makes, refused before any subgraph is asked.
    too_deep = "{ myOrders { edges { node { user { orders { edges { node { user { orders { edges { node { id } } } } } } } } } } } }"
    body = await gateway.execute(too_deep)
    assert body["errors"][0]["extensions"]["code"] == "MAX_DEPTH_LIMIT"


async def test_alias_limit(gateway: GraphQLClient) -> None:
    fine = "{ " + " ".join(f"a{i}: categories {{ id }}" for i in range(15)) + " }"
    assert "errors" not in await gateway.execute(fine)
    many = "{ " + " ".join(f"a{i}: categories {{ id }}" for i in range(16)) + " }"
    assert (await gateway.execute(many))["errors"][0]["extensions"]["code"] == "MAX_ALIASES_LIMIT"


async def test_token_limit(gateway: GraphQLClient) -> None:
    huge = "{ categories { " + " ".join(["id"] * 2100) + " } }"
    assert (await gateway.execute(huge))["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_body_size_limit(gateway: GraphQLClient) -> None:
    response = await gateway.http.post("/graphql", json={"query": "{ categories { id } }", "variables": {"pad": "x" * 200_000}})
    assert response.status_code == 413


async def test_internal_routes_are_not_reachable_through_the_gateway(gateway: GraphQLClient) -> None:
    for path in ("/internal/charges", "/internal/reservations", "/internal/deliveries", "/internal/events"):
        response = await gateway.http.post(path, json={"order_id": "x"})
        assert response.status_code == 404, path


@pytest.mark.parametrize(
    "amount",
    [
        "9223372036854775808",  # beyond 64 bits
        "-9223372036854775809",
        "1.5e999",  # infinite as a float
        "1e-400",  # zero as a float
        "12345678901234567.89",  # rounded as a float
        "[" * 60 + "1" + "]" * 60,  # past the parser's brackets
    ],
)
async def test_a_literal_the_planner_cannot_hold_is_bad_input_and_changes_nothing(gateway: GraphQLClient, amount: str) -> None:
    # The query planner holds 64-bit numbers and 50 open brackets: the gateway refuses the rest itself.
    me = await customer(gateway, "5.00")
    literal = f'mutation {{ topUpWallet(input: {{amount: {amount}, idempotencyKey: "{unique()}"}}) {{ errors {{ code }} }} }}'
    body = await me.execute(literal)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "data" not in body or body["data"] is None
    assert await balance(me) == Decimal("5.00")
    # The largest 64-bit integer, and fifteen digits, reach the wallet, which refuses any number not a string.
    for fine in ("9223372036854775807", "1234567890123.45"):
        body = await me.execute(literal.replace(amount, fine))
        assert body["data"]["topUpWallet"]["errors"][0]["code"] == "INVALID_INPUT", body
    assert await balance(me) == Decimal("5.00")


#: Where the Rust planner's native addon has a build (router/node_modules/@graphql-hive/router-query-planner/dist).
PLANNER_BUILDS = {("Linux", "x86_64"), ("Linux", "aarch64"), ("Darwin", "x86_64"), ("Darwin", "arm64")}


async def test_the_gateway_plans_with_hive_routers_runtime_where_it_has_a_build(store: Stack, gateway: GraphQLClient) -> None:
    assert "errors" not in await gateway.execute("{ categories { id } }")
    log = (store.settings.data_dir / "logs" / "gateway.log").read_text(errors="replace")
    this_start = log[log.rindex("Starting Hive Gateway") :]  # the log is appended to, run after run
    fell_back = "the stitching runtime serves instead" in this_start
    assert fell_back == ((platform.system(), platform.machine()) not in PLANNER_BUILDS), this_start[-2000:]
