"""The episode page, its acts, comments, proposing and editing, through the test client:
each role sees and does only its share; other counties' episodes do not exist."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from editorial import accounts, people, workflow
from editorial.models import Comment, Episode, HistoryEntry, Level, Person, Role, Stage, State
from editorial.workdays import REVIEW_STAGE, local_date
from tests.web.conftest import MASTER_SECONDS, csrf_token, sign_in
from web import episodes
from web.db import unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
OK = workflow.Checklist.all_confirmed()
CHECKED = {name: "y" for name in workflow.Checklist.__dataclass_fields__}
NEXT_YEAR = local_date(NOW) + timedelta(days=365)
PASSWORD_HASH = accounts.hash_password("correct-horse")  # hashed once: argon2 is slow on purpose


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(episodes, "_now", lambda: NOW)


@dataclass(frozen=True)
class Crew:
    """A column and the usernames of one person per role (password ``correct-horse``)."""

    slug: str
    column_id: int
    director: str
    producer: str
    reviewer: str
    final_approver: str


ROLES = {
    "director": Role.EDITOR_DIRECTOR,
    "producer": Role.PRODUCER,
    "reviewer": Role.REVIEWER,
    "final_approver": Role.FINAL_APPROVER,
}


def make_crew(app: Flask, slug: str, level: Level = Level.COUNTY) -> Crew:
    with app.app_context(), unit_of_work(app) as s:
        column = people.create_column(
            s, NOW, slug=slug, name=f"{slug}栏目", level=level, station="台", channel="综合"
        )
        names: dict[str, str] = {}
        for key, role in ROLES.items():
            username = f"{slug}-{key.replace('_', '-')}"
            person = people.create_person(s, NOW, username=username, display_name=f"{slug}{key}")
            people.grant_role(s, person, column, role, NOW)
            person.password_hash = PASSWORD_HASH
            names[key] = username
        return Crew(slug, column.id, **names)


def add_person(app: Flask, crew: Crew, username: str, *roles: Role) -> str:
    with app.app_context(), unit_of_work(app) as s:
        person = people.create_person(s, NOW, username=username, display_name=username)
        column = people.get_column(s, crew.slug)
        for role in roles:
            people.grant_role(s, person, column, role, NOW)
        person.password_hash = PASSWORD_HASH
    return username


SIGNER = {Stage.FIRST: "producer", Stage.SECOND: "reviewer", Stage.FINAL: "final_approver"}


def make_episode(
    app: Flask,
    crew: Crew,
    state: State = State.PROPOSED,
    title: str = "先锋工程纪实",
    target_s: int = 1200,
) -> int:
    """Propose an episode and walk it, through the workflow, to ``state``; past production
    it has a master (recorded without a file, no QC)."""
    with app.app_context(), unit_of_work(app) as s:
        who = {key: people.get_person(s, getattr(crew, key)) for key in ROLES}
        column = people.get_column(s, crew.slug)
        e = workflow.propose(
            s, who["director"], column, NOW, workflow.Proposal(title, target_s, who["producer"])
        )
        target = State.FIRST_REVIEW if state is State.RETURNED else state
        while e.state is not target:
            advance(s, who, e)
        if state is State.RETURNED:
            workflow.return_for_changes(s, who["producer"], e, e.version, NOW, reason="补镜头")
        return e.id


def advance(s: Session, who: dict[str, Person], e: Episode) -> None:
    """One step along the main path: proposed to approved."""
    v = e.version
    match e.state:
        case State.PROPOSED:
            workflow.approve_topic(s, who["producer"], e, v, NOW)
        case State.TOPIC_APPROVED:
            workflow.start_production(s, who["director"], e, v, NOW)
        case State.IN_PRODUCTION:
            workflow.new_media_version(s, who["director"], e, v, NOW, number=1)
            workflow.submit(s, who["director"], e, e.version, NOW)
        case State.FIRST_REVIEW | State.SECOND_REVIEW | State.FINAL_REVIEW:
            stage = REVIEW_STAGE[e.state]
            workflow.sign_off(s, who[SIGNER[stage]], e, v, NOW, stage=stage, checklist=OK)
        case _:
            raise AssertionError(f"no step from {e.state}")


def client_for(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def state_of(app: Flask, episode_id: int) -> tuple[State, int, int]:
    """The episode's state, version and number of history entries."""
    with app.app_context(), unit_of_work(app) as s:
        e = s.get(Episode, episode_id)
        assert e is not None
        count = s.scalar(
            select(func.count()).select_from(HistoryEntry).where(HistoryEntry.episode_id == e.id)
        )
        return e.state, e.version, int(count or 0)


