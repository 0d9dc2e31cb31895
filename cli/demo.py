"""``tvcolumn demo load``: the demo columns, people, episodes, schedule, feeds, media and
liaison data, loaded package by package."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy.orm import Session

from calendars import demo as calendars_demo
from calendars import ledger
from cli import common
from cli.common import domain_command
from editorial import demo as editorial_demo
from liaison import demo as liaison_demo
from media import demo as media_demo
from schedule import demo as schedule_demo
from station import demo as station_demo
from web.config import media_settings


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@domain_command
def demo_load(session: Session) -> None:
    """Load the demo columns, people and episodes (does nothing if they are there)."""
    now = common.now()
    loaded = editorial_demo.load(session, now)
    if loaded:
        click.echo(f"demo loaded: {loaded.summary()}")
    else:
        click.echo("demo data already present; nothing added")
    slots_added = schedule_demo.load(session, now)
    if slots_added:
        click.echo(f"schedule demo: {slots_added} slots added and the air schedule built")
    imported = calendars_demo.load(session, now, Path(current_app.config["INSTANCE_PATH"]) / "demo")
    if imported:
        click.echo(f"feeds demo: a county feed imported ({imported} airings) and the feeds synced")
    media = media_demo.load(
        session,
        now,
        media_settings(current_app.config),
        Path(current_app.config["INSTANCE_PATH"]) / "demo" / "media",
    )
    if media:
        click.echo(
            f"media demo: episode {media.episode_id} has a master (QC "
            f"{'passed' if media.qc_passed else 'not passed'}) and its review material is "
            "queued; the column has its opening and closing"
        )
    asrun = station_demo.load(session, now, Path(current_app.config["INSTANCE_PATH"]) / "demo")
    if asrun:
        s = asrun.summary
        click.echo(
            f"as-run demo: last week's log of the city channel ({asrun.file.name}, GB18030) "
            f"imported: {s.confirmed} confirmed, {s.late} late, {s.missing} missing, "
            f"{s.unplanned} rows of the station's own"
        )
    priorities = liaison_demo.load(session, now)
    ledger.sync(session, now)  # the feeds show what the packages loaded (the liaison feed too)
    if priorities:
        click.echo(
            f"liaison demo: this quarter's meeting, {priorities} reporting priorities with "
            "targets for every column, and the liaison feed synced"
        )
