"""Private fields through federation: `_entities` straight at each subgraph answers what the public query would.

Every field of every entity (`@key` type) in a committed `schema.graphql` has a row in `FIELDS`, and
the matrix asks each one with the owner's token, another customer's, an administrator's and none.
A field added to an entity without a row fails `test_every_entity_field_has_a_rule`.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import NonNullTypeNode, ObjectTypeDefinitionNode, UnionTypeDefinitionNode, parse

from shop.stack import Stack
from subgraphs import SUBGRAPHS
from subgraphs.common.settings import ROOT
from tests.conftest import GraphQLClient, unique
from tests.e2e.test_accounts import sign_up
from tests.e2e.test_checkout import ADDRESS, customer
from tests.e2e.test_showcase import new_category, new_product

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on %s { %s } } }"
VIEWERS = ("owner", "other", "admin", "anonymous")


class Rule(enum.Enum):
    """Who reads a field of an entity, and what everyone else gets."""

    #: Anyone, signed in or not (the showcase, pickup points, keys the caller named itself).
    PUBLIC = "public"
    #: The owner or an ADMIN; anyone else null when the field may be null, else a NOT_FOUND error.
    OWNER = "owner"
    #: The owner or an ADMIN; to anyone else the whole entity does not exist (null, no error).
    OWNER_ENTITY = "owner-entity"
    #: The owner or an ADMIN; anyone else an empty page.
    OWNER_EMPTY = "owner-empty"


@dataclass(frozen=True)
class Field:
    subgraph: str
    typename: str
    name: str
    rule: Rule
    selection: str = ""

    @property
    def id(self) -> str:
        return f"{self.subgraph}.{self.typename}.{self.name}"


WALLET = "{ id balance { amount } transactions { edges { node { kind amount { amount } orderId } } } }"
DELIVERY = "{ id orderId method status address { recipient phone city street } pickupPoint { id } }"
FIELDS = [
    Field("users", "User", "id", Rule.PUBLIC),
    Field("users", "User", "email", Rule.OWNER),
    Field("users", "User", "displayName", Rule.OWNER),
    Field("users", "User", "roles", Rule.OWNER),
    Field("users", "User", "defaultAddress", Rule.OWNER, "{ recipient phone city street postalCode }"),
    Field("users", "User", "createdAt", Rule.OWNER),
    Field("users", "User", "externalIdentities", Rule.OWNER, "{ provider email }"),
    Field("wallet", "User", "id", Rule.PUBLIC),
    Field("wallet", "User", "wallet", Rule.OWNER, WALLET),
    Field("orders", "User", "id", Rule.PUBLIC),
    Field("orders", "User", "orders", Rule.OWNER_EMPTY, "{ edges { node { id total { amount } } } }"),
    Field("orders", "Order", "id", Rule.OWNER_ENTITY),
    Field("orders", "Order", "status", Rule.OWNER_ENTITY),
    Field("orders", "Order", "total", Rule.OWNER_ENTITY, "{ amount currency }"),
    Field("orders", "Order", "deliveryMethod", Rule.OWNER_ENTITY),
    Field("orders", "Order", "failureReason", Rule.OWNER_ENTITY),
    Field("orders", "Order", "user", Rule.OWNER_ENTITY, "{ id }"),
    Field("orders", "Order", "createdAt", Rule.OWNER_ENTITY),
    Field("orders", "Order", "updatedAt", Rule.OWNER_ENTITY),
    Field("orders", "Order", "items", Rule.OWNER_ENTITY, "{ productName quantity unitPrice { amount } product { id } }"),
    Field("orders", "Order", "statusHistory", Rule.OWNER_ENTITY, "{ status note }"),
    Field("orders", "Product", "id", Rule.PUBLIC),
    Field("delivery", "Order", "id", Rule.PUBLIC),
    Field("delivery", "Order", "delivery", Rule.OWNER, DELIVERY),
    Field("delivery", "PickupPoint", "id", Rule.PUBLIC),
    Field("delivery", "PickupPoint", "name", Rule.PUBLIC),
    Field("delivery", "PickupPoint", "address", Rule.PUBLIC, "{ city street }"),
    Field("delivery", "PickupPoint", "openingHours", Rule.PUBLIC),
    Field("notifications", "Order", "id", Rule.PUBLIC),
    Field("catalog", "Product", "id", Rule.PUBLIC),
    Field("catalog", "Product", "name", Rule.PUBLIC),
    Field("catalog", "Product", "description", Rule.PUBLIC),
    Field("catalog", "Product", "price", Rule.PUBLIC, "{ amount currency }"),
    Field("catalog", "Product", "stock", Rule.PUBLIC),
    Field("catalog", "Product", "imageUrl", Rule.PUBLIC),
    Field("catalog", "Product", "createdAt", Rule.PUBLIC),
    Field("catalog", "Product", "category", Rule.PUBLIC, "{ id name }"),
    Field("catalog", "Category", "id", Rule.PUBLIC),
    Field("catalog", "Category", "name", Rule.PUBLIC),
    Field("catalog", "Category", "slug", Rule.PUBLIC),
    Field("catalog", "Category", "productCount", Rule.PUBLIC),
]


def entity_fields(subgraph: str) -> tuple[dict[tuple[str, str], bool], set[str]]:
    """From the committed SDL: each entity field with whether it may be null, and the `_Entity` union's members."""
    document = parse((ROOT / "subgraphs" / subgraph / "schema.graphql").read_text())
    fields: dict[tuple[str, str], bool] = {}
    union: set[str] = set()
    for node in document.definitions:
        if isinstance(node, ObjectTypeDefinitionNode) and any(d.name.value == "key" for d in node.directives or ()):
            for field in node.fields or ():
                fields[(node.name.value, field.name.value)] = not isinstance(field.type, NonNullTypeNode)
        if isinstance(node, UnionTypeDefinitionNode) and node.name.value == "_Entity":
            union = {t.name.value for t in node.types or ()}
    return fields, union