def post_act(
    client: FlaskClient, episode_id: int, act: str, version: int | None = None, **data: str
) -> TestResponse:
    """Post an act as the page's form would, with the version the page shows."""
    page = client.get(f"/episodes/{episode_id}").get_data(as_text=True)
    if version is None:
        found = re.search(r'name="version" value="(\d+)"', page)
        assert found is not None, "the page offers no act form"
        version = int(found.group(1))
    form = {"csrf_token": csrf_token(client, f"/episodes/{episode_id}"), "version": str(version)}
    form.update(data)
    return client.post(f"/episodes/{episode_id}/act/{act}", data=form)


def upload(
    client: FlaskClient,
    episode_id: int,
    master: Path | None,
    *,
    name: str | None = None,
    version: int | None = None,
    token: bool = True,
) -> TestResponse:
    """Post the page's upload form, as a browser would."""
    page = f"/episodes/{episode_id}"
    data: dict[str, object] = {}
    if token:
        data["csrf_token"] = csrf_token(client, page)
    if version is None:
        found = re.search(
            r'class="media-upload".*?name="version" value="(\d+)"',
            text(client.get(page)),
            re.DOTALL,
        )
        version = int(found.group(1)) if found else 1
    data["version"] = str(version)
    if master is not None:
        data["file"] = (io.BytesIO(master.read_bytes()), name or master.name)
    return client.post(f"/episodes/{episode_id}/media", data=data)


def act_forms(client: FlaskClient, episode_id: int) -> set[str]:
    """The acts the episode page offers this viewer."""
    page = client.get(f"/episodes/{episode_id}").get_data(as_text=True)
    return set(re.findall(rf'action="/episodes/{episode_id}/act/([a-z_]+)"', page))


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def crew(app: Flask) -> Crew:
    return make_crew(app, "city", Level.CITY)


# --- each role its share --------------------------------------------------------------------


def propose_form(client: FlaskClient, crew: Crew, app: Flask, **fields: str) -> TestResponse:
    with app.app_context(), unit_of_work(app) as s:
        producer_id = people.get_person(s, crew.producer).id
    data = {
        "csrf_token": csrf_token(client, "/episodes/new"),
        "column": str(crew.column_id),
        "title": "七一特别节目",
        "topic": "基层党组织建设",
        "synopsis": "走访三个村的党支部。",
        "genre": "专题",
        "target_minutes": "15",
        "responsible_producer": str(producer_id),
        "air_by": NEXT_YEAR.isoformat(),
        "priority_tags": "七一、基层党建",
    }
    data.update(fields)
    return client.post("/episodes/new", data=data)


def episode_count(app: Flask) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return int(s.scalar(select(func.count()).select_from(Episode)) or 0)


def test_an_editor_director_proposes_a_topic_and_is_offered_no_sign_off(
    app: Flask, crew: Crew
) -> None:
    client = client_for(app, crew.director)
    response = propose_form(client, crew, app)
    assert response.status_code == 303
    episode_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = text(client.get(f"/episodes/{episode_id}"))
    assert "七一特别节目" in page and "选题申报" in page and "基层党建" in page
    assert act_forms(client, episode_id) == {"withdraw"}
    before = state_of(app, episode_id)
    assert post_act(client, episode_id, "approve_topic", version=before[1]).status_code == 403
    assert state_of(app, episode_id) == before


def test_an_editor_director_who_is_also_producer_may_not_name_themselves_responsible(
    app: Flask, crew: Crew
) -> None:
    with app.app_context(), unit_of_work(app) as s:
        me = people.get_person(s, crew.director)
        people.grant_role(s, me, people.get_column(s, crew.slug), Role.PRODUCER, NOW)
        my_id = me.id
    client = client_for(app, crew.director)
    response = propose_form(client, crew, app, responsible_producer=str(my_id))
    assert response.status_code == 422
    assert "不能指定自己为负责制片人：选题须由另一位制片人审批" in text(response)
    assert "七一特别节目" in text(response)  # what was typed is kept
    assert episode_count(app) == 0


