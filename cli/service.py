"""``tvcolumn scheduler run``: the APScheduler service, in its own process.

The application factory is used for its configuration only; nothing here
starts inside the web application (docs/decisions/0001).
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import migrations
from editorial.db import make_engine
from editorial.workdays import SHANGHAI
from media import queue as media_queue
from scheduler import runs
from scheduler.models import SchedulerRun
from web.config import delivery_settings, media_settings


@click.group("scheduler")
def scheduler_group() -> None:
    """The scheduler service (see docs/decisions/0001)."""


def _require_migrated(engine: Engine) -> None:
    head = ScriptDirectory.from_config(migrations.alembic_config(engine)).get_current_head()
    current = migrations.current(engine)
    if current != head:
        raise click.ClickException(
            f"the database is at {current or 'base (empty)'}, this version needs {head}: "
            "run `tvcolumn db upgrade` first"
        )


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # APScheduler logs every job added and two lines per run; the service logs what matters.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    for name in ("sqlalchemy", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


@scheduler_group.command("run")
@click.option(
    "--poll-seconds",
    type=click.IntRange(1, 3600),
    default=30,
    show_default=True,
    help="how often to look for approvals and slot changes, publish, mark aired, remind "
    "and deliver notifications",
)
@click.option("-v", "--verbose", is_flag=True, help="also log runs that changed nothing")
@with_appcontext
def scheduler_run(poll_seconds: int, verbose: bool) -> None:
    """Run the scheduler service; a second one waits as standby and takes over."""
    from scheduler import service  # APScheduler is imported by this command only

    url = current_app.config["DATABASE_URL"]
    engine = make_engine(url)
    try:
        _require_migrated(engine)
    finally:
        engine.dispose()
    _configure_logging(verbose)
    delivery = delivery_settings(current_app.config)
    if delivery.mails and not delivery.public_url:
        logging.getLogger(__name__).warning(
            "TVCOLUMN_SMTP_URL is set but TVCOLUMN_PUBLIC_URL is not: mails carry no link"
        )
    media = media_settings(current_app.config)
    if media.queue == media_queue.Engine.PROCRASTINATE:
        logging.getLogger(__name__).info(
            "media jobs are done by media workers (tvcolumn media worker), not by this service"
        )
    service.run(
        url,
        poll_seconds=poll_seconds,
        feeds_dir=Path(current_app.config["FEEDS_DIR"]),
        # On procrastinate, media workers take the jobs; the service starts none.
        media_dir=media.root if media.queue == media_queue.Engine.SERVICE else None,
        delivery=delivery,
    )


@scheduler_group.command("jobs")
@with_appcontext
def scheduler_jobs() -> None:
    """List the persisted jobs, their next run (Asia/Shanghai) and their last run."""
    from scheduler import service  # APScheduler: loaded by this command only

    engine = make_engine(current_app.config["DATABASE_URL"])
    try:
        _require_migrated(engine)
        found = service.persisted_jobs(engine)
        last = _last_runs(engine)
    finally:
        engine.dispose()
    if not found:
        click.echo("no jobs stored yet: start `tvcolumn scheduler run`")
    for job in found:
        next_run = _local(job.next_run_time) if job.next_run_time else "paused"
        grace = "none" if job.misfire_grace_time is None else f"{job.misfire_grace_time}s"
        click.echo(
            f"{job.id:<18} next {next_run}  {job.trigger:<28} grace {grace:<5} "
            + _last_run(last.get(job.id))
        )


def _last_run(run: SchedulerRun | None) -> str:
    if run is None:
        return "never run"
    changed = f" ({run.result} changed)" if run.result else ""
    detail = f": {run.detail.splitlines()[0][:120]}" if run.detail else ""
    return f"last {_local(run.fire_time)} {run.status.value}{changed}{detail}"


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"


def _last_runs(engine: Engine) -> dict[str, SchedulerRun]:
    with Session(engine, expire_on_commit=False) as session:
        return runs.last_runs(session)
