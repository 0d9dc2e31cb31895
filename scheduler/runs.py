"""What the scheduler service's run ledger (``SchedulerRun``) says, for people: each
job's last run, and the recent runs that failed or were missed with their reason.

Read by ``tvcolumn scheduler jobs`` and the administrators' service page, so a job
that fails (a feed folder that cannot be written, say) is seen, not only logged.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.models import RunStatus, SchedulerRun

PROBLEMS = (RunStatus.FAILED, RunStatus.MISSED)


def last_runs(session: Session) -> dict[str, SchedulerRun]:
    """Each job's run of the latest fire time, by job id."""
    latest = (
        select(SchedulerRun.job_id, func.max(SchedulerRun.fire_time).label("fire_time"))
        .group_by(SchedulerRun.job_id)
        .subquery()
    )
    runs = session.scalars(
        select(SchedulerRun).join(
            latest,
            (SchedulerRun.job_id == latest.c.job_id)
            & (SchedulerRun.fire_time == latest.c.fire_time),
        )
    )
    return {run.job_id: run for run in runs}


def recent_problems(session: Session, limit: int = 50) -> list[SchedulerRun]:
    """The latest runs that failed or were missed, newest first."""
    return list(
        session.scalars(
            select(SchedulerRun)
            .where(SchedulerRun.status.in_(PROBLEMS))
            .order_by(SchedulerRun.fire_time.desc(), SchedulerRun.id.desc())
            .limit(limit)
        )
    )
