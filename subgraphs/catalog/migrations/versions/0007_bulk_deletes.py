"""A DELETE keeps the lexicon and the word samples once per statement, not once per deleted row.

Revision ID: 0007
Revises: 0006

Per row, a DELETE of many holders of one word (a category's products, a cleanup) updated that
word's lexicon row once per deleted row (each update a new row version with its GIN keys, the
chain walked again by the next) and searched the word's whole posting list once per deleted row,
dead rows included: quadratic, minutes for 10,000 rows. Statement triggers see every deleted row at
once (`old_rows`): each word is counted down once and refilled once.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SAMPLE = 20  # as in 0006: as many as one suggestion list holds
ON_DELETE = f"""
CREATE FUNCTION catalog.word_samples_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  w text;
BEGIN
  DELETE FROM catalog.word_samples AS s USING old_rows AS o WHERE s.product_id = o.id;
  FOR w IN SELECT DISTINCT catalog.name_words(o.name) FROM old_rows AS o WHERE o.deleted_at IS NULL LOOP
    INSERT INTO catalog.word_samples (word, product_id)
    SELECT w, p.id FROM catalog.products AS p
    WHERE p.deleted_at IS NULL AND p.name_tsv @@ plainto_tsquery('russian'::regconfig, w)
      AND w IN (SELECT catalog.name_words(p.name))
      AND NOT EXISTS (SELECT FROM catalog.word_samples AS s WHERE s.word = w AND s.product_id = p.id)
    LIMIT greatest(0, {SAMPLE} - (SELECT count(*) FROM catalog.word_samples AS s WHERE s.word = w))
    ON CONFLICT DO NOTHING;
  END LOOP;
  RETURN NULL;
END $$"""


LEXICON_ON_DELETE = """
CREATE FUNCTION catalog.lexicon_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Locked in word order first, as lexicon_add does, so concurrent writers never deadlock.
  PERFORM 1 FROM catalog.lexicon AS l
  WHERE l.word IN (SELECT catalog.name_words(o.name) FROM old_rows AS o WHERE o.deleted_at IS NULL)
  ORDER BY l.word FOR UPDATE;
  UPDATE catalog.lexicon AS l SET products = l.products - d.n
  FROM (SELECT w, count(*) AS n FROM old_rows AS o, catalog.name_words(o.name) AS w WHERE o.deleted_at IS NULL GROUP BY w) AS d
  WHERE l.word = d.w;
  DELETE FROM catalog.lexicon AS l
  WHERE l.products <= 0 AND l.word IN (SELECT catalog.name_words(o.name) FROM old_rows AS o WHERE o.deleted_at IS NULL);
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.execute("DROP TRIGGER lexicon_delete ON catalog.products")
    op.execute(LEXICON_ON_DELETE)
    op.execute(
        "CREATE TRIGGER lexicon_delete AFTER DELETE ON catalog.products REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION catalog.lexicon_on_delete()"
    )
    op.execute("DROP TRIGGER word_samples_delete ON catalog.products")
    op.execute(ON_DELETE)
    op.execute(
        "CREATE TRIGGER word_samples_delete AFTER DELETE ON catalog.products REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION catalog.word_samples_on_delete()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER word_samples_delete ON catalog.products")
    op.execute("DROP FUNCTION catalog.word_samples_on_delete()")
    op.execute("CREATE TRIGGER word_samples_delete AFTER DELETE ON catalog.products FOR EACH ROW EXECUTE FUNCTION catalog.word_samples_on_change()")
    op.execute("DROP TRIGGER lexicon_delete ON catalog.products")
    op.execute("DROP FUNCTION catalog.lexicon_on_delete()")
    op.execute("CREATE TRIGGER lexicon_delete AFTER DELETE ON catalog.products FOR EACH ROW EXECUTE FUNCTION catalog.lexicon_on_change()")
