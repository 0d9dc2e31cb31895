"""Review notes on the picture (审看意见): a note at one frame of the master under review.

A timecode is ``HH:MM:SS:FF`` counted at the master's nominal frame rate (25 for
25 fps, 30 for 29.97 — non-drop-frame, as playout and edit suites show it), so a
note names the exact frame the reviewer stopped on. The caller passes the
master's frame rate and length (from its probe: ``media`` lies above this
package), and ``now``.

Whoever may act at the episode's current review stage (sign it or return it,
four eyes included) may add notes; the responsible producer marks them resolved.
Notes belong to the media version and review round they were made on; each
note and each resolution is recorded in the episode's history.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import history
from editorial.errors import Forbidden, IllegalAct, InvalidInput, NotFound
from editorial.models import Episode, Person, ReviewNote, Role
from editorial.permissions import Act, authorize, roles_in
from editorial.text import visible_text
from editorial.workdays import REVIEW_STAGE

NOTE = "review_note"  # the history act of a note
RESOLVE = "resolve_note"  # … and of its resolution
MAX_BODY = 2000
TIMECODE = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d)[:;](\d{2})$")


def nominal_rate(fps: float) -> int:
    """Frames counted per timecode second: 25 for 25 fps, 30 for 29.97, 24 for 23.976."""
    if not fps > 0:
        raise InvalidInput(
            f"frame rate {fps} is not positive", {"fps": "positive"}, code="frame_rate_unknown"
        )
    return max(1, round(fps))


def parse_timecode(text: str, fps: float) -> int:
    """The frame number ``HH:MM:SS:FF`` names at ``fps``, or InvalidInput saying why."""
    found = TIMECODE.match(text.strip())
    if found is None:
        raise InvalidInput(
            f"timecode {text!r} is not HH:MM:SS:FF",
            {"timecode": "format HH:MM:SS:FF"},
            code="timecode_format",
        )
    hours, minutes, seconds, frames = (int(part) for part in found.groups())
    rate = nominal_rate(fps)
    if frames >= rate:
        raise InvalidInput(
            f"timecode {text!r} has frame {frames}, a second has {rate} frames (00–{rate - 1})",
            {"timecode": "frame out of range"},
            code="timecode_frame_out_of_range",
            rate=rate,
            last_frame=rate - 1,
        )
    return ((hours * 60 + minutes) * 60 + seconds) * rate + frames


def format_timecode(frame: int, fps: float) -> str:
    rate = nominal_rate(fps)
    seconds, frames = divmod(frame, rate)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


def seconds_at(frame: int, fps: float) -> float:
    """Where the player seeks to show ``frame``: the middle of the frame, at the real rate."""
    return (frame + 0.5) / fps


@dataclass(frozen=True)
class Picture:
    """The master under review as its probe describes it."""

    media_version: int
    fps: float
    frames: int  # how many frames it has (duration × fps, rounded down)


def add_note(
    session: Session,
    actor: Person,
    episode: Episode,
    now: datetime,
    *,
    picture: Picture,
    timecode: str,
    body: str,
) -> ReviewNote:
    """Add a note at ``timecode`` of the master under review."""
    if episode.state not in REVIEW_STAGE:
        raise IllegalAct(
            f"episode {episode.id} is not in review: notes go with a review",
            code="notes_need_review",
        )
    authorize(session, actor, episode, Act.RETURN)  # may act at this stage (four eyes)
    if episode.media_version != picture.media_version:
        raise InvalidInput(
            f"the episode is under review on media version {episode.media_version}, "
            f"not {picture.media_version}: reload the page",
            {"media_version": "not the version under review"},
            code="note_on_old_version",
        )
    frame = parse_timecode(timecode, picture.fps)
    if frame >= picture.frames:
        last = format_timecode(max(picture.frames - 1, 0), picture.fps)
        raise InvalidInput(
            f"timecode {timecode} is past the end of the master (last frame {last})",
            {"timecode": "past the end"},
            code="timecode_past_end",
            last=last,
        )
    text = visible_text(body)
    if not text:
        raise InvalidInput("a note cannot be empty", {"body": "required"}, code="note_empty")
    if len(text) > MAX_BODY:
        raise InvalidInput(
            f"a note has at most {MAX_BODY} characters",
            {"body": "too long"},
            code="note_too_long",
            most=MAX_BODY,
        )
    note = ReviewNote(
        episode_id=episode.id,
        media_version=picture.media_version,
        review_round=episode.review_round,
        stage=REVIEW_STAGE[episode.state],
        frame=frame,
        fps=picture.fps,
        body=text,
        author_id=actor.id,
        created_at=now,
    )
    session.add(note)
    session.flush()
    history.record(
        session,
        episode,
        act=NOTE,
        actor=actor,
        role=None,
        now=now,
        from_state=episode.state,
        details={"note_id": note.id, "timecode": format_timecode(frame, picture.fps), "body": text},
    )
    session.flush()
    return note


def resolve(
    session: Session, actor: Person, episode: Episode, note_id: int, now: datetime
) -> ReviewNote:
    """The responsible producer marks a note resolved (已处理); once."""
    note = _note_of(session, episode, note_id)
    if episode.responsible_producer_id != actor.id or Role.PRODUCER not in roles_in(
        session, actor, episode.column_id
    ):
        raise Forbidden(
            f"only the responsible producer ({episode.responsible_producer.username}) "
            "marks notes resolved",
            code="not_responsible_producer",
            producer=episode.responsible_producer.display_name,
        )
    if note.resolved_at is not None:
        return note
    note.resolved_at, note.resolved_by_id = now, actor.id
    session.flush()
    history.record(
        session,
        episode,
        act=RESOLVE,
        actor=actor,
        role=Role.PRODUCER.value,
        now=now,
        from_state=episode.state,
        details={"note_id": note.id},
    )
    session.flush()
    return note


def notes_of(
    session: Session, episode: Episode, *, media_version: int | None = None
) -> list[ReviewNote]:
    """The episode's notes in picture order (of one media version when given)."""
    query = select(ReviewNote).where(ReviewNote.episode_id == episode.id)
    if media_version is not None:
        query = query.where(ReviewNote.media_version == media_version)
    query = query.order_by(ReviewNote.media_version, ReviewNote.frame, ReviewNote.id)
    return list(session.scalars(query))


def open_notes(session: Session, episode: Episode) -> list[ReviewNote]:
    """The notes nobody resolved yet, in picture order."""
    return [n for n in notes_of(session, episode) if n.resolved_at is None]


def as_reason(notes: Sequence[ReviewNote]) -> str:
    """The open notes as the reason of a return: one line per note, in picture order."""
    return "\n".join(f"{format_timecode(n.frame, n.fps)} {n.body}" for n in notes)


def _note_of(session: Session, episode: Episode, note_id: int) -> ReviewNote:
    note = session.get(ReviewNote, note_id)
    if note is None or note.episode_id != episode.id:
        raise NotFound(f"episode {episode.id} has no note {note_id}")
    return note
