"""The as-run report of a channel's week, and an airing's as-run state."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from editorial import people
from editorial.errors import InvalidInput
from editorial.models import Role
from schedule.models import AiringStatus
from station.asrun_report import (
    AsRunState,
    asrun_state,
    parse_week,
    signed_minutes_seconds,
    week_label,
    week_of,
    week_report,
)
from tests.conftest import NOW, Crew
from tests.station.asrun_rows import AFTER_FRIDAY, MONDAY, AsRunWeek, asrun_week, local


@pytest.fixture
def week(session: Session, crew: Crew) -> AsRunWeek:
    scheduler = people.create_person(session, NOW, username="bianpai", display_name="编排员")
    people.grant_role(session, scheduler, crew.column, Role.SCHEDULER, NOW)
    return asrun_week(session, crew.column, scheduler, crew.director, crew.producer)


def test_each_planned_airing_has_the_state_the_log_gives_it(
    session: Session, week: AsRunWeek
) -> None:
    report = week_report(session, week.channel, MONDAY, AFTER_FRIDAY)
    assert [(line.title, line.asrun.state) for line in report.planned] == [
        ("周一节目", AsRunState.CONFIRMED),
        ("周二节目", AsRunState.LATE),
        ("周三节目", AsRunState.SHORT),
        ("周四节目", AsRunState.MISSING),
        ("周五节目", AsRunState.UNCONFIRMED),
        ("周日节目", AsRunState.TO_COME),
    ]


def test_late_and_short_airings_carry_the_difference_and_what_aired(
    session: Session, week: AsRunWeek
) -> None:
    lines = week_report(session, week.channel, MONDAY, AFTER_FRIDAY).planned
    late, short, missing = lines[1].asrun, lines[2].asrun, lines[3].asrun
    assert (late.late_s, late.actual_start) == (125, local(MONDAY + timedelta(days=1), 20, 2, 5))
    assert (short.short_s, short.actual_duration_ms) == (40, 1_760_000)
    assert (missing.late_s, missing.actual_start) == (None, None)


def test_unplanned_entries_come_from_the_latest_log_of_their_day(
    session: Session, week: AsRunWeek
) -> None:
    report = week_report(session, week.channel, MONDAY, AFTER_FRIDAY)
    assert [e.title for e in report.unplanned] == ["体育新闻"]


def test_the_report_lists_the_logs_imported_for_the_week(session: Session, week: AsRunWeek) -> None:
    logs = week_report(session, week.channel, MONDAY, AFTER_FRIDAY).logs
    assert [(log.file_name, log.imported_by) for log in logs] == [
        ("old.csv", "编排员"),
        ("播后记录0223-0228.csv", "编排员"),
    ]


def test_the_report_counts_the_airings_by_state(session: Session, week: AsRunWeek) -> None:
    counts = week_report(session, week.channel, MONDAY, AFTER_FRIDAY).counts
    assert counts[AsRunState.UNCONFIRMED] == 1
    assert counts[AsRunState.MISSING] == 1
    assert sum(counts.values()) == 6


def test_another_week_is_empty(session: Session, week: AsRunWeek) -> None:
    report = week_report(session, week.channel, MONDAY + timedelta(days=7), AFTER_FRIDAY)
    assert (report.planned, report.unplanned, report.logs) == ([], [], [])


def test_a_cancelled_airing_has_no_state(session: Session, week: AsRunWeek) -> None:
    friday = week.airings[4]
    friday.status = AiringStatus.CANCELLED
    session.flush()
    assert friday.id not in asrun_state(session, week.airings, AFTER_FRIDAY)


def test_an_airing_whose_time_passed_is_unconfirmed_without_being_marked_aired(
    session: Session, week: AsRunWeek
) -> None:
    sunday = week.airings[5]
    assert sunday.status is AiringStatus.PUBLISHED
    later = local(MONDAY + timedelta(days=6), 21)
    assert asrun_state(session, [sunday], later)[sunday.id].state is AsRunState.UNCONFIRMED


def test_asrun_state_asks_the_database_once_for_many_airings(
    session: Session, week: AsRunWeek
) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        states = asrun_state(session, week.airings, AFTER_FRIDAY)
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(states) == 6
    assert len(statements) == 1


def test_confirmed_late_and_short_are_aired_and_confirmed_missing_is_neither() -> None:
    assert all(
        s.aired and s.confirmed for s in (AsRunState.CONFIRMED, AsRunState.LATE, AsRunState.SHORT)
    )
    assert AsRunState.UNCONFIRMED.aired and not AsRunState.UNCONFIRMED.confirmed
    assert not AsRunState.MISSING.aired and not AsRunState.MISSING.confirmed


@pytest.mark.parametrize("text", ["2026-49", "2026-W54", "2026-W00", "W49", "2026-W4", ""])
def test_a_malformed_week_is_refused_naming_it(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_week(text)
    assert refused.value.code == "asrun_week_malformed"


def test_weeks_are_iso_weeks_of_local_days() -> None:
    assert parse_week("2026-W49") == date(2026, 11, 30)
    assert week_label(date(2026, 11, 30)) == "2026-W49"
    assert week_label(parse_week("2020-W53")) == "2020-W53"
    # Sunday 23:30 in Shanghai is Sunday 15:30 UTC: still the week of Monday 23 February.
    assert week_of(local(MONDAY + timedelta(days=6), 23, 30)) == MONDAY


def test_differences_are_said_in_signed_minutes_and_seconds() -> None:
    assert (signed_minutes_seconds(125), signed_minutes_seconds(-40)) == ("+2:05", "-0:40")
