"""Review notes at a frame of the master under review (editorial.review_notes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import history, review_notes, workflow
from editorial.errors import Forbidden, IllegalAct, InvalidInput, NotFound
from editorial.models import Episode, HistoryEntry, Notification, ReviewNote, Stage
from editorial.review_notes import Picture, format_timecode, parse_timecode
from tests.conftest import NOW, Crew

OK = workflow.Checklist.all_confirmed()
PAL = Picture(media_version=1, fps=25.0, frames=25 * 60 * 15)  # a 15-minute master


@pytest.fixture
def in_review(session: Session, crew: Crew, propose: Callable[..., Episode]) -> Episode:
    """An episode with media version 1 at the second review."""
    episode = propose(title="红色印记")
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    workflow.new_media_version(session, crew.director, episode, episode.version, NOW, number=1)
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    return episode


@pytest.mark.parametrize(
    ("timecode", "fps", "frame"),
    [
        ("00:00:00:00", 25.0, 0),
        ("00:00:01:00", 25.0, 25),
        ("00:01:23:05", 25.0, 83 * 25 + 5),
        ("01:00:00:24", 25.0, 3600 * 25 + 24),
        ("00:00:01:29", 29.97, 59),  # counted at 30, non-drop-frame
        ("00:00:10:23", 23.976, 263),
        ("00:00:02;10", 29.97, 70),  # a semicolon, as NTSC decks write it
    ],
)
def test_a_timecode_names_one_frame(timecode: str, fps: float, frame: int) -> None:
    assert parse_timecode(timecode, fps) == frame


@given(
    st.integers(min_value=0, max_value=24 * 3600 * 24), st.sampled_from([23.976, 25.0, 29.97, 50.0])
)
def test_formatting_and_parsing_a_frame_round_trip(frame: int, fps: float) -> None:
    assert parse_timecode(format_timecode(frame, fps), fps) == frame


@pytest.mark.parametrize(
    "bad", ["", "1:2:3:4", "00:00:00", "00:60:00:00", "00:00:60:00", "00:00:00:25", "aa:bb:cc:dd"]
)
def test_a_malformed_or_impossible_timecode_is_refused_saying_why(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_timecode(bad, 25.0)
    assert "timecode" in refused.value.message


def test_the_player_seeks_inside_the_frame_at_the_real_rate() -> None:
    assert review_notes.seconds_at(59, 29.97) == pytest.approx(59.5 / 29.97)
    assert int(review_notes.seconds_at(59, 29.97) * 29.97) == 59


def test_a_reviewer_notes_a_frame_and_it_is_recorded_in_the_history(
    session: Session, crew: Crew, in_review: Episode
) -> None:
    note = review_notes.add_note(
        session,
        crew.reviewer,
        in_review,
        NOW,
        picture=PAL,
        timecode="00:03:12:08",
        body=" 字幕错字 ",
    )
    assert (note.frame, note.body, note.stage, note.review_round) == (
        (3 * 60 + 12) * 25 + 8,
        "字幕错字",
        Stage.SECOND,
        in_review.review_round,
    )
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.act == review_notes.NOTE)).one()
    assert entry.details == {"note_id": note.id, "timecode": "00:03:12:08", "body": "字幕错字"}
    assert list(history.verify(session)) == []


def test_notes_are_listed_in_picture_order(
    session: Session, crew: Crew, in_review: Episode
) -> None:
    for timecode in ("00:10:00:00", "00:00:05:00", "00:02:00:12"):
        review_notes.add_note(
            session, crew.reviewer, in_review, NOW, picture=PAL, timecode=timecode, body="看这里"
        )
    listed = [format_timecode(n.frame, n.fps) for n in review_notes.notes_of(session, in_review)]
    assert listed == ["00:00:05:00", "00:02:00:12", "00:10:00:00"]


def test_who_may_not_act_at_the_stage_may_not_note(
    session: Session, crew: Crew, in_review: Episode
) -> None:
    for outsider in (crew.director, crew.producer, crew.final_approver):  # four eyes, roles
        with pytest.raises(Forbidden):
            review_notes.add_note(
                session, outsider, in_review, NOW, picture=PAL, timecode="00:00:01:00", body="x"
            )
    assert session.scalars(select(ReviewNote)).all() == []


def test_a_note_outside_a_review_or_on_another_version_or_past_the_end_is_refused(
    session: Session, crew: Crew, in_review: Episode, propose: Callable[..., Episode]
) -> None:
    with pytest.raises(IllegalAct):
        review_notes.add_note(
            session, crew.reviewer, propose(), NOW, picture=PAL, timecode="00:00:01:00", body="x"
        )
    stale = Picture(media_version=2, fps=25.0, frames=PAL.frames)
    with pytest.raises(InvalidInput, match="version"):
        review_notes.add_note(
            session, crew.reviewer, in_review, NOW, picture=stale, timecode="00:00:01:00", body="x"
        )
    with pytest.raises(InvalidInput, match="last frame 00:14:59:24"):
        review_notes.add_note(
            session, crew.reviewer, in_review, NOW, picture=PAL, timecode="00:15:00:00", body="x"
        )
    with pytest.raises(InvalidInput, match="empty"):
        review_notes.add_note(
            session, crew.reviewer, in_review, NOW, picture=PAL, timecode="00:00:01:00", body=" \t"
        )
    assert session.scalars(select(ReviewNote)).all() == []


def test_only_the_responsible_producer_resolves_a_note_once(
    session: Session, crew: Crew, in_review: Episode
) -> None:
    note = review_notes.add_note(
        session, crew.reviewer, in_review, NOW, picture=PAL, timecode="00:00:01:00", body="偏色"
    )
    with pytest.raises(Forbidden):
        review_notes.resolve(session, crew.director, in_review, note.id, NOW)
    with pytest.raises(NotFound):
        review_notes.resolve(session, crew.producer, in_review, note.id + 100, NOW)
    later = NOW + timedelta(hours=1)
    review_notes.resolve(session, crew.producer, in_review, note.id, later)
    review_notes.resolve(session, crew.producer, in_review, note.id, later + timedelta(hours=1))
    assert (note.resolved_at, note.resolved_by_id) == (later, crew.producer.id)
    assert review_notes.open_notes(session, in_review) == []
    resolutions = session.scalars(
        select(HistoryEntry).where(HistoryEntry.act == review_notes.RESOLVE)
    ).all()
    assert len(resolutions) == 1


def test_a_return_can_take_the_open_notes_as_its_reason_and_tells_them(
    session: Session, crew: Crew, in_review: Episode
) -> None:
    for timecode, body in (("00:05:00:00", "画面抖动"), ("00:01:00:10", "字幕错字")):
        review_notes.add_note(
            session, crew.reviewer, in_review, NOW, picture=PAL, timecode=timecode, body=body
        )
    reason = review_notes.as_reason(review_notes.open_notes(session, in_review))
    assert reason == "00:01:00:10 字幕错字\n00:05:00:00 画面抖动"
    workflow.return_for_changes(
        session, crew.reviewer, in_review, in_review.version, NOW, reason=reason
    )
    note = session.scalars(
        select(Notification).where(
            Notification.kind == "returned", Notification.person_id == crew.producer.id
        )
    ).one()
    assert note.reason == reason and "00:01:00:10 字幕错字" in note.message


def test_a_return_with_its_own_reason_lists_the_open_notes_too(
    session: Session, crew: Crew, in_review: Episode
) -> None:
    review_notes.add_note(
        session, crew.reviewer, in_review, NOW, picture=PAL, timecode="00:00:02:00", body="黑场"
    )
    workflow.return_for_changes(
        session, crew.reviewer, in_review, in_review.version, NOW, reason="请按意见修改"
    )
    note = session.scalars(
        select(Notification).where(
            Notification.kind == "returned", Notification.person_id == crew.director.id
        )
    ).one()
    assert note.params["notes"] == "00:00:02:00 黑场"
    assert note.message.endswith("请按意见修改\n审看意见：\n00:00:02:00 黑场")
