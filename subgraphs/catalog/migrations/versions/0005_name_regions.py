"""name_regions: the NAME order cut into regions, each with every word of its live products

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00

A search sorted by NAME jumps over the regions whose words cannot match (search.py): common words
cluster in that order (a brand begins its names, Russian names follow every Latin one), so their
first hits may lie hundreds of thousands of rows past the cursor. A region is `[lo, next lo)` of
`lower(name)`; its words are a superset: writers add the words of a product to its region (in their
own transaction, like the lexicon), nothing removes them, `catalog.name_regions_rebuild` recuts the
regions and drops stale words. The region '' always exists, so every name has a region.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "catalog"
#: Products per region when the regions are cut: finer skips, more rows to look up.
REGION = 250

UNION = "CREATE AGGREGATE catalog.tsvector_union(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')"
# The regions of a set of new or changed rows, each updated once and locked in `lo` order, so
# concurrent writers never deadlock on them; a region that holds every word already is not written.
# Words are merged as one sorted array per region: a COPY batch of 20k rows stays linear.
ADD = """
CREATE FUNCTION catalog.name_regions_add(names text[], vectors tsvector[]) RETURNS void LANGUAGE sql AS $$
  WITH rows AS (
    SELECT (SELECT max(r.lo) FROM catalog.name_regions AS r WHERE r.lo <= lower(c.name)) AS lo, c.words
    FROM unnest(names, vectors) AS c(name, words)
  ), merged AS (
    SELECT lo, array_to_tsvector(array_agg(DISTINCT w)) AS words FROM rows, unnest(tsvector_to_array(rows.words)) AS w GROUP BY lo
  ), locked AS (
    SELECT r.lo FROM catalog.name_regions AS r JOIN merged USING (lo)
    WHERE NOT tsvector_to_array(r.words) @> tsvector_to_array(merged.words) ORDER BY r.lo FOR UPDATE OF r
  )
  UPDATE catalog.name_regions AS r SET words = strip(r.words || merged.words)
  FROM merged WHERE r.lo = merged.lo AND r.lo IN (SELECT lo FROM locked)
$$"""
ON_INSERT = """
CREATE FUNCTION catalog.name_regions_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM catalog.name_regions_add(array_agg(name::text), array_agg(search_tsv)) FROM new_rows WHERE deleted_at IS NULL;
  RETURN NULL;
END $$"""
ON_UPDATE = """
CREATE FUNCTION catalog.name_regions_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM catalog.name_regions_add(ARRAY[NEW.name::text], ARRAY[NEW.search_tsv]);
  RETURN NULL;
END $$"""
TRIGGERS = (
    "CREATE TRIGGER name_regions_insert AFTER INSERT ON catalog.products REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION catalog.name_regions_on_insert()",
    "CREATE TRIGGER name_regions_update AFTER UPDATE OF name, description, deleted_at ON catalog.products FOR EACH ROW "
    "WHEN (NEW.deleted_at IS NULL AND (OLD.name IS DISTINCT FROM NEW.name OR OLD.description IS DISTINCT FROM NEW.description "
    "OR OLD.deleted_at IS NOT NULL)) EXECUTE FUNCTION catalog.name_regions_on_update()",
)
# The first region from the one holding `after` whose words can match. A region's words have no
# positions, so a phrase ("t-shirt" is 't-shirt' <2> 'shirt') is asked as AND: a superset of its
# matches. Bitmap scans only: the GIN index says which regions match without reading their words
# (a scan would detoast each, ~30 ms).
FIRST = """
CREATE FUNCTION catalog.name_region(query tsquery, after text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
SET enable_seqscan = off SET enable_indexscan = off AS $$
  SELECT min(lo) FROM catalog.name_regions
  WHERE words @@ regexp_replace(query::text, '<(-|[0-9]+)>', '&', 'g')::tsquery
    AND lo >= coalesce((SELECT max(lo) FROM catalog.name_regions WHERE lo <= after), '')
$$"""
# Recut: every REGION-th live name starts a region. The EXCLUSIVE lock waits for writers that
# added words and have not committed, and the statements after it see their products.
REBUILD = """
CREATE FUNCTION catalog.name_regions_rebuild(size integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE catalog.name_regions IN EXCLUSIVE MODE;
  DELETE FROM catalog.name_regions;
  INSERT INTO catalog.name_regions (lo, words) VALUES ('', '');
  INSERT INTO catalog.name_regions (lo, words)
  SELECT DISTINCT key, ''::tsvector FROM (
    SELECT lower(name) AS key, row_number() OVER (ORDER BY lower(name), id) AS n FROM catalog.products WHERE deleted_at IS NULL
  ) AS ranked WHERE n % size = 0
  ON CONFLICT (lo) DO NOTHING;
  UPDATE catalog.name_regions AS r SET words = u.words FROM (
    SELECT (SELECT max(b.lo) FROM catalog.name_regions AS b WHERE b.lo <= lower(p.name)) AS lo,
           strip(catalog.tsvector_union(strip(p.search_tsv))) AS words
    FROM catalog.products AS p WHERE p.deleted_at IS NULL GROUP BY 1
  ) AS u WHERE r.lo = u.lo;
END $$"""


def upgrade() -> None:
    op.create_table(
        "name_regions",
        sa.Column("lo", sa.Text(), nullable=False),
        sa.Column("words", postgresql.TSVECTOR(), nullable=False),
        sa.PrimaryKeyConstraint("lo", name=op.f("pk_name_regions")),
        schema=SCHEMA,
    )
    op.create_index("ix_name_regions_words", "name_regions", ["words"], unique=False, schema=SCHEMA, postgresql_using="gin")
    for statement in (UNION, ADD, ON_INSERT, ON_UPDATE, FIRST, REBUILD, *TRIGGERS):
        op.execute(statement)
    op.execute(f"SELECT catalog.name_regions_rebuild({REGION})")


def downgrade() -> None:
    for trigger in ("name_regions_insert", "name_regions_update"):
        op.execute(f"DROP TRIGGER {trigger} ON catalog.products")
    for function in ("name_regions_on_insert()", "name_regions_on_update()", "name_regions_add(text[], tsvector[])", "name_regions_rebuild(integer)", "name_region(tsquery, text)"):
        op.execute(f"DROP FUNCTION catalog.{function}")
    op.execute("DROP AGGREGATE catalog.tsvector_union(tsvector)")
    op.drop_table("name_regions", schema=SCHEMA)
