"""login throttles

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles')),
    schema='users'
    )
    op.create_index(op.f('ix_login_throttles_window_start'), 'login_throttles', ['window_start'], unique=False, schema='users')
    op.add_column('login_failures', sa.Column('client', sa.String(length=64), nullable=True), schema='users')


def downgrade() -> None:
    op.drop_column('login_failures', 'client', schema='users')
    op.drop_index(op.f('ix_login_throttles_window_start'), table_name='login_throttles', schema='users')
    op.drop_table('login_throttles', schema='users')
