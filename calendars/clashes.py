"""The clash report (播出冲突): what the county columns' own feeds show against our schedule.

Two kinds:

- ``exchange``: the same exchanged episode (交流节目, ``Episode.offered_for_exchange``)
  aired by two different columns within ``FeedSettings.clash_days`` days. An
  airing is one of our live airings (not cancelled), or an imported county
  airing whose summary contains the episode's title (both normalized: NFKC,
  without whitespace, punctuation or 《》, case-folded; a title shorter than
  four characters never matches, it would match too much). One clash is
  reported per episode and pair of columns: the closest two airings. A county's
  concentrated broadcast (集中播放) relays exchanged episodes on purpose: its
  airings make no clash.
- ``relay``: a county column's imported airing that overlaps in time a live
  airing of a part of a relay series (``Series.relay``, 转播) of another
  column: the county should be relaying the series then. An imported event
  whose summary names the series or the part is the relay itself, not a
  clash; all-day events do not overlap anything.

Only clashes still ahead are reported: the later airing of an exchange clash,
or the overlap of a relay clash, ends after ``now``. Sources that are
disabled are left out. The report costs five queries whatever its size.
"""

from __future__ import annotations

import enum
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from calendars.models import ExternalAiring, FeedSource
from calendars.settings import FeedSettings
from editorial.models import Column, Episode, Level, Series
from editorial.workdays import SHANGHAI
from schedule.models import Airing, AiringStatus, Slot

MIN_TITLE = 4  # characters of a normalized title, below which it never matches
WEEKDAYS = "一二三四五六日"
DEFAULT_SETTINGS = FeedSettings()


class ClashKind(enum.StrEnum):
    EXCHANGE = "exchange"  # 交流节目重复播出
    RELAY = "relay"  # 转播时段被占用


@dataclass(frozen=True)
class Showing:
    """One side of a clash: a live airing of ours, or an airing imported from a county feed."""

    column_id: int
    column_name: str
    starts_at: datetime
    ends_at: datetime
    airing_id: int | None = None  # ours
    external_id: int | None = None  # imported (ExternalAiring)
    source_name: str = ""
    summary: str = ""  # what the county feed called it

    @property
    def external(self) -> bool:
        return self.external_id is not None

    def describe(self) -> str:
        """The column and the time, in Chinese: 某县栏目（外部日历“…”）3月8日 周日 19:30"""
        where = (
            f"{self.column_name}（外部日历“{self.source_name}”）"
            if self.external
            else (self.column_name)
        )
        return f"{where} {local_time(self.starts_at)}"


@dataclass(frozen=True)
class Clash:
    kind: ClashKind
    first: Showing  # the earlier
    second: Showing
    message: str  # one sentence in Chinese
    episode_id: int | None = None
    episode_title: str = ""
    series_id: int | None = None
    series_title: str = ""


def normalize(text: str) -> str:
    """NFKC, without whitespace, punctuation (《》 included) or control characters, case-folded."""
    return "".join(
        ch
        for ch in unicodedata.normalize("NFKC", text)
        if unicodedata.category(ch)[0] not in "PZC" and not ch.isspace()
    ).casefold()


def local_time(moment: datetime) -> str:
    here = moment.astimezone(SHANGHAI)
    return f"{here.month}月{here.day}日 周{WEEKDAYS[here.weekday()]} {here:%H:%M}"


class TitleIndex:
    """Finds which titles a text contains, indexed by each title's first characters."""

    def __init__(self, titles: Iterable[tuple[int, str]]) -> None:
        self._by_head: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for key, title in titles:
            norm = normalize(title)
            if len(norm) >= MIN_TITLE:
                self._by_head[norm[:MIN_TITLE]].append((norm, key))

    def keys_in(self, text: str) -> set[int]:
        norm = normalize(text)
        found: set[int] = set()
        for i in range(len(norm) - MIN_TITLE + 1):
            for title, key in self._by_head.get(norm[i : i + MIN_TITLE], ()):
                if norm.startswith(title, i):
                    found.add(key)
        return found


def clashes(
    session: Session, now: datetime, settings: FeedSettings = DEFAULT_SETTINGS
) -> list[Clash]:
    """Every clash still ahead, the earliest first."""
    columns = {c.id: c.name for c in session.execute(select(Column.id, Column.name))}
    found = _exchange_clashes(session, now, settings, columns) + _relay_clashes(
        session, now, settings, columns
    )
    return sorted(found, key=lambda c: (c.first.starts_at, c.second.starts_at, c.kind))


