"""airings.fill, rerun_fill_switches, keep_empty_days: the builder's rerun fill (补播)

A fill is a rerun of an aired episode in an empty premiere occurrence (a check
constraint keeps it a rerun, so it never counts as the episode's premiere). A
column's fill is switched off or on by appending a row to
``rerun_fill_switches`` (the latest row holds; none: on); a scheduler marks a
slot's day to stay empty in ``keep_empty_days`` (one live mark per slot and day).

Revision ID: c7f2a9e4d1b6
Revises: a9c4e7d2b5f1
Create Date: 2026-12-04 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c7f2a9e4d1b6'
down_revision: str | None = 'a9c4e7d2b5f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "removed_at IS NULL"


def upgrade() -> None:
    op.create_table(
        'rerun_fill_switches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('column_id', sa.Integer(), nullable=False),
        sa.Column('fill', sa.Boolean(), nullable=False),
        sa.Column('switched_by_id', sa.Integer(), nullable=False),
        sa.Column('switched_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['column_id'], ['columns.id'], name=op.f('fk_rerun_fill_switches_column_id_columns')
        ),
        sa.ForeignKeyConstraint(
            ['switched_by_id'],
            ['people.id'],
            name=op.f('fk_rerun_fill_switches_switched_by_id_people'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rerun_fill_switches')),
    )
    with op.batch_alter_table('rerun_fill_switches', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_rerun_fill_switches_column_id'), ['column_id'], unique=False
        )
    op.create_table(
        'keep_empty_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slot_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('removed_by_id', sa.Integer(), nullable=True),
        sa.Column('removed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            '(removed_at IS NULL) = (removed_by_id IS NULL)',
            name=op.f('ck_keep_empty_days_removal_recorded'),
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['people.id'], name=op.f('fk_keep_empty_days_created_by_id_people')
        ),
        sa.ForeignKeyConstraint(
            ['removed_by_id'], ['people.id'], name=op.f('fk_keep_empty_days_removed_by_id_people')
        ),
        sa.ForeignKeyConstraint(
            ['slot_id'], ['slots.id'], name=op.f('fk_keep_empty_days_slot_id_slots')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_keep_empty_days')),
    )
    with op.batch_alter_table('keep_empty_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_keep_empty_days_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index(
            'uq_keep_empty_days_live_day',
            ['slot_id', 'day'],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
    with op.batch_alter_table('airings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('fill', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_airings_fill_is_rerun'), "NOT fill OR kind = 'rerun'"
        )


def downgrade() -> None:
    op.execute("DELETE FROM airings WHERE fill")
    with op.batch_alter_table('airings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_airings_fill_is_rerun'), type_='check')
        batch_op.drop_column('fill')
    with op.batch_alter_table('keep_empty_days', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_keep_empty_days_live_day',
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
        batch_op.drop_index(batch_op.f('ix_keep_empty_days_slot_id'))
    op.drop_table('keep_empty_days')
    with op.batch_alter_table('rerun_fill_switches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rerun_fill_switches_column_id'))
    op.drop_table('rerun_fill_switches')
