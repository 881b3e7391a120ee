"""The caller's wallet over GraphQL: a zero wallet from the start, top-ups, history and idempotency."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from subgraphs.common.settings import Settings
from subgraphs.wallet.app import build
from tests.conftest import GraphQLClient, serve, unique

MY_WALLET = """
query($first: Int, $after: String) {
  myWallet {
    id balance { amount currency }
    transactions(first: $first, after: $after) {
      edges { cursor node { id kind amount { amount currency } balanceAfter { amount } orderId createdAt } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""
TOP_UP = """
mutation($amount: Decimal!, $key: String!) {
  topUpWallet(input: {amount: $amount, idempotencyKey: $key}) {
    wallet { id balance { amount } }
    transaction { id kind amount { amount } balanceAfter { amount } orderId }
    errors { code field message }
  }
}"""

Customer = Callable[[], tuple[uuid.UUID, GraphQLClient]]


async def top_up(client: GraphQLClient, amount: str, key: str | None = None) -> dict[str, Any]:
    data = await client.data(TOP_UP, {"amount": amount, "key": unique("key") if key is None else key})
    payload: dict[str, Any] = data["topUpWallet"]
    return payload


async def my_wallet(client: GraphQLClient, first: int | None = None, after: str | None = None) -> dict[str, Any]:
    data = await client.data(MY_WALLET, {"first": first, "after": after})
    result: dict[str, Any] = data["myWallet"]
    return result


async def test_a_new_account_has_a_zero_wallet_and_keeps_it(customer: Customer) -> None:
    _, client = customer()
    first = await my_wallet(client)
    assert first["balance"] == {"amount": "0.00", "currency": "RUB"}
    assert first["transactions"]["edges"] == []
    assert first["transactions"]["pageInfo"] == {
        "hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None,
    }
    assert (await my_wallet(client))["id"] == first["id"]


async def test_anonymous_callers_are_unauthenticated(wallet: GraphQLClient) -> None:
    read = await wallet.execute(MY_WALLET)
    assert read["data"] is None
    assert [e["extensions"]["code"] for e in read["errors"]] == ["UNAUTHENTICATED"]
    write = await wallet.execute(TOP_UP, {"amount": "10", "key": unique()})
    assert [e["extensions"]["code"] for e in write["errors"]] == ["UNAUTHENTICATED"]


async def test_a_refused_token_is_unauthenticated(wallet: GraphQLClient) -> None:
    body = await wallet.as_("not-a-token").execute(MY_WALLET)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_top_ups_credit_and_the_history_is_newest_first(customer: Customer) -> None:
    _, client = customer()
    first = await top_up(client, "100")
    assert first["errors"] == []
    assert first["wallet"]["balance"]["amount"] == "100.00"
    assert first["transaction"]["kind"] == "TOP_UP" and first["transaction"]["orderId"] is None
    assert first["transaction"]["amount"]["amount"] == "100.00"
    assert first["transaction"]["balanceAfter"]["amount"] == "100.00"
    second = await top_up(client, "0.5")
    assert second["wallet"]["balance"]["amount"] == "100.50"
    assert second["transaction"]["balanceAfter"]["amount"] == "100.50"

    state = await my_wallet(client)
    assert state["id"] == first["wallet"]["id"] == second["wallet"]["id"]
    assert state["balance"]["amount"] == "100.50"
    nodes = [edge["node"] for edge in state["transactions"]["edges"]]
    assert [n["id"] for n in nodes] == [second["transaction"]["id"], first["transaction"]["id"]]
    assert [(n["amount"]["amount"], n["balanceAfter"]["amount"]) for n in nodes] == [("0.50", "100.50"), ("100.00", "100.00")]
    assert nodes[0]["createdAt"] >= nodes[1]["createdAt"]


async def test_history_pages_by_keyset(customer: Customer) -> None:
    _, client = customer()
    for i in range(1, 26):
        assert (await top_up(client, str(i)))["errors"] == []
    page1 = (await my_wallet(client))["transactions"]
    assert len(page1["edges"]) == 20
    assert page1["pageInfo"]["hasNextPage"] is True and page1["pageInfo"]["hasPreviousPage"] is False
    assert page1["pageInfo"]["endCursor"] == page1["edges"][-1]["cursor"]
    # A credit after page 1 was read does not shift page 2: cursors are positions, not offsets.
    await top_up(client, "1000")
    page2 = (await my_wallet(client, after=page1["pageInfo"]["endCursor"]))["transactions"]
    assert len(page2["edges"]) == 5
    assert page2["pageInfo"]["hasNextPage"] is False and page2["pageInfo"]["hasPreviousPage"] is True
    amounts = [e["node"]["amount"]["amount"] for e in page1["edges"] + page2["edges"]]
    assert amounts == [f"{i}.00" for i in range(25, 0, -1)]
    small = (await my_wallet(client, first=2))["transactions"]
    assert [e["node"]["amount"]["amount"] for e in small["edges"]] == ["1000.00", "25.00"]
    assert (await my_wallet(client, first=0))["transactions"]["edges"] == []


@pytest.mark.parametrize("first, after", [(101, None), (-1, None), (None, "not-a-cursor"), (None, "WzFd")])
async def test_bad_paging_arguments_are_bad_user_input(customer: Customer, first: int | None, after: str | None) -> None:
    _, client = customer()
    body = await client.execute(MY_WALLET, {"first": first, "after": after})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "amount, key, field",
    [
        ("0", None, "amount"),
        ("-1", None, "amount"),
        ("1.001", None, "amount"),
        ("1000000.01", None, "amount"),
        ("1e30", None, "amount"),
        ("NaN", None, "amount"),
        ("10", "", "idempotencyKey"),
        ("10", "   ", "idempotencyKey"),
        ("10", "k" * 101, "idempotencyKey"),
    ],
)
async def test_invalid_top_ups_change_nothing(customer: Customer, amount: str, key: str | None, field: str) -> None:
    _, client = customer()
    await top_up(client, "5")
    payload = await top_up(client, amount, key)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_INPUT", field)]
    assert payload["wallet"] is None and payload["transaction"] is None
    state = await my_wallet(client)
    assert state["balance"]["amount"] == "5.00"
    assert len(state["transactions"]["edges"]) == 1


async def test_the_largest_top_up_is_a_setting(settings: Settings, token_for: Callable[..., str]) -> None:
    limited = settings.model_copy(update={"wallet_max_top_up": Decimal("50")})
    async with serve(build(limited, background=False)) as http:
        client = GraphQLClient(http, token=token_for(uuid.uuid4()))
        assert (await top_up(client, "50"))["errors"] == []
        over = await top_up(client, "50.01")
        assert [(e["code"], e["field"]) for e in over["errors"]] == [("INVALID_INPUT", "amount")]


async def test_the_same_key_credits_once_and_answers_the_first_result(customer: Customer) -> None:
    _, client = customer()
    key = unique("key")
    first = await top_up(client, "30", key)
    again = await top_up(client, "30.00", key)
    assert again["errors"] == []
    assert again["transaction"] == first["transaction"]
    assert again["wallet"]["balance"]["amount"] == "30.00"
    assert len((await my_wallet(client))["transactions"]["edges"]) == 1


async def test_the_same_key_with_another_amount_is_a_conflict(customer: Customer) -> None:
    _, client = customer()
    key = unique("key")
    await top_up(client, "30", key)
    other = await top_up(client, "31", key)
    assert [(e["code"], e["field"]) for e in other["errors"]] == [("CONFLICT", "idempotencyKey")]
    assert other["transaction"] is None
    assert (await my_wallet(client))["balance"]["amount"] == "30.00"


async def test_keys_are_per_account(customer: Customer) -> None:
    (_, ann), (_, bob) = customer(), customer()
    key = unique("key")
    a = await top_up(ann, "10", key)
    b = await top_up(bob, "20", key)
    assert a["errors"] == [] and b["errors"] == []
    assert a["transaction"]["id"] != b["transaction"]["id"]
    assert (await my_wallet(ann))["balance"]["amount"] == "10.00"
    assert (await my_wallet(bob))["balance"]["amount"] == "20.00"
