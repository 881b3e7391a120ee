"""Demo data: two pickup points, added once, even by two replicas starting together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from shop.migrate import migrate_all
from subgraphs.common.settings import Settings
from subgraphs.delivery.app import build
from subgraphs.delivery.seed import DEMO_POINTS, seed_demo
from tests.conftest import GraphQLClient, serve

PICKUP_POINTS = "{ pickupPoints { name openingHours address { city street postalCode } } }"


async def test_seed_demo_adds_two_pickup_points_once(fresh_database: Callable[[str], str], settings: Settings) -> None:
    # Its own database: the shared one already has pickup points from other tests.
    url = await asyncio.to_thread(fresh_database, "delivery_seed")
    await asyncio.to_thread(migrate_all, url, ("delivery",))
    assert sorted(await asyncio.gather(seed_demo(url), seed_demo(url))) == [False, True]
    assert await seed_demo(url) is False
    async with serve(build(settings.model_copy(update={"database_url": url}), background=False)) as http:
        points = (await GraphQLClient(http).data(PICKUP_POINTS))["pickupPoints"]
    assert [p["name"] for p in points] == sorted(p["name"] for p in DEMO_POINTS)
    assert {p["address"]["city"] for p in points} == {"Moscow", "Saint Petersburg"}
    assert all(p["openingHours"] and p["address"]["street"] and p["address"]["postalCode"] for p in points)
