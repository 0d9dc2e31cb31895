"""``tvcolumn media …``: masters (上传成片), review material, packaging (栏目包装).

Thin like the rest of the CLI: parse, look up, call one service, commit once.
``media work`` does queued jobs in this process, printing progress, for a
machine without the scheduler service (which otherwise does them).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command
from editorial import people
from media import jobs, queue
from media.models import JobKind, JobState, MediaJob, MediaVersion
from media.service import add_media, current_version, request_job, retry_job, set_packaging
from web.config import media_settings
from web.db import session_factory


@click.group()
def media() -> None:
    """Episode media (成片): upload, QC, review material, packaging."""


@media.command("add")
@click.argument("episode_id", type=int)
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "actor", required=True, help="username of the acting person")
@click.option("--expect-version", type=int, default=None)
@domain_command
def media_add(
    session: Session, episode_id: int, source: Path, actor: str, expect_version: int | None
) -> None:
    """Add SOURCE as the episode's next media version.

    SOURCE must lie in one of the folders of TVCOLUMN_MEDIA_IMPORT_DIRS.
    """
    settings = media_settings(current_app.config)
    episode = people.get_episode(session, episode_id)
    version = add_media(
        session,
        people.get_person(session, actor),
        episode,
        source,
        common.now(),
        settings,
        expected_version=episode.version if expect_version is None else expect_version,
        allowed=settings.import_dirs,
    )
    click.echo(
        f"episode {episode.id}: media version {version.number} stored "
        f"({version.size_bytes} bytes, sha256 {version.sha256[:12]}…); "
        f"episode is now {episode.state.value} (version {episode.version})"
    )
    _print_qc(version)
    click.echo("review material queued: the scheduler service (or `tvcolumn media work`) makes it")


@media.command("status")
@click.argument("episode_id", type=int)
@domain_command
def media_status(session: Session, episode_id: int) -> None:
    """The episode's media versions, their QC and their jobs' progress."""
    episode = people.get_episode(session, episode_id)
    versions = session.scalars(
        select(MediaVersion)
        .where(MediaVersion.episode_id == episode.id)
        .order_by(MediaVersion.number)
    ).all()
    if not versions:
        click.echo(f"episode {episode.id} has no media yet")
        return
    for version in versions:
        mark = " (current)" if version.number == episode.media_version else ""
        click.echo(
            f"version {version.number}{mark}: {version.original_name}, "
            f"uploaded {version.uploaded_at:%Y-%m-%d %H:%M} UTC by {version.uploaded_by.username}"
        )
        _print_qc(version)
        for job in session.scalars(
            select(MediaJob).where(MediaJob.media_version_id == version.id).order_by(MediaJob.id)
        ):
            click.echo(f"  {_job_line(job)}")
            for line in _job_log(job):
                click.echo(f"    {line}")


@media.command("package")
@click.argument("episode_id", type=int)
@click.option("--as", "actor", required=True, help="username of the acting person")
@domain_command
def media_package(session: Session, episode_id: int, actor: str) -> None:
    """Queue the broadcast master with the column's opening and closing (栏目包装)."""
    episode = people.get_episode(session, episode_id)
    version = current_version(session, episode)
    if version is None:
        raise click.ClickException(f"episode {episode.id} has no media to package")
    job = request_job(
        session,
        people.get_person(session, actor),
        version,
        JobKind.PACKAGE,
        common.now(),
        media_settings(current_app.config),
    )
    click.echo(f"packaging job {job.id} {job.state.value}")


@media.command("retry")
@click.argument("job_id", type=int)
@click.option("--as", "actor", required=True, help="username of the acting person")
@domain_command
def media_retry(session: Session, job_id: int, actor: str) -> None:
    """Queue a failed media job's work again (重试) on the same media version."""
    job = session.get(MediaJob, job_id)
    if job is None:
        raise click.ClickException(f"no media job {job_id}")
    again = retry_job(
        session,
        people.get_person(session, actor),
        job,
        common.now(),
        media_settings(current_app.config),
    )
    click.echo(f"{again.kind.value} job {again.id} {again.state.value} (retrying job {job.id})")


@media.command("packaging")
@click.argument("column_slug")
@click.option("--opening", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--closing", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as", "actor", required=True, help="username of the column's administrator")
@domain_command
def media_packaging(
    session: Session, column_slug: str, opening: Path, closing: Path, actor: str
) -> None:
    """Set the column's opening and closing clips (片头、片尾)."""
    settings = media_settings(current_app.config)
    column = people.get_column(session, column_slug)
    set_packaging(
        session,
        people.get_person(session, actor),
        column,
        opening,
        closing,
        common.now(),
        settings,
        allowed=settings.import_dirs,
    )
    click.echo(f"column {column.slug}: opening and closing clips stored")


