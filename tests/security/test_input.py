"""Hostile input, straight at each subgraph: a clear error with a code, and nothing changes.

NUL and lone surrogates anywhere → BAD_USER_INPUT before anything runs; a string over its limit →
INVALID_INPUT on the field (a query: BAD_USER_INPUT); a malformed id → null / NOT_FOUND; a forged
cursor → BAD_USER_INPUT; an amount in any spelling but "123.45" → INVALID_INPUT.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from subgraphs.common.inputs import MAX_LENGTH
from tests.conftest import unique
from tests.security.input_support import (  # noqa: F401 (migrated, subgraphs and ids are fixtures)
    ADD, ADDRESS, BALANCE, CANCEL, CATEGORY, COMPLETE, CREATE, DELETE, LOGIN, PLACE, POINT, PRODUCT, PROFILE, READ, REFRESH,
    REGISTER, REMOVE, SET, START, STATUS, STOCK, TOP_UP, UPDATE, Subgraphs, code_of, ids, migrated, payload_error,
    product_input, refused, registered, send, subgraphs,
)



def cases(bad: str, ids: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(subgraph, role, operation, variables) for every mutation, `bad` in one of its strings."""
    cid, pid, key = ids["category"], ids["product"], str(uuid.uuid4())
    register = {"email": f"{unique('u')}@example.com", "password": "long-enough-password", "displayName": "Ann"}
    return [
        ("users", "anon", REGISTER, {"i": {**register, "displayName": f"A{bad}n"}}),
        ("users", "anon", REGISTER, {"i": {**register, "email": f"a{bad}@example.com"}}),
        ("users", "anon", LOGIN, {"i": {"email": "a@example.com", "password": f"pw{bad}"}}),
        ("users", "anon", REFRESH, {"t": f"t{bad}"}),
        ("users", "customer", PROFILE, {"i": {"displayName": f"A{bad}"}}),
        ("users", "customer", PROFILE, {"i": {"defaultAddress": {**ADDRESS, "city": f"M{bad}"}}}),
        ("users", "anon", START, {"p": f"google{bad}", "r": "http://localhost/cb"}),
        ("users", "anon", COMPLETE, {"s": f"s{bad}", "c": "code"}),
        ("wallet", "customer", TOP_UP, {"i": {"amount": "10.00", "idempotencyKey": f"k{bad}"}}),
        ("wallet", "customer", TOP_UP, {"i": {"amount": f"1{bad}", "idempotencyKey": unique()}}),
        ("catalog", "admin", CATEGORY, {"i": {"name": f"N{bad}", "slug": unique("s")}}),
        ("catalog", "admin", CREATE, {"i": product_input(cid, description=f"d{bad}")}),
        ("catalog", "admin", CREATE, {"i": product_input(cid, imageUrl=f"http://x/{bad}")}),
        ("catalog", "admin", CREATE, {"i": product_input(f"{cid}{bad}")}),
        ("catalog", "admin", UPDATE, {"id": pid, "i": {"name": f"N{bad}"}}),
        ("catalog", "admin", UPDATE, {"id": f"{pid}{bad}", "i": {"name": "N"}}),
        ("catalog", "admin", DELETE, {"id": f"{pid}{bad}"}),
        ("catalog", "admin", STOCK, {"id": f"{pid}{bad}"}),
        ("orders", "customer", ADD, {"id": f"{key}{bad}"}),
        ("orders", "customer", SET, {"id": f"{key}{bad}"}),
        ("orders", "customer", REMOVE, {"id": f"{key}{bad}"}),
        ("orders", "customer", PLACE, {"i": {"idempotencyKey": f"k{bad}", "delivery": {"method": "COURIER", "address": ADDRESS}}}),
        ("orders", "customer", PLACE, {"i": {"idempotencyKey": unique(), "delivery": {"method": "COURIER", "address": {**ADDRESS, "street": bad}}}}),
        ("orders", "customer", CANCEL, {"id": f"{key}{bad}"}),
        ("delivery", "admin", STATUS, {"id": f"{key}{bad}"}),
        ("delivery", "admin", POINT, {"i": {"name": f"P{bad}", "address": ADDRESS}}),
        ("delivery", "admin", POINT, {"i": {"name": "P", "address": {**ADDRESS, "recipient": bad}, "openingHours": "9-21"}}),
        ("notifications", "customer", READ, {"ids": [key, f"{key}{bad}"]}),
    ]


async def client_for(subgraphs: Subgraphs, name: str, role: str) -> Any:
    if role == "anon":
        return subgraphs[name]
    if name == "users":  # users checks that the session behind a token lives: a real sign-in
        return (await registered(subgraphs.users))[0]
    return subgraphs.admin(name) if role == "admin" else subgraphs.customer(name)


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"], ids=["nul", "high-surrogate", "low-surrogate"])
async def test_nul_and_lone_surrogates_are_refused_on_every_mutation(subgraphs: Subgraphs, ids: dict[str, str], bad: str) -> None:
    for name, role, operation, variables in cases(bad, ids):
        body = await send(await client_for(subgraphs, name, role), operation, variables)
        refused(body)
        assert body.get("data") is None, (operation, body)


