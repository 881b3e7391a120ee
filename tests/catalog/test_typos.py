"""Typo tolerance: each kind of one-edit typo in Russian and English finds its word, real words are
not corrected, and the lexicon follows products as they are created, renamed and deleted.

Words here are used by no other test, so the shared lexicon holds them only from these products.
"""

from __future__ import annotations


import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.catalog.support import PRODUCTS, make_category, make_product, names
from tests.conftest import GraphQLClient, statements

UPDATE_PRODUCT = "mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { errors { code } } }"
DELETE_PRODUCT = "mutation($id: ID!) { deleteProduct(id: $id) { deletedId errors { code } } }"


def one_edit_typos(word: str) -> dict[str, str]:
    """One typo of each kind, in the middle of the word (first letters are rarely mistyped)."""
    i = len(word) // 2
    other = "o" if word.isascii() else "о"
    other = "a" if word[i] == other or word[i + 1] == other else other
    if not word.isascii():
        other = "а" if other == "a" else other
    return {
        "dropped": word[:i] + word[i + 1 :],
        "inserted": word[:i] + other + word[i:],
        "replaced": word[:i] + other + word[i + 1 :],
        "swapped": word[:i] + word[i + 1] + word[i] + word[i + 2 :],
    }


@pytest.mark.parametrize(
    ("name", "searched"),
    [("Camping lantern", "lantern"), ("Походный фонарик", "фонарик"), ("Cordless screwdriver", "screwdriver"), ("Садовая тачка", "садовая")],
)
async def test_each_kind_of_typo_finds_the_word(admin_client: GraphQLClient, catalog: GraphQLClient, name: str, searched: str) -> None:
    category = await make_category(admin_client)
    await make_product(admin_client, category["id"], name=name)
    await make_product(admin_client, category["id"], name="Something else entirely")
    for kind, typo in one_edit_typos(searched).items():
        assert typo != searched
        assert await names(catalog, categoryId=category["id"], search=typo) == [name], (kind, typo)
        # With a correct word beside it, and in capitals: still the one product.
        other_word = name.split()[0] if name.split()[1].lower() == searched else name.split()[1]
        assert await names(catalog, categoryId=category["id"], search=f"{other_word} {typo.upper()}") == [name], (kind, typo)


async def test_real_words_are_not_corrected(admin_client: GraphQLClient, catalog: GraphQLClient) -> None:
    category = await make_category(admin_client)
    # Each pair is one edit apart, and both are real name words.
    for name in ("Cable holder", "Table runner", "Деревянная ложка", "Надувная лодка"):
        await make_product(admin_client, category["id"], name=name)
    assert await names(catalog, categoryId=category["id"], search="cable") == ["Cable holder"]
    assert await names(catalog, categoryId=category["id"], search="table") == ["Table runner"]
    assert await names(catalog, categoryId=category["id"], search="ложка") == ["Деревянная ложка"]
    assert await names(catalog, categoryId=category["id"], search="лодка") == ["Надувная лодка"]
    # A typo one edit from both finds both.
    assert set(await names(catalog, categoryId=category["id"], search="xable")) <= {"Cable holder", "Table runner"}
    assert await names(catalog, categoryId=category["id"], search="cablle") == ["Cable holder"]


async def _lexicon(engine: AsyncEngine, *words: str) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT word, products FROM catalog.lexicon WHERE word = ANY(:words)"), {"words": list(words)}
        )
        return {row.word: row.products for row in rows}


async def test_the_lexicon_follows_create_rename_and_delete(
    admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine
) -> None:
    category = await make_category(admin_client)
    first = await make_product(admin_client, category["id"], name="Zephyrine kite")
    second = await make_product(admin_client, category["id"], name="Zephyrine glider")
    assert await _lexicon(catalog_engine, "zephyrine", "kite", "glider") == {"zephyrine": 2, "kite": 1, "glider": 1}
    assert set(await names(catalog, categoryId=category["id"], search="zephyrnie")) == {"Zephyrine kite", "Zephyrine glider"}

    body = await admin_client.data(UPDATE_PRODUCT, {"id": first["id"], "input": {"name": "Marigolde kite"}})
    assert body["updateProduct"]["errors"] == []
    assert await _lexicon(catalog_engine, "zephyrine", "marigolde", "kite") == {"zephyrine": 1, "marigolde": 1, "kite": 1}
    assert await names(catalog, categoryId=category["id"], search="marigodle") == ["Marigolde kite"]

    body = await admin_client.data(DELETE_PRODUCT, {"id": second["id"]})
    assert body["deleteProduct"]["errors"] == []
    # The last product with a word takes the word out: a typo of it no longer widens to anything.
    assert await _lexicon(catalog_engine, "zephyrine", "glider", "marigolde") == {"marigolde": 1}
    assert await names(catalog, categoryId=category["id"], search="zephyrnie") == []


async def test_a_typo_page_costs_one_statement(admin_client: GraphQLClient, catalog: GraphQLClient, catalog_engine: AsyncEngine) -> None:
    category = await make_category(admin_client)
    for i in range(3):
        await make_product(admin_client, category["id"], name=f"Periscope model {i}")
    with statements(catalog_engine) as sent:
        page = await catalog.data(PRODUCTS, {"first": 2, "filter": {"categoryId": category["id"], "search": "perisocpe"}})
        assert len(page["products"]["edges"]) == 2
        filled = len(sent)
        # A page the name tier cannot fill goes on to the description tier: one statement more.
        assert len(await names(catalog, categoryId=category["id"], search="perisocpe")) == 3
    # The lexicon lookup rides inside the search statement: it costs none of its own.
    assert (filled, len(sent) - filled) == (1, 2), sent
