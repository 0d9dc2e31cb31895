"""The feeds: which there are, what each shows, and their bytes.

A feed is a selection of ledger rows (``FeedEvent``) inside a window of local
days, joined into one calendar by ``calendars.ical.serialize``. What a feed
shows depends only on the ledger and on today's date (the window moves and
cancelled events age out by the day), so its bytes can be cached until either
changes.

* ``all``: every column's airings and the county columns' imported ones;
* ``column``: one column's airings (what its slots air, exchanges included)
  and what its own feed source brought;
* ``liaison``: the liaison meetings, the priorities' windows (all-day events over
  several days) and their submission deadlines;
* ``person``: one person's review due dates and the airings of their
  episodes; private, behind a token (``calendars.tokens``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from calendars import ical
from calendars.models import EventKind, EventStatus, FeedEvent
from calendars.settings import DEFAULT_SETTINGS, FeedSettings
from editorial.errors import FieldErrors, InvalidInput
from editorial.models import Column, Episode, Membership, Person, Stage, StageSigner
from editorial.workdays import SHANGHAI, local_date
from editorial.workflow import STAGE_ROLE

PUBLIC_KINDS = (EventKind.AIRING, EventKind.EXTERNAL)


class FeedKind(enum.StrEnum):
    ALL = "all"
    COLUMN = "column"
    LIAISON = "liaison"
    PERSON = "person"


@dataclass(frozen=True)
class Feed:
    kind: FeedKind
    name: str  # the calendar's name (NAME, X-WR-CALNAME)
    description: str
    path: str  # where it is served and exported, e.g. ``columns/shidai.ics``
    column_id: int | None = None
    person_id: int | None = None

    @property
    def public(self) -> bool:
        return self.kind is not FeedKind.PERSON


@dataclass(frozen=True)
class Window:
    """Local days ``first`` to ``last`` inclusive, and the day it was computed on."""

    today: date
    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time(), SHANGHAI).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)


def window(
    now: datetime,
    back: int | None = None,
    ahead: int | None = None,
    settings: FeedSettings = DEFAULT_SETTINGS,
) -> Window:
    """The window of days around today; ``back``/``ahead`` within the settings' limits."""
    errors = FieldErrors()
    back = settings.days_back if back is None else back
    ahead = settings.days_ahead if ahead is None else ahead
    if not 0 <= back <= settings.max_days_back:
        errors.add(
            "back",
            "feed_days_back",
            f"days back must be between 0 and {settings.max_days_back}",
            most_back=settings.max_days_back,
        )
    if not 0 <= ahead <= settings.max_days_ahead:
        errors.add(
            "ahead",
            "feed_days_ahead",
            f"days ahead must be between 0 and {settings.max_days_ahead}",
            most_ahead=settings.max_days_ahead,
        )
    if errors:
        raise InvalidInput("the feed window is out of range", errors, code="feed_window")
    today = local_date(now)
    return Window(today, today - timedelta(days=back), today + timedelta(days=ahead))


# --- which feeds there are --------------------------------------------------------------------


def all_feed() -> Feed:
    return Feed(
        FeedKind.ALL, "全部栏目播出安排", "《时代风采》及各县级党建栏目的播出安排", "all.ics"
    )


def liaison_feed() -> Feed:
    return Feed(FeedKind.LIAISON, "通联工作日历", "通联会议与季度宣传报道重点", "liaison.ics")


def column_feed(column: Column) -> Feed:
    return Feed(
        FeedKind.COLUMN,
        f"《{column.name}》播出安排",
        f"{column.station} {column.channel}《{column.name}》的首播与重播",
        f"columns/{column.slug}.ics",
        column_id=column.id,
    )


def person_feed(person: Person) -> Feed:
    return Feed(
        FeedKind.PERSON,
        f"{person.display_name}的审片与播出",
        "我的审片截止日期和我的节目的播出安排（个人订阅，请勿转发）",
        "people/{token}.ics",
        person_id=person.id,
    )


def public_feeds(session: Session) -> list[Feed]:
    columns = session.scalars(select(Column).order_by(Column.level, Column.slug))
    return [all_feed(), *(column_feed(c) for c in columns), liaison_feed()]


# --- what a feed shows ------------------------------------------------------------------------


def events(
    session: Session, feed: Feed, span: Window, settings: FeedSettings = DEFAULT_SETTINGS
) -> list[FeedEvent]:
    """The ledger rows the feed shows in the window, in calendar order."""
    kept_since = datetime.combine(
        span.today - timedelta(days=settings.cancelled_days), time(), SHANGHAI
    ).astimezone(UTC)
    in_window = or_(
        and_(
            FeedEvent.starts_at < span.ends_at,
            FeedEvent.ends_at > span.starts_at,
        ),
        and_(
            FeedEvent.day <= span.last,
            func.coalesce(FeedEvent.last_day, FeedEvent.day) >= span.first,
        ),
    )
    shown = or_(FeedEvent.status != EventStatus.CANCELLED, FeedEvent.cancelled_at >= kept_since)
    rows = session.scalars(
        select(FeedEvent)
        .where(in_window, shown, _selection(feed))
        .order_by(FeedEvent.starts_at, FeedEvent.day, FeedEvent.uid)
    )
    return sorted(rows, key=_order)


