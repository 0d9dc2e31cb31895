"""``/api/v1/episodes/<id>/notes``: review notes at a frame of the master under review.

Views stay thin: check the request's shape, look up what it names, call one
service of ``editorial.review_notes``, answer. The master's frame rate and
length come from its probe (``web.media_panel.picture_of``).
"""

from __future__ import annotations

from typing import Any

from flask.wrappers import Response
from sqlalchemy.orm import Session

from editorial import review_notes
from editorial.errors import InvalidInput
from editorial.models import Episode
from editorial.review_notes import Picture
from media.service import current_version
from web.api import access, encode
from web.api.access import MAX_ID
from web.api.blueprint import bp
from web.api.schema import NON_BLANK, Operation, Param, Schema, operation
from web.db import request_session
from web.media_panel import picture_of

NOTE_BODY: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["timecode", "body", "media_version"],
    "properties": {
        "timecode": {
            "type": "string",
            "pattern": r"^\d{2}:[0-5]\d:[0-5]\d[:;]\d{2}$",
            "description": "HH:MM:SS:FF at the master's nominal frame rate (non-drop-frame)",
        },
        "body": {
            "type": "string",
            "minLength": 1,
            "maxLength": review_notes.MAX_BODY,
            "pattern": NON_BLANK,
            "description": "the note; not only white space (trimmed)",
        },
        "media_version": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "the media version you watched (the one under review)",
        },
    },
}


def _picture(session: Session, episode: Episode) -> Picture:
    picture = picture_of(current_version(session, episode))
    if picture is None:
        raise InvalidInput(
            f"episode {episode.id} has no master with a readable frame rate to note on",
            {"media_version": "no probed master"},
            code="no_probed_master",
        )
    return picture


@bp.get("/episodes/<int:episode_id>/notes")
@operation(
    Operation(
        "The episode's review notes in picture order (审看意见)",
        tag="review notes",
        query=(
            Param(
                "media_version",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "only the notes on this media version",
            ),
        ),
        result=encode.obj({"items": encode.array(encode.ref("ReviewNote"))}),
        errors=(404,),
    )
)
def episode_notes(episode_id: int, query: dict[str, Any]) -> Response:
    session = request_session()
    episode = access.visible_episode(session, access.caller(), episode_id)
    notes = review_notes.notes_of(session, episode, media_version=query["media_version"])
    return encode.respond({"items": [encode.review_note(n) for n in notes]})


@bp.post("/episodes/<int:episode_id>/notes")
@operation(
    Operation(
        "Note a frame of the master under review",
        tag="review notes",
        description="Whoever may act at the episode's current review stage (sign it or "
        "return it; four eyes) may. The timecode must lie inside the master.",
        body=NOTE_BODY,
        ok=201,
        result=encode.ref("ReviewNote"),
        errors=(403, 404, 409),
    )
)
def add_note(episode_id: int, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    episode = access.visible_episode(session, person, episode_id)
    picture = _picture(session, episode)
    if body["media_version"] != picture.media_version:
        picture = Picture(body["media_version"], picture.fps, picture.frames)
    note = review_notes.add_note(
        session,
        person,
        episode,
        access.now(),
        picture=picture,
        timecode=body["timecode"],
        body=body["body"],
    )
    return encode.respond(encode.review_note(note), 201)


@bp.post("/episodes/<int:episode_id>/notes/<int:note_id>/resolve")
@operation(
    Operation(
        "Mark a review note resolved (已处理)",
        tag="review notes",
        description="The responsible producer may; a resolved note stays resolved.",
        result=encode.ref("ReviewNote"),
        errors=(403, 404),
    )
)
def resolve_note(episode_id: int, note_id: int) -> Response:
    session = request_session()
    person = access.caller()
    episode = access.visible_episode(session, person, episode_id)
    note = review_notes.resolve(session, person, episode, note_id, access.now())
    return encode.respond(encode.review_note(note))
