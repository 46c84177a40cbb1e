"""the line index carries the priority class, so counting and heading each class needs no row look-ups

Revision ID: 0003
Revises: 0002
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_tickets_line', table_name='tickets')
    op.create_index('ix_tickets_line', 'tickets', ['day', 'state', 'service', 'issued_at', 'priority'])


def downgrade():
    op.drop_index('ix_tickets_line', table_name='tickets')
    op.create_index('ix_tickets_line', 'tickets', ['day', 'state', 'service', 'issued_at'])
