"""``tvcolumn schedule …`` and ``tvcolumn slots …``: build, show and report the air
schedule; pin, unpin, assign and pull airings; enter slots.

Thin like the rest of the CLI: parse, look up, call one service, commit once.
Times on the command line and in tables are local (Asia/Shanghai).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import TracebackType
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from calendars.models import ExternalAiring, FeedSource
from cli import common, schedule_export
from cli.common import domain_command, local_time, table
from editorial import people
from editorial.workdays import SHANGHAI, local_date
from liaison import planning
from liaison.coverage import PriorityCoverage, priority_coverage
from schedule import airings, builder, campaigns, fill, rebuild, slots
from schedule.builder_report import schedule_report
from schedule.models import Airing, AiringStatus, Slot, SlotDateKind, SlotKind
from scheduler import jobs
from station.asrun_report import WORDS, AiringAsRun, AsRunState, asrun_state

DAY = click.DateTime(formats=["%Y-%m-%d"])
MOMENT = click.DateTime(formats=["%Y-%m-%d %H:%M"])
SHOW_DAYS = 14
KIND = {SlotKind.PREMIERE: "首播", SlotKind.RERUN: "重播"}
STATUS = {
    AiringStatus.DRAFT: "草稿",
    AiringStatus.PUBLISHED: "已发布",
    AiringStatus.AIRED: "已播出",
    AiringStatus.CANCELLED: "已取消",
}


@click.group()
def schedule() -> None:
    """The air schedule (播出编排)."""


@click.group("slots")
def slots_group() -> None:
    """Slots (播出时段): recurring premieres and reruns of a column."""


# --- helpers -------------------------------------------------------------------------------------


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _column_ids(session: Session, slugs: Sequence[str]) -> list[int] | None:
    return [people.get_column(session, slug).id for slug in slugs] or None


class _Progress:
    """A click progress bar on stderr, opened when the builder first reports."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="building", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __enter__(self) -> _Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, tb)


# --- schedule ------------------------------------------------------------------------------------


@schedule.command("build")
@click.option("--column", "column_slugs", multiple=True, help="only this column (repeatable)")
@click.option("--from", "start", type=DAY, default=None, help="first day (default: today)")
@click.option("--to", "end", type=DAY, default=None, help="last day (default: 120 days on)")
@click.option(
    "--dry-run",
    is_flag=True,
    help="only show what the build would add, move and cancel; write nothing",
)
@domain_command
def schedule_build(
    session: Session,
    column_slugs: tuple[str, ...],
    start: datetime | None,
    end: datetime | None,
    dry_run: bool,
) -> None:
    """Build the air schedule: premieres for approved episodes, and their reruns."""
    now = common.now()
    if dry_run:
        _print_preview(
            rebuild.dry_run(
                session,
                now,
                jobs.inputs_fingerprint(session),
                planning.build_settings(session, now, start=_day(start)),
                column_ids=_column_ids(session, column_slugs),
                start=_day(start),
                end=_day(end),
            )
        )
        return
    rebuild.hold_build_lock(session, wait=True)  # never at once with the service's build
    with _Progress() as progress:
        outcome = builder.build_with_changes(
            session,
            now,
            column_ids=_column_ids(session, column_slugs),
            start=_day(start),
            end=_day(end),
            # The liaison office's reporting priorities (季度宣传报道重点), with their weights.
            settings=planning.build_settings(session, now, start=_day(start)),
            progress=progress,
        )
    b = outcome.build
    if not column_slugs and start is None and end is None:
        # A full build answers the current inputs: the service need not rebuild them again.
        b.fingerprint = jobs.inputs_fingerprint(session)
    click.echo(
        f"build {b.id}: {b.horizon_from} to {b.horizon_to}, {b.airings} airings "
        f"({outcome.inserted} new, {outcome.updated} changed, {outcome.cancelled} cancelled, "
        f"{outcome.deleted} removed); {b.unscheduled} approved episodes unscheduled"
        + (" (see `tvcolumn schedule report`)" if b.unscheduled else "")
    )


CHANGE = {rebuild.NEW: "新排", rebuild.MOVED: "改期", rebuild.CANCELLED: "取消"}


