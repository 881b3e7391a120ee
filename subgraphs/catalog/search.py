"""The showcase query: filters, five sorts, full-text search with typo tolerance, keyset pages.

A cursor is `[sort, mode, sort key, id]`; the next page starts `WHERE (key, id) > cursor`, so a deep
page costs what the first does. Without a search a page is one ordered index range scan.

Relevance is tiered, not `ts_rank`ed: ranking reads the vector of *every* hit before the first row
can be returned, so a common word (tens of thousands of hits in a million products) cost tens of
milliseconds a query (measured: 18 queries/s). A hit falls in one tier, best first, and within a
tier the newest product comes first:

    name  - every query word is in the name            (name_tsv @@ query)
    text  - the words are in name + description         (search_tsv @@ query, not in the name)
    typo  - only when no word matched: trigram word similarity on the name ('typo' <% name)

Before any tier, each long query word that is no name word is widened to the name words one edit
away (typos.py: a symmetric-delete lexicon, inside the same statement), so "headphnes" and
"haedphones" find "headphones" in the name tier; trigrams remain for what that misses.

The trade-off: within a tier, names with the word are not ordered by how well they match.

How a search page is found (see `_searched`): the planner's guess of how common a word is can be
wrong by orders of magnitude either way (correlated words: "running shoes"; rare words outside its
statistics), and a wrong guess meant seconds: walking the whole newest-first index for a rare word,
or reading 20k hits to sort them. So the plan does not depend on it. First a bounded probe walks the
newest WINDOW rows in sort order and keeps the matches: a common word fills the page there. Only if
it does not, the hits beyond the window are collected from the GIN index and sorted: the word is
then rare here, so they are few. Either way the work is bounded by WINDOW plus the hits.
Words cluster in the NAME order (a brand begins its names, Russian names follow every Latin one):
the first hit of a common word may lie 500k rows past the cursor, where the probe meets none and
the tail reads all 100k hits (0.6 s). So NAME first jumps over the name regions (migration 0005:
runs of ~250 names with a superset of their words) that cannot match, and probes from there.
Left: common hits all far from the start of a price order are still all read (bench/README.md).
"""

from __future__ import annotations

import contextlib
import functools
import operator
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import asyncpg

from sqlalchemy import ColumnElement, Integer, Select, String, and_, bindparam, func, literal_column, not_, select, text, true
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from subgraphs.common.errors import bad_user_input
from subgraphs.common.ids import require_id
from subgraphs.common.pagination import Keyset, Page

from .models import TS_CONFIG, Product
from .typos import corrected, plain_words

P = Product.__table__
#: What a page shows: never the tsvectors, which are large and only for the WHERE clause.
COLUMNS = ("id", "name", "description", "price", "category_id", "on_hand", "reserved", "image_url", "created_at", "deleted_at")
SHOWN = tuple(P.c[name] for name in COLUMNS)
SEARCHED = ("name_tsv", "search_tsv", "desc_tsv")
MAX_SEARCH = 200
WINDOW = 4000
CONFIG = literal_column(f"'{TS_CONFIG}'::regconfig")
# pg_trgm's default word similarity (0.6) misses one dropped letter in a short word ("termos" for
# "thermos": 0.57). Set for the connection (reads run without a transaction, so not LOCAL); only the
# catalog uses these connections, and it wants 0.5 everywhere.
TYPO_THRESHOLD = text("SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', false)")

#: sort -> (key expression, descending, Python type of the key inside a cursor)
SORTS: dict[str, tuple[ColumnElement[Any], bool, type]] = {
    "NEWEST": (P.c.created_at, True, datetime),
    "NAME": (func.lower(P.c.name), False, str),
    "PRICE_ASC": (P.c.price, False, Decimal),
    "PRICE_DESC": (P.c.price, True, Decimal),
    "RELEVANCE": (P.c.created_at, True, datetime),
}
#: sort -> its keyset order: the key, then the id breaking ties, both the sort's way.
KEYSETS = {sort: Keyset((key, P.c.id), descending) for sort, (key, descending, _) in SORTS.items()}
TIERS = ("name", "text", "typo")
#: Modes of the other sorts: no search, a full-text search, or its typo fallback.
MODES = ("all", "words", "typo")