async def test_a_refused_operation_runs_no_part_of_itself(subgraphs: Subgraphs, ids: dict[str, str]) -> None:
    me = uuid.uuid4()
    wallet = subgraphs.customer("wallet", me)
    both = (
        'mutation($k: String!) { a: topUpWallet(input: {amount: "5.00", idempotencyKey: "clean"}) { errors { code } } '
        'b: topUpWallet(input: {amount: "5.00", idempotencyKey: $k}) { errors { code } } }'
    )
    refused(await send(wallet, both, {"k": "k\x00"}))
    refused(await send(wallet, both.replace("($k: String!)", "").replace("$k", '"k\\u0000"'), {}))  # inline literal
    assert (await wallet.data(BALANCE))["myWallet"]["balance"]["amount"] == "0.00"
    admin = subgraphs.admin("catalog")
    refused(await send(admin, UPDATE, {"id": ids["product"], "i": {"name": "Changed", "description": "\ud800"}}))
    product = (await admin.data(PRODUCT, {"id": ids["product"]}))["product"]
    assert (product["name"], product["description"]) == ("Target", "kept")
    # A refused registration took no email: the same one registers cleanly afterwards.
    email = f"{unique('u')}@example.com"
    refused(await send(subgraphs.users, REGISTER, {"i": {"email": email, "password": "long-enough-password", "displayName": "\x00"}}))
    again = await subgraphs.users.data(REGISTER, {"i": {"email": email, "password": "long-enough-password", "displayName": "Ann"}})
    assert again["register"]["errors"] == [] and again["register"]["accessToken"]


async def test_a_bad_variable_name_or_key_is_refused_too(subgraphs: Subgraphs) -> None:
    refused(await send(subgraphs.catalog, "{ categories { id } }", {"x\x00": 1}))
    refused(await send(subgraphs.catalog, "query($f: ProductFilter) { products(filter: $f) { edges { cursor } } }", {"f": {"search\ud800": "a"}}))
    sneaky = "mutation($search: String!) { createCategory(input: {name: $search, slug: \"s\"}) { errors { code } } }"
    refused(await send(subgraphs.admin("catalog"), sneaky, {"search": "N\x00"}))


@pytest.mark.parametrize(
    ("name", "operation", "variables"),
    [
        ("catalog", "query($id: ID!) { product(id: $id) { id } }", {"id": "\x00"}),
        ("catalog", "query($f: ProductFilter) { products(filter: $f) { edges { cursor } } }", {"f": {"search": "lamp\ud800"}}),
        ("catalog", "query($a: String) { products(after: $a) { edges { cursor } } }", {"a": "\x00"}),
        ("catalog", "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } } }", {"r": [{"__typename": "Product", "id": "\x00"}]}),
        ("users", "query($id: ID!) { user(id: $id) { id } }", {"id": "\x00"}),
        ("orders", "query($id: ID!) { order(id: $id) { id } }", {"id": "\ud800"}),
        ("delivery", "query($a: String) { deliveries(after: $a) { edges { cursor } } }", {"a": "\x00"}),
    ],
)
async def test_nul_and_surrogates_in_queries_are_refused(subgraphs: Subgraphs, name: str, operation: str, variables: dict[str, Any]) -> None:
    refused(await send(subgraphs.admin(name) if name != "users" else subgraphs.users, operation, variables))


async def test_a_nul_in_search_text_is_refused_too(subgraphs: Subgraphs) -> None:
    """Search text is no exception: PostgreSQL could not compare it either."""
    refused(await send(subgraphs.catalog, 'query($s: String) { products(filter: {search: $s}) { edges { cursor } } }', {"s": "lamp\x00"}))
    refused(await send(subgraphs.catalog, '{ products(filter: {search: "lamp\\u0000"}) { edges { cursor } } }', {}))


def over(field: str) -> str:
    return "x" * (MAX_LENGTH[field] + 1)


