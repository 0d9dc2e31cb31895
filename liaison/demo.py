"""The liaison demo: the current quarter of the editorial demo's columns.

The quarter of ``now`` (Asia/Shanghai) with its liaison meeting in ten days at
the city e-education centre (training, exchange, deployment), a few columns'
replies, and two reporting priorities whose tags the demo episodes carry
(``editorial.demo``), so goal management shows real numbers:

* 基层党建 (weight 1), from the quarter's start to three weeks from today at the
  latest: it ends within a month, so the behind-target reminder fires for the
  columns short of their target;
* 先锋工程 (weight 2), from three weeks on to the quarter's end.

Each has a submission deadline and a target for every column. Everything is
done by the demo's liaison officer (``zhou.min``), through ``liaison.service``;
``tvcolumn demo load`` then syncs the feed ledger, so the liaison feed shows it
(calendars lies above liaison and is not imported here). Nothing is added
if a quarter exists or the editorial demo is not there; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.demo import CITY_SLUG
from editorial.models import Column, Person
from editorial.workdays import SHANGHAI, local_date
from liaison import service
from liaison.models import AgendaKind, AttendanceStatus, Quarter

OFFICER = "zhou.min"
MEETING_IN_DAYS = 10
MEETING_HOURS = (time(9, 0), time(11, 30))
PLACE = "市委党员电教中心 会议室"
FIRST_WINDOW_DAYS = 20  # the first priority's window ends within this many days of today
REPLIES = (
    (
        "linjiang-xianfeng",
        AttendanceStatus.ATTENDING,
        "徐刚、郭晓丽",
        "带来《田埂上的党课》样片交流",
    ),
    ("qingshan-dangjian", AttendanceStatus.ATTENDING, "林海", ""),
    ("nanhu-dangyuan", AttendanceStatus.ABSENT, "", "区里同日召开党建工作会，书面提交交流材料"),
)


def _quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def load(session: Session, now: datetime) -> int | None:
    """Add the current quarter, its meeting and two priorities; how many priorities
    were added, or None if there was a quarter already (or no demo to plan for)."""
    if session.scalar(select(func.count()).select_from(Quarter)):
        return None
    officer = session.scalar(select(Person).where(Person.username == OFFICER))
    columns = {c.slug: c for c in session.scalars(select(Column).order_by(Column.id))}
    if officer is None or CITY_SLUG not in columns:
        return None
    today = local_date(now)
    year, number = _quarter_of(today)
    quarter = service.create_quarter(session, officer, now, year=year, number=number)
    _meeting(session, officer, quarter, columns, now, today)
    first_end = min(today + timedelta(days=FIRST_WINDOW_DAYS), quarter.end)
    second_start = min(first_end + timedelta(days=1), quarter.end)
    specs = (
        service.PrioritySpec(
            theme="抓基层强基础：基层党建工作成效",
            tag="基层党建",
            window_start=quarter.start,
            window_end=first_end,
            weight=1,
            description="各栏目报道本地基层党组织建设的新做法、新成效，每期突出一个支部。",
            submit_by=min(quarter.start + timedelta(days=14), first_end),
            targets={c.id: 3 if slug == CITY_SLUG else 2 for slug, c in columns.items()},
        ),
        service.PrioritySpec(
            theme="先锋工程建设纪实",
            tag="先锋工程",
            window_start=second_start,
            window_end=quarter.end,
            weight=2,
            description="聚焦“先锋工程”建设中的党员先锋模范，城市栏目做系列，县级栏目各报一期。",
            submit_by=max(second_start - timedelta(days=7), quarter.start),
            targets={c.id: 2 if slug == CITY_SLUG else 1 for slug, c in columns.items()},
        ),
    )
    for spec in specs:
        service.add_priority(session, officer, quarter, spec, now)
    return len(specs)


def _meeting(
    session: Session,
    officer: Person,
    quarter: Quarter,
    columns: dict[str, Column],
    now: datetime,
    today: date,
) -> None:
    day = today + timedelta(days=MEETING_IN_DAYS)
    start, end = (datetime.combine(day, t, SHANGHAI).astimezone(UTC) for t in MEETING_HOURS)
    meeting = service.schedule_meeting(
        session,
        officer,
        quarter,
        service.MeetingSpec(
            starts_at=start,
            ends_at=end,
            place=PLACE,
            agenda=(
                (AgendaKind.TRAINING, "短视频拍摄与手机剪辑业务培训"),
                (AgendaKind.EXCHANGE, "各县（区）栏目交流制作经验：如何把党课讲进田间地头"),
                (AgendaKind.DEPLOYMENT, "基层党建、先锋工程两项重点的报道安排与各栏目目标"),
            ),
        ),
        now,
    )
    for slug, status, attendees, notes in REPLIES:
        if slug in columns:
            service.set_attendance(
                session,
                officer,
                meeting,
                columns[slug],
                now,
                status=status,
                attendees=attendees,
                notes=notes,
            )