@contextlib.asynccontextmanager
async def reading(db: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncConnection]:
    """A Core connection for reads only: no ORM session nor identity map around plain rows, and
    autocommit spares the BEGIN and ROLLBACK round trips around them."""
    async with db.kw["bind"].connect() as connection:
        yield await connection.execution_options(isolation_level="AUTOCOMMIT")


@dataclass(frozen=True, slots=True)
class Listing:
    """What the client asked for, validated."""

    sort: str
    search: str | None = None
    category_id: uuid.UUID | None = None
    in_stock_only: bool = False

    @classmethod
    def of(cls, sort: str | None, search: str | None, category_id: str | None, in_stock_only: bool | None) -> Listing:
        # Runs of blanks change nothing (a NUL never gets here: the kernel refuses it).
        search = " ".join((search or "").split())[:MAX_SEARCH] or None
        # RELEVANCE means nothing without words to be relevant to: it behaves as NEWEST.
        effective = sort or ("RELEVANCE" if search else "NEWEST")
        if effective == "RELEVANCE" and not search:
            effective = "NEWEST"
        category = require_id(category_id, "filter.categoryId") if category_id is not None else None
        return cls(effective, search, category, bool(in_stock_only))


@dataclass(frozen=True, slots=True)
class After:
    mode: str
    key: Any
    id: uuid.UUID


def cursor_types(listing: Listing) -> tuple[type, ...]:
    """What a cursor of this listing holds: the sort, the mode, the sort key and the id."""
    return (str, str, SORTS[listing.sort][2], uuid.UUID)


def parse_after(listing: Listing, page: Page) -> After | None:
    """The decoded cursor, checked against this listing: a cursor of another sort is BAD_USER_INPUT."""
    if page.after is None:
        return None
    sort, mode, key, id_ = page.after
    _, _, key_type = SORTS[listing.sort]
    modes = TIERS if listing.sort == "RELEVANCE" else (MODES[1:] if listing.search else MODES[:1])
    if sort != listing.sort or mode not in modes or not isinstance(key, key_type) or not isinstance(id_, uuid.UUID):
        raise bad_user_input("`after` is a cursor of another sort or filter.")
    return After(mode, key, id_)


def cursor_key(listing: Listing, row: Row[Any]) -> list[Any]:
    """The cursor of one row of a page: the sort, the row's mode (tier) and its position."""
    key: Any = row.created_at
    if listing.sort == "NAME":
        key = row.name.lower()
    elif listing.sort in ("PRICE_ASC", "PRICE_DESC"):
        key = row.price
    return [listing.sort, row.mode, key, row.id]


def _constant(value: Any, type_: Any = String) -> ColumnElement[Any]:
    """A value rendered into the SQL text (safely quoted), not sent as a parameter.

    asyncpg prepares statements, and PostgreSQL switches a prepared statement to a generic plan
    after five runs: one that cannot see the LIMIT nor the words, and may then choose a full sort
    over an early-stopping index scan. With them in the text each distinct query gets its own plan.
    """
    return bindparam(None, value, type_=type_, literal_execute=True)


def _queries(search: str) -> tuple[ColumnElement[Any], ColumnElement[Any] | None]:
    """The search's tsquery and, for plain words, any one word: both widened to typo corrections."""
    terms = plain_words(search)
    if terms is not None:
        return corrected(terms)
    # websearch syntax: "quoted phrases", `or`, `-excluded`; never a syntax error. Not corrected.
    return func.websearch_to_tsquery(CONFIG, _constant(search)), None


def _match(mode: str, search: str, c: Any) -> ColumnElement[bool]:
    """The WHERE clause of one search mode over columns `c` (the table's or a subquery's)."""
    query, any_word = _queries(search)
    if mode == "name":
        return c.name_tsv.bool_op("@@")(query)
    if mode == "text":
        clauses = [c.search_tsv.bool_op("@@")(query), not_(c.name_tsv.bool_op("@@")(query))]
        # For plain words a hit outside the name tier has a word only in its description, so
        # `desc_tsv @@ (w1 | w2 ...)` is a safe pre-filter: for "mug", whose every hit has it in the
        # name, it proves the text tier empty from the index instead of reading every hit.
        return and_(c.desc_tsv.bool_op("@@")(any_word), *clauses) if any_word is not None else and_(*clauses)
    if mode == "typo":
        # Word similarity: the typo is compared with the best-matching run of words in the name.
        return _constant(search).bool_op("<%")(c.name)
    return c.search_tsv.bool_op("@@")(query)  # "words": any full-text hit, for the other sorts


