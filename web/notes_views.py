"""The episode page's review notes (审看意见): note the frame the player stopped on,
mark a note resolved, return the episode with its open notes as the reason.

Each view checks the form, calls one service of ``editorial.review_notes`` or
``editorial.workflow`` and redirects back to the notes (no resubmission on a
refresh); a refusal shows the page again with the message and what was typed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from editorial import review_notes, workflow
from editorial.errors import DomainError
from editorial.models import ReviewNote
from media.service import current_version
from web import errors, refusals
from web.auth import current_person
from web.db import request_session
from web.episodes import Page, episode_page, render_page, visible_episode
from web.forms import NoteForm, VersionForm
from web.media_panel import picture_of

bp = Blueprint("notes", __name__, url_prefix="/episodes")


@bp.app_template_global("note_timecode")
def note_timecode(note: ReviewNote) -> str:
    return review_notes.format_timecode(note.frame, note.fps)


@bp.app_template_global("note_seconds")
def note_seconds(note: ReviewNote) -> float:
    return round(review_notes.seconds_at(note.frame, note.fps), 6)


def _now() -> datetime:
    return datetime.now(UTC)


def _back(episode_id: int) -> BaseResponse:
    return redirect(url_for("episodes.show", episode_id=episode_id, _anchor="notes"), code=303)


def _again(episode_id: int, message: str, status: int, form: NoteForm | None = None) -> Page:
    session = request_session()
    session.rollback()
    page = episode_page(session, current_person(), episode_id)
    return render_page(page, status=status, media_message=message, note_form=form)


@bp.post("/<int:episode_id>/notes")
@login_required
def add(episode_id: int) -> Page | BaseResponse:
    session, viewer = request_session(), current_person()
    episode = visible_episode(session, viewer, episode_id)
    form = NoteForm()
    if not form.validate():
        first = next(iter(form.errors.values()))[0]
        return _again(episode_id, str(first), 422, form)
    picture = picture_of(current_version(session, episode))
    if picture is None:
        return _again(episode_id, refusals.said("no_probed_master"), 422, form)
    if form.media_version.data != picture.media_version:
        picture = review_notes.Picture(form.media_version.data or 0, picture.fps, picture.frames)
    try:
        review_notes.add_note(
            session,
            viewer,
            episode,
            _now(),
            picture=picture,
            timecode=form.timecode.data or "",
            body=form.body.data or "",
        )
    except DomainError as error:
        return _again(episode_id, errors.describe(error), errors.status_of(error), form)
    flash(str(_l("意见已记下")))
    return _back(episode_id)


@bp.post("/<int:episode_id>/notes/<int:note_id>/resolve")
@login_required
def resolve(episode_id: int, note_id: int) -> Page | BaseResponse:
    session, viewer = request_session(), current_person()
    episode = visible_episode(session, viewer, episode_id)
    try:  # (the CSRF token: checked for every POST by auth.csrf before any view)
        review_notes.resolve(session, viewer, episode, note_id, _now())
    except DomainError as error:
        return _again(episode_id, errors.describe(error), errors.status_of(error))
    return _back(episode_id)


@bp.post("/<int:episode_id>/notes/return")
@login_required
def return_with_notes(episode_id: int) -> Page | BaseResponse:
    """Return for changes (退回修改) with the open notes as the reason."""
    session, viewer = request_session(), current_person()
    episode = visible_episode(session, viewer, episode_id)
    form = VersionForm()
    if not form.validate():
        return _again(episode_id, str(_l("页面已过期，请刷新后再试")), 400)
    reason = review_notes.as_reason(review_notes.open_notes(session, episode))
    if not reason:
        return _again(episode_id, str(_l("没有未处理的意见，请在退回时填写理由")), 422)
    try:
        workflow.return_for_changes(
            session, viewer, episode, form.version.data or 0, _now(), reason=reason
        )
    except DomainError as error:
        return _again(episode_id, errors.describe(error), errors.status_of(error))
    flash(str(_l("已按未处理的意见退回修改")))
    return redirect(url_for("episodes.show", episode_id=episode_id), code=303)
