"""「立即编排」 on the web: a scheduler (编排) or admin sees what rebuilding the schedule now
would change (new, moved and cancelled airings, the episodes that would stay
unscheduled), computed by the real builder without writing (``schedule.rebuild``),
then applies it. The form carries the preview's inputs fingerprint and digest: a
preview gone stale is refused (409) and shown afresh, never applied."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from editorial.errors import Conflict
from liaison import planning
from schedule import rebuild
from scheduler import jobs
from web import errors, schedule_reasons
from web.auth import current_person
from web.db import request_session
from web.schedule_views import KIND, REASON, STATUS

bp = Blueprint("rebuild", __name__, url_prefix="/schedule/rebuild")


def _now() -> datetime:
    return datetime.now(UTC)


def _page(shown: rebuild.Preview | None, error: str = "", status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "schedule/rebuild.html",
            shown=shown,
            error=error,
            KIND=KIND,
            STATUS=STATUS,
            REASON=REASON,
            said=schedule_reasons.said,
        ),
        status,
    )


def _preview() -> rebuild.Preview:
    session = request_session()
    now = _now()
    return rebuild.preview(
        session,
        current_person(),
        now,
        jobs.inputs_fingerprint(session),
        planning.build_settings(session, now),
    )


@bp.get("/")
@login_required
def preview() -> tuple[str, int]:
    """What a rebuild now would change; nothing is written."""
    return _page(_preview())


@bp.post("/")
@login_required
def apply() -> Response | tuple[str, int, dict[str, str]] | tuple[str, int]:
    """Apply the preview the form was made from, or refuse and show a fresh one."""
    session = request_session()
    now = _now()
    shown = (request.form.get("fingerprint", ""), request.form.get("digest", ""))
    try:
        done = rebuild.apply(
            session,
            current_person(),
            now,
            jobs.inputs_fingerprint(session),
            shown,
            planning.build_settings(session, now),
        )
    except Conflict as error:
        session.rollback()
        if error.code == "rebuild_running":
            page, status = _page(None, errors.describe(error), 409)
            return page, status, {"Retry-After": str(rebuild.RETRY_AFTER_S)}
        return _page(_preview(), errors.describe(error), 409)
    flash(
        _(
            "已按预览重新编排：新排 %(new)d 次，改期 %(moved)d 次，取消 %(cancelled)d 次。",
            new=len(done.new),
            moved=len(done.moved),
            cancelled=len(done.cancelled),
        )
    )
    return redirect(url_for("schedule.report"))
