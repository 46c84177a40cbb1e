"""idempotent orders (who ordered a ticket, the order's key, whether the kiosk confirmed it) and numbers that go
round: a number is unique among the tickets still holding it, not among all of the day's tickets

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

from hall.db.tables import HELD

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('ordered_by', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('order_key', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('receipt_pending', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.drop_constraint('uq_tickets_day_number', type_='unique')
        batch.create_unique_constraint('uq_tickets_order_key', ['order_key', 'ordered_by'])
    op.create_index('uq_tickets_day_number_held', 'tickets', ['day', 'number'], unique=True,
                    sqlite_where=sa.text(HELD), postgresql_where=sa.text(HELD))


def downgrade():
    op.drop_index('uq_tickets_day_number_held', table_name='tickets')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_constraint('uq_tickets_order_key', type_='unique')
        batch.create_unique_constraint('uq_tickets_day_number', ['day', 'number'])
        batch.drop_column('receipt_pending')
        batch.drop_column('order_key')
        batch.drop_column('ordered_by')
