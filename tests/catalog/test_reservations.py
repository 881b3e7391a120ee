"""The order saga's internal routes into the catalog: lookup, reserve, commit, release — and their races.

Every number is read back from the products table itself (on_hand, reserved), so a test can tell
"answered 200" from "moved the stock once". Each test makes its own products and order ids.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from subgraphs.common.errors import ErrorCode
from subgraphs.common.internal import SERVICE_HEADER, InternalClient
from subgraphs.common.settings import Settings
from subgraphs.orders.remote import HttpRemote, Line, PricedLine, ProductInfo, Refused
from tests.catalog.support import make_category, make_product
from tests.conftest import GraphQLClient, statements
from tests.internal_client import Answer, InternalRoutes

UPDATE_PRODUCT = """
mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { errors { code } } }"""
DELETE_PRODUCT = "mutation($id: ID!) { deleteProduct(id: $id) { errors { code } } }"
ADJUST_STOCK = """
mutation($id: ID!, $delta: Int!) { adjustStock(productId: $id, delta: $delta) { product { stock } errors { code } } }"""


class Stock(InternalRoutes):
    """The catalog's internal routes, called as the orders subgraph calls them."""

    async def lookup(self, ids: list[Any]) -> Answer:
        return await self.post("/internal/products/lookup", {"ids": [str(i) for i in ids]})

    async def reserve(self, order_id: uuid.UUID, *lines: tuple[str, int]) -> Answer:
        body = {"order_id": str(order_id), "lines": [{"product_id": p, "quantity": q} for p, q in lines]}
        return await self.post("/internal/reservations", body)

    async def commit(self, order_id: uuid.UUID) -> Answer:
        return await self.post(f"/internal/reservations/{order_id}/commit")

    async def release(self, order_id: uuid.UUID) -> Answer:
        return await self.post(f"/internal/reservations/{order_id}/release")


@pytest.fixture
def stock(catalog: GraphQLClient, settings: Settings) -> Stock:
    return Stock(catalog.http, settings.resolved_service_token())


@pytest.fixture
async def shelf(admin_client: GraphQLClient) -> str:
    """A category of this test's own."""
    return str((await make_category(admin_client))["id"])


async def product(admin: GraphQLClient, category_id: str, on_hand: int, **fields: Any) -> str:
    return str((await make_product(admin, category_id, stock=on_hand, **fields))["id"])


async def levels(engine: AsyncEngine, product_id: str) -> tuple[int, int]:
    """(on_hand, reserved) as stored."""
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT on_hand, reserved FROM catalog.products WHERE id = :id"), {"id": product_id})).one()
    return row.on_hand, row.reserved


async def states(engine: AsyncEngine, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT order_id, state FROM catalog.reservations WHERE order_id = ANY(:ids)"), {"ids": order_ids}
        )
        return {row.order_id: row.state for row in rows}


async def held(engine: AsyncEngine, product_id: str) -> int:
    """What the RESERVED reservations hold of a product, by their own lines."""
    async with engine.connect() as conn:
        total = await conn.scalar(
            text(
                "SELECT coalesce(sum(l.quantity), 0) FROM catalog.reservation_lines l "
                "JOIN catalog.reservations r USING (order_id) WHERE r.state = 'RESERVED' AND l.product_id = :id"
            ),
            {"id": product_id},
        )
    return int(total)


# --- the credential and malformed bodies -------------------------------------------------------


