"""Whose turn it is on the episode page and the board's cards, in Chinese and English; the
open return at the top of a returned episode; menu items only for those they let in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from editorial import people, workflow
from editorial.models import Level, Role, Stage, State
from schedule import slots
from schedule.models import Airing, AiringStatus, SlotKind
from tests.web.test_episode_pages import (
    NOW,
    OK,
    Crew,
    add_person,
    client_for,
    make_crew,
    make_episode,
    text,
)
from web.db import unit_of_work

# The display names of make_crew's people are the column's slug and their role's key.
DIRECTOR, PRODUCER, REVIEWER = "citydirector", "cityproducer", "cityreviewer"


@pytest.fixture
def crew(app: Flask) -> Crew:
    return make_crew(app, "city", Level.CITY)


def turn_line(page: str) -> str:
    found = re.search(r'<p class="turn" id="turn">([^<]*)</p>', page)
    return found.group(1) if found else ""


def english(app: Flask, username: str) -> FlaskClient:
    client = client_for(app, username)
    client.get("/lang/en")
    return client


EXPECTED = {
    State.PROPOSED: (f"等待 {PRODUCER} 审核选题", f"Waiting for {PRODUCER} to review the topic"),
    State.TOPIC_APPROVED: (
        f"等待 {DIRECTOR} 开始制作",
        f"Waiting for {DIRECTOR} to start production",
    ),
    # Without its master yet (make_episode records one at the submission).
    State.IN_PRODUCTION: (
        f"等待 {DIRECTOR} 上传成片",
        f"Waiting for {DIRECTOR} to upload the master",
    ),
    State.FIRST_REVIEW: (f"待 {PRODUCER} 初审", f"Waiting for {PRODUCER} to sign the first review"),
    State.SECOND_REVIEW: (
        f"待 {REVIEWER} 复审",
        f"Waiting for {REVIEWER} to sign the second review",
    ),
    State.FINAL_REVIEW: (
        "待 cityfinal_approver 终审",
        "Waiting for cityfinal_approver to sign the final review",
    ),
    State.RETURNED: (
        f"等待 {DIRECTOR} 修改后重新送审",
        f"Waiting for {DIRECTOR} to revise and resubmit",
    ),
    State.APPROVED: ("已可播，待编排", "Ready to air, awaiting scheduling"),
}


def test_the_episode_page_says_whose_turn_it_is_in_every_state_in_chinese_and_english(
    app: Flask, crew: Crew
) -> None:
    chinese, in_english = client_for(app, crew.reviewer), english(app, crew.reviewer)
    for state, (zh, en) in EXPECTED.items():
        episode_id = make_episode(app, crew, state)
        assert turn_line(text(chinese.get(f"/episodes/{episode_id}"))) == zh, state
        page = text(in_english.get(f"/episodes/{episode_id}"))
        assert turn_line(page) == en, state
        assert not re.search(r"[\u4e00-\u9fff]", turn_line(page))


def test_production_with_its_master_awaits_the_submission(app: Flask, crew: Crew) -> None:
    episode_id = make_episode(app, crew, State.IN_PRODUCTION)
    with app.app_context(), unit_of_work(app) as s:
        e = people.get_episode(s, episode_id)
        director = people.get_person(s, crew.director)
        workflow.new_media_version(s, director, e, e.version, NOW, number=1)
    page = text(client_for(app, crew.reviewer).get(f"/episodes/{episode_id}"))
    assert turn_line(page) == f"等待 {DIRECTOR} 送审"
    page = text(english(app, crew.reviewer).get(f"/episodes/{episode_id}"))
    assert turn_line(page) == f"Waiting for {DIRECTOR} to submit for review"


def test_an_ended_episode_names_no_next_step(app: Flask, crew: Crew) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    with app.app_context(), unit_of_work(app) as s:
        e = people.get_episode(s, episode_id)
        workflow.withdraw(
            s, people.get_person(s, crew.producer), e, e.version, NOW, reason="与上期重复"
        )
    page = text(client_for(app, crew.director).get(f"/episodes/{episode_id}"))
    assert 'class="turn"' not in page


def test_anyone_of_several_reviewers_is_named_with_or(app: Flask, crew: Crew) -> None:
    add_person(app, crew, "wangfang", Role.REVIEWER)
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)
    page = text(client_for(app, crew.reviewer).get(f"/episodes/{episode_id}"))
    assert turn_line(page) == f"待 {REVIEWER} 或 wangfang 复审"
    page = text(english(app, crew.reviewer).get(f"/episodes/{episode_id}"))
    assert turn_line(page) == f"Waiting for {REVIEWER} or wangfang to sign the second review"


def test_a_returned_episode_shows_the_return_at_the_top(app: Flask, crew: Crew) -> None:
    episode_id = make_episode(app, crew, State.FIRST_REVIEW)
    with app.app_context(), unit_of_work(app) as s:
        e = people.get_episode(s, episode_id)
        producer = people.get_person(s, crew.producer)
        workflow.sign_off(s, producer, e, e.version, NOW, stage=Stage.FIRST, checklist=OK)
        reviewer = people.get_person(s, crew.reviewer)
        workflow.return_for_changes(s, reviewer, e, e.version, NOW, reason="第3分钟字幕有误")
    page = text(client_for(app, crew.director).get(f"/episodes/{episode_id}"))
    box = page[page.index('<section class="returned"') :]
    box = box[: box.index("</section>")]
    assert page.index('class="returned"') < page.index("节目信息")  # at the top
    assert "已退回修改" in box and "复审" in box and REVIEWER in box
    assert "2026-03-02 09:00" in box  # NOW in Asia/Shanghai
    assert "第3分钟字幕有误" in box
    page = text(english(app, crew.director).get(f"/episodes/{episode_id}"))
    box = page[page.index('<section class="returned"') :]
    box = box[: box.index("</section>")]
    assert "Returned for changes" in box and "Second review" in box and "Returned by" in box
    # Resubmitted: the return is closed.
    with app.app_context(), unit_of_work(app) as s:
        e = people.get_episode(s, episode_id)
        workflow.submit(s, people.get_person(s, crew.director), e, e.version, NOW)
    page = text(client_for(app, crew.director).get(f"/episodes/{episode_id}"))
    assert 'class="returned"' not in page


def test_the_board_cards_say_whose_turn_it_is(app: Flask, crew: Crew) -> None:
    for state in (State.PROPOSED, State.SECOND_REVIEW, State.APPROVED):
        make_episode(app, crew, state, title=f"节目{state.value}")
    page = text(client_for(app, crew.director).get("/"))
    lines = re.findall(r'<div class="turn">([^<]*)</div>', page)
    assert sorted(lines) == sorted(
        [f"等待 {PRODUCER} 审核选题", f"待 {REVIEWER} 复审", "已可播，待编排"]
    )
    page = text(english(app, crew.director).get("/"))
    assert "Waiting for cityreviewer to sign the second review" in page


# --- menus show only what the viewer may open ---------------------------------------------


def nav_links(page: str) -> set[str]:
    header = page[page.index('<header class="top') : page.index("</header>")]
    return set(re.findall(r'<a href="([^"]+)"', header))


@pytest.mark.parametrize(
    ("path", "allowed", "refused"),
    [
        ("/episodes/new", Role.EDITOR_DIRECTOR, Role.REVIEWER),
        ("/admin/", Role.ADMIN, Role.PRODUCER),
        ("/liaison/", Role.LIAISON, Role.REVIEWER),
    ],
)
def test_a_menu_item_shows_only_to_those_it_lets_in(
    app: Flask, crew: Crew, path: str, allowed: Role, refused: Role
) -> None:
    without = client_for(app, add_person(app, crew, "without", refused))
    assert path not in nav_links(text(without.get("/")))
    assert without.get(path).status_code == 403
    holder = client_for(app, add_person(app, crew, "holder", allowed))
    assert path in nav_links(text(holder.get("/")))
    assert holder.get(path).status_code == 200


def test_a_scheduled_episode_names_its_premiere_instead_of_the_schedulers(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.APPROVED)
    scheduler = add_person(app, crew, "bianpai", Role.SCHEDULER)
    at = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    with app.app_context(), unit_of_work(app) as s:
        slot = slots.create_slot(
            s,
            people.get_person(s, scheduler),
            people.get_column(s, crew.slug),
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
            Airing(
                slot_id=slot.id,
                episode_id=episode_id,
                kind=SlotKind.PREMIERE,
                starts_at=at,
                ends_at=at + timedelta(minutes=30),
                status=AiringStatus.DRAFT,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    page = text(client_for(app, crew.director).get(f"/episodes/{episode_id}"))
    assert turn_line(page) == "已编排，首播 2026-03-06 20:00"
    page = text(english(app, crew.director).get("/"))
    assert "Scheduled; premiere 2026-03-06 20:00" in page


def test_no_header_link_leads_anyone_to_a_refusal(app: Flask, crew: Crew) -> None:
    """Whatever role a person holds (or none), every menu item they see opens."""
    for n, roles in enumerate([(), *((role,) for role in Role)]):
        client = client_for(app, add_person(app, crew, f"person{n}", *roles))
        for link in nav_links(text(client.get("/"))):
            assert client.get(link).status_code in (200, 302), (roles, link)
