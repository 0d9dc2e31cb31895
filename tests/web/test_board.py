"""The home page "我的节目": lanes per state with counts, overdue reviews, "待我审看"."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select, update

from editorial import people, workflow
from editorial.models import Episode, Level, Membership, Person, Role, State
from tests.web.test_episode_pages import (
    NOW,
    Crew,
    add_person,
    client_for,
    make_crew,
    make_episode,
    text,
)
from tests.web.test_page_queries import one_lane
from web import views
from web.db import unit_of_work

CARD_TITLE = re.compile(r'<article class="card[^"]*">\s*<a href="/episodes/\d+">([^<（]+)')
LANE = re.compile(r'<section class="lane lane-([a-z_]+)".*?<span class="count">(\d+)</span>', re.S)


def lanes(body: str) -> dict[str, int]:
    return {state: int(count) for state, count in LANE.findall(body)}


def lane_titles(body: str, state: State) -> list[str]:
    start = body.index(f'<section class="lane lane-{state.value}"')
    return CARD_TITLE.findall(body[start : body.index("</section>", start)])


def queue_titles(body: str) -> list[str]:
    section = body[body.index('id="queue"') : body.index("</section>", body.index('id="queue"'))]
    return re.findall(r'<td><a href="/episodes/\d+">([^<]+)</a></td>', section)


def test_the_board_has_a_lane_per_state_in_workflow_order_with_counts(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    for state in (State.PROPOSED, State.PROPOSED, State.IN_PRODUCTION, State.SECOND_REVIEW):
        make_episode(app, crew, state)
    body = text(client_for(app, crew.reviewer).get("/"))
    found = lanes(body)
    assert list(found)[:8] == [
        "proposed",
        "topic_approved",
        "in_production",
        "first_review",
        "second_review",
        "final_review",
        "returned",
        "approved",
    ]
    assert found["proposed"] == 2 and found["in_production"] == 1
    assert found["second_review"] == 1 and found["approved"] == 0
    assert "共 4 期" in body


def test_a_card_shows_title_column_producer_and_links_to_the_episode(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    episode_id = make_episode(app, crew, State.PROPOSED, title="七一特别节目")
    body = text(client_for(app, crew.director).get("/"))
    card = re.search(r'<article class="card">.*?</article>', body, re.S)
    assert card is not None
    assert f'href="/episodes/{episode_id}"' in card.group(0)
    assert "七一特别节目" in card.group(0) and "city栏目" in card.group(0)
    assert "cityproducer" in card.group(0)


def test_an_overdue_review_is_highlighted_with_its_working_day_due_date(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    late = make_episode(app, crew, State.SECOND_REVIEW, title="逾期的节目")
    on_time = make_episode(app, crew, State.FIRST_REVIEW, title="按时的节目")
    with app.app_context(), unit_of_work(app) as s:
        for episode_id, due in ((late, date(2020, 1, 3)), (on_time, date(2099, 1, 5))):
            s.execute(
                update(Episode)
                .where(Episode.id == episode_id)
                .values(review_due=due, review_due_estimated=True)
            )
    body = text(client_for(app, crew.reviewer).get("/"))
    card = re.search(r'<article class="card card-overdue">.*?</article>', body, re.S)
    assert card is not None and "逾期的节目" in card.group(0)
    assert '<div class="due overdue">审看截止 2020-01-03' in card.group(0)
    assert "（估算）" in card.group(0) and "已逾期" in card.group(0)
    assert body.count("card-overdue") == 1


def test_my_review_queue_lists_what_each_person_may_sign_now(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    both = add_person(app, crew, "both", Role.REVIEWER, Role.FINAL_APPROVER)
    add_person(app, crew, "producer-two", Role.PRODUCER)
    make_episode(app, crew, State.FIRST_REVIEW, title="甲待初审")
    make_episode(app, crew, State.SECOND_REVIEW, title="乙待复审")
    make_episode(app, crew, State.FINAL_REVIEW, title="丙待终审")
    signed = make_episode(app, crew, State.SECOND_REVIEW, title="丁复审已签")
    with app.app_context(), unit_of_work(app) as s:
        e = s.get(Episode, signed)
        assert e is not None
        workflow.sign_off(
            s,
            people.get_person(s, both),
            e,
            e.version,
            e.state_entered_at,
            stage=workflow.Stage.SECOND,
            checklist=workflow.Checklist.all_confirmed(),
        )
    expected = {
        crew.producer: ["甲待初审"],
        "producer-two": [],
        crew.director: [],
        crew.reviewer: ["乙待复审"],
        crew.final_approver: ["丙待终审", "丁复审已签"],
        both: ["乙待复审", "丙待终审"],  # not 丁: they signed its second review
    }
    for username, titles in expected.items():
        body = text(client_for(app, username).get("/"))
        assert sorted(queue_titles(body)) == sorted(titles), username


def test_the_queue_is_exactly_what_the_workflow_lets_each_person_sign(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    add_person(app, crew, "both", Role.REVIEWER, Role.FINAL_APPROVER)
    add_person(app, crew, "director-reviewer", Role.EDITOR_DIRECTOR, Role.REVIEWER)
    for state in (*workflow.REVIEWING, State.PROPOSED, State.APPROVED, State.RETURNED):
        make_episode(app, crew, state)
    with app.app_context(), unit_of_work(app) as s:
        director = people.get_person(s, "director-reviewer")
        column = people.get_column(s, crew.slug)
        proposal = workflow.Proposal("自己的节目", 600, people.get_person(s, crew.producer))
        mine = workflow.propose(s, director, column, column.created_at, proposal)
        mine.state = State.SECOND_REVIEW  # awaiting a review its own director may not sign
    with app.app_context(), unit_of_work(app) as s:
        episodes = s.scalars(select(Episode)).all()
        for person in s.scalars(select(Person)).all():
            queue = {e.id for e in views.review_queue(s, person, date(2026, 3, 2))}
            may_sign = {
                e.id
                for e in episodes
                if set(workflow.available_acts(s, person, e)) & set(workflow.SIGN_ACT.values())
            }
            assert queue == may_sign, person.username


def test_a_county_person_sees_only_their_own_columns_episodes(app: Flask) -> None:
    city = make_crew(app, "city", Level.CITY)
    county: Crew = make_crew(app, "yunxi")
    make_episode(app, city, State.SECOND_REVIEW, title="市台节目")
    make_episode(app, county, State.PROPOSED, title="县里节目")
    body = text(client_for(app, county.reviewer).get("/"))
    assert "县里节目" in body and "市台节目" not in body
    assert sum(lanes(body).values()) == 1 and queue_titles(body) == []


def test_the_board_narrows_to_one_column(app: Flask) -> None:
    city = make_crew(app, "city", Level.CITY)
    county = make_crew(app, "yunxi")
    make_episode(app, city, State.PROPOSED, title="市台节目")
    make_episode(app, county, State.PROPOSED, title="县里节目")
    both = add_person(app, city, "liaison", Role.LIAISON)
    with app.app_context(), unit_of_work(app) as s:
        people.grant_role(
            s,
            people.get_person(s, both),
            people.get_column(s, "yunxi"),
            Role.LIAISON,
            people.get_column(s, "yunxi").created_at,
        )
    client = client_for(app, both)
    everything = text(client.get("/"))
    assert "市台节目" in everything and "县里节目" in everything
    narrowed = text(client.get(f"/?column={county.column_id}"))
    assert "县里节目" in narrowed and "市台节目" not in narrowed
    assert "市台节目" in text(client.get("/?column=999"))  # not one of theirs: everything


def test_a_person_without_roles_is_told_so(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    with app.app_context(), unit_of_work(app) as s:
        s.execute(
            Membership.__table__.delete().where(  # type: ignore[attr-defined]
                Membership.person_id == people.get_person(s, crew.reviewer).id
            )
        )
    body = text(client_for(app, crew.reviewer).get("/"))
    assert "您还没有任何栏目的角色" in body


# --- narrowing the review queue (待我审看) -----------------------------------------------------


@pytest.fixture
def queue_crew(app: Flask, monkeypatch: pytest.MonkeyPatch) -> tuple[Crew, Crew, str]:
    """Two columns, a reviewer and final approver of both, a review of each stage in the
    city column (the second review overdue on NOW's day) and an overdue final review in the
    county column."""
    monkeypatch.setattr(views, "_now", lambda: NOW)
    city, county = make_crew(app, "city", Level.CITY), make_crew(app, "yunxi")
    both = add_person(app, city, "both", Role.REVIEWER, Role.FINAL_APPROVER)
    with app.app_context(), unit_of_work(app) as s:
        person, column = people.get_person(s, both), people.get_column(s, "yunxi")
        for role in (Role.REVIEWER, Role.FINAL_APPROVER):
            people.grant_role(s, person, column, role, NOW)
    dues = {
        make_episode(app, city, State.SECOND_REVIEW, title="市台复审逾期"): date(2026, 2, 27),
        make_episode(app, city, State.SECOND_REVIEW, title="市台复审按时"): date(2026, 3, 2),
        make_episode(app, city, State.FINAL_REVIEW, title="市台终审按时"): date(2026, 3, 5),
        make_episode(app, county, State.FINAL_REVIEW, title="县里终审逾期"): date(2026, 3, 1),
    }
    with app.app_context(), unit_of_work(app) as s:
        for episode_id, due in dues.items():
            s.execute(update(Episode).where(Episode.id == episode_id).values(review_due=due))
    return city, county, both


def test_the_queue_narrows_to_one_review_stage(
    app: Flask, queue_crew: tuple[Crew, Crew, str]
) -> None:
    client = client_for(app, queue_crew[2])
    assert sorted(queue_titles(text(client.get("/?stage=second")))) == [
        "市台复审按时",
        "市台复审逾期",
    ]
    assert sorted(queue_titles(text(client.get("/?stage=final")))) == [
        "县里终审逾期",
        "市台终审按时",
    ]
    assert queue_titles(text(client.get("/?stage=first"))) == []


def test_the_queue_narrows_to_one_column(app: Flask, queue_crew: tuple[Crew, Crew, str]) -> None:
    _city, county, both = queue_crew
    body = text(client_for(app, both).get(f"/?column={county.column_id}"))
    assert queue_titles(body) == ["县里终审逾期"]


def test_the_queue_narrows_to_the_reviews_past_their_due_date(
    app: Flask, queue_crew: tuple[Crew, Crew, str]
) -> None:
    client = client_for(app, queue_crew[2])
    # Due today (3 March in Shanghai is not yet past on 2 March) is not overdue.
    assert queue_titles(text(client.get("/?overdue=1"))) == ["市台复审逾期", "县里终审逾期"]
    assert queue_titles(text(client.get("/?overdue=1&stage=final"))) == ["县里终审逾期"]


def test_the_filters_are_kept_in_each_others_forms(
    app: Flask, queue_crew: tuple[Crew, Crew, str]
) -> None:
    city, _county, both = queue_crew
    body = text(client_for(app, both).get(f"/?column={city.column_id}&stage=second&overdue=1"))
    column_form = body[body.index('class="board-filter"') :]
    column_form = column_form[: column_form.index("</form>")]
    assert '<input type="hidden" name="stage" value="second">' in column_form
    assert '<input type="hidden" name="overdue" value="1">' in column_form
    queue_form = body[body.index('class="board-filter queue-filter"') :]
    queue_form = queue_form[: queue_form.index("</form>")]
    assert f'<input type="hidden" name="column" value="{city.column_id}">' in queue_form
    assert '<option value="second" selected>' in queue_form
    assert 'name="overdue" value="1" checked' in queue_form


def test_a_queue_filter_that_matches_nothing_says_so_and_offers_to_clear_it(
    app: Flask, queue_crew: tuple[Crew, Crew, str]
) -> None:
    _city, county, both = queue_crew
    body = text(client_for(app, both).get(f"/?column={county.column_id}&stage=second"))
    assert queue_titles(body) == []
    assert "没有符合筛选条件的待审节目" in body and "目前没有等您审看的节目" not in body
    assert '<a href="/#queue">清除筛选</a>' in body


@pytest.mark.parametrize(
    "query",
    [
        "stage=fourth",
        "stage=",
        "overdue=yes",
        "overdue=",
        "column=abc",
        "column=-1",
        "column=99999999999999999999999",
        "stage=%E5%88%9D%E5%AE%A1&column=%E5%B8%82",  # 初审, 市
    ],
)
def test_a_filter_value_that_names_nothing_is_ignored(
    app: Flask, queue_crew: tuple[Crew, Crew, str], query: str
) -> None:
    response = client_for(app, queue_crew[2]).get(f"/?{query}")
    assert response.status_code == 200
    assert len(queue_titles(text(response))) == 4


# --- searching the board by title, paging a long lane --------------------------------------------


def test_the_board_finds_episodes_by_any_part_of_their_title_in_any_case(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    for title in ("七一党建特别节目", "CCTV 党课进万家", "乡村振兴"):
        make_episode(app, crew, State.PROPOSED, title=title)
    make_episode(app, crew, State.SECOND_REVIEW, title="基层党建新风")
    client = client_for(app, crew.director)
    body = text(client.get("/?q=党建"))
    assert lane_titles(body, State.PROPOSED) == ["七一党建特别节目"]
    assert lane_titles(body, State.SECOND_REVIEW) == ["基层党建新风"]
    assert lanes(body)["proposed"] == 1 and "标题含“党建”的节目共 2 期" in body
    assert lane_titles(text(client.get("/?q=cctv")), State.PROPOSED) == ["CCTV 党课进万家"]
    assert lane_titles(text(client.get("/?q=%20%20党课%20")), State.PROPOSED) == ["CCTV 党课进万家"]


def test_a_percent_sign_or_underscore_in_the_search_is_a_plain_character(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    for title in ("完成率100%", "完成率1000", "a_b 访谈", "axb 访谈"):
        make_episode(app, crew, State.PROPOSED, title=title)
    client = client_for(app, crew.director)
    assert lane_titles(text(client.get("/?q=100%25")), State.PROPOSED) == ["完成率100%"]
    assert lane_titles(text(client.get("/?q=_")), State.PROPOSED) == ["a_b 访谈"]


def test_a_search_that_finds_nothing_says_so_and_keeps_the_filters(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    make_episode(app, crew, State.PROPOSED, title="乡村振兴")
    body = text(client_for(app, crew.director).get(f"/?q=不存在&column={crew.column_id}"))
    assert "没有标题含“不存在”的节目。" in body and sum(lanes(body).values()) == 0
    assert f'<a href="/?column={crew.column_id}#board">清除查找</a>' in body
    column_form = body[body.index('class="board-filter"') :]
    assert (
        '<input type="hidden" name="q" value="不存在">'
        in column_form[: column_form.index("</form>")]
    )


def test_a_long_lane_shows_a_page_of_cards_and_links_to_the_next(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    one_lane(app, crew, 45, State.PROPOSED)
    client = client_for(app, crew.director)
    first = text(client.get("/"))
    assert lane_titles(first, State.PROPOSED) == [f"节目{n}" for n in range(20)]
    assert lanes(first)["proposed"] == 45 and "第 1–20 期，共 45 期" in first
    assert '<a href="/?lane=proposed&amp;page=2#lane-proposed">更多 ›</a>' in first
    last = text(client.get("/?lane=proposed&page=3"))
    assert lane_titles(last, State.PROPOSED) == [f"节目{n}" for n in range(40, 45)]
    assert "第 41–45 期，共 45 期" in last and "更多 ›" not in last
    assert '<a href="/?lane=proposed&amp;page=2#lane-proposed">‹ 上一页</a>' in last


def test_paging_one_lane_leaves_the_others_on_their_first_page_and_keeps_the_search(
    app: Flask,
) -> None:
    crew = make_crew(app, "city", Level.CITY)
    one_lane(app, crew, 25, State.PROPOSED)
    one_lane(app, crew, 25, State.IN_PRODUCTION)
    body = text(client_for(app, crew.director).get("/?q=节目&lane=in_production&page=2"))
    assert lane_titles(body, State.IN_PRODUCTION) == [f"节目{n}" for n in range(20, 25)]
    assert lane_titles(body, State.PROPOSED) == [f"节目{n}" for n in range(20)]
    assert "/?q=%E8%8A%82%E7%9B%AE&amp;lane=proposed&amp;page=2#lane-proposed" in body


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("lane=proposed&page=-1", range(20)),
        ("lane=proposed&page=0", range(20)),
        ("lane=proposed&page=abc", range(20)),
        ("lane=proposed&page=99999999999999999999999999", range(20, 25)),
        ("lane=nowhere&page=2", range(20)),
        ("lane=withdrawn&page=2", range(20)),
        (f"q={'长' * 5000}", range(0)),
    ],
)
def test_a_page_or_lane_out_of_range_shows_a_page_that_exists(
    app: Flask, query: str, shown: range
) -> None:
    crew = make_crew(app, "city", Level.CITY)
    one_lane(app, crew, 25, State.PROPOSED)
    response = client_for(app, crew.director).get(f"/?{query}")
    assert response.status_code == 200
    assert lane_titles(text(response), State.PROPOSED) == [f"节目{n}" for n in shown]


def test_the_filters_search_and_pager_speak_english_on_an_english_page(app: Flask) -> None:
    crew = make_crew(app, "city", Level.CITY)
    one_lane(app, crew, 25, State.SECOND_REVIEW)
    client = client_for(app, crew.reviewer)
    client.get("/lang/en")
    body = text(client.get("/?q=节目&stage=second&overdue=1&lane=second_review&page=2"))
    for english in ("All stages", "Overdue only", "Find by title", "Clear search", "Previous"):
        assert english in body, english
    assert "25 episodes with “节目” in the title" in body
    assert "Episodes 21–25 of 25" in body
    for chinese in ("全部阶段", "只看已逾期", "按标题查找", "清除查找", "上一页", "标题含"):
        assert chinese not in body, chinese
    nothing = text(client.get("/?q=none-such&stage=first"))
    assert "No episode has “none-such” in its title." in nothing
    assert "No review awaiting you matches these filters." in nothing
