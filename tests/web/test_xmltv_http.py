"""The channels' XMLTV guides over HTTP: ``/feeds/xmltv/<code>.xml``, served like the
iCalendar feeds (validators, 304, the per-process cache)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from werkzeug.http import http_date

from editorial import accounts, people
from schedule import publishing
from tests.web.conftest import sign_in
from tests.web.test_feeds_http import NOW, clock, schedule, statements
from tests.xmltv_check import checked
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