def _print_preview(shown: rebuild.Preview) -> None:
    """What a build would change, as ``schedule build --dry-run`` prints it."""

    def at(spot: rebuild.Spot | None) -> str:
        return f"{local_time(spot.starts_at)} {spot.slot}" if spot is not None else ""

    rows = [
        [
            CHANGE[c.what],
            c.title,
            c.column,
            KIND[c.kind],
            at(c.before),
            at(c.after),
            "已发布：订阅者将看到取消" if c.published else "",
        ]
        for c in shown.changes
    ]
    if rows:
        for line in table(["change", "episode", "column", "kind", "from", "to", ""], rows):
            click.echo(line)
    counts = {what: len(shown.of(what)) for what in CHANGE}
    click.echo(
        f"dry run: {counts[rebuild.NEW]} new, {counts[rebuild.MOVED]} moved, "
        f"{counts[rebuild.CANCELLED]} cancelled; {len(shown.unscheduled)} approved episodes "
        "would stay unscheduled; nothing was written"
    )
    for left in shown.unscheduled:
        click.echo(f"  unscheduled: {left.title} ({left.column}) {left.code}: {left.detail}")


@schedule.command("show")
@click.option("--column", "column_slugs", multiple=True, help="only this column (repeatable)")
@click.option("--from", "start", type=DAY, default=None, help="first day (default: today)")
@click.option(
    "--to", "end", type=DAY, default=None, help=f"last day (default: {SHOW_DAYS} days on)"
)
@domain_command
def schedule_show(
    session: Session, column_slugs: tuple[str, ...], start: datetime | None, end: datetime | None
) -> None:
    """The air schedule as a table, in local time."""
    first = _day(start) or local_date(common.now())
    last = _day(end) or first + timedelta(days=SHOW_DAYS - 1)
    if last < first:
        raise click.ClickException(f"the date range runs backwards: {last} is before {first}")
    since = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    query = (
        select(Airing)
        .join(Slot, Slot.id == Airing.slot_id)
        .where(Airing.starts_at >= since, Airing.starts_at < until)
        .options(joinedload(Airing.slot).joinedload(Slot.column), joinedload(Airing.episode))
        .order_by(Airing.starts_at, Slot.column_id, Airing.id)
    )
    external = (
        select(ExternalAiring)
        .join(FeedSource, FeedSource.id == ExternalAiring.source_id)
        .where(ExternalAiring.starts_at >= since, ExternalAiring.starts_at < until)
        .options(joinedload(ExternalAiring.source).joinedload(FeedSource.column))
        .order_by(ExternalAiring.starts_at, ExternalAiring.id)
    )
    ids = _column_ids(session, column_slugs)
    if ids is not None:
        query = query.where(Slot.column_id.in_(ids))
        external = external.where(FeedSource.column_id.in_(ids))
    found = list(session.scalars(query).unique())
    states = asrun_state(session, found, common.now())
    timed = [(a.starts_at, _show_row(a, states.get(a.id))) for a in found]
    timed += [(x.starts_at, _external_row(x)) for x in session.scalars(external).unique()]
    rows = [row for _, row in sorted(timed, key=lambda item: item[0])]
    if not rows:
        click.echo(f"no airings from {first} to {last}")
        return
    header = ["id", "time", "column", "slot", "kind", "status", "pin", "episode", "part", "why"]
    for line in table(header, rows):
        click.echo(line)


def _external_row(x: ExternalAiring) -> list[str]:
    """An airing imported from a county column's own feed (外部: not ours to change)."""
    flag = " [无UID]" if x.source_uid is None else ""
    return [
        "-",
        local_time(x.starts_at),
        x.source.column.slug,
        x.source.name,
        "外部",
        "导入",
        "",
        x.summary + flag,
        "",
        "",
    ]


def status_word(status: AiringStatus, state: AiringAsRun | None) -> str:
    """The status as the schedule says it: an aired airing as the as-run log says it
    (已播出（已确认）, 迟播, 时长不足, 漏播), or 已播出（未确认） once its time has passed
    while no log does (marked aired or not yet)."""
    if state is not None and state.state is not AsRunState.TO_COME:
        return WORDS[state.state]
    if status is AiringStatus.AIRED:
        return WORDS[AsRunState.UNCONFIRMED]
    return STATUS[status]


