"""``/api/v1/episodes/<id>/media``: upload a master as the raw body, list the media versions.

The body is the file's bytes, streamed into the media folder's incoming folder
(``web.uploads``) up to ``TVCOLUMN_MEDIA_MAX_GIB``, then handed to
``media.service.add_media``, which checks it before anything is stored. Who may
upload, and the version, are checked before a byte is read.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask.wrappers import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.http import parse_options_header

from editorial import workflow
from editorial.errors import Conflict
from editorial.models import Episode
from editorial.workflow import Act
from media.errors import MediaError
from media.models import MediaJob, MediaVersion
from media.service import add_media
from web import uploads
from web.api import access, encode
from web.api.access import MAX_ID
from web.api.blueprint import bp
from web.api.schema import TEXT, Operation, Param, operation
from web.config import media_settings
from web.db import request_session
from web.media_panel import OUTPUTS, human_size

TAKES = ("application/octet-stream", "video/*", "application/mxf")


@bp.post("/episodes/<int:episode_id>/media")
@uploads.streamed
@operation(
    Operation(
        "Upload a master: the episode's next media version (上传成片)",
        tag="media",
        description="The body is the file itself (Content-Type video/…, application/mxf or "
        "application/octet-stream), up to the configured limit. Its editor-director or "
        "responsible producer may, while it is in production, under review, returned or "
        "approved. The file is probed and checked against the column's delivery "
        "specification before anything is stored: a file that is not a readable video, "
        "is cut off, empty or sound only is refused with 422 and `error` naming why; a "
        "stored file gets its QC report (pass or fail per rule) and its review material "
        "is queued. A new master after a sign-off sends the episode back to first review.",
        query=(
            Param(
                "version",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "the episode version you saw: a stale one is refused with 409 before the "
                "file is read",
                required=True,
            ),
            Param(
                "filename",
                {"type": "string", "maxLength": 255, "pattern": TEXT},
                "the file's name as reviewers see it; or send it as Content-Disposition: "
                "attachment; filename*=UTF-8''…; with neither, `episode-<id>`",
            ),
        ),
        upload=TAKES,
        ok=201,
        result=encode.ref("MediaUploaded"),
        errors=(403, 404, 409),
    )
)
def upload_media(episode_id: int, query: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    episode = access.visible_episode(session, person, episode_id)
    _check_type()
    name = query["filename"] or _disposition_name() or f"episode-{episode.id}"
    workflow.authorize(session, person, episode, Act.NEW_MEDIA)
    if episode.version != query["version"]:
        raise Conflict(
            f"episode {episode.id} is at version {episode.version}, not {query['version']}: "
            "someone acted since you looked; GET it and decide again",
            code="stale_version",
            seen=query["version"],
            current=episode.version,
        )
    settings = media_settings(current_app.config)
    try:
        path = uploads.current().receive_body(name)
    except RequestEntityTooLarge:
        raise RequestEntityTooLarge(
            f"the file is larger than the limit of {human_size(settings.max_bytes)} "
            "(TVCOLUMN_MEDIA_MAX_GIB); nothing was kept"
        ) from None
    try:
        version = add_media(
            session,
            person,
            episode,
            path,
            access.now(),
            settings,
            expected_version=query["version"],
            allowed=[settings.incoming],
            original_name=path.name,
        )
    except MediaError as refusal:
        raise uploads.without_paths(refusal, path) from None
    jobs = _jobs(session, [version])
    return encode.respond(
        {
            "media": _version(episode, version, jobs),
            "episode": encode.episode_detail(
                episode, workflow.available_acts(session, person, episode)
            ),
        },
        201,
        {"Location": url_for("api.list_media", episode_id=episode.id)},
    )


def _check_type() -> None:
    kind = request.mimetype
    if kind in ("application/octet-stream", "application/mxf") or kind.startswith("video/"):
        return
    raise UnsupportedMediaType(
        "send the file's bytes as the body, with Content-Type video/…, application/mxf "
        "or application/octet-stream"
    )


def _disposition_name() -> str | None:
    header = request.headers.get("Content-Disposition")
    if not header:
        return None
    _, options = parse_options_header(header)
    name = options.get("filename")
    return name[:255] if name else None


@bp.get("/episodes/<int:episode_id>/media")
@operation(
    Operation(
        "The episode's media versions, newest first, with their QC and the work on them",
        tag="media",
        description="Each version's QC report (pass or fail per rule, against the column's "
        "delivery specification) and its jobs: the review material (contact sheet and "
        "review proxy) and packaging, with their state, progress and the addresses of "
        "the files they made.",
        result=encode.ref("MediaList"),
        errors=(404,),
    )
)
def list_media(episode_id: int) -> Response:
    session = request_session()
    episode = access.visible_episode(session, access.caller(), episode_id)
    versions = list(
        session.scalars(
            select(MediaVersion)
            .where(MediaVersion.episode_id == episode.id)
            .options(joinedload(MediaVersion.uploaded_by))
            .order_by(MediaVersion.number.desc())
        )
    )
    jobs = _jobs(session, versions)
    return encode.respond(
        {
            "current": episode.media_version,
            "versions": [_version(episode, v, jobs) for v in versions],
        }
    )


def _jobs(session: Session, versions: list[MediaVersion]) -> list[MediaJob]:
    if not versions:
        return []
    return list(
        session.scalars(
            select(MediaJob)
            .where(MediaJob.media_version_id.in_([v.id for v in versions]))
            .order_by(MediaJob.requested_at.desc(), MediaJob.id.desc())
        )
    )


def _version(episode: Episode, version: MediaVersion, jobs: list[MediaJob]) -> dict[str, Any]:
    mine = [job for job in jobs if job.media_version_id == version.id]
    return encode.media_version(
        version,
        version.number == episode.media_version,
        [encode.media_job(job, _outputs(episode, job)) for job in mine],
    )


def _outputs(episode: Episode, job: MediaJob) -> dict[str, str]:
    """The addresses of the files a job made (served by the episode page's media routes,
    which take the same Bearer token)."""
    return {
        name: url_for("media.media_file", episode_id=episode.id, job_id=job.id, output=name)
        for name in (job.outputs or {})
        if name in OUTPUTS
    }
