"""reports: the daily rollup of the visit log, and the webhook cursors

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import hall.db.tables


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('built_at', hall.db.tables.UTC(), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('facts', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_report_days'))
    )
    op.create_table('webhook_cursors',
    sa.Column('stream', sa.String(length=32), nullable=False),
    sa.Column('position', sa.String(length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('updated_at', hall.db.tables.UTC(), nullable=False),
    sa.PrimaryKeyConstraint('stream', name=op.f('pk_webhook_cursors'))
    )


def downgrade():
    op.drop_table('webhook_cursors')
    op.drop_table('report_days')
