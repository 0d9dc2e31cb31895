"""liaison quarters meetings priorities

Revision ID: 3f6a1d9c5e20
Revises: 7b3e9f1a2c84
Create Date: 2026-11-28 17:32:14.384537
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3f6a1d9c5e20'
down_revision: str | None = '7b3e9f1a2c84'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('liaison_quarters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('number BETWEEN 1 AND 4', name=op.f('ck_liaison_quarters_number_1_to_4')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_liaison_quarters_year_plausible')),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_liaison_quarters_created_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_quarters')),
    sa.UniqueConstraint('year', 'number', name=op.f('uq_liaison_quarters_year_number'))
    )
    op.create_table('liaison_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('agenda', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_liaison_meetings_ends_after_start')),
    sa.ForeignKeyConstraint(['quarter_id'], ['liaison_quarters.id'], name=op.f('fk_liaison_meetings_quarter_id_liaison_quarters')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_liaison_meetings_updated_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_meetings')),
    sa.UniqueConstraint('quarter_id', name=op.f('uq_liaison_meetings_quarter_id'))
    )
    op.create_table('liaison_priorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=120), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('submit_by', sa.Date(), nullable=True),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('weight >= 1', name=op.f('ck_liaison_priorities_weight_positive')),
    sa.CheckConstraint('window_end >= window_start', name=op.f('ck_liaison_priorities_window_forwards')),
    sa.ForeignKeyConstraint(['quarter_id'], ['liaison_quarters.id'], name=op.f('fk_liaison_priorities_quarter_id_liaison_quarters')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_liaison_priorities_updated_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_priorities')),
    sa.UniqueConstraint('quarter_id', 'tag', name=op.f('uq_liaison_priorities_quarter_id_tag'))
    )
    with op.batch_alter_table('liaison_priorities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_priorities_quarter_id'), ['quarter_id'], unique=False)

    op.create_table('liaison_attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('invited', 'attending', 'absent', name='attendance_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('attendees', sa.String(length=400), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_liaison_attendance_column_id_columns')),
    sa.ForeignKeyConstraint(['meeting_id'], ['liaison_meetings.id'], name=op.f('fk_liaison_attendance_meeting_id_liaison_meetings')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_liaison_attendance_updated_by_id_people')),
    sa.PrimaryKeyConstraint('meeting_id', 'column_id', name=op.f('pk_liaison_attendance'))
    )
    op.create_table('liaison_targets',
    sa.Column('priority_id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('episodes', sa.Integer(), nullable=False),
    sa.Column('behind_reminded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('episodes >= 0', name=op.f('ck_liaison_targets_not_negative')),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_liaison_targets_column_id_columns')),
    sa.ForeignKeyConstraint(['priority_id'], ['liaison_priorities.id'], name=op.f('fk_liaison_targets_priority_id_liaison_priorities')),
    sa.PrimaryKeyConstraint('priority_id', 'column_id', name=op.f('pk_liaison_targets'))
    )


def downgrade() -> None:
    op.drop_table('liaison_targets')
    op.drop_table('liaison_attendance')
    with op.batch_alter_table('liaison_priorities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_priorities_quarter_id'))

    op.drop_table('liaison_priorities')
    op.drop_table('liaison_meetings')
    op.drop_table('liaison_quarters')
