"""Schedule pages (播出编排): week and month grids, an airing's page with the
schedulers' acts (pin, unpin, move, pull), and the report.

Everyone signed in sees the schedule of the columns they hold a role in;
schedulers (编排) and admins of a slot's column act on its airings through
``schedule.airings``. Times are shown in Asia/Shanghai. A grid shows one lane
per channel (a station's channel; a county's own feed is a lane of its own) on a
time axis, every slot occurrence in it, filled or empty (空档). It reads its
airings, the imported county airings, the slots and their empty occurrences in a
fixed number of statements, however many there are.

Placing (安排): a scheduler puts an approved episode without a premiere into an
empty premiere occurrence, from the report or the grid, through
``schedule.airings.place``. The grid's drag and drop (``place.js``) only fills in and
submits the plain form that works without a script.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, joinedload
from werkzeug.wrappers import Response

from calendars.models import ExternalAiring, FeedSource
from editorial.errors import Conflict, Forbidden, InvalidInput, NotFound
from editorial.models import Column, Episode, Membership, Person, Series
from editorial.workdays import SHANGHAI, local_date
from liaison.coverage import priority_coverage
from schedule import airings, campaigns, slots
from schedule.builder_report import schedule_report, without_premiere
from schedule.builder_settings import BuildSettings, episode_duration
from schedule.channels import channel_of
from schedule.gaps import EmptyOccurrence, empty_occurrences, slots_of
from schedule.models import Airing, AiringStatus, AsRunOutcome, AsRunResult, Slot, SlotKind
from schedule.recurrence import Occurrence
from schedule.slots import SCHEDULING_ROLES, slot_occurrences
from station.asrun_report import AsRunState, asrun_state, state_of, week_label, week_of
from web import asrun_labels, errors, labels, schedule_reasons, sheet_views
from web.auth import current_person
from web.db import request_session

bp = Blueprint("schedule", __name__, url_prefix="/schedule")

MAX_DAYS = 42
MAX_REASON = 500
FREE_SHOWN = 10
FREE_HORIZON = timedelta(days=180)
FIRST_YEAR, LAST_YEAR = 2000, 2100
DAY_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_FORMAT = re.compile(r"^(\d{4})-(\d{2})$")

WEEKDAYS = labels.WEEKDAYS
KIND = labels.SLOT_KIND
STATUS = {
    AiringStatus.DRAFT: _l("草稿"),
    AiringStatus.PUBLISHED: _l("已发布"),
    AiringStatus.AIRED: _l("已播出"),
    AiringStatus.CANCELLED: _l("已撤下"),
}
# The builder's reasons for leaving an approved episode unscheduled (schedule.builder).
REASON = {
    "not_built": _l("尚未编排"),
    "no_slot": _l("没有首播时段"),
    "longer_than_slot": _l("比所有首播时段都长"),
    "shorter_than_slot": _l("比所有首播时段都短"),
    "no_fitting_slot": _l("时长与时段不符"),
    "no_slot_before_deadline": _l("截止日期前没有可用时段"),
    "no_free_occurrence": _l("首播已排满"),
    "series_incomplete": _l("连续报道尚有未通过的集"),
    "series_does_not_fit": _l("连续报道各集时长与时段不符"),
    "series_too_late": _l("连续报道无法按期开播"),
    "series_displaced": _l("连续报道让位于其他节目"),
    "series_cannot_continue": _l("连续报道无法续播"),
}


# --- what a grid shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What a grid shows of one of our airings, read as plain columns (thousands a month)."""

    id: int
    kind: SlotKind
    status: AiringStatus
    pinned: bool
    exchange: bool
    title: str
    part_number: int | None
    series_id: int | None
    series_title: str | None
    series_parts: int | None
    origin: str  # the name of the episode's column (another column's for an exchange)
    fill: bool = False  # a rerun in an empty premiere occurrence (补播)
    campaign: bool = False  # in a concentrated broadcast (集中播放)
    # What the as-run log says of it (or 已播出（未确认）), said instead of its status; None:
    # still to come, or cancelled.
    asrun: AsRunState | None = None