def test_the_producer_approves_the_topic_and_signs_the_first_review(
    app: Flask, crew: Crew, master_file: Path
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED, target_s=MASTER_SECONDS)
    producer = client_for(app, crew.producer)
    assert {"approve_topic", "reject_topic"} <= act_forms(producer, episode_id)
    response = post_act(producer, episode_id, "approve_topic")
    assert response.status_code == 303
    assert "已完成：选题通过" in text(producer.get(response.headers["Location"]))
    director = client_for(app, crew.director)
    assert post_act(director, episode_id, "start_production").status_code == 303
    assert upload(director, episode_id, master_file).status_code == 303
    assert post_act(director, episode_id, "submit").status_code == 303
    assert "first_review" not in act_forms(director, episode_id)
    assert post_act(producer, episode_id, "first_review", **CHECKED).status_code == 303
    assert state_of(app, episode_id)[0] is State.SECOND_REVIEW


def test_a_reviewer_signs_the_second_review_and_a_final_approver_the_final(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)
    final = client_for(app, crew.final_approver)
    assert act_forms(final, episode_id) == set()
    reviewer = client_for(app, crew.reviewer)
    assert act_forms(reviewer, episode_id) == {"second_review", "return_for_changes"}
    assert post_act(reviewer, episode_id, "second_review", **CHECKED).status_code == 303
    assert act_forms(reviewer, episode_id) == set()
    assert act_forms(final, episode_id) == {"final_review", "return_for_changes"}
    assert post_act(final, episode_id, "final_review", **CHECKED).status_code == 303
    assert state_of(app, episode_id)[0] is State.APPROVED


def test_nobody_signs_two_stages_of_one_episode(app: Flask, crew: Crew) -> None:
    both = add_person(app, crew, "both", Role.REVIEWER, Role.FINAL_APPROVER)
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)
    client = client_for(app, both)
    assert post_act(client, episode_id, "second_review", **CHECKED).status_code == 303
    assert act_forms(client, episode_id) == set()
    before = state_of(app, episode_id)
    refused = post_act(client, episode_id, "final_review", version=before[1], **CHECKED)
    assert refused.status_code == 403
    assert "不能再签“终审”（四眼原则" in text(refused)
    assert state_of(app, episode_id) == before


def test_a_viewer_with_no_act_is_told_so(app: Flask, crew: Crew) -> None:
    episode_id = make_episode(app, crew, State.IN_PRODUCTION)
    page = text(client_for(app, crew.reviewer).get(f"/episodes/{episode_id}"))
    assert "您目前没有可对本节目执行的操作" in page


# --- counties, CSRF, unknown ids ---------------------------------------------------------


def test_a_county_person_gets_404_for_another_countys_episode(app: Flask, crew: Crew) -> None:
    county = make_crew(app, "yunxi")
    episode_id = make_episode(app, crew, State.FIRST_REVIEW, title="市里的未播稿")
    outsider = client_for(app, county.producer)
    token = csrf_token(outsider, "/")
    answers = [
        outsider.get(f"/episodes/{episode_id}"),
        outsider.get(f"/episodes/{episode_id}/edit"),
        outsider.post(
            f"/episodes/{episode_id}/act/first_review",
            data={"csrf_token": token, "version": "4", **CHECKED},
        ),
        outsider.post(f"/episodes/{episode_id}/comments", data={"csrf_token": token, "body": "?"}),
    ]
    for response in answers:
        assert response.status_code == 404
        assert "市里的未播稿" not in text(response)
    assert state_of(app, episode_id)[0] is State.FIRST_REVIEW


