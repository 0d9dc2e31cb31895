"""``tvcolumn campaigns …``: concentrated broadcasts (集中播放) of a county without a
fixed column: plan one (a date range and its daily airtimes), list them with their
fill, show one occurrence by occurrence."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command, local_time
from editorial import people
from editorial.errors import NotFound
from editorial.workdays import local_date
from schedule import campaigns, slots

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group("campaigns")
def campaigns_group() -> None:
    """Concentrated broadcasts (集中播放): a date range and its daily airtimes."""


def _airtime(value: str) -> campaigns.Airtime:
    """``19:00/30``: a local start and a length in minutes."""
    clock, _, minutes = value.partition("/")
    try:
        start = datetime.strptime(clock.strip(), "%H:%M").time()
        length = int(minutes)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an airtime like 19:00/30") from None
    return campaigns.Airtime(start, length * 60)


def _airtimes(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[campaigns.Airtime, ...]:
    return tuple(_airtime(v) for v in values)


@campaigns_group.command("plan")
@click.option("--as", "actor", required=True, help="username of a scheduler of the county")
@click.option("--column", "column_slug", required=True)
@click.option("--from", "first", type=DAY, required=True, help="first day (YYYY-MM-DD)")
@click.option("--to", "last", type=DAY, required=True, help="last day (YYYY-MM-DD)")
@click.option(
    "--airtime",
    "airtimes",
    multiple=True,
    callback=_airtimes,
    help="a daily local start and length in minutes, e.g. 19:00/30 (repeatable)",
)
@click.option("--title", default="集中播放", show_default=True, help="names the slots")
@click.option("--station", default=None, help="default: the column's")
@click.option("--channel", default=None, help="default: the column's")
@domain_command
def campaigns_plan(
    session: Session,
    actor: str,
    column_slug: str,
    first: datetime,
    last: datetime,
    airtimes: tuple[campaigns.Airtime, ...],
    title: str,
    station: str | None,
    channel: str | None,
) -> None:
    """Plan a concentrated broadcast: one daily slot per airtime from --from to --to."""
    made = campaigns.plan_campaign(
        session,
        people.get_person(session, actor),
        people.get_column(session, column_slug),
        common.now(),
        campaigns.CampaignSpec(
            first.date(), last.date(), airtimes, title or "集中播放", station, channel
        ),
    )
    ids = ", ".join(str(s.id) for s in made.slots)
    click.echo(f"planned {made.first_date}..{made.last_date}: slots {ids}")


def _times(campaign: campaigns.Campaign) -> str:
    return " ".join(f"{s.local_start:%H:%M}/{s.duration_s // 60}" for s in campaign.slots)


@campaigns_group.command("list")
@click.option("--column", "column_slug", help="only this column (slug)")
@click.option("--all", "everything", is_flag=True, help="also campaigns that are over")
@domain_command
def campaigns_list(session: Session, column_slug: str | None, everything: bool) -> None:
    """List campaigns: column, dates, airtimes, filled of all airtimes (empty ones)."""
    ids = [people.get_column(session, column_slug).id] if column_slug else None
    since = None if everything else local_date(common.now())
    for c in campaigns.campaigns(session, column_ids=ids, since=since):
        fill = campaigns.fill(session, c)
        click.echo(
            f"{c.slots[0].id}\t{c.column.slug}\t{c.first_date}..{c.last_date}\t{_times(c)}\t"
            f"filled {fill.filled}/{fill.total}"
        )


@campaigns_group.command("show")
@click.argument("slot_id", type=int)
@domain_command
def campaigns_show(session: Session, slot_id: int) -> None:
    """The campaign of a campaign slot, occurrence by occurrence (Asia/Shanghai)."""
    slot = slots.get_slot(session, slot_id)
    found = next(
        (c for c in campaigns.campaigns(session, column_ids=[slot.column_id]) if slot in c.slots),
        None,
    )
    if found is None:
        raise NotFound(f"slot {slot_id} is not a campaign slot")
    fill = campaigns.fill(session, found)
    click.echo(f"campaign:\t{found.column.name} {found.first_date}..{found.last_date}")
    click.echo(f"airtimes:\t{_times(found)}")
    click.echo(f"filled:\t{fill.filled}/{fill.total}")
    for o in fill.occurrences:
        a = o.airing
        what = "空档" if a is None else f"{a.episode.title}\t{a.reason}"
        click.echo(f"  {local_time(o.starts_at)}\t{o.slot.name}\t{what}")
