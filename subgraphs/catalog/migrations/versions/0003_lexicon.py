"""lexicon: the words of live product names with their symmetric-delete keys, kept by triggers

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "catalog"

# The word itself and every deletion of one letter: a typo of one edit (dropped, inserted or
# replaced letter, two neighbours swapped) shares at least one key with its word.
WORD_KEYS = """
CREATE FUNCTION catalog.word_keys(word text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_agg(DISTINCT k) FROM (
    SELECT word AS k UNION ALL SELECT overlay(word PLACING '' FROM i FOR 1) FROM generate_series(1, length(word)) AS i
  ) AS keys
$$"""
# True when b is a's word with one edit at most (Damerau: a transposition is one edit). Shared
# keys only say "within two edits"; this keeps the candidates that really are one typo away.
ONE_EDIT = """
CREATE FUNCTION catalog.one_edit(a text, b text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  la integer := length(a);
  lb integer := length(b);
  i integer := 1;
BEGIN
  IF abs(la - lb) > 1 THEN RETURN false; END IF;
  WHILE i <= least(la, lb) AND substr(a, i, 1) = substr(b, i, 1) LOOP i := i + 1; END LOOP;
  IF la > lb THEN RETURN substr(a, i + 1) = substr(b, i); END IF;
  IF la < lb THEN RETURN substr(a, i) = substr(b, i + 1); END IF;
  RETURN substr(a, i + 1) = substr(b, i + 1)
      OR (substr(a, i, 1) = substr(b, i + 1, 1) AND substr(a, i + 1, 1) = substr(b, i, 1) AND substr(a, i + 2) = substr(b, i + 2));
END $$"""
# Lowercased words as typed, not stems: edit distance is measured against what a shopper types.
NAME_WORDS = """
CREATE FUNCTION catalog.name_words(name text) RETURNS SETOF text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT unnest(tsvector_to_array(to_tsvector('simple'::regconfig, name)))
$$"""
ADD_WORDS = """
CREATE FUNCTION catalog.lexicon_add(name text, delta integer) RETURNS void LANGUAGE sql AS $$
  -- Sorted, so concurrent writers lock shared words in one order and never deadlock on them.
  INSERT INTO catalog.lexicon AS l (word, products)
  SELECT w, delta FROM (SELECT DISTINCT catalog.name_words(name) AS w) AS words ORDER BY w
  ON CONFLICT (word) DO UPDATE SET products = l.products + excluded.products;
  DELETE FROM catalog.lexicon WHERE word IN (SELECT catalog.name_words(name)) AND products <= 0;
$$"""
# Inserts are counted per statement (COPY of 20k products upserts each word once); an update or
# delete per row, and only when the name or liveness changed (stock updates fire nothing).
ON_INSERT = """
CREATE FUNCTION catalog.lexicon_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalog.lexicon AS l (word, products)
  SELECT w, count(*) FROM new_rows, catalog.name_words(new_rows.name) AS w
  WHERE new_rows.deleted_at IS NULL GROUP BY w ORDER BY w
  ON CONFLICT (word) DO UPDATE SET products = l.products + excluded.products;
  RETURN NULL;
END $$"""
ON_CHANGE = """
CREATE FUNCTION catalog.lexicon_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.deleted_at IS NULL THEN PERFORM catalog.lexicon_add(OLD.name, -1); END IF;
  IF TG_OP = 'UPDATE' AND NEW.deleted_at IS NULL THEN PERFORM catalog.lexicon_add(NEW.name, 1); END IF;
  RETURN NULL;
END $$"""
TRIGGERS = (
    "CREATE TRIGGER lexicon_insert AFTER INSERT ON catalog.products REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION catalog.lexicon_on_insert()",
    "CREATE TRIGGER lexicon_update AFTER UPDATE OF name, deleted_at ON catalog.products FOR EACH ROW "
    "WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at) "
    "EXECUTE FUNCTION catalog.lexicon_on_change()",
    "CREATE TRIGGER lexicon_delete AFTER DELETE ON catalog.products FOR EACH ROW EXECUTE FUNCTION catalog.lexicon_on_change()",
)


def upgrade() -> None:
    op.execute(WORD_KEYS)
    op.execute(NAME_WORDS)
    op.execute(ONE_EDIT)
    op.create_table(
        "lexicon",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("keys", postgresql.ARRAY(sa.Text()), sa.Computed("catalog.word_keys(word)", persisted=True), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_lexicon")),
        schema=SCHEMA,
    )
    op.create_index("ix_lexicon_keys", "lexicon", ["keys"], unique=False, schema=SCHEMA, postgresql_using="gin")
    for statement in (ADD_WORDS, ON_INSERT, ON_CHANGE, *TRIGGERS):
        op.execute(statement)
    op.execute(
        "INSERT INTO catalog.lexicon (word, products) SELECT w, count(*) FROM catalog.products, catalog.name_words(name) AS w "
        "WHERE deleted_at IS NULL GROUP BY w"
    )


def downgrade() -> None:
    for trigger in ("lexicon_insert", "lexicon_update", "lexicon_delete"):
        op.execute(f"DROP TRIGGER {trigger} ON catalog.products")
    for function in ("lexicon_on_insert()", "lexicon_on_change()", "lexicon_add(text, integer)"):
        op.execute(f"DROP FUNCTION catalog.{function}")
    op.drop_index("ix_lexicon_keys", table_name="lexicon", schema=SCHEMA)
    op.drop_table("lexicon", schema=SCHEMA)
    op.execute("DROP FUNCTION catalog.one_edit(text, text)")
    op.execute("DROP FUNCTION catalog.name_words(text)")
    op.execute("DROP FUNCTION catalog.word_keys(text)")
