"""Malformed ids, forged cursors and odd amounts, straight at each subgraph: never "Internal error"."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import unique
from tests.security.input_support import (  # noqa: F401 (migrated, subgraphs and ids are fixtures)
    ADD, BALANCE, CANCEL, CREATE, code_of, DELETE, PLACE, PRODUCT, READ, STATUS, STOCK, TOP_UP, UPDATE, Subgraphs, cursor, ids,
    migrated, payload_error, product_input, refused, registered, send, subgraphs,
)

MALFORMED = ["not-a-uuid", "", "١٢٣٤٥٦٧٨-١٢٣٤-١٢٣٤-١٢٣٤-١٢٣٤٥٦٧٨٩٠١٢", "{" * 40 + "}", "123"]
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename %s } }"


@pytest.mark.parametrize("bad", MALFORMED, ids=["word", "empty", "arabic-indic", "braces", "short"])
async def test_malformed_ids_read_as_nothing(subgraphs: Subgraphs, bad: str) -> None:
    admin_users, _ = await registered(subgraphs.users)
    reads: list[tuple[Any, str, str]] = [
        (subgraphs.catalog, "query($id: ID!) { product(id: $id) { id } }", "product"),
        (admin_users, "query($id: ID!) { user(id: $id) { id } }", "user"),
        (subgraphs.admin("orders"), "query($id: ID!) { order(id: $id) { id } }", "order"),
    ]
    for client, query, field in reads:
        body = await send(client, query, {"id": bad})
        assert body == {"data": {field: None}} or field == "user", body
    # Every entity type of every subgraph: null for what the subgraph owns, a stub with empty fields otherwise.
    entities = [
        ("catalog", "Product", "... on Product { id }", None),
        ("catalog", "Category", "... on Category { id }", None),
        ("users", "User", "... on User { id }", None),
        ("wallet", "User", "... on User { wallet { id } }", {"__typename": "User", "wallet": None}),
        ("orders", "Order", "... on Order { id }", None),
        ("orders", "User", "... on User { orders { edges { cursor } } }", {"__typename": "User", "orders": {"edges": []}}),
        ("delivery", "PickupPoint", "... on PickupPoint { id }", None),
        ("delivery", "Order", "... on Order { delivery { id } }", {"__typename": "Order", "delivery": None}),
    ]
    for name, typename, selection, expected in entities:
        client = admin_users if name == "users" else subgraphs.admin(name)
        body = await send(client, ENTITIES % selection, {"r": [{"__typename": typename, "id": bad}]})
        assert body == {"data": {"_entities": [expected]}}, (name, typename, body)


async def test_odd_representations_are_bad_user_input_on_every_subgraph(subgraphs: Subgraphs) -> None:
    for name, typename in [("catalog", "Product"), ("users", "User"), ("wallet", "User"), ("orders", "Order"), ("delivery", "PickupPoint")]:
        client = subgraphs.users if name == "users" else subgraphs.admin(name)  # users' entities are anyone's
        for representation in [{"__typename": typename}, {"__typename": "Nope", "id": "x"}, {"__typename": "Query", "id": "x"}]:
            body = await send(client, ENTITIES % "", {"r": [representation]})
            refused(body)
            assert body["data"] == {"_entities": [None]}, body
        # Ids of the wrong JSON type name nothing either.
        for odd in (5, None, {"a": 1}, ["x"], True):
            body = await send(client, ENTITIES % "", {"r": [{"__typename": typename, "id": odd}]})
            assert "Internal error" not in str(body) and not body.get("errors") or code_of(body) == "BAD_USER_INPUT", body


async def test_malformed_ids_in_mutations_are_not_found_or_invalid(subgraphs: Subgraphs, ids: dict[str, str]) -> None:
    admin, customer = subgraphs.admin("catalog"), subgraphs.customer("orders")
    payload_error(await send(admin, UPDATE, {"id": "nope", "i": {"name": "N"}}), "id", "NOT_FOUND")
    payload_error(await send(admin, DELETE, {"id": "nope"}), "id", "NOT_FOUND")
    payload_error(await send(admin, STOCK, {"id": "nope"}), "productId", "NOT_FOUND")
    payload_error(await send(admin, CREATE, {"i": product_input("nope")}), "categoryId")
    payload_error(await send(customer, ADD, {"id": "nope"}), "productId", "NOT_FOUND")
    payload_error(await send(customer, CANCEL, {"id": "nope"}), "id", "NOT_FOUND")
    pickup = {"idempotencyKey": unique(), "delivery": {"method": "PICKUP", "pickupPointId": "nope"}}
    payload_error(await send(customer, PLACE, {"i": pickup}), "delivery.pickupPointId")
    payload_error(await send(subgraphs.admin("delivery"), STATUS, {"id": "nope"}), "orderId", "NOT_FOUND")
    payload_error(await send(subgraphs.customer("notifications"), READ, {"ids": ["nope"]}), "ids")
    body = await send(subgraphs.catalog, "query($c: ID) { products(filter: {categoryId: $c}) { edges { cursor } } }", {"c": "nope"})
    refused(body)
    body = await send(subgraphs.admin("orders"), "query($u: ID) { orders(filter: {userId: $u}) { edges { cursor } } }", {"u": "nope"})
    assert body == {"data": {"orders": {"edges": []}}}, body


NOW = {"t": datetime.now(UTC).isoformat()}
ID = {"u": str(uuid.uuid4())}
#: Well-formed JSON of the wrong types for a (created_at, id) key.
FORGED = [
    ["x", "y"], [1, 2], [None, None], [True, ID], [NOW, "not-a-uuid"], [NOW, {"d": "1"}], [{"t": "2020-01-01T00:00:00"}, ID],
    [{"d": "NaN"}, ID], [NOW, ID, 3], [NOW], {"t": NOW}, "x", [{"t": "x"}, ID], [{"u": "x"}, ID], [[NOW], ID], [1.5, ID],
]


async def connections(subgraphs: Subgraphs) -> list[tuple[Any, str]]:
    """Every connection but the catalog's, as a client that may read it, with `$a` as its `after`."""
    return [
        (subgraphs.customer("wallet"), "query($a: String) { myWallet { transactions(after: $a) { edges { cursor } } } }"),
        (subgraphs.customer("orders"), "query($a: String) { myOrders(after: $a) { edges { cursor } } }"),
        (subgraphs.admin("orders"), "query($a: String) { orders(after: $a) { edges { cursor } } }"),
        (subgraphs.admin("orders"), 'query($a: String) { _entities(representations: [{__typename: "User", id: "%s"}]) '
         "{ ... on User { orders(after: $a) { edges { cursor } } } } }" % uuid.uuid4()),
        (subgraphs.admin("delivery"), "query($a: String) { deliveries(after: $a) { edges { cursor } } }"),
        (subgraphs.customer("notifications"), "query($a: String) { myNotifications(after: $a) { edges { cursor } } }"),
        (subgraphs.catalog, "query($a: String) { products(after: $a) { edges { cursor } } }"),
    ]