def _show_row(a: Airing, state: AiringAsRun | None) -> list[str]:
    e = a.episode
    part = f"{e.part_number}/{e.series.parts}" if e.series is not None else ""
    title = f"#{e.id} {e.title}" + (" [交流]" if a.exchange else "")
    status = status_word(a.status, state) + (f" r{a.revision}" if a.revision else "")
    return [
        str(a.id),
        local_time(a.starts_at),
        a.slot.column.slug,
        a.slot.name,
        "补播" if a.fill else KIND[a.kind],
        status,
        "固定" if a.pinned else "",
        title,
        part,
        a.reason,
    ]


@schedule.command("report")
@click.option("--column", "column_slugs", multiple=True, help="only this column (repeatable)")
@domain_command
def schedule_report_command(session: Session, column_slugs: tuple[str, ...]) -> None:
    """Approved episodes left unscheduled (with the reason), air-by dates at risk, the empty
    premiere occurrences (空档) of the next four weeks, and each
    reporting priority's coverage: per column, tagged episodes placed in its window / target."""
    column_ids = _column_ids(session, column_slugs)
    report = schedule_report(session, common.now(), column_ids=column_ids)
    if report.latest_build is not None:
        b = report.latest_build
        horizon = f"{b.horizon_from} to {b.horizon_to}"
        click.echo(f"latest build {b.id} at {local_time(b.started_at)} ({horizon})")
    else:
        click.echo("no build yet: run `tvcolumn schedule build`")
    click.echo(f"unscheduled approved episodes: {len(report.unscheduled)}")
    for item in report.unscheduled:
        e = item.episode
        click.echo(f"  #{e.id} [{e.column.slug}] {e.title}\t{item.reason}\t{item.detail}")
    click.echo(f"air-by dates at risk: {len(report.at_risk)}")
    for risk in report.at_risk:
        e = risk.episode
        click.echo(f"  #{e.id} [{e.column.slug}] {e.title}\t{risk.why}")
    click.echo(f"empty premiere occurrences in the next 4 weeks: {len(report.empty)}")
    for gap in report.empty:
        slot = gap.slot
        where = f"slot {slot.id} {slot.name} ({slot.station} {slot.channel})"
        click.echo(f"  {local_time(gap.starts_at)} [{slot.column.slug}] {where}")
    if report.stale:
        click.echo(f"kept airings of episodes no longer approved: {len(report.stale)}")
        for stale in report.stale:
            a = stale.airing
            title = f"#{a.episode_id} {a.episode.title}"
            click.echo(f"  airing {a.id} {local_time(a.starts_at)} {title}\t{stale.why}")
    if report.fills:
        click.echo(f"fills (补播, reruns in empty premiere occurrences): {len(report.fills)}")
        for a in report.fills:
            first_aired = f"premiere {local_time(a.premiere.starts_at)}" if a.premiere else ""
            click.echo(
                f"  airing {a.id} {local_time(a.starts_at)} [{a.slot.column.slug}] {a.slot.name}"
                f" #{a.episode_id} {a.episode.title}\t补播 {STATUS[a.status]}\t{first_aired}"
            )
    first, last = report.horizon
    _print_coverage(first, last, priority_coverage(session, first, last, column_ids=column_ids))
    _print_campaigns(session, column_ids)


def _print_campaigns(session: Session, column_ids: list[int] | None) -> None:
    """Each concentrated broadcast (集中播放) not yet over: airtimes filled, and the empty ones."""
    today = local_date(common.now())
    for found in campaigns.campaigns(session, column_ids=column_ids, since=today):
        fill = campaigns.fill(session, found)
        span = f"{found.first_date} to {found.last_date}"
        click.echo(
            f"campaign 集中播放 [{found.column.slug}] {span}: filled {fill.filled}/{fill.total}"
        )
        for o in fill.empty:
            click.echo(f"  empty {local_time(o.starts_at)}\t{o.slot.name}")