@dataclass(frozen=True)
class Imported:
    """What a grid shows of an airing imported from a county column's own feed (外部)."""

    summary: str
    source: str
    all_day: bool


@dataclass(frozen=True)
class Gap:
    """An empty occurrence (空档) of a slot on a grid; ``placeable`` when the viewer may put
    an episode into it (a premiere ahead, in a column they schedule)."""

    slot_id: int
    slot_name: str
    kind: SlotKind
    value: str  # what the place form posts for it (``occurrence_value``)
    placeable: bool


@dataclass(frozen=True)
class Item:
    """One thing on a grid: one of our airings, one imported from a county's own feed,
    or an empty occurrence of one of our slots."""

    starts: datetime  # local (Asia/Shanghai)
    ends: datetime
    column: Column
    airing: Shown | None = None
    external: Imported | None = None
    gap: Gap | None = None
    lane: tuple[str, str] = ("", "")  # (station, channel); ("", source) for an imported feed


@dataclass
class Lane:
    """One channel on a grid: its items by local day and start time (the time axis)."""

    station: str
    channel: str
    external: bool
    columns: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def times(self) -> list[str]:
        """The local start times in the lane, in order (all-day imported items first)."""
        return sorted({_time_key(i) for i in self.items})

    def at(self, key: str, day: date) -> list[Item]:
        return [i for i in self.items if _time_key(i) == key and i.starts.date() == day]

    def on(self, day: date) -> list[Item]:
        return [i for i in self.items if i.starts.date() == day]


def _time_key(item: Item) -> str:
    return "" if item.external is not None and item.external.all_day else f"{item.starts:%H:%M}"


def occurrence_value(slot_id: int, starts_at: datetime) -> str:
    """How the place form names an occurrence: the slot and its UTC start."""
    return f"{slot_id}@{starts_at.astimezone(UTC).isoformat()}"


def lanes_of(items: Iterable[Item], columns: Sequence[Column]) -> list[Lane]:
    """The grid's lanes: our channels in the order of their columns, then imported feeds."""
    order = {c.id: i for i, c in enumerate(columns)}
    lanes: dict[tuple[bool, str, str], Lane] = {}
    first: dict[tuple[bool, str, str], int] = {}
    for item in items:
        external = item.external is not None
        key = (external, *item.lane)
        lane = lanes.get(key)
        if lane is None:
            lane = lanes[key] = Lane(item.lane[0], item.lane[1], external)
        if item.column.name not in lane.columns:
            lane.columns.append(item.column.name)
        first[key] = min(first.get(key, len(order)), order.get(item.column.id, len(order)))
        lane.items.append(item)
    return [lanes[k] for k in sorted(lanes, key=lambda k: (k[0], first[k], k[1], k[2]))]


@dataclass
class Day:
    day: date
    items: list[Item] = field(default_factory=list)
    inside: bool = True  # a month grid's days of the neighbouring months are outside

    @property
    def weekday(self) -> str:
        return str(WEEKDAYS[self.day.weekday()])


@dataclass(frozen=True)
class Desk:
    """The columns a person sees, and those whose schedule they may change."""

    columns: list[Column]
    scheduling: frozenset[int]

    @property
    def ids(self) -> list[int]:
        return [c.id for c in self.columns]


def desk_of(session: Session, person: Person) -> Desk:
    rows = session.execute(
        select(Membership.role, Column)
        .join(Column, Column.id == Membership.column_id)
        .where(Membership.person_id == person.id)
        .order_by(Column.level, Column.slug)
    ).all()
    columns: dict[int, Column] = {}
    scheduling = set()
    for role, column in rows:
        columns.setdefault(column.id, column)
        if role in SCHEDULING_ROLES and person.active:
            scheduling.add(column.id)
    return Desk(list(columns.values()), frozenset(scheduling))


