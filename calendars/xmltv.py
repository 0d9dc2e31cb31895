"""The XMLTV programme guide (节目指南) of a channel, for the station's EPG and guide sites.

One ``<channel>`` and a ``<programme>`` for every published or aired airing on it
in the feed window (``calendars.feeds.window``: what the iCalendar feeds show);
drafts and cancelled airings never leave the house. Times carry the channel's
local offset (``20260701193000 +0800``), texts ``lang="zh"``; a series part
(连续报道) gets its series as sub-title and its number twice: ``xmltv_ns``
(zero-based, ``.2/4.``) and the caption on screen (``连续报道（三）``). A rerun is
``<previously-shown>`` with the premiere's start, a premiere ``<new/>``.

The document follows the XMLTV DTD (https://github.com/XMLTV/xmltv, ``xmltv.dtd``)
and passes the project's ``tv_validate_file``. It is written as a stream
(``xml.sax.saxutils.XMLGenerator`` escapes every text and attribute); characters
XML 1.0 cannot carry (control characters) are dropped, so hostile titles still
give a valid document.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import IO
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from calendars.feeds import Window
from editorial.models import Column, Episode, PriorityTag, Series
from editorial.workdays import SHANGHAI
from media.captions import series_caption
from schedule.models import Airing, AiringStatus, BroadcastChannel, Slot, SlotKind

SOURCE_NAME = "《时代风采》党建电视栏目播出编排"
GENERATOR_NAME = "tvcolumn"
ID_DOMAIN = "tvcolumn"  # a channel's XMLTV id is ``<code>.<domain>`` (RFC 2838-like)
LANG = "zh"
SHOWN = (AiringStatus.PUBLISHED, AiringStatus.AIRED)
TIME_FORMAT = "%Y%m%d%H%M%S %z"
CHUNK = 500

# XML 1.0 characters less the C1 controls (tv_validate_file refuses those in UTF-8).
_UNSAYABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID_DOMAIN = re.compile(r"[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*")


@dataclass(frozen=True)
class Guide:
    """A rendered guide: its bytes, when the data shown last changed, how many programmes."""

    body: bytes
    last_modified: datetime
    programmes: int


@dataclass(frozen=True)
class Programme:
    """One airing as the guide shows it."""

    starts_at: datetime
    ends_at: datetime
    timezone: str
    title: str
    synopsis: str
    genre: str
    column_name: str
    kind: SlotKind
    fill: bool
    exchange: bool
    campaign: bool
    premiere_at: datetime | None
    series_title: str | None
    part: int | None
    parts: int | None
    media_duration_s: int | None
    tags: tuple[str, ...]
    updated_at: datetime


def id_domain(domain: str) -> str:
    """``domain`` if it can end a channel id ``tv_validate_file`` accepts; else ValueError."""
    if not _ID_DOMAIN.fullmatch(domain):
        raise ValueError(f"an XMLTV id domain is dotted letters, digits and hyphens: {domain!r}")
    return domain


def channel_id(channel: BroadcastChannel, domain: str = ID_DOMAIN) -> str:
    """The channel's XMLTV id: ``shidai.tvcolumn``."""
    return f"{channel.code}.{id_domain(domain)}"


def say(text: str) -> str:
    """``text`` less the characters an XML 1.0 document cannot hold."""
    return _UNSAYABLE.sub("", text)


