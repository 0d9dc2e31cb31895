"""``tvcolumn schedule sheet`` and ``tvcolumn schedule deliver``: the broadcast order sheet
(播出单) of a channel and ISO week, issuing it, its XLSX, and the delivery package for the
station written to a folder.

Thin like the rest of the CLI: parse, look up, call one service, commit once.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command, table
from editorial import people
from editorial.errors import NotFound
from editorial.models import Column
from editorial.workdays import SHANGHAI
from schedule.channels import get_channel
from station import delivery, sheet_xlsx, sheets
from station.sheets import Sheet
from web.config import media_settings

WEEKDAYS = "一二三四五六日"


def _column(session: Session, slug: str | None) -> Column | None:
    if not slug:
        return None
    column = session.scalar(select(Column).where(Column.slug == slug))
    if column is None:
        raise NotFound(f"no column {slug!r}")
    return column


def _load(session: Session, code: str, week: str, slug: str | None) -> Sheet:
    return sheets.build_sheet(
        session,
        get_channel(session, code),
        sheets.parse_week(week),
        _column(session, slug),
        media_settings(current_app.config).root,
    )


def _print(sheet: Sheet) -> None:
    channel, week = sheet.channel, sheet.week
    scope = sheet.column.name if sheet.column is not None else "全部栏目"
    click.echo(
        f"播出单 {channel.station} {channel.name} {week.label} "
        f"({week.monday} – {week.sunday}) {scope}"
    )
    latest = sheet.latest
    if latest is None:
        click.echo("未签发")
    else:
        at = latest.issued_at.astimezone(SHANGHAI)
        state = "已过期：签发后节目安排有变化" if sheet.outdated else "最新"
        who = latest.issued_by.display_name
        click.echo(f"第 {latest.number} 版，{who} {at:%Y-%m-%d %H:%M} 签发（{state}）")
    rows = [
        [
            f"{r.day} 周{WEEKDAYS[r.day.weekday()]}",
            r.start.strftime("%H:%M:%S"),
            r.duration,
            r.title + (f" {r.part}" if r.part else ""),
            r.kind_words,
            r.file_name or "—",
            r.content_id,
            r.qc_words,
            r.remark_words,
        ]
        for r in sheet.rows
    ]
    heads = ["日期", "开始", "时长", "节目", "类型", "文件名", "内容编号", "技审", "备注"]
    for line in table(heads, rows):
        click.echo(line)
    if sheet.outdated:
        click.echo(f"变更（与第 {latest.number if latest else 0} 版相比）：")
        for change in sheet.changes:
            row = change.row
            where = f"{row.day} {row.start:%H:%M:%S} {row.title}"
            if change.what == "changed":
                fields = ", ".join(
                    f"{name}: {sheet_xlsx.said(change.before, name)} → "
                    f"{sheet_xlsx.said(change.after, name)}"
                    for name in change.fields
                )
                click.echo(f"  修改 {where}: {fields}")
            else:
                click.echo(f"  {sheet_xlsx.WHAT_WORDS[change.what]} {where}")


@click.command("sheet")
@click.option("--channel", "code", required=True, help="the channel's code")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W50")
@click.option("--column", "slug", default=None, help="only this column (its slug)")
@click.option("--issue", is_flag=True, help="issue the sheet: its next version (签发)")
@click.option("--as", "actor", default=None, help="username of who issues (with --issue)")
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="write the latest issued version (else the draft) as XLSX to this file",
)
@domain_command
def sheet(
    session: Session,
    code: str,
    week: str,
    slug: str | None,
    issue: bool,
    actor: str | None,
    xlsx_path: Path | None,
) -> None:
    """The broadcast order sheet (播出单) of a channel and ISO week."""
    if issue and not actor:
        raise click.UsageError("--issue needs --as USERNAME (who issues the sheet)")
    found = _load(session, code, week, slug)
    if issue:
        assert actor is not None
        issued = sheets.issue(
            session,
            people.get_person(session, actor),
            found.channel,
            found.week,
            found.column,
            common.now(),
            media_root=media_settings(current_app.config).root,
        )
        session.flush()
        found = _load(session, code, week, slug)
        click.echo(f"issued version {issued.number}")
    _print(found)
    if xlsx_path is not None:
        latest = found.latest
        data = (
            sheet_xlsx.version_workbook(session, latest)
            if latest is not None
            else sheet_xlsx.draft_workbook(found)
        )
        xlsx_path.write_bytes(data)
        what = f"version {latest.number}" if latest is not None else "draft (not issued)"
        click.echo(f"wrote {what} to {xlsx_path}")


@click.command("deliver")
@click.option("--channel", "code", required=True, help="the channel's code")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W50")
@click.option("--column", "slug", default=None, help="only this column (its slug)")
@click.option(
    "--as",
    "actor",
    required=True,
    help="username of a scheduler of the sheet's columns, or an administrator (recorded)",
)
@click.option(
    "--to",
    "destination",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="the package's folder (absent or empty): masters, the XLSX and MD5SUMS",
)
@domain_command
def deliver(
    session: Session,
    code: str,
    week: str,
    slug: str | None,
    actor: str,
    destination: Path,
) -> None:
    """Write the delivery package (交付包) of the latest issued sheet to a folder."""
    found = _load(session, code, week, slug)
    person = people.get_person(session, actor)
    root = media_settings(current_app.config).root
    package = delivery.plan(session, person, found, root)
    written = delivery.write_folder(session, package, destination)
    delivery.record(session, person, package, common.now(), how="folder")
    click.echo(
        f"delivered version {package.issued.number}: {written.files} files, "
        f"{written.size_bytes} bytes, in {written.folder} (check: md5sum -c MD5SUMS)"
    )