def _chosen(desk: Desk, slug: str | None) -> Column | None:
    """The column asked for (None: all of the person's), if the person may see it."""
    if not slug:
        return None
    for column in desk.columns:
        if column.slug == slug:
            return column
    if request_session().scalar(select(Column.id).where(Column.slug == slug)) is None:
        raise NotFound(f"no column {slug!r}")
    raise Forbidden(f"not a member of column {slug}", code="not_column_member")


SERIES_HUES = 24


def series_colour(series_id: int) -> str:
    """A colour of its own for each series, as a class of app.css (``series-hue-N``, N of 24
    hues 15° apart; no inline style, which the Content-Security-Policy refuses): hues a
    golden angle apart, the same every time."""
    return f"series-hue-{round(series_id * 137.508 % 360 / 15) % SERIES_HUES}"


def local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Local midnight before ``first`` and after ``last``, in UTC."""
    since = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    return since, until


def grid_items(
    session: Session,
    columns: Sequence[Column],
    first: date,
    last: date,
    *,
    cancelled: bool,
    now: datetime,
) -> list[Item]:
    """Our airings and the imported external ones of the columns, local days ``first``
    to ``last``, in time order: two statements."""
    if not columns:
        return []
    by_id = {c.id: c for c in columns}
    since, until = local_bounds(first, last)
    origin = aliased(Column)
    query = (
        select(
            Airing.id,
            Airing.kind,
            Airing.status,
            Airing.pinned,
            Airing.exchange,
            Airing.starts_at,
            Airing.ends_at,
            Slot.column_id,
            Slot.station,
            Slot.channel,
            Episode.title,
            Episode.part_number,
            Series.id,
            Series.title,
            Series.parts,
            origin.name,
            Airing.fill,
            Slot.campaign,
            AsRunResult.outcome,
        )
        .join(Slot, Slot.id == Airing.slot_id)
        .outerjoin(AsRunResult, AsRunResult.airing_id == Airing.id)
        .join(Episode, Episode.id == Airing.episode_id)
        .join(origin, origin.id == Episode.column_id)
        .outerjoin(Series, Series.id == Episode.series_id)
        .where(Slot.column_id.in_(by_id), Airing.starts_at >= since, Airing.starts_at < until)
        .order_by(Airing.starts_at, Slot.column_id, Airing.id)
    )
    if not cancelled:
        query = query.where(Airing.status != AiringStatus.CANCELLED)
    external = (
        select(
            ExternalAiring.starts_at,
            ExternalAiring.ends_at,
            FeedSource.column_id,
            ExternalAiring.summary,
            FeedSource.name,
            ExternalAiring.all_day,
        )
        .join(FeedSource, FeedSource.id == ExternalAiring.source_id)
        .where(
            FeedSource.column_id.in_(by_id),
            ExternalAiring.starts_at >= since,
            ExternalAiring.starts_at < until,
        )
        .order_by(ExternalAiring.starts_at, ExternalAiring.id)
    )
    items = []
    for row in session.execute(query):
        airing_id, kind, status, pinned, exchange, starts, ends, column_id, *rest = row
        station, channel, *episode, campaign, outcome = rest
        shown = Shown(
            airing_id,
            kind,
            status,
            pinned,
            exchange,
            *episode,
            campaign=campaign,
            asrun=_shown_asrun(outcome, status, ends, now),
        )
        column = by_id[column_id]
        lane = (station, channel)
        items.append(Item(_here(starts), _here(ends), column, airing=shown, lane=lane))
    items += [
        Item(
            _here(starts),
            _here(ends),
            by_id[column_id],
            external=Imported(summary, name, day),
            lane=("", name),
        )
        for starts, ends, column_id, summary, name, day in session.execute(external)
    ]
    items.sort(key=lambda item: item.starts)
    return items


def _shown_asrun(
    outcome: AsRunOutcome | None, status: AiringStatus, ends: datetime, now: datetime
) -> AsRunState | None:
    if status is AiringStatus.CANCELLED:
        return None
    state = state_of(outcome, status, ends, now)
    return None if state is AsRunState.TO_COME else state


def gap_items(
    session: Session,
    columns: Sequence[Column],
    first: date,
    last: date,
    *,
    now: datetime,
    scheduling: frozenset[int],
) -> list[Item]:
    """The columns' empty occurrences (空档), local days ``first`` to ``last``, in time
    order: three statements (``schedule.gaps``)."""
    by_id = {c.id: c for c in columns}
    since, until = local_bounds(first, last)
    return [
        Item(
            _here(gap.starts_at),
            _here(gap.ends_at),
            by_id[gap.slot.column_id],
            gap=Gap(
                gap.slot.id,
                gap.slot.name,
                gap.slot.kind,
                occurrence_value(gap.slot.id, gap.starts_at),
                _placeable(gap, now, scheduling),
            ),
            lane=(gap.slot.station, gap.slot.channel),
        )
        for gap in empty_occurrences(session, slots_of(session, by_id), since, until)
    ]


def _placeable(gap: EmptyOccurrence, now: datetime, scheduling: frozenset[int]) -> bool:
    return (
        gap.slot.kind is SlotKind.PREMIERE
        and gap.starts_at >= now
        and gap.slot.column_id in scheduling
    )


def _here(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


def legend(items: Iterable[Item]) -> list[tuple[str, str]]:
    """The series on the grid with their colours, for the legend."""
    seen: dict[int, tuple[str, str]] = {}
    for item in items:
        shown = item.airing
        if shown is not None and shown.series_id is not None and shown.series_id not in seen:
            seen[shown.series_id] = (shown.series_title or "", series_colour(shown.series_id))
    return list(seen.values())


# --- parsing the query string ---------------------------------------------------------------------


def parse_day(value: str, what: str) -> date:
    if not DAY_FORMAT.match(value):
        raise InvalidInput(
            f"{value!r} is not a date (YYYY-MM-DD)", code="day_format", what=what, value=value
        )
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"there is no day {value}", code="no_such_day", value=value) from None
    _check_year(day.year)
    return day


def parse_month(value: str) -> date:
    found = MONTH_FORMAT.match(value)
    if not found:
        raise InvalidInput(f"{value!r} is not a month (YYYY-MM)", code="month_format", value=value)
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        raise InvalidInput(f"there is no month {value}", code="no_such_month", value=value)
    _check_year(year)
    return date(year, month, 1)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            f"the schedule shows the years {FIRST_YEAR} to {LAST_YEAR}",
            code="year_out_of_range",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


# --- grids ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """What a week or month grid shows: the viewer's desk, the chosen column (or all the
    viewer's columns), their airings and empty occurrences between two days, and what the
    viewer may place (approved episodes without a premiere, in columns they schedule)."""

    desk: Desk
    column: Column | None
    cancelled: bool
    items: list[Item]  # airings and imported ones
    gaps: list[Item]
    lanes: list[Lane]
    unscheduled: list[Episode]

    @property
    def placeable(self) -> list[Item]:
        return [g for g in self.gaps if g.gap is not None and g.gap.placeable]


def _grid(params: Mapping[str, str], first: date, last: date) -> Grid:
    session = request_session()
    desk = desk_of(session, current_person())
    column = _chosen(desk, params.get("column"))
    cancelled = params.get("cancelled", "") in ("1", "on", "true")
    shown = [column] if column is not None else desk.columns
    items = grid_items(session, shown, first, last, cancelled=cancelled, now=_now())
    gaps = gap_items(session, shown, first, last, now=_now(), scheduling=desk.scheduling)
    ours = [c.id for c in shown if c.id in desk.scheduling]
    unscheduled = without_premiere(session, ours) if ours and gaps else []
    lanes = lanes_of(sorted(items + gaps, key=lambda i: i.starts), shown)
    return Grid(desk, column, cancelled, items, gaps, lanes, unscheduled)


@bp.get("/")
@login_required
def index() -> Response:
    return redirect(url_for(".week"))


@bp.get("/week")
@login_required
def week() -> str:
    """Seven days (or up to six weeks: ``end``) from ``start``, by default this week."""
    return _week_page(request.args)[0]


def _week_page(
    params: Mapping[str, str], *, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    today = local_date(_now())
    start_arg = params.get("start", "")
    end_arg = params.get("end", "")
    first = parse_day(start_arg, _("开始日期")) if start_arg else _monday(today)
    last = parse_day(end_arg, _("结束日期")) if end_arg else first + timedelta(days=6)
    if last < first:
        raise InvalidInput(
            f"the date range runs backwards: {last} is before {first}",
            code="range_backwards",
            first=first,
            last=last,
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(
            f"at most {MAX_DAYS} days at a time", code="range_too_long", most=MAX_DAYS
        )
    grid = _grid(params, first, last)
    span = (last - first).days + 1
    days = [Day(first + timedelta(days=i)) for i in range(span)]
    step = timedelta(days=7 if span <= 7 else span)
    page = render_template(
        "schedule/week.html",
        grid=grid,
        desk=grid.desk,
        column=grid.column,
        days=days,
        first=first,
        last=last,
        today=today,
        items=grid.items,
        series=legend(grid.items),
        cancelled=grid.cancelled,
        custom_end=bool(end_arg),
        previous=first - step,
        following=first + step,
        this_week=_monday(today),
        # 看整月: the month most of the days shown are in (a week's Thursday, as ISO weeks
        # count), not the month of its Monday.
        whole_month=first + (last - first) // 2,
        back={"back": "week", "start": first.isoformat(), "end": end_arg},
        error=error,
        chosen=_chosen_place(params),
        sheet_links=sheet_views.week_links(
            request_session(), [grid.column] if grid.column else grid.desk.columns, first
        ),
        **_labels(),
    )
    return page, status


@bp.get("/month")
@login_required
def month() -> str:
    """A calendar month, by default this one: weeks from Monday, the days outside greyed."""
    return _month_page(request.args)[0]


def _month_page(
    params: Mapping[str, str], *, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    today = local_date(_now())
    month_arg = params.get("month", "")
    first = parse_month(month_arg) if month_arg else today.replace(day=1)
    after = next_month(first)
    last = after - timedelta(days=1)
    grid = _grid(params, first, last)
    grid_first = _monday(first)
    grid_last = _monday(last) + timedelta(days=6)
    cells = [
        Day(grid_first + timedelta(days=i), inside=first <= grid_first + timedelta(days=i) <= last)
        for i in range((grid_last - grid_first).days + 1)
    ]
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    page = render_template(
        "schedule/month.html",
        grid=grid,
        desk=grid.desk,
        column=grid.column,
        weeks=weeks,
        first=first,
        today=today,
        items=grid.items,
        series=legend(grid.items),
        cancelled=grid.cancelled,
        previous=previous_month(first),
        following=after,
        this_month=today.replace(day=1),
        back={"back": "month", "month": first.strftime("%Y-%m")},
        error=error,
        chosen=_chosen_place(params),
        **_labels(),
    )
    return page, status


def _labels() -> dict[str, object]:
    """What the grids' templates use, the labels translated once per page (not per airing)."""
    return {
        "KIND": {k: str(v) for k, v in KIND.items()},
        "STATUS": {k: str(v) for k, v in STATUS.items()},
        "ASRUN": {k: str(v) for k, v in asrun_labels.ASRUN.items()},
        "AsRunState": AsRunState,
        "asrun_badge": asrun_labels.badge,
        "said_difference": asrun_labels.difference,
        "WEEKDAYS": [str(w) for w in WEEKDAYS],
        "BADGE": {
            "exchange": _("交流"),
            "fill": _("补播"),
            "fill_title": _("空档补播：重播本栏目已播出的节目"),
            "campaign": _("集中播放"),
            "pinned": _("固定"),
            "external": _("外部"),
            "from_work": _("来自《%(name)s》"),
            "all_day": _("全天"),
            "untitled": _("（无标题）"),
            "gap": _("空档"),
        },
        "airing_path": url_for(".airing", airing_id=0).removesuffix("0"),
        "series_colour": series_colour,
        "minutes": lambda episode: max(1, round(episode_duration(episode) / 60)),
        "said": schedule_reasons.said,
        "SlotKind": SlotKind,
        "AiringStatus": AiringStatus,
    }


