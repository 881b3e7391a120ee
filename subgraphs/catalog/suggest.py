"""Search-as-you-type: a prefix completed to product names and categories, forgiving one typo.

The index is the name's full-text vector (`ix_products_name_tsv`, GIN), whose entry tree is sorted
by lexeme: a prefix query (`'kett':*`) is a range read of that tree plus the posting lists it
finds, so it costs the same in a thousand products or a million and needs no table of its own.
The last word typed is a prefix; the words before it are whole words. The prefix is matched both
stemmed and as typed: a complete word ("kettle") matches its stem (`kettl`), a partial one
("kettl") matches as typed.

Typos: only when the exact prefix finds too few, every one-edit variant of the last word (a letter
dropped, inserted, replaced or two neighbours swapped; about 300 for five letters) becomes one
prefix term of a single OR query. Each term is one descent of the lexeme tree and most find
nothing, so the fallback stays a few milliseconds (bench/suggestions.py).

Best first: categories whose name starts with the text, product names (a name that starts with the
text, then one in stock, then the shorter), then the typo matches in the same order. Products are
ranked within the first POOL index hits: the rank needs no sort over every hit of a short prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, func, literal_column, select
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.errors import bad_user_input

from .models import TS_CONFIG, Category, Product
from .search import SHOWN, _constant, reading

C = Category.__table__
P = Product.__table__
MAX_FIRST = 20
MIN_PREFIX = 2
MAX_PREFIX = 100
#: Typos are forgiven from this many letters of the last word (fewer letters say too little).
TYPO_FROM = 4
POOL = 200
#: The typo fallback's time budget: a suggestion later than this is no use to someone typing.
TYPO_BUDGET_MS = 300
WORD = re.compile(r"[^\W_]+")
LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюя"


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    product: Any = None  # a products row
    category: Any = None  # a categories row


def _fold(value: str) -> str:
    return value.casefold().replace("ё", "е")


def variants(word: str) -> set[str]:
    """Every string one edit from `word`: a letter dropped, inserted, replaced, or two neighbours swapped."""
    alphabet = CYRILLIC if re.search("[а-я]", word) else LATIN
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + ch + b[1:] for a, b in splits if b for ch in alphabet}
    out |= {a + ch + b for a, b in splits for ch in alphabet}
    out.discard(word)
    return out


def _query(done: list[str], prefixes: set[str]) -> Any:
    """Whole words AND any of the prefixes, each matched stemmed and as typed."""
    terms = " | ".join(f"'{p}':*" for p in sorted(prefixes))
    last = func.to_tsquery(literal_column(f"'{TS_CONFIG}'::regconfig"), _constant(terms)).op("||")(
        func.to_tsquery(literal_column("'simple'::regconfig"), _constant(terms))
    )
    if not done:
        return last
    words = func.to_tsquery(literal_column(f"'{TS_CONFIG}'::regconfig"), _constant(" & ".join(f"'{w}'" for w in done)))
    return words.op("&&")(last)


def _products(text: str, done: list[str], prefixes: set[str], limit: int) -> Any:
    pool = (
        select(*SHOWN)
        .where(P.c.deleted_at.is_(None), P.c.name_tsv.bool_op("@@")(_query(done, prefixes)))
        .limit(_constant(POOL, Integer))
        .subquery("pool")
    )
    q = pool.c
    starts = func.starts_with(func.replace(func.lower(q.name), "ё", "е"), _constant(text))
    return (
        select(*(q[c.name] for c in SHOWN))
        .order_by(starts.desc(), (q.on_hand > q.reserved).desc(), func.length(q.name), q.name, q.id)
        .limit(_constant(limit, Integer))
    )


async def _typos(db: async_sessionmaker[AsyncSession], statement: Any) -> list[Any]:
    """The typo query, index-only and within TYPO_BUDGET_MS; past the budget, no typo suggestions.

    With hundreds of OR'd prefix terms the planner overestimates the hits and may pick a scan of
    the whole table that evaluates every term on every row: seconds at a million products when
    the variants match little. The index path is bounded by the variants' hits instead.
    """
    try:
        async with db() as session, session.begin():
            await session.execute(sql("SET LOCAL enable_seqscan = off"))
            await session.execute(sql(f"SET LOCAL statement_timeout = {TYPO_BUDGET_MS}"))
            return list(await session.execute(statement))
    except DBAPIError as error:
        if getattr(getattr(error.orig, "__cause__", None), "sqlstate", None) == "57014":  # query_canceled
            return []
        raise


def _distance_at_most_one(a: str, b: str) -> bool:
    """Whether one edit (drop, insert, replace, swap of neighbours) or none turns a into b."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _category_rank(text: str, name: str, slug: str) -> int | None:
    """0: the name starts with the text, 1: a later word does, 2: within one typo; None: no match."""
    words = WORD.findall(_fold(name)) + slug.split("-")
    tails = [" ".join(words[i:]) for i in range(len(words))]
    if tails and tails[0].startswith(text):
        return 0
    if any(tail.startswith(text) for tail in tails):
        return 1
    if len(text) >= TYPO_FROM and any(_distance_at_most_one(text, tail[: n]) for tail in tails for n in (len(text) - 1, len(text), len(text) + 1)):
        return 2
    return None


async def suggest(db: async_sessionmaker[AsyncSession], prefix: str, first: int) -> list[Suggestion]:
    """Up to `first` suggestions for what is typed, best first."""
    if first < 0 or first > MAX_FIRST:
        raise bad_user_input(f"`first` must be between 0 and {MAX_FIRST}.")
    words = WORD.findall(_fold(prefix[:MAX_PREFIX]))
    text = " ".join(words)
    if len(text) < MIN_PREFIX or first == 0:
        return []
    done, last = words[:-1], words[-1]
    async with reading(db) as session:
        categories = list(await session.execute(select(C).order_by(C.c.name, C.c.id)))
        ranked = sorted(((rank, row) for row in categories if (rank := _category_rank(text, row.name, row.slug)) is not None), key=lambda x: x[0])
        exact = list(await session.execute(_products(text, done, {last}, first)))
    typos: list[Any] = []
    if len(exact) < first and len(last) >= TYPO_FROM:
        typos = await _typos(db, _products(text, done, variants(last), first + len(exact)))
    found = [Suggestion(row.name, category=row) for rank, row in ranked if rank < 2]
    found += [Suggestion(row.name, product=row) for row in exact]
    found += [Suggestion(row.name, category=row) for rank, row in ranked if rank == 2]
    found += [Suggestion(row.name, product=row) for row in typos]
    unique: list[Suggestion] = []
    seen: set[tuple[str, bool]] = set()
    for suggestion in found:
        key = (_fold(suggestion.text), suggestion.category is not None)
        if key not in seen:
            seen.add(key)
            unique.append(suggestion)
    return unique[:first]
