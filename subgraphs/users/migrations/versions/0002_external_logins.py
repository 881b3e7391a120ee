"""external login attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('external_login_attempts',
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=50), nullable=False),
    sa.Column('redirect_uri', sa.Text(), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('state', name=op.f('pk_external_login_attempts')),
    schema='users'
    )
    op.create_index(op.f('ix_external_login_attempts_expires_at'), 'external_login_attempts', ['expires_at'], unique=False, schema='users')


def downgrade() -> None:
    op.drop_index(op.f('ix_external_login_attempts_expires_at'), table_name='external_login_attempts', schema='users')
    op.drop_table('external_login_attempts', schema='users')
