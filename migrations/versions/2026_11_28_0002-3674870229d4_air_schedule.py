"""air schedule: slots, slot dates, airings, builds, unscheduled report, notifications

Revision ID: 3674870229d4
Revises: 51fe12fb4369
Create Date: 2026-11-28 12:06:34.850309
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3674870229d4'
down_revision: str | None = '51fe12fb4369'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('schedule_builds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('horizon_from', sa.Date(), nullable=False),
    sa.Column('horizon_to', sa.Date(), nullable=False),
    sa.Column('airings', sa.Integer(), nullable=False),
    sa.Column('unscheduled', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_builds'))
    )
    op.create_table('slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('premiere', 'rerun', name='slot_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('station', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=80), nullable=False),
    sa.Column('timezone', sa.String(length=40), nullable=False),
    sa.Column('local_start', sa.Time(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('rrule', sa.String(length=500), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.Column('last_date', sa.Date(), nullable=True),
    sa.Column('rerun_of_id', sa.Integer(), nullable=True),
    sa.Column('rerun_back', sa.Integer(), nullable=False),
    sa.Column('campaign', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'rerun') = (rerun_of_id IS NOT NULL)", name=op.f('ck_slots_rerun_has_premiere')),
    sa.CheckConstraint("rrule <> ''", name=op.f('ck_slots_rrule_not_empty')),
    sa.CheckConstraint('duration_s > 0 AND duration_s <= 86400', name=op.f('ck_slots_duration_positive')),
    sa.CheckConstraint('last_date IS NULL OR last_date >= first_date', name=op.f('ck_slots_dates_ordered')),
    sa.CheckConstraint('rerun_back >= 1', name=op.f('ck_slots_rerun_back_positive')),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_slots_column_id_columns')),
    sa.ForeignKeyConstraint(['rerun_of_id'], ['slots.id'], name=op.f('fk_slots_rerun_of_id_slots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slots'))
    )
    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slots_column_id'), ['column_id'], unique=False)

    op.create_table('slot_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('exception', 'extra', name='slot_date_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind <> 'exception' OR reason <> ''", name=op.f('ck_slot_dates_exception_has_reason')),
    sa.ForeignKeyConstraint(['slot_id'], ['slots.id'], name=op.f('fk_slot_dates_slot_id_slots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_dates')),
    sa.UniqueConstraint('slot_id', 'day', 'kind', name=op.f('uq_slot_dates_slot_id_day_kind'))
    )
    with op.batch_alter_table('slot_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_dates_slot_id'), ['slot_id'], unique=False)

    op.create_table('airings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('premiere', 'rerun', name='slot_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('premiere_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'aired', 'cancelled', name='airing_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('exchange', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'rerun') = (premiere_id IS NOT NULL)", name=op.f('ck_airings_rerun_has_premiere')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_airings_ends_after_start')),
    sa.CheckConstraint('revision >= 0', name=op.f('ck_airings_revision_not_negative')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_airings_episode_id_episodes')),
    sa.ForeignKeyConstraint(['premiere_id'], ['airings.id'], name=op.f('fk_airings_premiere_id_airings')),
    sa.ForeignKeyConstraint(['slot_id'], ['slots.id'], name=op.f('fk_airings_slot_id_slots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_airings'))
    )
    with op.batch_alter_table('airings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_airings_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_airings_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index('ix_airings_starts_at', ['starts_at'], unique=False)
        batch_op.create_index('uq_airings_live_occurrence', ['slot_id', 'starts_at'], unique=True, sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'"))
        batch_op.create_index('uq_airings_live_premiere', ['episode_id'], unique=True, sqlite_where=sa.text("kind = 'premiere' AND status <> 'cancelled'"), postgresql_where=sa.text("kind = 'premiere' AND status <> 'cancelled'"))

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_notifications_episode_id_episodes')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notifications_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_person_id'), ['person_id'], unique=False)

    op.create_table('unscheduled_episodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('build_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['build_id'], ['schedule_builds.id'], name=op.f('fk_unscheduled_episodes_build_id_schedule_builds')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_unscheduled_episodes_episode_id_episodes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unscheduled_episodes')),
    sa.UniqueConstraint('build_id', 'episode_id', name=op.f('uq_unscheduled_episodes_build_id_episode_id'))
    )
    with op.batch_alter_table('unscheduled_episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unscheduled_episodes_build_id'), ['build_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('unscheduled_episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unscheduled_episodes_build_id'))

    op.drop_table('unscheduled_episodes')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_person_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('airings', schema=None) as batch_op:
        batch_op.drop_index('uq_airings_live_premiere', sqlite_where=sa.text("kind = 'premiere' AND status <> 'cancelled'"), postgresql_where=sa.text("kind = 'premiere' AND status <> 'cancelled'"))
        batch_op.drop_index('uq_airings_live_occurrence', sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'"))
        batch_op.drop_index('ix_airings_starts_at')
        batch_op.drop_index(batch_op.f('ix_airings_slot_id'))
        batch_op.drop_index(batch_op.f('ix_airings_episode_id'))

    op.drop_table('airings')
    with op.batch_alter_table('slot_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slot_dates_slot_id'))

    op.drop_table('slot_dates')
    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slots_column_id'))

    op.drop_table('slots')
    op.drop_table('schedule_builds')
    
