"""``tvcolumn asrun import``: the station's as-run log (播后记录) of a channel, matched to
the planned airings (``station.asrun``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command
from editorial import people
from schedule import channels
from station import asrun, asrun_read
from station.asrun import Summary

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
