"""media jobs, column packaging, episode media duration

Revision ID: 7b3e9f1a2c84
Revises: 4d8a2c6e1f37
Create Date: 2026-11-28 16:40:59.881904
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7b3e9f1a2c84'
down_revision: str | None = '4d8a2c6e1f37'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('column_packaging',
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('opening_stored_as', sa.String(length=200), nullable=False),
    sa.Column('opening_sha256', sa.String(length=64), nullable=False),
    sa.Column('closing_stored_as', sa.String(length=200), nullable=False),
    sa.Column('closing_sha256', sa.String(length=64), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_column_packaging_column_id_columns')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_column_packaging_updated_by_id_people')),
    sa.PrimaryKeyConstraint('column_id', name=op.f('pk_column_packaging'))
    )
    op.create_table('media_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('media_version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('review', 'package', name='media_job_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='media_job_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('timeout_s', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('worker_pid', sa.Integer(), nullable=True),
    sa.Column('outputs', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint('progress >= 0 AND progress <= 1', name=op.f('ck_media_jobs_progress_fraction')),
    sa.CheckConstraint('timeout_s > 0', name=op.f('ck_media_jobs_timeout_positive')),
    sa.ForeignKeyConstraint(['media_version_id'], ['media_versions.id'], name=op.f('fk_media_jobs_media_version_id_media_versions')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['people.id'], name=op.f('fk_media_jobs_requested_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_jobs'))
    )
    with op.batch_alter_table('media_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_jobs_media_version_id'), ['media_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_media_jobs_state'), ['state'], unique=False)
        batch_op.create_index('uq_media_jobs_active', ['media_version_id', 'kind'], unique=True, sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))

    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_duration_s', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_column('media_duration_s')

    with op.batch_alter_table('media_jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_media_jobs_active', sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))
        batch_op.drop_index(batch_op.f('ix_media_jobs_state'))
        batch_op.drop_index(batch_op.f('ix_media_jobs_media_version_id'))

    op.drop_table('media_jobs')
    op.drop_table('column_packaging')
