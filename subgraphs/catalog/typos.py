"""Typo tolerance for full-text search: each query word widened to the lexicon words one edit away.

The lexicon (`catalog.lexicon`, kept by triggers) holds every word of live product names with its
symmetric-delete keys: the word and each deletion of one letter. A one-edit typo shares a key with
its word (a dropped, inserted or replaced letter, or two swapped neighbours: deleting one of the two
from both leaves the same string), so candidates are a GIN lookup, checked by `catalog.one_edit`.

A word of TYPO_MIN letters or more (or one fewer: one may be dropped) that is not itself a name word becomes `(word | c1 | c2 | c3)`:
itself (it may be a description word) and the most common candidates. A real word is never
widened. The lookup is a scalar subquery inside the search statement, so it costs no statement.
"""

from __future__ import annotations

import re
import string

from sqlalchemy import ColumnElement, Text, exists, func, literal, literal_column, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY

from .models import TS_CONFIG, LexiconWord

L = LexiconWord.__table__
WORD = re.compile(r"\w+")
#: Meilisearch and Typesense allow one typo from five letters; shorter words have too many neighbours.
TYPO_MIN = 5
#: How many corrections a word may widen to, most common first.
CANDIDATES = 3
CONFIG = literal_column(f"'{TS_CONFIG}'::regconfig")


def word_keys(word: str) -> list[str]:
    """The word and each deletion of one letter (as catalog.word_keys computes them)."""
    return sorted({word, *(word[:i] + word[i + 1 :] for i in range(len(word)))})


def plain_words(search: str) -> list[str] | None:
    """The blank-separated terms of a plain-words search, or None when it uses websearch syntax."""
    words = WORD.findall(search)
    if not words or any(w.lower() == "or" for w in words) or '"' in search or re.search(r"(?<!\w)-", search):
        return None
    return search.split()


def _literal(value: str) -> ColumnElement[str]:
    # Rendered into the text, as search.py does with every value, so each query gets its own plan.
    return literal(value, Text, literal_execute=True)


def _keys(word: str) -> ColumnElement[list[str]]:
    return literal(word_keys(word), ARRAY(Text), literal_execute=True)


def word_query(term: str) -> ColumnElement[object]:
    """The tsquery of one term: itself, or for a long word not in the lexicon, it or its corrections."""
    word = term.strip(string.punctuation).lower()
    if len(word) < TYPO_MIN - 1 or not word.isalpha():
        # "5.3", "t-shirt", "usb-c": parsed exactly as the whole search would have been.
        return func.websearch_to_tsquery(CONFIG, _literal(term))
    candidates = (
        select(L.c.word)
        .where(
            L.c["keys"].op("&&")(_keys(word)),
            func.catalog.one_edit(L.c.word, _literal(word)),
            ~exists().where(L.c.word == _literal(word)),
            # A four-letter typo may be a five-letter word with one letter dropped, nothing shorter.
            *([func.length(L.c.word) >= TYPO_MIN] if len(word) < TYPO_MIN else []),
        )
        .order_by(L.c.products.desc(), L.c.word)
        .limit(CANDIDATES)
    )
    options = union_all(select(_literal(word).label("word")), candidates).subquery("options")
    # websearch syntax: `a or b or c`, and never a syntax error whatever the lexicon holds.
    return select(func.websearch_to_tsquery(CONFIG, func.string_agg(options.c.word, " or "))).scalar_subquery()


def corrected(terms: list[str]) -> tuple[ColumnElement[object], ColumnElement[object]]:
    """All the words (AND) and any one of them (OR), each widened to its corrections."""
    queries = [word_query(term) for term in terms]
    every, anyone = queries[0], queries[0]
    for query in queries[1:]:
        every, anyone = every.op("&&")(query), anyone.op("||")(query)
    return every, anyone
