"""The liaison demo: the current quarter, its meeting, two priorities on the demo's tags."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendars import feeds, ledger
from calendars.models import EventKind, FeedEvent
from editorial import demo as editorial_demo
from editorial.models import Column, PriorityTag
from editorial.workdays import SHANGHAI, local_date
from liaison import demo, reminders
from liaison.models import Meeting, Priority, Quarter
from liaison.progress import Stage, progress
from schedule import demo as scheduler_demo


def test_the_demo_plans_the_current_quarter_once(session: Session, now: datetime) -> None:
    assert demo.load(session, now) is None  # no editorial demo: nothing to plan for
    editorial_demo.load(session, now)
    scheduler_demo.load(session, now)
    assert demo.load(session, now) == 2
    today = local_date(now)
    quarter = session.scalars(select(Quarter)).one()
    assert quarter.start <= today <= quarter.end
    meeting = session.scalars(select(Meeting)).one()
    starts = meeting.starts_at.astimezone(SHANGHAI)
    assert (starts.date() - today, starts.hour) == (timedelta(days=10), 9)
    assert meeting.place == "市委党员电教中心 会议室" and len(meeting.agenda) == 3
    priorities = session.scalars(select(Priority).order_by(Priority.window_start)).all()
    assert all(quarter.start <= p.window_start <= p.window_end <= quarter.end for p in priorities)
    assert 0 <= (priorities[0].window_end - today).days <= 30  # the behind reminder fires
    carried = set(session.scalars(select(PriorityTag.tag)))
    assert {p.tag for p in priorities} <= carried
    columns = session.scalar(select(func.count()).select_from(Column))
    assert all(len(p.targets) == columns for p in priorities)
    report = progress(session, quarter)
    assert sum(c.count(s) for c in report.cells.values() for s in Stage) > 0  # real numbers
    ledger.sync(session, now)  # as `tvcolumn demo load` does after every package's demo
    kinds = session.scalars(select(FeedEvent.uid).where(FeedEvent.kind == EventKind.LIAISON))
    assert {uid.split("-")[1] for uid in kinds} >= {"meeting", "priority"}
    assert feeds.render(session, feeds.liaison_feed(), feeds.window(now)).events >= 3
    assert reminders.behind_reminders(session, now) > 0
    assert demo.load(session, now) is None
    assert session.scalar(select(func.count()).select_from(Quarter)) == 1
