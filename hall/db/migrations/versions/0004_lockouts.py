"""lockouts: failed sign-ins per user and per address, and the locks they set

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import hall.db.tables


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lockouts',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('since', hall.db.tables.UTC(), nullable=False),
    sa.Column('locked_until', hall.db.tables.UTC(), nullable=True),
    sa.PrimaryKeyConstraint('kind', 'subject', name=op.f('pk_lockouts'))
    )


def downgrade():
    op.drop_table('lockouts')
