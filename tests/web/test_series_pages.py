"""Series pages (连续报道) through the test client: a producer creates, edits and reorders a
series; an editor-director proposes its parts; everyone of the column sees each part's
state and planned airing. Every refusal answers 4xx with what was typed, changing nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from editorial import people
from editorial import series as planning
from editorial.models import Episode, HistoryEntry, Level, Role, Series
from editorial.workdays import SHANGHAI
from schedule import slots
from schedule.models import Airing, AiringStatus, SlotKind
from tests.web.conftest import csrf_token
from tests.web.test_episode_pages import (
    NOW,
    Crew,
    add_person,
    client_for,
    make_crew,
    propose_form,
    text,
)
from web import episodes, series_views
from web.db import unit_of_work

START_BY = date(2026, 4, 1)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(episodes, "_now", lambda: NOW)
    monkeypatch.setattr(series_views, "_now", lambda: NOW)


@pytest.fixture
def crew(app: Flask) -> Crew:
    return make_crew(app, "city", Level.CITY)


def series_count(app: Flask) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return int(s.scalar(select(func.count()).select_from(Series)) or 0)


def create_form(client: FlaskClient, crew: Crew, **fields: str) -> TestResponse:
    data = {
        "csrf_token": csrf_token(client, "/series/new"),
        "column": str(crew.column_id),
        "title": "先锋工程连续报道",
        "parts": "3",
        "start_by": START_BY.isoformat(),
        "relay": "y",
    }
    data.update(fields)
    return client.post("/series/new", data=data)


def make_series(app: Flask, crew: Crew, parts: int = 3) -> int:
    with app.app_context(), unit_of_work(app) as s:
        made = planning.create_series(
            s,
            people.get_person(s, crew.producer),
            people.get_column(s, crew.slug),
            NOW,
            planning.SeriesSpec("先锋工程连续报道", parts, START_BY),
        )
        return made.id


def part(app: Flask, crew: Crew, series_id: int, number: int, title: str) -> int:
    """An episode proposed as part ``number`` of the series, through the propose page."""
    client = client_for(app, crew.director)
    response = propose_form(
        client,
        crew,
        app,
        title=title,
        series=str(series_id),
        part_number=str(number),
        priority_tags="",
    )
    assert response.status_code == 303, text(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def numbers(app: Flask, series_id: int) -> dict[str, int | None]:
    with app.app_context(), unit_of_work(app) as s:
        rows = s.scalars(select(Episode).where(Episode.series_id == series_id))
        return {e.title: e.part_number for e in rows}


def series_version(app: Flask, series_id: int) -> int:
    with app.app_context(), unit_of_work(app) as s:
        found = s.get(Series, series_id)
        assert found is not None
        return found.version


# --- creating ------------------------------------------------------------------------------------


def test_a_producer_creates_a_series_and_lands_on_its_page(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.producer)
    response = create_form(client, crew)
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "先锋工程连续报道" in page and "3 集" in page and "2026-04-01" in page
    assert "转播" in page and "尚未申报" in page
    with app.app_context(), unit_of_work(app) as s:
        made = s.scalars(select(Series)).one()
        assert (made.relay, made.created_by_id) == (True, people.get_person(s, crew.producer).id)


def test_the_series_list_links_each_series_of_the_column(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    page = text(client_for(app, crew.reviewer).get("/series/"))
    assert f'href="/series/{series_id}"' in page
    assert "新建连续报道" not in page  # a reviewer plans no series
    assert "新建连续报道" in text(client_for(app, crew.producer).get("/series/"))


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"title": "  "}, "请填写系列的标题。"),
        ({"title": "长" * 201}, "系列标题最多 200 个字符"),
        ({"parts": "1"}, "集数须为 2 至 100"),
        ({"parts": "两集"}, "请填写整数"),
        ({"start_by": "2026-03-01"}, "最迟开播日期 2026-03-01 已经过去。"),
        ({"start_by": "2026-02-30"}, "2026-02-30 这一天不存在"),
        ({"column": "99999"}, "请从列表中选择栏目"),
    ],
)
def test_bad_input_is_refused_keeping_what_was_typed(
    app: Flask, crew: Crew, fields: dict[str, str], said: str
) -> None:
    client = client_for(app, crew.producer)
    typed = {"title": "科技富民系列", "parts": "5", "start_by": "2026-05-04", **fields}
    response = create_form(client, crew, **typed)
    assert response.status_code == 422
    page = text(response)
    assert said in page
    for name in ("title", "parts", "start_by"):
        if typed[name].strip():
            assert f'value="{typed[name]}"' in page, name
    assert series_count(app) == 0


def test_no_one_but_producers_and_admins_creates_a_series(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.director)
    page = client.get("/series/new")
    assert page.status_code == 403
    assert "只有栏目的制片人或管理员可以新建连续报道" in text(page)
    token = csrf_token(client, "/series/")
    response = client.post(
        "/series/new",
        data={"csrf_token": token, "column": str(crew.column_id), "title": "系列", "parts": "3"},
    )
    assert response.status_code == 403
    assert series_count(app) == 0


def test_a_producer_of_another_column_cannot_create_one_here(app: Flask, crew: Crew) -> None:
    other = make_crew(app, "liuhe")
    client = client_for(app, other.producer)
    response = create_form(client, crew)  # crew's column is not among their choices
    assert response.status_code == 422
    assert series_count(app) == 0


# --- editing -------------------------------------------------------------------------------------


def edit_form(client: FlaskClient, series_id: int, **fields: str) -> TestResponse:
    page = text(client.get(f"/series/{series_id}/edit"))
    found = re.search(r'name="version"[^>]*value="(\d+)"', page)
    assert found is not None
    data = {
        "csrf_token": csrf_token(client, f"/series/{series_id}/edit"),
        "version": found.group(1),
        "title": "先锋工程连续报道",
        "parts": "3",
        "start_by": START_BY.isoformat(),
    }
    data.update(fields)
    return client.post(f"/series/{series_id}/edit", data=data)


def test_a_producer_edits_a_series(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    client = client_for(app, crew.producer)
    response = edit_form(client, series_id, title="先锋工程系列报道", parts="5", relay="y")
    assert response.status_code == 303
    page = text(client.get(f"/series/{series_id}"))
    assert "先锋工程系列报道" in page and "5 集" in page and "最后修改" in page


def test_the_parts_cannot_go_below_the_highest_part_proposed(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew, parts=4)
    part(app, crew, series_id, 3, "第三集")
    client = client_for(app, crew.producer)
    response = edit_form(client, series_id, parts="2", title="改过的标题")
    assert response.status_code == 422
    page = text(response)
    assert "第 3 集已经申报，集数不能少于 3。" in page
    assert 'value="改过的标题"' in page and 'value="2"' in page
    with app.app_context(), unit_of_work(app) as s:
        found = s.get(Series, series_id)
        assert found is not None and (found.parts, found.title) == (4, "先锋工程连续报道")


def test_an_edit_of_a_stale_version_is_refused_keeping_what_was_typed(
    app: Flask, crew: Crew
) -> None:
    series_id = make_series(app, crew)
    client = client_for(app, crew.producer)
    seen = series_version(app, series_id)
    assert edit_form(client, series_id, title="先改的标题").status_code == 303
    data = {
        "csrf_token": csrf_token(client, f"/series/{series_id}/edit"),
        "version": str(seen),
        "title": "后改的标题",
        "parts": "3",
        "start_by": START_BY.isoformat(),
    }
    response = client.post(f"/series/{series_id}/edit", data=data)
    assert response.status_code == 409
    assert "其他人已先修改了这个连续报道" in text(response)
    assert 'value="后改的标题"' in text(response)
    assert series_version(app, series_id) == seen + 1


def test_an_editor_director_may_not_edit(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    assert client_for(app, crew.director).get(f"/series/{series_id}/edit").status_code == 403


# --- the series page -----------------------------------------------------------------------------


def schedule_airing(
    app: Flask, crew: Crew, episode_id: int, day: date, status: AiringStatus
) -> None:
    with app.app_context(), unit_of_work(app) as s:
        admin = people.get_person(s, crew.producer)
        column = people.get_column(s, crew.slug)
        people.grant_role(s, admin, column, Role.SCHEDULER, NOW)
        slot = slots.create_slot(
            s,
            admin,
            column,
            NOW,
            slots.SlotSpec(
                "周五首播",
                SlotKind.PREMIERE,
                time(20),
                1800,
                "FREQ=WEEKLY;BYDAY=FR",
                date(2026, 3, 6),
            ),
        )
        start = datetime.combine(day, time(20), SHANGHAI).astimezone(UTC)
        s.add(
            Airing(
                slot=slot,
                episode_id=episode_id,
                kind=SlotKind.PREMIERE,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                status=status,
                created_at=NOW,
                updated_at=NOW,
            )
        )


def test_the_page_shows_each_parts_state_and_planned_airing(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    first = part(app, crew, series_id, 1, "第一集：支部建在产业链上")
    schedule_airing(app, crew, first, date(2026, 3, 13), AiringStatus.PUBLISHED)
    page = text(client_for(app, crew.reviewer).get(f"/series/{series_id}"))
    row = page.split('id="part-1"')[1].split("</tr>")[0]
    assert "第一集：支部建在产业链上" in row and "选题申报" in row
    assert "2026-03-13 20:00" in row and "已发布" in row
    assert "尚未申报" in page.split('id="part-2"')[1].split("</tr>")[0]


def test_the_episode_page_of_a_part_links_its_series(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    first = part(app, crew, series_id, 1, "第一集")
    page = text(client_for(app, crew.producer).get(f"/episodes/{first}"))
    assert f'href="/series/{series_id}"' in page


def test_a_series_of_another_column_does_not_exist_for_the_viewer(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    other = make_crew(app, "liuhe")
    assert client_for(app, other.producer).get(f"/series/{series_id}").status_code == 404


# --- proposing a part ----------------------------------------------------------------------------


def test_the_propose_form_offers_the_columns_series_and_presets_a_part(
    app: Flask, crew: Crew
) -> None:
    series_id = make_series(app, crew)
    client = client_for(app, crew.director)
    page = text(client.get(f"/episodes/new?series={series_id}&part_number=2"))
    assert re.search(rf'<option selected value="{series_id}">', page)
    assert 'name="part_number"' in page and 'value="2"' in page


def test_a_taken_part_is_refused_keeping_what_was_typed(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    part(app, crew, series_id, 1, "第一集")
    client = client_for(app, crew.director)
    response = propose_form(
        client,
        crew,
        app,
        title="又一个第一集",
        series=str(series_id),
        part_number="1",
        priority_tags="",
    )
    assert response.status_code == 422
    page = text(response)
    assert "系列《先锋工程连续报道》的第 1 集已经申报过了。" in page
    assert 'value="又一个第一集"' in page
    assert numbers(app, series_id) == {"第一集": 1}


def test_a_series_not_offered_is_refused(app: Flask, crew: Crew) -> None:
    other = make_crew(app, "liuhe")
    theirs = make_series(app, other)
    client = client_for(app, crew.director)
    response = propose_form(
        client, crew, app, series=str(theirs), part_number="1", priority_tags=""
    )
    assert response.status_code == 422
    assert "请从列表中选择连续报道" in text(response)
    assert numbers(app, theirs) == {}


# --- reordering ----------------------------------------------------------------------------------


def reorder(client: FlaskClient, series_id: int, version: int, **parts: str) -> TestResponse:
    data = {"csrf_token": csrf_token(client, f"/series/{series_id}"), "version": str(version)}
    data.update(parts)
    return client.post(f"/series/{series_id}/reorder", data=data)


def test_a_producer_reorders_the_parts_before_any_has_aired(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    one = part(app, crew, series_id, 1, "甲")
    two = part(app, crew, series_id, 2, "乙")
    client = client_for(app, crew.producer)
    page = text(client.get(f"/series/{series_id}"))
    assert f'name="part-{one}"' in page
    response = reorder(
        client,
        series_id,
        series_version(app, series_id),
        **{f"part-{one}": "2", f"part-{two}": "1"},
    )
    assert response.status_code == 303
    assert numbers(app, series_id) == {"甲": 2, "乙": 1}
    history = text(client.get(f"/episodes/{one}"))
    assert "调整连续报道的集号" in history and "第1集 → 第2集" in history
    with app.app_context(), unit_of_work(app) as s:
        acts = s.scalars(select(HistoryEntry.act).where(HistoryEntry.episode_id == one)).all()
        assert "renumber_part" in acts


def test_once_a_part_has_aired_reordering_is_refused_and_nothing_moves(
    app: Flask, crew: Crew
) -> None:
    series_id = make_series(app, crew)
    one = part(app, crew, series_id, 1, "甲")
    two = part(app, crew, series_id, 2, "乙")
    schedule_airing(app, crew, one, date(2026, 2, 27), AiringStatus.AIRED)
    client = client_for(app, crew.producer)
    page = text(client.get(f"/series/{series_id}"))
    assert f'name="part-{one}"' not in page and "各集顺序不能再调整" in page
    response = reorder(
        client,
        series_id,
        series_version(app, series_id),
        **{f"part-{one}": "2", f"part-{two}": "1"},
    )
    assert response.status_code == 409
    assert "《先锋工程连续报道》第 1 集已经播出，各集顺序不能再调整。" in text(response)
    assert numbers(app, series_id) == {"甲": 1, "乙": 2}


def test_a_repeated_number_is_refused_keeping_what_was_typed(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    one = part(app, crew, series_id, 1, "甲")
    two = part(app, crew, series_id, 2, "乙")
    client = client_for(app, crew.producer)
    response = reorder(
        client,
        series_id,
        series_version(app, series_id),
        **{f"part-{one}": "2", f"part-{two}": "2"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "第 2 集填写了不止一次" in page
    assert f'name="part-{one}" value="2"' in page and f'name="part-{two}" value="2"' in page
    assert numbers(app, series_id) == {"甲": 1, "乙": 2}


def test_an_editor_director_may_not_reorder(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    one = part(app, crew, series_id, 1, "甲")
    two = part(app, crew, series_id, 2, "乙")
    add_person(app, crew, "helper", Role.EDITOR_DIRECTOR)
    client = client_for(app, "helper")
    response = reorder(
        client,
        series_id,
        series_version(app, series_id),
        **{f"part-{one}": "2", f"part-{two}": "1"},
    )
    assert response.status_code == 403
    assert numbers(app, series_id) == {"甲": 1, "乙": 2}


def test_a_part_number_that_is_no_whole_number_is_refused(app: Flask, crew: Crew) -> None:
    series_id = make_series(app, crew)
    one = part(app, crew, series_id, 1, "甲")
    two = part(app, crew, series_id, 2, "乙")
    client = client_for(app, crew.producer)
    version = series_version(app, series_id)
    response = reorder(client, series_id, version, **{f"part-{one}": "²", f"part-{two}": "1"})
    assert response.status_code == 422
    assert "请为每一集填写集数（整数）" in text(response)
    assert f'name="part-{one}" value="²"' in text(response)
    assert numbers(app, series_id) == {"甲": 1, "乙": 2}