async def test_every_string_of_every_mutation_has_a_limit(subgraphs: Subgraphs, ids: dict[str, str]) -> None:
    cid, pid, key = ids["category"], ids["product"], str(uuid.uuid4())
    register = {"email": f"{unique('u')}@example.com", "password": "long-enough-password", "displayName": "Ann"}
    place = {"idempotencyKey": unique(), "delivery": {"method": "COURIER", "address": ADDRESS}}
    checks: list[tuple[str, str, str, dict[str, Any], str]] = [
        ("users", "anon", REGISTER, {"i": {**register, "email": over("email")[:-12] + "@example.com"}}, "email"),
        ("users", "anon", REGISTER, {"i": {**register, "password": over("password")}}, "password"),
        ("users", "anon", REGISTER, {"i": {**register, "displayName": over("displayName")}}, "displayName"),
        ("users", "anon", LOGIN, {"i": {"email": "a@example.com", "password": over("password")}}, "password"),
        ("users", "anon", REFRESH, {"t": over("refreshToken")}, "refreshToken"),
        ("users", "customer", PROFILE, {"i": {"displayName": over("displayName")}}, "displayName"),
        ("users", "customer", PROFILE, {"i": {"defaultAddress": {**ADDRESS, "phone": over("phone")}}}, "defaultAddress.phone"),
        ("users", "customer", PROFILE, {"i": {"defaultAddress": {**ADDRESS, "postalCode": over("postalCode")}}}, "defaultAddress.postalCode"),
        ("users", "anon", START, {"p": over("provider"), "r": "http://localhost/cb"}, "provider"),
        ("users", "anon", START, {"p": "google", "r": "http://localhost/" + over("redirectUri")}, "redirectUri"),
        ("users", "anon", COMPLETE, {"s": over("state"), "c": "code"}, "state"),
        ("users", "anon", COMPLETE, {"s": "s", "c": over("code")}, "code"),
        ("wallet", "customer", TOP_UP, {"i": {"amount": "10.00", "idempotencyKey": over("idempotencyKey")}}, "idempotencyKey"),
        ("catalog", "admin", CATEGORY, {"i": {"name": over("name"), "slug": unique("s")}}, "name"),
        ("catalog", "admin", CATEGORY, {"i": {"name": "N", "slug": over("slug")}}, "slug"),
        ("catalog", "admin", CREATE, {"i": product_input(cid, name="x" * (MAX_LENGTH["CreateProductInput.name"] + 1))}, "name"),
        ("catalog", "admin", UPDATE, {"id": pid, "i": {"name": "x" * (MAX_LENGTH["UpdateProductInput.name"] + 1)}}, "name"),
        ("catalog", "admin", CREATE, {"i": product_input(cid, description=over("description"))}, "description"),
        ("catalog", "admin", CREATE, {"i": product_input(cid, imageUrl=over("imageUrl"))}, "imageUrl"),
        ("catalog", "admin", UPDATE, {"id": pid, "i": {"description": over("description")}}, "description"),
        ("catalog", "admin", UPDATE, {"id": "x" * 1001, "i": {"name": "N"}}, "id"),
        ("orders", "customer", ADD, {"id": "x" * 1001}, "productId"),
        ("orders", "customer", PLACE, {"i": {**place, "idempotencyKey": over("idempotencyKey")}}, "idempotencyKey"),
        ("orders", "customer", PLACE, {"i": {**place, "delivery": {"method": "COURIER", "address": {**ADDRESS, "street": over("street")}}}}, "delivery.address.street"),
        ("delivery", "admin", POINT, {"i": {"name": over("name"), "address": ADDRESS}}, "name"),
        ("delivery", "admin", POINT, {"i": {"name": "P", "address": {**ADDRESS, "recipient": over("recipient")}}}, "address.recipient"),
        ("delivery", "admin", POINT, {"i": {"name": "P", "address": {**ADDRESS, "city": over("city")}}}, "address.city"),
        ("delivery", "admin", POINT, {"i": {"name": "P", "address": ADDRESS, "openingHours": over("openingHours")}}, "openingHours"),
        ("notifications", "customer", READ, {"ids": [key, "x" * 1001]}, "ids"),
    ]
    for name, role, operation, variables, field in checks:
        payload_error(await send(await client_for(subgraphs, name, role), operation, variables), field)
    product = (await subgraphs.catalog.data(PRODUCT, {"id": pid}))["product"]
    assert product["description"] == "kept"


async def test_a_search_over_its_limit_is_bad_user_input(subgraphs: Subgraphs) -> None:
    body = await send(subgraphs.catalog, "query($s: String) { products(filter: {search: $s}) { edges { cursor } } }", {"s": over("search")})
    refused(body)
    assert body["errors"][0]["extensions"]["field"] == "filter.search"


async def test_every_limit_fits_its_column() -> None:
    """A limit above the column's width would let the database refuse what the API accepted."""
    from subgraphs.catalog.models import Category, Product
    from subgraphs.delivery.models import PickupPoint
    from subgraphs.orders.models import Order
    from subgraphs.users.models import ExternalIdentity, ExternalLoginAttempt, User
    from subgraphs.wallet.models import Transaction

    columns = {
        "email": [User.email], "displayName": [User.display_name], "provider": [ExternalIdentity.provider, ExternalLoginAttempt.provider],
        "state": [ExternalLoginAttempt.state], "name": [Category.name, PickupPoint.name], "slug": [Category.slug],
        "CreateProductInput.name": [Product.name], "UpdateProductInput.name": [Product.name],
        "idempotencyKey": [Order.idempotency_key, Transaction.idempotency_key],
    }
    for field, stored in columns.items():
        for column in stored:
            assert MAX_LENGTH[field] <= column.type.length, (field, column)


async def test_permissions_answer_before_lengths(subgraphs: Subgraphs) -> None:
    """A stranger learns nothing about the limits: UNAUTHENTICATED / FORBIDDEN come first."""
    body = await send(subgraphs.catalog, CATEGORY, {"i": {"name": over("name"), "slug": "s"}})
    assert code_of(body) == "UNAUTHENTICATED", body
    body = await send(subgraphs.customer("catalog"), CATEGORY, {"i": {"name": over("name"), "slug": "s"}})
    assert code_of(body) == "FORBIDDEN", body
