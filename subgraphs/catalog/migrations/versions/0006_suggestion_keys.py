"""suggestion_keys: lexicon prefix keys and a few sample products per word, for search-as-you-type

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:45:00

Both are kept in the writer's own transaction, COPY seeding included: the keys are a generated
column of the lexicon (kept by the triggers of 0003), the samples by triggers of their own.
subgraphs/catalog/prefixes.py and suggest.py explain how a typed prefix is looked up in them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCHEMA = "catalog"

# With ё folded to е (as the typed text is): every prefix of 2 to 10 letters, and from 4 letters
# each of its one-letter deletions. A typed prefix of n letters finds its words by the prefix itself
# (exact), and a one-typo prefix by sharing a key: a dropped letter is a deletion of the word's
# (n+1)-letter prefix, a replaced letter or swapped neighbours share a deletion with its n-letter
# prefix, an inserted letter has its (n-1)-letter prefix among its own deletions.
PREFIX_KEYS = """
CREATE FUNCTION catalog.prefix_keys(word text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_agg(DISTINCT k) FROM (
    SELECT left(w, m) AS k FROM (SELECT replace(word, 'ё', 'е') AS w) AS f, generate_series(2, least(length(w), 10)) AS m
    UNION ALL
    SELECT overlay(left(w, m) PLACING '' FROM i FOR 1)
    FROM (SELECT replace(word, 'ё', 'е') AS w) AS f, generate_series(4, least(length(w), 10)) AS m, generate_series(1, m) AS i
  ) AS keys
$$"""

# The first SAMPLE live products holding each name word (by id, so effectively at random): what a
# suggestion shows for a word, read by primary key instead of the word's whole posting list (84k
# entries for a brand at a million products). A product leaving a word (renamed, deleted) gives its
# place to another holder of the word, found through the name's full-text index.
SAMPLE = 20  # as many as one suggestion list holds (suggest.MAX_FIRST)
ON_INSERT = f"""
CREATE FUNCTION catalog.word_samples_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalog.word_samples (word, product_id)
  SELECT h.word, h.id FROM (
    SELECT w AS word, n.id, row_number() OVER (PARTITION BY w ORDER BY n.id) AS r
    FROM new_rows AS n, catalog.name_words(n.name) AS w WHERE n.deleted_at IS NULL
  ) AS h
  WHERE h.r <= {SAMPLE} AND h.r + (SELECT count(*) FROM catalog.word_samples AS s WHERE s.word = h.word) <= {SAMPLE}
  ORDER BY h.word, h.id
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$"""
ON_CHANGE = f"""
CREATE FUNCTION catalog.word_samples_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  w text;
BEGIN
  DELETE FROM catalog.word_samples WHERE product_id = OLD.id;
  IF TG_OP = 'UPDATE' AND NEW.deleted_at IS NULL THEN
    INSERT INTO catalog.word_samples (word, product_id)
    SELECT words.w, NEW.id FROM (SELECT DISTINCT catalog.name_words(NEW.name) AS w) AS words
    WHERE (SELECT count(*) FROM catalog.word_samples AS s WHERE s.word = words.w) < {SAMPLE}
    ORDER BY words.w
    ON CONFLICT DO NOTHING;
  END IF;
  IF OLD.deleted_at IS NULL THEN
    FOR w IN SELECT DISTINCT catalog.name_words(OLD.name) LOOP
      INSERT INTO catalog.word_samples (word, product_id)
      SELECT w, p.id FROM catalog.products AS p
      WHERE p.deleted_at IS NULL AND p.name_tsv @@ plainto_tsquery('russian'::regconfig, w) AND p.id <> OLD.id
        AND w IN (SELECT catalog.name_words(p.name))
        AND NOT EXISTS (SELECT FROM catalog.word_samples AS s WHERE s.word = w AND s.product_id = p.id)
      LIMIT greatest(0, {SAMPLE} - (SELECT count(*) FROM catalog.word_samples AS s WHERE s.word = w))
      ON CONFLICT DO NOTHING;
    END LOOP;
  END IF;
  RETURN NULL;
END $$"""
SAMPLE_TRIGGERS = (
    "CREATE TRIGGER word_samples_insert AFTER INSERT ON catalog.products REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION catalog.word_samples_on_insert()",
    "CREATE TRIGGER word_samples_update AFTER UPDATE OF name, deleted_at ON catalog.products FOR EACH ROW "
    "WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at) "
    "EXECUTE FUNCTION catalog.word_samples_on_change()",
    "CREATE TRIGGER word_samples_delete AFTER DELETE ON catalog.products FOR EACH ROW EXECUTE FUNCTION catalog.word_samples_on_change()",
)
SEED_SAMPLES = f"""
INSERT INTO catalog.word_samples (word, product_id)
SELECT word, id FROM (
  SELECT w AS word, p.id, row_number() OVER (PARTITION BY w ORDER BY p.id) AS r
  FROM catalog.products AS p, catalog.name_words(p.name) AS w WHERE p.deleted_at IS NULL
) AS h WHERE r <= {SAMPLE}
ON CONFLICT DO NOTHING"""


def upgrade() -> None:
    op.execute(PREFIX_KEYS)
    op.add_column(
        "lexicon",
        sa.Column(
            "prefix_keys",
            postgresql.ARRAY(sa.Text()),
            sa.Computed("catalog.prefix_keys(word)", persisted=True),
            nullable=True,
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_lexicon_prefix_keys", "lexicon", ["prefix_keys"], unique=False, schema=SCHEMA, postgresql_using="gin")
    # The words a short prefix begins (900 for "ka") are read with their counts: in word order they
    # sit on ~70 pages instead of ~700. Room on each page keeps a count's update (HOT) where it was.
    op.execute("ALTER TABLE catalog.lexicon SET (fillfactor = 70)")
    op.execute("CLUSTER catalog.lexicon USING pk_lexicon")
    op.create_table(
        "word_samples",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.PrimaryKeyConstraint("word", "product_id", name=op.f("pk_word_samples")),
        schema=SCHEMA,
    )
    op.create_index("ix_word_samples_product_id", "word_samples", ["product_id"], unique=False, schema=SCHEMA)
    for statement in (ON_INSERT, ON_CHANGE, *SAMPLE_TRIGGERS, SEED_SAMPLES):
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("word_samples_insert", "word_samples_update", "word_samples_delete"):
        op.execute(f"DROP TRIGGER {trigger} ON catalog.products")
    op.execute("DROP FUNCTION catalog.word_samples_on_insert()")
    op.execute("DROP FUNCTION catalog.word_samples_on_change()")
    op.drop_index("ix_word_samples_product_id", table_name="word_samples", schema=SCHEMA)
    op.drop_table("word_samples", schema=SCHEMA)
    op.execute("ALTER TABLE catalog.lexicon RESET (fillfactor)")
    op.drop_index("ix_lexicon_prefix_keys", table_name="lexicon", schema=SCHEMA)
    op.drop_column("lexicon", "prefix_keys", schema=SCHEMA)
    op.execute("DROP FUNCTION catalog.prefix_keys(text)")
