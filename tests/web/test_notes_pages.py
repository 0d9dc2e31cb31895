"""Review notes on the episode page: note the frame, see them in picture order with the
frame to seek to, resolve them, return with them; refusals keep what was typed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from editorial import people, review_notes, workflow
from editorial.models import Episode, Level, ReviewNote, State
from editorial.review_notes import Picture
from tests.web.conftest import csrf_token
from tests.web.test_episode_pages import NOW, Crew, client_for, make_crew, make_episode, text
from tests.web.test_media_pages import Masters, masters, upload  # noqa: F401  (the fixture)
from tests.web.test_page_queries import BUDGET, get_counted
from web.db import unit_of_work

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def crew(app: Flask) -> Crew:
    return make_crew(app, "city", Level.CITY)


@pytest.fixture
def in_review(app: Flask, crew: Crew, masters: Masters) -> int:  # noqa: F811
    """An episode at the first review on a 1-second 25 fps master (frames 0 to 24)."""
    episode_id = make_episode(app, crew, State.IN_PRODUCTION)
    assert upload(client_for(app, crew.director), episode_id, masters.good).status_code == 303
    with app.app_context(), unit_of_work(app) as s:
        episode = s.get_one(Episode, episode_id)
        director = people.get_person(s, crew.director)
        workflow.submit(s, director, episode, episode.version, NOW)
    return episode_id


def post_note(
    client: FlaskClient, episode_id: int, timecode: str, body: str = "字幕错字", version: int = 1
) -> TestResponse:
    page = f"/episodes/{episode_id}"
    return client.post(
        f"{page}/notes",
        data={
            "csrf_token": csrf_token(client, page),
            "timecode": timecode,
            "body": body,
            "media_version": str(version),
        },
    )


def notes_section(page: str) -> str:
    return page[page.index('id="notes"') : page.index("</section>", page.index('id="notes"'))]


def stored_notes(app: Flask) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return int(s.scalar(select(func.count()).select_from(ReviewNote)) or 0)


def test_the_first_reviewer_notes_frames_and_sees_them_in_picture_order(
    app: Flask, crew: Crew, in_review: int
) -> None:
    producer = client_for(app, crew.producer)
    for timecode, body in (("00:00:00:20", "结尾黑场太短"), ("00:00:00:03", "台标位置不对")):
        answer = post_note(producer, in_review, timecode, body)
        assert answer.status_code == 303
        assert answer.headers["Location"].endswith(f"/episodes/{in_review}#notes")
    section = notes_section(text(producer.get(f"/episodes/{in_review}")))
    assert section.index("00:00:00:03") < section.index("00:00:00:20")
    assert 'data-seconds="0.14"' in section  # frame 3, seeked to its middle: 3.5 / 25
    assert "2 条未处理" in section and "台标位置不对" in section
    assert "标为已处理" in section  # the producer resolves
    history = text(producer.get(f"/episodes/{in_review}"))
    assert history.count("审看意见") >= 3  # the panel's heading and two history entries


def test_a_malformed_or_late_timecode_is_refused_in_chinese_keeping_the_note(
    app: Flask, crew: Crew, in_review: int
) -> None:
    producer = client_for(app, crew.producer)
    malformed = post_note(producer, in_review, "1:2:3", "请修改这里")
    assert malformed.status_code == 422
    assert "时间码格式为 时:分:秒:帧" in text(malformed) and "请修改这里" in text(malformed)
    late = post_note(producer, in_review, "00:00:01:00", "片尾")
    assert late.status_code == 422 and "时间码超出了成片的长度" in text(late)
    too_many_frames = post_note(producer, in_review, "00:00:00:25")
    assert "时间码的帧数超出了范围：每秒 25 帧，帧数须为 00 至 24" in text(too_many_frames)
    stale = post_note(producer, in_review, "00:00:00:01", version=2)
    assert "请刷新页面" in text(stale)
    assert stored_notes(app) == 0


def test_someone_who_may_not_act_at_the_stage_sees_no_form_and_is_refused(
    app: Flask, crew: Crew, in_review: int
) -> None:
    director = client_for(app, crew.director)
    assert 'class="note-form"' not in text(director.get(f"/episodes/{in_review}"))
    refused = post_note(director, in_review, "00:00:00:01")
    assert refused.status_code == 403 and stored_notes(app) == 0
    assert "Traceback" not in text(refused)


def test_the_producer_resolves_and_returns_with_the_open_notes_as_the_reason(
    app: Flask, crew: Crew, in_review: int
) -> None:
    producer = client_for(app, crew.producer)
    for timecode in ("00:00:00:10", "00:00:00:05"):
        assert post_note(producer, in_review, timecode, f"问题{timecode[-2:]}").status_code == 303
    with app.app_context(), unit_of_work(app) as s:
        first = s.scalars(select(ReviewNote).order_by(ReviewNote.frame)).first()
        assert first is not None
        first_id = first.id
    page = f"/episodes/{in_review}"
    resolved = producer.post(
        f"{page}/notes/{first_id}/resolve", data={"csrf_token": csrf_token(producer, page)}
    )
    assert resolved.status_code == 303
    assert "✓ 已处理" in notes_section(text(producer.get(page)))
    version = int(
        re.search(r'name="version" value="(\d+)"', notes_section(text(producer.get(page))))[1]
    )  # type: ignore[index]
    stale = producer.post(
        f"{page}/notes/return",
        data={"csrf_token": csrf_token(producer, page), "version": str(version - 1)},
    )
    assert stale.status_code == 409
    returned = producer.post(
        f"{page}/notes/return",
        data={"csrf_token": csrf_token(producer, page), "version": str(version)},
    )
    assert returned.status_code == 303
    with app.app_context(), unit_of_work(app) as s:
        episode = s.get_one(Episode, in_review)
        assert episode.state is State.RETURNED
        reason = s.scalars(
            select(workflow.HistoryEntry.reason)
            .where(workflow.HistoryEntry.episode_id == in_review)
            .order_by(workflow.HistoryEntry.seq.desc())
        ).first()
    assert reason == "00:00:00:10 问题10"  # only the open note


def test_the_notes_are_in_english_on_request(app: Flask, crew: Crew, in_review: int) -> None:
    producer = client_for(app, crew.producer)
    assert post_note(producer, in_review, "00:00:00:02", "note body").status_code == 303
    producer.get("/lang/en")
    section = notes_section(text(producer.get(f"/episodes/{in_review}")))
    assert "Review notes" in section and "00:00:00:02" in section
    assert CJK.findall(section) == []


def test_fifty_notes_cost_the_episode_page_no_extra_statement(
    app: Flask, crew: Crew, in_review: int
) -> None:
    with app.app_context(), unit_of_work(app) as s:
        episode = s.get_one(Episode, in_review)
        producer = people.get_person(s, crew.producer)
        picture = Picture(1, 25.0, 25)
        for n in range(50):
            review_notes.add_note(
                s,
                producer,
                episode,
                NOW + timedelta(seconds=n),
                picture=picture,
                timecode=f"00:00:00:{n % 25:02d}",
                body=f"意见{n}",
            )
    for who in (crew.producer, crew.reviewer, crew.director):
        body, statements = get_counted(app, client_for(app, who), f"/episodes/{in_review}")
        assert body.count('class="seek"') == 50
        assert len(statements) <= BUDGET + 2, statements


def test_a_returned_episode_shows_its_open_notes_at_the_top(
    app: Flask, crew: Crew, in_review: int
) -> None:
    producer = client_for(app, crew.producer)
    assert post_note(producer, in_review, "00:00:00:07", "片头字幕有错").status_code == 303
    page = f"/episodes/{in_review}"
    found = re.search(r'name="version" value="(\d+)"', notes_section(text(producer.get(page))))
    assert found is not None
    returned = producer.post(
        f"{page}/notes/return",
        data={"csrf_token": csrf_token(producer, page), "version": found[1]},
    )
    assert returned.status_code == 303
    director = text(client_for(app, crew.director).get(page))
    box = director[
        director.index('id="returned"') : director.index(
            "</section>", director.index('id="returned"')
        )
    ]
    assert "未处理的审看意见" in box and "00:00:00:07" in box and "片头字幕有错" in box
    assert director.index('id="returned"') < director.index('id="media"')
