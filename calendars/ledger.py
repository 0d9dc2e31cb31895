"""Keep the feed ledger (``FeedEvent``) in step with the schedule.

``sync`` derives every event the feeds should show now (our airings, the
county columns' imported airings, review due dates, and the liaison calendar:
each quarter's meeting, each priority's window and submission deadline), compares each with what
the ledger last showed under the same UID and writes only the differences:

* a new event gets SEQUENCE 0;
* a changed one gets its new content and LAST-MODIFIED; its SEQUENCE goes up
  by one when its time, title or status changed (RFC 5545's significant
  change), so calendars replace their copy;
* one that is no longer derived becomes CANCELLED with a raised SEQUENCE; the
  feeds show it so for ``FeedSettings.cancelled_days``, then leave it out. A
  cancelled event that comes back continues its SEQUENCE.

UIDs follow what a subscriber sees as "the same event": an episode's premiere
keeps its UID wherever it moves; a rerun is the k-th rerun of that episode in
that rerun slot; a review due date is that stage of that review round; a
liaison meeting, priority window or submission deadline is that meeting or
priority (``liaison-meeting-<id>``, ``liaison-priority-<id>``,
``liaison-deadline-<id>``). Events that ended before the sync horizon
(``max_days_back``) are left alone.

Like the rest of the domain code it takes the session and ``now``, flushes
and returns how many events changed; the caller commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from calendars import ical
from calendars.models import EventKind, EventStatus, ExternalAiring, FeedEvent, FeedSource
from calendars.settings import DEFAULT_SETTINGS, FeedSettings
from editorial.models import Column, Episode, Series, Stage
from editorial.workdays import REVIEW_STAGE, SHANGHAI, local_date
from liaison.models import AgendaKind, Meeting, Priority
from schedule.models import Airing, AiringStatus, AsRunOutcome, AsRunResult, Slot, SlotKind
from station.asrun_report import OF_OUTCOME, WORDS, AsRunState

UID_DOMAIN = "tvcolumn"
SYNCED_KINDS = (EventKind.AIRING, EventKind.EXTERNAL, EventKind.REVIEW, EventKind.LIAISON)
KIND_LABEL = {SlotKind.PREMIERE: "首播", SlotKind.RERUN: "重播"}
FILL_LABEL = "补播"  # a rerun in an empty premiere occurrence (``Airing.fill``)
STAGE_LABEL = {Stage.FIRST: "初审", Stage.SECOND: "复审", Stage.FINAL: "终审"}
STATUS_LABEL = {
    AiringStatus.DRAFT: "暂定（编排草稿，可能调整）",
    AiringStatus.PUBLISHED: "已发布",
    AiringStatus.AIRED: WORDS[AsRunState.UNCONFIRMED],  # until an as-run log says otherwise
}
CHUNK = 500


@dataclass(frozen=True)
class Desired:
    """One event as the schedule shows it now."""

    uid: str
    kind: EventKind
    summary: str
    status: EventStatus
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    day: date | None = None
    tzid: str = "Asia/Shanghai"
    description: str = ""
    location: str = ""
    categories: str = ""
    organizer: str = ""
    column_id: int | None = None
    episode_id: int | None = None
    source_id: int | None = None
    stage: str | None = None
    last_day: date | None = None  # an all-day event over several days: its last, inclusive

    def values(self) -> dict[str, Any]:
        """The fields as a dict (``dataclasses.asdict`` deep-copies: ten times slower)."""
        return {name: getattr(self, name) for name in _DESIRED_FIELDS}

    def content_hash(self, organizer_address: str) -> str:
        content = tuple(getattr(self, name) for name in _HASHED_FIELDS)
        if self.last_day is not None:  # hashed only when set: older rows keep their hash
            content += (self.last_day,)
        text = repr((content, organizer_address))
        return hashlib.sha256(text.encode()).hexdigest()

    def significant(self) -> tuple[Any, ...]:
        """What a calendar app must notice: time, title, status (raises SEQUENCE)."""
        return (
            self.starts_at,
            self.ends_at,
            self.day,
            self.last_day,
            self.tzid,
            self.summary,
            self.status,
        )


_DESIRED_FIELDS = tuple(f.name for f in fields(Desired))
_HASHED_FIELDS = tuple(name for name in _DESIRED_FIELDS if name != "last_day")


def _significant(row: Any) -> tuple[Any, ...]:
    return (row.starts_at, row.ends_at, row.day, row.last_day, row.tzid, row.summary, row.status)


def sync(session: Session, now: datetime, settings: FeedSettings = DEFAULT_SETTINGS) -> int:
    """Bring the ledger in step with the schedule; return how many events changed."""
    since = now - timedelta(days=settings.max_days_back)
    address = settings.organizer_address
    desired = {d.uid: d for d in derive(session, since)}
    existing = _existing(session, since, desired)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for uid, want in desired.items():
        row = existing.get(uid)
        digest = want.content_hash(address)
        if row is None:
            values = want.values() | {"sequence": 0, "created_at": now, "cancelled_at": None}
            inserts.append(_rendered(values, digest, now, address))
        elif row.content_hash != digest:
            bump = 1 if _significant(row) != want.significant() else 0
            values = want.values() | {
                "id": row.id,
                "sequence": row.sequence + bump,
                "created_at": row.created_at,
                "cancelled_at": None,
            }
            updates.append(_rendered(values, digest, now, address))
    gone = [
        row.id
        for uid, row in existing.items()
        if uid not in desired and row.status is not EventStatus.CANCELLED
    ]
    updates += _cancellations(session, gone, now, address)
    for part in _chunks(inserts):
        session.execute(insert(FeedEvent), part)
    if updates:
        session.execute(
            update(FeedEvent), updates, execution_options={"synchronize_session": False}
        )
    session.flush()
    return len(inserts) + len(updates)


_EVENT_COLUMNS = (
    "uid",
    "summary",
    "starts_at",
    "ends_at",
    "day",
    "last_day",
    "tzid",
    "description",
    "location",
    "categories",
    "organizer",
    "created_at",
)


def _rendered(values: dict[str, Any], digest: str, now: datetime, address: str) -> dict[str, Any]:
    """The row's values with its content hash, LAST-MODIFIED and VEVENT."""
    values |= {"content_hash": digest, "last_modified": now}
    item = event_data(values)
    values["ical"] = ical.render(address, item).ical.decode()
    return values


