"""initial

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 05:45:19.861878
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handled_events',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_handled_events')),
    schema='wallet'
    )
    op.create_table('order_claims',
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("outcome IN ('PAID', 'VOIDED')", name=op.f('ck_order_claims_outcome')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_order_claims')),
    schema='wallet'
    )
    op.create_table('outbox',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    schema='wallet'
    )
    op.create_index(op.f('ix_outbox_created_at'), 'outbox', ['created_at'], unique=False, schema='wallet')
    op.create_table('wallets',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('balance', sa.Numeric(precision=14, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_wallets_balance_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallets')),
    sa.UniqueConstraint('user_id', name=op.f('uq_wallets_user_id')),
    schema='wallet'
    )
    op.create_table('transactions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('wallet_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('balance_after', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.CheckConstraint("(kind = 'TOP_UP' AND idempotency_key IS NOT NULL AND order_id IS NULL) OR (kind <> 'TOP_UP' AND order_id IS NOT NULL AND idempotency_key IS NULL)", name=op.f('ck_transactions_key_or_order')),
    sa.CheckConstraint("kind IN ('TOP_UP', 'PAYMENT', 'REFUND')", name=op.f('ck_transactions_kind')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_transactions_amount_positive')),
    sa.CheckConstraint('balance_after >= 0', name=op.f('ck_transactions_balance_after_not_negative')),
    sa.ForeignKeyConstraint(['wallet_id'], ['wallet.wallets.id'], name=op.f('fk_transactions_wallet_id_wallets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transactions')),
    sa.UniqueConstraint('wallet_id', 'idempotency_key', name=op.f('uq_transactions_wallet_id_idempotency_key')),
    schema='wallet'
    )
    op.create_index('ix_transactions_wallet_id_created_at_id', 'transactions', ['wallet_id', 'created_at', 'id'], unique=False, schema='wallet')
    op.create_index('uq_transactions_payment_order_id', 'transactions', ['order_id'], unique=True, schema='wallet', postgresql_where=sa.text("kind = 'PAYMENT'"))
    op.create_index('uq_transactions_refund_order_id', 'transactions', ['order_id'], unique=True, schema='wallet', postgresql_where=sa.text("kind = 'REFUND'"))


def downgrade() -> None:
    op.drop_index('uq_transactions_refund_order_id', table_name='transactions', schema='wallet', postgresql_where=sa.text("kind = 'REFUND'"))
    op.drop_index('uq_transactions_payment_order_id', table_name='transactions', schema='wallet', postgresql_where=sa.text("kind = 'PAYMENT'"))
    op.drop_index('ix_transactions_wallet_id_created_at_id', table_name='transactions', schema='wallet')
    op.drop_table('transactions', schema='wallet')
    op.drop_table('wallets', schema='wallet')
    op.drop_index(op.f('ix_outbox_created_at'), table_name='outbox', schema='wallet')
    op.drop_table('outbox', schema='wallet')
    op.drop_table('order_claims', schema='wallet')
    op.drop_table('handled_events', schema='wallet')
