"""Demo: the station's as-run log (播后记录) of the city channel for last week.

The city station's playout exports last week's log as CSV in GB18030, as many
Chinese playout systems do: the city column's airings of that week (built and aired
by ``schedule.demo``) and the station's own programmes around them. One airing is
missing (the station ran a meeting broadcast instead) and one started eight minutes
late; the others aired as planned. The file is written to ``folder`` (to try the
upload with) and imported by the column's scheduler through ``station.asrun``, so
the results and the notifications exist. Nothing is added if the channel has a log;
the caller commits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.demo import CITY_SLUG
from editorial.models import Column, Episode, Membership, Person, Role
from editorial.workdays import SHANGHAI, local_date
from schedule import channels
from schedule.demo import last_week
from schedule.models import Airing, AiringStatus, AsRunLog, Slot
from station import asrun
from station.content import content_id

HEADER = ("播出日期", "开始时间", "时长", "节目名称", "节目编号", "播出状态")
LATE = timedelta(minutes=8)
ENCODING = "gb18030"


@dataclass(frozen=True)
class Loaded:
    file: Path
    summary: asrun.Summary


def log_rows(airings: list[Airing], first: date) -> list[list[str]]:
    """The playout's rows: every airing as it aired but the first Saturday's (missing,
    a meeting broadcast instead) and the first Friday's (eight minutes late), and the
    station's own programmes around them."""
    rows: list[tuple[datetime, str, int, str, str]] = []
    missing = next((a for a in airings if local(a).weekday() == 5), airings[-1])
    late = next((a for a in airings if local(a).weekday() == 4 and a is not missing), None)
    for a in airings:
        length = (a.episode.media_duration_s or a.episode.target_duration_s) * 1000
        if a is missing:
            rows.append((local(a), "专题会议直播", length, "", "已播"))
            continue
        start = local(a) + (LATE if a is late else timedelta())
        house = content_id(a.slot.column.slug, a.episode_id) if a.kind.value == "premiere" else ""
        rows.append((start, f"《时代风采》{a.episode.title}", length, house, "已播"))
    for n in range(7):
        seven = datetime.combine(first + timedelta(days=n), time(7), SHANGHAI)
        rows.append((seven, "早间新闻", 1_800_000, "XW0700", "已播"))
    rows.sort()
    return [
        [f"{s:%Y-%m-%d}", f"{s:%H:%M:%S}", timecode(ms), title, house, status]
        for s, title, ms, house, status in rows
    ]


def local(airing: Airing) -> datetime:
    return airing.starts_at.astimezone(SHANGHAI)


def timecode(ms: int) -> str:
    """HH:MM:SS:FF at 25 frames a second."""
    seconds, rest = divmod(ms, 1000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{rest // 40:02d}"


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(ENCODING)


def load(session: Session, now: datetime, folder: Path) -> Loaded | None:
    """Write and import last week's as-run log of the city channel; None if it has one."""
    city = session.scalar(select(Column).where(Column.slug == CITY_SLUG))
    slot = session.scalar(select(Slot).where(Slot.column_id == (city.id if city else -1)))
    if city is None or slot is None:
        return None
    channel = channels.channel_of(session, slot)
    if session.scalar(select(AsRunLog.id).where(AsRunLog.channel_id == channel.id).limit(1)):
        return None
    first, last = last_week(local_date(now))
    airings = list(
        session.scalars(
            select(Airing)
            .join(Slot, Slot.id == Airing.slot_id)
            .join(Episode, Episode.id == Airing.episode_id)
            .where(
                Slot.station == channel.station,
                Slot.channel == channel.name,
                Airing.status == AiringStatus.AIRED,
                Airing.starts_at >= datetime.combine(first, time(), SHANGHAI),
                Airing.starts_at < datetime.combine(last + timedelta(days=1), time(), SHANGHAI),
            )
            .order_by(Airing.starts_at)
        )
    )
    if len(airings) < 2:
        return None
    scheduler = session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.column_id == city.id, Membership.role == Role.SCHEDULER)
        .order_by(Person.id)
    ).first()
    if scheduler is None:
        return None
    data = csv_bytes(log_rows(airings, first))
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"asrun-{channel.code}-{first:%Y%m%d}.csv"
    file.write_bytes(data)
    summary = asrun.import_log(session, scheduler, channel, file.name, data, now, encoding=ENCODING)
    return Loaded(file, summary)
