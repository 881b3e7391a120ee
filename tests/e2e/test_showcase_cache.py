"""Anonymous listings served from the catalog's response cache, through the gateway: fresh and never shared.

Each listing is read twice before a change (so the second answer may come from the cache), then
polled with a deadline until the change shows: the promise is "within a second", the deadline is generous.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import GraphQLClient, eventually, unique
from tests.e2e.test_checkout import ADD, PLACE, customer, pickup
from tests.e2e.test_showcase import new_category, new_product

LISTING = """query($c: ID!) { products(first: 20, filter: {categoryId: $c}, sort: PRICE_ASC) {
  edges { node { id name stock price { amount } category { name } } } } }"""
CATEGORIES = "{ categories { slug } }"


async def listing(gateway: GraphQLClient, category: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in (await gateway.data(LISTING, {"c": category}))["products"]["edges"]]


async def shows(gateway: GraphQLClient, category: str, wanted: Callable[[list[dict[str, Any]]], bool]) -> None:
    async def check() -> bool:
        return wanted(await listing(gateway, category))

    await eventually(check)


async def test_every_kind_of_change_reaches_a_cached_listing(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    product = (await new_product(admin, category, "Copper kettle", price="50.00", stock=4))["id"]
    for _ in range(2):
        assert [p["price"]["amount"] for p in await listing(gateway, category)] == ["50.00"]

    update = "mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { errors { code } } }"
    assert (await admin.data(update, {"id": product, "i": {"price": "45.00", "name": "Brass kettle"}}))["updateProduct"]["errors"] == []
    await shows(gateway, category, lambda rows: [(p["name"], p["price"]["amount"]) for p in rows] == [("Brass kettle", "45.00")])

    adjust = "mutation($id: ID!, $d: Int!) { adjustStock(productId: $id, delta: $d) { errors { code } } }"
    assert (await admin.data(adjust, {"id": product, "d": 3}))["adjustStock"]["errors"] == []
    await shows(gateway, category, lambda rows: [p["stock"] for p in rows] == [7])

    second = (await new_product(admin, category, "Tin kettle", price="10.00"))["id"]
    await shows(gateway, category, lambda rows: [p["id"] for p in rows] == [second, product])

    deleted = "mutation($id: ID!) { deleteProduct(id: $id) { errors { code } } }"
    assert (await admin.data(deleted, {"id": second}))["deleteProduct"]["errors"] == []
    await shows(gateway, category, lambda rows: [p["id"] for p in rows] == [product])

    await gateway.data(CATEGORIES)
    created = unique("cat")
    create = "mutation($n: String!, $s: String!) { createCategory(input: {name: $n, slug: $s}) { errors { code } } }"
    assert (await admin.data(create, {"n": "Kettles", "s": created}))["createCategory"]["errors"] == []

    async def listed() -> bool:
        return created in {c["slug"] for c in (await gateway.data(CATEGORIES))["categories"]}

    await eventually(listed)


async def test_stock_taken_by_a_purchase_shows_in_the_listing(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    product = (await new_product(admin, category, "Enamel mug", price="20.00", stock=5))["id"]
    for _ in range(2):
        assert [p["stock"] for p in await listing(gateway, category)] == [5]
    me = await customer(gateway)
    assert (await me.data(ADD, {"p": product, "q": 2}))["addToCart"]["errors"] == []
    placed = (await me.data(PLACE, {"k": unique(), "d": await pickup(gateway)}))["placeOrder"]
    assert placed["errors"] == [], placed
    await shows(gateway, category, lambda rows: [p["stock"] for p in rows] == [3])


async def test_a_signed_in_answer_is_never_served_to_anyone_else(gateway: GraphQLClient, admin: GraphQLClient) -> None:
    category = await new_category(admin)
    await new_product(admin, category, "Clay pot")
    # A refused token after an anonymous read of the same query: the anonymous answer is not reused.
    anonymous = await gateway.execute(LISTING, {"c": category})
    assert not anonymous.get("errors") and await gateway.execute(LISTING, {"c": category}) == anonymous
    refused = await gateway.as_("not-a-token").execute(LISTING, {"c": category})
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # And the other way round: what a caller with a token got is not what the next anonymous one gets.
    fresh = await new_category(admin)
    assert (await gateway.as_("not-a-token").execute(LISTING, {"c": fresh})).get("errors")
    assert (await gateway.execute(LISTING, {"c": fresh})) == {"data": {"products": {"edges": []}}}
