"""initial

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 05:45:05.461719
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
    op.create_table('cart_items',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_cart_items_quantity_positive')),
    sa.PrimaryKeyConstraint('user_id', 'product_id', name=op.f('pk_cart_items')),
    schema='orders'
    )
    op.create_table('handled_events',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_handled_events')),
    schema='orders'
    )
    op.create_table('orders',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('saga', sa.String(length=20), nullable=False),
    sa.Column('delivery_method', sa.String(length=10), nullable=False),
    sa.Column('delivery_address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('pickup_point_id', sa.UUID(), nullable=True),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('failure_reason', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    schema='orders'
    )
    op.create_index('ix_orders_created_at_id', 'orders', ['created_at', 'id'], unique=False, schema='orders')
    op.create_index('ix_orders_unfinished', 'orders', ['updated_at'], unique=False, schema='orders', postgresql_where="saga <> 'DONE'")
    op.create_index('ix_orders_user_id_created_at_id', 'orders', ['user_id', 'created_at', 'id'], unique=False, schema='orders')
    op.create_index('uq_orders_user_id_idempotency_key', 'orders', ['user_id', 'idempotency_key'], unique=True, schema='orders')
    op.create_table('outbox',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    schema='orders'
    )
    op.create_index(op.f('ix_outbox_created_at'), 'outbox', ['created_at'], unique=False, schema='orders')
    op.create_table('order_items',
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('product_name', sa.Text(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.orders.id'], name=op.f('fk_order_items_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', 'product_id', name=op.f('pk_order_items')),
    schema='orders'
    )
    op.create_table('order_status_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.orders.id'], name=op.f('fk_order_status_history_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_status_history')),
    schema='orders'
    )
    op.create_index(op.f('ix_order_status_history_order_id'), 'order_status_history', ['order_id'], unique=False, schema='orders')
    op.create_table('saga_steps',
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.orders.id'], name=op.f('fk_saga_steps_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', 'step', name=op.f('pk_saga_steps')),
    schema='orders'
    )


def downgrade() -> None:
    op.drop_table('saga_steps', schema='orders')
    op.drop_index(op.f('ix_order_status_history_order_id'), table_name='order_status_history', schema='orders')
    op.drop_table('order_status_history', schema='orders')
    op.drop_table('order_items', schema='orders')
    op.drop_index(op.f('ix_outbox_created_at'), table_name='outbox', schema='orders')
    op.drop_table('outbox', schema='orders')
    op.drop_index('uq_orders_user_id_idempotency_key', table_name='orders', schema='orders')
    op.drop_index('ix_orders_user_id_created_at_id', table_name='orders', schema='orders')
    op.drop_index('ix_orders_unfinished', table_name='orders', schema='orders', postgresql_where="saga <> 'DONE'")
    op.drop_index('ix_orders_created_at_id', table_name='orders', schema='orders')
    op.drop_table('orders', schema='orders')
    op.drop_table('handled_events', schema='orders')
    op.drop_table('cart_items', schema='orders')
