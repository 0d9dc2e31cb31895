"""What the station's as-run log (播后记录) says of a channel's week (read-only).

An airing's as-run state: what the latest log covering it says (confirmed, late, short,
missing, from ``schedule.models.AsRunResult``); without a result, aired but unconfirmed
(已播出（未确认）) once its time has passed, else still to come. Weeks are ISO weeks
of local days (Asia/Shanghai), Monday to Sunday.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from editorial.errors import InvalidInput
from editorial.models import Column, Episode
from schedule.models import (
    Airing,
    AiringStatus,
    AsRunEntry,
    AsRunLog,
    AsRunOutcome,
    AsRunResult,
    BroadcastChannel,
    Slot,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Airing ids asked for in one statement (SQLite takes at most 32,766 bound values).
CHUNK = 5000
WEEK = re.compile(r"(\d{4})-W(\d{2})")


class AsRunState(enum.StrEnum):
    """An airing's state as far as the as-run logs know."""

    CONFIRMED = "confirmed"  # 已播出（已确认）
    LATE = "late"  # 迟播
    SHORT = "short"  # 时长不足
    MISSING = "missing"  # 漏播
    UNCONFIRMED = "unconfirmed"  # 已播出（未确认）: its time has passed, no log says so
    TO_COME = "to_come"  # 待播出

    @property
    def reported(self) -> bool:
        """Whether an as-run log said this (not just the clock)."""
        return self not in (AsRunState.UNCONFIRMED, AsRunState.TO_COME)

    @property
    def aired(self) -> bool:
        """Whether the airing counts as aired (a log says so, or nothing says otherwise yet)."""
        return self in (
            AsRunState.CONFIRMED,
            AsRunState.LATE,
            AsRunState.SHORT,
            AsRunState.UNCONFIRMED,
        )

    @property
    def confirmed(self) -> bool:
        """Whether a log says it aired (on time or not, full length or not)."""
        return self in (AsRunState.CONFIRMED, AsRunState.LATE, AsRunState.SHORT)


# The states in Chinese, as the command line and the calendar feeds say them.
WORDS = {
    AsRunState.CONFIRMED: "已播出（已确认）",
    AsRunState.LATE: "迟播",
    AsRunState.SHORT: "时长不足",
    AsRunState.MISSING: "漏播",
    AsRunState.UNCONFIRMED: "已播出（未确认）",
    AsRunState.TO_COME: "待播出",
}

OF_OUTCOME = {
    AsRunOutcome.CONFIRMED: AsRunState.CONFIRMED,
    AsRunOutcome.LATE: AsRunState.LATE,
    AsRunOutcome.SHORT: AsRunState.SHORT,
    AsRunOutcome.MISSING: AsRunState.MISSING,
}


@dataclass(frozen=True)
class AiringAsRun:
    """One airing's as-run state, with what the log says of it when it says something.

    ``late_s``: seconds it started after (negative: before) its planned start;
    ``short_s``: seconds it aired shorter than planned (0 when full length).
    """

    state: AsRunState
    late_s: int | None = None
    short_s: int | None = None
    actual_start: datetime | None = None
    actual_duration_ms: int | None = None
    log_id: int | None = None


def state_without_result(airing: Airing, now: datetime) -> AiringAsRun:
    """The state of an airing no as-run log speaks of."""
    return AiringAsRun(state_of(None, airing.status, airing.ends_at, now))


def state_of(
    outcome: AsRunOutcome | None, status: AiringStatus, ends_at: datetime, now: datetime
) -> AsRunState:
    """The as-run state of a live airing from its result's outcome (None: no result), for
    a page that reads the outcome with the airing (an outer join on ``AsRunResult``)."""
    if outcome is not None:
        return OF_OUTCOME[outcome]
    passed = status is AiringStatus.AIRED or _aware(ends_at) <= now
    return AsRunState.UNCONFIRMED if passed else AsRunState.TO_COME


def asrun_state(
    session: Session, airings: Iterable[Airing], now: datetime
) -> dict[int, AiringAsRun]:
    """The as-run state of each live airing of ``airings`` by id, in one query (one per
    ``CHUNK`` airings).

    Cancelled airings are left out: they were never meant to air.
    """
    live = [a for a in airings if a.status is not AiringStatus.CANCELLED]
    if not live:
        return {}
    results = _results(session, [a.id for a in live])
    return {
        a.id: _state_of(results[a.id]) if a.id in results else state_without_result(a, now)
        for a in live
    }


def _results(
    session: Session, airing_ids: list[int]
) -> dict[int, tuple[AsRunResult, AsRunEntry | None]]:
    found: dict[int, tuple[AsRunResult, AsRunEntry | None]] = {}
    for at in range(0, len(airing_ids), CHUNK):
        rows = session.execute(
            select(AsRunResult, AsRunEntry)
            .outerjoin(AsRunEntry, AsRunEntry.id == AsRunResult.entry_id)
            .where(AsRunResult.airing_id.in_(airing_ids[at : at + CHUNK]))
        ).all()
        found |= {result.airing_id: (result, entry) for result, entry in rows}
    return found