@media.command("work")
@click.option("--job", "job_id", type=int, default=None, help="only this queued job")
@with_appcontext
def media_work(job_id: int | None) -> None:
    """Do queued media jobs here, printing progress (otherwise the scheduler service does
    them on SQLite, media workers on PostgreSQL)."""
    factory = session_factory()
    root = media_settings(current_app.config).root
    with factory() as session:
        query = select(MediaJob.id).where(MediaJob.state == JobState.QUEUED)
        if job_id is not None:
            query = query.where(MediaJob.id == job_id)
        queued = session.scalars(query.order_by(MediaJob.requested_at, MediaJob.id)).all()
    if not queued:
        click.echo("no queued media jobs")
        return
    failed = 0
    for queued_id in queued:
        shown: list[str] = []

        def report(
            step: str, fraction: float, _shown: list[str] = shown, _id: int = queued_id
        ) -> None:
            line = f"job {_id}: {step} {fraction:4.0%}"
            if not _shown or _shown[-1] != line:
                _shown.append(line)
                click.echo(line, err=True)

        outcome = jobs.run(factory, queued_id, root, common.now, report)
        if outcome is None:
            click.echo(f"job {queued_id}: taken by another worker")
        elif outcome.state is JobState.DONE:
            made = ", ".join(f"{k} {root / v}" for k, v in outcome.outputs.items())
            click.echo(f"job {queued_id}: done: {made}")
        else:
            failed += 1
            click.echo(f"job {queued_id}: failed: {outcome.error}")
    if failed:
        raise click.exceptions.Exit(1)


@media.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="renders at once on this machine (one per two cores)",
)
@click.option(
    "--heartbeat",
    "heartbeat_s",
    type=click.FloatRange(0.1, 3600),
    default=10.0,
    show_default=True,
    help="seconds between this worker's heartbeats",
)
@click.option(
    "--lease",
    "lease_s",
    type=click.FloatRange(1, 86400),
    default=60.0,
    show_default=True,
    help="seconds of silence after which a worker's job is given to another",
)
@click.option(
    "--reconnect-max",
    "reconnect_max_s",
    type=click.FloatRange(0.1, 3600),
    default=30.0,
    show_default=True,
    help="longest wait between tries to reach the database",
)
@click.option("--name", default=None, help="this worker's name in logs (default: host:pid)")
@with_appcontext
def media_worker(
    concurrency: int, heartbeat_s: float, lease_s: float, reconnect_max_s: float, name: str | None
) -> None:
    """Take media jobs from the database until stopped (PostgreSQL; run any number, on any
    machine that reaches the database and the shared media folder)."""
    settings = media_settings(current_app.config)
    if settings.queue != queue.Engine.PROCRASTINATE:
        raise click.ClickException(
            "media workers take jobs from PostgreSQL "
            "(TVCOLUMN_DATABASE_URL=postgresql+psycopg://…): "
            "on SQLite the scheduler service does the media jobs (tvcolumn scheduler run), "
            "or `tvcolumn media work` does them here"
        )
    if lease_s <= 2 * heartbeat_s:
        raise click.BadParameter(
            f"the lease ({lease_s:g} s) must be more than two heartbeats ({heartbeat_s:g} s)",
            param_hint="--lease",
        )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    queue.run_worker(
        queue.WorkerSettings(
            database_url=current_app.config["DATABASE_URL"],
            root=settings.root,
            concurrency=concurrency,
            heartbeat_s=heartbeat_s,
            lease_s=lease_s,
            reconnect_max_s=reconnect_max_s,
            name=name,
        )
    )


def _print_qc(version: MediaVersion) -> None:
    verdict = "passed" if version.qc_passed else "FAILED"
    click.echo(f"  QC {verdict}:")
    for rule in (version.qc or {}).get("rules", []):
        mark = "ok  " if rule["passed"] else "FAIL"
        click.echo(f"    {mark} {rule['label']}: {rule['measured']} (expected {rule['expected']})")


def _job_log(job: MediaJob) -> list[str]:
    """The job's log (what it chose and why), a line each, as the worker wrote it."""
    return [f"log: {line}" for line in (job.log or "").splitlines() if line.strip()]


def _job_line(job: MediaJob) -> str:
    what = "review material" if job.kind is JobKind.REVIEW else "packaging"
    line = f"{what} job {job.id}: {job.state.value}"
    if job.state is JobState.RUNNING:
        line += f", {job.step or 'starting'} {job.progress:.0%}"
        if job.worker:
            line += f" on {job.worker}"
    if job.attempt > 1:
        line += f" (attempt {job.attempt})"
    if job.error:
        line += f": {job.error}"
    if job.outputs:
        line += " → " + ", ".join(job.outputs.values())
    return line