def _filters(listing: Listing, mode: str, after: After | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [P.c.deleted_at.is_(None)]
    if listing.category_id is not None:
        where.append(P.c.category_id == listing.category_id)
    if listing.in_stock_only:
        where.append(P.c.on_hand > P.c.reserved)
    if after is not None and after.mode == mode:
        where += KEYSETS[listing.sort].beyond((after.key, after.id))
    return where


def _plain(listing: Listing, mode: str, after: After | None, limit: int) -> Select[Any]:
    """One ordered index range scan (no search)."""
    return (
        select(*SHOWN, literal_column(f"'{mode}'").label("mode"))
        .where(*_filters(listing, mode, after))
        .order_by(*KEYSETS[listing.sort].order())
        .limit(_constant(limit, Integer))
    )


def _jump(listing: Listing, after: After | None) -> ColumnElement[bool] | None:
    """For NAME: start at the first name region from the cursor's whose words can match."""
    # The regions skipped hold no hit (their words are a superset), so no result changes; no
    # region matching means no hit at all (`key >= NULL` keeps nothing).
    assert listing.search is not None
    # Plain words only: websearch syntax may exclude a word, and a region holding it proves nothing.
    if listing.sort != "NAME" or plain_words(listing.search) is None:
        return None
    cursor = after.key if after is not None and after.mode == "words" else ""
    return SORTS["NAME"][0] >= func.catalog.name_region(_queries(listing.search)[0], _constant(cursor))


def _searched(listing: Listing, mode: str, after: After | None, limit: int) -> Select[Any]:
    """A bounded probe of the newest (or first) WINDOW rows, then, only if short, the older hits."""
    assert listing.search is not None
    key, keyset = SORTS[listing.sort][0], KEYSETS[listing.sort]
    filters, order, tag = _filters(listing, mode, after), keyset.order(), literal_column(f"'{mode}'").label("mode")
    jump = _jump(listing, after) if mode == "words" else None
    columns = [*COLUMNS, *(SEARCHED if mode != "typo" else ())]
    window = select(*(P.c[name] for name in columns), key.label("sort_key")).where(*filters, *([jump] if jump is not None else [])).order_by(*order)
    window_sq = window.limit(WINDOW).subquery("window")
    w = window_sq.c
    head = (
        select(*(w[name] for name in COLUMNS), tag, literal_column("0").label("part"), w.sort_key)
        .where(_match(mode, listing.search, w))
        .order_by(*keyset.order([w.sort_key, w.id]))
        .limit(_constant(limit, Integer))
        .cte("head")
        .prefix_with("MATERIALIZED")
    )
    # Where the probe stopped; no row when the window held everything, and then no tail either.
    edge = window.offset(WINDOW - 1).limit(1).with_only_columns(key.label("key"), P.c.id.label("id")).subquery("edge")
    short = select(func.count()).select_from(head).scalar_subquery() < _constant(limit, Integer)
    # coalesce(key, key) sorts as the key does but matches no index: the planner cannot pick the
    # early-stopping ordered scan here (the probe already failed to find enough that way).
    unindexed = func.coalesce(key, key)
    tail = (
        select(*SHOWN, tag, literal_column("1").label("part"), key.label("sort_key"))
        .select_from(P.join(edge, true()))
        .where(short, *filters, *keyset.beyond((edge.c.key, edge.c.id)), _match(mode, listing.search, P.c))
        .order_by(*keyset.order([unindexed, P.c.id]))
        .limit(_constant(limit, Integer))
    )
    both = select(head).union_all(tail).subquery("found")
    found_order = keyset.order([both.c.sort_key, both.c.id])
    return select(*(both.c[name] for name in (*COLUMNS, "mode"))).order_by(both.c.part, *found_order).limit(_constant(limit, Integer))


class PlainRow(asyncpg.Record):
    """An asyncpg row read as a SQLAlchemy one is (`row.name`), for `Product.from_row` and `cursor_key`.

    One property per column, each an `itemgetter`: read without a Python frame, where a `__getattr__`
    fallback cost a failed lookup and a call per field of every row of a page.
    """


for _column in (*COLUMNS, "mode"):
    setattr(PlainRow, _column, property(operator.itemgetter(_column)))


#: One sample value per parameter a plain listing can bind, to tell its positions apart once compiled.
_SAMPLES: dict[str, Any] = {"category": uuid.UUID(int=1), "id": uuid.UUID(int=2)}
_SAMPLE_KEYS: dict[type, Any] = {datetime: datetime(2000, 1, 1, tzinfo=timezone.utc), str: "\x01sample", Decimal: Decimal("0.01")}


@functools.lru_cache(maxsize=1024)
def _plain_sql(sort: str, category: bool, in_stock: bool, after: bool, limit: int) -> tuple[str, tuple[str, ...]]:
    """The SQL of `_plain` for one shape of listing, compiled once, and what each `$n` binds."""
    key = _SAMPLE_KEYS[SORTS[sort][2]]
    sample = Listing(sort, None, _SAMPLES["category"] if category else None, in_stock)
    compiled = _plain(sample, "all", After("all", key, _SAMPLES["id"]) if after else None, limit).compile(
        dialect=asyncpg_dialect.dialect(), compile_kwargs={"render_postcompile": True}
    )
    roles = {**{repr(v): k for k, v in _SAMPLES.items()}, repr(key): "key"}
    return compiled.string, tuple(roles[repr(compiled.params[name])] for name in compiled.positiontup or ())


async def _fetch_plain(session: AsyncConnection, listing: Listing, after: After | None, limit: int) -> list[Any]:
    """`_plain` straight on the asyncpg connection: the statement is built and compiled once per shape,
    and rows come back without SQLAlchemy's per-execution work (cache key, parameter and row
    processing), which cost several times what PostgreSQL takes for the page (bench/README.md)."""
    sql, roles = _plain_sql(listing.sort, listing.category_id is not None, listing.in_stock_only, after is not None, limit)
    values = {"category": listing.category_id, "key": after.key if after else None, "id": after.id if after else None}
    driver = (await session.get_raw_connection()).driver_connection
    assert driver is not None
    return list(await driver.fetch(sql, *(values[role] for role in roles), record_class=PlainRow))


async def _fetch(session: AsyncConnection, listing: Listing, mode: str, after: After | None, limit: int) -> list[Row[Any]]:
    if mode == "all":
        return await _fetch_plain(session, listing, after if after is not None and after.mode == mode else None, limit)
    if mode == "typo":
        # Once per database connection, not per page: the setting outlives the statement (autocommit).
        raw = await session.get_raw_connection()
        if not raw.info.get("typo_threshold"):
            await session.execute(TYPO_THRESHOLD)
            raw.info["typo_threshold"] = True
    statement = _plain(listing, mode, after, limit) if mode == "all" else _searched(listing, mode, after, limit)
    return list((await session.execute(statement)).all())


async def list_products(db: async_sessionmaker[AsyncSession], listing: Listing, page: Page) -> list[Row[Any]]:
    """Up to `page.limit` rows of the listing after the page's cursor (one more than asked: hasNextPage)."""
    after = parse_after(listing, page)
    if not listing.search:
        modes = ["all"]
    elif listing.sort == "RELEVANCE":
        # Tiers are visited in order; a cursor resumes in its own tier and goes on to the next one.
        modes = ["typo"] if after and after.mode == "typo" else list(TIERS[TIERS.index(after.mode) if after else 0 : 2])
    else:
        modes = [after.mode if after else "words"]
    rows: list[Row[Any]] = []
    async with reading(db) as session:
        for mode in modes:
            rows += await _fetch(session, listing, mode, after, page.limit - len(rows))
            if len(rows) >= page.limit:
                break
        if listing.search and not rows and after is None:
            # Nothing found by words: the user may have mistyped one. Only then try trigrams, as
            # a typo search is slower and fuzzier than full text.
            rows = await _fetch(session, listing, "typo", None, page.limit)
    return rows
