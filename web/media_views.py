"""The episode page's media: upload a master (上传成片), ask for packaging (栏目包装),
follow the work on it, and see or download what the work made.

The upload is streamed into the media folder's incoming folder (``web.uploads``)
and handed to ``media.service.add_media``, which checks it before anything is
stored; the upload itself is removed when the request ends, whatever happened.
A refusal shows the page again with its sentence in the reader's language.
Files are served by the job and the name of the output, only to people who may
see the episode: never by a path the request names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from editorial.errors import Conflict, DomainError, Forbidden, IllegalAct, InvalidInput, NotFound
from editorial.models import Person
from media.errors import MediaError
from media.models import ACTIVE_JOB_STATES, JobKind, MediaJob
from media.service import add_media, current_version, request_job, retry_job
from web import errors, labels, uploads
from web.auth import current_person
from web.config import media_settings
from web.db import request_session
from web.episodes import Page, conflict_message, episode_page, render_page, visible_episode
from web.forms import MediaUploadForm, PackageForm
from web.media_panel import OUTPUTS, current_jobs, human_size

bp = Blueprint("media", __name__, url_prefix="/episodes")

REFUSED = (MediaError, Conflict, Forbidden, IllegalAct, InvalidInput)


def _now() -> datetime:
    return datetime.now(UTC)


def _back(episode_id: int) -> BaseResponse:
    return redirect(url_for("episodes.show", episode_id=episode_id, _anchor="media"), code=303)


def _refused(session: Session, viewer: Person, episode_id: int, error: DomainError) -> Page:
    """The episode page again, the refusal in the media panel; nothing was stored."""
    session.rollback()
    page = episode_page(session, viewer, episode_id)
    message = conflict_message(page) if isinstance(error, Conflict) else errors.describe(error)
    return render_page(page, status=errors.status_of(error), media_message=message)


def _form_refused(session: Session, viewer: Person, episode_id: int, form: Any) -> Page:
    session.rollback()
    page = episode_page(session, viewer, episode_id)
    problems = [str(text) for texts in form.errors.values() for text in texts]
    return render_page(
        page, status=422, media_message=str(errors.HEADLINE[InvalidInput]), upload_errors=problems
    )


@bp.post("/<int:episode_id>/media")
@uploads.streamed
@login_required
def upload(episode_id: int) -> Page | BaseResponse:
    session, viewer = request_session(), current_person()
    episode = visible_episode(session, viewer, episode_id)
    form = MediaUploadForm()
    if not form.validate():
        return _form_refused(session, viewer, episode_id, form)
    path = uploads.received(form.file.data)
    settings = media_settings(current_app.config)
    before = episode.state
    try:
        version = add_media(
            session,
            viewer,
            episode,
            path,
            _now(),
            settings,
            expected_version=int(form.version.data or 0),
            allowed=[settings.incoming],
            original_name=path.name,
        )
    except REFUSED as error:
        shown = uploads.without_paths(error, path) if isinstance(error, MediaError) else error
        return _refused(session, viewer, episode_id, shown)
    if version.qc_passed:
        flash(str(_l("媒体版本 %(n)s 已上传，技术质检通过", n=version.number)))
    else:
        flash(str(_l("媒体版本 %(n)s 已上传，技术质检未通过，请查看质检报告", n=version.number)))
    if episode.state is not before:
        flash(str(_l("已有签审的节目换了新的成片，审看从初审重新开始")))
    return _back(episode_id)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Page:
    """A master over the limit, refused before a byte of it is kept."""
    limit = human_size(uploads.upload_limit())
    message = str(
        _l(
            "文件超过了上传大小上限（%(limit)s），没有保存任何内容。请按播出技术要求重新导出后上传",
            limit=limit,
        )
    )
    episode_id = (request.view_args or {}).get("episode_id")
    if current_user.is_authenticated and isinstance(episode_id, int):
        try:
            page = episode_page(request_session(), current_person(), episode_id)
        except NotFound:
            pass
        else:
            return render_page(page, status=413, media_message=message)
    return render_template("error.html", status=413, message=message), 413


@bp.post("/<int:episode_id>/media/package")
@login_required
def package(episode_id: int) -> Page | BaseResponse:
    session, viewer = request_session(), current_person()
    episode = visible_episode(session, viewer, episode_id)
    form = PackageForm()
    if not form.validate():
        return _form_refused(session, viewer, episode_id, form)
    version = current_version(session, episode)
    try:
        if version is None or version.number != form.media_version.data:
            raise Conflict(
                f"the current media version of episode {episode.id} changed",
                code="media_version_changed",
            )
        request_job(
            session, viewer, version, JobKind.PACKAGE, _now(), media_settings(current_app.config)
        )
    except (MediaError, Conflict, Forbidden) as error:
        return _refused(session, viewer, episode_id, error)
    flash(str(_l("已开始栏目包装：媒体版本 %(n)s", n=version.number)))
    return _back(episode_id)


@bp.post("/<int:episode_id>/media/jobs/<int:job_id>/retry")
@login_required
def retry(episode_id: int, job_id: int) -> Page | BaseResponse:
    """Queue a failed job's work again (重试)."""
    session, viewer = request_session(), current_person()
    episode = visible_episode(session, viewer, episode_id)
    job = session.get(MediaJob, job_id)
    if job is None or job.media_version.episode_id != episode.id:
        abort(404)
    try:
        again = retry_job(session, viewer, job, _now(), media_settings(current_app.config))
    except (MediaError, Forbidden) as error:
        return _refused(session, viewer, episode_id, error)
    flash(str(_l("已重新安排：%(kind)s", kind=labels.JOB_KIND[again.kind])))
    return _back(episode_id)