def event_data(values: dict[str, Any]) -> ical.EventData:
    return ical.EventData(
        uid=values["uid"],
        summary=values["summary"],
        status=EventStatus(values["status"]).value,
        sequence=values["sequence"],
        created=values["created_at"],
        last_modified=values["last_modified"],
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        day=values["day"],
        last_day=values["last_day"],
        tzid=values["tzid"],
        description=values["description"],
        location=values["location"],
        categories=tuple(c for c in values["categories"].split(",") if c),
        organizer=values["organizer"],
    )


_LIGHT = (
    FeedEvent.id,
    FeedEvent.uid,
    FeedEvent.content_hash,
    FeedEvent.sequence,
    FeedEvent.created_at,
    FeedEvent.starts_at,
    FeedEvent.ends_at,
    FeedEvent.day,
    FeedEvent.last_day,
    FeedEvent.tzid,
    FeedEvent.summary,
    FeedEvent.status,
)


def _existing(session: Session, since: datetime, desired: dict[str, Desired]) -> dict[str, Any]:
    """Ledger rows the sync may change (live ones inside the horizon, and any desired UID),
    without their text: what a comparison needs."""
    rows = {
        row.uid: row
        for row in session.execute(
            select(*_LIGHT).where(
                FeedEvent.kind.in_(SYNCED_KINDS),
                or_(
                    FeedEvent.starts_at >= since,
                    FeedEvent.ends_at >= since,
                    FeedEvent.day >= since.astimezone(SHANGHAI).date(),
                    FeedEvent.last_day >= since.astimezone(SHANGHAI).date(),
                ),
            )
        )
    }
    missing = [uid for uid in desired if uid not in rows]
    for part in _chunks(missing):
        rows.update(
            (r.uid, r) for r in session.execute(select(*_LIGHT).where(FeedEvent.uid.in_(part)))
        )
    return rows


