"""The gateway's copy of anonymous showcase answers (router/showcaseCache.ts): fresh, never shared, never an error.

`x-showcase-cache: hit` says the gateway answered from its copy, `miss` that it keeps this answer;
no header, that it neither answered from nor kept it. A change made behind the gateway's back
(straight at the catalog, or the saga's internal reservation) must still show: the copy lives
0.5 s. Deadlines are generous (the promise is "within a second"), as in test_showcase_cache.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shop.stack import Stack
from tests.conftest import GraphQLClient, unique
from tests.e2e.test_checkout import ADD, PLACE, customer, pickup
from tests.e2e.test_showcase import new_category, new_product

LISTING = """query($c: ID!) { products(first: 20, filter: {categoryId: $c}, sort: PRICE_ASC) {
  edges { node { id name stock price { amount } category { name } } } } }"""
UPDATE = "mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { errors { code } } }"
ADJUST = "mutation($id: ID!, $d: Int!) { adjustStock(productId: $id, delta: $d) { errors { code } } }"
HEADER = "x-showcase-cache"
DEADLINE = 20.0


async def post(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def hit(http: httpx.AsyncClient, query: str, variables: dict[str, Any], **headers: str) -> httpx.Response:
    """Reads until the gateway answers from its copy (the first read fills it); that answer."""
    deadline = time.monotonic() + DEADLINE
    while True:
        response = await post(http, query, variables, **headers)
        assert response.status_code == 200 and not response.json().get("errors"), response.text
        if response.headers.get(HEADER) == "hit":
            return response
        assert time.monotonic() < deadline, "the gateway never answered from its copy"


async def served_from_copy(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The body of the gateway's answer from its copy."""
    body: dict[str, Any] = (await hit(http, query, variables)).json()
    return body