def test_a_form_without_its_csrf_token_is_refused_and_nothing_changes(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    producer = client_for(app, crew.producer)
    before = state_of(app, episode_id)
    response = producer.post(
        f"/episodes/{episode_id}/act/approve_topic", data={"version": str(before[1])}
    )
    assert response.status_code == 400
    assert "安全令牌" in text(response)
    comment = producer.post(f"/episodes/{episode_id}/comments", data={"body": "好"})
    assert comment.status_code == 400
    assert state_of(app, episode_id) == before
    with app.app_context(), unit_of_work(app) as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 0


def test_an_unknown_episode_is_a_404_that_reveals_nothing(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.producer)
    for path in ("/episodes/987654", "/episodes/987654/edit"):
        response = client.get(path)
        body = text(response)
        assert response.status_code == 404
        assert "未找到" in body
        for internal in ("Traceback", "sqlalchemy", "987654", "no such episode", "NotFound"):
            assert internal not in body
    assert client.post("/episodes/987654/act/approve_topic").status_code in (400, 404)


def test_an_internal_error_shows_a_plain_page(app: Flask, crew: Crew) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken() -> str:
        raise RuntimeError("secret-internal-detail in /srv/tvcolumn")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    body = text(response)
    assert response.status_code == 500 and "服务器出错了" in body
    assert "secret-internal-detail" not in body and "Traceback" not in body


def test_an_unknown_act_is_a_404(app: Flask, crew: Crew) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    client = client_for(app, crew.producer)
    token = csrf_token(client, f"/episodes/{episode_id}")
    for act in ("propose", "edit", "drop_tables"):
        response = client.post(
            f"/episodes/{episode_id}/act/{act}", data={"csrf_token": token, "version": "1"}
        )
        assert response.status_code == 404, act


# --- refusals keep what was typed ----------------------------------------------------------


def test_someone_acting_first_is_told_plainly_and_the_typed_reason_is_kept(
    app: Flask, crew: Crew
) -> None:
    second = add_person(app, crew, "reviewer-two", Role.REVIEWER)
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)
    slow = client_for(app, crew.reviewer)
    seen = state_of(app, episode_id)[1]
    fast = client_for(app, second)
    assert post_act(fast, episode_id, "second_review", **CHECKED).status_code == 303
    after = state_of(app, episode_id)
    response = post_act(
        slow, episode_id, "return_for_changes", version=seen, reason="片头字幕把镇名写错了"
    )
    body = text(response)
    assert response.status_code == 409
    assert "其他人已先一步操作：reviewer-two" in body and "复审通过" in body
    assert "请刷新后再试" in body
    assert "片头字幕把镇名写错了" in body
    assert state_of(app, episode_id) == after


