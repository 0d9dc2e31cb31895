"""``tvcolumn series …``: plan series (连续报道): create, list, show, edit, reorder."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command
from editorial import people
from editorial import series as series_service
from editorial.errors import InvalidInput, NotFound
from editorial.models import Column, Series
from schedule import series as series_schedule

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group("series")
def series_group() -> None:
    """Series (连续报道): parts that air in order, starting by a date."""


def _get(session: Session, series_id: int) -> Series:
    found = session.get(Series, series_id)
    if found is None:
        raise NotFound(f"no series {series_id}")
    return found


def _line(s: Series) -> str:
    relay = "\trelay" if s.relay else ""
    return (
        f"{s.id}\tv{s.version}\t{s.column.slug}\t{s.parts} parts\tby {s.start_by}\t{s.title}{relay}"
    )


@series_group.command("create")
@click.option("--as", "actor", required=True, help="username of a producer or admin")
@click.option("--column", "column_slug", required=True)
@click.option("--title", required=True)
@click.option("--parts", type=int, required=True, help="how many parts (at least 2)")
@click.option("--start-by", type=DAY, required=True, help="first part airs by (YYYY-MM-DD)")
@click.option("--relay/--no-relay", default=False, help="county columns relay it (转播)")
@domain_command
def series_create(
    session: Session,
    actor: str,
    column_slug: str,
    title: str,
    parts: int,
    start_by: datetime,
    relay: bool,
) -> None:
    """Plan a series of a column."""
    created = series_service.create_series(
        session,
        people.get_person(session, actor),
        people.get_column(session, column_slug),
        common.now(),
        series_service.SeriesSpec(title, parts, start_by.date(), relay),
    )
    click.echo(f"created series {created.id} (version {created.version})")


@series_group.command("list")
@click.option("--column", "column_slug", help="only this column (slug)")
@domain_command
def series_list(session: Session, column_slug: str | None) -> None:
    """List series: id, version, column, parts, start-by, title."""
    if column_slug:
        ids = [people.get_column(session, column_slug).id]
    else:
        ids = list(session.scalars(select(Column.id)))
    for s in series_service.column_series(session, ids):
        click.echo(_line(s))


@series_group.command("show")
@click.argument("series_id", type=int)
@domain_command
def series_show(session: Session, series_id: int) -> None:
    """Show a series and each part's episode, state and next planned airing."""
    s = _get(session, series_id)
    click.echo(f"#{s.id} {s.title}  version {s.version}")
    click.echo(f"column: {s.column.name} ({s.column.slug})")
    click.echo(f"parts: {s.parts}; start by: {s.start_by}; relay: {'yes' if s.relay else 'no'}")
    by = f" by {s.created_by.username}" if s.created_by else ""
    click.echo(f"created: {common.local_time(s.created_at)}{by}")
    if s.updated_at is not None:
        by = f" by {s.updated_by.username}" if s.updated_by else ""
        click.echo(f"changed: {common.local_time(s.updated_at)}{by}")
    for part in series_schedule.series_parts(session, s, common.now()):
        if part.episode is None:
            click.echo(f"  {part.number}. (not proposed)")
            continue
        e = part.episode
        if part.next_airing is not None:
            airing = part.next_airing
            when = f"next airing {common.local_time(airing.starts_at)} ({airing.status.value})"
        elif part.aired is not None:
            when = f"aired {common.local_time(part.aired.starts_at)}"
        else:
            when = "not scheduled"
        click.echo(f"  {part.number}. episode {e.id} [{e.state.value}] {e.title}; {when}")


@series_group.command("edit")
@click.argument("series_id", type=int)
@click.option("--as", "actor", required=True, help="username of a producer or admin")
@click.option("--title", default=None)
@click.option("--parts", type=int, default=None)
@click.option("--start-by", type=DAY, default=None)
@click.option("--relay/--no-relay", default=None)
@click.option("--expect-version", type=int, default=None, help="refuse if no longer this")
@domain_command
def series_edit(
    session: Session,
    series_id: int,
    actor: str,
    title: str | None,
    parts: int | None,
    start_by: datetime | None,
    relay: bool | None,
    expect_version: int | None,
) -> None:
    """Change a series' title, parts, start-by date or relay; the rest stays."""
    s = _get(session, series_id)
    spec = series_service.SeriesSpec(
        title=s.title if title is None else title,
        parts=s.parts if parts is None else parts,
        start_by=s.start_by if start_by is None else start_by.date(),
        relay=s.relay if relay is None else relay,
    )
    version = s.version if expect_version is None else expect_version
    series_service.edit_series(
        session, people.get_person(session, actor), s, version, common.now(), spec
    )
    click.echo(f"series {s.id} changed (version {s.version})")


@series_group.command("reorder")
@click.argument("series_id", type=int)
@click.option("--as", "actor", required=True, help="username of a producer or admin")
@click.option(
    "--part",
    "moves",
    multiple=True,
    required=True,
    help="EPISODE=PART for every episode of the series (repeat)",
)
@click.option("--expect-version", type=int, default=None, help="refuse if no longer this")
@domain_command
def series_reorder(
    session: Session, series_id: int, actor: str, moves: tuple[str, ...], expect_version: int | None
) -> None:
    """Renumber the parts of a series, before any has aired."""
    s = _get(session, series_id)
    order: dict[int, int] = {}
    for move in moves:
        episode, _, part = move.partition("=")
        if not (episode.strip().isdigit() and part.strip().isdigit()):
            raise InvalidInput(f"{move!r} is not EPISODE=PART", code="series_order_incomplete")
        order[int(episode)] = int(part)
    version = s.version if expect_version is None else expect_version
    series_schedule.reorder_parts(
        session, people.get_person(session, actor), s, version, common.now(), order
    )
    click.echo(f"series {s.id} reordered (version {s.version})")
