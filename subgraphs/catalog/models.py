"""The catalog schema: categories and products, with the columns and indexes search and paging need,
and the order saga's stock reservations.

Every listing index is partial (`WHERE deleted_at IS NULL`): the showcase never reads deleted
rows, so they cost the indexes nothing. Queries must repeat that predicate to use them.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.db import schema_metadata



class Base(DeclarativeBase):
    metadata = schema_metadata("catalog")

#: PostgreSQL's `russian` configuration stems Cyrillic words with the Russian Snowball stemmer and
#: ASCII words with the English one (and folds ё to е), so one configuration serves both languages.
TS_CONFIG = "russian"

LIVE = text("deleted_at IS NULL")


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    # The unique constraint is the one check against duplicates (CONFLICT), not a prior SELECT.
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Product(Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, server_default="")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog.categories.id"))
    # Sellable stock is on_hand - reserved; checkout reserves, delivery ships (on_hand falls).
    on_hand: Mapped[int] = mapped_column(Integer, server_default="0")
    reserved: Mapped[int] = mapped_column(Integer, server_default="0")
    image_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())
    # Soft delete: orders keep showing their old lines.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Generated, so every writer (the API, COPY in seed_bulk, a future import) fills them alike.
    # name_tsv alone decides the top relevance tier; search_tsv (name A, description B) finds the rest.
    name_tsv: Mapped[str] = mapped_column(TSVECTOR, Computed(f"to_tsvector('{TS_CONFIG}'::regconfig, name)", persisted=True))
    search_tsv: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            f"setweight(to_tsvector('{TS_CONFIG}'::regconfig, name), 'A') || "
            f"setweight(to_tsvector('{TS_CONFIG}'::regconfig, description), 'B')",
            persisted=True,
        ),
    )

    # Description words that are not in the name: the second relevance tier ("found in the
    # description") becomes a positive GIN lookup instead of a NOT over every hit of the word.
    desc_tsv: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            f"ts_delete(to_tsvector('{TS_CONFIG}'::regconfig, description), "
            f"tsvector_to_array(to_tsvector('{TS_CONFIG}'::regconfig, name)))",
            persisted=True,
        ),
    )

    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        # One btree per sort, scanned forwards or backwards: keyset pages read ~first+1 entries.
        Index("ix_products_newest", "created_at", "id", postgresql_where=LIVE),
        Index("ix_products_name", func.lower(text("name")), "id", postgresql_where=LIVE),
        Index("ix_products_price", "price", "id", postgresql_where=LIVE),
        # The same per category, so a small category is not found by walking the whole catalog.
        Index("ix_products_category_newest", "category_id", "created_at", "id", postgresql_where=LIVE),
        Index("ix_products_category_name", "category_id", func.lower(text("name")), "id", postgresql_where=LIVE),
        Index("ix_products_category_price", "category_id", "price", "id", postgresql_where=LIVE),
        Index("ix_products_name_tsv", "name_tsv", postgresql_using="gin", postgresql_where=LIVE),
        Index("ix_products_search_tsv", "search_tsv", postgresql_using="gin", postgresql_where=LIVE),
        Index("ix_products_desc_tsv", "desc_tsv", postgresql_using="gin", postgresql_where=LIVE),
        Index(
            "ix_products_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}, postgresql_where=LIVE
        ),
    )


class LexiconWord(Base):
    """A word of live product names, how many live products hold it, and its symmetric-delete keys.

    Kept by triggers on products (migration 0003), in the writer's own transaction, so every writer
    (the API, COPY in seed_bulk) keeps it alike. Typo search looks up keys here, not trigrams.
    """

    __tablename__ = "lexicon"

    word: Mapped[str] = mapped_column(Text, primary_key=True)
    products: Mapped[int] = mapped_column(Integer)
    keys: Mapped[list[str]] = mapped_column(ARRAY(Text), Computed("catalog.word_keys(word)", persisted=True))
    # Prefixes and their deletions (migration 0006): search-as-you-type finds words here (suggest.py).
    prefix_keys: Mapped[list[str] | None] = mapped_column(ARRAY(Text), Computed("catalog.prefix_keys(word)", persisted=True))

    __table_args__ = (
        Index("ix_lexicon_keys", "keys", postgresql_using="gin"),
        Index("ix_lexicon_prefix_keys", "prefix_keys", postgresql_using="gin"),
    )


class WordSample(Base):
    """One of the first few live products holding a name word: what search-as-you-type shows for it.

    Kept by triggers on products (migration 0006) in the writer's transaction, COPY included; a
    product that leaves a word hands its place to another holder. Read by primary key, so a word
    held by 80k products costs what a rare one does.
    """

    __tablename__ = "word_samples"

    word: Mapped[str] = mapped_column(Text, primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, index=True)


class NameRegion(Base):
    """A run `[lo, next lo)` of the NAME order with every word of its live products (a superset).

    Kept by triggers on products (migration 0005); a search sorted by NAME skips the regions its
    words cannot match. `catalog.name_regions_rebuild(size)` recuts them and drops stale words.
    """

    __tablename__ = "name_regions"

    lo: Mapped[str] = mapped_column(Text, primary_key=True)
    words: Mapped[str] = mapped_column(TSVECTOR)

    __table_args__ = (Index("ix_name_regions_words", "words", postgresql_using="gin"),)


class ReservationState(enum.StrEnum):
    """Where an order's stock stands."""

    RESERVED = "RESERVED"  # held: counted in products.reserved
    COMMITTED = "COMMITTED"  # sold: taken off on_hand
    RELEASED = "RELEASED"  # given back, or a tombstone: the release came before any reservation


class Reservation(Base):
    """The stock an order holds, one row per order: the primary key is the saga's idempotency key.

    Reserve claims the order with `INSERT … ON CONFLICT DO NOTHING` on the primary key; release does
    the same with a RELEASED tombstone, and otherwise locks the row (`SELECT … FOR UPDATE`) as commit
    does. So every step of one order serializes on this row: a release that overtakes its reserve
    leaves the tombstone, and the late reserve is refused (CANCELLED). A refused reserve rolls back,
    so its claim never exists.
    """

    __tablename__ = "reservations"

    order_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    state: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("state IN ('RESERVED', 'COMMITTED', 'RELEASED')", name="state"),)


class ReservationLine(Base):
    """One product of a reservation, with the name and price it was reserved at (the order's line)."""

    __tablename__ = "reservation_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog.reservations.order_id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog.products.id"), primary_key=True)
    #: The line's place in the first request, so a replay answers the lines in the same order.
    position: Mapped[int] = mapped_column(SmallInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
