"""The broadcast order sheet (播出单) of a channel and ISO week, and issuing it.

A sheet lists the week's live (not cancelled) airings on a channel, Monday to
Sunday in the channel's local time (Asia/Shanghai), of the whole channel or one
column: date, start, duration to the frame (25 fps: the packaged master's, else
the airing's planned length), title, series part, kind, the packaged master's
file name and content id, its QC state and remarks.

Issuing one (``issue``) records a numbered version (第 1 版, 第 2 版 …) with the
rows as issued. A sheet whose rows built now differ from the latest version is
outdated, and the changes (变更) against that version say what to issue again.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from editorial.db import Failure, classify
from editorial.errors import Conflict, Forbidden, InvalidInput
from editorial.models import Column, Episode, Membership, Person, Role
from editorial.workdays import SHANGHAI
from media.captions import series_caption
from media.errors import MediaError
from media.models import JobKind, JobState, MediaJob, MediaVersion
from media.probe import probe
from schedule.models import (
    Airing,
    AiringStatus,
    BroadcastChannel,
    Slot,
    SlotDateKind,
    SlotKind,
)
from schedule.slots import SCHEDULING_ROLES
from station.content import content_id
from station.models import IssuedSheet

FPS = 25  # the column's frame rate: packaged masters and the sheet's timecodes
WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday to Sunday in local time (Asia/Shanghai)."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def bounds(self) -> tuple[datetime, datetime]:
        """The week's first and after-last moments, in UTC."""
        start = datetime.combine(self.monday, time(), SHANGHAI)
        end = datetime.combine(self.monday + timedelta(days=7), time(), SHANGHAI)
        return start.astimezone(UTC), end.astimezone(UTC)

    def next(self, weeks: int = 1) -> Week:
        return week_of(self.monday + timedelta(weeks=weeks))


def week_of(day: date) -> Week:
    year, number, _ = day.isocalendar()
    return Week(year, number)