# --- the report -----------------------------------------------------------------------------------


@bp.get("/report")
@login_required
def report() -> str:
    """Approved episodes without a premiere (and why), air-by dates at risk, stale airings,
    the empty premiere occurrences of the next four weeks (with what may fill each, for its
    schedulers), and each reporting priority's coverage per column (as ``tvcolumn schedule
    report``)."""
    return _report_page(request.args)[0]


def _report_page(
    params: Mapping[str, str], *, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    session = request_session()
    desk = desk_of(session, current_person())
    column = _chosen(desk, params.get("column"))
    ids = [column.id] if column is not None else desk.ids
    found = schedule_report(session, _now(), column_ids=ids)
    page = render_template(
        "schedule/report.html",
        desk=desk,
        column=column,
        report=found,
        coverage=priority_coverage(session, *found.horizon, column_ids=ids),
        fill_states=asrun_state(session, found.fills, _now()) if found.fills else {},
        campaign_fills=[
            campaigns.fill(session, c)
            for c in campaigns.campaigns(session, column_ids=ids, since=local_date(_now()))
        ],
        REASON=REASON,
        here=_here,
        fillers=_fillers(found.empty, [u.episode for u in found.unscheduled], desk),
        occurrence_value=occurrence_value,
        back={"back": "report"},
        error=error,
        chosen=_chosen_place(params),
        **_labels(),
    )
    return page, status


def _fillers(
    gaps: Sequence[EmptyOccurrence], episodes: Sequence[Episode], desk: Desk
) -> dict[str, list[Episode]]:
    """For each empty occurrence the viewer may fill (by ``occurrence_value``): the
    unscheduled episodes of its column that are not too long for it and may still air
    that day. ``schedule.airings.place`` decides; this only spares the reader hopeless
    choices."""
    settings = BuildSettings()
    found: dict[str, list[Episode]] = {}
    for gap in gaps:
        if gap.slot.column_id not in desk.scheduling:
            continue
        day = local_date(gap.starts_at)
        found[occurrence_value(gap.slot.id, gap.starts_at)] = [
            e
            for e in episodes
            if e.column_id == gap.slot.column_id
            and not settings.too_long(episode_duration(e), gap.slot.duration_s)
            and (e.air_by is None or day <= e.air_by)
        ]
    return found


# --- placing an episode into an empty occurrence (安排) ---------------------------------------


def _chosen_place(params: Mapping[str, str]) -> tuple[str, str]:
    """The episode and occurrence a refused place form had chosen (shown chosen again)."""
    return params.get("episode", ""), params.get("occurrence", "")


def _parse_occurrence(value: str) -> tuple[int, datetime]:
    slot_id, _sep, at = value.partition("@")
    try:
        number, starts_at = int(slot_id), datetime.fromisoformat(at)
    except ValueError:
        starts_at = None
    if starts_at is None or starts_at.tzinfo is None:
        raise InvalidInput(
            "choose an empty occurrence", {"occurrence": "required"}, code="occurrence_required"
        )
    _check_year(starts_at.year)
    return number, starts_at


def _parse_episode(value: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise InvalidInput("choose an episode", {"episode": "required"}, code="episode_required")
    return int(value)


PLACED_FROM = {"report": _report_page, "week": _week_page, "month": _month_page}


@bp.post("/place")
@login_required
def place() -> Response | tuple[str, int]:
    """Place an approved episode without a premiere into an empty premiere occurrence
    (``schedule.airings.place``); a refusal re-shows the page it came from, with the
    choice kept and nothing stored."""
    session = request_session()
    form = request.form
    shown = PLACED_FROM.get(form.get("back", ""), _report_page)
    try:
        slot_id, starts_at = _parse_occurrence(form.get("occurrence", ""))
        episode_id = _parse_episode(form.get("episode", ""))
        slot = slots.get_slot(session, slot_id)
        episode = session.get(Episode, episode_id)
        if episode is None:
            raise NotFound(f"no episode {episode_id}")
        placed = airings.place(session, current_person(), slot, starts_at, episode, _now())
    except (InvalidInput, Conflict) as refused:
        session.rollback()
        return shown(form, error=errors.describe(refused), status=errors.status_of(refused))
    flash(
        _(
            "已把《%(title)s》安排在 %(at)s 首播（已固定）。",
            title=episode.title,
            at=f"{_here(placed.starts_at):%Y-%m-%d %H:%M}",
        )
    )
    return redirect(_back_url(form))


def _back_url(form: Mapping[str, str]) -> str:
    keep = {k: form.get(k) or None for k in ("column", "cancelled")}
    match form.get("back"):
        case "week":
            return url_for(
                ".week", start=form.get("start") or None, end=form.get("end") or None, **keep
            )
        case "month":
            return url_for(".month", month=form.get("month") or None, **keep)
    return url_for(".report", column=keep["column"])


# --- one airing and the schedulers' acts ----------------------------------------------------------


def _airing(session: Session, desk: Desk, airing_id: int) -> Airing:
    airing = session.scalar(
        select(Airing)
        .where(Airing.id == airing_id)
        .options(
            joinedload(Airing.slot).joinedload(Slot.column),
            joinedload(Airing.episode).joinedload(Episode.series),
            joinedload(Airing.episode).joinedload(Episode.column),
        )
    )
    if airing is None:
        raise NotFound(f"no airing {airing_id}")
    if airing.slot.column_id not in desk.ids:
        raise Forbidden(
            f"not a member of column {airing.slot.column.slug}", code="not_column_member"
        )
    return airing


def free_occurrences(session: Session, slot: Slot, now: datetime) -> list[Occurrence]:
    """The slot's next occurrences without a live airing (up to ``FREE_SHOWN``)."""
    until = now + FREE_HORIZON
    taken = set(
        session.scalars(
            select(Airing.starts_at).where(
                Airing.slot_id == slot.id,
                Airing.status != AiringStatus.CANCELLED,
                Airing.starts_at >= now,
                Airing.starts_at < until,
            )
        )
    )
    free = [o for o in slot_occurrences(slot, now, until) if o.starts_at not in taken]
    return free[:FREE_SHOWN]


def movable(airing: Airing, now: datetime) -> tuple[bool, str]:
    """Whether the move form makes sense for this airing, and if not, why (shown instead)."""
    if airing.fill:
        return False, _("补播由编排自动安排在空档：可以撤下，或把新节目安排到这一期。")
    if airing.kind is not SlotKind.PREMIERE:
        return False, _("重播随首播安排：改动首播，重播随之调整。")
    if airing.status is AiringStatus.AIRED:
        return False, _("已经播出。")
    if airing.status is AiringStatus.CANCELLED:
        return True, ""  # the pulled episode may go to another occurrence
    if airing.status is AiringStatus.PUBLISHED:
        return False, _("已发布的播出不能直接改期：请先撤下（订阅日历会显示取消），再重新安排。")
    if airing.pinned:
        return False, _("已固定：先取消固定才能改期。")
    if airing.starts_at < now:
        return False, _("这次播出已经开始。")
    return True, ""


def _page(
    airing: Airing, desk: Desk, *, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    session = request_session()
    now = _now()
    related = list(
        session.scalars(
            select(Airing)
            .where(
                (Airing.premiere_id == airing.id)
                if airing.kind is SlotKind.PREMIERE
                else (Airing.id == airing.premiere_id)
            )
            .options(joinedload(Airing.slot))
            .order_by(Airing.starts_at)
        )
    )
    states = asrun_state(session, [airing, *related], now)
    may_act = airing.slot.column_id in desk.scheduling
    can_move, why_not = movable(airing, now)
    free = free_occurrences(session, airing.slot, now) if may_act and can_move else []
    return (
        render_template(
            "schedule/airing.html",
            airing=airing,
            desk=desk,
            related=related,
            may_act=may_act,
            can_move=can_move,
            why_not=why_not,
            free=free,
            here=_here,
            error=error,
            episode_visible=airing.episode.column_id in desk.ids,
            states=states,
            asrun_week=week_label(week_of(airing.starts_at)),
            channel_code=channel_of(session, airing.slot).code,
            week_start=_monday(local_date(airing.starts_at)),
            **_labels(),
        ),
        status,
    )


@bp.get("/airings/<int:airing_id>")
@login_required
def airing(airing_id: int) -> tuple[str, int]:
    desk = desk_of(request_session(), current_person())
    return _page(_airing(request_session(), desk, airing_id), desk)


Act = Callable[[Session, Person, Airing, datetime], Airing | list[Airing]]


def _act(airing_id: int, act: Act, done: str) -> Response | tuple[str, int]:
    """Run one act of ``schedule.airings``; a refusal re-shows the page (nothing stored)."""
    session = request_session()
    person = current_person()
    desk = desk_of(session, person)
    target = _airing(session, desk, airing_id)
    try:
        result = act(session, person, target, _now())
    except InvalidInput as error:
        session.rollback()  # nothing half-done shows on the page either
        return _page(
            _airing(session, desk, airing_id), desk, error=errors.describe(error), status=422
        )
    shown = result[0] if isinstance(result, list) else result
    flash(done)
    return redirect(url_for(".airing", airing_id=shown.id))


@bp.post("/airings/<int:airing_id>/pin")
@login_required
def pin(airing_id: int) -> Response | tuple[str, int]:
    return _act(airing_id, airings.pin, _("已固定：重新编排不会改动这次播出。"))


@bp.post("/airings/<int:airing_id>/unpin")
@login_required
def unpin(airing_id: int) -> Response | tuple[str, int]:
    return _act(airing_id, airings.unpin, _("已取消固定：下次编排可能调整这次播出。"))


@bp.post("/airings/<int:airing_id>/pull")
@login_required
def pull(airing_id: int) -> Response | tuple[str, int]:
    reason = request.form.get("reason", "")

    def act(session: Session, actor: Person, target: Airing, now: datetime) -> list[Airing]:
        if len(reason) > MAX_REASON:
            raise InvalidInput(
                f"a reason has at most {MAX_REASON} characters",
                {"reason": "too long"},
                code="reason_too_long",
                most=MAX_REASON,
            )
        return airings.pull(session, actor, target, now, reason=reason)

    return _act(airing_id, act, _("已撤下（首播的重播一并撤下）。"))


@bp.post("/airings/<int:airing_id>/move")
@login_required
def move(airing_id: int) -> Response | tuple[str, int]:
    """Move the airing's episode to another occurrence of the slot (pinned there)."""
    chosen = request.form.get("at", "")

    def act(session: Session, actor: Person, target: Airing, now: datetime) -> Airing:
        try:
            starts_at = datetime.fromisoformat(chosen)
        except ValueError:
            starts_at = None
        if starts_at is None or starts_at.tzinfo is None:
            raise InvalidInput("choose a new time", {"at": "required"}, code="new_time_required")
        return airings.assign(session, actor, target.slot, starts_at, target.episode, now)

    return _act(airing_id, act, _("已改期，并固定在新的时间。"))
