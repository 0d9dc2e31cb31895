"""Campaign pages (集中播放) through the test client: a county's scheduler plans its
concentrated broadcast, sees how the builder filled it (empty airtimes marked), and a
refusal answers 4xx with what was typed, making no slot."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from editorial import people
from editorial.models import Episode, Level, Role, State
from schedule import builder
from schedule.models import Slot
from tests.web.conftest import csrf_token
from tests.web.test_episode_pages import NOW, Crew, add_person, client_for, make_crew, text
from web import campaign_views, schedule_views
from web.db import unit_of_work


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaign_views, "_now", lambda: NOW)


@pytest.fixture
def county(app: Flask) -> Crew:
    return make_crew(app, "liuhe", Level.COUNTY)


@pytest.fixture
def scheduler(app: Flask, county: Crew) -> FlaskClient:
    return client_for(app, add_person(app, county, "liuhe-sch", Role.SCHEDULER))


def slot_count(app: Flask) -> int:
    with unit_of_work(app) as s:
        return int(s.scalar(select(func.count()).select_from(Slot)) or 0)


def plan_form(client: FlaskClient, crew: Crew, **fields: str) -> TestResponse:
    data = {
        "csrf_token": csrf_token(client, "/campaigns/"),
        "column": str(crew.column_id),
        "first_date": "2026-03-16",
        "last_date": "2026-03-20",
        "title": "",
        "start_0": "19:00",
        "minutes_0": "30",
        "start_1": "19:30",
        "minutes_1": "20",
    }
    data.update(fields)
    return client.post("/campaigns/", data=data)


def test_a_county_scheduler_plans_a_campaign_and_sees_its_fill(
    app: Flask, county: Crew, scheduler: FlaskClient
) -> None:
    page = scheduler.get("/campaigns/")
    assert page.status_code == 200 and "安排集中播放" in text(page)
    made = plan_form(scheduler, county)
    assert made.status_code == 303
    assert slot_count(app) == 2
    with unit_of_work(app) as s:
        own = Episode(
            column_id=county.column_id,
            title="柳河县科技富民",
            target_duration_s=1800,
            director_id=people.get_person(s, county.director).id,
            responsible_producer_id=people.get_person(s, county.producer).id,
            state=State.APPROVED,
            review_round=1,
            state_entered_at=NOW,
            created_at=NOW,
        )
        s.add(own)
        s.flush()
        builder.build(s, NOW)
    shown = scheduler.get(made.headers["Location"])
    body = text(shown)
    assert shown.status_code == 200
    # The own episode premieres at 19:00 and airs again each day; nothing fits 19:30 (20 min).
    assert "已安排 5 / 10 次" in body and "5 个空档" in body
    assert body.count('class="empty-occurrence"') == 5
    assert "柳河县科技富民" in body
    listed = text(scheduler.get("/campaigns/"))
    assert "5 / 10 次" in listed and "2026-03-16 – 2026-03-20" in listed


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"last_date": "2026-03-10"}, "早于开始日期"),
        ({"start_0": "", "minutes_0": "", "start_1": "", "minutes_1": ""}, "至少需要一个播出时间"),
        ({"start_1": "19:10"}, "重叠"),
        ({"first_date": "三月"}, "请填写日期"),
        ({"minutes_0": "半小时"}, "须写成时间和分钟数"),
    ],
)
def test_a_refused_campaign_keeps_what_was_typed_and_makes_no_slot(
    app: Flask, county: Crew, scheduler: FlaskClient, fields: dict[str, str], says: str
) -> None:
    refused = plan_form(scheduler, county, title="春季集中播放", **fields)
    assert refused.status_code == 422
    body = text(refused)
    assert says in body and 'value="春季集中播放"' in body
    assert slot_count(app) == 0


def test_a_producer_who_does_not_schedule_is_refused(app: Flask, county: Crew) -> None:
    producer = client_for(app, county.producer)
    assert 'name="first_date"' not in text(producer.get("/campaigns/"))
    refused = plan_form(producer, county)
    assert refused.status_code == 403
    assert slot_count(app) == 0


def test_the_grid_and_the_report_mark_the_campaign_and_list_its_empty_airtimes(
    app: Flask, county: Crew, scheduler: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule_views, "_now", lambda: NOW)
    plan_form(scheduler, county)
    with unit_of_work(app) as s:
        s.add(
            Episode(
                column_id=county.column_id,
                title="柳河县科技富民",
                target_duration_s=1800,
                director_id=people.get_person(s, county.director).id,
                responsible_producer_id=people.get_person(s, county.producer).id,
                state=State.APPROVED,
                review_round=1,
                state_entered_at=NOW,
                created_at=NOW,
            )
        )
        s.flush()
        builder.build(s, NOW)
    week = text(scheduler.get("/schedule/week?start=2026-03-16"))
    assert week.count('<span class="badge b-campaign">集中播放</span>') == 5 + 1  # and the legend
    report = text(scheduler.get("/schedule/report"))
    section = report[report.index('id="campaigns"') :]
    assert "已安排 5 / 10 次" in section and "5 个空档" in section
    assert section.count("19:30 · 集中播放（19:30）") == 5