def programmes(session: Session, channel: BroadcastChannel, span: Window) -> list[Programme]:
    """The published and aired airings on ``channel`` in the window, by start."""
    premiere = aliased(Airing)
    rows = session.execute(
        select(
            Airing.id,
            Airing.episode_id,
            Airing.starts_at,
            Airing.ends_at,
            Airing.kind,
            Airing.fill,
            Airing.exchange,
            Airing.updated_at,
            Slot.timezone,
            Slot.campaign,
            Slot.column_id,
            Column.name.label("column_name"),
            Episode.title,
            Episode.synopsis,
            Episode.genre,
            Episode.column_id.label("home_id"),
            Episode.part_number,
            Episode.media_duration_s,
            Series.title.label("series_title"),
            Series.parts,
            premiere.starts_at.label("premiere_at"),
        )
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Column, Column.id == Slot.column_id)
        .join(Episode, Episode.id == Airing.episode_id)
        .outerjoin(Series, Series.id == Episode.series_id)
        .outerjoin(premiere, premiere.id == Airing.premiere_id)
        .where(
            Slot.station == channel.station,
            Slot.channel == channel.name,
            Airing.status.in_(SHOWN),
            Airing.starts_at < span.ends_at,
            Airing.ends_at > span.starts_at,
        )
        .order_by(Airing.starts_at, Airing.id)
    ).all()
    tags = _tags(session, {row.episode_id for row in rows})
    return [
        Programme(
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            timezone=row.timezone,
            title=row.title,
            synopsis=row.synopsis,
            genre=row.genre,
            column_name=row.column_name,
            kind=row.kind,
            fill=row.fill,
            exchange=row.exchange or row.home_id != row.column_id,
            campaign=row.campaign,
            premiere_at=row.premiere_at,
            series_title=row.series_title if row.part_number is not None else None,
            part=row.part_number if row.series_title is not None else None,
            parts=row.parts,
            media_duration_s=row.media_duration_s,
            tags=tags.get(row.episode_id, ()),
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def _tags(session: Session, episode_ids: set[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    ids = sorted(episode_ids)
    for i in range(0, len(ids), CHUNK):
        for episode_id, tag in session.execute(
            select(PriorityTag.episode_id, PriorityTag.tag)
            .where(PriorityTag.episode_id.in_(ids[i : i + CHUNK]))
            .order_by(PriorityTag.episode_id, PriorityTag.tag)
        ):
            found[episode_id].append(tag)
    return {k: tuple(v) for k, v in found.items()}


def render(
    session: Session, channel: BroadcastChannel, span: Window, domain: str = ID_DOMAIN
) -> Guide:
    """The guide of ``channel`` over the window, as bytes."""
    out = io.BytesIO()
    shown = programmes(session, channel, span)
    write(out, channel, shown, domain)
    day_began = datetime.combine(span.today, time(), SHANGHAI).astimezone(UTC)
    changed = max([day_began, *(p.updated_at for p in shown)])
    return Guide(out.getvalue(), changed, len(shown))


def write(
    out: IO[bytes],
    channel: BroadcastChannel,
    shown: Iterable[Programme],
    domain: str = ID_DOMAIN,
) -> int:
    """Write the XMLTV document to ``out`` (UTF-8) as a stream; return the programmes written."""
    ident = channel_id(channel, domain)
    xml = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
    xml.startDocument()
    xml.ignorableWhitespace('<!DOCTYPE tv SYSTEM "xmltv.dtd">\n')  # written as it is
    xml.startElement(
        "tv",
        AttributesImpl({"source-info-name": SOURCE_NAME, "generator-info-name": GENERATOR_NAME}),
    )
    xml.ignorableWhitespace("\n  ")
    xml.startElement("channel", AttributesImpl({"id": ident}))
    for name in (channel.name, f"{channel.station} {channel.name}"):
        _element(xml, "display-name", say(name), {"lang": LANG}, indent=4)
    xml.ignorableWhitespace("\n  ")
    xml.endElement("channel")
    count = 0
    for programme in shown:
        _programme(xml, ident, programme)
        count += 1
    xml.ignorableWhitespace("\n")
    xml.endElement("tv")
    xml.ignorableWhitespace("\n")
    xml.endDocument()
    return count


def _element(
    xml: XMLGenerator,
    name: str,
    text: str | None = None,
    attrs: dict[str, str] | None = None,
    indent: int = 4,
) -> None:
    xml.ignorableWhitespace("\n" + " " * indent)
    xml.startElement(name, AttributesImpl(attrs or {}))
    if text:
        xml.characters(text)
    xml.endElement(name)


def _programme(xml: XMLGenerator, ident: str, p: Programme) -> None:
    zone = _zone(p.timezone)
    xml.ignorableWhitespace("\n  ")
    xml.startElement(
        "programme",
        AttributesImpl(
            {"start": stamp(p.starts_at, zone), "stop": stamp(p.ends_at, zone), "channel": ident}
        ),
    )
    zh = {"lang": LANG}
    _element(xml, "title", say(p.title).strip() or say(p.column_name).strip() or "节目", zh)
    series = say(p.series_title or "").strip()
    if series:
        _element(xml, "sub-title", series, zh)
    synopsis = say(p.synopsis).strip()
    if synopsis:
        _element(xml, "desc", synopsis, zh)
    for category in categories(p):
        _element(xml, "category", category, zh)
    _element(xml, "length", str(minutes(p)), {"units": "minutes"})
    for system, number in episode_numbers(p):
        _element(xml, "episode-num", number, {"system": system})
    if p.kind is SlotKind.RERUN:
        shown = {} if p.premiere_at is None else {"start": stamp(p.premiere_at, zone)}
        _element(xml, "previously-shown", None, shown)
    else:
        _element(xml, "new")
    xml.ignorableWhitespace("\n  ")
    xml.endElement("programme")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # a slot's zone is checked when stored; never fail a guide
        return SHANGHAI


def stamp(moment: datetime, zone: ZoneInfo = SHANGHAI) -> str:
    """An XMLTV time: local time with its offset, ``20260701193000 +0800``."""
    return moment.astimezone(zone).strftime(TIME_FORMAT)


def categories(p: Programme) -> list[str]:
    """Genre, priority tags, then what the iCalendar feeds mark: series, exchange, campaign."""
    found = [p.genre, *p.tags]
    if p.part is not None:
        found.append("连续报道")
    if p.exchange:
        found.append("交流")
    if p.campaign:
        found.append("集中播放")
    if p.fill:
        found.append("补播")
    kept: list[str] = []
    for category in (say(c).strip() for c in found):
        if category and category not in kept:
            kept.append(category)
    return kept


def minutes(p: Programme) -> int:
    """The programme's length in whole minutes: the master's when known, else the airing's."""
    seconds = p.media_duration_s or (p.ends_at - p.starts_at).total_seconds()
    return max(1, round(seconds / 60))


def episode_numbers(p: Programme) -> list[tuple[str, str]]:
    """``xmltv_ns`` (zero-based episode of the series' parts) and the caption on screen."""
    if p.part is None or not 1 <= p.part <= 9999:
        return []
    total = f"/{p.parts}" if p.parts else ""
    return [("xmltv_ns", f".{p.part - 1}{total}."), ("onscreen", series_caption(p.part))]
