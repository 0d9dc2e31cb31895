"""Concentrated broadcasts (集中播放): a county without a fixed column plans a campaign,
a date range and its daily airtimes on its local station.

A campaign is no table of its own: it is the campaign slots (``Slot.campaign``) of
one column that share a date range, each a daily rule from the first to the last
day, one per airtime. Planning one creates those slots in one act, through
``schedule.slots`` (its rules: the scheduler, the channel free); the builder fills
their occurrences (``schedule.builder_campaign``) and the report shows the fill.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from editorial.errors import InvalidInput
from editorial.models import Column, Person
from editorial.text import visible_text
from editorial.workdays import local_date
from schedule import slots
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from schedule.recurrence import zone

DAILY = "FREQ=DAILY"
MAX_CAMPAIGN_DAYS = 366  # a longer concentrated broadcast is a fixed column, or a typo
MAX_AHEAD_DAYS = 5 * 366  # a campaign planned further ahead is a typo

CampaignKey = tuple[int, date, date]  # (column id, first day, last day)


def campaign_key(slot: Slot) -> CampaignKey:
    """Which campaign a campaign slot belongs to: its column and its date range."""
    assert slot.last_date is not None  # a campaign slot always has one (campaign_last_date)
    return (slot.column_id, slot.first_date, slot.last_date)


@dataclass(frozen=True)
class Airtime:
    """One daily airtime of a campaign, in Asia/Shanghai (or the campaign's zone)."""

    local_start: time
    duration_s: int
    name: str = ""


@dataclass(frozen=True)
class CampaignSpec:
    first_date: date
    last_date: date
    airtimes: tuple[Airtime, ...]
    title: str = "集中播放"  # the slots are named 「title（19:00）」
    station: str | None = None  # default: the column's
    channel: str | None = None
    timezone: str = slots.DEFAULT_TIMEZONE


@dataclass(frozen=True)
class Campaign:
    """A planned concentrated broadcast: its column, range and airtimes (slots)."""

    column: Column
    first_date: date
    last_date: date
    slots: tuple[Slot, ...]

    @property
    def key(self) -> CampaignKey:
        return (self.column.id, self.first_date, self.last_date)

    @property
    def days(self) -> int:
        return (self.last_date - self.first_date).days + 1


def plan_campaign(
    session: Session, actor: Person, column: Column, now: datetime, spec: CampaignSpec
) -> Campaign:
    """Create the campaign's slots, one daily slot per airtime; flush only.

    Refused: a range that ends before it starts, one wholly in the past or longer
    than a year, no airtime, two airtimes of the campaign that overlap, and (by
    ``schedule.slots``) an airtime that overlaps another slot on the channel.
    """
    slots.require_scheduler(session, actor, column)
    _check(spec, local_date(now))
    made = []
    for airtime in sorted(spec.airtimes, key=lambda a: a.local_start):
        name = visible_text(airtime.name) or f"{spec.title}（{airtime.local_start:%H:%M}）"
        made.append(
            slots.create_slot(
                session,
                actor,
                column,
                now,
                slots.SlotSpec(
                    name=name,
                    kind=SlotKind.PREMIERE,
                    local_start=airtime.local_start,
                    duration_s=airtime.duration_s,
                    rrule=DAILY,
                    first_date=spec.first_date,
                    last_date=spec.last_date,
                    station=spec.station,
                    channel=spec.channel,
                    timezone=spec.timezone,
                    campaign=True,
                ),
            )
        )
    return Campaign(column, spec.first_date, spec.last_date, tuple(made))


def _check(spec: CampaignSpec, today: date) -> None:
    first, last = spec.first_date, spec.last_date
    if last < first:
        raise InvalidInput(
            f"the campaign ends on {last}, before it starts on {first}",
            {"last_date": "before first date"},
            code="campaign_ends_before_start",
            first=first,
            last=last,
        )
    if last < today:
        raise InvalidInput(
            f"the campaign {first} to {last} is over: nothing of it is left to air",
            {"last_date": "in the past"},
            code="campaign_range_past",
            first=first,
            last=last,
        )
    if (last - first).days >= MAX_CAMPAIGN_DAYS:
        raise InvalidInput(
            f"the campaign {first} to {last} is longer than a year",
            {"last_date": "too far"},
            code="campaign_range_too_long",
            first=first,
            last=last,
        )
    if (first - today).days > MAX_AHEAD_DAYS:
        raise InvalidInput(
            f"the campaign starts on {first}, more than five years ahead",
            {"first_date": "too far"},
            code="campaign_too_far",
            first=first,
        )
    if not spec.airtimes:
        raise InvalidInput(
            "a campaign needs at least one airtime",
            {"airtimes": "required"},
            code="campaign_no_airtimes",
        )
    for a in spec.airtimes:
        if not 0 < a.duration_s <= 86400:
            raise InvalidInput(
                f"the airtime at {a.local_start:%H:%M} needs a length of 1 second to 24 hours",
                {"airtimes": "duration"},
                code="campaign_airtime_length",
                at=f"{a.local_start:%H:%M}",
            )
    clash = _overlapping(spec.airtimes)
    if clash is not None:
        one, other = clash
        raise InvalidInput(
            f"the airtimes at {one:%H:%M} and {other:%H:%M} overlap on the same channel",
            {"airtimes": "overlap"},
            code="campaign_airtimes_overlap",
            first=f"{one:%H:%M}",
            second=f"{other:%H:%M}",
        )


def _overlapping(airtimes: Iterable[Airtime]) -> tuple[time, time] | None:
    """Two airtimes of one day that overlap (or the same one twice), by local clock time;
    an airtime running past midnight is checked against the next day's first ones too."""
    day = date(2000, 1, 3)
    spans = sorted(
        (
            datetime.combine(day + timedelta(days=shift), a.local_start),
            datetime.combine(day + timedelta(days=shift), a.local_start)
            + timedelta(seconds=a.duration_s),
            a.local_start,
        )
        for a in airtimes
        for shift in (0, 1)
    )
    for (_, ends, at), (starts, _, other) in itertools.pairwise(spans):
        if starts < ends:
            return at, other
    return None


def campaigns(
    session: Session, *, column_ids: Sequence[int] | None = None, since: date | None = None
) -> list[Campaign]:
    """The campaigns (of these columns), those ending on or after ``since``, by start."""
    query = (
        select(Slot)
        .where(Slot.campaign.is_(True), Slot.last_date.is_not(None))
        .options(selectinload(Slot.dates), selectinload(Slot.column))
        .order_by(Slot.first_date, Slot.local_start, Slot.id)
    )
    if column_ids is not None:
        query = query.where(Slot.column_id.in_(column_ids))
    if since is not None:
        query = query.where(Slot.last_date >= since)
    grouped: dict[CampaignKey, list[Slot]] = {}
    for slot in session.scalars(query):
        grouped.setdefault(campaign_key(slot), []).append(slot)
    return [
        Campaign(found[0].column, key[1], key[2], tuple(found))
        for key, found in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2]))
    ]


