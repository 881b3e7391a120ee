"""Search-as-you-type: a prefix completed to product names and categories, forgiving one typo.

Two statements, each bounded whatever the catalog's size:
1. The last word typed (a prefix) becomes the few real words it most likely begins, exact or with
   one typo (a letter dropped, inserted, replaced, two neighbours swapped): one GIN lookup of the
   lexicon's prefix keys, checked and weighed in Python (`prefixes.py`); the categories come along.
2. For each of those words, the best few live products whose name holds it, among its samples
   (`catalog.word_samples`, the first 20 holders of each name word, kept by triggers, migration
   0006: primary-key reads, where the word's posting list in the name's full-text index has up to
   84k entries at a million products), in one `UNION ALL`. With words typed before it (whole
   words), the first few hits of the full-text index holding them all instead. The products are
   never searched by the prefix itself, so a two-letter prefix costs what a word does, and a typo
   what its correction does.

Best first: categories whose name starts with the text (or a later word of it), then products, the
slots shared among the words by their weight (a dominant word takes most, words alike take turns);
within a word, a name that starts with the text first, then one in stock, then the shorter (ranked
within the first few hits of the word); then categories within one typo.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from subgraphs.common.errors import bad_user_input

from .models import TS_CONFIG
from .prefixes import EXACT, Candidate, allocate, candidates, edit, fold, lookup_keys
from .search import SHOWN, reading

MAX_FIRST = 20
MIN_PREFIX = 2
MAX_PREFIX = 100
#: Products ranked per word wanted: the rank needs no sort over every hit of a common word, and
#: reads a handful of rows for the one product a word usually gets.
POOL_PER_PRODUCT = 4
POOL_MIN = 8
#: Lexicon rows read for one prefix at most, most common first (a four-letter typo shares keys
#: with about a thousand words; a two-letter prefix begins a few thousand).
WORDS_READ = 2000
#: Words to try when earlier whole words narrow the products: the likeliest may hold none of them.
WORDS_NARROWED = 20
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    product: Any = None  # a products row
    category: Any = None  # a categories row


# Parameters, not values rendered into the SQL: each statement is one of a few texts, prepared once
# per connection, and every plan here is an index lookup whatever the values.
_WORDS = (
    "SELECT name, products, NULL::uuid AS id, NULL::text AS slug FROM ("
    "SELECT word AS name, products FROM catalog.lexicon WHERE prefix_keys && CAST(:keys AS text[]) {only} "
    "ORDER BY products DESC, word LIMIT :read) AS found "
    "UNION ALL SELECT name, 0, id, slug FROM catalog.categories"
)
#: A prefix too short for typos: only the words it begins.
_BEGUN = "AND starts_with(replace(word, 'ё', 'е'), :prefix)"


def _words_and_categories(last: str) -> tuple[TextClause, dict[str, Any]]:
    """The lexicon words whose prefix keys meet the typed prefix's, most common first, and every
    category (a few rows), in one statement: a round trip costs more than either on a busy machine."""
    keys = lookup_keys(last)
    if len(keys) == 1:
        # Exact words only, most common first: no more than a suggestion list can use.
        return _statement(_WORDS.format(only=_BEGUN)), {"keys": keys, "read": WORDS_NARROWED, "prefix": last}
    return _statement(_WORDS.format(only="")), {"keys": keys, "read": WORDS_READ}


@functools.lru_cache(maxsize=8)
def _statement(sql: str) -> TextClause:
    return text(sql)


_COLUMNS = ", ".join(f"p.{c.name}" for c in SHOWN)
_SAMPLED = (
    f"SELECT {_COLUMNS} FROM catalog.word_samples AS s JOIN catalog.products AS p ON p.id = s.product_id "
    # The name is checked again: a sample can outlive its word when a rename races a refill.
    "WHERE s.word = :word{i} AND p.deleted_at IS NULL AND :word{i} IN (SELECT catalog.name_words(p.name)) LIMIT :pool{i}"
)
_NARROWED = (
    f"SELECT {_COLUMNS} FROM catalog.products AS p WHERE p.deleted_at IS NULL "
    f"AND p.name_tsv @@ (plainto_tsquery('{TS_CONFIG}'::regconfig, :done) && plainto_tsquery('{TS_CONFIG}'::regconfig, :word{{i}})) "
    "LIMIT :pool{i}"
)
_RANKED = (
    "SELECT *, {i} AS word FROM (SELECT * FROM ({hits}) AS p "
    "ORDER BY starts_with(replace(lower(p.name), 'ё', 'е'), :head{i}) DESC, p.on_hand > p.reserved DESC, length(p.name), p.name, p.id "
    "LIMIT :limit{i}) AS best{i}"
)


@functools.lru_cache(maxsize=2 * MAX_FIRST + 2)
def _best(parts: int, narrowed: bool) -> TextClause:
    """For each of `parts` words, its best live products: among its samples, or (narrowed by words
    typed before it) among the first few hits of the full-text index holding them all, as samples
    rarely hold the other words. Written as SQL text, one per shape: building it from SQLAlchemy
    constructs cost more Python than the rest of a suggestion."""
    hits = _NARROWED if narrowed else _SAMPLED
    return text(" UNION ALL ".join(_RANKED.format(i=i, hits=hits.format(i=i)) for i in range(parts)))


async def _products(connection: AsyncConnection, done: list[str], last: str, words: list[Candidate], slots: int) -> list[Any]:
    """Products for the chosen words, in the order their slots fall (see `allocate`)."""
    if done:
        wanted = [slots] * len(words)  # the lexicon's counts say nothing of products with the done words too
    else:
        order = allocate([w.score for w in words], [w.products for w in words], slots)
        wanted = [order.count(i) for i in range(len(words))]
    asked = [(i, w, n) for i, (w, n) in enumerate(zip(words, wanted, strict=True)) if n]
    if not asked:
        return []
    params: dict[str, Any] = {"done": " ".join(done)} if done else {}
    for part, (_, w, n) in enumerate(asked):
        params[f"word{part}"] = w.word
        params[f"head{part}"] = " ".join([*done, last if w.reading == EXACT else fold(w.word)])
        params[f"limit{part}"] = n
        params[f"pool{part}"] = max(POOL_MIN, POOL_PER_PRODUCT * n)
    by_word: list[list[Any]] = [[] for _ in words]
    for row in await connection.execute(_best(len(asked), bool(done)), params):
        by_word[asked[row.word][0]].append(row)
    order = allocate([w.score for w in words], [len(rows) for rows in by_word], slots * 2)
    taken = [0] * len(words)
    found: list[Any] = []
    for i in order:
        found.append(by_word[i][taken[i]])
        taken[i] += 1
    return found


def _category_rank(text: str, name: str, slug: str) -> int | None:
    """0: the name starts with the text, 1: a later word does, 2: within one typo; None: no match."""
    words = WORD.findall(fold(name)) + slug.split("-")
    tails = [" ".join(words[i:]) for i in range(len(words))]
    if tails and tails[0].startswith(text):
        return 0
    if any(tail.startswith(text) for tail in tails):
        return 1
    if any(edit(text, tail) is not None for tail in tails):
        return 2
    return None


async def suggest(db: async_sessionmaker[AsyncSession], prefix: str, first: int) -> list[Suggestion]:
    """Up to `first` suggestions for what is typed, best first."""
    if first < 0 or first > MAX_FIRST:
        raise bad_user_input(f"`first` must be between 0 and {MAX_FIRST}.")
    words = WORD.findall(fold(prefix[:MAX_PREFIX]))
    text = " ".join(words)
    if len(text) < MIN_PREFIX or first == 0:
        return []
    done, last = words[:-1], words[-1]
    async with reading(db) as connection:
        rows = list(await connection.execute(*_words_and_categories(last)))
        categories = sorted((row for row in rows if row.id is not None), key=lambda row: (row.name, row.id))
        chosen = candidates(last, ((row.name, row.products) for row in rows if row.id is None), WORDS_NARROWED if done else first)
        products = await _products(connection, done, last, chosen, first) if chosen else []
    ranked = sorted(((rank, row) for row in categories if (rank := _category_rank(text, row.name, row.slug)) is not None), key=lambda x: x[0])
    found = [Suggestion(row.name, category=row) for rank, row in ranked if rank < 2]
    found += [Suggestion(row.name, product=row) for row in products]
    found += [Suggestion(row.name, category=row) for rank, row in ranked if rank == 2]
    unique: list[Suggestion] = []
    seen: set[tuple[str, bool]] = set()
    for suggestion in found:
        key = (fold(suggestion.text), suggestion.category is not None)
        if key not in seen:
            seen.add(key)
            unique.append(suggestion)
    return unique[:first]
