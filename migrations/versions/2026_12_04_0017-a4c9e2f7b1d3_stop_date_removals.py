"""slot_dates: who added a stop date, and its removal (who, when, why) kept on the row

A stop date (停播) is no longer deleted but stamped removed; one live row per slot,
day and kind (a partial unique index instead of the plain unique constraint), so a
removed stop date may be added again. Rows from before have no known author.

Revision ID: a4c9e2f7b1d3
Revises: f3a8d2c6b9e4
Create Date: 2026-12-04 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a4c9e2f7b1d3'
down_revision: str | None = 'f3a8d2c6b9e4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "removed_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table('slot_dates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('removed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('removal_reason', sa.Text(), server_default='', nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_slot_dates_created_by_id_people'), 'people', ['created_by_id'], ['id']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_slot_dates_removed_by_id_people'), 'people', ['removed_by_id'], ['id']
        )
        batch_op.create_check_constraint(
            op.f('ck_slot_dates_removal_recorded'),
            "(removed_at IS NULL AND removed_by_id IS NULL AND removal_reason = '')"
            " OR (removed_at IS NOT NULL AND removed_by_id IS NOT NULL AND removal_reason <> '')",
        )
        batch_op.drop_constraint(op.f('uq_slot_dates_slot_id_day_kind'), type_='unique')
        batch_op.create_index(
            'uq_slot_dates_live_day',
            ['slot_id', 'day', 'kind'],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )


def downgrade() -> None:
    op.execute("DELETE FROM slot_dates WHERE removed_at IS NOT NULL")
    with op.batch_alter_table('slot_dates', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_slot_dates_live_day', sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE)
        )
        batch_op.create_unique_constraint(
            op.f('uq_slot_dates_slot_id_day_kind'), ['slot_id', 'day', 'kind']
        )
        batch_op.drop_constraint(op.f('ck_slot_dates_removal_recorded'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_slot_dates_removed_by_id_people'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_slot_dates_created_by_id_people'), type_='foreignkey')
        batch_op.drop_column('removal_reason')
        batch_op.drop_column('removed_by_id')
        batch_op.drop_column('removed_at')
        batch_op.drop_column('created_by_id')
