"""``tvcolumn asrun import|report``: the station's as-run log (播后记录) of a channel,
matched to the planned airings (``station.asrun``), and what it says of a week."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command, local_time, table
from editorial import people
from editorial.workdays import SHANGHAI
from schedule import channels
from schedule.channels import get_channel
from station import asrun, asrun_read
from station.asrun import Summary
from station.asrun_report import (
    WORDS,
    AiringAsRun,
    AsRunState,
    minutes_seconds,
    parse_week,
    signed_minutes_seconds,
    week_of,
    week_report,
)

OUTCOME = {"missing": "漏播", "short": "时长不足", "late": "迟播"}


@click.group("asrun")
def asrun_group() -> None:
    """The station's as-run logs (播后记录): import and match them to the schedule."""


@asrun_group.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--channel", "code", required=True, help="the channel's code (频道代码)")
@click.option("--as", "actor", required=True, help="username of a scheduler or an administrator")
@click.option(
    "--encoding",
    default=None,
    help="a CSV's encoding when it is not UTF-8: gb18030 (or gbk)",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 120),
    default=asrun.Tolerance.start_s / 60,
    show_default=True,
    help="minutes a start may differ from the plan before the airing is late",
)
@domain_command
def import_command(
    session: Session, path: str, code: str, actor: str, encoding: str | None, tolerance: float
) -> None:
    """Import FILE (CSV or XLSX) as the as-run log of the channel and print what it says."""
    file = Path(path)
    limit = int(current_app.config["ASRUN_MAX_BYTES"])
    asrun_read.check_size(file.stat().st_size, limit)  # a huge file is refused unread
    summary = asrun.import_log(
        session,
        people.get_person(session, actor),
        channels.get_channel(session, code),
        file.name,
        file.read_bytes(),
        common.now(),
        encoding=encoding,
        tolerance=asrun.Tolerance(start_s=round(tolerance * 60)),
        max_bytes=limit,
    )
    for line in lines(summary):
        click.echo(line)


def lines(summary: Summary) -> list[str]:
    """The summary as the command prints it."""
    log = summary.log
    head = (
        f"{log.file_name}: already imported on {common.local_time(log.imported_at)}, "
        "nothing changed"
        if summary.already_imported
        else f"{log.file_name}: imported {summary.rows} rows ({log.first_day} to {log.last_day})"
    )
    out = [
        head,
        f"confirmed {summary.confirmed}, late {summary.late}, short {summary.short}, "
        f"missing {summary.missing}, unplanned {summary.unplanned}"
        + (f", not aired by the playout {summary.not_aired}" if summary.not_aired else ""),
    ]
    for p in summary.problems:
        detail = ""
        if p.outcome.value == "late":
            detail = f" {p.late_s:+d} s"
        elif p.outcome.value == "short":
            detail = f" -{p.short_s} s"
        row = f" (row {p.row})" if p.row is not None else ""
        out.append(
            f"  {p.outcome.value:<8} {common.local_time(p.planned)}  《{p.title}》"
            f"{OUTCOME[p.outcome.value]}{detail}{row}"
        )
    for entry in summary.unplanned_rows:
        out.append(
            f"  unplanned {common.local_time(entry.starts_at)}  {entry.title or entry.house_id}"
            f" (row {entry.row})"
        )
    if summary.notified:
        out.append(f"notified {summary.notified} people")
    return out


@asrun_group.command("report")
@click.option("--channel", "code", required=True, help="the channel's code")
@click.option("--week", default=None, help="an ISO week, 2026-W49 (default: the previous week)")
@domain_command
def asrun_report(session: Session, code: str, week: str | None) -> None:
    """A channel's week: each planned airing's as-run state (confirmed, late, short, missing,
    aired unconfirmed, to come), the log's unplanned entries and the logs imported."""
    now = common.now()
    monday = parse_week(week) if week is not None else week_of(now) - timedelta(days=7)
    channel = get_channel(session, code)
    report = week_report(session, channel, monday, now)
    click.echo(
        f"{channel.station} {channel.name} ({channel.code}) {report.week}: "
        f"{report.monday} to {report.sunday}"
    )
    counts = ", ".join(f"{WORDS[s]} {report.counts[s]}" for s in AsRunState if report.counts[s])
    click.echo(
        f"planned {len(report.planned)}: {counts or 'none'}; unplanned {len(report.unplanned)}"
    )
    if report.planned:
        header = ["airing", "time", "length", "column", "episode", "state", "aired", "difference"]
        rows = [
            [
                str(line.airing.id),
                local_time(line.airing.starts_at),
                minutes_seconds(int((line.airing.ends_at - line.airing.starts_at).total_seconds())),
                line.column,
                line.title,
                WORDS[line.asrun.state],
                _aired(line.asrun),
                _difference(line.asrun),
            ]
            for line in report.planned
        ]
        for text in table(header, rows):
            click.echo(text)
    if report.unplanned:
        click.echo("unplanned (in the log, not in the schedule):")
        rows = [
            [local_time(e.starts_at), minutes_seconds(e.duration_ms // 1000), e.title, e.house_id]
            for e in report.unplanned
        ]
        for text in table(["time", "length", "title", "house id"], rows):
            click.echo(text)
    if not report.logs:
        click.echo("no as-run log imported for this week: passed airings are aired, unconfirmed")
    for log in report.logs:
        click.echo(
            f"log {log.file_name}: {log.first_day} to {log.last_day}, {log.rows} rows, "
            f"imported by {log.imported_by} at {local_time(log.imported_at)}"
        )


def _aired(state: AiringAsRun) -> str:
    if state.actual_start is None or state.actual_duration_ms is None:
        return ""
    start = state.actual_start.astimezone(SHANGHAI)
    return f"{start:%H:%M:%S} {minutes_seconds(state.actual_duration_ms // 1000)}"


def _difference(state: AiringAsRun) -> str:
    said = []
    if state.late_s:
        said.append(f"start {signed_minutes_seconds(state.late_s)}")
    if state.short_s:
        said.append(f"short {minutes_seconds(state.short_s)}")
    return ", ".join(said)