def _order(row: FeedEvent) -> tuple[datetime, str]:
    if row.starts_at is not None:
        return (row.starts_at, row.uid)
    assert row.day is not None
    return (datetime.combine(row.day, time(), SHANGHAI).astimezone(UTC), row.uid)


def _selection(feed: Feed) -> ColumnElement[bool]:
    match feed.kind:
        case FeedKind.ALL:
            return FeedEvent.kind.in_(PUBLIC_KINDS)
        case FeedKind.COLUMN:
            return and_(FeedEvent.kind.in_(PUBLIC_KINDS), FeedEvent.column_id == feed.column_id)
        case FeedKind.LIAISON:
            return FeedEvent.kind == EventKind.LIAISON
        case FeedKind.PERSON:
            assert feed.person_id is not None
            return _personal(feed.person_id)


def _personal(person_id: int) -> ColumnElement[bool]:
    """Airings of the person's episodes, and the reviews the person may sign.

    First review: the responsible producer. Second and final: whoever holds the
    stage's role in the column, less the episode's editor-director and anyone
    bound to another stage of it (four eyes) — the people who may sign.
    """
    own = select(Episode.id).where(
        or_(Episode.director_id == person_id, Episode.responsible_producer_id == person_id)
    )
    producer = select(Episode.id).where(Episode.responsible_producer_id == person_id)
    holds = [
        and_(
            FeedEvent.stage == stage.value,
            exists().where(
                Membership.person_id == person_id,
                Membership.column_id == FeedEvent.column_id,
                Membership.role == role,
            ),
        )
        for stage, role in STAGE_ROLE.items()
        if stage is not Stage.FIRST
    ]
    director = select(Episode.id).where(Episode.director_id == person_id)
    bound_elsewhere = exists().where(
        StageSigner.episode_id == FeedEvent.episode_id,
        StageSigner.person_id == person_id,
        StageSigner.stage != FeedEvent.stage,
    )
    review = and_(
        FeedEvent.kind == EventKind.REVIEW,
        or_(
            and_(FeedEvent.stage == Stage.FIRST.value, FeedEvent.episode_id.in_(producer)),
            and_(or_(*holds), FeedEvent.episode_id.not_in(director), ~bound_elsewhere),
        ),
    )
    airing = and_(FeedEvent.kind == EventKind.AIRING, FeedEvent.episode_id.in_(own))
    return or_(airing, review)


# --- the bytes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendering:
    body: bytes
    last_modified: datetime  # of the data shown (never earlier than the window's first day)
    events: int
    left_out: int = 0  # events of the window left out to keep the feed under its size


def render(
    session: Session, feed: Feed, span: Window, settings: FeedSettings = DEFAULT_SETTINGS
) -> Rendering:
    rows = events(session, feed, span, settings)
    kept = _within_size(rows, span, settings.max_feed_bytes)
    description = feed.description
    if len(kept) < len(rows):
        first, last = _local_day(kept[0]), _local_day(kept[-1])
        description += (
            f"（日历过大，只列出 {first} 至 {last} 的 {len(kept)} 项；"
            "可用 ?back= 和 ?ahead= 参数缩小日期范围）"
            if kept
            else "（日历过大，未列出任何节目）"
        )
    left_out = len(rows) - len(kept)
    rows = kept
    meta = ical.CalendarMeta(feed.name, description, settings.refresh)
    blocks = [_block(row) for row in rows]
    # The window itself is data: a day's move may bring an event in without changing it.
    day_began = datetime.combine(span.today, time(), SHANGHAI).astimezone(UTC)
    changed = max([day_began, *(row.last_modified for row in rows)])
    return Rendering(ical.serialize(meta, blocks), changed, len(rows), left_out)


HEADER_ALLOWANCE = 4_000  # the calendar's own lines and its VTIMEZONEs


def _within_size(rows: list[FeedEvent], span: Window, budget: int) -> list[FeedEvent]:
    """The events nearest today whose VEVENTs fit the budget, in calendar order."""
    sizes = [len(row.ical.encode()) for row in rows]
    if sum(sizes) + HEADER_ALLOWANCE <= budget:
        return rows
    today = datetime.combine(span.today, time(), SHANGHAI).astimezone(UTC)
    nearest = sorted(range(len(rows)), key=lambda i: (abs(_order(rows[i])[0] - today), i))
    chosen, total = set(), HEADER_ALLOWANCE
    for i in nearest:
        if total + sizes[i] > budget:
            break
        chosen.add(i)
        total += sizes[i]
    return [row for i, row in enumerate(rows) if i in chosen]


def _local_day(row: FeedEvent) -> date:
    return _order(row)[0].astimezone(SHANGHAI).date()


def _block(row: FeedEvent) -> ical.Rendered:
    if row.starts_at is not None:
        year = row.starts_at.astimezone(ZoneInfo(row.tzid)).year
        return ical.Rendered(row.ical.encode(), row.tzid, year)
    assert row.day is not None
    return ical.Rendered(row.ical.encode(), None, row.day.year)
