"""scheduler service: the run ledger and APScheduler's job store table

The job store table has APScheduler 3.x's own columns (SQLAlchemyJobStore); the
service finds it here instead of creating it itself.

Revision ID: 5d7e9a1c3b20
Revises: 8c1d2e4f5a6b
Create Date: 2026-11-28 12:13:30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5d7e9a1c3b20'
down_revision: str | None = '8c1d2e4f5a6b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('scheduler_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=100), nullable=False),
    sa.Column('fire_time', sa.DateTime(), nullable=False),
    sa.Column('runner', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('running', 'done', 'failed', 'missed', name='run_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_runs')),
    sa.UniqueConstraint('job_id', 'fire_time', name=op.f('uq_scheduler_runs_job_id_fire_time'))
    )
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.create_index('ix_scheduler_runs_status', ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_scheduler_runs_status')

    op.drop_table('scheduler_runs')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
