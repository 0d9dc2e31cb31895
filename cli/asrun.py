"""``tvcolumn asrun …``: what the station's as-run logs (播后记录) say of the schedule."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command, local_time, table
from editorial.workdays import SHANGHAI
from schedule.channels import get_channel
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


@click.group("asrun")
def asrun() -> None:
    """The station's as-run logs (播后记录) and what they confirm."""


@asrun.command("report")
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
