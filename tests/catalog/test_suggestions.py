"""`searchSuggestions`: a prefix completed to product names and categories, one typo forgiven."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.catalog.support import make_category, make_product
from tests.conftest import GraphQLClient, eventually

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
    # Another module's made-up word may lie within one typo of the prefix: it may follow, never lead.
    assert [s["product"]["id"] for s in found][:3] == [english["first"]["id"], english["gone"]["id"], english["later"]["id"]]
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
    # Another module's category may lie within one typo of four letters: it may follow, never lead.
    assert [s["category"]["id"] for s in found if s["category"]][:1] == [shelf["id"]]
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


RENAME = "mutation($id: ID!, $name: String!) { updateProduct(id: $id, input: {name: $name}) { errors { code } } }"
DELETE = "mutation($id: ID!) { deleteProduct(id: $id) { errors { code } } }"


async def test_a_renamed_or_deleted_product_leaves_the_suggestions(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    # Seven letters: a shorter random prefix may, one typo away, begin another test's random word.
    shelf = await make_category(admin_client)
    old, new = "v" + word(), "w" + word()
    product = await make_product(admin_client, shelf["id"], name=f"{old.title()} vase")
    assert [s["product"]["id"] for s in await suggest(catalog, old[:7])] == [product["id"]]
    assert (await admin_client.data(RENAME, {"id": product["id"], "name": f"{new.title()} vase"}))["updateProduct"]["errors"] == []
    assert await suggest(catalog, old[:7]) == []
    assert await suggest(catalog, old[:2] + old[3:8]) == []  # nor through a typo of the old word
    assert [s["text"] for s in await suggest(catalog, new[:7])] == [f"{new.title()} vase"]
    assert (await admin_client.data(DELETE, {"id": product["id"]}))["deleteProduct"]["errors"] == []
    assert await suggest(catalog, new[:7]) == []
    assert await suggest(catalog, new[:3] + new[4] + new[3] + new[5:8]) == []


async def test_a_sample_whose_product_no_longer_holds_the_word_is_not_shown(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    """As a refill racing a rename can leave it (the refill read the name before the rename committed)."""
    shelf = await make_category(admin_client)
    held = "x" + word()
    holder = await make_product(admin_client, shelf["id"], name=f"{held.title()} jug, large and blue")
    # Another word that begins the same, and a shorter name: it would rank first under `held` too.
    other = await make_product(admin_client, shelf["id"], name=f"{held.title()}q bowl")
    async with catalog_engine.begin() as connection:
        await connection.execute(text("INSERT INTO catalog.word_samples (word, product_id) VALUES (:w, :p)"), {"w": held, "p": other["id"]})
    found = [s["product"]["id"] for s in await suggest(catalog, held[:7])]
    assert sorted(found) == sorted([holder["id"], other["id"]]), found


async def test_a_word_held_by_many_products_keeps_suggesting_after_deletions(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    # More holders than a word keeps samples of: a deleted sample hands its place to another holder.
    shelf = await make_category(admin_client)
    tag = "y" + word()
    for i in range(24):
        await make_product(admin_client, shelf["id"], name=f"{tag} rug {i:02d}")
    shown = await suggest(catalog, tag[:6], 20)
    assert len(shown) == 20
    gone = [s["product"]["id"] for s in shown[:6]]
    for id_ in gone:
        assert (await admin_client.data(DELETE, {"id": id_}))["deleteProduct"]["errors"] == []
    after = await suggest(catalog, tag[:6], 20)
    assert len(after) == 18 and not {s["product"]["id"] for s in after} & set(gone)


async def test_typos_after_whole_words_and_folded_letters(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    shelf = await make_category(admin_client)
    tag = "z" + word()
    kettle = await make_product(admin_client, shelf["id"], name=f"{tag.title()} kettle")
    found = await suggest(catalog, f"{tag} ktetle")  # a whole word, then a typo in the word being typed
    assert [s["product"]["id"] for s in found if s["product"]] == [kettle["id"]]
    yellow = "ё" + word("бвгджзклмнпрстфхцчшщ")
    lamp = await make_product(admin_client, shelf["id"], name=f"Лампа {yellow} жёлтая")
    # ё typed as е (as most shoppers do) and the other way round.
    assert [s["product"]["id"] for s in await suggest(catalog, "е" + yellow[1:6])] == [lamp["id"]]
    assert lamp["id"] in [s["product"]["id"] for s in await suggest(catalog, f"лампа {yellow[:6]}")]


async def test_a_common_word_outweighs_a_rare_one_one_typo_away(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    # "<tag>ab" typed: the products of the word it begins come first, a rarer word one typo away after.
    shelf = await make_category(admin_client)
    tag = "j" + word()[:5]
    common = [await make_product(admin_client, shelf["id"], name=f"{tag}abc mat {i}") for i in range(3)]
    rare = await make_product(admin_client, shelf["id"], name=f"{tag}xbc mat")
    found = [s["product"]["id"] for s in await suggest(catalog, f"{tag}ab")]
    assert set(found[:3]) == {p["id"] for p in common} and found[3:] == [rare["id"]]


async def test_one_statement_deleting_many_holders_refills_the_word_from_the_rest(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    # A DELETE of many rows counts each word down and refills it once for the statement (not once
    # per row): the word is still suggested, from the holders that are left, never from a deleted one,
    # and leaves the lexicon with its last holder.
    shelf, other = await make_category(admin_client), await make_category(admin_client)
    tag = "x" + word()
    kept = {(await make_product(admin_client, other["id"], name=f"{tag} lamp kept {i}"))["id"] for i in range(3)}
    insert = text(
        "INSERT INTO catalog.products (id, name, price, category_id, on_hand) "
        "SELECT gen_random_uuid(), :tag || ' lamp bulk ' || i, 10, :category, 1 FROM generate_series(1, 3000) AS i"
    )
    async with catalog_engine.begin() as conn:
        await conn.execute(insert, {"tag": tag, "category": uuid.UUID(shelf["id"])})
    assert len(await suggest(catalog, tag[:7], 20)) == 20
    async with catalog_engine.begin() as conn:
        await conn.execute(text("DELETE FROM catalog.products WHERE category_id = :c"), {"c": uuid.UUID(shelf["id"])})

    async def only_the_rest() -> bool:  # anonymous answers are cached until the change's NOTIFY lands
        return {s["product"]["id"] for s in await suggest(catalog, tag[:7], 20) if s["product"]} == kept

    await eventually(only_the_rest)
    async with catalog_engine.connect() as conn:  # the lexicon counted the statement's rows down once each
        held = (await conn.execute(text("SELECT products FROM catalog.lexicon WHERE word = :w"), {"w": tag})).scalar_one()
        assert held == 3
        await conn.execute(text("DELETE FROM catalog.products WHERE category_id = :c"), {"c": uuid.UUID(other["id"])})
        assert (await conn.execute(text("SELECT count(*) FROM catalog.lexicon WHERE word = :w"), {"w": tag})).scalar_one() == 0
        await conn.rollback()