def job_json(episode_id: int, job: MediaJob) -> dict[str, Any]:
    """A job as the page's progress script reads it, labels in the page's language."""
    outputs = {
        name: url_for("media.media_file", episode_id=episode_id, job_id=job.id, output=name)
        for name in (job.outputs or {})
        if name in OUTPUTS
    }
    step = labels.JOB_STEP.get(job.step)
    return {
        "id": job.id,
        "kind": job.kind.value,
        "kind_label": str(labels.JOB_KIND[job.kind]),
        "state": job.state.value,
        "state_label": str(labels.JOB_STATE[job.state]),
        "step": job.step,
        "step_label": str(step) if step else "",
        "progress": job.progress,
        "percent": round(job.progress * 100),
        "error": job.error,
        "outputs": outputs,
    }


@bp.get("/<int:episode_id>/media/jobs.json")
@login_required
def jobs(episode_id: int) -> Response:
    """The work on the current media version, for the page's progress bar."""
    session = request_session()
    episode = visible_episode(session, current_person(), episode_id)
    version = current_version(session, episode)
    found = current_jobs(session, version) if version is not None else []
    response = jsonify(
        {
            "media_version": episode.media_version,
            "active": any(job.state in ACTIVE_JOB_STATES for job in found),
            "jobs": [job_json(episode.id, job) for job in found],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(
    "/<int:episode_id>/media/jobs/<int:job_id>/<any(contact_sheet, proxy, poster, packaged):output>"
)
@login_required
def media_file(episode_id: int, job_id: int, output: str) -> Response:
    """A file a job made (contact sheet, review proxy, its poster frame, packaged master), to
    those who may see the episode: Range requests work, so the player can seek."""
    session = request_session()
    episode = visible_episode(session, current_person(), episode_id)
    job = session.get(MediaJob, job_id)
    if job is None or job.media_version.episode_id != episode.id:
        raise NotFound("no such media file")
    relative = (job.outputs or {}).get(output)
    root = media_settings(current_app.config).root.resolve()
    path = (root / relative).resolve() if relative else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise NotFound("no such media file")
    packaged = output == "packaged"
    name = (
        f"{episode.title}-v{job.media_version.number}-{labels.JOB_STEP[output]}{path.suffix}"
        if packaged
        else path.name
    )
    response = send_file(path, conditional=True, download_name=name, as_attachment=packaged)
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def file_url(episode_id: int, job: MediaJob, output: str) -> str | None:
    """The address of a job's output, if it made it."""
    if output not in (job.outputs or {}):
        return None
    return url_for("media.media_file", episode_id=episode_id, job_id=job.id, output=output)


@bp.app_template_global("media_file_url")
def _media_file_url(episode_id: int, job: MediaJob, output: str) -> str | None:
    return file_url(episode_id, job, output)