NULLABLE = {(s, t, f): nullable for s in SUBGRAPHS for (t, f), nullable in entity_fields(s)[0].items()}


@pytest.mark.parametrize("subgraph", SUBGRAPHS)
def test_every_entity_field_has_a_rule(subgraph: str) -> None:
    fields, union = entity_fields(subgraph)
    listed = {(f.typename, f.name) for f in FIELDS if f.subgraph == subgraph}
    assert set(fields) - listed == set(), f"entity fields of {subgraph} without a rule in FIELDS"
    assert listed - set(fields) == set(), f"rows in FIELDS that {subgraph} no longer has"
    assert union == {t for t, _ in fields}, "every entity of the union is a @key type read here"


@dataclass
class World:
    """Alice's account, wallet, courier order and delivery; Bob is the other customer."""

    tokens: dict[str, str | None]
    ids: dict[str, str]
    alice: dict[str, Any]


@pytest.fixture(scope="module")
async def world(gateway: GraphQLClient, admin: GraphQLClient) -> World:
    product = (await new_product(admin, await new_category(admin), unique("Kettle"), price="250.00", stock=3))["id"]
    category = (await gateway.data("query($id: ID!) { product(id: $id) { category { id } } }", {"id": product}))["product"]["category"]["id"]
    alice = await customer(gateway)
    profile = "mutation($a: AddressInput!) { updateProfile(input: {defaultAddress: $a}) { user { id email } errors { code } } }"
    account = (await alice.data(profile, {"a": {**ADDRESS, "phone": "+7 900 000-00-00"}}))["updateProfile"]["user"]
    await alice.data("mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { errors { code } } }", {"p": product})
    place = "mutation($k: String!) { placeOrder(input: {idempotencyKey: $k, delivery: {method: COURIER}}) { order { id status } errors { code } } }"
    placed = (await alice.data(place, {"k": unique()}))["placeOrder"]
    assert placed["errors"] == [] and placed["order"]["status"] == "CONFIRMED", placed
    points = (await gateway.data("{ pickupPoints { id } }"))["pickupPoints"]
    bob = (await sign_up(gateway))["accessToken"]
    return World(
        tokens={"owner": alice.token, "other": bob, "admin": admin.token, "anonymous": None},
        ids={"User": account["id"], "Order": placed["order"]["id"], "Product": product, "Category": category, "PickupPoint": points[0]["id"]},
        alice=account,
    )