def _exchange_clashes(
    session: Session, now: datetime, settings: FeedSettings, columns: dict[int, str]
) -> list[Clash]:
    window = timedelta(days=settings.clash_days)
    since = now - window
    titles: dict[int, str] = {
        episode_id: title
        for episode_id, title in session.execute(
            select(Episode.id, Episode.title).where(Episode.offered_for_exchange.is_(True))
        )
    }
    if not titles:
        return []
    showings: dict[int, list[Showing]] = defaultdict(list)
    own = session.execute(
        select(Airing.id, Airing.episode_id, Airing.starts_at, Airing.ends_at, Slot.column_id)
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Episode, Episode.id == Airing.episode_id)
        .where(
            Episode.offered_for_exchange.is_(True),
            Airing.status != AiringStatus.CANCELLED,
            Airing.starts_at >= since,
            Slot.campaign.is_(False),  # a concentrated broadcast replays material on purpose
        )
    )
    for airing_id, episode_id, starts_at, ends_at, column_id in own:
        showings[episode_id].append(
            Showing(column_id, columns[column_id], starts_at, ends_at, airing_id=airing_id)
        )
    index = TitleIndex(titles.items())
    imported = session.execute(
        select(
            ExternalAiring.id,
            ExternalAiring.summary,
            ExternalAiring.starts_at,
            ExternalAiring.ends_at,
            FeedSource.column_id,
            FeedSource.name,
        )
        .join(FeedSource, FeedSource.id == ExternalAiring.source_id)
        .where(FeedSource.active.is_(True), ExternalAiring.starts_at >= since)
    )
    for external_id, summary, starts_at, ends_at, column_id, source_name in imported:
        for episode_id in index.keys_in(summary):
            showings[episode_id].append(
                Showing(
                    column_id,
                    columns[column_id],
                    starts_at,
                    ends_at,
                    external_id=external_id,
                    source_name=source_name,
                    summary=summary,
                )
            )
    found: list[Clash] = []
    for episode_id, items in showings.items():
        found += _closest_pairs(episode_id, titles[episode_id], items, window, now, settings)
    return found


def _closest_pairs(
    episode_id: int,
    title: str,
    items: list[Showing],
    window: timedelta,
    now: datetime,
    settings: FeedSettings,
) -> list[Clash]:
    """For each pair of columns, the two airings of the episode closest in time, if close."""
    items.sort(key=lambda s: (s.starts_at, s.column_id))
    best: dict[tuple[int, int], tuple[Showing, Showing]] = {}
    for i, first in enumerate(items):
        for second in items[i + 1 :]:
            gap = second.starts_at - first.starts_at
            if gap > window:
                break
            if second.column_id == first.column_id or second.ends_at <= now:
                continue
            pair = (min(first.column_id, second.column_id), max(first.column_id, second.column_id))
            known = best.get(pair)
            if known is None or gap < known[1].starts_at - known[0].starts_at:
                best[pair] = (first, second)
    return [
        Clash(
            ClashKind.EXCHANGE,
            first,
            second,
            _exchange_message(title, first, second, settings),
            episode_id=episode_id,
            episode_title=title,
        )
        for first, second in best.values()
    ]


def _exchange_message(title: str, first: Showing, second: Showing, settings: FeedSettings) -> str:
    days = (
        second.starts_at.astimezone(SHANGHAI).date() - first.starts_at.astimezone(SHANGHAI).date()
    ).days
    apart = f"相隔 {days} 天" if days else "同一天播出"
    return (
        f"交流节目《{title}》在 {settings.clash_days} 天内被两个栏目播出："
        f"{first.describe()}，{second.describe()}，{apart}。"
    )


def _relay_clashes(
    session: Session, now: datetime, settings: FeedSettings, columns: dict[int, str]
) -> list[Clash]:
    county = aliased(Column)
    rows = session.execute(
        select(
            ExternalAiring.id,
            ExternalAiring.summary,
            ExternalAiring.starts_at,
            ExternalAiring.ends_at,
            FeedSource.column_id,
            FeedSource.name,
            Airing.id,
            Airing.starts_at,
            Airing.ends_at,
            Slot.column_id,
            Episode.id,
            Episode.title,
            Episode.part_number,
            Series.id,
            Series.title,
            Series.parts,
        )
        .select_from(ExternalAiring)
        .join(FeedSource, FeedSource.id == ExternalAiring.source_id)
        .join(county, county.id == FeedSource.column_id)
        .join(
            Airing,
            and_(
                Airing.starts_at < ExternalAiring.ends_at,
                Airing.ends_at > ExternalAiring.starts_at,
            ),
        )
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Episode, Episode.id == Airing.episode_id)
        .join(Series, Series.id == Episode.series_id)
        .where(
            Series.relay.is_(True),
            Airing.status != AiringStatus.CANCELLED,
            Slot.column_id != FeedSource.column_id,
            county.level == Level.COUNTY,
            FeedSource.active.is_(True),
            ExternalAiring.all_day.is_(False),
            ExternalAiring.ends_at > now,
            Airing.ends_at > now,
        )
        .order_by(ExternalAiring.starts_at, Airing.starts_at)
    )
    found: list[Clash] = []
    for (
        ext_id,
        summary,
        ext_start,
        ext_end,
        county_id,
        source_name,
        airing_id,
        a_start,
        a_end,
        column_id,
        episode_id,
        title,
        part,
        series_id,
        series_title,
        parts,
    ) in rows:
        if TitleIndex([(0, series_title), (1, title)]).keys_in(summary):
            continue  # the county airs the relay itself
        theirs = Showing(
            county_id,
            columns[county_id],
            ext_start,
            ext_end,
            external_id=ext_id,
            source_name=source_name,
            summary=summary,
        )
        ours = Showing(column_id, columns[column_id], a_start, a_end, airing_id=airing_id)
        message = (
            f"{theirs.describe()}–{ext_end.astimezone(SHANGHAI):%H:%M} 播出“{summary}”，"
            f"与应转播的连续报道《{series_title}》第 {part}/{parts} 集"
            f"（{ours.describe()}–{a_end.astimezone(SHANGHAI):%H:%M}）时间重叠。"
        )
        first, second = sorted((theirs, ours), key=lambda s: (s.starts_at, s.external))
        found.append(
            Clash(
                ClashKind.RELAY,
                first,
                second,
                message,
                episode_id=episode_id,
                episode_title=title,
                series_id=series_id,
                series_title=series_title,
            )
        )
    return found


__all__ = ["Clash", "ClashKind", "Showing", "clashes", "normalize"]
