"""How a typed prefix is read against a lexicon word, and how suggestion slots are shared among words."""

from __future__ import annotations

import pytest

from subgraphs.catalog.prefixes import allocate, candidates, deletions, edit, lookup_keys


@pytest.mark.parametrize(
    ("prefix", "word", "reading"),
    [
        ("kett", "kettle", "exact"),
        ("ketle", "kettle", "dropped"),
        ("ktetl", "kettle", "swapped"),
        ("kettke", "kettle", "replaced"),
        ("kertt", "kettle", "inserted"),
        ("mugs", "mug", "inserted"),  # a letter too many after the whole word
        ("чайнк", "чайник", "dropped"),
        ("ktelt", "kettle", None),  # two edits
        ("ke", "kettle", "exact"),
        ("kz", "kettle", None),  # too short to forgive a typo
    ],
)
def test_each_reading(prefix: str, word: str, reading: str | None) -> None:
    assert edit(prefix, word) == reading


def test_the_keys_of_a_typo_meet_those_the_migration_gives_its_word() -> None:
    def prefix_keys(word: str) -> set[str]:  # as catalog.prefix_keys (migration 0006) computes them
        heads = [word[:m] for m in range(2, min(len(word), 10) + 1)]
        return set(heads) | {k for head in heads if len(head) >= 4 for k in deletions(head)}

    for typed in ("ketle", "ktetlebe", "kettke", "kertt", "kettlebelk", "kettleblel"):
        assert set(lookup_keys(typed)) & prefix_keys("kettlebell"), typed


def test_a_dropped_letter_outweighs_an_inserted_one() -> None:
    # "rganz": "raganz" with a letter dropped, or "ganz…" with one inserted; the first is likelier.
    found = candidates("rganz", [("ganzel", 40), ("raganzel", 35)], 2)
    assert [(c.word, c.reading) for c in found] == [("raganzel", "dropped"), ("ganzel", "inserted")]


def test_slots_follow_the_weights() -> None:
    assert allocate([100.0, 1.0], [20, 20], 8) == [0] * 8  # a dominant word takes every slot
    assert allocate([10.0, 10.0, 10.0], [5, 5, 1], 6) == [0, 1, 2, 0, 1, 0]  # alike words take turns
    assert allocate([5.0], [2], 8) == [0, 0]  # no more than the word has