@dataclass(frozen=True)
class Occurrence:
    """One airtime of a campaign on one day, and the live airing in it (if any)."""

    slot: Slot
    starts_at: datetime
    ends_at: datetime
    airing: Airing | None


@dataclass(frozen=True)
class Fill:
    """How a campaign's airtimes are filled."""

    campaign: Campaign
    occurrences: tuple[Occurrence, ...]

    @property
    def total(self) -> int:
        return len(self.occurrences)

    @property
    def filled(self) -> int:
        return sum(1 for o in self.occurrences if o.airing is not None)

    @property
    def empty(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.airing is None]


def fill(session: Session, campaign: Campaign) -> Fill:
    """Every occurrence of the campaign (its stop dates left out) and what airs in it."""
    tz = zone(campaign.slots[0].timezone)
    start = datetime.combine(campaign.first_date, time(), tz) - timedelta(days=1)
    end = datetime.combine(campaign.last_date, time(), tz) + timedelta(days=2)
    ids = [s.id for s in campaign.slots]
    live = {
        (a.slot_id, a.starts_at): a
        for a in session.scalars(
            select(Airing)
            .where(
                Airing.slot_id.in_(ids),
                Airing.status != AiringStatus.CANCELLED,
                Airing.starts_at >= start,
                Airing.starts_at < end,
            )
            .options(selectinload(Airing.episode))
        )
    }
    found = [
        Occurrence(slot, o.starts_at, o.ends_at, live.get((slot.id, o.starts_at)))
        for slot in campaign.slots
        for o in slots.slot_occurrences(slot, start, end)
    ]
    found.sort(key=lambda o: (o.starts_at, o.slot.id))
    return Fill(campaign, tuple(found))
