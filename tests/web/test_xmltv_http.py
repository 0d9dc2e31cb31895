"""The channels' XMLTV guides over HTTP: ``/feeds/xmltv/<code>.xml``, served like the
iCalendar feeds (validators, 304, the per-process cache)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from werkzeug.http import http_date

from editorial import accounts, people
from editorial.models import Column, Role
from schedule import publishing
from tests.web.conftest import sign_in
from tests.web.test_feeds_http import NOW, clock, schedule, statements
from tests.xmltv_check import checked
from web.config import load_config
from web.db import unit_of_work

__all__ = ["clock", "statements"]  # the fixtures

GUIDE = "/feeds/xmltv/city.xml"


def published(app: Flask) -> None:
    """The city column's schedule (channel code ``city``), its first weeks published."""
    schedule(app)
    with app.app_context(), unit_of_work(app) as s:
        assert publishing.publish_frozen(s, NOW) > 0


def test_the_guide_is_valid_xmltv_with_validators_and_cache_control(
    app: Flask, clock: list[datetime]
) -> None:
    published(app)
    response = app.test_client().get(GUIDE)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"] == http_date(NOW)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    root = checked(response.data)
    assert root.find("channel").get("id") == "city.tvcolumn"  # type: ignore[union-attr]
    programme = root.find("programme")
    assert programme is not None and programme.findtext("title") == "红船精神代代传"
    assert programme.get("start") == "20260306200000 +0800"


def test_drafts_stay_out_of_the_guide(app: Flask, clock: list[datetime]) -> None:
    schedule(app)  # built, nothing published
    response = app.test_client().get(GUIDE)
    assert response.status_code == 200 and b"<programme" not in response.data


def test_both_conditional_forms_answer_304(app: Flask, clock: list[datetime]) -> None:
    published(app)
    client = app.test_client()
    first = client.get(GUIDE)
    again = client.get(GUIDE, headers={"If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.data) == (304, b"")
    assert again.headers["ETag"] == first.headers["ETag"]
    since = client.get(GUIDE, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get(GUIDE, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_a_second_request_is_answered_from_the_cache_without_sql(
    app: Flask, clock: list[datetime], statements: list[str]
) -> None:
    published(app)
    client = app.test_client()
    first = client.get(GUIDE)
    statements.clear()
    second = client.get(GUIDE)
    assert second.data == first.data and statements == []


def test_an_unknown_channel_is_a_plain_404(app: Flask, clock: list[datetime]) -> None:
    published(app)
    response = app.test_client().get("/feeds/xmltv/nowhere.xml")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert "nowhere" in response.get_data(as_text=True)
    long = app.test_client().get("/feeds/xmltv/" + "x" * 5000 + ".xml")
    assert long.status_code == 404 and len(long.data) < 200


def test_the_feed_links_list_the_guides(app: Flask, clock: list[datetime]) -> None:
    published(app)
    links = app.test_client().get("/feeds/").get_json()
    (guide,) = links["guides"]
    assert guide["code"] == "city" and guide["https"].endswith(GUIDE)


def test_the_feeds_page_lists_each_channels_guide(app: Flask, clock: list[datetime]) -> None:
    published(app)
    app.config["PUBLIC_URL"] = "https://tv.example.cn"
    with app.app_context(), unit_of_work(app) as s:
        accounts.set_password(s, people.get_person(s, "pr"), "correct-horse", NOW)
    client = app.test_client()
    sign_in(client, "pr")
    body = client.get("/me/feeds").get_data(as_text=True)
    assert 'id="xmltv"' in body and "节目指南（XMLTV）" in body
    assert f'value="https://tv.example.cn{GUIDE}"' in body
    assert "市台 一套" in body


def test_the_id_domain_comes_from_the_environment_and_a_bad_one_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TVCOLUMN_XMLTV_ID_DOMAIN", "tv.example.cn")
    assert load_config(str(tmp_path))["XMLTV_ID_DOMAIN"] == "tv.example.cn"
    monkeypatch.setenv("TVCOLUMN_XMLTV_ID_DOMAIN", "tv example")
    with pytest.raises(ValueError, match="XMLTV id domain"):
        load_config(str(tmp_path))


def test_after_a_code_change_the_old_address_stops_at_once(
    app: Flask, clock: list[datetime], run: Callable[..., Result]
) -> None:
    published(app)
    client = app.test_client()
    assert client.get(GUIDE).status_code == 200  # now in the cache
    with app.app_context(), unit_of_work(app) as s:
        boss = people.create_person(s, NOW, username="boss", display_name="管理员")
        people.grant_role(s, boss, s.scalars(select(Column)).one(), Role.ADMIN, NOW)
    done = run("channels", "code", "city", "shi-yitao", "--as", "boss")
    assert done.exit_code == 0, done.output
    assert client.get(GUIDE).status_code == 404
    moved = client.get("/feeds/xmltv/shi-yitao.xml")
    assert moved.status_code == 200 and b'channel id="shi-yitao.tvcolumn"' in moved.data
