"""index on sessions.revoked_at for the revocation catch-up read

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_sessions_revoked_at'), 'sessions', ['revoked_at'], unique=False, schema='users')


def downgrade() -> None:
    op.drop_index(op.f('ix_sessions_revoked_at'), table_name='sessions', schema='users')
