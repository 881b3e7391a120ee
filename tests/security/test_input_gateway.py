"""Hostile input through the gateway: the subgraph's clear code arrives, never DOWNSTREAM_SERVICE_ERROR."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import GraphQLClient, unique
from tests.security.input_support import code_of, payload_error, refused, send

BALANCE = "{ myWallet { balance { amount } } }"


async def customer(gateway: GraphQLClient) -> GraphQLClient:
    body = await gateway.data(
        "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
        {"i": {"email": f"{unique('g')}@example.com", "password": "long-enough-password", "displayName": "Gia"}},
    )
    return gateway.as_(body["register"]["accessToken"])


@pytest.mark.parametrize("literal", ['"1_000"', "1000", "10.5", '"abc"', '"١٠٠"', "true"])
async def test_an_inline_amount_is_invalid_input_through_the_gateway(gateway: GraphQLClient, literal: str) -> None:
    me = await customer(gateway)
    body = await send(me, 'mutation { topUpWallet(input: {amount: %s, idempotencyKey: "%s"}) { errors { code field } } }' % (literal, unique()))
    payload_error(body, "amount")
    assert (await me.data(BALANCE))["myWallet"]["balance"]["amount"] == "0.00"


@pytest.mark.parametrize("amount", ["1_000", 1000, "１００"], ids=repr)
async def test_a_variable_amount_is_invalid_input_through_the_gateway(gateway: GraphQLClient, amount: Any) -> None:
    me = await customer(gateway)
    query = "mutation($i: TopUpWalletInput!) { topUpWallet(input: $i) { errors { code field } } }"
    payload_error(await send(me, query, {"i": {"amount": amount, "idempotencyKey": unique()}}), "amount")
    assert (await me.data(BALANCE))["myWallet"]["balance"]["amount"] == "0.00"


@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "surrogate"])
async def test_nul_and_surrogates_are_bad_user_input_through_the_gateway(gateway: GraphQLClient, bad: str) -> None:
    email = f"{unique('g')}@example.com"
    register = "mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { code } } }"
    body = await send(gateway, register, {"i": {"email": email, "password": "long-enough-password", "displayName": f"G{bad}"}})
    refused(body)
    inline = 'mutation { register(input: {email: "%s", password: "long-enough-password", displayName: %s}) { accessToken } }'
    # Inline, the gateway's own parser already refuses a lone surrogate's escape (the GraphQL spec does).
    refused(await send(gateway, inline % (email, json.dumps(f"G{bad}"))), "BAD_USER_INPUT" if bad == "\x00" else "GRAPHQL_PARSE_FAILED")
    # Nothing was stored: the same email registers cleanly afterwards.
    again = await gateway.data(register, {"i": {"email": email, "password": "long-enough-password", "displayName": "Gia"}})
    assert again["register"]["errors"] == []
    me = gateway.as_(again["register"]["accessToken"])
    refused(await send(me, 'query($a: String) { myOrders(after: $a) { edges { cursor } } }', {"a": f"x{bad}"}))
    refused(await send(gateway, 'query($id: ID!) { product(id: $id) { id } }', {"id": f"x{bad}"}))


async def test_malformed_ids_and_cursors_through_the_gateway(gateway: GraphQLClient) -> None:
    body = await send(gateway, '{ product(id: "not-a-uuid") { id } }')
    assert body == {"data": {"product": None}}, body
    body = await send(gateway, '{ products(after: "WyJ4IiwieSIsInoiLCJ3Il0") { edges { cursor } } }')  # ["x","y","z","w"]
    assert code_of(body) == "BAD_USER_INPUT", body
