"""``tvcolumn channels list|code``."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from flask import Flask

from calendars import export
from editorial import people
from editorial.models import Column, Role
from schedule import channels
from tests.web.test_feeds_http import NOW, schedule
from web.db import unit_of_work


def admin(app: Flask, username: str = "boss") -> None:
    with app.app_context(), unit_of_work(app) as s:
        person = people.create_person(s, NOW, username=username, display_name="管理员")
        column = s.query(Column).filter_by(slug="city").one()
        people.grant_role(s, person, column, Role.ADMIN, NOW)


def codes(app: Flask) -> list[str]:
    with app.app_context(), unit_of_work(app) as s:
        return [c.code for c in channels.list_channels(s)]


def test_list_shows_code_station_channel_and_slots(app: Flask, run: Callable[..., Result]) -> None:
    assert "no channels yet" in run("channels", "list").output
    schedule(app)
    done = run("channels", "list")
    assert done.exit_code == 0, done.output
    header, row = done.output.splitlines()
    assert header.split() == ["code", "station", "channel", "slots"]
    assert row.split() == ["city", "市台", "一套", "1"]


def test_an_admin_changes_a_code(app: Flask, run: Callable[..., Result]) -> None:
    schedule(app)
    admin(app)
    feeds_dir = Path(app.config["FEEDS_DIR"])
    before = export.read_stamp(feeds_dir)
    time.sleep(0.01)
    done = run("channels", "code", "city", "city-1", "--as", "boss")
    assert done.exit_code == 0, done.output
    # The web processes drop their cached guides (the old address stops answering).
    assert export.read_stamp(feeds_dir) != before
    assert "/feeds/xmltv/city-1.xml" in done.output
    assert codes(app) == ["city-1"]


def test_refusals_change_nothing(app: Flask, run: Callable[..., Result]) -> None:
    schedule(app)
    admin(app)
    for args, says in (
        (("city", "City One", "--as", "boss"), "lowercase letters"),
        (("--as", "boss", "--", "city", "-city"), "lowercase letters"),
        (("city", "c" * 41, "--as", "boss"), "lowercase letters"),
        (("city", "city-2", "--as", "pr"), "only an administrator"),
        (("nowhere", "city-2", "--as", "boss"), "no channel 'nowhere'"),
        (("city", "city-2", "--as", "nobody"), "no person"),
    ):
        done = run("channels", "code", *args)
        assert done.exit_code == 1 and says in done.output, (args, done.output)
    assert codes(app) == ["city"]


def test_a_taken_code_is_refused(app: Flask, run: Callable[..., Result]) -> None:
    schedule(app)
    admin(app)
    with app.app_context(), unit_of_work(app) as s:
        column = s.query(Column).filter_by(slug="city").one()
        channels.ensure_channel(s, "市台", "二套", column, NOW)
    assert sorted(codes(app)) == ["city", "city-2"]
    done = run("channels", "code", "city-2", "city", "--as", "boss")
    assert done.exit_code == 1 and "taken by 市台 一套" in done.output
    assert sorted(codes(app)) == ["city", "city-2"]
