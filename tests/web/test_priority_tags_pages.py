"""The episode form offers the quarter's reporting priorities (季度宣传报道重点) as tags to
tick, and asks before it saves a tag that names none of them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from editorial import people
from editorial.models import Episode, Level, State
from liaison.models import Priority, Quarter
from tests.web.conftest import csrf_token
from tests.web.test_episode_pages import (
    NOW,
    Crew,
    client_for,
    make_crew,
    make_episode,
    text,
)
from web import episodes
from web.db import unit_of_work


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(episodes, "_now", lambda: NOW)  # 2 March 2026: the first quarter


@pytest.fixture
def crew(app: Flask) -> Crew:
    """A city column, and the priorities of 2026's first quarter (七一 is the next's)."""
    crew = make_crew(app, "city", Level.CITY)
    with app.app_context(), unit_of_work(app) as s:
        liaison = people.get_person(s, crew.producer).id
        for number, priorities in (
            (1, [("两会精神进基层", "两会", 3, 1), ("学雷锋志愿服务", "学雷锋", 3, 5)]),
            (3, [("建党节特别报道", "七一", 6, 20)]),
        ):
            quarter = Quarter(year=2026, number=number, created_by_id=liaison, created_at=NOW)
            s.add(quarter)
            s.flush()
            for theme, tag, month, day in priorities:
                s.add(
                    Priority(
                        quarter_id=quarter.id,
                        theme=theme,
                        tag=tag,
                        window_start=date(2026, month, day),
                        window_end=date(2026, month, day + 9),
                        updated_by_id=liaison,
                        updated_at=NOW,
                    )
                )
    return crew


def propose(
    app: Flask, client: FlaskClient, crew: Crew, ticked: list[str], **fields: str
) -> TestResponse:
    with app.app_context(), unit_of_work(app) as s:
        producer_id = people.get_person(s, crew.producer).id
    data: dict[str, str | list[str]] = {
        "csrf_token": csrf_token(client, "/episodes/new"),
        "column": str(crew.column_id),
        "title": "两会精神宣讲",
        "target_minutes": "15",
        "responsible_producer": str(producer_id),
        "quarter_tags": ticked,
        "priority_tags": "",
        **fields,
    }
    return client.post("/episodes/new", data=data)


def tags_of(app: Flask, title: str) -> list[str] | None:
    with app.app_context(), unit_of_work(app) as s:
        episode = s.scalar(select(Episode).where(Episode.title == title))
        return None if episode is None else sorted(episode.priority_tags)


def episode_count(app: Flask) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return s.scalar(select(func.count()).select_from(Episode)) or 0


def test_the_proposal_form_offers_the_quarters_priorities_to_tick(app: Flask, crew: Crew) -> None:
    body = text(client_for(app, crew.director).get("/episodes/new"))
    offered = re.findall(r'<input type="checkbox" name="quarter_tags" value="([^"]+)"', body)
    assert offered == ["两会", "学雷锋"]  # by window; not 七一, a later quarter's
    assert "两会精神进基层" in body and "2026-03-01 至 2026-03-10" in body
    assert "其他宣传报道重点（用逗号或顿号分隔）" in body


def test_ticked_priorities_save_without_a_question(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.director)
    response = propose(app, client, crew, ["两会", "学雷锋"])
    assert response.status_code == 303
    assert tags_of(app, "两会精神宣讲") == ["两会", "学雷锋"]


def test_an_unknown_tag_is_asked_about_and_nothing_is_saved(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.director)
    response = propose(app, client, crew, ["两会"], priority_tags="两会精申、七一")
    body = text(response)
    assert response.status_code == 200 and episode_count(app) == 0
    assert "“两会精申、七一”不在本季度的宣传报道重点中" in body
    assert '<button type="submit" name="accept_tags" value="两会精申、七一"' in body
    assert "仍然保存" in body
    assert 'value="两会精申、七一"' in body.split('id="priority_tags"', 1)[1].split(">", 1)[0]
    assert re.search(r'value="两会" checked', body)  # what was ticked stays ticked


def test_saving_anyway_keeps_the_unknown_tags(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.director)
    response = propose(
        app, client, crew, ["两会"], priority_tags="两会精申、七一", accept_tags="两会精申、七一"
    )
    assert response.status_code == 303
    assert tags_of(app, "两会精神宣讲") == ["七一", "两会", "两会精申"]


def test_saving_anyway_covers_only_the_tags_it_was_asked_about(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.director)
    response = propose(app, client, crew, [], priority_tags="七一、党史", accept_tags="七一")
    assert response.status_code == 200 and episode_count(app) == 0
    assert "“七一、党史”不在本季度的宣传报道重点中" in text(response)


def test_without_priorities_for_the_quarter_no_tag_is_asked_about(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    client = client_for(app, crew.director)
    body = text(client.get("/episodes/new"))
    assert 'name="quarter_tags"' not in body and "宣传报道重点（用逗号或顿号分隔）" in body
    assert propose(app, client, crew, [], priority_tags="党史").status_code == 303
    assert tags_of(app, "两会精神宣讲") == ["党史"]


def edit(
    app: Flask, client: FlaskClient, episode_id: int, **fields: str | list[str]
) -> TestResponse:
    with app.app_context(), unit_of_work(app) as s:
        episode = s.get(Episode, episode_id)
        assert episode is not None
        version = episode.version
    data: dict[str, str | list[str]] = {
        "csrf_token": csrf_token(client, f"/episodes/{episode_id}/edit"),
        "version": str(version),
        "title": "先锋工程纪实",
        "target_minutes": "20",
        **fields,
    }
    return client.post(f"/episodes/{episode_id}/edit", data=data)


def test_the_edit_form_ticks_the_quarters_tags_and_keeps_an_old_tag_without_asking(
    app: Flask, crew: Crew
) -> None:
    client = client_for(app, crew.director)
    episode_id = make_episode(app, crew, State.PROPOSED)
    saved = edit(app, client, episode_id, quarter_tags=["学雷锋"], priority_tags="去年的重点",
                 accept_tags="去年的重点")  # fmt: skip
    assert saved.status_code == 303
    body = text(client.get(f"/episodes/{episode_id}/edit"))
    assert re.search(r'value="学雷锋" checked', body)
    assert 'value="去年的重点"' in body
    again = edit(
        app, client, episode_id, quarter_tags=["学雷锋", "两会"], priority_tags="去年的重点"
    )
    assert again.status_code == 303  # carried already: not asked again
    assert tags_of(app, "先锋工程纪实") == ["两会", "去年的重点", "学雷锋"]
    asked = edit(app, client, episode_id, priority_tags="去年的重点、新词")
    assert asked.status_code == 200 and "“新词”不在本季度的宣传报道重点中" in text(asked)
    assert tags_of(app, "先锋工程纪实") == ["两会", "去年的重点", "学雷锋"]


def test_the_question_speaks_english_on_an_english_page(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.director)
    client.get("/lang/en")
    body = text(propose(app, client, crew, [], priority_tags="党史"))
    assert "“党史” is not among this quarter’s reporting priorities" in body
    assert "Save anyway" in body and "This quarter’s reporting priorities" in body
    for chinese in ("仍然保存", "本季度宣传报道重点", "标签：", "其他宣传报道重点"):
        assert chinese not in body, chinese
