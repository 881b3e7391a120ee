"""Pickup points: anyone lists them, only an admin adds one, and the saga looks them up internally."""

from __future__ import annotations

import uuid

from tests.conftest import GraphQLClient, unique
from tests.delivery.conftest import CREATE_POINT
from tests.delivery.support import ADDRESS_INPUT, Saga

PICKUP_POINTS = "{ pickupPoints { id name openingHours address { city postalCode apartment } } }"


async def test_admin_adds_a_pickup_point_that_everyone_sees(admin: GraphQLClient, delivery: GraphQLClient) -> None:
    name = unique("Kazan depot")
    created = (
        await admin.data(CREATE_POINT, {"input": {"name": f"  {name} ", "address": {**ADDRESS_INPUT, "city": " Kazan "}}})
    )["createPickupPoint"]
    assert created["errors"] == []
    point = created["pickupPoint"]
    assert point["name"] == name and point["openingHours"] is None
    assert point["address"] == {"recipient": "Depot", "city": "Kazan", "street": "Sovetskaya", "postalCode": "170100"}
    listed = {p["id"]: p for p in (await delivery.data(PICKUP_POINTS))["pickupPoints"]}
    assert listed[point["id"]]["name"] == name
    assert listed[point["id"]]["address"] == {"city": "Kazan", "postalCode": "170100", "apartment": None}


async def test_pickup_points_are_listed_by_name(delivery: GraphQLClient) -> None:
    names = [p["name"] for p in (await delivery.data(PICKUP_POINTS))["pickupPoints"]]
    assert names == sorted(names)


async def test_bad_input_is_invalid_input(admin: GraphQLClient) -> None:
    blank_city = (await admin.data(CREATE_POINT, {"input": {"name": unique(), "address": {**ADDRESS_INPUT, "city": "  "}}}))
    errors = blank_city["createPickupPoint"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_INPUT", "address")]
    assert blank_city["createPickupPoint"]["pickupPoint"] is None
    blank_name = (await admin.data(CREATE_POINT, {"input": {"name": "   ", "address": ADDRESS_INPUT}}))["createPickupPoint"]
    assert [(e["code"], e["field"]) for e in blank_name["errors"]] == [("INVALID_INPUT", "name")]


async def test_only_an_admin_adds_pickup_points(customer: GraphQLClient, delivery: GraphQLClient) -> None:
    variables = {"input": {"name": unique(), "address": ADDRESS_INPUT}}
    refused = await customer.execute(CREATE_POINT, variables)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None
    anonymous = await delivery.execute(CREATE_POINT, variables)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    forged = await delivery.as_("not-a-token").execute(PICKUP_POINTS)
    assert forged["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_saga_looks_up_a_pickup_point(saga: Saga, pickup_point: dict[str, str]) -> None:
    found = await saga.pickup_point(pickup_point["id"])
    assert found.status_code == 200 and found.json() == {"id": pickup_point["id"], "name": pickup_point["name"]}
    for missing in (str(uuid.uuid4()), "not-a-uuid"):
        answer = await saga.pickup_point(missing)
        assert answer.status_code == 404 and answer.json()["error"] == "NOT_FOUND"
