"""media jobs on procrastinate: attempts, the worker, the job's log; procrastinate's schema

A media job now says which attempt runs it (``attempt``, a fencing token: a
worker given up for dead cannot write over the attempt that replaced it), on
which worker (``worker``, host and process) and keeps a log of what it chose
(``log``: e.g. why a package was re-encoded rather than joined by stream copy), and
the task engine's job that runs the attempt (``task_id``, procrastinate's job id).

On PostgreSQL the schema of procrastinate (the task engine media workers take
jobs from, docs/decisions/0008) is installed as the pinned version ships it.
Upgrading procrastinate means a migration here applying the SQL migration
files it ships between the two versions.

Revision ID: f2c8a4d6b9e1
Revises: b3d8f1a6c2e4
Create Date: 2026-12-04 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2c8a4d6b9e1"
down_revision: str | None = "b3d8f1a6c2e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
PROCRASTINATE_TYPES = (
    "procrastinate_job_to_defer_v1",
    "procrastinate_job_event_type",
    "procrastinate_job_status",
)


def upgrade() -> None:
    with op.batch_alter_table("media_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempt", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("worker", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("log", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("task_id", sa.BigInteger(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_media_jobs_attempt_not_negative"), "attempt >= 0")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # The raw cursor, without parameters: the schema's text has '%' signs that a
        # parameter style would read as placeholders.
        raw = bind.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        functions = bind.exec_driver_sql(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND starts_with(p.proname, 'procrastinate_')"
        ).scalars().all()
        for table in PROCRASTINATE_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        for function in functions:
            op.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
        for type_ in PROCRASTINATE_TYPES:
            op.execute(f"DROP TYPE IF EXISTS {type_} CASCADE")
    with op.batch_alter_table("media_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_media_jobs_attempt_not_negative"), type_="check")
        batch_op.drop_column("task_id")
        batch_op.drop_column("log")
        batch_op.drop_column("worker")
        batch_op.drop_column("attempt")
