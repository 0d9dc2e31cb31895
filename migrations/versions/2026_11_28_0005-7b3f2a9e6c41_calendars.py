"""calendars: the feed ledger, personal feed tokens, county feed sources and
their imported airings; series that county columns relay

Revision ID: 7b3f2a9e6c41
Revises: 5d7e9a1c3b20
Create Date: 2026-11-28 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7b3f2a9e6c41'
down_revision: str | None = '5d7e9a1c3b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feed_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('location', sa.String(length=1000), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('http_last_modified', sa.String(length=100), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('last_error_at', sa.DateTime(), nullable=True),
    sa.Column('last_report', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("location <> ''", name=op.f('ck_feed_sources_location_not_empty')),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_feed_sources_column_id_columns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_sources')),
    sa.UniqueConstraint('column_id', 'location', name=op.f('uq_feed_sources_column_id_location'))
    )
    with op.batch_alter_table('feed_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_sources_column_id'), ['column_id'], unique=False)

    op.create_table('feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_feed_tokens_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feed_tokens_token_hash'))
    )
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_tokens_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_feed_tokens_live_person', ['person_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('external_airings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('identity', sa.String(length=300), nullable=False),
    sa.Column('source_uid', sa.String(length=500), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_external_airings_ends_after_start')),
    sa.ForeignKeyConstraint(['source_id'], ['feed_sources.id'], name=op.f('fk_external_airings_source_id_feed_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_airings')),
    sa.UniqueConstraint('source_id', 'identity', name=op.f('uq_external_airings_source_id_identity'))
    )
    with op.batch_alter_table('external_airings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_airings_source_id'), ['source_id'], unique=False)
        batch_op.create_index('ix_external_airings_starts_at', ['starts_at'], unique=False)

    op.create_table('feed_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('airing', 'external', 'review', 'liaison', name='feed_event_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=True),
    sa.Column('episode_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=20), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=True),
    sa.Column('ends_at', sa.DateTime(), nullable=True),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('tzid', sa.String(length=40), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('categories', sa.String(length=200), nullable=False),
    sa.Column('organizer', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('TENTATIVE', 'CONFIRMED', 'CANCELLED', name='feed_event_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('ical', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_modified', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(status = 'CANCELLED') = (cancelled_at IS NOT NULL)", name=op.f('ck_feed_events_cancelled_has_time')),
    sa.CheckConstraint('(starts_at IS NULL) <> (day IS NULL)', name=op.f('ck_feed_events_timed_or_all_day')),
    sa.CheckConstraint('ends_at IS NULL OR ends_at > starts_at', name=op.f('ck_feed_events_ends_after_start')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_feed_events_sequence_not_negative')),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_feed_events_column_id_columns')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_feed_events_episode_id_episodes')),
    sa.ForeignKeyConstraint(['source_id'], ['feed_sources.id'], name=op.f('fk_feed_events_source_id_feed_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_events')),
    sa.UniqueConstraint('uid', name=op.f('uq_feed_events_uid'))
    )
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_events_column_id'), ['column_id'], unique=False)
        batch_op.create_index('ix_feed_events_day', ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_events_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_events_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_events_source_id'), ['source_id'], unique=False)
        batch_op.create_index('ix_feed_events_starts_at', ['starts_at'], unique=False)

    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relay', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_column('relay')

    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_events_starts_at')
        batch_op.drop_index(batch_op.f('ix_feed_events_source_id'))
        batch_op.drop_index(batch_op.f('ix_feed_events_kind'))
        batch_op.drop_index(batch_op.f('ix_feed_events_episode_id'))
        batch_op.drop_index('ix_feed_events_day')
        batch_op.drop_index(batch_op.f('ix_feed_events_column_id'))

    op.drop_table('feed_events')
    with op.batch_alter_table('external_airings', schema=None) as batch_op:
        batch_op.drop_index('ix_external_airings_starts_at')
        batch_op.drop_index(batch_op.f('ix_external_airings_source_id'))

    op.drop_table('external_airings')
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.drop_index('uq_feed_tokens_live_person', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_feed_tokens_person_id'))

    op.drop_table('feed_tokens')
    with op.batch_alter_table('feed_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_sources_column_id'))

    op.drop_table('feed_sources')
