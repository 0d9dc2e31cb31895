"""``tvcolumn schedule …`` and ``tvcolumn slots …`` against a fresh SQLite file.

The CLI's clock is fixed at NOW here, and the dates are counted from its day in Shanghai:
counted from the real clock, a run across Shanghai's midnight saw two different todays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from cli import common
from editorial import people
from editorial.models import Episode, Level, Role, State
from editorial.workdays import local_date
from schedule.models import Airing, AiringStatus, ScheduleBuild, Slot, SlotKind
from scheduler import jobs
from tests.conftest import NOW
from web.db import unit_of_work

Run = Callable[..., Result]
TODAY = local_date(NOW)
TOMORROW = TODAY + timedelta(days=1)
WEEKDAYS = "一二三四五六日"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


@pytest.fixture
def desk(app: Flask, run: Run) -> Run:
    """A column with a scheduler 'bp', a daily 30-minute premiere from tomorrow and its rerun."""
    with unit_of_work(app) as session:
        now = NOW
        column = people.create_column(
            session,
            now,
            slug="city",
            name="时代风采",
            level=Level.CITY,
            station="市电视台",
            channel="新闻综合",
        )
        for username, role in (("bp", Role.SCHEDULER), ("pr", Role.PRODUCER)):
            person = people.create_person(session, now, username=username, display_name="何静")
            people.grant_role(session, person, column, role, now)
    result = run(
        "slots", "create", "--as", "bp", "--column", "city", "--name", "晚间首播",
        "--start", "20:00", "--duration", "30", "--rrule", "FREQ=DAILY",
        "--from", str(TOMORROW),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = run(
        "slots", "create", "--as", "bp", "--column", "city", "--name", "次日重播",
        "--kind", "rerun", "--start", "10:00", "--duration", "30", "--rrule", "FREQ=DAILY",
        "--from", str(TOMORROW), "--rerun-of", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return run


def add_episode(
    app: Flask,
    title: str,
    *,
    duration: int = 1800,
    air_by: date | None = None,
    state: State = State.APPROVED,
) -> int:
    with unit_of_work(app) as session:
        producer = people.get_person(session, "pr")
        now = NOW
        episode = Episode(
            column=people.get_column(session, "city"),
            title=title,
            target_duration_s=duration,
            director_id=people.get_person(session, "bp").id,
            responsible_producer_id=producer.id,
            air_by=air_by,
            state=state,
            review_round=1,
            state_entered_at=now,
            created_at=now,
        )
        session.add(episode)
        session.flush()
        return episode.id


def count(app: Flask, model: type[Airing] | type[ScheduleBuild]) -> int:
    with unit_of_work(app) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def local(day: date, clock: str) -> str:
    return f"{day} 周{WEEKDAYS[day.weekday()]} {clock}"


# --- slots ---------------------------------------------------------------------------------------


def test_slots_list_shows_the_next_occurrences_and_except_removes_one(desk: Run) -> None:
    listed = desk("slots", "list", "--column", "city", "--next", "2")
    assert listed.exit_code == 0, listed.output
    assert "晚间首播\t首播\t20:00 30 min\tFREQ=DAILY" in listed.stdout
    assert "次日重播\t重播 of slot 1 (back 1)" in listed.stdout
    assert local(TOMORROW, "20:00") in listed.stdout
    gone = desk(
        "slots", "except", "1", "--as", "bp", "--day", str(TOMORROW), "--reason", "两会特别报道"
    )
    assert gone.exit_code == 0, gone.output
    listed = desk("slots", "list", "--column", "city", "--next", "1")
    assert local(TOMORROW, "20:00") not in listed.stdout


def test_a_stop_date_is_removed_with_a_reason_and_the_record_lists_both(desk: Run) -> None:
    day = str(TOMORROW + timedelta(days=1))
    added = desk("slots", "except", "1", "--as", "bp", "--day", day, "--reason", "两会特别报道")
    assert added.exit_code == 0, added.output
    removed = desk("slots", "unexcept", "1", "--as", "bp", "--day", day, "--reason", "会议改期")
    assert removed.exit_code == 0, removed.output
    listed = desk("slots", "list", "--column", "city", "--next", "2")
    assert local(TOMORROW + timedelta(days=1), "20:00") in listed.stdout
    record = desk("slots", "stops", "1")
    assert record.exit_code == 0, record.output
    assert re.search(rf"{day}\s+两会特别报道\s+.* bp\s+.* bp: 会议改期", record.stdout)


def test_removing_a_stop_date_twice_or_without_a_reason_is_refused(desk: Run) -> None:
    day = str(TOMORROW)
    desk("slots", "except", "1", "--as", "bp", "--day", day, "--reason", "两会特别报道")
    blank = desk("slots", "unexcept", "1", "--as", "bp", "--day", day, "--reason", " ")
    assert blank.exit_code == 1 and "needs a reason" in blank.stderr
    assert (
        desk("slots", "unexcept", "1", "--as", "bp", "--day", day, "--reason", "改期").exit_code
        == 0
    )
    again = desk("slots", "unexcept", "1", "--as", "bp", "--day", day, "--reason", "改期")
    assert again.exit_code == 1 and "removed already" in again.stderr
    unknown = desk("slots", "unexcept", "99", "--as", "bp", "--day", day, "--reason", "改期")
    assert unknown.exit_code == 1 and "no slot 99" in unknown.stderr


def test_a_stop_date_on_a_day_the_slot_does_not_air_is_refused(desk: Run) -> None:
    result = desk("slots", "except", "1", "--as", "bp", "--day", str(TODAY), "--reason", "转播")
    assert result.exit_code == 1
    assert f"does not air on {TODAY}" in result.stderr
    assert desk("slots", "stops", "1").stdout.count("\n") == 1  # the header only


def test_a_bad_slot_is_refused_with_its_reason(desk: Run) -> None:
    result = desk(
        "slots", "create", "--as", "bp", "--column", "city", "--name", "坏时段",
        "--start", "21:00", "--duration", "30", "--rrule", "FREQ=SOMETIMES",
        "--from", str(TOMORROW),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "the slot has errors" in result.stderr
    assert "'FREQ=SOMETIMES' is not a valid RFC 5545 RRULE" in result.stderr
    bad_clock = desk(
        "slots", "create", "--as", "bp", "--column", "city", "--name", "坏时段",
        "--start", "25:00", "--duration", "30", "--rrule", "FREQ=DAILY", "--from", str(TOMORROW),
    )  # fmt: skip
    assert bad_clock.exit_code == 2 and "is not a time like 20:00" in bad_clock.stderr


def test_a_slot_keeps_its_time_zone_and_an_unknown_zone_is_refused(desk: Run) -> None:
    made = desk(
        "slots", "create", "--as", "bp", "--column", "city", "--name", "乌鲁木齐首播",
        "--start", "20:00", "--timezone", "Asia/Urumqi", "--duration", "30",
        "--rrule", "FREQ=DAILY", "--from", str(TOMORROW), "--channel", "二套",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    shown = desk("slots", "show", "3", "--next", "1")
    assert shown.exit_code == 0, shown.output
    assert "start:\t20:00 Asia/Urumqi" in shown.stdout
    assert local(TOMORROW, "22:00") in shown.stdout  # 20:00 in Ürümqi is 22:00 in Beijing
    listed = desk("slots", "list", "--column", "city").stdout
    assert "乌鲁木齐首播\t首播\t20:00 Asia/Urumqi 30 min" in listed
    assert "晚间首播\t首播\t20:00 30 min" in listed  # the default zone goes unsaid
    assert "start:\t20:00 Asia/Shanghai" in desk("slots", "show", "1").stdout
    refused = desk(
        "slots", "create", "--as", "bp", "--column", "city", "--name", "火星首播",
        "--start", "20:00", "--timezone", "Mars/Olympus", "--duration", "30",
        "--rrule", "FREQ=DAILY", "--from", str(TOMORROW), "--channel", "三套",
    )  # fmt: skip
    assert refused.exit_code == 1 and "unknown time zone 'Mars/Olympus'" in refused.stderr


# --- build, show, report -------------------------------------------------------------------------


def test_build_places_approved_episodes_and_show_lists_them(app: Flask, desk: Run) -> None:
    urgent = add_episode(app, "七一特别节目", air_by=TOMORROW)
    add_episode(app, "送审中的节目", state=State.SECOND_REVIEW)
    built = desk("schedule", "build", "--to", str(TODAY + timedelta(days=6)))
    assert built.exit_code == 0, built.output
    assert re.search(r"build 1: .* 2 airings \(2 new, 0 changed", built.stdout)
    assert "building" in built.stderr  # the progress bar
    shown = desk("schedule", "show", "--column", "city")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].split()[:4] == ["id", "time", "column", "slot"]
    assert local(TOMORROW, "20:00") in lines[1] and f"#{urgent} 七一特别节目" in lines[1]
    assert (
        "首播" in lines[1] and "草稿" in lines[1] and f"截止日期 {TOMORROW} 前最早可播" in lines[1]
    )
    assert "重播" in lines[2] and local(TOMORROW + timedelta(days=1), "10:00") in lines[2]


def test_a_date_range_running_backwards_changes_nothing(app: Flask, desk: Run) -> None:
    add_episode(app, "节目")
    result = desk("schedule", "build", "--from", "2026-12-10", "--to", "2026-12-01")
    assert result.exit_code == 1
    assert "the date range runs backwards: 2026-12-01 is before 2026-12-10" in result.stderr
    assert count(app, Airing) == count(app, ScheduleBuild) == 0
    shown = desk("schedule", "show", "--from", "2026-12-10", "--to", "2026-12-01")
    assert shown.exit_code == 1 and "runs backwards" in shown.stderr


def test_an_unknown_column_is_refused(desk: Run) -> None:
    result = desk("schedule", "build", "--column", "nowhere")
    assert result.exit_code == 1 and "no column with slug 'nowhere'" in result.stderr


def test_report_lists_unscheduled_episodes_with_reasons_and_risks(app: Flask, desk: Run) -> None:
    too_long = add_episode(app, "超长专题", duration=3600)
    risky = add_episode(app, "截止临近", air_by=TODAY + timedelta(days=3))
    fresh = add_episode(app, "还没编排")
    desk("schedule", "build", "--to", str(TODAY + timedelta(days=1)))
    with unit_of_work(app) as session:  # approved after the build, or pulled from its slot
        session.execute(Airing.__table__.delete().where(Airing.episode_id.in_([risky, fresh])))
    report = desk("schedule", "report")
    assert report.exit_code == 0, report.output
    out = report.stdout
    assert "latest build 1" in out
    assert (
        f"#{too_long} [city] 超长专题\tlonger_than_slot\t时长 60分钟 超过本栏目最长的首播时段"
        in out
    )
    assert f"#{fresh} [city] 还没编排\t" in out
    assert (
        f"#{risky} [city] 截止临近\t截止日期 {TODAY + timedelta(days=3)} 临近，尚未安排播出" in out
    )


def test_report_counts_and_lists_the_empty_premieres_of_the_next_four_weeks(
    app: Flask, desk: Run
) -> None:
    """A daily premiere from tomorrow, one episode built into tomorrow: every later day of
    the four weeks is empty (空档), listed by local time, slot and channel; an episode
    assigned to one of them takes it off the list."""
    add_episode(app, "明晚首播")
    desk("schedule", "build", "--to", str(TOMORROW))

    def empty() -> list[str]:
        out = desk("schedule", "report").stdout.splitlines()
        at = next(i for i, line in enumerate(out) if line.startswith("empty premiere"))
        listed = [line for line in out[at + 1 :] if line.startswith("  ")]
        listed = listed[: int(out[at].rsplit(": ", 1)[1])]
        assert all("[city] slot 1 晚间首播 (市电视台 新闻综合)" in line for line in listed)
        return [line.split(" [")[0].strip() for line in listed]

    later = TOMORROW + timedelta(days=1)
    shown = empty()
    assert shown[0] == local(later, "20:00") and len(shown) in (26, 27)
    assert local(TOMORROW, "20:00") not in shown
    fresh = add_episode(app, "后天首播")
    assigned = desk(
        "schedule", "assign", str(fresh), "--as", "bp", "--slot", "1", "--at", f"{later} 20:00"
    )
    assert assigned.exit_code == 0, assigned.output
    assert empty() == shown[1:]


# --- hand acts -----------------------------------------------------------------------------------


def airing_ids(desk: Run) -> list[int]:
    shown = desk("schedule", "show", "--column", "city")
    return [int(line.split()[0]) for line in shown.stdout.splitlines()[1:]]


def test_pin_unpin_and_pull_an_airing(app: Flask, desk: Run) -> None:
    add_episode(app, "节目甲")
    desk("schedule", "build", "--to", str(TOMORROW + timedelta(days=1)))
    premiere, rerun = airing_ids(desk)[:2]
    assert desk("schedule", "pin", str(premiere), "--as", "bp").exit_code == 0
    assert "固定" in desk("schedule", "show").stdout.splitlines()[1]
    again = desk("schedule", "pin", str(premiere), "--as", "bp")
    assert again.exit_code == 1 and "already pinned" in again.stderr
    assert desk("schedule", "unpin", str(premiere), "--as", "bp").exit_code == 0
    no_reason = desk("schedule", "pull", str(premiere), "--as", "bp")
    assert no_reason.exit_code == 2
    pulled = desk("schedule", "pull", str(premiere), "--as", "bp", "--reason", "插播重大新闻")
    assert pulled.exit_code == 0, pulled.output
    assert pulled.stdout.strip() == f"cancelled airing {premiere}, {rerun}"
    assert "已取消" in desk("schedule", "show").stdout.splitlines()[1]


def test_assign_pins_an_episode_and_refuses_one_not_approved(app: Flask, desk: Run) -> None:
    chosen = add_episode(app, "指定节目")
    waiting = add_episode(app, "待终审", state=State.FINAL_REVIEW)
    at = f"{TOMORROW + timedelta(days=2)} 20:00"
    refused = desk("schedule", "assign", str(waiting), "--as", "bp", "--slot", "1", "--at", at)
    assert refused.exit_code == 1
    assert f"episode {waiting} is not approved to air (it is final_review)" in refused.stderr
    assert count(app, Airing) == 0
    odd = desk(
        "schedule", "assign", str(chosen), "--as", "bp", "--slot", "1", "--at", f"{TOMORROW} 21:00"
    )
    assert odd.exit_code == 1 and "is not an occurrence of slot 1" in odd.stderr
    done = desk("schedule", "assign", str(chosen), "--as", "bp", "--slot", "1", "--at", at)
    assert done.exit_code == 0, done.output
    assert "pinned at " + local(TOMORROW + timedelta(days=2), "20:00") in done.stdout
    with unit_of_work(app) as session:
        airing = session.scalars(select(Airing)).one()
        assert airing.pinned and airing.status is AiringStatus.DRAFT
        assert session.scalar(select(func.count()).select_from(Slot)) == 2


def test_only_a_scheduler_may_pin(app: Flask, desk: Run) -> None:
    add_episode(app, "节目")
    desk("schedule", "build", "--to", str(TOMORROW))
    refused = desk("schedule", "pin", str(airing_ids(desk)[0]), "--as", "pr")
    assert refused.exit_code == 1 and "pr is not a scheduler of column city" in refused.stderr


def test_demo_load_adds_slots_and_builds_once(run: Run) -> None:
    first = run("demo", "load")
    assert first.exit_code == 0, first.output
    assert "schedule demo: 17 slots added and the air schedule built" in first.stdout
    assert "as-run demo: last week's log of the city channel" in first.stdout
    assert "1 late, 1 missing" in first.stdout
    again = run("demo", "load")
    assert "schedule demo" not in again.stdout and "as-run demo" not in again.stdout
    # build 1 is the city column's last week, built as it would have been then (aired now)
    assert "latest build 2" in run("schedule", "report").stdout


def test_a_full_build_stamps_its_inputs_so_the_service_does_not_rebuild_them(
    app: Flask, desk: Run
) -> None:
    add_episode(app, "七一特别节目", air_by=TOMORROW)
    partial = desk("schedule", "build", "--to", str(TODAY + timedelta(days=6)))
    assert partial.exit_code == 0, partial.output
    with unit_of_work(app) as s:
        first = s.scalars(select(ScheduleBuild).order_by(ScheduleBuild.id)).one()
        assert first.fingerprint == ""  # a partial build does not answer the whole input
    full = desk("schedule", "build")
    assert full.exit_code == 0, full.output
    with unit_of_work(app) as s:
        latest = s.scalars(select(ScheduleBuild).order_by(ScheduleBuild.id.desc())).first()
        assert latest is not None
        assert latest.fingerprint == jobs.inputs_fingerprint(s) != ""


# --- 「立即编排」 dry run and slot edits --------------------------------------------------------


def test_a_dry_run_shows_what_a_build_would_change_and_writes_nothing(
    app: Flask, desk: Run
) -> None:
    add_episode(app, "七一特别节目")
    add_episode(app, "超长专题", duration=3600)
    shown = desk("schedule", "build", "--dry-run", "--to", str(TODAY + timedelta(days=6)))
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["change", "episode", "column", "kind", "from", "to"]
    assert lines[1].split()[:4] == ["新排", "七一特别节目", "时代风采", "首播"]
    assert local(TOMORROW, "20:00") in lines[1]
    assert "dry run: 2 new, 0 moved, 0 cancelled; 1 approved episodes would stay" in shown.stdout
    assert "unscheduled: 超长专题 (时代风采) longer_than_slot" in shown.stdout
    assert count(app, Airing) == count(app, ScheduleBuild) == 0


def test_slots_edit_moves_a_slot_and_the_next_build_follows(app: Flask, desk: Run) -> None:
    add_episode(app, "七一特别节目")
    desk("schedule", "build", "--to", str(TODAY + timedelta(days=6)))
    edited = desk("slots", "edit", "1", "--as", "bp", "--start", "21:15", "--name", "晚间新首播")
    assert edited.exit_code == 0, edited.output
    assert "slot 1 (晚间新首播): changed local_start, name" in edited.stdout
    shown = desk("schedule", "build", "--dry-run", "--to", str(TODAY + timedelta(days=6)))
    assert "改期" in shown.stdout and local(TOMORROW, "21:15") in shown.stdout
    listed = desk("slots", "show", "1")
    assert "start:\t21:15 Asia/Shanghai" in listed.stdout


def test_slots_edit_refuses_bad_input_and_changes_nothing(desk: Run) -> None:
    refused = desk("slots", "edit", "1", "--as", "bp", "--to", "2020-01-01")
    assert refused.exit_code == 1 and "before first date" in refused.stderr
    itself = desk("slots", "edit", "2", "--as", "bp", "--rerun-of", "2")
    assert itself.exit_code == 1 and "cannot replay itself" in itself.stderr
    nothing = desk("slots", "edit", "1", "--as", "bp")
    assert nothing.exit_code == 2 and "nothing to change" in nothing.stderr
    shown = desk("slots", "show", "1")
    assert f"dates:\t{TOMORROW}.." in shown.stdout and "start:\t20:00" in shown.stdout


# --- the rerun fill (补播) ---------------------------------------------------------------------


def aired_premiere(app: Flask, title: str, days_ago: int) -> int:
    """An approved episode that premiered in the premiere slot ``days_ago`` days ago."""
    episode_id = add_episode(app, title)
    with unit_of_work(app) as session:
        at = NOW - timedelta(days=days_ago)
        session.add(
            Airing(
                slot_id=1,
                episode_id=episode_id,
                kind=SlotKind.PREMIERE,
                starts_at=at,
                ends_at=at + timedelta(minutes=30),
                status=AiringStatus.AIRED,
                published_at=at,
                created_at=at,
                updated_at=at,
            )
        )
    return episode_id


def test_schedule_fill_switches_a_columns_fill_off_and_says_who(desk: Run) -> None:
    shown = desk("schedule", "fill", "city")
    assert shown.exit_code == 0 and "city: rerun fill on (default)" in shown.stdout
    off = desk("schedule", "fill", "city", "--off", "--as", "bp")
    assert off.exit_code == 0, off.output
    assert "city: rerun fill off (switched by bp at 2026-03-02" in off.stdout
    again = desk("schedule", "fill", "city", "--off", "--as", "bp")
    assert again.exit_code == 1 and "off already" in again.stderr
    stranger = desk("schedule", "fill", "city", "--on", "--as", "pr")
    assert stranger.exit_code == 1 and "not a scheduler" in stranger.stderr


def test_a_fill_shows_in_schedule_show_and_report_and_keep_empty_stops_it(
    app: Flask, desk: Run
) -> None:
    episode_id = aired_premiere(app, "初心如磐", days_ago=7)
    kept = desk("slots", "keep-empty", "1", "--as", "bp", "--day", str(TOMORROW))
    assert kept.exit_code == 0, kept.output
    built = desk("schedule", "build", "--to", str(TODAY + timedelta(days=2)))
    assert built.exit_code == 0, built.output
    shown = desk("schedule", "show", "--column", "city")
    assert local(TOMORROW, "20:00") not in shown.stdout  # kept empty
    day_after = TOMORROW + timedelta(days=1)
    assert re.search(rf"{local(day_after, '20:00')}\s+city\s+晚间首播\s+补播", shown.stdout)
    report = desk("schedule", "report", "--column", "city")
    assert "fills (补播, reruns in empty premiere occurrences): 1" in report.stdout
    assert f"#{episode_id} 初心如磐\t补播" in report.stdout
    record = desk("slots", "kept-empty", "1")
    assert re.search(rf"{TOMORROW}\s+.* bp", record.stdout)


def test_keep_empty_is_refused_twice_and_on_a_day_the_slot_does_not_air(desk: Run) -> None:
    desk("slots", "keep-empty", "1", "--as", "bp", "--day", str(TOMORROW))
    again = desk("slots", "keep-empty", "1", "--as", "bp", "--day", str(TOMORROW))
    assert again.exit_code == 1 and "marked to stay empty already" in again.stderr
    before = desk("slots", "keep-empty", "1", "--as", "bp", "--day", str(TODAY))
    assert before.exit_code == 1 and f"does not air on {TODAY}" in before.stderr
    rerun = desk("slots", "keep-empty", "2", "--as", "bp", "--day", str(TOMORROW))
    assert rerun.exit_code == 1 and "rerun slot" in rerun.stderr
    unmark = desk("slots", "unkeep-empty", "1", "--as", "bp", "--day", str(TOMORROW))
    assert unmark.exit_code == 0, unmark.output
    twice = desk("slots", "unkeep-empty", "1", "--as", "bp", "--day", str(TOMORROW))
    assert twice.exit_code == 1 and "no keep-empty mark" in twice.stderr
