"""showcase_notify: every change to products or categories is announced on a NOTIFY channel

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:10:00

The response cache of anonymous reads (subgraphs/catalog/cache.py) listens on the channel in every
process and forgets what it holds. Statement-level triggers: one notice per statement however many
rows it touches, and PostgreSQL folds the notices of one transaction into one, sent at commit.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("products", "categories")


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION catalog.showcase_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('catalog_showcase', TG_TABLE_NAME);
            RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_showcase_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON catalog.{table} FOR EACH STATEMENT EXECUTE FUNCTION catalog.showcase_changed()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_showcase_changed ON catalog.{table}")
    op.execute("DROP FUNCTION catalog.showcase_changed()")
