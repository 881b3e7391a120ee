"""The fuzzer's cast on its own stack: a customer, an admin, a bystander, and real ids and cursors to aim at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphql

from tests.conftest import GraphQLClient, unique

from .strategies import Known

PASSWORD = "fuzz-password-1"
REGISTER = """mutation($e: String!, $p: String!) { register(input: {email: $e, password: $p, displayName: "Fuzz"}) {
  accessToken user { id } errors { code } } }"""
LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken errors { code } } }"
SETUP = """mutation($p: ID!, $k: String!) {
  topUpWallet(input: {amount: "5000.00", idempotencyKey: $k}) { errors { code } }
  addToCart(productId: $p, quantity: 1) { errors { code } }
}"""
PLACE = """mutation($k: String!, $pp: ID!) { placeOrder(input: {idempotencyKey: $k, delivery: {method: PICKUP, pickupPointId: $pp}}) {
  order { id } errors { code } } }"""
PAGES = {
    "products": "{ products(first: 2) { edges { cursor node { id category { id } } } } }",
    "myOrders": "{ myOrders(first: 2) { edges { cursor node { id } } } }",
    "myNotifications": "{ myNotifications(first: 2) { edges { cursor node { id } } } }",
    "orders": "{ orders(first: 2) { edges { cursor node { id } } } }",
    "users": "{ users(first: 2) { edges { cursor node { id } } } }",
    "deliveries": "{ deliveries(first: 2) { edges { cursor node { id } } } }",
}
CHEAPEST = "{ products(first: 1, sort: PRICE_ASC) { edges { node { id } } } }"
EXTRA = "{ me { id wallet { id transactions(first: 2) { edges { cursor } } } } pickupPoints { id } categories { id } }"


@dataclass
class Role:
    """A way of calling the gateway: anonymous, or signed in as an account whose password we know."""

    name: str
    client: GraphQLClient
    email: str | None = None

    async def fresh_session(self, gateway: GraphQLClient) -> GraphQLClient:
        """Another session of the same account (for `logout`, which would end the shared one)."""
        if self.email is None:
            return self.client
        body = await gateway.data(LOGIN, {"e": self.email, "p": PASSWORD})
        return gateway.as_(body["login"]["accessToken"])


async def sign_up(gateway: GraphQLClient) -> tuple[str, GraphQLClient, str]:
    email = f"{unique('fuzz')}@example.com"
    body = (await gateway.data(REGISTER, {"e": email, "p": PASSWORD}))["register"]
    assert body["errors"] == [], body
    return email, gateway.as_(body["accessToken"]), body["user"]["id"]


@dataclass(frozen=True)
class Cast:
    """The callers, what the stack holds, and which of it belongs to neither the customer nor the public."""

    roles: list[Role]
    known: Known
    #: Ids of the bystander's user and order: what the customer and the anonymous must never read.
    others: frozenset[str]


async def make_cast(gateway: GraphQLClient, admin_email: str, admin_password: str) -> Cast:
    """The three roles, and what the stack holds: ids of each kind, cursors of each connection."""
    email, customer, _ = await sign_up(gateway)
    bystander_email, bystander, bystander_id = await sign_up(gateway)
    others = {bystander_id}
    cheapest = (await gateway.data(CHEAPEST))["products"]["edges"][0]["node"]["id"]
    points = (await gateway.data("{ pickupPoints { id } }"))["pickupPoints"]
    for who in (customer, bystander):
        done = await who.data(SETUP, {"p": cheapest, "k": unique()})
        assert all(part["errors"] == [] for part in done.values()), done
        placed = (await who.data(PLACE, {"k": unique(), "pp": points[0]["id"]}))["placeOrder"]
        assert placed["errors"] == [], placed
        if who is bystander:
            others.add(placed["order"]["id"])
    # The admin of the fixture is shared with other tests of the package: the fuzzer signs in on its own.
    body = await gateway.data(LOGIN, {"e": admin_email, "p": admin_password})
    fuzz_admin = gateway.as_(body["login"]["accessToken"])
    ids: set[str] = set(others)
    cursors: dict[str, tuple[str, ...]] = {}
    for field, query in PAGES.items():
        caller = fuzz_admin if field in {"orders", "users", "deliveries"} else customer
        edges = (await caller.data(query))[field]["edges"]
        cursors[field] = tuple(edge["cursor"] for edge in edges)
        ids.update(_ids(edges))
    extra = await customer.data(EXTRA)
    ids.update(_ids(extra))
    cursors["me"] = tuple(edge["cursor"] for edge in extra["me"]["wallet"]["transactions"]["edges"])
    roles = [
        Role("anonymous", gateway),
        Role("customer", customer, email),
        Role("admin", fuzz_admin, admin_email),
    ]
    # Only the bystander's email is offered to `login`: failed attempts would lock the others out.
    return Cast(roles, Known(ids=tuple(sorted(ids)), cursors=cursors, emails=(bystander_email,)), frozenset(others))


def _ids(value: Any) -> set[str]:
    """Every `id` anywhere in a response."""
    if isinstance(value, dict):
        found = {str(value["id"])} if "id" in value else set()
        for item in value.values():
            found |= _ids(item)
        return found
    if isinstance(value, list):
        return set().union(*(_ids(item) for item in value)) if value else set()
    return set()


async def served_schema(gateway: GraphQLClient) -> graphql.GraphQLSchema:
    """The API schema the gateway serves, by introspection: exactly what clients can send."""
    body = await gateway.data(graphql.get_introspection_query(descriptions=False))
    return graphql.build_client_schema(body)
