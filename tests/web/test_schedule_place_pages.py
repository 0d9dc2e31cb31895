"""Dead air on the schedule pages: every slot occurrence on the grids per channel, the
empty ones (空档) marked in words; the report's empty premieres of the next four weeks;
and placing an approved episode without a premiere into one, from the report and the
grid, with ``tvcolumn schedule assign``'s rules and refusals."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from editorial import people
from editorial.models import Column, Episode, State
from schedule import slots
from schedule.models import Airing, AiringStatus, Slot, SlotDate, SlotDateKind, SlotKind
from tests.web.conftest import csrf_token
from tests.web.test_races import race
from tests.web.test_schedule_pages import (  # noqa: F401 (fixtures)
    NOW,
    clock,
    desk,
    episode,
    page,
    signed_in,
    statements,
)
from web.db import unit_of_work

# The desk's Friday premieres are built to 2026-03-31: three episodes fill 03-06, 03-13
# and 03-20; 03-27 stays empty (the fourth approved episode is too long for the slot).
pytestmark = pytest.mark.usefixtures("desk")

EMPTY_FRIDAY = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai


def occurrence(slot_id: int, at: datetime) -> str:
    return f"{slot_id}@{at.isoformat()}"


def premiere_slot(app: Flask) -> int:
    with unit_of_work(app) as s:
        return s.scalars(select(Slot.id).where(Slot.kind == SlotKind.PREMIERE)).one()


def new_episode(app: Flask, title: str, **fields: object) -> int:
    """An approved episode of the city column without a premiere, fitting its slot."""
    with unit_of_work(app) as s:
        city = s.scalars(select(Column).where(Column.slug == "city")).one()
        return episode(s, city, title, people.get_person(s, "ed"), **fields).id


def live_at(app: Flask, slot_id: int, at: datetime) -> list[tuple[str, bool]]:
    with unit_of_work(app) as s:
        rows = s.execute(
            select(Episode.title, Airing.pinned)
            .join(Episode, Episode.id == Airing.episode_id)
            .where(
                Airing.slot_id == slot_id,
                Airing.starts_at == at,
                Airing.status != AiringStatus.CANCELLED,
            )
        )
        return [(title, pinned) for title, pinned in rows]


def english(client: FlaskClient) -> FlaskClient:
    client.get("/lang/en")
    return client


def place(client: FlaskClient, data: dict[str, str], page_path: str = "/schedule/report") -> str:
    form = {"back": "report", **data}
    response = client.post(
        "/schedule/place", data={"csrf_token": csrf_token(client, page_path), **form}
    )
    return f"{response.status_code}\n{response.get_data(as_text=True)}"


# --- the grids ------------------------------------------------------------------------------------


def test_the_week_grid_marks_an_empty_occurrence_in_words_on_its_channels_time_axis(
    app: Flask,
) -> None:
    body = page(signed_in(app, "ed"), "/schedule/week?start=2026-03-23")
    lane = body.split('class="lane-name"')[1]
    assert lane.startswith(' id="lane-1">市台 · 一套')
    row = re.search(r'<th scope="row" class="axis">20:00</th>(.*?)</tr>', lane, re.S)
    assert row is not None, "no 20:00 row on the city channel's time axis"
    cells = re.findall(r'<td class="day[^"]*" data-day="[^"]*">(.*?)</td>', row.group(1), re.S)
    assert len(cells) == 7
    assert "空档" in cells[4] and 'class="airing gap premiere' in cells[4]  # Friday 03-27
    assert not any(cells[i] for i in (0, 1, 2, 3, 5, 6))
    assert "空档 2 个" in body
    sunday = re.search(r'<th scope="row" class="axis">10:00</th>(.*?)</tr>', lane, re.S)
    assert sunday is not None  # the Sunday rerun of the empty Friday is empty too
    assert 'class="airing gap rerun' in sunday.group(1) and "周日重播" in sunday.group(1)
    assert "Empty" in page(english(signed_in(app, "ed")), "/schedule/week?start=2026-03-23")


def test_the_month_grid_shows_every_occurrence_and_a_stop_date_removes_one(app: Flask) -> None:
    """April is beyond the build: every Friday premiere and Sunday rerun is empty, but
    the stop date of 04-10 removes that Friday, and an extra date adds 04-15."""
    with unit_of_work(app) as s:
        friday = s.get(Slot, premiere_slot(app))
        assert friday is not None
        scheduler = people.get_person(s, "bp")
        slots.add_exception(s, scheduler, friday, date(2026, 4, 10), "全会直播", NOW)
        s.add(SlotDate(slot=friday, day=date(2026, 4, 15), kind=SlotDateKind.EXTRA, created_at=NOW))
    body = page(signed_in(app, "ed"), "/schedule/month?month=2026-04")
    assert body.count('class="airing gap premiere') == 4  # 03, 15, 17, 24
    assert body.count('class="airing gap rerun') == 4  # the Sundays 05, 12, 19, 26
    assert "2026-04-10" not in re.sub(r"<h3>.*?</h3>", "", body)  # no card on the 10th
    assert "空档 8 个" in body


# --- the report -----------------------------------------------------------------------------------


def test_the_report_counts_and_lists_the_empty_premieres_of_the_next_four_weeks(app: Flask) -> None:
    body = page(signed_in(app, "ed"), "/schedule/report")
    section = body.split('id="empty"')[1].split("</table>")[0]
    assert '未来四周的首播空档 <span class="count">1</span>' in body
    assert "2026-03-27 20:00" in section and "周五首播" in section and "市台 · 一套" in section
    assert "<form" not in section  # an editor-director does not place
    said = page(english(signed_in(app, "ed")), "/schedule/report")
    assert "Empty premiere occurrences in the next four weeks" in said


def test_a_scheduler_places_an_episode_from_the_report(app: Flask) -> None:
    slot_id = premiere_slot(app)
    new_episode(app, "新时代文明实践")
    client = signed_in(app, "bp")
    form = page(client, "/schedule/report").split('id="empty"')[1].split("</table>")[0]
    assert "新时代文明实践" in form and "超长特别节目" not in form  # too long: not offered
    chosen = re.search(r'<option value="(\d+)">#\d+ 新时代文明实践', form)
    assert chosen is not None
    answer = place(
        client, {"occurrence": occurrence(slot_id, EMPTY_FRIDAY), "episode": chosen.group(1)}
    )
    assert answer.startswith("302")
    assert live_at(app, slot_id, EMPTY_FRIDAY) == [("新时代文明实践", True)]
    after = page(client, "/schedule/report")
    assert "安排在 2026-03-27 20:00 首播" in after
    assert '未来四周的首播空档 <span class="count">0</span>' in after


def test_a_scheduler_places_an_episode_from_the_grids_form(app: Flask) -> None:
    slot_id = premiere_slot(app)
    episode_id = new_episode(app, "新时代文明实践")
    client = signed_in(app, "bp")
    path = "/schedule/week?start=2026-03-23"
    body = page(client, path)
    assert f'data-episode="{episode_id}"' in body and "place.js" in body
    value = occurrence(slot_id, EMPTY_FRIDAY)
    assert f'data-occurrence="{value}"' in body and f'<option value="{value}">' in body
    response = client.post(
        "/schedule/place",
        data={
            "csrf_token": csrf_token(client, path),
            "back": "week",
            "start": "2026-03-23",
            "occurrence": value,
            "episode": str(episode_id),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/schedule/week?start=2026-03-23")
    assert live_at(app, slot_id, EMPTY_FRIDAY) == [("新时代文明实践", True)]
    after = page(client, path)
    assert 'class="airing gap premiere' not in after and "新时代文明实践" in after
    # Its Sunday rerun is the builder's to make (the service rebuilds within a poll).


def test_only_the_columns_schedulers_see_the_place_form_and_others_get_403(app: Flask) -> None:
    slot_id = premiere_slot(app)
    episode_id = new_episode(app, "新时代文明实践")
    director = signed_in(app, "ed")
    body = page(director, "/schedule/week?start=2026-03-23")
    assert "episode-card" not in body and "place.js" not in body and "drop-target" not in body
    data = {"occurrence": occurrence(slot_id, EMPTY_FRIDAY), "episode": str(episode_id)}
    assert place(director, data).startswith("403")
    assert place(signed_in(app, "xu"), data).startswith("403")  # another column's scheduler
    assert live_at(app, slot_id, EMPTY_FRIDAY) == []


# --- refusals: said on the page it came from, the choice kept, nothing stored ---------------------


def refused(app: Flask, data: dict[str, str], status: int, said: str, *, en: bool = False) -> None:
    client = signed_in(app, "bp")
    if en:
        english(client)
    answer = place(client, data)
    assert answer.startswith(str(status)), answer[:300]
    assert said in answer
    assert 'id="empty"' in answer  # the report again, not an error page


def test_an_episode_too_long_for_the_slot_is_refused(app: Flask) -> None:
    slot_id = premiere_slot(app)
    with unit_of_work(app) as s:
        long = s.scalars(select(Episode.id).where(Episode.title == "超长特别节目")).one()
    data = {"occurrence": occurrence(slot_id, EMPTY_FRIDAY), "episode": str(long)}
    refused(app, data, 422, "节目时长 90.0 分钟，超出了这个时段最多能容纳的 30.5 分钟")
    refused(app, data, 422, "runs 90.0 minutes", en=True)
    assert live_at(app, slot_id, EMPTY_FRIDAY) == []


def test_an_occurrence_after_the_air_by_date_is_refused(app: Flask) -> None:
    slot_id = premiere_slot(app)
    late = new_episode(app, "两会特别报道", air_by=date(2026, 3, 25))
    data = {"occurrence": occurrence(slot_id, EMPTY_FRIDAY), "episode": str(late)}
    refused(app, data, 422, "节目须在 2026-03-25 前播出，2026-03-27 已经晚了")
    assert live_at(app, slot_id, EMPTY_FRIDAY) == []


def test_a_taken_occurrence_is_a_409(app: Flask) -> None:
    slot_id = premiere_slot(app)
    fresh = new_episode(app, "新时代文明实践")
    taken = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    before = live_at(app, slot_id, taken)
    data = {"occurrence": occurrence(slot_id, taken), "episode": str(fresh)}
    refused(app, data, 409, "2026-03-06 20:00 的“周五首播”已经有节目了")
    assert live_at(app, slot_id, taken) == before


def test_of_schedulers_racing_for_one_empty_occurrence_one_wins_the_rest_get_409(
    app: Flask,
) -> None:
    slot_id = premiere_slot(app)
    ids = [new_episode(app, f"抢档节目{i}") for i in range(4)]
    clients = [signed_in(app, "bp") for _ in ids]
    tokens = [csrf_token(c, "/schedule/report") for c in clients]

    def one(i: int) -> object:
        return clients[i].post(
            "/schedule/place",
            data={
                "csrf_token": tokens[i],
                "back": "report",
                "occurrence": occurrence(slot_id, EMPTY_FRIDAY),
                "episode": str(ids[i]),
            },
        )

    answers = race(len(ids), one)  # type: ignore[arg-type]
    assert sorted(a.status_code for a in answers) == [302, 409, 409, 409]
    for a in answers:
        if a.status_code == 409:
            assert "已经有节目了" in a.get_data(as_text=True)
    assert len(live_at(app, slot_id, EMPTY_FRIDAY)) == 1


def test_a_stop_date_is_refused_saying_so(app: Flask) -> None:
    slot_id = premiere_slot(app)
    fresh = new_episode(app, "新时代文明实践")
    with unit_of_work(app) as s:
        slot = s.get(Slot, slot_id)
        assert slot is not None
        slots.add_exception(s, people.get_person(s, "bp"), slot, date(2026, 3, 27), "全会直播", NOW)
    data = {"occurrence": occurrence(slot_id, EMPTY_FRIDAY), "episode": str(fresh)}
    refused(app, data, 422, "时段“周五首播”在 2026-03-27 停播")
    refused(app, data, 422, "has a stop date on 2026-03-27", en=True)
    assert live_at(app, slot_id, EMPTY_FRIDAY) == []


@pytest.mark.parametrize("state", [State.FINAL_REVIEW, State.PULLED])
def test_an_episode_not_approved_is_refused(app: Flask, state: State) -> None:
    slot_id = premiere_slot(app)
    waiting = new_episode(app, "待终审节目", state=state)
    data = {"occurrence": occurrence(slot_id, EMPTY_FRIDAY), "episode": str(waiting)}
    refused(app, data, 422, "还不能安排播出：须终审通过")
    assert live_at(app, slot_id, EMPTY_FRIDAY) == []


def test_an_episode_that_already_premieres_is_refused(app: Flask) -> None:
    slot_id = premiere_slot(app)
    with unit_of_work(app) as s:
        red = s.scalars(select(Episode.id).where(Episode.title == "红船精神代代传")).one()
    data = {"occurrence": occurrence(slot_id, EMPTY_FRIDAY), "episode": str(red)}
    refused(app, data, 409, "节目已经安排在")
    assert live_at(app, slot_id, EMPTY_FRIDAY) == []


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"occurrence": "", "episode": "1"}, "请选择一个空档"),
        ({"occurrence": "1@yesterday", "episode": "1"}, "请选择一个空档"),
        ({"occurrence": "1@2026-03-27T12:00:00+00:00", "episode": ""}, "请选择一期节目"),
        ({"occurrence": "1@9999-12-31T23:59:00+00:00", "episode": "1"}, "只能查看"),
        ({"occurrence": "1@2026-03-27T12:00:00", "episode": "1"}, "请选择一个空档"),
    ],
)
def test_a_form_without_a_choice_is_refused_plainly(
    app: Flask, data: dict[str, str], said: str
) -> None:
    refused(app, data, 422, said)


def test_a_refusal_on_the_grid_reshows_the_grid_with_the_choice_kept(app: Flask) -> None:
    slot_id = premiere_slot(app)
    late = new_episode(app, "两会特别报道", air_by=date(2026, 3, 25))
    client = signed_in(app, "bp")
    path = "/schedule/week?start=2026-03-23"
    value = occurrence(slot_id, EMPTY_FRIDAY)
    response = client.post(
        "/schedule/place",
        data={
            "csrf_token": csrf_token(client, path),
            "back": "week",
            "start": "2026-03-23",
            "occurrence": value,
            "episode": str(late),
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2026-03-23 至 2026-03-29" in body and "已经晚了" in body
    assert f'<option value="{late}" selected>' in body
    assert f'<option value="{value}" selected>' in body
    assert live_at(app, slot_id, EMPTY_FRIDAY) == []


def test_the_grid_with_empty_occurrences_keeps_a_bounded_statement_count(
    app: Flask, request: pytest.FixtureRequest
) -> None:
    for i in range(20):
        new_episode(app, f"待排节目{i}")
    client = signed_in(app, "bp")
    seen: list[str] = request.getfixturevalue("statements")
    seen.clear()
    body = page(client, "/schedule/month?month=2026-04")
    assert body.count("episode-card") >= 20 and "空档 8 个" in body
    assert len(seen) <= 12, seen