def _cancellations(
    session: Session, ids: list[int], now: datetime, address: str
) -> list[dict[str, Any]]:
    """Update values turning these live rows into CANCELLED ones, SEQUENCE raised."""
    updates = []
    for part in _chunks(ids):
        for row in session.scalars(select(FeedEvent).where(FeedEvent.id.in_(part))):
            values = {c: getattr(row, c) for c in _EVENT_COLUMNS} | {
                "id": row.id,
                "status": EventStatus.CANCELLED,
                "sequence": row.sequence + 1,
                "cancelled_at": now,
            }
            updates.append(_rendered(values, "", now, address))
    return updates


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


# --- what the schedule shows ------------------------------------------------------------------


def derive(session: Session, since: datetime) -> list[Desired]:
    """Every event the feeds should show, of airings that end after ``since``."""
    return [
        *_airing_events(session, since),
        *_external_events(session, since),
        *_review_events(session, local_date(since)),
        *_liaison_events(session, since),
    ]


def airing_uid(kind: SlotKind, episode_id: int, slot_id: int, nth: int) -> str:
    if kind is SlotKind.PREMIERE:
        return f"premiere-{episode_id}@{UID_DOMAIN}"
    return f"rerun-{episode_id}-{slot_id}-{nth}@{UID_DOMAIN}"


def _airing_events(session: Session, since: datetime) -> Iterable[Desired]:
    home = aliased(Column)  # the episode's own column (differs for an exchange)
    nth = (
        func.row_number()
        .over(
            partition_by=(Airing.episode_id, Airing.slot_id, Airing.kind),
            order_by=Airing.starts_at,
        )
        .label("nth")
    )
    live = select(Airing.id, nth).where(Airing.status != AiringStatus.CANCELLED).subquery()
    rows = session.execute(
        select(
            Airing.kind,
            Airing.status,
            Airing.starts_at,
            Airing.ends_at,
            Airing.exchange,
            Airing.fill,
            live.c.nth,
            Slot.id.label("slot_id"),
            Slot.station,
            Slot.channel,
            Slot.timezone,
            Slot.campaign,
            Column.id.label("column_id"),
            Column.name.label("column_name"),
            Episode.id.label("episode_id"),
            Episode.title,
            Episode.part_number,
            home.id.label("home_id"),
            home.name.label("home_name"),
            Series.title.label("series_title"),
            Series.parts,
            AsRunResult.outcome,
            AsRunResult.late_s,
            AsRunResult.short_s,
        )
        .join(live, live.c.id == Airing.id)
        .outerjoin(AsRunResult, AsRunResult.airing_id == Airing.id)
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Column, Column.id == Slot.column_id)
        .join(Episode, Episode.id == Airing.episode_id)
        .join(home, home.id == Episode.column_id)
        .outerjoin(Series, Series.id == Episode.series_id)
        .where(Airing.ends_at >= since)
        .order_by(Airing.starts_at, Airing.id)
    )
    for row in rows:
        yield _airing_event(row)


def _status_said(row: Any) -> str:
    """The airing's status as the feed says it: an aired one as the station's as-run log
    (播后记录) says it, with the difference it found; 已播出（未确认） while none has."""
    if row.outcome is None:
        return STATUS_LABEL[row.status]
    said = WORDS[OF_OUTCOME[row.outcome]]
    if row.outcome is AsRunOutcome.CONFIRMED or row.outcome is AsRunOutcome.MISSING:
        return said
    found = []
    if row.late_s:
        found.append(f"{'晚' if row.late_s > 0 else '早'}开播 {_min_s(row.late_s)}")
    if row.short_s:
        found.append(f"少播 {_min_s(row.short_s)}")
    return f"{said}（{'，'.join(found)}）" if found else said


def _min_s(seconds: int) -> str:
    minutes, rest = divmod(abs(seconds), 60)
    return f"{minutes} 分 {rest} 秒" if minutes else f"{rest} 秒"