def parse_week(value: str) -> Week:
    """An ISO week written ``2026-W50``; anything else (2026-W60, "next") is refused."""
    text = value.strip()
    found = WEEK.fullmatch(text)
    if found is not None:
        year, number = int(found.group(1)), int(found.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            pass
        else:
            return Week(year, number)
    raise InvalidInput(
        f"{value!r} is not an ISO week like 2026-W50 (a year, -W and a week of that year)",
        {"week": "not an ISO week like 2026-W50"},
        code="week_malformed",
        week=value[:20],
    )


class Kind(enum.StrEnum):
    """What the airing is to the station (the sheet's 类型)."""

    PREMIERE = "premiere"  # 首播
    RERUN = "rerun"  # 重播
    FILL = "fill"  # 补播: a rerun in an empty premiere occurrence
    EXCHANGE = "exchange"  # 交流节目: another column's episode
    CAMPAIGN = "campaign"  # 集中播放: a campaign slot


KIND_WORDS = {
    Kind.PREMIERE: "首播",
    Kind.RERUN: "重播",
    Kind.FILL: "补播",
    Kind.EXCHANGE: "交流节目",
    Kind.CAMPAIGN: "集中播放",
}


class QC(enum.StrEnum):
    PASSED = "passed"  # 通过
    FAILED = "failed"  # 未通过
    UNCHECKED = "unchecked"  # 未检测 (no master, or no QC ran)


QC_WORDS = {QC.PASSED: "通过", QC.FAILED: "未通过", QC.UNCHECKED: "未检测"}


class Remark(enum.StrEnum):
    PINNED = "pinned"  # 已固定
    DRAFT = "draft"  # 草稿, not yet published
    STOP = "stop"  # the slot stops (停播) on a day of the week
    NO_MASTER = "no_master"  # 尚无成片
    NOT_PACKAGED = "not_packaged"  # 成片尚未包装


@dataclass(frozen=True)
class Note:
    """A remark on a row: its code and, for a stop date, the day and why."""

    code: Remark
    day: date | None = None
    why: str = ""

    def words(self) -> str:
        """In Chinese, as the sheet for the station says it."""
        if self.code is Remark.STOP and self.day is not None:
            return f"{self.day.month}月{self.day.day}日停播（{self.why}）"
        return REMARK_WORDS[self.code]


REMARK_WORDS = {
    Remark.PINNED: "已固定",
    Remark.DRAFT: "草稿，尚未发布",
    Remark.STOP: "停播",
    Remark.NO_MASTER: "尚无成片",
    Remark.NOT_PACKAGED: "成片尚未包装",
}


def timecode(frames: int) -> str:
    """Frames at 25 fps as HH:MM:SS:FF."""
    seconds, frame = divmod(frames, FPS)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{second:02d}:{frame:02d}"


@dataclass(frozen=True)
class SheetRow:
    """One airing on the sheet, as the station reads it."""

    airing_id: int
    day: date  # local
    start: time  # local, to the second
    frames: int  # duration at 25 fps
    measured: bool  # the duration is the packaged master's (else the planned length)
    title: str
    series: str  # the series' title, "" for a standalone episode
    part_number: int | None  # the part of the series
    kind: Kind
    column: str  # the slot's column
    content_id: str
    file_name: str  # the packaged master's name in the delivery, "" when there is none
    qc: QC
    remarks: tuple[Note, ...] = ()
    episode_id: int = 0
    packaged: str = ""  # the packaged master's path in the media folder (not on the sheet)
    column_id: int = 0  # the slot's column (not on the sheet: its name is)

    @property
    def duration(self) -> str:
        return timecode(self.frames)

    @property
    def part(self) -> str:
        """连续报道（三）《series》, or "" for a standalone episode."""
        if not self.series or self.part_number is None:
            return ""
        return f"{series_caption(self.part_number)}《{self.series}》"

    @property
    def kind_words(self) -> str:
        return KIND_WORDS[self.kind]

    @property
    def qc_words(self) -> str:
        return QC_WORDS[self.qc]

    @property
    def remark_words(self) -> str:
        return "；".join(note.words() for note in self.remarks)

    def as_json(self) -> dict[str, Any]:
        return {
            "airing": self.airing_id,
            "episode": self.episode_id,
            "date": self.day.isoformat(),
            "start": self.start.strftime("%H:%M:%S"),
            "frames": self.frames,
            "measured": self.measured,
            "title": self.title,
            "series": self.series,
            "part_number": self.part_number,
            "kind": self.kind.value,
            "column": self.column,
            "content_id": self.content_id,
            "file_name": self.file_name,
            "qc": self.qc.value,
            "remarks": [
                {"code": n.code.value, "day": n.day.isoformat() if n.day else None, "why": n.why}
                for n in self.remarks
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SheetRow:
        return cls(
            airing_id=int(data["airing"]),
            episode_id=int(data.get("episode", 0)),
            day=date.fromisoformat(data["date"]),
            start=time.fromisoformat(data["start"]),
            frames=int(data["frames"]),
            measured=bool(data["measured"]),
            title=str(data["title"]),
            series=str(data["series"]),
            part_number=int(data["part_number"]) if data["part_number"] is not None else None,
            kind=Kind(data["kind"]),
            column=str(data["column"]),
            content_id=str(data["content_id"]),
            file_name=str(data["file_name"]),
            qc=QC(data["qc"]),
            remarks=tuple(
                Note(
                    Remark(n["code"]),
                    date.fromisoformat(n["day"]) if n.get("day") else None,
                    str(n.get("why", "")),
                )
                for n in data["remarks"]
            ),
        )


# The fields a change compares, in the sheet's order.
COMPARED = ("day", "start", "frames", "title", "part", "kind", "file_name", "qc", "remarks")


@dataclass(frozen=True)
class Change:
    """A row of the 变更 against the last issued version: added, removed or changed."""

    what: str  # "added", "removed", "changed"
    before: SheetRow | None
    after: SheetRow | None
    fields: tuple[str, ...] = ()  # of a changed row, those that differ

    @property
    def row(self) -> SheetRow:
        found = self.after or self.before
        assert found is not None
        return found


def digest(rows: Sequence[SheetRow]) -> str:
    """The SHA-256 of the rows as the sheet states them."""
    text = json.dumps([row.as_json() for row in rows], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def changes(before: Sequence[SheetRow], after: Sequence[SheetRow]) -> list[Change]:
    """What changed from ``before`` to ``after``, airing by airing, in time order."""
    old = {row.airing_id: row for row in before}
    new = {row.airing_id: row for row in after}
    found: list[Change] = []
    for key in old.keys() | new.keys():
        was, now = old.get(key), new.get(key)
        if was is None:
            found.append(Change("added", None, now))
        elif now is None:
            found.append(Change("removed", was, None))
        else:
            differ = tuple(name for name in COMPARED if getattr(was, name) != getattr(now, name))
            if differ:
                found.append(Change("changed", was, now, differ))
    return sorted(found, key=lambda c: (c.row.day, c.row.start, c.row.airing_id))


@dataclass
class Sheet:
    """A channel's sheet for a week as the schedule stands now, with its issued versions."""

    channel: BroadcastChannel
    week: Week
    column: Column | None  # None: the whole channel
    rows: list[SheetRow]
    versions: list[IssuedSheet] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> IssuedSheet | None:
        return self.versions[0] if self.versions else None

    @property
    def digest(self) -> str:
        return digest(self.rows)

    @property
    def outdated(self) -> bool:
        """Issued, and the airings changed since the latest version."""
        return self.latest is not None and self.latest.digest != self.digest

    @property
    def changes(self) -> list[Change]:
        """The rows now against the latest issued version (none before the first)."""
        if self.latest is None:
            return []
        return changes(rows_of(self.latest), self.rows)

    @property
    def columns(self) -> list[str]:
        return sorted({row.column for row in self.rows})


def rows_of(issued: IssuedSheet) -> list[SheetRow]:
    """The rows of an issued version, as issued."""
    return [SheetRow.from_json(data) for data in issued.rows]


def version_changes(session: Session, issued: IssuedSheet) -> list[Change]:
    """What ``issued`` changed against the version before it (none for 第 1 版)."""
    before = session.scalar(
        select(IssuedSheet).where(
            IssuedSheet.channel_id == issued.channel_id,
            IssuedSheet.week == issued.week,
            IssuedSheet.scope == issued.scope,
            IssuedSheet.number == issued.number - 1,
        )
    )
    return [] if before is None else changes(rows_of(before), rows_of(issued))


@functools.lru_cache(maxsize=512)
def _probed_frames(path: str, size: int, mtime_ns: int) -> int | None:
    """The packaged master's length in frames (the path names its content: cached)."""
    try:
        return round(probe(Path(path)).duration * FPS)
    except MediaError:
        return None


def packaged_frames(path: Path) -> int | None:
    """The length of the packaged master at ``path`` in frames, None if it is unreadable."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _probed_frames(str(path), stat.st_size, stat.st_mtime_ns)


@dataclass(frozen=True)
class Master:
    version: MediaVersion
    packaged: str | None  # relative to the media folder


def _masters(session: Session, episodes: Iterable[Episode]) -> dict[int, Master]:
    """Each episode's current master and its latest packaged master: two statements."""
    wanted = {(e.id, e.media_version) for e in episodes if e.media_version is not None}
    if not wanted:
        return {}
    versions = [
        v
        for v in session.scalars(
            select(MediaVersion).where(MediaVersion.episode_id.in_({e for e, _ in wanted}))
        )
        if (v.episode_id, v.number) in wanted
    ]
    packaged: dict[int, str] = {}
    jobs = session.scalars(
        select(MediaJob)
        .where(
            MediaJob.media_version_id.in_([v.id for v in versions]),
            MediaJob.kind == JobKind.PACKAGE,
            MediaJob.state == JobState.DONE,
        )
        .order_by(MediaJob.id)
    )
    for job in jobs:
        made = (job.outputs or {}).get("packaged")
        if made:
            packaged[job.media_version_id] = made
    return {v.episode_id: Master(v, packaged.get(v.id)) for v in versions}


def _kind(airing: Airing) -> Kind:
    if airing.slot.campaign:
        return Kind.CAMPAIGN
    if airing.fill:
        return Kind.FILL
    if airing.exchange:
        return Kind.EXCHANGE
    return Kind.PREMIERE if airing.kind is SlotKind.PREMIERE else Kind.RERUN


def _stops(slot: Slot, week: Week) -> list[Note]:
    return [
        Note(Remark.STOP, stop.day, stop.reason)
        for stop in slot.dates
        if stop.kind is SlotDateKind.EXCEPTION
        and stop.removed_at is None
        and week.monday <= stop.day <= week.sunday
    ]


def _row(airing: Airing, master: Master | None, media_root: Path | None, week: Week) -> SheetRow:
    episode = airing.episode
    local = airing.starts_at.astimezone(SHANGHAI)
    frames = round((airing.ends_at - airing.starts_at).total_seconds() * FPS)
    measured = False
    notes: list[Note] = []
    file_name, packaged = "", ""
    ident = content_id(episode.column.slug, episode.id)
    if master is None:
        notes.append(Note(Remark.NO_MASTER))
        qc = QC.UNCHECKED
    else:
        qc = {True: QC.PASSED, False: QC.FAILED, None: QC.UNCHECKED}[master.version.qc_passed]
        found = (
            packaged_frames(media_root / master.packaged)
            if master.packaged and media_root is not None
            else None
        )
        if master.packaged is None or found is None:
            notes.append(Note(Remark.NOT_PACKAGED))
        else:
            frames, measured = found, True
            packaged = master.packaged
            file_name = f"{ident}-v{master.version.number}{Path(master.packaged).suffix}"
    if airing.pinned:
        notes.append(Note(Remark.PINNED))
    if airing.status is AiringStatus.DRAFT:
        notes.append(Note(Remark.DRAFT))
    notes += _stops(airing.slot, week)
    return SheetRow(
        airing_id=airing.id,
        episode_id=episode.id,
        day=local.date(),
        start=local.time().replace(microsecond=0, tzinfo=None),
        frames=frames,
        measured=measured,
        title=episode.title,
        series=episode.series.title if episode.series is not None else "",
        part_number=episode.part_number if episode.series is not None else None,
        kind=_kind(airing),
        column=airing.slot.column.name,
        column_id=airing.slot.column_id,
        content_id=ident,
        file_name=file_name,
        qc=qc,
        remarks=tuple(notes),
        packaged=packaged,
    )


def sheet_rows(
    session: Session,
    channel: BroadcastChannel,
    week: Week,
    column: Column | None,
    media_root: Path | None,
) -> list[SheetRow]:
    """The week's live airings on ``channel`` (of ``column`` only, if given), in time order."""
    since, until = week.bounds()
    query = (
        select(Airing)
        .join(Slot, Slot.id == Airing.slot_id)
        .where(
            Slot.station == channel.station,
            Slot.channel == channel.name,
            Airing.starts_at >= since,
            Airing.starts_at < until,
            Airing.status != AiringStatus.CANCELLED,
        )
        .options(
            joinedload(Airing.slot).joinedload(Slot.column),
            joinedload(Airing.slot).selectinload(Slot.dates),
            joinedload(Airing.episode).joinedload(Episode.series),
            joinedload(Airing.episode).joinedload(Episode.column),
        )
        .order_by(Airing.starts_at, Airing.slot_id, Airing.id)
    )
    if column is not None:
        query = query.where(Slot.column_id == column.id)
    found = list(session.scalars(query).unique())
    masters = _masters(session, (a.episode for a in found))
    return [_row(a, masters.get(a.episode_id), media_root, week) for a in found]


def versions(
    session: Session, channel: BroadcastChannel, week: Week, column: Column | None
) -> list[IssuedSheet]:
    """The issued versions of the sheet, newest first."""
    return list(
        session.scalars(
            select(IssuedSheet)
            .where(
                IssuedSheet.channel_id == channel.id,
                IssuedSheet.week == week.label,
                IssuedSheet.scope == (column.id if column is not None else 0),
            )
            .options(joinedload(IssuedSheet.issued_by))
            .order_by(IssuedSheet.number.desc())
        )
    )


def build_sheet(
    session: Session,
    channel: BroadcastChannel,
    week: Week,
    column: Column | None = None,
    media_root: Path | None = None,
) -> Sheet:
    """The sheet as the schedule stands now, with its issued versions."""
    return Sheet(
        channel,
        week,
        column,
        sheet_rows(session, channel, week, column, media_root),
        versions(session, channel, week, column),
    )


def _is_admin(session: Session, actor: Person) -> bool:
    found = select(Membership.id).where(
        Membership.person_id == actor.id, Membership.role == Role.ADMIN
    )
    return session.scalar(found.limit(1)) is not None


def may_issue(session: Session, actor: Person, sheet: Sheet) -> bool:
    """A scheduler of the sheet's column (of every column on a channel's sheet), or an admin."""
    return _issuer_gap(session, actor, sheet) == []


def _issuer_gap(session: Session, actor: Person, sheet: Sheet) -> list[str]:
    """The sheet's columns ``actor`` does not schedule (all when not active); [] if none."""
    if sheet.column is not None:
        columns = {sheet.column.id: sheet.column.name}
    else:
        columns = {row.column_id: row.column for row in sheet.rows}
    if not actor.active:
        return sorted(columns.values()) or ["—"]
    if _is_admin(session, actor):
        return []
    mine = set(
        session.scalars(
            select(Membership.column_id).where(
                Membership.person_id == actor.id, Membership.role.in_(SCHEDULING_ROLES)
            )
        )
    )
    return sorted(name for column_id, name in columns.items() if column_id not in mine)


def issue(
    session: Session,
    actor: Person,
    channel: BroadcastChannel,
    week: Week,
    column: Column | None,
    now: datetime,
    *,
    media_root: Path | None = None,
) -> IssuedSheet:
    """Issue the sheet as it stands: the next version, with its rows and digest.

    For a scheduler of the column (of every column airing on the channel that
    week) or an administrator. Refused when the week has no airings, or when
    nothing changed since the latest version. Of two people issuing at once,
    the second is refused (``sheet_issued_meanwhile``, a Conflict).
    """
    sheet = build_sheet(session, channel, week, column, media_root)
    gap = _issuer_gap(session, actor, sheet)
    if gap:
        raise Forbidden(
            f"{actor.username} may not issue this sheet: not a scheduler of " + ", ".join(gap),
            code="not_sheet_scheduler",
            lacking="、".join(gap),
        )
    scope = column.name if column is not None else "all columns"
    if not sheet.rows:
        raise InvalidInput(
            f"{channel.station} {channel.name} has no airings in {week.label} ({scope}): "
            "there is nothing to issue",
            {"week": "no airings"},
            code="sheet_empty",
            week=week.label,
            channel=channel.name,
        )
    latest = sheet.latest
    if latest is not None and not sheet.outdated:
        raise InvalidInput(
            f"version {latest.number} of this sheet is current: nothing changed since",
            {"week": "unchanged"},
            code="sheet_unchanged",
            number=latest.number,
        )
    number = (latest.number if latest is not None else 0) + 1
    issued = IssuedSheet(
        channel_id=channel.id,
        week=week.label,
        column_id=column.id if column is not None else None,
        scope=column.id if column is not None else 0,
        number=number,
        issued_by_id=actor.id,
        issued_at=now,
        rows=[row.as_json() for row in sheet.rows],
        digest=sheet.digest,
    )
    try:
        with session.begin_nested():
            session.add(issued)
            session.flush()
    except IntegrityError as error:
        if classify(error) is not Failure.CONFLICT:
            raise
        raise Conflict(
            f"version {number} of this sheet was issued by someone else meanwhile: "
            "look at it before issuing again",
            code="sheet_issued_meanwhile",
            number=number,
        ) from None
    return issued
