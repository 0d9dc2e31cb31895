"""``tvcolumn feeds sources …``, ``feeds import`` and ``feeds clashes``: the county
columns' own feeds (县级栏目自有日历), their import by hand and the clash report."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from calendars import clashes as clash_report
from calendars import importer
from calendars.models import FeedSource
from cli import common
from cli.common import domain_command, table
from editorial import people
from editorial.errors import DomainError
from editorial.workdays import SHANGHAI
from web.db import unit_of_work

KIND = {clash_report.ClashKind.EXCHANGE: "交流重播", clash_report.ClashKind.RELAY: "转播冲突"}


@click.group("sources")
def sources() -> None:
    """County feed sources (县级栏目日历源): register, list, enable, disable."""


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if moment else "-"


def _counts(source: FeedSource) -> str:
    if not source.last_report:
        return ""
    report = json.loads(source.last_report)
    return f"{report['taken']} 条, {report['flagged_count']} 标记, {report['skipped_count']} 跳过"


@sources.command("add")
@click.argument("column_slug", metavar="COLUMN")
@click.argument("name")
@click.argument("location")
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@domain_command
def sources_add(session: Session, column_slug: str, name: str, location: str, actor: str) -> None:
    """Register LOCATION (an http(s) URL or an absolute file path) as a feed of COLUMN."""
    source = importer.add_source(
        session,
        people.get_person(session, actor),
        people.get_column(session, column_slug),
        name,
        location,
        common.now(),
    )
    click.echo(f"feed source {source.id} ({source.name}) registered for {column_slug}")


@sources.command("list")
@click.option("--column", "column_slug", default=None, help="only this column (slug)")
@domain_command
def sources_list(session: Session, column_slug: str | None) -> None:
    """List the feed sources with their last good import and their last error."""
    column = people.get_column(session, column_slug) if column_slug else None
    found = importer.list_sources(session, column)
    if not found:
        click.echo("no feed sources (add one with `tvcolumn feeds sources add`)")
        return
    rows = [
        [
            str(s.id),
            s.column.slug,
            s.name,
            "启用" if s.active else "停用",
            _when(s.last_success_at),
            _counts(s),
            _when(s.last_error_at),
            s.last_error,
        ]
        for s in found
    ]
    header = ["id", "column", "name", "状态", "last success", "taken", "last error at", "error"]
    for line in table(header, rows):
        click.echo(line)
    for s in found:
        click.echo(f"  {s.id}: {s.location}")


def _set_active(session: Session, source: str, actor: str, active: bool) -> None:
    found = importer.set_source_active(
        session,
        people.get_person(session, actor),
        importer.get_source(session, source),
        active,
        common.now(),
    )
    click.echo(f"feed source {found.id} ({found.name}) {'enabled' if active else 'disabled'}")


@sources.command("enable")
@click.argument("source")
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@domain_command
def sources_enable(session: Session, source: str, actor: str) -> None:
    """Enable SOURCE (id or name): the hourly import takes it again."""
    _set_active(session, source, actor, True)


@sources.command("disable")
@click.argument("source")
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@domain_command
def sources_disable(session: Session, source: str, actor: str) -> None:
    """Disable SOURCE (id or name): left out of the hourly import and of the clash report."""
    _set_active(session, source, actor, False)


@click.command("import")
@click.argument("source", required=False)
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="read this file instead of fetching the source (needs SOURCE)",
)
@click.option("--charset", default=None, help="the character set of --file (default UTF-8)")
@with_appcontext
def feeds_import(source: str | None, file: Path | None, charset: str | None) -> None:
    """Import SOURCE (id or name), or every active source, and say what was taken,
    flagged and skipped, and why. Exits 1 if a source failed as a whole (its last
    good import is kept)."""
    if file is not None and source is None:
        raise click.UsageError("--file needs the SOURCE it is the feed of")
    if charset is not None and file is None:
        raise click.UsageError("--charset goes with --file")
    # Like domain_command, but a source that failed is committed (its error is recorded)
    # before the exit status says so.
    try:
        with unit_of_work() as session:
            failed = _import(session, source, file, charset)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if failed:
        click.echo(f"{failed} source(s) failed; their last good import is kept", err=True)
        raise click.exceptions.Exit(1)


def _import(session: Session, source: str | None, file: Path | None, charset: str | None) -> int:
    """Import and print the reports; returns how many sources failed."""
    now = common.now()
    if source is not None:
        chosen = [importer.get_source(session, source)]
    else:
        chosen = [s for s in importer.list_sources(session) if s.active]
        if not chosen:
            click.echo("no active feed sources")
            return 0
    body = None
    if file is not None:
        try:
            body = importer.read_file(str(file), importer.DEFAULT_SETTINGS).body
        except importer.FeedError as error:
            raise click.ClickException(error.message) from None
    failed = 0
    for found in chosen:
        report = importer.import_source(session, found, now, body=body, charset=charset)
        failed += report.failed
        for line in report.lines():
            click.echo(line, err=report.failed)
    return failed


@click.command("clashes")
@domain_command
def feeds_clashes(session: Session) -> None:
    """The clash report: exchanged episodes aired twice within days, and county
    airings over a series they should relay."""
    found = clash_report.clashes(session, common.now())
    if not found:
        click.echo("no clashes ahead")
        return
    for clash in found:
        click.echo(f"[{KIND[clash.kind]}] {clash.message}")