async def test_forged_cursors_are_bad_user_input_on_every_connection(subgraphs: Subgraphs, users_admin: Any) -> None:
    targets = [*(await connections(subgraphs)), (users_admin, "query($a: String) { users(after: $a) { edges { cursor } } }")]
    for client, query in targets:
        for parts in FORGED:
            forged = cursor(*parts) if isinstance(parts, list) else cursor(parts)[:-1] + "x"
            refused(await send(client, query, {"a": forged}))
        refused(await send(client, query, {"a": base64.urlsafe_b64encode(b"[" * 20_000).decode()}))  # nested beyond reason (yet within the body limit)


@pytest.mark.parametrize("sort", ["NEWEST", "NAME", "PRICE_ASC", "PRICE_DESC", "RELEVANCE"])
async def test_forged_cursors_are_bad_user_input_for_every_sort(subgraphs: Subgraphs, sort: str) -> None:
    search = "lamp" if sort == "RELEVANCE" else None
    query = "query($a: String, $s: ProductSort, $q: String) { products(after: $a, sort: $s, filter: {search: $q}) { edges { cursor } } }"
    mode = "name" if sort == "RELEVANCE" else "all"
    keys = [5, {"d": "1e999"}, {"d": "NaN"}, {"d": "-Infinity"}, "a\x00b", "a\ud800", "z" * 2000, {"t": "2020-01-01T00:00:00"}, None, [1]]
    for key in keys + ([] if sort == "NAME" else ["x"]):  # a NAME cursor holds text
        for parts in ([sort, mode, key, ID], [sort, mode, NOW, "x"], [5, mode, key, ID], [sort, None, key, ID]):
            refused(await send(subgraphs.catalog, query, {"a": cursor(*parts), "s": sort, "q": search}))


