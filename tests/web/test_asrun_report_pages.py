"""The as-run report page (播后核对) of a channel's week: states in words, the unplanned
entries and the logs, who sees it, bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from editorial import accounts, people
from editorial.models import Column, Level, Person, Role
from tests.station.asrun_rows import AFTER_FRIDAY, MONDAY, asrun_week
from tests.web.conftest import sign_in
from web import asrun_views, schedule_views
from web.db import unit_of_work

NOW = AFTER_FRIDAY


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asrun_views, "_now", lambda: NOW)
    monkeypatch.setattr(schedule_views, "_now", lambda: NOW)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def person(s: Any, username: str, name: str, grants: list[tuple[Column, Role]]) -> Person:
    p = people.create_person(s, NOW - timedelta(days=60), username=username, display_name=name)
    for column, role in grants:
        people.grant_role(s, p, column, role, NOW - timedelta(days=60))
    accounts.set_password(s, p, "correct-horse", NOW - timedelta(days=60))
    return p


@pytest.fixture
def channel(app: Flask) -> str:
    """The city column's channel with the as-run week of ``tests.station.asrun_rows``; a
    scheduler ``bp`` of the city column and an outsider ``out`` of another column."""
    with app.app_context(), unit_of_work(app) as s:
        made = NOW - timedelta(days=60)
        city = people.create_column(
            s, made, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        other = people.create_column(
            s,
            made,
            slug="qingshan",
            name="青山党建",
            level=Level.COUNTY,
            station="青台",
            channel="综合",
        )
        scheduler = person(s, "bp", "何静", [(city, Role.SCHEDULER)])
        director = person(s, "ed", "王芳", [(city, Role.EDITOR_DIRECTOR)])
        producer = person(s, "pr", "李强", [(city, Role.PRODUCER)])
        person(s, "out", "局外人", [(other, Role.EDITOR_DIRECTOR)])
        week = asrun_week(s, city, scheduler, director, producer)
        return week.channel.code


def page(client: FlaskClient, **args: str) -> Any:
    return client.get("/schedule/asrun/", query_string=args)


def test_the_report_says_each_airing_state_in_words(client: FlaskClient, channel: str) -> None:
    sign_in(client, "bp")
    answer = page(client, channel=channel, week="2026-W09")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    for word in ("已播出（已确认）", "迟播", "时长不足", "漏播", "已播出（未确认）", "待播出"):
        assert word in text
    assert "晚开播 2分05秒" in text
    assert "少播 0分40秒" in text


def test_the_report_lists_unplanned_entries_and_the_logs(client: FlaskClient, channel: str) -> None:
    sign_in(client, "bp")
    text = page(client, channel=channel, week="2026-W09").get_data(as_text=True)
    assert "体育新闻" in text
    assert "旧记录" not in text  # replaced by the later log of that Saturday
    assert "播后记录0223-0228.csv" in text
    assert "何静" in text


def test_the_report_defaults_to_last_week_of_the_first_channel(
    client: FlaskClient, channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asrun_views, "_now", lambda: NOW + timedelta(days=7))
    sign_in(client, "bp")
    text = page(client).get_data(as_text=True)
    assert "2026-W09" in text
    assert "体育新闻" in text


def test_the_pager_goes_to_the_weeks_around(client: FlaskClient, channel: str) -> None:
    sign_in(client, "bp")
    text = page(client, channel=channel, week="2026-W09").get_data(as_text=True)
    assert f"channel={channel}&amp;week=2026-W08" in text
    assert f"channel={channel}&amp;week=2026-W10" in text


def test_the_schedule_pages_lead_to_the_report(client: FlaskClient, channel: str) -> None:
    sign_in(client, "bp")
    text = client.get("/schedule/week", query_string={"start": MONDAY.isoformat()}).get_data(
        as_text=True
    )
    assert 'href="/schedule/asrun/"' in text


@pytest.mark.parametrize("week", ["2026-49", "2026-W60", "next"])
def test_a_malformed_week_is_refused_with_400(client: FlaskClient, channel: str, week: str) -> None:
    sign_in(client, "bp")
    answer = page(client, channel=channel, week=week)
    assert answer.status_code == 400
    assert "2026-W49" in answer.get_data(as_text=True)


def test_an_unknown_channel_is_404(client: FlaskClient, channel: str) -> None:
    sign_in(client, "bp")
    assert page(client, channel="no-such", week="2026-W09").status_code == 404


def test_an_outsider_may_not_see_the_channel(client: FlaskClient, channel: str) -> None:
    sign_in(client, "out")
    assert page(client, channel=channel, week="2026-W09").status_code == 403


def test_an_outsider_sees_no_channel_to_pick(client: FlaskClient, channel: str) -> None:
    sign_in(client, "out")
    answer = page(client)
    assert answer.status_code == 200
    assert "体育新闻" not in answer.get_data(as_text=True)


def test_the_week_grid_says_aired_airings_as_the_log_says_them(
    client: FlaskClient, channel: str
) -> None:
    sign_in(client, "bp")
    answer = client.get("/schedule/week", query_string={"start": MONDAY.isoformat()})
    text = answer.get_data(as_text=True)
    for state, word in (
        ("confirmed", "已播出（已确认）"),
        ("missing", "漏播"),
        ("unconfirmed", "已播出（未确认）"),
    ):
        assert f'<span class="badge b-asrun-{state}">{word}</span>' in text
    assert '<span class="badge b-published">已发布</span>' in text  # Sunday, still to come


def test_the_month_grid_says_aired_unconfirmed(client: FlaskClient, channel: str) -> None:
    sign_in(client, "bp")
    text = client.get("/schedule/month", query_string={"month": "2026-02"}).get_data(as_text=True)
    assert '<span class="badge b-asrun-unconfirmed">已播出（未确认）</span>' in text


def test_the_airing_page_says_what_the_log_found_and_leads_to_the_report(
    client: FlaskClient, channel: str
) -> None:
    sign_in(client, "bp")
    week = client.get("/schedule/asrun/", query_string={"channel": channel, "week": "2026-W09"})
    late = week.get_data(as_text=True).split("周二节目")[0].rsplit("/schedule/airings/", 1)[1]
    text = client.get(f"/schedule/airings/{late.split(chr(34))[0]}").get_data(as_text=True)
    assert '<span class="badge b-asrun-late">迟播</span>' in text
    assert "实际开播 20:02:05，时长 30:00；晚开播 2分05秒" in text
    assert f"/schedule/asrun/?channel={channel}&amp;week=2026-W09" in text
