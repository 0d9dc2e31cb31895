"""feed events: the last day of an all-day event that spans several days

Revision ID: a41c7e2b9d63
Revises: 3f6a1d9c5e20
Create Date: 2026-11-28 18:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a41c7e2b9d63'
down_revision: str | None = '3f6a1d9c5e20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_day', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_feed_events_last_day_after_day'),
            'last_day IS NULL OR (day IS NOT NULL AND last_day >= day)',
        )


def downgrade() -> None:
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_feed_events_last_day_after_day'), type_='check')
        batch_op.drop_column('last_day')