@pytest.fixture(scope="module")
async def subgraphs(store: Stack) -> AsyncIterator[dict[str, GraphQLClient]]:
    """A client straight at each subgraph's `/graphql`, past the gateway, as an attacker inside the network would be."""
    async with httpx.AsyncClient(timeout=30.0) as http:
        yield {name: GraphQLClient(http, f"{store.settings.url(name)}/graphql") for name in SUBGRAPHS}


async def ask(client: GraphQLClient, field: Field, entity_id: str) -> dict[str, Any]:
    query = ENTITIES % (field.typename, f"{field.name} {field.selection}")
    return await client.execute(query, {"r": [{"__typename": field.typename, "id": entity_id}]})


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.id)
async def test_entity_field_matrix(field: Field, world: World, subgraphs: dict[str, GraphQLClient]) -> None:
    client = subgraphs[field.subgraph]
    answers = {v: await ask(client.as_(world.tokens[v]), field, world.ids[field.typename]) for v in VIEWERS}
    seen = answers["owner"]
    assert not seen.get("errors"), seen
    (entity,) = seen["data"]["_entities"]
    assert entity is not None, seen
    # A private field the owner could not read would prove nothing below (a CONFIRMED order has no failure reason).
    if field.rule is not Rule.PUBLIC and field.name != "failureReason":
        assert entity[field.name] is not None, seen
    assert answers["admin"] == seen, "an administrator reads what the owner reads"
    others = [answers["other"], answers["anonymous"]]
    if field.rule is Rule.PUBLIC:
        assert others == [seen, seen]
        return
    for answer in others:
        if field.rule is Rule.OWNER_ENTITY:
            assert answer == {"data": {"_entities": [None]}}, answer
        elif field.rule is Rule.OWNER_EMPTY:
            assert answer == {"data": {"_entities": [{field.name: {"edges": []}}]}}, answer
        elif NULLABLE[(field.subgraph, field.typename, field.name)]:
            assert answer == {"data": {"_entities": [{field.name: None}]}}, answer
        else:
            assert answer["data"] == {"_entities": [None]}, answer
            assert [(e["path"], e["extensions"]["code"]) for e in answer["errors"]] == [(["_entities", 0, field.name], "NOT_FOUND")]


async def test_the_owner_reads_their_own_values(world: World, subgraphs: dict[str, GraphQLClient]) -> None:
    query = ENTITIES % ("User", "email roles defaultAddress { city phone }")
    for viewer in ("owner", "admin"):
        body = await subgraphs["users"].as_(world.tokens[viewer]).data(query, {"r": [{"__typename": "User", "id": world.ids["User"]}]})
        assert body["_entities"] == [{"email": world.alice["email"], "roles": ["CUSTOMER"], "defaultAddress": {"city": "Tula", "phone": "+7 900 000-00-00"}}]


async def test_a_stranger_reads_nothing_of_a_whole_account(world: World, subgraphs: dict[str, GraphQLClient]) -> None:
    everything = " ".join(f"{f.name} {f.selection}" for f in FIELDS if (f.subgraph, f.typename) == ("users", "User"))
    for viewer in ("other", "anonymous"):
        body = await subgraphs["users"].as_(world.tokens[viewer]).execute(ENTITIES % ("User", everything), {"r": [{"__typename": "User", "id": world.ids["User"]}]})
        assert body["data"] == {"_entities": [None]}
        assert {e["extensions"]["code"] for e in body["errors"]} == {"NOT_FOUND"}
        assert world.alice["email"] not in str(body)


@pytest.mark.parametrize("subgraph,typename", sorted({(f.subgraph, f.typename) for f in FIELDS}))
async def test_a_malformed_id_is_no_ones(subgraph: str, typename: str, world: World, subgraphs: dict[str, GraphQLClient]) -> None:
    everything = " ".join(f"{f.name} {f.selection}" for f in FIELDS if (f.subgraph, f.typename) == (subgraph, typename))
    for viewer in VIEWERS:
        body = await subgraphs[subgraph].as_(world.tokens[viewer]).execute(ENTITIES % (typename, everything), {"r": [{"__typename": typename, "id": "not-a-uuid"}]})
        (entity,) = body["data"]["_entities"]
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        assert codes <= {"NOT_FOUND", "BAD_USER_INPUT"}, body
        private = [f.name for f in FIELDS if (f.subgraph, f.typename) == (subgraph, typename) and f.rule is not Rule.PUBLIC]
        assert entity is None or all(entity[name] in (None, {"edges": []}) for name in private), body


