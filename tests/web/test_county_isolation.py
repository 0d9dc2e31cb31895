"""County isolation on every page and export that names episodes: a county producer of
临江 (county A) reads no title of 青山 (county B) that is not on air, while every count is
the same as the liaison office's. The rule is ``editorial.sight.title_sight``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from io import BytesIO

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import insert

from calendars import ledger
from editorial import people, workflow
from editorial.models import Column, Episode, Role, State
from editorial.reminders import review_reminders
from editorial.sight import title_sight
from liaison import reminders
from schedule import slots
from schedule.models import Airing, AiringStatus, SlotKind
from tests.web.test_liaison_pages import (
    DASHBOARD,
    NOW,
    STAGES,
    Office,
    _local,
    _person,
    body,
    clock,  # noqa: F401  (an autouse fixture: the liaison pages' clock)
    office,  # noqa: F401  (the data set these tests extend)
    row_numbers,
    signed_in,
)
from web import feeds as web_feeds
from web.db import unit_of_work

SECRET = {
    "making": "青山机密选题甲",
    "approved": "青山待播乙",
    "draft_airing": "青山草稿编排丙",
    "in_review": "青山送审戊",
}
PUBLIC = "青山已发布丁"  # a published premiere: in every public feed


@dataclass(frozen=True)
class CountyB:
    qingshan: int
    july1: int
    rural: int
    episodes: dict[str, int]


@pytest.fixture
def county_b(app: Flask, office: Office) -> CountyB:  # noqa: F811
    """青山 gets its own editor-director, producer, reviewer and episodes of every kind."""
    with unit_of_work(app) as s:
        qingshan = s.get(Column, office.qingshan)
        assert qingshan is not None
        qe = _person(s, "qe", [(qingshan, Role.EDITOR_DIRECTOR)])
        qp = _person(s, "qp", [(qingshan, Role.PRODUCER)])
        _person(s, "qr", [(qingshan, Role.REVIEWER)])
        qs = _person(s, "qs", [(qingshan, Role.SCHEDULER)])

        def episode(title: str, state: State, tag: str) -> Episode:
            proposal = workflow.Proposal(title, 1800, qp, priority_tags=(tag,))
            e = workflow.propose(s, qe, qingshan, NOW - timedelta(days=30), proposal)
            e.state = state
            return e

        e = {
            "making": episode(SECRET["making"], State.IN_PRODUCTION, "七一"),
            "approved": episode(SECRET["approved"], State.APPROVED, "七一"),
            "draft_airing": episode(SECRET["draft_airing"], State.APPROVED, "乡村振兴"),
            "in_review": episode(SECRET["in_review"], State.SECOND_REVIEW, "七一"),
            "public": episode(PUBLIC, State.APPROVED, "乡村振兴"),
        }
        e["in_review"].review_due = date(2026, 7, 14)  # overdue: its reviewer is reminded
        spec = slots.SlotSpec(
            name="青山首播", kind=SlotKind.PREMIERE, local_start=time(19, 0), duration_s=1800,
            rrule="FREQ=DAILY", first_date=date(2026, 6, 1),
        )  # fmt: skip
        slot = slots.create_slot(s, qs, qingshan, NOW - timedelta(days=60), spec)
        s.flush()
        for key, day, status in (
            ("draft_airing", date(2026, 7, 16), AiringStatus.DRAFT),
            ("public", date(2026, 7, 17), AiringStatus.PUBLISHED),
        ):
            starts = _local(day, 19, 0)
            s.execute(
                insert(Airing),
                [
                    {
                        "slot_id": slot.id, "episode_id": e[key].id, "kind": SlotKind.PREMIERE,
                        "premiere_id": None, "starts_at": starts,
                        "ends_at": starts + timedelta(minutes=30), "status": status,
                        "pinned": False, "exchange": False, "reason": "", "revision": 0,
                        "published_at": None, "created_at": NOW, "updated_at": NOW,
                    }
                ],
            )  # fmt: skip
        reminders.remind(s, NOW)
        review_reminders(s, NOW)
        ledger.sync(s, NOW)
        return CountyB(office.qingshan, office.july1, office.rural, {k: v.id for k, v in e.items()})


def assert_no_secret(data: bytes | str, where: str) -> None:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    for title in SECRET.values():
        assert title not in text, f"{title} leaks through {where}"


# --- the rule --------------------------------------------------------------------------------


def test_the_rule_sees_own_columns_and_everything_for_the_office_and_city_final_approvers(
    app: Flask,
    office: Office,  # noqa: F811
) -> None:
    with unit_of_work(app) as s:
        city = s.get(Column, office.city)
        qingshan = s.get(Column, office.qingshan)
        assert city is not None and qingshan is not None
        fa = _person(s, "cfa", [(city, Role.FINAL_APPROVER)])
        county_fa = _person(s, "qfa", [(qingshan, Role.FINAL_APPROVER)])
        county_liaison = people.get_person(s, "xl")
        office_person = people.get_person(s, "zm")
        producer = people.get_person(s, "lp")
        assert title_sight(s, office_person).sees(office.qingshan)
        assert title_sight(s, fa).sees(office.qingshan)
        assert title_sight(s, producer).sees(office.linjiang)
        assert not title_sight(s, producer).sees(office.qingshan)
        assert not title_sight(s, county_liaison).sees(office.qingshan)
        assert not title_sight(s, county_fa).sees(office.linjiang)
        producer.active = False
        assert not title_sight(s, producer).sees(office.linjiang)


# --- every page and export, as the producer of 临江 -------------------------------------------


@pytest.mark.parametrize("username", ["lp", "xl", "ed"])  # producer, liaison, editor-director
def test_drill_downs_name_no_other_county_episode_that_is_not_on_air(
    app: Flask, county_b: CountyB, username: str
) -> None:
    client = signed_in(app, username)
    pages = {
        (pid, stage): body(client.get(f"{DASHBOARD}/{pid}/{county_b.qingshan}/{stage}"))
        for pid in (county_b.july1, county_b.rural)
        for stage in STAGES
    }
    for (pid, stage), page in pages.items():
        assert_no_secret(page, f"drill-down {pid}/{stage}")
        assert f"/episodes/{county_b.episodes['making']}" not in page
    july1, rural = county_b.july1, county_b.rural
    making = pages[(july1, "in_production")]
    assert '<span class="count">2</span>' in making and "另有 2 期节目" in making
    assert "<table>" not in making and "待复审" not in making  # no rows, no states
    scheduled = pages[(rural, "scheduled")]
    assert PUBLIC in scheduled  # on air in the published schedule: public
    assert '<span class="count">2</span>' in scheduled and "另有 1 期节目" in scheduled


def test_the_office_still_reads_every_title_in_the_drill_downs(
    app: Flask, county_b: CountyB
) -> None:
    client = signed_in(app, "zm")
    july1 = county_b.july1
    page = body(client.get(f"{DASHBOARD}/{july1}/{county_b.qingshan}/in_production"))
    assert SECRET["making"] in page and SECRET["in_review"] in page and "另有" not in page


def test_the_dashboard_xlsx_and_print_page_hold_counts_not_titles_and_agree_with_the_office(
    app: Flask, county_b: CountyB
) -> None:
    producer, office_client = signed_in(app, "lp"), signed_in(app, "zm")
    july1, rural = county_b.july1, county_b.rural
    mine = body(producer.get(DASHBOARD))
    assert_no_secret(mine, "the dashboard")
    theirs = body(office_client.get(DASHBOARD))
    for pid in (july1, rural):
        assert row_numbers(mine, pid, "青山党建") == row_numbers(theirs, pid, "青山党建")
    #                                    proposed, making, approved, scheduled, aired
    assert row_numbers(mine, july1, "青山党建")[:5] == ["0", "2", "1", "0", "0"]
    assert row_numbers(mine, rural, "青山党建")[:5] == ["0", "0", "0", "2", "0"]
    assert_no_secret(body(producer.get(f"{DASHBOARD}/print")), "the print page")
    response = producer.get(f"{DASHBOARD}.xlsx")
    assert response.status_code == 200
    assert_no_secret(response.data, "the xlsx bytes")
    book = load_workbook(BytesIO(response.data))
    cells = [
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v
    ]
    assert_no_secret("\n".join(cells), "the xlsx cells")
    overview = list(book["总览"].iter_rows(values_only=True))
    row = next(r for r in overview if r[:2] == ("青山党建", "庆祝建党节"))
    assert row[3:8] == (0, 2, 1, 0, 0)


def test_the_board_schedule_pages_and_report_name_no_other_county_episode(
    app: Flask, county_b: CountyB
) -> None:
    client = signed_in(app, "lp")
    for path in (
        "/",
        f"/?column={county_b.qingshan}",
        "/schedule/week?start=2026-07-13",
        "/schedule/month?month=2026-07",
        "/schedule/month?month=2026-07&column=qingshan",
        "/schedule/report",
        "/schedule/report?column=qingshan",
        "/me/notifications?all=1",
        "/me/feeds",
    ):
        response = client.get(path, follow_redirects=True)
        assert response.status_code in (200, 403, 404), path
        assert_no_secret(response.data, path)
        assert PUBLIC not in response.get_data(as_text=True), path  # not their schedule either
    for key in ("making", "approved", "in_review"):
        assert client.get(f"/episodes/{county_b.episodes[key]}").status_code == 404


def test_the_other_countys_reviewer_is_reminded_but_nobody_else(
    app: Flask, county_b: CountyB
) -> None:
    reviewer = body(signed_in(app, "qr").get("/me/notifications"))
    assert SECRET["in_review"] in reviewer  # the reminder exists: the absence above is real
    for username in ("lp", "xl", "pr"):
        assert_no_secret(body(signed_in(app, username).get("/me/notifications?all=1")), username)


def test_public_feeds_carry_only_what_is_on_air(
    app: Flask, county_b: CountyB, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_feeds, "_now", lambda: NOW)
    client = app.test_client()
    for path in ("/feeds/", "/feeds/all.ics", "/feeds/columns/qingshan.ics", "/feeds/liaison.ics"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        for key in ("making", "approved", "in_review"):
            assert SECRET[key] not in text, (SECRET[key], path)
    assert PUBLIC in client.get("/feeds/all.ics").get_data(as_text=True)


def test_the_api_lists_no_other_county_episode(app: Flask, county_b: CountyB) -> None:
    with unit_of_work(app) as s:
        token = people.issue_token(s, people.get_person(s, "lp"), "tests", NOW)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    response = api.get("/api/v1/episodes?limit=200", headers=headers)
    assert response.status_code == 200
    assert_no_secret(response.data, "/api/v1/episodes")
    assert (
        api.get(f"/api/v1/episodes/{county_b.episodes['making']}", headers=headers).status_code
        == 404
    )
