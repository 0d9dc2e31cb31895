"""Feeds over HTTP: headers, conditional requests, the per-process cache, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from werkzeug.http import http_date

from calendars import export, ledger, tokens
from editorial import people
from editorial.models import Episode, Level, Person, Role, State
from schedule import builder, slots
from schedule.models import SlotKind
from web import feeds as web_feeds
from web.db import session_factory, unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The feeds' clock, fixed at NOW unless a test moves it."""
    moments = [NOW]
    monkeypatch.setattr(web_feeds, "_now", lambda: moments[-1])
    return moments


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the application runs from here on."""
    seen: list[str] = []
    engine = session_factory(app).kw["bind"]

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def schedule(app: Flask, title: str = "红船精神代代传") -> Person:
    """A city column with a weekly slot, an approved episode, a build and a ledger sync."""
    with app.app_context(), unit_of_work(app) as s:
        column = people.create_column(
            s, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        director = people.create_person(s, NOW, username="ed", display_name="编导甲")
        producer = people.create_person(s, NOW, username="pr", display_name="制片乙")
        people.grant_role(s, director, column, Role.EDITOR_DIRECTOR, NOW)
        people.grant_role(s, producer, column, Role.PRODUCER, NOW)
        people.grant_role(s, producer, column, Role.SCHEDULER, NOW)
        slots.create_slot(
            s,
            producer,
            column,
            NOW,
            slots.SlotSpec(
                name="周五首播",
                kind=SlotKind.PREMIERE,
                local_start=time(20, 0),
                duration_s=1800,
                rrule="FREQ=WEEKLY;BYDAY=FR",
                first_date=date(2026, 3, 6),
            ),
        )
        s.add(
            Episode(
                column=column,
                title=title,
                target_duration_s=1800,
                director_id=director.id,
                responsible_producer_id=producer.id,
                state=State.APPROVED,
                review_round=1,
                state_entered_at=NOW - timedelta(days=1),
                created_at=NOW - timedelta(days=9),
            )
        )
        s.flush()
        builder.build(s, NOW, end=date(2026, 3, 31))
        ledger.sync(s, NOW)
        s.expunge(director)
    export.touch_stamp(Path(app.config["FEEDS_DIR"]))
    return director


def test_a_feed_is_calendar_bytes_with_validators_and_cache_control(
    app: Flask, clock: list[datetime]
) -> None:
    schedule(app)
    response = app.test_client().get("/feeds/all.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"].startswith('"')  # strong: no W/ prefix
    assert response.headers["Last-Modified"] == http_date(NOW)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "红船精神代代传" in body
    assert app.test_client().get("/feeds/columns/city.ics").status_code == 200
    liaison = app.test_client().get("/feeds/liaison.ics")
    assert liaison.status_code == 200 and "BEGIN:VTIMEZONE" in liaison.get_data(as_text=True)


def test_both_conditional_forms_answer_304(app: Flask, clock: list[datetime]) -> None:
    schedule(app)
    client = app.test_client()
    first = client.get("/feeds/all.ics")
    again = client.get("/feeds/all.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.data) == (304, b"")
    since = client.get(
        "/feeds/all.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    stale = client.get("/feeds/all.ics", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_a_cached_feed_touches_no_database(
    app: Flask, clock: list[datetime], statements: list[str]
) -> None:
    schedule(app)
    client = app.test_client()
    client.get("/feeds/all.ics")
    assert statements  # the first request rendered from the ledger
    statements.clear()
    for headers in ({}, {"If-None-Match": client.get("/feeds/all.ics").headers["ETag"]}):
        assert client.get("/feeds/all.ics", headers=headers).status_code in (200, 304)
    assert statements == []


def test_a_new_stamp_or_a_new_day_renders_again(
    app: Flask, clock: list[datetime], statements: list[str]
) -> None:
    schedule(app)
    client = app.test_client()
    before = client.get("/feeds/all.ics")
    with app.app_context(), unit_of_work(app) as s:
        episode = s.query(Episode).one()
        episode.title = "改后的标题"
        s.flush()
        ledger.sync(s, NOW + timedelta(minutes=1))
    assert client.get("/feeds/all.ics").data == before.data  # not told yet
    export.touch_stamp(Path(app.config["FEEDS_DIR"]))
    after = client.get("/feeds/all.ics")
    assert "改后的标题" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]
    statements.clear()
    clock.append(NOW + timedelta(days=1))
    client.get("/feeds/all.ics")
    assert statements  # a new day moves the window


def test_a_window_can_be_asked_for_within_limits(app: Flask, clock: list[datetime]) -> None:
    schedule(app)
    client = app.test_client()
    narrow = client.get("/feeds/all.ics?back=0&ahead=3")
    assert narrow.status_code == 200 and "BEGIN:VEVENT" not in narrow.get_data(as_text=True)
    for query in ("back=91", "ahead=400", "ahead=-1", "back=abc"):
        refused = client.get(f"/feeds/all.ics?{query}")
        assert refused.status_code == 400, query
        assert "days" in refused.get_data(as_text=True)


def test_a_personal_feed_needs_a_live_token_and_says_nothing_otherwise(
    app: Flask, clock: list[datetime]
) -> None:
    director = schedule(app)
    with app.app_context(), unit_of_work(app) as s:
        person = s.get(Person, director.id)
        assert person is not None
        token = tokens.rotate_feed_token(s, person, person, NOW)
    client = app.test_client()
    mine = client.get(f"/feeds/people/{token}.ics")
    assert mine.status_code == 200 and "红船精神代代传" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, max-age=300"
    unknown = client.get("/feeds/people/tvf_" + "x" * 43 + ".ics")
    garbage = client.get("/feeds/people/anything.ics")
    no_column = client.get("/feeds/columns/nowhere.ics")
    assert unknown.status_code == garbage.status_code == no_column.status_code == 404
    assert unknown.data == garbage.data == no_column.data
    with app.app_context(), unit_of_work(app) as s:
        person = s.get(Person, director.id)
        assert person is not None
        tokens.rotate_feed_token(s, person, person, NOW)
    export.touch_stamp(Path(app.config["FEEDS_DIR"]))
    assert client.get(f"/feeds/people/{token}.ics").status_code == 404


def test_subscribe_links_come_in_both_forms(app: Flask, clock: list[datetime]) -> None:
    schedule(app)
    listed = app.test_client().get("/feeds/").get_json()["feeds"]
    paths = [f["path"] for f in listed]
    assert paths == ["all.ics", "columns/city.ics", "liaison.ics"]
    city = listed[1]
    assert city["https"] == "http://localhost/feeds/columns/city.ics"
    assert city["webcal"] == "webcal://localhost/feeds/columns/city.ics"
    app.config["PUBLIC_URL"] = "https://tv.example.cn"
    again = app.test_client().get("/feeds/").get_json()["feeds"][0]
    assert again["webcal"] == "webcal://tv.example.cn/feeds/all.ics"


def test_conditional_requests_follow_rfc_9110_on_the_fast_path_too(
    app: Flask, clock: list[datetime]
) -> None:
    schedule(app)
    client = app.test_client()
    first = client.get("/feeds/all.ics")  # rendered by the view
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for tags in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        assert client.get("/feeds/all.ics", headers={"If-None-Match": tags}).status_code == 304
    # If-None-Match decides when both are sent: a changed tag gets the bytes
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert client.get("/feeds/all.ics", headers=both).status_code == 200
    earlier = http_date(NOW - timedelta(days=1))
    assert client.get("/feeds/all.ics", headers={"If-Modified-Since": earlier}).status_code == 200
    head = client.head("/feeds/all.ics")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data))
    assert head.headers["ETag"] == etag
