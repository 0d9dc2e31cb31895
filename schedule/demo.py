"""Demo slots and a first air schedule for the editorial demo's columns.

The city column 《时代风采》 gets three weekly premieres (30, 20 and 15 minutes,
so episodes of every demo length find a slot) and two reruns; each county
sister column a weekly 20-minute premiere and a rerun; the county without a
fixed column (柳河县) a concentrated broadcast (集中播放): ten days of two daily
slots starting a fortnight after ``now``. Slots are created through
``schedule.slots`` by each column's scheduler, then the schedule is built.

The city column's last week (Monday to Sunday before this week) is on air already,
as if the service had run all along: it is built as it would have been a week ago,
published and marked aired (``schedule.publishing``), so the station's as-run log of
that week (``station.demo``) has airings to confirm. Nothing is added if any slot
exists; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.demo import CITY_SLUG
from editorial.models import Column, Membership, Person, Role
from editorial.workdays import SHANGHAI, local_date
from schedule import builder, publishing, slots
from schedule.builder_settings import BuildSettings
from schedule.models import Slot, SlotKind

SINCE_DAYS = 28  # weekly slots began four weeks before ``now``
CAMPAIGN_IN_DAYS = 3  # inside the frozen week: published, so in the XMLTV guide and on the sheet
CAMPAIGN_DAYS = 10


@dataclass(frozen=True)
class DemoSlot:
    column: str
    name: str
    clock: time
    minutes: int
    rule: str
    rerun_of: str | None = None  # the name of the premiere slot it replays
    rerun_back: int = 1
    campaign: bool = False


COUNTIES = (
    ("linjiang-xianfeng", "TH"),
    ("qingshan-dangjian", "WE"),
    ("shiqiao-hongqi", "FR"),
    ("nanhu-dangyuan", "MO"),
    ("yunxi-fengcai", "TU"),
)
WEEKDAY = {"MO": "周一", "TU": "周二", "WE": "周三", "TH": "周四", "FR": "周五"}
RERUN_DAY = {"MO": "WE", "TU": "TH", "WE": "FR", "TH": "SA", "FR": "SU"}
CAMPAIGN_COLUMN = "liuhe-jizhong"

SLOTS = (
    DemoSlot(CITY_SLUG, "周五首播", time(20, 0), 30, "FREQ=WEEKLY;BYDAY=FR"),
    DemoSlot(CITY_SLUG, "周二首播", time(20, 0), 20, "FREQ=WEEKLY;BYDAY=TU"),
    DemoSlot(CITY_SLUG, "周六短片首播", time(18, 30), 15, "FREQ=WEEKLY;BYDAY=SA"),
    DemoSlot(CITY_SLUG, "周日重播", time(10, 0), 30, "FREQ=WEEKLY;BYDAY=SU", "周五首播"),
    DemoSlot(CITY_SLUG, "周四重播", time(12, 0), 20, "FREQ=WEEKLY;BYDAY=TH", "周二首播"),
    *(
        slot
        for slug, day in COUNTIES
        for slot in (
            DemoSlot(slug, f"{WEEKDAY[day]}首播", time(19, 30), 20, f"FREQ=WEEKLY;BYDAY={day}"),
            DemoSlot(
                slug,
                "重播",
                time(12, 0),
                20,
                f"FREQ=WEEKLY;BYDAY={RERUN_DAY[day]}",
                f"{WEEKDAY[day]}首播",
                2 if slug == "yunxi-fengcai" else 1,  # replays the premiere before last
            ),
        )
    ),
    DemoSlot(CAMPAIGN_COLUMN, "集中播放（专题）", time(19, 0), 30, "FREQ=DAILY", campaign=True),
    DemoSlot(CAMPAIGN_COLUMN, "集中播放（纪实）", time(19, 30), 20, "FREQ=DAILY", campaign=True),
)


def _scheduler(session: Session, column: Column) -> Person:
    """The column's scheduler (编排), else its admin."""
    for role in (Role.SCHEDULER, Role.ADMIN):
        person = session.scalar(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.column_id == column.id, Membership.role == role)
            .order_by(Person.id)
            .limit(1)
        )
        if person is not None:
            return person
    raise LookupError(f"column {column.slug} has no scheduler or admin")


def _dates(spec: DemoSlot, today: date) -> tuple[date, date | None]:
    if spec.campaign:
        first = today + timedelta(days=CAMPAIGN_IN_DAYS)
        return first, first + timedelta(days=CAMPAIGN_DAYS - 1)
    return today - timedelta(days=SINCE_DAYS), None


def load(session: Session, now: datetime) -> int:
    """Add the demo slots and build the schedule; return how many slots were added."""
    if session.scalar(select(func.count()).select_from(Slot)):
        return 0
    columns = {c.slug: c for c in session.scalars(select(Column))}
    if CITY_SLUG not in columns:
        return 0
    today = local_date(now)
    made: dict[tuple[str, str], Slot] = {}
    for spec in SLOTS:
        column = columns[spec.column]
        first, last = _dates(spec, today)
        made[(spec.column, spec.name)] = slots.create_slot(
            session,
            _scheduler(session, column),
            column,
            now,
            slots.SlotSpec(
                name=spec.name,
                kind=SlotKind.RERUN if spec.rerun_of else SlotKind.PREMIERE,
                local_start=spec.clock,
                duration_s=spec.minutes * 60,
                rrule=spec.rule,
                first_date=first,
                last_date=last,
                rerun_of=made[(spec.column, spec.rerun_of)] if spec.rerun_of else None,
                rerun_back=spec.rerun_back,
                campaign=spec.campaign,
            ),
        )
    _last_week(session, now, columns[CITY_SLUG])
    builder.build(session, now)
    return len(made)


def last_week(today: date) -> tuple[date, date]:
    """Monday and Sunday of the week before ``today``'s."""
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def _last_week(session: Session, now: datetime, city: Column) -> None:
    """Build the city column's last week as a build then would have, publish it and mark
    what has ended aired, as the service's jobs would have."""
    first, last = last_week(local_date(now))
    then = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    builder.build(
        session,
        then,
        column_ids=[city.id],
        start=first,
        end=last,
        settings=BuildSettings(frozen_days=0),
    )
    publishing.publish_frozen(session, now, frozen_days=0)
    publishing.mark_aired(session, now)
