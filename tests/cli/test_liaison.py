"""``tvcolumn liaison …``: the quarter, its meeting, priorities with targets, progress; each
bad input refused with exit 1 and its message, nothing stored. Also ``schedule build`` and
``schedule report`` with the liaison office's priorities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from cli import common
from editorial import people
from editorial.models import Episode, Level, PriorityTag, Role, State
from editorial.workdays import SHANGHAI
from liaison.models import Attendance, AttendanceStatus, Meeting, Priority, Quarter, Target
from schedule.models import Airing, AiringStatus, SlotKind
from tests.cli.test_schedule import TOMORROW, add_episode, desk
from tests.conftest import NOW as DESK_NOW
from web.db import unit_of_work

__all__ = ["desk"]  # the fixture: a city column with a daily 20:00 premiere from tomorrow

Run = Callable[..., Result]
NOW = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)  # Wednesday 15 July 2026, 10:00 in Shanghai


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


@pytest.fixture
def office(app: Flask, run: Run) -> Run:
    """The city column with its liaison officer 'zm' and producer 'ly'; a county column with
    its liaison officer 'xg'; 2026 Q3."""
    with unit_of_work(app) as session:
        for slug, name, level in (
            ("city", "时代风采", Level.CITY),
            ("linjiang", "临江先锋", Level.COUNTY),
        ):
            people.create_column(
                session, NOW, slug=slug, name=name, level=level, station="台", channel="综合"
            )
        for username, column, role in (
            ("zm", "city", Role.LIAISON),
            ("ly", "city", Role.PRODUCER),
            ("xg", "linjiang", Role.LIAISON),
        ):
            person = people.create_person(session, NOW, username=username, display_name=username)
            people.grant_role(session, person, people.get_column(session, column), role, NOW)
    result = run("liaison", "quarter", "add", "2026", "3", "--as", "zm")
    assert result.exit_code == 0, result.output
    assert "quarter 2026 Q3 (2026年第三季度, 2026-07-01 to 2026-09-30) added" in result.stdout
    return run


def count(app: Flask, model: type[object]) -> int:
    with unit_of_work(app) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert result.stdout == ""


MEETING = (
    "liaison", "meeting", "set", "2026", "3", "--start", "2026-07-03 09:00", "--end", "11:30",
    "--place", "市委党员电教中心 会议室", "--agenda", "training:短视频拍摄培训",
    "--agenda", "deployment:部署第三季度宣传报道重点", "--as", "zm",
)  # fmt: skip


def priority(run: Run, *extra: str) -> Result:
    return run(
        "liaison", "priority", "add", "2026", "3", "--theme", "庆祝建党105周年", "--tag", "七一",
        "--from", "2026-07-01", "--to", "2026-07-10", "--as", "zm", *extra,
    )  # fmt: skip


# --- quarters and the meeting --------------------------------------------------------------------


def test_a_quarter_once_and_only_by_the_city_liaison_office(app: Flask, office: Run) -> None:
    refused(office("liaison", "quarter", "add", "2026", "3", "--as", "zm"), "exists already")
    refused(office("liaison", "quarter", "add", "2026", "4", "--as", "xg"), "liaison office")
    assert office("liaison", "quarter", "add", "2026", "5", "--as", "zm").exit_code == 2
    assert count(app, Quarter) == 1


def test_the_meeting_in_local_time_and_a_second_one_in_the_quarter_refused(
    app: Flask, office: Run
) -> None:
    result = office(*MEETING)
    assert result.exit_code == 0, result.output
    assert "2026年第三季度 liaison meeting: 2026-07-03 周五 09:00 to 11:30" in result.stdout
    assert "2 agenda items, 2 columns invited" in result.stdout
    with unit_of_work(app) as session:
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.starts_at == datetime(2026, 7, 3, 1, 0, tzinfo=UTC)
        assert meeting.ends_at == datetime(2026, 7, 3, 3, 30, tzinfo=UTC)
        assert meeting.agenda == [
            {"kind": "training", "title": "短视频拍摄培训"},
            {"kind": "deployment", "title": "部署第三季度宣传报道重点"},
        ]
    second = [*MEETING]
    second[second.index("2026-07-03 09:00")] = "2026-07-08 14:00"
    second[second.index("11:30")] = "17:00"
    refused(office(*second), "has its liaison meeting already")
    assert count(app, Meeting) == 1
    with unit_of_work(app) as session:
        assert session.scalars(select(Meeting)).one().starts_at.day == 3  # unchanged
    moved = office(*second, "--change")
    assert moved.exit_code == 0, moved.output
    assert "2026-07-08 周三 14:00 to 17:00" in moved.stdout
    assert count(app, Meeting) == 1


def test_bad_meeting_input_is_refused_and_nothing_stored(app: Flask, office: Run) -> None:
    backwards = [*MEETING]
    backwards[backwards.index("11:30")] = "08:00"
    refused(office(*backwards), "must end after it starts")
    nowhere = [*MEETING]
    nowhere[nowhere.index("市委党员电教中心 会议室")] = " "
    refused(office(*nowhere), "say where the meeting is")
    odd = office(*MEETING[:-2], "--agenda", "party:联欢", "--as", "zm")
    assert odd.exit_code == 2 and "KIND:TITLE" in odd.output
    assert office(*MEETING[:5], "--start", "3 July", *MEETING[7:]).exit_code == 2
    refused(office(*MEETING[:-1], "xg"), "liaison office")
    refused(office(*MEETING, "--change"), "no liaison meeting yet")
    assert count(app, Meeting) == count(app, Attendance) == 0


def test_minutes_and_attendance(app: Flask, office: Run, tmp_path: Path) -> None:
    assert office(*MEETING).exit_code == 0
    notes = tmp_path / "minutes.txt"
    notes.write_text("一、培训\n二、部署七一报道\n", encoding="utf-8")
    result = office("liaison", "minutes", "2026", "3", "--file", str(notes), "--as", "zm")
    assert result.exit_code == 0, result.output
    own = office(
        "liaison", "attend", "2026", "3", "linjiang", "--status", "attending",
        "--attendees", "徐刚、郭晓丽", "--notes", "带样片交流", "--as", "xg",
    )  # fmt: skip
    assert own.exit_code == 0, own.output
    assert "linjiang attending" in own.stdout
    refused(
        office("liaison", "attend", "2026", "3", "city", "--status", "absent", "--as", "xg"),
        "their own column only",
    )
    with unit_of_work(app) as session:
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.minutes == "一、培训\n二、部署七一报道"
        rows = {a.column.slug: (a.status, a.attendees) for a in meeting.attendance}
        assert rows == {
            "city": (AttendanceStatus.INVITED, ""),
            "linjiang": (AttendanceStatus.ATTENDING, "徐刚、郭晓丽"),
        }


# --- priorities ----------------------------------------------------------------------------------


def test_a_priority_with_targets_by_column(app: Flask, office: Run) -> None:
    result = priority(
        office, "--weight", "2", "--submit-by", "2026-06-25", "--target", "city=3",
        "--target", "linjiang=1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "“庆祝建党105周年” [七一] 2026-07-01 to 2026-07-10, weight 2" in result.stdout
    assert "4 episodes targeted in 2 columns" in result.stdout
    with unit_of_work(app) as session:
        p = session.scalars(select(Priority)).one()
        assert (p.weight, str(p.submit_by)) == (2, "2026-06-25")
        assert {t.column.slug: t.episodes for t in p.targets} == {"city": 3, "linjiang": 1}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--from", "2026-06-25"), "must lie inside 2026年第三季度"),
        (("--to", "2026-10-02"), "must lie inside 2026年第三季度"),
        (("--from", "2026-07-10", "--to", "2026-07-01"), "runs backwards"),
        (("--target", "city=-1"), "a target is a number of episodes, 0 or more"),
        (("--target", "city=2", "--target", "nowhere=2"), "nowhere"),
        (("--weight", "0"), "at least 1"),
        (("--submit-by", "2026-07-11"), "must not fall after the window"),
    ],
)
def test_bad_priority_input_is_refused_and_nothing_stored(
    app: Flask, office: Run, extra: tuple[str, ...], message: str
) -> None:
    refused(priority(office, *extra), message)
    assert count(app, Priority) == count(app, Target) == 0


def test_a_target_that_is_not_column_equals_n_is_a_usage_error(app: Flask, office: Run) -> None:
    for bad in ("city", "city=two", "=3"):
        result = priority(office, "--target", bad)
        assert result.exit_code == 2 and "COLUMN=N" in result.output, bad
    assert count(app, Priority) == 0


def test_progress_shows_each_priority_per_column_with_behind_marked(
    app: Flask, office: Run
) -> None:
    empty = office("liaison", "progress", "2026", "3")
    assert empty.exit_code == 0 and "no reporting priorities yet" in empty.stdout
    assert priority(office, "--target", "city=2", "--target", "linjiang=0").exit_code == 0
    with unit_of_work(app) as session:
        producer = people.get_person(session, "ly")
        session.add(
            Episode(
                column=people.get_column(session, "city"),
                title="红船精神",
                target_duration_s=1200,
                director_id=people.get_person(session, "zm").id,
                responsible_producer_id=producer.id,
                state=State.IN_PRODUCTION,
                review_round=1,
                state_entered_at=NOW,
                created_at=NOW,
                tags=[PriorityTag(tag="七一")],
            )
        )
    result = office("liaison", "progress", "2026", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2026年第三季度 (2026-07-01 to 2026-09-30), as of 2026-07-15"
    assert "庆祝建党105周年 [七一] 2026-07-01 to 2026-07-10, weight 1" in result.stdout
    table = lines[lines.index("庆祝建党105周年 [七一] 2026-07-01 to 2026-07-10, weight 1") + 1 :]
    assert table[0].split() == [
        "column", "proposed", "in_production", "approved", "scheduled", "aired", "target",
        "behind",
    ]  # fmt: skip
    # The window is over: the city aired none of its two; the county had nothing to air.
    assert table[1].split() == ["city", "0", "1", "0", "0", "0", "2", "落后"]
    assert table[2].split() == ["linjiang", "0", "0", "0", "0", "0", "0"]
    refused(office("liaison", "progress", "2027", "1"), "no quarter 2027 Q1")


# --- the builder and its report ------------------------------------------------------------------


def test_schedule_build_takes_the_priorities_and_the_report_shows_their_coverage(
    app: Flask, desk: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The schedule desk's world: its slot starts the day after its NOW, so every clock is it.
    monkeypatch.setattr(common, "now", lambda: DESK_NOW)
    day = TOMORROW + timedelta(days=3)
    with unit_of_work(app) as session:
        officer = people.create_person(session, NOW, username="zm", display_name="周敏")
        people.grant_role(session, officer, people.get_column(session, "city"), Role.LIAISON, NOW)
    year, number = str(day.year), str((day.month - 1) // 3 + 1)
    assert desk("liaison", "quarter", "add", year, number, "--as", "zm").exit_code == 0
    added = desk(
        "liaison", "priority", "add", year, number, "--theme", "学习贯彻两会精神", "--tag", "两会",
        "--from", str(day), "--to", str(day), "--target", "city=2", "--as", "zm",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    plain = add_episode(app, "初心如磐")  # first in line without the priority
    tagged = add_episode(app, "两会精神进基层")
    with unit_of_work(app) as session:
        session.add(PriorityTag(episode_id=tagged, tag="两会"))
    built = desk("schedule", "build")
    assert built.exit_code == 0, built.output
    with unit_of_work(app) as session:
        at = {
            e: a.astimezone(SHANGHAI).date()
            for e, a in session.execute(
                select(Airing.episode_id, Airing.starts_at).where(
                    Airing.kind == SlotKind.PREMIERE, Airing.status != AiringStatus.CANCELLED
                )
            )
        }
    assert at == {plain: TOMORROW, tagged: day}
    report = desk("schedule", "report")
    assert report.exit_code == 0, report.output
    lines = report.stdout.splitlines()
    head = f"  学习贯彻两会精神 [两会] {day} to {day}, weight 1: 1/2 placed in the window"
    assert head in lines
    assert lines[lines.index(head) + 2].split() == ["city", "1/2", "不足"]