@pytest.fixture(scope="module")
async def users_admin(subgraphs: Subgraphs, db: Any) -> Any:
    """A real administrator session of users (it checks that the session behind a token lives)."""
    from subgraphs.users.service import ensure_admin

    await ensure_admin(db, "root@example.com", "admin-password")
    body = await subgraphs.users.data('mutation { login(input: {email: "root@example.com", password: "admin-password"}) { accessToken } }')
    return subgraphs.users.as_(body["login"]["accessToken"])


#: Spellings Python's Decimal takes and the API must not; JSON numbers; blanks; exponents; signs.
ODD_AMOUNTS: list[Any] = [
    "1_000", "١٠٠", "１００", "100\n", " 100", "+100", "1e3", "1E+3", "100.", ".5", "NaN", "Infinity", "-0", "0x10",
    "10.001", "", "٣.٥٠", 100, 100.5, True, None, [], {}, "0", "0.00", "-5",
]


@pytest.mark.parametrize("amount", ODD_AMOUNTS, ids=[repr(a) for a in ODD_AMOUNTS])
async def test_only_one_spelling_of_an_amount_is_taken(subgraphs: Subgraphs, ids: dict[str, str], amount: Any) -> None:
    me = uuid.uuid4()
    wallet = subgraphs.customer("wallet", me)
    body = await send(wallet, TOP_UP, {"i": {"amount": amount, "idempotencyKey": unique()}})
    if amount is None:  # `amount: Decimal!`: GraphQL itself refuses a null
        assert body["errors"] and body.get("data") is None, body
    else:
        payload_error(body, "amount")
    assert (await wallet.data(BALANCE))["myWallet"]["balance"]["amount"] == "0.00"
    admin = subgraphs.admin("catalog")
    if amount is not None:
        payload_error(await send(admin, CREATE, {"i": product_input(ids["category"], price=amount)}), "price")
        payload_error(await send(admin, UPDATE, {"id": ids["product"], "i": {"name": "Changed", "price": amount}}), "price")
    product = (await admin.data(PRODUCT, {"id": ids["product"]}))["product"]
    assert (product["name"], product["price"]["amount"]) == ("Target", "10.00")


@pytest.mark.parametrize("literal", ['"1_000"', "1000", "10.5", '"abc"', '"１００"', "true", "[1]", "{a: 1}", "ENUM"])
async def test_an_inline_amount_is_as_clear_as_a_variable(subgraphs: Subgraphs, literal: str) -> None:
    wallet = subgraphs.customer("wallet")
    body = await send(wallet, 'mutation { topUpWallet(input: {amount: %s, idempotencyKey: "%s"}) { errors { code field } } }' % (literal, unique()))
    payload_error(body, "amount")
    assert (await wallet.data(BALANCE))["myWallet"]["balance"]["amount"] == "0.00"


async def test_canonical_amounts_still_work(subgraphs: Subgraphs) -> None:
    wallet = subgraphs.customer("wallet")
    for amount in ("1", "0.50", "007.5"):
        body = await send(wallet, TOP_UP, {"i": {"amount": amount, "idempotencyKey": unique()}})
        assert body["data"]["topUpWallet"]["errors"] == [], body
    assert (await wallet.data(BALANCE))["myWallet"]["balance"]["amount"] == "9.00"