def _airing_event(row: Any) -> Desired:
    kind = FILL_LABEL if row.fill else KIND_LABEL[row.kind]
    part = ""
    lines = [f"栏目：《{row.column_name}》", f"节目：{row.title}"]
    categories = [kind]
    if row.series_title is not None and row.part_number is not None:
        part = f"（连续报道 {row.part_number}/{row.parts}）"
        lines.append(f"连续报道：{row.series_title}，第 {row.part_number} 集，共 {row.parts} 集")
        categories.append("连续报道")
    if row.exchange or row.home_id != row.column_id:
        lines.append(f"交流节目：来自《{row.home_name}》")
        categories.append("交流")
    if row.campaign:
        lines.append("集中播放：本县集中播放党员电化教材")
        categories.append("集中播放")
    minutes = round((row.ends_at - row.starts_at).total_seconds() / 60)
    lines += [
        f"播出：{kind}，{row.station} {row.channel}，{minutes} 分钟",
        f"状态：{_status_said(row)}",
    ]
    draft = row.status is AiringStatus.DRAFT
    mark = "集中播放·" if row.campaign else ""
    return Desired(
        uid=airing_uid(row.kind, row.episode_id, row.slot_id, row.nth),
        kind=EventKind.AIRING,
        summary=f"【{mark}{kind}】《{row.column_name}》{row.title}{part}",
        status=EventStatus.TENTATIVE if draft else EventStatus.CONFIRMED,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        tzid=row.timezone,
        description="\n".join(lines),
        location=f"{row.station} {row.channel}",
        categories=",".join(categories),
        organizer=row.column_name,
        column_id=row.column_id,
        episode_id=row.episode_id,
    )


def external_uid(source_id: int, identity: str) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
    return f"external-{source_id}-{digest}@{UID_DOMAIN}"


def _external_events(session: Session, since: datetime) -> Iterable[Desired]:
    rows = session.execute(
        select(ExternalAiring, FeedSource, Column)
        .join(FeedSource, FeedSource.id == ExternalAiring.source_id)
        .join(Column, Column.id == FeedSource.column_id)
        .where(ExternalAiring.ends_at >= since)
        .order_by(ExternalAiring.starts_at, ExternalAiring.id)
    ).all()
    for ext, source, column in rows:
        lines = [f"外部节目：《{column.name}》自有系统的播出安排（{source.name}）"]
        if ext.description:
            lines.append(ext.description)
        timed: dict[str, Any]
        if ext.all_day:
            timed = {"day": ext.starts_at.astimezone(SHANGHAI).date()}
        else:
            timed = {"starts_at": ext.starts_at, "ends_at": ext.ends_at}
        yield Desired(
            uid=external_uid(source.id, ext.identity),
            kind=EventKind.EXTERNAL,
            summary=f"【外部】《{column.name}》{ext.summary}",
            status=EventStatus.CONFIRMED,
            description="\n".join(lines),
            location=ext.location,
            categories="外部",
            organizer=column.name,
            column_id=column.id,
            source_id=source.id,
            **timed,
        )


def review_uid(episode_id: int, review_round: int, stage: Stage) -> str:
    return f"review-{episode_id}-{review_round}-{stage.value}@{UID_DOMAIN}"


def _review_events(session: Session, since: date) -> Iterable[Desired]:
    rows = session.execute(
        select(Episode, Column)
        .join(Column, Column.id == Episode.column_id)
        .where(
            Episode.state.in_(REVIEW_STAGE),
            Episode.review_due.is_not(None),
            Episode.review_due >= since,
        )
        .order_by(Episode.review_due, Episode.id)
    ).all()
    for episode, column in rows:
        stage = REVIEW_STAGE[episode.state]
        label = STAGE_LABEL[stage]
        estimated = (
            "（按周一至周五估算，节假日安排公布后可能调整）" if episode.review_due_estimated else ""
        )
        yield Desired(
            uid=review_uid(episode.id, episode.review_round, stage),
            kind=EventKind.REVIEW,
            summary=f"【{label}截止】《{column.name}》{episode.title}",
            status=EventStatus.CONFIRMED,
            day=episode.review_due,
            description=f"栏目：《{column.name}》\n节目：{episode.title}\n"
            f"{label}应于 {episode.review_due} 前完成{estimated}",
            categories=f"审片,{label}",
            organizer=column.name,
            column_id=column.id,
            episode_id=episode.id,
            stage=stage.value,
        )


# --- the liaison calendar (通联工作日历) ---------------------------------------------------------