async def shows(http: httpx.AsyncClient, category: str, wanted: Any) -> None:
    """Polls the anonymous listing until `wanted(rows)` holds."""
    deadline = time.monotonic() + DEADLINE
    while True:
        rows = [edge["node"] for edge in (await post(http, LISTING, {"c": category})).json()["data"]["products"]["edges"]]
        if wanted(rows):
            return
        assert time.monotonic() < deadline, f"the change did not reach the listing in time: {rows}"
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
async def direct(store: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The catalog subgraph itself, behind the gateway's back (as another gateway replica would reach it)."""
    async with httpx.AsyncClient(base_url=store.settings.url("catalog"), timeout=30.0) as http:
        yield http


async def test_a_repeated_anonymous_listing_is_answered_by_the_gateway(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    await new_product(admin, category, "Oak spoon", price="5.00")
    body = await served_from_copy(gateway.http, LISTING, {"c": category})
    assert [p["name"] for p in (edge["node"] for edge in body["data"]["products"]["edges"])] == ["Oak spoon"]
    # Fragments and __typename at the root are still showcase reads.
    fragment = "query { ...Cats __typename } fragment Cats on Query { categories { slug } }"
    assert "categories" in (await served_from_copy(gateway.http, fragment, {}))["data"]


async def test_changes_through_the_gateway_show_at_once_and_behind_its_back_soon(
    gateway: GraphQLClient, admin: GraphQLClient, direct: httpx.AsyncClient
) -> None:
    category = await new_category(admin)
    product = (await new_product(admin, category, "Copper kettle", price="50.00", stock=4))["id"]
    await served_from_copy(gateway.http, LISTING, {"c": category})
    # Through this gateway: its copy is emptied before the mutation's answer leaves.
    assert (await admin.data(UPDATE, {"id": product, "i": {"price": "45.00", "name": "Brass kettle"}}))["updateProduct"]["errors"] == []
    await shows(gateway.http, category, lambda rows: [(p["name"], p["price"]["amount"]) for p in rows] == [("Brass kettle", "45.00")])
    assert (await admin.data(ADJUST, {"id": product, "d": 3}))["adjustStock"]["errors"] == []
    await shows(gateway.http, category, lambda rows: [p["stock"] for p in rows] == [7])

    # Straight at the catalog (another replica's gateway, say): the copy expires on its own.
    await served_from_copy(gateway.http, LISTING, {"c": category})
    signed = {"Authorization": f"Bearer {admin.token}"}
    changed = await direct.post("/graphql", json={"query": UPDATE, "variables": {"id": product, "i": {"price": "40.00", "name": "Tin kettle"}}}, headers=signed)
    assert changed.json()["data"]["updateProduct"]["errors"] == []
    await shows(gateway.http, category, lambda rows: [(p["name"], p["price"]["amount"]) for p in rows] == [("Tin kettle", "40.00")])
    await served_from_copy(gateway.http, LISTING, {"c": category})
    taken = await direct.post("/graphql", json={"query": ADJUST, "variables": {"id": product, "d": -2}}, headers=signed)
    assert taken.json()["data"]["adjustStock"]["errors"] == []
    await shows(gateway.http, category, lambda rows: [p["stock"] for p in rows] == [5])


async def test_stock_taken_by_a_reservation_shows_in_the_listing(gateway: GraphQLClient, admin: GraphQLClient, direct: httpx.AsyncClient, store: Stack) -> None:
    category = await new_category(admin)
    product = (await new_product(admin, category, "Enamel mug", price="20.00", stock=5))["id"]
    await served_from_copy(gateway.http, LISTING, {"c": category})
    me = await customer(gateway)
    assert (await me.data(ADD, {"p": product, "q": 2}))["addToCart"]["errors"] == []
    placed = (await me.data(PLACE, {"k": unique(), "d": await pickup(gateway)}))["placeOrder"]
    assert placed["errors"] == [], placed
    await shows(gateway.http, category, lambda rows: [p["stock"] for p in rows] == [3])
    # The saga's own call, as a recovering orders replica makes it: no mutation passes the gateway.
    await served_from_copy(gateway.http, LISTING, {"c": category})
    token = {"X-Service-Token": store.settings.resolved_service_token()}
    line = {"order_id": str(uuid.uuid4()), "lines": [{"product_id": product, "quantity": 1}]}
    assert (await direct.post("/internal/reservations", json=line, headers=token)).status_code == 200
    await shows(gateway.http, category, lambda rows: [p["stock"] for p in rows] == [2])


async def test_a_signed_in_answer_is_neither_served_nor_kept(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    await new_product(admin, category, "Clay pot")
    me = await customer(gateway, money="0")
    signed = {"Authorization": f"Bearer {me.token}"}
    # A signed-in caller's answers never come from, nor go into, the copy: the next anonymous read is a miss.
    for _ in range(3):
        assert HEADER not in (await post(gateway.http, LISTING, {"c": category}, **signed)).headers
    assert (await post(gateway.http, LISTING, {"c": category})).headers.get(HEADER) == "miss"
    # With the anonymous answer in the copy, a signed-in caller still gets its own (here: a refused token's error).
    cached = await served_from_copy(gateway.http, LISTING, {"c": category})
    assert (await post(gateway.http, LISTING, {"c": category}, **signed)).json() == cached
    refused = await post(gateway.http, LISTING, {"c": category}, Authorization="Bearer not-a-token")
    assert HEADER not in refused.headers and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Cookies never reach a subgraph, but a request with one is treated as signed in too.
    for _ in range(3):
        assert HEADER not in (await post(gateway.http, LISTING, {"c": category}, Cookie="session=abc")).headers


async def test_a_mutation_that_changes_no_showcase_leaves_the_copy(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    """Refused as a whole, or answering without a showcase field: nobody can keep the copy empty."""
    category = await new_category(admin)
    await new_product(admin, category, "Felt slippers", price="12.00")
    for _ in range(5):  # until the copy holds it on the catalog's word (past the short life), not on time alone
        await served_from_copy(gateway.http, LISTING, {"c": category})
        await asyncio.sleep(1.0)
        if (await post(gateway.http, LISTING, {"c": category})).headers.get(HEADER) == "hit":
            break
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        refused = await post(gateway.http, UPDATE, {"id": category, "i": {"price": "1.00"}}, **headers)
        assert refused.json()["errors"], refused.text
        assert (await post(gateway.http, LISTING, {"c": category})).headers.get(HEADER) == "hit"
    # Nor one that answers without touching the showcase: `__typename`, a failed sign-in.
    for other in ("mutation { __typename }", 'mutation { login(input: {email: "nobody@example.com", password: "wrong-password"}) { errors { code } } }'):
        answered = await post(gateway.http, other)
        assert answered.json()["data"], answered.text
        assert (await post(gateway.http, LISTING, {"c": category})).headers.get(HEADER) == "hit", other


async def test_errors_and_other_reads_are_never_kept(gateway: GraphQLClient) -> None:
    never = [
        ('query { searchSuggestions(prefix: "kettle", first: 50) { text } }', "BAD_USER_INPUT"),  # an error
        ("{ categories { slug } me { id } }", None),  # a private field beside a showcase one
        ("{ pickupPoints { id } }", None),  # another subgraph's public field
        ("{ __schema { queryType { name } } }", None),  # introspection
        ("mutation { logout }", "UNAUTHENTICATED"),  # a mutation
    ]
    for query, code in never:
        for _ in range(3):
            response = await post(gateway.http, query)
            assert HEADER not in response.headers, query
            if code:
                assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_a_kept_answer_carries_the_callers_cors_headers(gateway: GraphQLClient, admin: GraphQLClient, e2e_settings: Any) -> None:
    category = await new_category(admin)
    await served_from_copy(gateway.http, LISTING, {"c": category})
    origin = e2e_settings.cors_origins[0]
    response = await hit(gateway.http, LISTING, {"c": category}, Origin=origin)
    assert response.headers.get("access-control-allow-origin") == origin
    foreign = await hit(gateway.http, LISTING, {"c": category}, Origin="https://evil.example")
    assert "access-control-allow-origin" not in foreign.headers
