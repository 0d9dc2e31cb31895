"""``tvcolumn asrun report`` and the as-run state in ``tvcolumn schedule show``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import Result
from flask import Flask

from cli import common
from editorial import people
from editorial.models import Level, Role
from tests.station.asrun_rows import AFTER_FRIDAY, asrun_week
from web.db import unit_of_work

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: AFTER_FRIDAY)


@pytest.fixture
def channel(app: Flask) -> str:
    with unit_of_work(app) as s:
        made = AFTER_FRIDAY - timedelta(days=60)
        city = people.create_column(
            s, made, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        staff = []
        for username, role in (
            ("bp", Role.SCHEDULER),
            ("ed", Role.EDITOR_DIRECTOR),
            ("pr", Role.PRODUCER),
        ):
            person = people.create_person(s, made, username=username, display_name="何静")
            people.grant_role(s, person, city, role, made)
            staff.append(person)
        return asrun_week(s, city, *staff).channel.code


def test_the_report_lists_each_airing_with_its_state(run: Run, channel: str) -> None:
    result = run("asrun", "report", "--channel", channel, "--week", "2026-W09")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("2026-W09: 2026-02-23 to 2026-03-01")
    rows = lines[3:9]
    states = ["已播出（已确认）", "迟播", "时长不足", "漏播", "已播出（未确认）", "待播出"]
    assert [state in row for row, state in zip(rows, states, strict=True)] == [True] * 6
    assert "start +2:05" in rows[1] and "20:02:05 30:00" in rows[1]
    assert "short 0:40" in rows[2]
    assert any("体育新闻" in line for line in lines)
    assert any(line.startswith("log 播后记录0223-0228.csv") for line in lines)


def test_without_a_week_the_report_is_of_the_previous_week(
    run: Run, channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "now", lambda: AFTER_FRIDAY + timedelta(days=7))
    result = run("asrun", "report", "--channel", channel)
    assert result.exit_code == 0 and "2026-W09" in result.stdout.splitlines()[0]


def test_a_malformed_week_is_refused_naming_it(run: Run, channel: str) -> None:
    result = run("asrun", "report", "--channel", channel, "--week", "2026-9")
    assert result.exit_code == 1
    assert "'2026-9'" in result.stderr and "2026-W49" in result.stderr


def test_an_unknown_channel_is_refused_naming_it(run: Run, channel: str) -> None:
    result = run("asrun", "report", "--channel", "nowhere", "--week", "2026-W09")
    assert result.exit_code == 1 and "'nowhere'" in result.stderr


def test_schedule_show_says_aired_airings_as_the_log_says_them(run: Run, channel: str) -> None:
    result = run("schedule", "show", "--from", "2026-02-23", "--to", "2026-03-01")
    assert result.exit_code == 0, result.output
    body = result.stdout
    for word in ("已播出（已确认）", "迟播", "时长不足", "漏播", "已播出（未确认）"):
        assert word in body
    assert "已发布" in body  # Sunday's airing, still to come
