"""The demo's as-run log: last week of the city channel, one airing missing and one late,
the others confirmed, imported once with its notifications."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import demo as editorial_demo
from editorial.models import Notification
from schedule import demo as schedule_demo
from schedule.models import Airing, AiringStatus, AsRunLog, AsRunResult
from station import asrun, demo


def test_the_demo_imports_last_weeks_log_with_one_missing_and_one_late_airing(
    session: Session, now: datetime, tmp_path: Path
) -> None:
    editorial_demo.load(session, now)
    schedule_demo.load(session, now)
    loaded = demo.load(session, now, tmp_path)
    assert loaded is not None and loaded.file.exists()
    summary = loaded.summary
    assert (summary.missing, summary.late, summary.short) == (1, 1, 0)
    aired = session.scalars(select(Airing).where(Airing.status == AiringStatus.AIRED)).all()
    assert summary.confirmed == len(aired) - 2 >= 2
    outcomes = dict(session.execute(select(AsRunResult.airing_id, AsRunResult.outcome)).all())
    assert sorted(map(str, outcomes.values())).count("confirmed") == summary.confirmed
    assert set(outcomes) == {a.id for a in aired}
    assert summary.log.encoding == "gb18030" and summary.unplanned >= 7  # the station's own
    told = session.scalars(select(Notification).where(Notification.kind == asrun.KIND)).all()
    assert told and all("漏播 1 次" in n.message and "迟播 1 次" in n.message for n in told)
    assert demo.load(session, now, tmp_path) is None
    assert session.scalar(select(func.count()).select_from(AsRunLog)) == 1
