"""`User.wallet` through federation: the owner and administrators see it, anyone else gets null."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from subgraphs.common.settings import Settings
from subgraphs.wallet.app import build
from tests.conftest import GraphQLClient, app_engine, serve, statements

ENTITIES = """
query($id: ID!) {
  _entities(representations: [{__typename: "User", id: $id}]) {
    ... on User { id wallet { id balance { amount currency } transactions { edges { node { kind } } } } }
  }
}"""
TOP_UP = 'mutation { topUpWallet(input: {amount: "12.34", idempotencyKey: "first"}) { errors { code } } }'


async def entity_wallet(client: GraphQLClient, user_id: uuid.UUID) -> dict | None:  # type: ignore[type-arg]
    data = await client.data(ENTITIES, {"id": str(user_id)})
    (user,) = data["_entities"]
    assert user["id"] == str(user_id)
    return user["wallet"]  # type: ignore[no-any-return]


async def test_the_owner_sees_their_wallet(wallet: GraphQLClient, token_for: Callable[..., str]) -> None:
    owner = uuid.uuid4()
    client = wallet.as_(token_for(owner))
    assert (await client.data(TOP_UP))["topUpWallet"]["errors"] == []
    seen = await entity_wallet(client, owner)
    assert seen is not None
    assert seen["balance"] == {"amount": "12.34", "currency": "RUB"}
    assert [e["node"]["kind"] for e in seen["transactions"]["edges"]] == ["TOP_UP"]


async def test_another_customer_and_anonymous_get_null(wallet: GraphQLClient, token_for: Callable[..., str]) -> None:
    owner = uuid.uuid4()
    await wallet.as_(token_for(owner)).data(TOP_UP)
    assert await entity_wallet(wallet.as_(token_for(uuid.uuid4())), owner) is None
    assert await entity_wallet(wallet, owner) is None


async def test_an_admin_sees_any_wallet(wallet: GraphQLClient, token_for: Callable[..., str]) -> None:
    owner = uuid.uuid4()
    mine = (await wallet.as_(token_for(owner)).data("{ myWallet { id } }"))["myWallet"]
    await wallet.as_(token_for(owner)).data(TOP_UP)
    seen = await entity_wallet(wallet.as_(token_for(uuid.uuid4(), "ADMIN")), owner)
    assert seen is not None and seen["id"] == mine["id"]
    assert seen["balance"]["amount"] == "12.34"


async def test_an_admin_sees_a_zero_wallet_of_an_account_never_touched(wallet: GraphQLClient, token_for: Callable[..., str]) -> None:
    seen = await entity_wallet(wallet.as_(token_for(uuid.uuid4(), "ADMIN")), uuid.uuid4())
    assert seen is not None and seen["balance"]["amount"] == "0.00" and seen["transactions"]["edges"] == []


async def test_many_users_cost_one_batch(settings: Settings, token_for: Callable[..., str]) -> None:
    ids = [uuid.uuid4() for _ in range(5)]
    reps = ", ".join(f'{{__typename: "User", id: "{i}"}}' for i in ids)
    query = f"{{ _entities(representations: [{reps}]) {{ ... on User {{ id wallet {{ balance {{ amount }} transactions {{ edges {{ cursor }} }} }} }} }} }}"
    app = build(settings, background=False)
    async with serve(app) as http:
        with statements(app_engine(app)) as sent:
            data = await GraphQLClient(http, token=token_for(uuid.uuid4(), "ADMIN")).data(query)
    assert [u["id"] for u in data["_entities"]] == [str(i) for i in ids]
    assert all(u["wallet"]["balance"]["amount"] == "0.00" for u in data["_entities"])
    # Create the missing wallets, read them, read their pages: three statements for five users.
    assert len(sent) == 3, sent


async def test_a_malformed_id_has_no_wallet(wallet: GraphQLClient, token_for: Callable[..., str]) -> None:
    data = await wallet.as_(token_for(uuid.uuid4(), "ADMIN")).data(ENTITIES, {"id": "nope"})
    assert data["_entities"] == [{"id": "nope", "wallet": None}]