async def test_every_route_needs_the_service_credential(
    stock: Stock, catalog_engine: AsyncEngine, admin_client: GraphQLClient, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 5)
    order_id = uuid.uuid4()
    calls = [
        ("/internal/products/lookup", {"ids": [pid]}),
        ("/internal/reservations", {"order_id": str(order_id), "lines": [{"product_id": pid, "quantity": 1}]}),
        (f"/internal/reservations/{order_id}/commit", None),
        (f"/internal/reservations/{order_id}/release", None),
    ]
    for path, body in calls:
        for token in ("", "forged-token"):
            assert await stock.as_(token).post(path, body) == (401, {"error": "UNAUTHENTICATED"}), path
    assert await levels(catalog_engine, pid) == (5, 0)
    assert await states(catalog_engine, [order_id]) == {}  # not even a tombstone


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/internal/products/lookup", {}),
        ("/internal/products/lookup", {"ids": "not a list"}),
        ("/internal/products/lookup", {"ids": ["not-a-uuid"]}),
        ("/internal/products/lookup", {"ids": [42]}),
        ("/internal/products/lookup", {"ids": [str(uuid.uuid4()) for _ in range(201)]}),
        ("/internal/reservations", {"lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]}),
        ("/internal/reservations", {"order_id": "nope", "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4())}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": []}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": ["x"]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": [{"product_id": "x", "quantity": 1}]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": [{"product_id": str(uuid.uuid4())}]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": [{"product_id": str(uuid.uuid4()), "quantity": 0}]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": [{"product_id": str(uuid.uuid4()), "quantity": -2}]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1.5}]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": [{"product_id": str(uuid.uuid4()), "quantity": "2"}]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": [{"product_id": str(uuid.uuid4()), "quantity": True}]}),
        ("/internal/reservations", {"order_id": str(uuid.uuid4()), "lines": [{"product_id": str(uuid.uuid4()), "quantity": 2**31}]}),
        ("/internal/reservations/not-a-uuid/commit", None),
        ("/internal/reservations/not-a-uuid/release", None),
    ],
)
async def test_malformed_bodies_are_invalid_input(stock: Stock, path: str, body: dict[str, Any] | None) -> None:
    status, answer = await stock.post(path, body)
    assert (status, answer["error"]) == (400, "INVALID_INPUT"), answer
    assert answer["message"]


async def test_not_json_is_invalid_input(stock: Stock) -> None:
    response = await stock.http.post(
        "/internal/reservations", content=b"{not json", headers={SERVICE_HEADER: stock.token, "content-type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["error"] == "INVALID_INPUT"


async def test_merged_lines_beyond_the_column_are_invalid(stock: Stock, admin_client: GraphQLClient, shelf: str) -> None:
    pid = await product(admin_client, shelf, 5)
    status, answer = await stock.reserve(uuid.uuid4(), (pid, 2**31 - 1), (pid, 1))
    assert (status, answer["error"]) == (400, "INVALID_INPUT")


# --- lookup ----------------------------------------------------------------------------------


async def test_lookup_answers_known_products_deleted_ones_flagged(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    kept = await product(admin_client, shelf, 8, name="Kept kettle", price="12.50")
    gone = await product(admin_client, shelf, 3, name="Gone grinder", price="7")
    await admin_client.data(DELETE_PRODUCT, {"id": gone})
    unknown = uuid.uuid4()
    assert (await stock.reserve(uuid.uuid4(), (kept, 3)))[0] == 200

    with statements(catalog_engine) as sent:
        status, answer = await stock.lookup([unknown, gone, kept, kept])
    assert status == 200
    assert answer == {
        "products": [
            {"id": gone, "name": "Gone grinder", "price": "7.00", "stock": 3, "deleted": True},
            {"id": kept, "name": "Kept kettle", "price": "12.50", "stock": 5, "deleted": False},  # 8 on hand, 3 reserved
        ]
    }
    assert len(sent) == 1, sent

    assert await stock.lookup([]) == (200, {"products": []})
    assert await stock.lookup([uuid.uuid4() for _ in range(200)]) == (200, {"products": []})


# --- reserve, commit, release ---------------------------------------------------------------------


async def test_reserve_commit_release_move_stock_exactly(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    mug = await product(admin_client, shelf, 10, name="Mug", price="3.40")
    pot = await product(admin_client, shelf, 5, name="Teapot", price="25.00")
    order_id = uuid.uuid4()

    # Two lines of one product are merged; the answer keeps the request's order.
    status, answer = await stock.reserve(order_id, (pot, 2), (mug, 1), (mug, 2))
    assert status == 200
    assert answer == {
        "lines": [
            {"product_id": pot, "quantity": 2, "name": "Teapot", "unit_price": "25.00"},
            {"product_id": mug, "quantity": 3, "name": "Mug", "unit_price": "3.40"},
        ]
    }
    assert (await levels(catalog_engine, mug), await levels(catalog_engine, pot)) == ((10, 3), (5, 2))
    stocks = {p["id"]: p["stock"] for p in (await stock.lookup([mug, pot]))[1]["products"]}
    assert stocks == {mug: 7, pot: 3}

    assert await stock.commit(order_id) == (200, {"status": "COMMITTED"})
    assert (await levels(catalog_engine, mug), await levels(catalog_engine, pot)) == ((7, 0), (3, 0))
    assert await stock.commit(order_id) == (200, {"status": "COMMITTED"})  # a replay moves nothing
    assert (await levels(catalog_engine, mug), await levels(catalog_engine, pot)) == ((7, 0), (3, 0))
    # A replayed reserve of a committed order answers the same lines and takes nothing.
    assert await stock.reserve(order_id, (pot, 2), (mug, 3)) == (200, answer)
    assert (await levels(catalog_engine, mug), await levels(catalog_engine, pot)) == ((7, 0), (3, 0))

    # Cancelled after confirmation: the goods return to the shelf, once.
    assert await stock.release(order_id) == (200, {"status": "RELEASED"})
    assert (await levels(catalog_engine, mug), await levels(catalog_engine, pot)) == ((10, 0), (5, 0))
    assert await stock.release(order_id) == (200, {"status": "RELEASED"})
    assert (await levels(catalog_engine, mug), await levels(catalog_engine, pot)) == ((10, 0), (5, 0))

    status, refused = await stock.commit(order_id)
    assert (status, refused["error"]) == (409, "INVALID_STATE")
    status, refused = await stock.reserve(order_id, (pot, 2), (mug, 3))
    assert (status, refused["error"]) == (409, "CANCELLED")
    assert (await levels(catalog_engine, mug), await levels(catalog_engine, pot)) == ((10, 0), (5, 0))
    assert await states(catalog_engine, [order_id]) == {order_id: "RELEASED"}


async def test_release_of_a_held_reservation_frees_it_once(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 10)
    order_id, other = uuid.uuid4(), uuid.uuid4()
    assert (await stock.reserve(other, (pid, 2)))[0] == 200
    assert (await stock.reserve(order_id, (pid, 4)))[0] == 200
    assert await levels(catalog_engine, pid) == (10, 6)

    assert await stock.release(order_id) == (200, {"status": "RELEASED"})
    assert await levels(catalog_engine, pid) == (10, 2)
    assert await stock.release(order_id) == (200, {"status": "RELEASED"})
    assert await levels(catalog_engine, pid) == (10, 2)  # the other order's 2 stay held

    assert (await stock.commit(order_id))[1]["error"] == "INVALID_STATE"
    assert (await stock.reserve(order_id, (pid, 4)))[1]["error"] == "CANCELLED"
    assert await levels(catalog_engine, pid) == (10, 2)


async def test_release_before_reserve_leaves_a_tombstone(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 4)
    order_id = uuid.uuid4()
    assert await stock.release(order_id) == (200, {"status": "RELEASED"})
    assert await states(catalog_engine, [order_id]) == {order_id: "RELEASED"}
    assert await stock.release(order_id) == (200, {"status": "RELEASED"})

    status, answer = await stock.reserve(order_id, (pid, 1))
    assert (status, answer["error"]) == (409, "CANCELLED") and answer["message"]
    assert await levels(catalog_engine, pid) == (4, 0)
    assert (await stock.commit(order_id))[1]["error"] == "INVALID_STATE"


async def test_commit_of_an_unknown_order_is_invalid_state(stock: Stock, catalog_engine: AsyncEngine) -> None:
    order_id = uuid.uuid4()
    status, answer = await stock.commit(order_id)
    assert (status, answer["error"]) == (409, "INVALID_STATE") and answer["message"]
    assert await states(catalog_engine, [order_id]) == {}


async def test_a_deleted_product_sold_then_cancelled_gets_its_stock_back(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 5)
    order_id = uuid.uuid4()
    assert (await stock.reserve(order_id, (pid, 2)))[0] == 200
    assert (await stock.commit(order_id))[0] == 200
    assert await levels(catalog_engine, pid) == (3, 0)
    await admin_client.data(DELETE_PRODUCT, {"id": pid})
    assert await stock.release(order_id) == (200, {"status": "RELEASED"})
    assert await levels(catalog_engine, pid) == (5, 0)


async def test_a_held_reservation_of_a_deleted_product_can_still_commit_and_release(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 5)
    sold, dropped = uuid.uuid4(), uuid.uuid4()
    assert (await stock.reserve(sold, (pid, 2)))[0] == 200
    assert (await stock.reserve(dropped, (pid, 1)))[0] == 200
    await admin_client.data(DELETE_PRODUCT, {"id": pid})
    assert (await stock.commit(sold))[0] == 200
    assert (await stock.release(dropped))[0] == 200
    assert await levels(catalog_engine, pid) == (3, 0)


async def test_refusals_reserve_nothing_across_lines(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    first, second = sorted([await product(admin_client, shelf, 5), await product(admin_client, shelf, 5)])
    # The short line is the last one taken (lines go in product id order): the first must be rolled back.
    await admin_client.data(ADJUST_STOCK, {"id": second, "delta": -4})
    order_id = uuid.uuid4()
    status, answer = await stock.reserve(order_id, (second, 2), (first, 3))
    assert status == 409
    assert (answer["error"], answer["product_id"]) == ("OUT_OF_STOCK", second) and answer["message"]
    assert (await levels(catalog_engine, first), await levels(catalog_engine, second)) == ((5, 0), (1, 0))
    assert await states(catalog_engine, [order_id]) == {}  # a refusal leaves no claim behind

    gone = await product(admin_client, shelf, 5)
    await admin_client.data(DELETE_PRODUCT, {"id": gone})
    unknown = str(uuid.uuid4())
    for missing in (gone, unknown):
        status, answer = await stock.reserve(order_id, (first, 1), (missing, 1))
        assert status == 409
        assert (answer["error"], answer["product_id"]) == ("PRODUCT_UNAVAILABLE", missing) and answer["message"]
    assert (await levels(catalog_engine, first), await levels(catalog_engine, gone)) == ((5, 0), (5, 0))

    # Refused orders were never claimed: the same order reserves once the stock is there.
    await admin_client.data(ADJUST_STOCK, {"id": second, "delta": 1})
    assert (await stock.reserve(order_id, (second, 2), (first, 3)))[0] == 200
    assert (await levels(catalog_engine, first), await levels(catalog_engine, second)) == ((5, 3), (2, 2))


async def test_a_replay_answers_as_first_recorded(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 6, name="Old name", price="10.00")
    order_id = uuid.uuid4()
    first = await stock.reserve(order_id, (pid, 2))
    assert first == (200, {"lines": [{"product_id": pid, "quantity": 2, "name": "Old name", "unit_price": "10.00"}]})

    # The product changes and its stock runs out: the replay still answers the first record, taking nothing.
    changed = await admin_client.data(UPDATE_PRODUCT, {"id": pid, "input": {"name": "New name", "price": "99.99"}})
    assert changed["updateProduct"]["errors"] == []
    assert (await stock.reserve(uuid.uuid4(), (pid, 4)))[0] == 200
    assert await levels(catalog_engine, pid) == (6, 6)
    assert await stock.reserve(order_id, (pid, 2)) == first
    assert await stock.reserve(order_id, (pid, 1), (pid, 1)) == first  # the same lines, split
    assert await levels(catalog_engine, pid) == (6, 6)

    # A new order gets the current name and price.
    await admin_client.data(ADJUST_STOCK, {"id": pid, "delta": 1})
    fresh = await stock.reserve(uuid.uuid4(), (pid, 1))
    assert fresh == (200, {"lines": [{"product_id": pid, "quantity": 1, "name": "New name", "unit_price": "99.99"}]})

    # The same order id with other lines is another request reusing the key.
    status, answer = await stock.reserve(order_id, (pid, 3))
    assert (status, answer["error"]) == (409, "CONFLICT")
    assert await levels(catalog_engine, pid) == (7, 7)


async def test_adjust_stock_never_goes_below_what_is_reserved(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 10)
    assert (await stock.reserve(uuid.uuid4(), (pid, 4)))[0] == 200
    refused = (await admin_client.data(ADJUST_STOCK, {"id": pid, "delta": -7}))["adjustStock"]
    assert refused["errors"] == [{"code": "INVALID_INPUT"}]
    assert (await admin_client.data(ADJUST_STOCK, {"id": pid, "delta": -6}))["adjustStock"]["product"] == {"stock": 0}
    assert await levels(catalog_engine, pid) == (4, 4)
    status, answer = await stock.reserve(uuid.uuid4(), (pid, 1))
    assert (status, answer["error"]) == (409, "OUT_OF_STOCK")


# --- races --------------------------------------------------------------------------------------


async def test_concurrent_reservations_never_oversell(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 7)
    orders = [uuid.uuid4() for _ in range(20)]
    answers = await asyncio.gather(*(stock.reserve(o, (pid, 1)) for o in orders))
    assert sorted(status for status, _ in answers) == [200] * 7 + [409] * 13
    assert {a["error"] for status, a in answers if status == 409} == {"OUT_OF_STOCK"}
    assert await levels(catalog_engine, pid) == (7, 7)
    assert (await stock.lookup([pid]))[1]["products"][0]["stock"] == 0
    won = [o for o, (status, _) in zip(orders, answers) if status == 200]
    assert await states(catalog_engine, orders) == {o: "RESERVED" for o in won}
    assert await held(catalog_engine, pid) == 7


async def test_concurrent_multi_line_reservations_never_oversell_nor_deadlock(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pids = [await product(admin_client, shelf, 6) for _ in range(3)]
    rng = random.Random(7)
    orders = [uuid.uuid4() for _ in range(20)]
    # Each order takes the three products in its own order: only a fixed lock order keeps them from deadlocking.
    requests = [[(p, 1) for p in rng.sample(pids, 3)] for _ in orders]
    answers = await asyncio.gather(*(stock.reserve(o, *lines) for o, lines in zip(orders, requests)))
    assert sorted(status for status, _ in answers) == [200] * 6 + [409] * 14
    for pid in pids:
        assert await levels(catalog_engine, pid) == (6, 6)


async def test_reserve_racing_its_release_ends_consistent(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 200)
    rng = random.Random(11)
    raced = [uuid.uuid4() for _ in range(30)]
    kept = [uuid.uuid4() for _ in range(5)]

    async def race(order_id: uuid.UUID) -> Answer:
        answers: dict[str, Answer] = {}

        async def call(name: str, request: Any) -> None:
            answers[name] = await request

        calls = [
            call("reserve", stock.reserve(order_id, (pid, 2))),
            call("release", stock.release(order_id)),
            call("release again", stock.release(order_id)),
        ]
        rng.shuffle(calls)  # both orders of arrival
        await asyncio.gather(*calls)
        assert answers["release"] == answers["release again"] == (200, {"status": "RELEASED"})
        return answers["reserve"]

    outcomes = await asyncio.gather(
        *(race(o) for o in raced), *(stock.reserve(o, (pid, 3)) for o in kept), *(stock.reserve(o, (pid, 3)) for o in kept)
    )
    for status, answer in outcomes[: len(raced)]:
        # Either reserved (then released by the release), or refused as cancelled (the release came first).
        assert (status, answer.get("error")) in ((200, None), (409, "CANCELLED")), answer
    assert all(status == 200 for status, _ in outcomes[len(raced) :])

    assert await states(catalog_engine, raced + kept) == {**{o: "RELEASED" for o in raced}, **{o: "RESERVED" for o in kept}}
    # Nothing stuck in reserved, nothing given back twice: only the kept orders hold stock.
    assert await levels(catalog_engine, pid) == (200, 15)
    assert await held(catalog_engine, pid) == 15


async def test_concurrent_replays_reserve_once(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 20)
    order_id = uuid.uuid4()
    answers = await asyncio.gather(*(stock.reserve(order_id, (pid, 3)) for _ in range(10)))
    assert all(a == answers[0] for a in answers) and answers[0][0] == 200
    assert await levels(catalog_engine, pid) == (20, 3)


async def test_concurrent_releases_give_back_once(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 20)
    held_order, sold_order, keeper = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for order_id in (held_order, sold_order, keeper):
        assert (await stock.reserve(order_id, (pid, 3)))[0] == 200
    assert (await stock.commit(sold_order))[0] == 200
    assert await levels(catalog_engine, pid) == (17, 6)

    answers = await asyncio.gather(*(stock.release(o) for o in (held_order, sold_order) for _ in range(10)))
    assert all(a == (200, {"status": "RELEASED"}) for a in answers)
    # The held 3 freed once, the sold 3 back on the shelf once; the keeper's 3 stay held.
    assert await levels(catalog_engine, pid) == (20, 3)


async def test_concurrent_commits_and_releases_of_one_order_end_consistent(
    stock: Stock, admin_client: GraphQLClient, catalog_engine: AsyncEngine, shelf: str
) -> None:
    pid = await product(admin_client, shelf, 50)
    orders = [uuid.uuid4() for _ in range(10)]
    for order_id in orders:
        assert (await stock.reserve(order_id, (pid, 2)))[0] == 200
    assert await levels(catalog_engine, pid) == (50, 20)
    answers = await asyncio.gather(*(call(o) for o in orders for call in (stock.commit, stock.commit, stock.release)))
    assert {(status, a.get("status") or a.get("error")) for status, a in answers} <= {
        (200, "COMMITTED"), (409, "INVALID_STATE"), (200, "RELEASED")
    }
    # Committed then released, or released then refused to commit: every item back on the shelf either way.
    assert await levels(catalog_engine, pid) == (50, 0)
    assert await states(catalog_engine, orders) == {o: "RELEASED" for o in orders}


# --- the caller ---------------------------------------------------------------------------------


async def test_the_orders_remote_speaks_this_contract(
    catalog_app: tuple[Starlette, GraphQLClient],
    settings: Settings,
    admin_client: GraphQLClient,
    catalog_engine: AsyncEngine,
    shelf: str,
) -> None:
    """`subgraphs.orders.remote.HttpRemote`, as the saga uses it, against these routes."""
    pid = uuid.UUID(await product(admin_client, shelf, 5, name="Via the saga", price="19.90"))
    client = InternalClient(settings, transport=httpx.ASGITransport(app=catalog_app[0]))
    remote = HttpRemote(client)
    try:
        found = await remote.products([pid, uuid.uuid4()])
        assert found == {pid: ProductInfo(pid, "Via the saga", Decimal("19.90"), 5, False)}
        order_id = uuid.uuid4()
        priced = await remote.reserve(order_id, [Line(pid, 2)])
        assert priced == [PricedLine(pid, 2, "Via the saga", Decimal("19.90"))]
        assert await remote.reserve(order_id, [Line(pid, 2)]) == priced
        await remote.commit(order_id)
        await remote.commit(order_id)
        assert await levels(catalog_engine, str(pid)) == (3, 0)
        await remote.release(order_id)
        await remote.release(order_id)
        assert await levels(catalog_engine, str(pid)) == (5, 0)
        with pytest.raises(Refused) as refused:
            await remote.reserve(uuid.uuid4(), [Line(pid, 6)])
        assert refused.value.code == ErrorCode.OUT_OF_STOCK
        with pytest.raises(Refused) as refused:
            await remote.commit(uuid.uuid4())
        assert refused.value.code == ErrorCode.INVALID_STATE
    finally:
        await client.aclose()