ME = """{ me { id email displayName roles defaultAddress { city } externalIdentities { provider }
  wallet { balance { amount } transactions { edges { node { kind } } } }
  orders { edges { node { id status total { amount } user { id email displayName } delivery { status address { city phone } } } } } } }"""
ADMIN_USER = """query($id: ID!) { user(id: $id) { email wallet { balance { amount } }
  orders { edges { node { id user { email } delivery { method status } } } } } }"""
ORDER = "query($id: ID!) { order(id: $id) { id user { id email displayName roles } delivery { status address { city } } } }"


async def test_through_the_gateway_the_owner_reads_everything_of_theirs(gateway: GraphQLClient, world: World) -> None:
    me = (await gateway.as_(world.tokens["owner"]).data(ME))["me"]
    assert me["email"] == world.alice["email"] and me["roles"] == ["CUSTOMER"] and me["defaultAddress"] == {"city": "Tula"}
    assert me["wallet"]["balance"]["amount"] == "750.00"
    assert [e["node"]["kind"] for e in me["wallet"]["transactions"]["edges"]] == ["PAYMENT", "TOP_UP"]
    (order,) = [e["node"] for e in me["orders"]["edges"]]
    assert order["id"] == world.ids["Order"] and order["total"] == {"amount": "250.00"}
    assert order["user"] == {"id": me["id"], "email": me["email"], "displayName": me["displayName"]}
    assert order["delivery"] == {"status": "QUEUED", "address": {"city": "Tula", "phone": "+7 900 000-00-00"}}
    seen = (await gateway.as_(world.tokens["owner"]).data(ORDER, {"id": world.ids["Order"]}))["order"]
    assert seen["user"]["email"] == world.alice["email"] and seen["delivery"]["address"] == {"city": "Tula"}


async def test_through_the_gateway_an_admin_reads_any_account(gateway: GraphQLClient, world: World) -> None:
    user = (await gateway.as_(world.tokens["admin"]).data(ADMIN_USER, {"id": world.ids["User"]}))["user"]
    assert user["email"] == world.alice["email"] and user["wallet"] == {"balance": {"amount": "750.00"}}
    assert user["orders"]["edges"] == [{"node": {"id": world.ids["Order"], "user": {"email": world.alice["email"]}, "delivery": {"method": "COURIER", "status": "QUEUED"}}}]
    order = (await gateway.as_(world.tokens["admin"]).data(ORDER, {"id": world.ids["Order"]}))["order"]
    assert order["user"]["email"] == world.alice["email"]


async def test_through_the_gateway_someone_else_s_order_does_not_exist(gateway: GraphQLClient, world: World) -> None:
    for viewer in ("other", "anonymous"):
        assert await gateway.as_(world.tokens[viewer]).execute(ORDER, {"id": world.ids["Order"]}) == {"data": {"order": None}}
    mine = (await gateway.as_(world.tokens["other"]).data(ME))["me"]
    assert mine["orders"]["edges"] == [] and mine["email"] != world.alice["email"]


async def test_a_sign_in_reads_its_own_account_before_its_token_is_sent(gateway: GraphQLClient) -> None:
    email = f"{unique()}@example.com"
    register = """mutation($e: String!) { register(input: {email: $e, password: "correct horse", displayName: "Eve"}) {
      user { email displayName roles externalIdentities { provider } } errors { code } } }"""
    body = await gateway.data(register, {"e": email})
    assert body["register"] == {"user": {"email": email, "displayName": "Eve", "roles": ["CUSTOMER"], "externalIdentities": []}, "errors": []}
    login = 'mutation($e: String!) { login(input: {email: $e, password: "correct horse"}) { user { email } errors { code } } }'
    assert (await gateway.data(login, {"e": email}))["login"] == {"user": {"email": email}, "errors": []}
