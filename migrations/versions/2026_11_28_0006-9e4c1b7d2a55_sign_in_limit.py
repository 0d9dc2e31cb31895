"""people: failed sign-ins in a row and a lock after too many

Revision ID: 9e4c1b7d2a55
Revises: 7b3f2a9e6c41
Create Date: 2026-11-28 14:42:16.969370
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9e4c1b7d2a55'
down_revision: str | None = '7b3f2a9e6c41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')