def _state_of(found: tuple[AsRunResult, AsRunEntry | None]) -> AiringAsRun:
    result, entry = found
    return AiringAsRun(
        OF_OUTCOME[result.outcome],
        late_s=result.late_s,
        short_s=result.short_s,
        actual_start=_aware(entry.starts_at) if entry is not None else None,
        actual_duration_ms=entry.duration_ms if entry is not None else None,
        log_id=result.log_id,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- the week -------------------------------------------------------------------------


def parse_week(text: str) -> date:
    """The Monday of the ISO week ``text`` (``2026-W49``); refuses anything else."""
    match = WEEK.fullmatch(text.strip())
    if match is None:
        raise _bad_week(text)
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise _bad_week(text) from None


def _bad_week(text: str) -> InvalidInput:
    return InvalidInput(
        f"a week is written like 2026-W49 (ISO year, W, week 01-53), not {text!r}",
        {"week": "malformed"},
        code="asrun_week_malformed",
        week=text,
    )


def week_label(monday: date) -> str:
    """``2026-W49`` for the ISO week starting on ``monday``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(moment: datetime) -> date:
    """The Monday of the local (Asia/Shanghai) week ``moment`` falls in."""
    day = moment.astimezone(SHANGHAI).date()
    return day - timedelta(days=day.weekday())


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI).astimezone(UTC)


# --- the report -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedLine:
    """A planned live airing of the week and its as-run state."""

    airing: Airing
    title: str
    column: str
    slot: str
    asrun: AiringAsRun


@dataclass(frozen=True)
class ImportedLog:
    """An as-run log imported for some of the week's days."""

    id: int
    file_name: str
    first_day: date
    last_day: date
    rows: int
    imported_by: str
    imported_at: datetime


@dataclass
class AsRunReport:
    """A channel's week: the planned airings' states, the unplanned entries, the logs."""

    channel: BroadcastChannel
    monday: date
    planned: list[PlannedLine]
    unplanned: list[AsRunEntry]
    logs: list[ImportedLog]
    counts: Counter[AsRunState] = field(default_factory=Counter)

    @property
    def week(self) -> str:
        return week_label(self.monday)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous_week(self) -> str:
        return week_label(self.monday - timedelta(days=7))

    @property
    def next_week(self) -> str:
        return week_label(self.monday + timedelta(days=7))


def week_report(
    session: Session, channel: BroadcastChannel, monday: date, now: datetime
) -> AsRunReport:
    """The as-run report of ``channel`` for the week starting on ``monday``."""
    start, end = _local_midnight(monday), _local_midnight(monday + timedelta(days=7))
    rows = session.execute(
        select(Airing, Episode.title, Column.name, Slot.name)
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Episode, Episode.id == Airing.episode_id)
        .join(Column, Column.id == Slot.column_id)
        .where(
            Slot.station == channel.station,
            Slot.channel == channel.name,
            Airing.status != AiringStatus.CANCELLED,
            Airing.starts_at >= start,
            Airing.starts_at < end,
        )
        .order_by(Airing.starts_at, Airing.id)
    ).all()
    states = asrun_state(session, [r[0] for r in rows], now)
    planned = [PlannedLine(a, title, column, slot, states[a.id]) for a, title, column, slot in rows]
    logs = session.scalars(
        select(AsRunLog)
        .options(joinedload(AsRunLog.imported_by))
        .where(
            AsRunLog.channel_id == channel.id,
            AsRunLog.first_day <= monday + timedelta(days=6),
            AsRunLog.last_day >= monday,
        )
        .order_by(AsRunLog.imported_at, AsRunLog.id)
    ).all()
    report = AsRunReport(
        channel,
        monday,
        planned,
        _unplanned(session, list(logs), start, end),
        [
            ImportedLog(
                log.id,
                log.file_name,
                log.first_day,
                log.last_day,
                log.rows,
                log.imported_by.display_name,
                _aware(log.imported_at),
            )
            for log in logs
        ],
    )
    report.counts.update(line.asrun.state for line in planned)
    return report


def _unplanned(
    session: Session, logs: list[AsRunLog], start: datetime, end: datetime
) -> list[AsRunEntry]:
    """The week's log entries matched to no airing, each day from the latest log covering it."""
    if not logs:
        return []
    entries = session.scalars(
        select(AsRunEntry)
        .where(
            AsRunEntry.log_id.in_([log.id for log in logs]),
            AsRunEntry.airing_id.is_(None),
            AsRunEntry.starts_at >= start,
            AsRunEntry.starts_at < end,
        )
        .order_by(AsRunEntry.starts_at, AsRunEntry.id)
    ).all()
    latest: dict[date, int] = {}
    for log in logs:  # oldest first: a later import of the same day wins
        day = log.first_day
        while day <= log.last_day:
            latest[day] = log.id
            day += timedelta(days=1)
    return [
        e
        for e in entries
        if latest.get(_aware(e.starts_at).astimezone(SHANGHAI).date()) == e.log_id
    ]


def signed_minutes_seconds(seconds: int) -> str:
    """``+3:05`` / ``-0:40``: a difference in minutes and seconds, signed."""
    sign = "-" if seconds < 0 else "+"
    minutes, rest = divmod(abs(seconds), 60)
    return f"{sign}{minutes}:{rest:02d}"


def minutes_seconds(seconds: int) -> str:
    """``3:05``: a length in minutes and seconds (hours as minutes)."""
    minutes, rest = divmod(abs(seconds), 60)
    return f"{minutes}:{rest:02d}"