LIAISON_ORGANIZER = "通联办公室"
AGENDA_LABEL = {
    AgendaKind.TRAINING: "业务培训",
    AgendaKind.EXCHANGE: "制作经验交流",
    AgendaKind.DEPLOYMENT: "部署季度宣传报道重点",
}


def meeting_uid(meeting_id: int) -> str:
    return f"liaison-meeting-{meeting_id}@{UID_DOMAIN}"


def priority_uid(priority_id: int) -> str:
    return f"liaison-priority-{priority_id}@{UID_DOMAIN}"


def deadline_uid(priority_id: int) -> str:
    return f"liaison-deadline-{priority_id}@{UID_DOMAIN}"


def _liaison_events(session: Session, since: datetime) -> Iterable[Desired]:
    """Each quarter's meeting (timed), each priority's window and submission deadline
    (all-day). Public: what the liaison office announces to every column, never the
    attendance, the columns' notes, the minutes or the targets."""
    today = local_date(since)
    meetings = session.scalars(
        select(Meeting)
        .where(Meeting.ends_at >= since)
        .options(joinedload(Meeting.quarter))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    for meeting in meetings:
        yield _meeting_event(meeting)
    priorities = session.scalars(
        select(Priority)
        .where(or_(Priority.window_end >= today, Priority.submit_by >= today))
        .options(joinedload(Priority.quarter))
        .order_by(Priority.window_start, Priority.id)
    )
    for priority in priorities:
        if priority.window_end >= today:
            yield _window_event(priority)
        if priority.submit_by is not None and priority.submit_by >= today:
            yield _deadline_event(priority)


def _agenda_line(number: int, item: dict[str, Any]) -> str:
    try:
        kind = AGENDA_LABEL[AgendaKind(str(item.get("kind")))]
    except ValueError:
        kind = "议程"
    return f"{number}. {kind}：{item.get('title', '')}"


def _meeting_event(meeting: Meeting) -> Desired:
    label = meeting.quarter.label
    lines = [f"{label}通联会议（市、县两级党建电视栏目）", f"地点：{meeting.place}"]
    if meeting.agenda:
        lines.append("议程：")
        lines += [_agenda_line(n, item) for n, item in enumerate(meeting.agenda, start=1)]
    return Desired(
        uid=meeting_uid(meeting.id),
        kind=EventKind.LIAISON,
        summary=f"通联会议（{label}）",
        status=EventStatus.CONFIRMED,
        starts_at=meeting.starts_at.astimezone(UTC),  # as read back, whatever was given
        ends_at=meeting.ends_at.astimezone(UTC),
        description="\n".join(lines),
        location=meeting.place,
        categories="通联会议",
        organizer=LIAISON_ORGANIZER,
    )


def _window_event(priority: Priority) -> Desired:
    lines = [
        f"{priority.quarter.label}宣传报道重点：{priority.theme}",
        f"报道时段：{priority.window_start} 至 {priority.window_end}（含首尾两天）",
        f"节目标签：{priority.tag}",
    ]
    if priority.submit_by is not None:
        lines.append(f"选题报送截止：{priority.submit_by}")
    if priority.description:
        lines.append(priority.description)
    return Desired(
        uid=priority_uid(priority.id),
        kind=EventKind.LIAISON,
        summary=f"宣传报道重点：{priority.theme}",
        status=EventStatus.CONFIRMED,
        day=priority.window_start,
        last_day=priority.window_end,
        description="\n".join(lines),
        categories="宣传报道重点",
        organizer=LIAISON_ORGANIZER,
    )


def _deadline_event(priority: Priority) -> Desired:
    assert priority.submit_by is not None
    return Desired(
        uid=deadline_uid(priority.id),
        kind=EventKind.LIAISON,
        summary=f"报送截止：{priority.theme}",
        status=EventStatus.CONFIRMED,
        day=priority.submit_by,
        description=(
            f"{priority.quarter.label}宣传报道重点“{priority.theme}”的选题请于 "
            f"{priority.submit_by} 前报送（报道时段 {priority.window_start} 至 "
            f"{priority.window_end}，节目标签：{priority.tag}）"
        ),
        categories="宣传报道重点,报送截止",
        organizer=LIAISON_ORGANIZER,
    )
