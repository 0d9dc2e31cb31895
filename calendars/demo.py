"""Demo: a county column that keeps its own system publishes a feed the city imports.

《云溪风采》's own broadcast system (a file here, written relative to ``now``)
lists a weekly weekend edition with no end to its rule, two specials, one of
them without a UID (imported and flagged), and one cancelled occurrence. The
source is registered by the column's scheduler and imported once; the
scheduler service imports it hourly from then on. Then the feed ledger is
synced, so the feeds show the demo at once. Nothing is added if any feed
source exists; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendars import importer, ledger
from calendars.models import FeedSource
from editorial.models import Column, Membership, Person, Role
from editorial.workdays import SHANGHAI, local_date

COLUMN = "yunxi-fengcai"
SOURCE_NAME = "云溪县广播电视台播出系统"
FILE_NAME = "yunxi-feed.ics"


def feed_text(now: datetime) -> str:
    """The county system's feed, its dates relative to ``now`` (Asia/Shanghai)."""
    today = local_date(now)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)

    def stamp(day_offset: int, clock: time) -> str:
        moment = datetime.combine(saturday + timedelta(days=day_offset), clock)
        return moment.strftime("%Y%m%dT%H%M%S")

    cancelled = stamp(14, time(19, 30))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Yunxi County TV//Broadcast System 3.2//ZH",
        "X-WR-CALNAME:云溪县广播电视台 播出安排",
        "BEGIN:VEVENT",
        "UID:yunxi-weekend-edition@yunxi-tv.example",
        f"DTSTAMP:{now.astimezone(SHANGHAI):%Y%m%dT%H%M%S}",
        f"DTSTART;TZID=Asia/Shanghai:{stamp(0, time(19, 30))}",
        "DURATION:PT30M",
        "RRULE:FREQ=WEEKLY;BYDAY=SA",
        "SUMMARY:《云溪风采》周末版：基层党建一线",
        "LOCATION:云溪县广播电视台 综合频道",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:yunxi-weekend-edition@yunxi-tv.example",
        f"DTSTAMP:{now.astimezone(SHANGHAI):%Y%m%dT%H%M%S}",
        f"RECURRENCE-ID;TZID=Asia/Shanghai:{cancelled}",
        f"DTSTART;TZID=Asia/Shanghai:{cancelled}",
        "DURATION:PT30M",
        "SUMMARY:《云溪风采》周末版：基层党建一线（停播）",
        "STATUS:CANCELLED",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:yunxi-special-tea@yunxi-tv.example",
        f"DTSTAMP:{now.astimezone(SHANGHAI):%Y%m%dT%H%M%S}",
        f"DTSTART;TZID=Asia/Shanghai:{stamp(3, time(20, 0))}",
        f"DTEND;TZID=Asia/Shanghai:{stamp(3, time(20, 25))}",
        "SUMMARY:特别节目：茶山党支部的十年",
        "LOCATION:云溪县广播电视台 综合频道",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"DTSTAMP:{now.astimezone(SHANGHAI):%Y%m%dT%H%M%S}",
        f"DTSTART;TZID=Asia/Shanghai:{stamp(10, time(20, 0))}",
        f"DTEND;TZID=Asia/Shanghai:{stamp(10, time(20, 20))}",
        "SUMMARY:特别节目：驻村第一书记访谈",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def load(session: Session, now: datetime, directory: Path) -> int:
    """Write the county feed under ``directory``, register and import it; sync the ledger.

    Returns how many airings were imported (0 if the demo source was there).
    """
    if session.scalar(select(func.count()).select_from(FeedSource)):
        return 0
    column = session.scalar(select(Column).where(Column.slug == COLUMN))
    if column is None:
        return 0
    scheduler = session.scalar(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.column_id == column.id, Membership.role == Role.SCHEDULER)
        .order_by(Person.id)
    )
    if scheduler is None:
        return 0
    directory.mkdir(parents=True, exist_ok=True)
    path = (directory / FILE_NAME).resolve()
    path.write_text(feed_text(now), encoding="utf-8")
    source = importer.add_source(session, scheduler, column, SOURCE_NAME, str(path), now)
    report = importer.import_source(session, source, now)
    ledger.sync(session, now)
    return report.taken
