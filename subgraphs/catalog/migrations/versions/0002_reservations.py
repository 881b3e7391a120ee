"""reservations: the order saga's stock reservations, one per order, and their lines

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:12:40
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "catalog"


def upgrade() -> None:
    op.create_table(
        "reservations",
        sa.Column("order_id", sa.UUID(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("state IN ('RESERVED', 'COMMITTED', 'RELEASED')", name=op.f("ck_reservations_state")),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_reservations")),
        schema=SCHEMA,
    )
    op.create_table(
        "reservation_lines",
        sa.Column("order_id", sa.UUID(), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservation_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["catalog.reservations.order_id"],
            name=op.f("fk_reservation_lines_order_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["product_id"], ["catalog.products.id"], name=op.f("fk_reservation_lines_product_id_products")),
        sa.PrimaryKeyConstraint("order_id", "product_id", name=op.f("pk_reservation_lines")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("reservation_lines", schema=SCHEMA)
    op.drop_table("reservations", schema=SCHEMA)
