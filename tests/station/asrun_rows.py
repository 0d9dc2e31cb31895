"""As-run rows made directly (not through the import), for the report's tests.

``asrun_week`` plans a daily 20:00 premiere on a channel for the ISO week 2026-W09
(Monday 23 February to Sunday 1 March 2026, Asia/Shanghai) and records what a station's
log says of it: Monday confirmed, Tuesday late, Wednesday short, Thursday missing, Friday
without a result (aired, unconfirmed by ``AFTER_FRIDAY``), Sunday still to come, and one
unplanned entry on Saturday (plus one from an older log of that day, replaced).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.models import Column, Person
from schedule import channels, slots
from schedule.models import (
    Airing,
    AiringStatus,
    AsRunEntry,
    AsRunLog,
    AsRunOutcome,
    AsRunResult,
    BroadcastChannel,
    Slot,
    SlotKind,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 2, 23)  # 2026-W09
AFTER_FRIDAY = datetime(2026, 2, 28, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)


def local(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), SHANGHAI).astimezone(UTC)


def make_log(
    session: Session,
    channel: BroadcastChannel,
    by: Person,
    first_day: date,
    last_day: date,
    at: datetime,
    file_name: str = "asrun.csv",
    rows: int = 1,
) -> AsRunLog:
    log = AsRunLog(
        channel_id=channel.id,
        sha256=f"{file_name}-{first_day}-{at.isoformat()}".ljust(64, "0")[:64],
        file_name=file_name,
        file_format="csv",
        encoding="utf-8",
        first_day=first_day,
        last_day=last_day,
        rows=rows,
        imported_by_id=by.id,
        imported_at=at,
    )
    session.add(log)
    session.flush()
    return log


def add_entry(
    session: Session,
    log: AsRunLog,
    starts_at: datetime,
    duration_s: int,
    title: str = "",
    airing: Airing | None = None,
) -> AsRunEntry:
    row = 2 + _entries(session, log)  # the header is row 1
    entry = AsRunEntry(
        log_id=log.id,
        row=row,
        starts_at=starts_at,
        duration_ms=duration_s * 1000,
        title=title,
        house_id="",
        status="正常",
        airing_id=airing.id if airing else None,
    )
    session.add(entry)
    session.flush()
    return entry


def _entries(session: Session, log: AsRunLog) -> int:
    return session.scalar(select(func.count(AsRunEntry.id)).where(AsRunEntry.log_id == log.id)) or 0


def add_result(
    session: Session,
    airing: Airing,
    log: AsRunLog,
    outcome: AsRunOutcome,
    at: datetime,
    entry: AsRunEntry | None = None,
    late_s: int | None = 0,
    short_s: int | None = 0,
) -> AsRunResult:
    missing = outcome is AsRunOutcome.MISSING
    result = AsRunResult(
        airing_id=airing.id,
        log_id=log.id,
        entry_id=None if missing else entry.id if entry else None,
        outcome=outcome,
        late_s=None if missing else late_s,
        short_s=None if missing else short_s,
        checked_at=at,
    )
    session.add(result)
    session.flush()
    return result


def plan(
    session: Session,
    slot: Slot,
    episode_id: int,
    starts_at: datetime,
    status: AiringStatus,
    premiere: Airing | None = None,
) -> Airing:
    """A premiere of ``episode_id`` in ``slot`` at ``starts_at``; a rerun of ``premiere``."""
    airing = Airing(
        slot_id=slot.id,
        episode_id=episode_id,
        kind=SlotKind.RERUN if premiere else SlotKind.PREMIERE,
        premiere_id=premiere.id if premiere else None,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(seconds=slot.duration_s),
        status=status,
        created_at=starts_at - timedelta(days=30),
        updated_at=starts_at - timedelta(days=30),
    )
    session.add(airing)
    session.flush()
    return airing


@dataclass
class AsRunWeek:
    channel: BroadcastChannel
    slot: Slot
    airings: list[Airing]  # Monday .. Sunday, Saturday without an airing (None left out)
    unplanned: AsRunEntry
    replaced: AsRunEntry
    log: AsRunLog


def asrun_week(
    session: Session,
    column: Column,
    scheduler: Person,
    director: Person,
    producer: Person,
    titles: tuple[str, ...] = (
        "周一节目",
        "周二节目",
        "周三节目",
        "周四节目",
        "周五节目",
        "周日节目",
    ),
) -> AsRunWeek:
    """The week described in the module's docstring, on ``column``'s channel."""
    made = local(MONDAY - timedelta(days=40), 9)
    slot = slots.create_slot(
        session,
        scheduler,
        column,
        made,
        slots.SlotSpec(
            name="每日首播",
            kind=SlotKind.PREMIERE,
            local_start=time(20, 0),
            duration_s=1800,
            rrule="FREQ=DAILY",
            first_date=MONDAY,
        ),
    )
    channel = channels.channel_of(session, slot)
    days = [MONDAY + timedelta(days=n) for n in (0, 1, 2, 3, 4, 6)]
    airings = []
    for day, title in zip(days, titles, strict=True):
        episode = workflow.propose(
            session,
            director,
            column,
            made,
            workflow.Proposal(title=title, target_duration_s=1800, responsible_producer=producer),
        )
        status = AiringStatus.AIRED if day < MONDAY + timedelta(days=4) else AiringStatus.PUBLISHED
        airings.append(plan(session, slot, episode.id, local(day, 20), status))
    mon, tue, wed, thu, _fri, _sun = airings
    old = make_log(
        session,
        channel,
        scheduler,
        MONDAY + timedelta(days=5),
        MONDAY + timedelta(days=5),
        local(MONDAY + timedelta(days=6), 8),
        file_name="old.csv",
    )
    replaced = add_entry(session, old, local(MONDAY + timedelta(days=5), 10), 600, "旧记录")
    log = make_log(
        session,
        channel,
        scheduler,
        MONDAY,
        MONDAY + timedelta(days=5),
        local(MONDAY + timedelta(days=6), 9),
        file_name="播后记录0223-0228.csv",
        rows=5,
    )
    at = local(MONDAY + timedelta(days=6), 9)
    e = add_entry(session, log, local(MONDAY, 20, 0, 3), 1800, "周一节目", mon)
    add_result(session, mon, log, AsRunOutcome.CONFIRMED, at, e, late_s=3, short_s=0)
    e = add_entry(session, log, local(MONDAY + timedelta(days=1), 20, 2, 5), 1800, "周二节目", tue)
    add_result(session, tue, log, AsRunOutcome.LATE, at, e, late_s=125, short_s=0)
    e = add_entry(session, log, local(MONDAY + timedelta(days=2), 20), 1760, "周三节目", wed)
    add_result(session, wed, log, AsRunOutcome.SHORT, at, e, late_s=0, short_s=40)
    add_result(session, thu, log, AsRunOutcome.MISSING, at)
    unplanned = add_entry(session, log, local(MONDAY + timedelta(days=5), 10), 900, "体育新闻")
    return AsRunWeek(channel, slot, airings, unplanned, replaced, log)