def test_a_conflict_on_a_still_possible_act_refills_its_form_for_the_current_version(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    producer = client_for(app, crew.producer)
    seen = state_of(app, episode_id)[1]
    with app.app_context(), unit_of_work(app) as s:
        e = s.get(Episode, episode_id)
        assert e is not None
        workflow.add_comment(s, people.get_person(s, crew.director), e, NOW, "改了标题")
        e.genre = "访谈"  # a change by someone else: the version moves on
    current = state_of(app, episode_id)[1]
    assert current != seen
    response = post_act(producer, episode_id, "reject_topic", version=seen, reason="与上季重复")
    body = text(response)
    assert response.status_code == 409
    form = re.search(r'act/reject_topic".*?</form>', body, re.S)
    assert form is not None
    assert "与上季重复" in form.group(0) and f'value="{current}"' in form.group(0)


def test_a_missing_reason_gets_a_chinese_message_and_nothing_changes(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    before = state_of(app, episode_id)
    response = post_act(client_for(app, crew.producer), episode_id, "reject_topic", reason="  ")
    assert response.status_code == 422
    assert "请填写理由" in text(response)
    assert state_of(app, episode_id) == before


@pytest.mark.parametrize("act", ["reject_topic", "withdraw"])
def test_a_reason_of_invisible_characters_is_refused_like_a_missing_one(
    app: Flask, crew: Crew, act: str
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    before = state_of(app, episode_id)
    invisible = "\u200b\u3000\ufeff\u200c\u200d\u2060\u00a0"
    response = post_act(client_for(app, crew.producer), episode_id, act, reason=invisible)
    assert response.status_code == 422
    assert "请填写理由" in text(response)
    assert state_of(app, episode_id) == before


def test_a_return_with_a_zero_width_reason_is_refused(app: Flask, crew: Crew) -> None:
    episode_id = make_episode(app, crew, State.FIRST_REVIEW)
    before = state_of(app, episode_id)
    client = client_for(app, crew.producer)
    response = post_act(client, episode_id, "return_for_changes", reason="\u200b")
    assert response.status_code == 422 and "请填写理由" in text(response)
    assert state_of(app, episode_id) == before


def test_a_sign_off_with_an_item_unchecked_names_the_item(app: Flask, crew: Crew) -> None:
    episode_id = make_episode(app, crew, State.FIRST_REVIEW)
    partial = {k: v for k, v in CHECKED.items() if k != "technical_quality"}
    before = state_of(app, episode_id)
    response = post_act(client_for(app, crew.producer), episode_id, "first_review", **partial)
    body = text(response)
    assert response.status_code == 422
    assert "未确认：技术质量" in body
    assert body.count('name="facts" value="y" checked') == 1  # what was ticked stays ticked
    assert state_of(app, episode_id) == before


def test_a_hand_over_through_the_form_names_both_producers_in_the_history(
    app: Flask, crew: Crew
) -> None:
    add_person(app, crew, "producer-two", Role.PRODUCER)
    episode_id = make_episode(app, crew, State.IN_PRODUCTION)
    with app.app_context(), unit_of_work(app) as s:
        to = people.get_person(s, "producer-two").id
    client = client_for(app, crew.producer)
    response = post_act(client, episode_id, "hand_over", to=str(to), reason="出差")
    assert response.status_code == 303
    page = text(client.get(f"/episodes/{episode_id}"))
    assert "移交负责制片人" in page and "cityproducer → producer-two" in page
    assert "hand_over" not in act_forms(client, episode_id)


def test_responsibility_is_not_handed_to_the_episodes_own_editor_director(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    with app.app_context(), unit_of_work(app) as s:
        director = people.get_person(s, crew.director)
        people.grant_role(s, director, people.get_column(s, crew.slug), Role.PRODUCER, NOW)
        to = director.id
    before = state_of(app, episode_id)
    response = post_act(client_for(app, crew.producer), episode_id, "hand_over", to=str(to))
    assert response.status_code == 422
    assert "是本期节目的编导，不能担任负责制片人" in text(response)
    assert state_of(app, episode_id) == before


# --- bad input ----------------------------------------------------------------------------


def test_markup_in_a_title_is_escaped(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.director)
    response = propose_form(client, crew, app, title='<script>alert("x")</script>')
    assert response.status_code == 303
    for path in (response.headers["Location"], "/"):
        body = text(client.get(path))
        assert "&lt;script&gt;alert(" in body
        assert "<script>alert" not in body


def test_an_over_long_title_is_refused_with_a_message_and_nothing_stored(
    app: Flask, crew: Crew
) -> None:
    client = client_for(app, crew.director)
    response = propose_form(client, crew, app, title="长" * 201, synopsis="保留我")
    body = text(response)
    assert response.status_code == 422
    assert "标题最多 200 个字符" in body
    assert "保留我" in body  # what was typed is shown again
    assert episode_count(app) == 0


def test_a_day_that_does_not_exist_is_refused_and_nothing_stored(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.director)
    response = propose_form(client, crew, app, air_by="2026-02-30")
    assert response.status_code == 422
    assert "2026-02-30 这一天不存在" in text(response)
    assert episode_count(app) == 0


def test_a_past_air_by_date_and_a_duration_out_of_range_are_refused_in_chinese(
    app: Flask, crew: Crew
) -> None:
    client = client_for(app, crew.director)
    past = propose_form(client, crew, app, air_by="2020-01-02")
    assert past.status_code == 422 and "最迟播出日期 2020-01-02 已经过去" in text(past)
    long = propose_form(client, crew, app, target_minutes="600")
    assert long.status_code == 422 and "目标时长须为 1 至 240 分钟" in text(long)
    assert episode_count(app) == 0


def test_only_editor_directors_may_open_the_proposal_form(app: Flask, crew: Crew) -> None:
    response = client_for(app, crew.reviewer).get("/episodes/new")
    assert response.status_code == 403
    assert "只有编导可以申报选题" in text(response)
    page = text(client_for(app, crew.director).get("/episodes/new"))
    assert "city栏目" in page and "cityproducer" in page


def test_a_producer_of_another_column_cannot_be_made_responsible(app: Flask, crew: Crew) -> None:
    county = make_crew(app, "yunxi")
    with app.app_context(), unit_of_work(app) as s:
        stranger = people.get_person(s, county.producer).id
    client = client_for(app, crew.director)
    response = propose_form(client, crew, app, responsible_producer=str(stranger))
    assert response.status_code == 422
    assert episode_count(app) == 0


# --- the page -----------------------------------------------------------------------------


def test_the_history_shows_who_in_which_role_when_in_shanghai_and_the_checklist(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)
    page = text(client_for(app, crew.reviewer).get(f"/episodes/{episode_id}"))
    timeline = page[page.index('id="history"') :]
    assert "2026-03-02 09:00" in timeline  # 01:00 UTC
    assert "cityproducer</strong>（制片人）" in timeline
    assert "初审通过" in timeline and "待初审 → 待复审" in timeline
    assert "✓ 导向正确" in timeline and "✓ 技术质量" in timeline
    assert "还没有上传成片" in page


def test_comments_are_listed_and_an_empty_one_is_refused(app: Flask, crew: Crew) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    client = client_for(app, crew.reviewer)
    token = csrf_token(client, f"/episodes/{episode_id}")
    empty = client.post(f"/episodes/{episode_id}/comments", data={"csrf_token": token, "body": " "})
    assert empty.status_code == 422 and "评论不能为空" in text(empty)
    invisible = client.post(
        f"/episodes/{episode_id}/comments",
        data={"csrf_token": token, "body": "\u200b\u3000\ufeff"},
    )
    assert invisible.status_code == 422 and "评论不能为空" in text(invisible)
    posted = client.post(
        f"/episodes/{episode_id}/comments", data={"csrf_token": token, "body": "<b>注意</b>时效"}
    )
    assert posted.status_code == 303
    page = text(client.get(f"/episodes/{episode_id}"))
    assert "&lt;b&gt;注意&lt;/b&gt;时效" in page and "cityreviewer" in page


# --- editing ------------------------------------------------------------------------------


def edit_form(client: FlaskClient, episode_id: int, **fields: str) -> TestResponse:
    page = text(client.get(f"/episodes/{episode_id}/edit"))
    found = re.search(r'name="version"[^>]*value="(\d+)"', page)
    assert found is not None
    data = {
        "csrf_token": csrf_token(client, f"/episodes/{episode_id}/edit"),
        "version": found.group(1),
        "title": "先锋工程纪实",
        "topic": "",
        "synopsis": "",
        "genre": "",
        "target_minutes": "20",
        "air_by": "",
        "priority_tags": "",
    }
    data.update(fields)
    return client.post(f"/episodes/{episode_id}/edit", data=data)


def test_the_director_edits_an_episode_and_the_history_shows_the_change(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    client = client_for(app, crew.director)
    response = edit_form(client, episode_id, title="先锋工程纪实（修订）", genre="专题")
    assert response.status_code == 303
    page = text(client.get(f"/episodes/{episode_id}"))
    assert "标题：先锋工程纪实 → 先锋工程纪实（修订）" in page
    assert "体裁：— → 专题" in page


def test_a_reviewer_may_not_edit_and_nobody_edits_under_review(app: Flask, crew: Crew) -> None:
    proposed = make_episode(app, crew, State.PROPOSED)
    assert client_for(app, crew.reviewer).get(f"/episodes/{proposed}/edit").status_code == 403
    reviewed = make_episode(app, crew, State.FIRST_REVIEW, title="审看中")
    assert client_for(app, crew.director).get(f"/episodes/{reviewed}/edit").status_code == 409


def test_an_edit_after_someone_elses_keeps_the_typed_text_beside_the_current(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    director = client_for(app, crew.director)
    page = text(director.get(f"/episodes/{episode_id}/edit"))
    found = re.search(r'name="version"[^>]*value="(\d+)"', page)
    assert found is not None
    producer = client_for(app, crew.producer)
    assert edit_form(producer, episode_id, genre="访谈").status_code == 303
    response = edit_form(director, episode_id, version=found.group(1), synopsis="我写的简介")
    body = text(response)
    assert response.status_code == 409
    assert "其他人已先一步操作" in body and "我写的简介" in body
    assert "当前内容：访谈" in body


def test_the_producer_sets_priority_tags_on_an_approved_episode_from_its_page(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.APPROVED)
    director = client_for(app, crew.director)
    assert "set_priority_tags" not in act_forms(director, episode_id)
    producer = client_for(app, crew.producer)
    assert "set_priority_tags" in act_forms(producer, episode_id)
    before = state_of(app, episode_id)
    response = post_act(producer, episode_id, "set_priority_tags", priority_tags="七一， 党史学习")
    assert response.status_code == 303, text(response)
    page = text(producer.get(f"/episodes/{episode_id}"))
    assert '<span class="tag">七一</span>' in page and '<span class="tag">党史学习</span>' in page
    assert "设置宣传报道重点" in page  # the history names the act
    after = state_of(app, episode_id)
    assert (after[0], after[1], after[2]) == (State.APPROVED, before[1] + 1, before[2] + 1)
    too_long = post_act(producer, episode_id, "set_priority_tags", priority_tags="长" * 61)
    assert too_long.status_code == 422
    assert state_of(app, episode_id) == after
