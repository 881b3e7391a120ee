"""`searchSuggestions`: a prefix completed to product names and categories, one typo forgiven."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.catalog.support import make_category, make_product
from tests.conftest import GraphQLClient

SUGGEST = """
query($prefix: String!, $first: Int) {
  searchSuggestions(prefix: $prefix, first: $first) { text product { id name stock } category { id slug } }
}"""


def word(letters: str = "bcdfghjklmnpqrstvwxz") -> str:
    """A made-up word of nine letters no other product holds."""
    return "".join(random.choice(letters) for _ in range(9))


async def suggest(client: GraphQLClient, prefix: str, first: int | None = None) -> list[dict[str, Any]]:
    variables: dict[str, Any] = {"prefix": prefix}
    if first is not None:
        variables["first"] = first
    found: list[dict[str, Any]] = (await client.data(SUGGEST, variables))["searchSuggestions"]
    return found


@pytest.fixture(scope="module")
async def english(admin_client: GraphQLClient) -> dict[str, Any]:
    shelf = await make_category(admin_client)
    tag = "q" + word()
    first = await make_product(admin_client, shelf["id"], name=f"{tag.title()} kettle, white")
    later = await make_product(admin_client, shelf["id"], name=f"Electric {tag} kettle")
    gone = await make_product(admin_client, shelf["id"], name=f"{tag.title()} kettle, none left", stock=0)
    return {"tag": tag, "first": first, "later": later, "gone": gone, "shelf": shelf}


async def test_a_prefix_completes_to_product_names_best_first(catalog: GraphQLClient, english: dict[str, Any]) -> None:
    tag = english["tag"]
    found = await suggest(catalog, tag[:5].upper())
    # The names that start with the text first (in stock before sold out), then a later word's.
    assert [s["product"]["id"] for s in found] == [english["first"]["id"], english["gone"]["id"], english["later"]["id"]]
    assert found[0]["text"] == english["first"]["name"] and found[0]["category"] is None
    # Words typed before the last one are whole words; the last may be cut.
    both = await suggest(catalog, f"{tag} kett")
    assert {s["product"]["id"] for s in both} == {english["first"]["id"], english["gone"]["id"], english["later"]["id"]}
    assert await suggest(catalog, f"{tag} mugs") == []


@pytest.mark.parametrize(
    "typo",
    [
        lambda w: w[:2] + w[3:7],  # a letter dropped
        lambda w: w[:3] + w[4] + w[3] + w[5:7],  # two neighbours swapped
        lambda w: w[:3] + ("a" if w[3] != "a" else "e") + w[4:7],  # a letter replaced
        lambda w: w[:3] + "o" + w[3:6],  # a letter inserted
    ],
)
async def test_one_typo_is_forgiven(catalog: GraphQLClient, english: dict[str, Any], typo: Any) -> None:
    found = await suggest(catalog, typo(english["tag"]))
    assert english["first"]["id"] in [s["product"]["id"] for s in found if s["product"]]


async def test_russian_names_and_typos(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    shelf = await make_category(admin_client)
    tag = "ж" + word("бвгджзклмнпрстфхцчшщ")
    product = await make_product(admin_client, shelf["id"], name=f"Чайник {tag} электрический")
    assert [s["product"]["id"] for s in await suggest(catalog, tag[:4])] == [product["id"]]
    assert [s["product"]["id"] for s in await suggest(catalog, f"чайник {tag[:6]}")] == [product["id"]]
    swapped = tag[:2] + tag[3] + tag[2] + tag[4:7]
    assert product["id"] in [s["product"]["id"] for s in await suggest(catalog, swapped)]


async def test_categories_are_suggested(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    tag = word()
    shelf = await make_category(admin_client, f"Полка {tag.title()}")
    found = await suggest(catalog, tag[:4])
    assert [s["category"]["id"] for s in found if s["category"]] == [shelf["id"]]
    assert found[0]["text"] == f"Полка {tag.title()}" and found[0]["product"] is None
    typo = tag[:2] + tag[3] + tag[2] + tag[4:6]
    assert shelf["id"] in [s["category"]["id"] for s in await suggest(catalog, typo) if s["category"]]


async def test_limits(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    shelf = await make_category(admin_client)
    tag = "x" + word()
    for i in range(25):
        await make_product(admin_client, shelf["id"], name=f"{tag} lamp {i:02d}")
    assert len(await suggest(catalog, tag[:6])) == 8  # the default
    assert len(await suggest(catalog, tag[:6], 20)) == 20
    assert len(await suggest(catalog, tag[:6], 1)) == 1
    assert await suggest(catalog, tag[:6], 0) == []
    assert await suggest(catalog, tag[:1]) == []  # one letter says too little
    assert await suggest(catalog, "  ") == []
    for bad in (21, -1):
        body = await catalog.execute(SUGGEST, {"prefix": tag, "first": bad})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
