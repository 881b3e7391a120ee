"""Search: Russian and English word forms, a typo, relevance tiers, and paging through them.

Each test searches inside its own category, so other tests' products never interfere.
"""

from __future__ import annotations

from typing import Any

from tests.catalog.support import PRODUCTS, make_category, make_product, names
from tests.conftest import GraphQLClient


async def test_russian_word_forms(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    await make_product(admin_client, category["id"], name="Кружки керамические", description="Набор из двух кружек")
    await make_product(admin_client, category["id"], name="Чайник электрический", description="Стальной корпус")
    for query in ("кружка", "Кружку", "керамическая кружка", "кружек"):
        assert await names(catalog, categoryId=category["id"], search=query) == ["Кружки керамические"], query
    assert await names(catalog, categoryId=category["id"], search="чайники") == ["Чайник электрический"]
    assert await names(catalog, categoryId=category["id"], search="ёлка") == []


async def test_english_word_forms(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    await make_product(admin_client, category["id"], name="Trail running shoes", description="Grippy soles")
    await make_product(admin_client, category["id"], name="Running jacket", description="Light and windproof")
    assert await names(catalog, categoryId=category["id"], search="shoe") == ["Trail running shoes"]
    assert await names(catalog, categoryId=category["id"], search="running shoes") == ["Trail running shoes"]
    assert await names(catalog, categoryId=category["id"], search="run shoe") == ["Trail running shoes"]
    assert set(await names(catalog, categoryId=category["id"], search="runs")) == {"Trail running shoes", "Running jacket"}
    assert await names(catalog, categoryId=category["id"], search="sole") == ["Trail running shoes"]
    assert await names(catalog, categoryId=category["id"], search='"running jacket"') == ["Running jacket"]
    assert await names(catalog, categoryId=category["id"], search="running -shoes") == ["Running jacket"]


async def test_a_typo_still_finds(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    await make_product(admin_client, category["id"], name="Wireless headphones", description="Noise cancelling")
    await make_product(admin_client, category["id"], name="Наушники беспроводные", description="Bluetooth 5.3")
    await make_product(admin_client, category["id"], name="Desk lamp", description="Warm light")
    assert await names(catalog, categoryId=category["id"], search="headphnes") == ["Wireless headphones"]
    assert await names(catalog, categoryId=category["id"], search="wireles headphones") == ["Wireless headphones"]
    assert await names(catalog, categoryId=category["id"], search="наушникии") == ["Наушники беспроводные"]
    assert await names(catalog, categoryId=category["id"], search="zzzqqq") == []


async def test_name_hits_rank_above_description_hits(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    await make_product(admin_client, category["id"], name="Studio headphones", description="Closed back")
    await make_product(admin_client, category["id"], name="Headphone stand", description="Walnut")
    # Newer, but the word is only in its description: ranked after both names.
    await make_product(admin_client, category["id"], name="Cable organiser", description="Keeps headphones tidy")
    await make_product(admin_client, category["id"], name="Desk mat", description="Felt")
    ranked = await names(catalog, categoryId=category["id"], search="headphones")
    assert ranked == ["Headphone stand", "Studio headphones", "Cable organiser"]
    # Another sort orders the same hits by its own key.
    assert await names(catalog, categoryId=category["id"], search="headphones", sort="NAME") == [
        "Cable organiser", "Headphone stand", "Studio headphones"
    ]


async def test_relevance_pages_cross_tiers_without_repeats(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    for i in range(3):
        await make_product(admin_client, category["id"], name=f"Enamel mug {i}", description="Camping")
        await make_product(admin_client, category["id"], name=f"Camp stove {i}", description="Pairs with an enamel mug")
    seen: list[str] = []
    after = None
    while True:
        variables: dict[str, Any] = {"first": 2, "after": after, "filter": {"categoryId": category["id"], "search": "mugs"}}
        page = (await catalog.data(PRODUCTS, variables))["products"]
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Enamel mug 2", "Enamel mug 1", "Enamel mug 0", "Camp stove 2", "Camp stove 1", "Camp stove 0"]


async def test_typo_results_page_too(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    for i in range(3):
        await make_product(admin_client, category["id"], name=f"Thermos flask {i}")
    first = (await catalog.data(PRODUCTS, {"first": 2, "filter": {"categoryId": category["id"], "search": "termos"}}))["products"]
    rest = await catalog.data(
        PRODUCTS, {"first": 2, "after": first["pageInfo"]["endCursor"], "filter": {"categoryId": category["id"], "search": "termos"}}
    )
    assert [e["node"]["name"] for e in first["edges"] + rest["products"]["edges"]] == ["Thermos flask 2", "Thermos flask 1", "Thermos flask 0"]
    assert rest["products"]["pageInfo"]["hasNextPage"] is False


async def test_blank_and_odd_searches_do_not_fail(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    await make_product(admin_client, category["id"], name="Plain notebook")
    assert await names(catalog, categoryId=category["id"], search="   ") == ["Plain notebook"]
    for odd in ("'", "\\", "a & b | !c", "(", "the", "note" * 100, "':* <->", '"unclosed'):
        body = await catalog.execute(PRODUCTS, {"filter": {"categoryId": category["id"], "search": odd}})
        assert "errors" not in body, (odd, body)
    # A NUL is no odd search but text PostgreSQL cannot hold: refused like anywhere else.
    body = await catalog.execute(PRODUCTS, {"filter": {"categoryId": category["id"], "search": "\x00note"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
