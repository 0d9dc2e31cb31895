"""``tvcolumn feeds sources …``, ``feeds import`` and ``feeds clashes`` against a fresh
SQLite file. The CLI's clock is fixed at NOW here, and the feeds are dated from its day
in Shanghai (counted from the real clock, a run across midnight saw two different days)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from calendars.models import ExternalAiring, FeedSource
from cli import common
from editorial import people, workflow
from editorial.models import Level, Role
from editorial.workdays import SHANGHAI, local_date
from tests.calendars.test_importer import event, ics
from tests.conftest import NOW, Crew, walk_to_approved
from web.db import unit_of_work

Run = Callable[..., Result]
TOMORROW = local_date(NOW) + timedelta(days=1)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


def at(day_offset: int, hour: int = 20) -> str:
    moment = datetime.combine(TOMORROW + timedelta(days=day_offset), time(hour), SHANGHAI)
    return f"DTSTART:{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def feed(*events: list[str]) -> bytes:
    return ics(*events)


GOOD = feed(
    event("a@county", at(0), "DURATION:PT30M", "初心如磐 第一集"),
    event(None, at(1), "DURATION:PT30M", "乡村振兴看今朝"),
    event("bad@county", "DTSTART:20261301T200000", None, "坏的开始时间"),
)


@pytest.fixture
def desk(app: Flask, run: Run) -> Run:
    """A county column with a scheduler 'bp' and a producer 'pr'."""
    with unit_of_work(app) as session:
        now = NOW
        county = people.create_column(
            session,
            now,
            slug="county",
            name="某县党建",
            level=Level.COUNTY,
            station="县电视台",
            channel="综合频道",
        )
        for username, role in (("bp", Role.SCHEDULER), ("pr", Role.PRODUCER)):
            person = people.create_person(session, now, username=username, display_name="李明")
            people.grant_role(session, person, county, role, now)
    return run


@pytest.fixture
def feed_path(tmp_path: Path) -> Path:
    path = tmp_path / "county.ics"
    path.write_bytes(GOOD)
    return path


@pytest.fixture
def registered(desk: Run, feed_path: Path) -> Run:
    result = desk("feeds", "sources", "add", "county", "县日历", str(feed_path), "--as", "bp")
    assert result.exit_code == 0, result.output
    return desk


def airings(app: Flask) -> list[str]:
    with unit_of_work(app) as session:
        return list(session.scalars(select(ExternalAiring.summary).order_by(ExternalAiring.id)))


def test_a_scheduler_registers_a_source_and_sees_it_listed(desk: Run, feed_path: Path) -> None:
    result = desk("feeds", "sources", "add", "county", "县日历", str(feed_path), "--as", "bp")
    assert result.exit_code == 0, result.output
    assert result.stdout == "feed source 1 (县日历) registered for county\n"
    listed = desk("feeds", "sources", "list")
    assert listed.exit_code == 0, listed.output
    assert "县日历" in listed.stdout and "启用" in listed.stdout
    assert f"  1: {feed_path}" in listed.stdout


def test_registering_is_refused_on_stderr_for_a_non_scheduler_and_a_bad_location(
    desk: Run, feed_path: Path
) -> None:
    refused = desk("feeds", "sources", "add", "county", "县日历", str(feed_path), "--as", "pr")
    assert refused.exit_code == 1
    assert "pr is not a scheduler of column county" in refused.stderr
    bad = desk("feeds", "sources", "add", "county", "县日历", "feed.ics", "--as", "bp")
    assert bad.exit_code == 1
    assert "neither an http(s) URL nor an absolute file path" in bad.stderr


def test_import_prints_what_was_taken_flagged_and_skipped_and_why(
    app: Flask, registered: Run
) -> None:
    result = registered("feeds", "import")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "县日历 (source 1): imported 2 airings (2 new, 0 changed, 0 removed" in out
    assert "  flagged: 1" in out and "(no UID) 「乡村振兴看今朝」: the event has no UID" in out
    assert "  skipped: 1" in out
    assert "UID bad@county 「坏的开始时间」: DTSTART '20261301T200000' is not a date" in out
    assert airings(app) == ["初心如磐 第一集", "乡村振兴看今朝"]
    listed = registered("feeds", "sources", "list")
    assert "2 条, 1 标记, 1 跳过" in listed.stdout


def test_a_source_failing_as_a_whole_exits_1_keeps_its_last_import_and_records_why(
    app: Flask, registered: Run, feed_path: Path
) -> None:
    assert registered("feeds", "import", "县日历").exit_code == 0
    feed_path.write_bytes(b"<!DOCTYPE html><html><body>upgrade in progress</body></html>")
    result = registered("feeds", "import")
    assert result.exit_code == 1
    assert "FAILED, the last good import is kept: not an iCalendar file (looks like HTML)" in (
        result.stderr
    )
    assert "1 source(s) failed" in result.stderr
    assert airings(app) == ["初心如磐 第一集", "乡村振兴看今朝"]
    with unit_of_work(app) as session:
        source = session.scalars(select(FeedSource)).one()
        assert "looks like HTML" in source.last_error and source.last_error_at is not None
    listed = registered("feeds", "sources", "list")
    assert "not an iCalendar file (looks like HTML)" in listed.stdout


def test_a_file_given_by_hand_is_imported_into_the_named_source(
    app: Flask, registered: Run, tmp_path: Path
) -> None:
    other = tmp_path / "by-hand.ics"
    other.write_bytes(
        feed(event("c@county", at(2), "DURATION:PT30M", "共同富裕在路上"))
        .decode()
        .encode("gb18030")
    )
    refused = registered("feeds", "import", "县日历", "--file", str(other))
    assert refused.exit_code == 1 and "looks like GB18030" in refused.stderr
    result = registered("feeds", "import", "1", "--file", str(other), "--charset", "GB18030")
    assert result.exit_code == 0, result.output
    assert "imported 1 airings (1 new, 0 changed, 0 removed" in result.stdout
    assert airings(app) == ["共同富裕在路上"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--file", "{path}"), "--file needs the SOURCE"),
        (("县日历", "--charset", "GBK"), "--charset goes with --file"),
    ],
)
def test_file_options_without_their_partner_are_usage_errors(
    registered: Run, feed_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = registered("feeds", "import", *(a.format(path=feed_path) for a in args))
    assert result.exit_code == 2 and message in result.stderr


def test_an_unknown_source_is_named_on_stderr(registered: Run) -> None:
    result = registered("feeds", "import", "市日历")
    assert result.exit_code == 1
    assert "no feed source '市日历'" in result.stderr


def test_a_disabled_source_is_left_out_until_enabled(app: Flask, registered: Run) -> None:
    result = registered("feeds", "sources", "disable", "县日历", "--as", "bp")
    assert result.stdout == "feed source 1 (县日历) disabled\n"
    assert registered("feeds", "import").stdout == "no active feed sources\n"
    assert "停用" in registered("feeds", "sources", "list").stdout
    again = registered("feeds", "sources", "disable", "1", "--as", "bp")
    assert again.exit_code == 1 and "already disabled" in again.stderr
    assert registered("feeds", "sources", "enable", "1", "--as", "bp").exit_code == 0
    assert registered("feeds", "import").exit_code == 0
    assert len(airings(app)) == 2


def test_clashes_prints_the_report(app: Flask, desk: Run, tmp_path: Path) -> None:
    assert desk("feeds", "clashes").stdout == "no clashes ahead\n"
    with unit_of_work(app) as session:
        now = NOW
        city = people.create_column(
            session, now, slug="city", name="时代风采", level=Level.CITY, station="市台",
            channel="新闻综合",
        )  # fmt: skip
        other = people.create_column(
            session, now, slug="other", name="另一县", level=Level.COUNTY, station="县台",
            channel="综合",
        )  # fmt: skip
        staff = {}
        for role in (*Role,):
            staff[role] = people.create_person(session, now, username=role.value, display_name="王")
            people.grant_role(session, staff[role], city, role, now)
        people.grant_role(session, staff[Role.SCHEDULER], other, Role.SCHEDULER, now)
        crew = Crew(
            city,
            staff[Role.EDITOR_DIRECTOR],
            staff[Role.PRODUCER],
            staff[Role.REVIEWER],
            staff[Role.FINAL_APPROVER],
            staff[Role.ADMIN],
        )
        episode = workflow.propose(
            session,
            crew.director,
            city,
            now,
            workflow.Proposal("先锋工程纪实", 1200, crew.producer),
        )
        walk_to_approved(session, crew, episode, now)
        workflow.offer_for_exchange(
            session, crew.producer, episode, episode.version, now, offered=True
        )
    for name, column, user, day in (
        ("县日历", "county", "bp", 0),
        ("另一县日历", "other", "scheduler", 2),
    ):
        path = tmp_path / f"{column}.ics"
        path.write_bytes(feed(event(f"{column}-1", at(day), "DURATION:PT30M", "《先锋工程纪实》")))
        added = desk("feeds", "sources", "add", column, name, str(path), "--as", user)
        assert added.exit_code == 0, added.output
    assert desk("feeds", "import").exit_code == 0
    result = desk("feeds", "clashes")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert line.startswith("[交流重播] 交流节目《先锋工程纪实》在 7 天内被两个栏目播出：某县党建")
    assert line.endswith("相隔 2 天。")
    with unit_of_work(app) as session:
        assert session.scalar(select(func.count()).select_from(ExternalAiring)) == 2