def _print_coverage(first: date, last: date, coverage: Sequence[PriorityCoverage]) -> None:
    """Per reporting priority overlapping the horizon: per column, tagged episodes placed
    inside the window / the liaison office's target."""
    if not coverage:
        click.echo(f"reporting priorities overlapping {first} to {last}: none")
        return
    click.echo(f"reporting priorities overlapping {first} to {last}: {len(coverage)}")
    for item in coverage:
        p = item.priority
        click.echo(
            f"  {p.theme} [{p.tag}] {p.window_start} to {p.window_end}, weight {p.weight}: "
            f"{item.placed}/{item.target} placed in the window"
        )
        if not item.columns:
            click.echo("    no targets and no tagged episode in the window")
            continue
        rows = [
            [
                c.column.slug,
                f"{c.placed}/{c.target}" if c.target is not None else f"{c.placed}/-",
                "不足" if c.short else "",
            ]
            for c in item.columns
        ]
        for line in table(["column", "placed/target", ""], rows):
            click.echo("    " + line)


@schedule.command("pin")
@click.argument("airing_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@domain_command
def schedule_pin(session: Session, airing_id: int, actor: str) -> None:
    """Pin an airing (固定): no rebuild moves or replaces it."""
    a = airings.pin(
        session,
        people.get_person(session, actor),
        airings.get_airing(session, airing_id),
        common.now(),
    )
    click.echo(f"airing {a.id} pinned: {local_time(a.starts_at)} #{a.episode_id}")


@schedule.command("unpin")
@click.argument("airing_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@domain_command
def schedule_unpin(session: Session, airing_id: int, actor: str) -> None:
    """Unpin an airing: the next rebuild may move it."""
    a = airings.unpin(
        session,
        people.get_person(session, actor),
        airings.get_airing(session, airing_id),
        common.now(),
    )
    click.echo(f"airing {a.id} unpinned")


@schedule.command("assign")
@click.argument("episode_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@click.option("--slot", "slot_id", type=int, required=True, help="premiere slot id")
@click.option("--at", "at", type=MOMENT, required=True, help="local start, 'YYYY-MM-DD HH:MM'")
@domain_command
def schedule_assign(
    session: Session, episode_id: int, actor: str, slot_id: int, at: datetime
) -> None:
    """Pin EPISODE_ID as the premiere of the slot's occurrence at --at."""
    a = airings.assign(
        session,
        people.get_person(session, actor),
        slots.get_slot(session, slot_id),
        at.replace(tzinfo=SHANGHAI).astimezone(UTC),
        people.get_episode(session, episode_id),
        common.now(),
    )
    click.echo(
        f"airing {a.id}: #{a.episode_id} pinned at {local_time(a.starts_at)} ({a.slot.name})"
    )


@schedule.command("pull")
@click.argument("airing_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@click.option("--reason", required=True, help="why (required)")
@domain_command
def schedule_pull(session: Session, airing_id: int, actor: str, reason: str) -> None:
    """Pull an airing (撤下) and its reruns; the episode may air elsewhere."""
    pulled = airings.pull(
        session,
        people.get_person(session, actor),
        airings.get_airing(session, airing_id),
        common.now(),
        reason=reason,
    )
    click.echo("cancelled airing " + ", ".join(str(a.id) for a in pulled))


# --- slots ---------------------------------------------------------------------------------------


def _clock(_ctx: click.Context, _param: click.Parameter, value: str) -> time:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time like 20:00") from None


@slots_group.command("create")
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@click.option("--column", "column_slug", required=True)
@click.option("--name", required=True, help="e.g. 周五首播")
@click.option("--kind", type=click.Choice([k.value for k in SlotKind]), default="premiere")
@click.option("--start", "local_start", required=True, callback=_clock, help="local HH:MM")
@click.option(
    "--timezone",
    default=slots.DEFAULT_TIMEZONE,
    show_default=True,
    help="IANA time zone of the local start time, e.g. Asia/Urumqi",
)
@click.option("--duration", type=click.IntRange(min=1), required=True, help="minutes")
@click.option("--rrule", required=True, help="RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=FR")
@click.option("--from", "first", type=DAY, required=True, help="first date")
@click.option("--to", "last", type=DAY, default=None, help="last date (optional)")
@click.option("--rerun-of", "rerun_of", type=int, default=None, help="premiere slot id")
@click.option("--rerun-back", type=click.IntRange(min=1), default=1, help="premieres back")
@click.option("--campaign", is_flag=True, help="a concentrated broadcast window (集中播放)")
@click.option("--station", default=None, help="default: the column's")
@click.option("--channel", default=None, help="default: the column's")
@domain_command
def slots_create(
    session: Session,
    actor: str,
    column_slug: str,
    name: str,
    kind: str,
    local_start: time,
    timezone: str,
    duration: int,
    rrule: str,
    first: datetime,
    last: datetime | None,
    rerun_of: int | None,
    rerun_back: int,
    campaign: bool,
    station: str | None,
    channel: str | None,
) -> None:
    """Create a slot: a recurring premiere or rerun of a column."""
    slot = slots.create_slot(
        session,
        people.get_person(session, actor),
        people.get_column(session, column_slug),
        common.now(),
        slots.SlotSpec(
            name=name,
            kind=SlotKind(kind),
            local_start=local_start,
            timezone=timezone,
            duration_s=duration * 60,
            rrule=rrule,
            first_date=first.date(),
            last_date=_day(last),
            station=station,
            channel=channel,
            rerun_of=slots.get_slot(session, rerun_of) if rerun_of is not None else None,
            rerun_back=rerun_back,
            campaign=campaign,
        ),
    )
    click.echo(f"created slot {slot.id} ({slot.name})")


@slots_group.command("list")
@click.option("--column", "column_slugs", multiple=True, help="only this column (repeatable)")
@click.option("--next", "count", type=click.IntRange(min=0), default=3, help="occurrences shown")
@domain_command
def slots_list(session: Session, column_slugs: tuple[str, ...], count: int) -> None:
    """List slots with their next occurrences."""
    query = select(Slot).options(joinedload(Slot.column)).order_by(Slot.column_id, Slot.id)
    ids = _column_ids(session, column_slugs)
    if ids is not None:
        query = query.where(Slot.column_id.in_(ids))
    now = common.now()
    for slot in session.scalars(query).unique():
        upcoming = slots.slot_occurrences(slot, now, now + timedelta(days=400))[:count]
        rerun = f" of slot {slot.rerun_of_id} (back {slot.rerun_back})" if slot.rerun_of_id else ""
        dates = f"{slot.first_date}..{slot.last_date or ''}"
        zone = "" if slot.timezone == slots.DEFAULT_TIMEZONE else f" {slot.timezone}"
        click.echo(
            f"{slot.id}\t{slot.column.slug}\t{slot.name}\t{KIND[slot.kind]}{rerun}\t"
            f"{slot.local_start:%H:%M}{zone} {slot.duration_s // 60} min\t{slot.rrule}\t{dates}"
            + ("\t集中播放" if slot.campaign else "")
        )
        for occ in upcoming:
            click.echo(f"\t  {local_time(occ.starts_at)}")


@slots_group.command("show")
@click.argument("slot_id", type=int)
@click.option("--next", "count", type=click.IntRange(min=0), default=3, help="occurrences shown")
@domain_command
def slots_show(session: Session, slot_id: int, count: int) -> None:
    """One slot: its settings, time zone, dates and next occurrences (Asia/Shanghai)."""
    slot = slots.get_slot(session, slot_id)
    rerun = f" of slot {slot.rerun_of_id} (back {slot.rerun_back})" if slot.rerun_of_id else ""
    for label, value in (
        ("slot", f"{slot.id} {slot.name}"),
        ("column", slot.column.slug),
        ("kind", f"{KIND[slot.kind]}{rerun}" + (" 集中播放" if slot.campaign else "")),
        ("station", f"{slot.station} {slot.channel}"),
        ("start", f"{slot.local_start:%H:%M} {slot.timezone}"),
        ("duration", f"{slot.duration_s // 60} min"),
        ("rule", slot.rrule),
        ("dates", f"{slot.first_date}..{slot.last_date or ''}"),
    ):
        click.echo(f"{label}:\t{value}")
    for item in sorted(slot.dates, key=lambda d: d.day):
        said = "停播" if item.kind is SlotDateKind.EXCEPTION else "加播"
        click.echo(f"{said}:\t{item.day}" + (f" {item.reason}" if item.reason else ""))
    now = common.now()
    for occ in slots.slot_occurrences(slot, now, now + timedelta(days=400))[:count]:
        click.echo(f"next:\t{local_time(occ.starts_at)}")


@slots_group.command("except")
@click.argument("slot_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@click.option(
    "--day", type=DAY, required=True, help="a day the slot airs (its local date) that goes without"
)
@click.option("--reason", required=True, help="why (preemption, holiday …)")
@domain_command
def slots_except(session: Session, slot_id: int, actor: str, day: datetime, reason: str) -> None:
    """Remove one occurrence of a slot (停播) with a reason."""
    slots.add_exception(
        session,
        people.get_person(session, actor),
        slots.get_slot(session, slot_id),
        day.date(),
        reason,
        common.now(),
    )
    click.echo(f"slot {slot_id}: no occurrence on {day.date()}")


@slots_group.command("unexcept")
@click.argument("slot_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@click.option("--day", type=DAY, required=True, help="the stop date to remove")
@click.option("--reason", required=True, help="why the occurrence airs again")
@domain_command
def slots_unexcept(session: Session, slot_id: int, actor: str, day: datetime, reason: str) -> None:
    """Remove a stop date (停播) again, with a reason: the occurrence airs again."""
    slots.remove_exception(
        session,
        people.get_person(session, actor),
        slots.get_slot(session, slot_id),
        day.date(),
        reason,
        common.now(),
    )
    click.echo(f"slot {slot_id}: the occurrence on {day.date()} airs again")


@slots_group.command("stops")
@click.argument("slot_id", type=int)
@domain_command
def slots_stops(session: Session, slot_id: int) -> None:
    """Every stop date of a slot, removed ones too: who added and removed each, and why."""
    rows = []
    for d in slots.stop_dates_of(session, slots.get_slot(session, slot_id)):
        added = f"{local_time(d.created_at)} {d.created_by.username if d.created_by else '-'}"
        removed = ""
        if d.removed_at is not None:
            by = d.removed_by.username if d.removed_by else "-"
            removed = f"{local_time(d.removed_at)} {by}: {d.removal_reason}"
        rows.append([str(d.day), d.reason, added, removed])
    for line in table(["day", "reason", "added", "removed"], rows):
        click.echo(line)


def _clock_or_none(ctx: click.Context, param: click.Parameter, value: str | None) -> time | None:
    return None if value is None else _clock(ctx, param, value)


@slots_group.command("edit")
@click.argument("slot_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@click.option("--name", default=None, help="e.g. 周五首播")
@click.option("--start", "local_start", default=None, callback=_clock_or_none, help="local HH:MM")
@click.option("--timezone", default=None, help="IANA time zone of the local start time")
@click.option("--duration", type=int, default=None, help="minutes")
@click.option("--rrule", default=None, help="RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=FR")
@click.option("--from", "first", type=DAY, default=None, help="first date")
@click.option("--to", "last", type=DAY, default=None, help="last date")
@click.option("--open-ended", is_flag=True, help="remove the last date")
@click.option("--rerun-of", "rerun_of", type=int, default=None, help="premiere slot id")
@click.option("--rerun-back", type=int, default=None, help="premieres back")
@click.option("--station", default=None)
@click.option("--channel", default=None)
@domain_command
def slots_edit(
    session: Session,
    slot_id: int,
    actor: str,
    name: str | None,
    local_start: time | None,
    timezone: str | None,
    duration: int | None,
    rrule: str | None,
    first: datetime | None,
    last: datetime | None,
    open_ended: bool,
    rerun_of: int | None,
    rerun_back: int | None,
    station: str | None,
    channel: str | None,
) -> None:
    """Change a slot's name, time, duration, rule, dates, station, channel or time zone;
    the next build moves its airings (a published one whose occurrence is gone is cancelled
    and the people concerned are told)."""
    if open_ended and last is not None:
        raise click.UsageError("--to and --open-ended exclude each other")
    given: dict[str, Any] = {
        "name": name,
        "local_start": local_start,
        "timezone": timezone,
        "duration_s": duration * 60 if duration is not None else None,
        "rrule": rrule,
        "first_date": _day(first),
        "last_date": _day(last),
        "rerun_of": slots.get_slot(session, rerun_of) if rerun_of is not None else None,
        "rerun_back": rerun_back,
        "station": station,
        "channel": channel,
    }
    changes = {field: value for field, value in given.items() if value is not None}
    if open_ended:
        changes["last_date"] = None
    if not changes:
        raise click.UsageError("nothing to change: give at least one option")
    slot = slots.get_slot(session, slot_id)
    slots.edit_slot(
        session, people.get_person(session, actor), slot.id, changes, slot.updated_at, common.now()
    )
    click.echo(f"slot {slot.id} ({slot.name}): changed {', '.join(sorted(changes))}")


@schedule.command("fill")
@click.argument("column_slug")
@click.option("--as", "actor", default=None, help="username of a scheduler of the column")
@click.option("--on/--off", "on", default=None, help="switch the rerun fill on or off")
@domain_command
def schedule_fill(session: Session, column_slug: str, actor: str | None, on: bool | None) -> None:
    """Show or switch a column's rerun fill (补播): empty premiere occurrences inside the
    frozen horizon get a rerun of an aired episode of the column (on by default)."""
    column = people.get_column(session, column_slug)
    if on is not None:
        if actor is None:
            raise click.UsageError("--on/--off needs --as")
        fill.switch_fill(session, people.get_person(session, actor), column, on, common.now())
    latest = fill.latest_switch(session, column)
    said = "on" if fill.fill_is_on(session, column) else "off"
    since = (
        f" (switched by {latest.switched_by.username} at {local_time(latest.switched_at)})"
        if latest is not None
        else " (default)"
    )
    click.echo(f"{column.slug}: rerun fill {said}{since}")


@slots_group.command("keep-empty")
@click.argument("slot_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@click.option("--day", type=DAY, required=True, help="a day the premiere slot airs (local date)")
@domain_command
def slots_keep_empty(session: Session, slot_id: int, actor: str, day: datetime) -> None:
    """Mark one occurrence of a premiere slot to stay empty: no rerun fill (补播) there."""
    fill.keep_empty(
        session,
        people.get_person(session, actor),
        slots.get_slot(session, slot_id),
        day.date(),
        common.now(),
    )
    click.echo(f"slot {slot_id}: the occurrence on {day.date()} stays empty (no fill)")


@slots_group.command("unkeep-empty")
@click.argument("slot_id", type=int)
@click.option("--as", "actor", required=True, help="username of a scheduler of the column")
@click.option("--day", type=DAY, required=True, help="the marked day to unmark")
@domain_command
def slots_unkeep_empty(session: Session, slot_id: int, actor: str, day: datetime) -> None:
    """Remove a keep-empty mark: the builder may fill that occurrence again."""
    fill.unkeep_empty(
        session,
        people.get_person(session, actor),
        slots.get_slot(session, slot_id),
        day.date(),
        common.now(),
    )
    click.echo(f"slot {slot_id}: the occurrence on {day.date()} may be filled again")


@slots_group.command("kept-empty")
@click.argument("slot_id", type=int)
@domain_command
def slots_kept_empty(session: Session, slot_id: int) -> None:
    """Every keep-empty mark of a slot, removed ones too: who marked and unmarked each."""
    rows = []
    for m in fill.marks_of(session, slots.get_slot(session, slot_id)):
        removed = ""
        if m.removed_at is not None and m.removed_by is not None:
            removed = f"{local_time(m.removed_at)} {m.removed_by.username}"
        rows.append([str(m.day), f"{local_time(m.created_at)} {m.created_by.username}", removed])
    for line in table(["day", "marked", "unmarked"], rows):
        click.echo(line)


schedule.add_command(schedule_export.schedule_export)
