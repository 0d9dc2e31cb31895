"""Importing a station's as-run log (播后记录) and matching it to the planned airings.

``import_log`` reads the file (``station.asrun_read``), stores it once per channel by
its SHA-256 (the same file again changes nothing), and matches its rows to the live
airings planned on the channel (published or aired) around the days it covers:

* A row matches an airing when it names it, by house id (the airing's content id,
  ``station.content.content_id``: the column's slug and the episode's id, as the
  broadcast order sheet gives the station) or by normalised title (NFKC, case-folded, without
  spaces, punctuation and 《》; the row's title may also carry more, e.g. the
  column's name, around the episode's), and starts within ``Tolerance.search_s`` of
  it. A row titled with the column's name only matches an airing of that column
  starting within the start tolerance. Each airing and each row matches once,
  the closest pairs first.
* A matched airing is confirmed (已确认播出), late (迟播: its start is off by more
  than ``Tolerance.start_s``) or short (时长不足: shorter than planned by more than
  ``Tolerance.duration_s``; planned is the master's length, else the episode's
  target, at most the airing's). A planned airing of the log's days that started
  before ``now`` and matches no row is missing (漏播). A row matching nothing is
  unplanned (``AsRunEntry.airing_id`` None); a row the playout marks as not aired
  (未播, skipped, …) never matches.
* One result per airing (``AsRunResult``): a later import replaces an earlier one's.
  A matched published airing that has ended is marked aired (已播出).
* The schedulers and producers of each column with a missing, short or late airing,
  and the airings' responsible producers, are told once per import, each with a
  list of their airings (``KIND``), except the importer.

Who may import: an administrator, or a scheduler of a column with a slot on the
channel. The caller commits; nothing of a refused file is stored.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial import notifications
from editorial.errors import Forbidden
from editorial.models import Column, Episode, Membership, Person, Role
from editorial.workdays import SHANGHAI
from schedule.builder_load import chunks
from schedule.builder_write import bulk_insert
from schedule.models import (
    Airing,
    AiringStatus,
    AsRunEntry,
    AsRunLog,
    AsRunOutcome,
    AsRunResult,
    BroadcastChannel,
    Slot,
)
from station.asrun_read import DEFAULT_MAX_BYTES, LogRefused, ReadLog, Row, aired, read_log
from station.content import content_id

KIND = "asrun_problems"
LISTED = 30  # airings a notification lists; more are counted
UNPLANNED_LISTED = 200  # unplanned rows a summary lists; more are counted
_PUNCT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Tolerance:
    """How far the log may differ from the plan before an airing is late or short."""

    start_s: int = 300  # ±5 minutes
    duration_s: int = 30
    search_s: int = 3 * 3600  # a row naming an airing is looked for this far from it


@dataclass(frozen=True)
class Problem:
    """A planned airing the log shows missing, late or short."""

    airing_id: int
    outcome: AsRunOutcome
    title: str
    column_id: int
    column: str
    slot: str
    planned: datetime  # UTC
    late_s: int | None
    short_s: int | None
    row: int | None  # the log's row, None when missing
    producer_id: int  # the episode's responsible producer


@dataclass
class Summary:
    """What an import did (or, for a file imported before, what that import did)."""

    log: AsRunLog
    already_imported: bool
    rows: int
    confirmed: int = 0
    late: int = 0
    short: int = 0
    missing: int = 0
    unplanned: int = 0
    not_aired: int = 0  # rows the playout marks as not aired
    problems: list[Problem] = field(default_factory=list)
    unplanned_rows: list[AsRunEntry] = field(default_factory=list)
    notified: int = 0


@dataclass(frozen=True)
class _Planned:
    id: int
    starts_at: datetime
    ends_at: datetime
    status: AiringStatus
    episode_id: int
    title: str
    planned_ms: int
    column_id: int
    column: str
    slot: str
    producer_id: int
    column_slug: str


def normalized_title(text: str) -> str:
    """A title as compared: NFKC, case-folded, without spaces, punctuation and 《》."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).casefold())


def _house(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).upper()


# --- the import -----------------------------------------------------------------------------------


def import_log(
    session: Session,
    actor: Person,
    channel: BroadcastChannel,
    file_name: str,
    data: bytes,
    now: datetime,
    encoding: str | None = None,
    tolerance: Tolerance | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Summary:
    """Import an as-run log of ``channel``; refuses a file it cannot read (nothing stored)."""
    tolerance = tolerance or Tolerance()
    _authorize(session, actor, channel)
    sha = hashlib.sha256(data).hexdigest()
    found = _stored(session, channel, sha)
    if found is not None:
        return stored_summary(session, found)
    read = read_log(file_name, data, encoding=encoding, max_bytes=max_bytes)
    _check_channel_column(channel, read.rows)
    planned = _planned(session, channel, read, tolerance)
    matches = _match(read.rows, planned, tolerance)
    if not matches and planned is not None:
        _check_other_channel(session, channel, read, tolerance)
    log = AsRunLog(
        channel_id=channel.id,
        sha256=sha,
        file_name=file_name[:255],
        file_format=read.file_format,
        encoding=read.encoding,
        first_day=read.first_day,
        last_day=read.last_day,
        rows=len(read.rows),
        imported_by_id=actor.id,
        imported_at=now,
    )
    try:
        with session.begin_nested():
            session.add(log)
            session.flush()
    except IntegrityError:  # the same file imported at this very moment by someone else
        found = _stored(session, channel, sha)
        if found is None:
            raise
        return stored_summary(session, found)
    return _store(session, actor, channel, log, read, planned, matches, now, tolerance)


def _authorize(session: Session, actor: Person, channel: BroadcastChannel) -> None:
    columns = select(Slot.column_id).where(
        Slot.station == channel.station, Slot.channel == channel.name
    )
    allowed = select(Membership.id).where(
        Membership.person_id == actor.id,
        (Membership.role == Role.ADMIN)
        | ((Membership.role == Role.SCHEDULER) & Membership.column_id.in_(columns)),
    )
    if not actor.active or session.scalar(allowed.limit(1)) is None:
        raise Forbidden(
            f"only a scheduler of a column airing on {channel.name} or an administrator "
            "may import its as-run log",
            code="asrun_not_scheduler",
            channel=channel.name,
        )


def _stored(session: Session, channel: BroadcastChannel, sha: str) -> AsRunLog | None:
    return session.scalar(
        select(AsRunLog).where(AsRunLog.channel_id == channel.id, AsRunLog.sha256 == sha)
    )


def _channel_names(channel: BroadcastChannel) -> set[str]:
    names = {channel.name, channel.code, channel.station + channel.name}
    return {normalized_title(n) for n in names if n}


def _check_channel_column(channel: BroadcastChannel, rows: Sequence[Row]) -> None:
    """Refuse a log whose channel column names another channel."""
    ours = _channel_names(channel)
    for row in rows:
        if row.channel and normalized_title(row.channel) not in ours:
            raise LogRefused(
                f"row {row.row} is of the channel {row.channel!r}, not {channel.name}: "
                "another channel's log",
                code="asrun_other_channel",
                row=row.row,
                named=row.channel,
                channel=channel.name,
            )


def _check_other_channel(
    session: Session, channel: BroadcastChannel, read: ReadLog, tolerance: Tolerance
) -> None:
    """Refuse a log none of whose rows is planned on ``channel`` while most of them are
    planned on one other channel: the file was given for the wrong channel."""
    others = session.scalars(
        select(BroadcastChannel).where(BroadcastChannel.id != channel.id)
    ).all()
    aired = [r for r in read.rows if r.aired]
    for other in others:
        planned = _planned(session, other, read, tolerance)
        if planned is None:
            continue
        matched = len(_match(read.rows, planned, tolerance))
        if aired and matched * 2 >= len(aired):
            first = min(aired, key=lambda r: r.row)
            raise LogRefused(
                f"none of the rows is planned on {channel.name}, but {matched} of them are on "
                f"{other.name}: another channel's log",
                code="asrun_other_channel",
                row=first.row,
                named=other.name,
                channel=channel.name,
            )


# --- the planned airings and the matching ---------------------------------------------------------


def _window(read: ReadLog) -> tuple[datetime, datetime]:
    """The log's days, as UTC moments: from the first day's midnight to after the last."""
    since = datetime.combine(read.first_day, time(), SHANGHAI).astimezone(UTC)
    until = datetime.combine(read.last_day + timedelta(days=1), time(), SHANGHAI)
    return since, until.astimezone(UTC)


def _planned(
    session: Session, channel: BroadcastChannel, read: ReadLog, tolerance: Tolerance
) -> list[_Planned] | None:
    """The live airings on ``channel`` around the log's days, by start; None: no slot."""
    since, until = _window(read)
    reach = timedelta(seconds=tolerance.search_s)
    rows = session.execute(
        select(
            Airing.id,
            Airing.starts_at,
            Airing.ends_at,
            Airing.status,
            Episode.id,
            Episode.title,
            Episode.media_duration_s,
            Episode.target_duration_s,
            Column.id,
            Column.name,
            Slot.name,
            Episode.responsible_producer_id,
            Column.slug,
        )
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Episode, Episode.id == Airing.episode_id)
        .join(Column, Column.id == Slot.column_id)
        .where(
            Slot.station == channel.station,
            Slot.channel == channel.name,
            Airing.status.in_([AiringStatus.PUBLISHED, AiringStatus.AIRED]),
            Airing.starts_at >= since - reach,
            Airing.starts_at < until + reach,
        )
        .order_by(Airing.starts_at, Airing.id)
    ).all()
    planned = []
    for (
        aid,
        start,
        end,
        status,
        eid,
        title,
        media_s,
        target_s,
        cid,
        cname,
        sname,
        pid,
        slug,
    ) in rows:
        length_ms = int((end - start) / timedelta(milliseconds=1))
        own_ms = (media_s or target_s or 0) * 1000
        planned_ms = min(own_ms, length_ms) if own_ms else length_ms
        planned.append(
            _Planned(aid, start, end, status, eid, title, planned_ms, cid, cname, sname, pid, slug)
        )
    return planned


@dataclass(frozen=True)
class _Index:
    starts: list[datetime]
    planned: list[_Planned]
    by_house: dict[str, list[int]]
    by_title: dict[str, list[int]]
    titles: list[str]
    columns: list[str]


def _index(planned: Sequence[_Planned]) -> _Index:
    by_house: dict[str, list[int]] = defaultdict(list)
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(planned):
        by_house[_house(content_id(p.column_slug, p.episode_id))].append(i)
        by_title[normalized_title(p.title)].append(i)
    return _Index(
        [p.starts_at for p in planned],
        list(planned),
        by_house,
        by_title,
        [normalized_title(p.title) for p in planned],
        [normalized_title(p.column) for p in planned],
    )


def _match(
    rows: Sequence[Row], planned: Sequence[_Planned] | None, tolerance: Tolerance
) -> dict[int, _Planned]:
    """Row number -> the airing it matches: the closest pairs first, each once."""
    if not planned:
        return {}
    index = _index(planned)
    reach = timedelta(seconds=tolerance.search_s)
    near = timedelta(seconds=tolerance.start_s)
    pairs: list[tuple[int, float, int, int]] = []  # (strength, |seconds off|, row, airing)
    for row in rows:
        if not row.aired:
            continue
        low = bisect.bisect_left(index.starts, row.starts_at - reach)
        high = bisect.bisect_right(index.starts, row.starts_at + reach)
        if low == high:
            continue
        found = _candidates(row, index, low, high, near)
        for strength, i in found:
            off = abs((row.starts_at - index.starts[i]).total_seconds())
            pairs.append((strength, off, row.row, i))
    pairs.sort()
    taken_rows: set[int] = set()
    matches: dict[int, _Planned] = {}
    taken: set[int] = set()
    for _strength, _off, number, i in pairs:
        if number in taken_rows or i in taken:
            continue
        taken_rows.add(number)
        taken.add(i)
        matches[number] = index.planned[i]
    return matches


def _candidates(
    row: Row, index: _Index, low: int, high: int, near: timedelta
) -> list[tuple[int, int]]:
    """(strength, airing index) of the airings the row names, among ``low:high``:
    0 by house id, 1 by title, 2 by a title holding the episode's, 3 by the column's name
    within the start tolerance."""
    found: list[tuple[int, int]] = []
    if row.house_id:
        found += [(0, i) for i in index.by_house.get(_house(row.house_id), ()) if low <= i < high]
    title = normalized_title(row.title)
    if title:
        found += [(1, i) for i in index.by_title.get(title, ()) if low <= i < high]
    if found or not title:
        return found
    for i in range(low, high):
        own = index.titles[i]
        if len(own) >= 4 and own in title:
            found.append((2, i))
        elif (
            index.columns[i]
            and index.columns[i] in title
            and abs(row.starts_at - index.starts[i]) <= near
        ):
            found.append((3, i))
    return found


def _outcome(row: Row, airing: _Planned, tolerance: Tolerance) -> tuple[AsRunOutcome, int, int]:
    late_s = round((row.starts_at - airing.starts_at).total_seconds())
    short_s = max(0, round((airing.planned_ms - row.duration_ms) / 1000))
    if short_s > tolerance.duration_s:
        return AsRunOutcome.SHORT, late_s, short_s
    if abs(late_s) > tolerance.start_s:
        return AsRunOutcome.LATE, late_s, short_s
    return AsRunOutcome.CONFIRMED, late_s, short_s


# --- storing ------------------------------------------------------------------------------------


def _store(
    session: Session,
    actor: Person,
    channel: BroadcastChannel,
    log: AsRunLog,
    read: ReadLog,
    planned: Sequence[_Planned] | None,
    matches: dict[int, _Planned],
    now: datetime,
    tolerance: Tolerance,
) -> Summary:
    bulk_insert(
        session,
        AsRunEntry,
        [
            {
                "log_id": log.id,
                "row": r.row,
                "starts_at": r.starts_at,
                "duration_ms": r.duration_ms,
                "title": r.title,
                "house_id": r.house_id,
                "status": r.status,
                "airing_id": matches[r.row].id if r.row in matches else None,
            }
            for r in read.rows
        ],
    )
    entry_ids: dict[int, int] = {
        row: entry_id
        for row, entry_id in session.execute(
            select(AsRunEntry.row, AsRunEntry.id).where(AsRunEntry.log_id == log.id)
        )
    }
    summary = Summary(log=log, already_imported=False, rows=len(read.rows))
    results: list[dict[str, Any]] = []
    by_row = {r.row: r for r in read.rows}
    for number, airing in matches.items():
        outcome, late_s, short_s = _outcome(by_row[number], airing, tolerance)
        results.append(_result(log, airing, outcome, entry_ids[number], late_s, short_s, now))
        if outcome is not AsRunOutcome.CONFIRMED:
            summary.problems.append(_problem(airing, outcome, late_s, short_s, number))
    since, until = _window(read)
    matched = {a.id for a in matches.values()}
    for airing in planned or ():
        if airing.id in matched or not since <= airing.starts_at < until:
            continue
        if airing.starts_at >= now:
            continue  # not yet on air: nothing to miss
        results.append(_result(log, airing, AsRunOutcome.MISSING, None, None, None, now))
        summary.problems.append(_problem(airing, AsRunOutcome.MISSING, None, None, None))
    ids = [r["airing_id"] for r in results]
    for part in chunks(ids):
        session.execute(
            delete(AsRunResult).where(AsRunResult.airing_id.in_(part)),
            execution_options={"synchronize_session": False},
        )
    bulk_insert(session, AsRunResult, results)
    _mark_aired(session, sorted(matched), now)
    for r in results:
        setattr(summary, str(r["outcome"].value), getattr(summary, r["outcome"].value) + 1)
    summary.not_aired = sum(1 for r in read.rows if not r.aired)
    summary.unplanned = len(read.rows) - len(matches) - summary.not_aired
    summary.problems.sort(key=lambda p: (p.planned, p.airing_id))
    summary.unplanned_rows = _unmatched(session, log)[0]
    summary.notified = _notify(session, actor, channel, log, summary.problems, now)
    _expire(session, matched | set(ids))
    return summary


def _result(
    log: AsRunLog,
    airing: _Planned,
    outcome: AsRunOutcome,
    entry_id: int | None,
    late_s: int | None,
    short_s: int | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "airing_id": airing.id,
        "log_id": log.id,
        "entry_id": entry_id,
        "outcome": outcome,
        "late_s": late_s,
        "short_s": short_s,
        "checked_at": now,
    }


def _problem(
    airing: _Planned,
    outcome: AsRunOutcome,
    late_s: int | None,
    short_s: int | None,
    row: int | None,
) -> Problem:
    return Problem(
        airing.id,
        outcome,
        airing.title,
        airing.column_id,
        airing.column,
        airing.slot,
        airing.starts_at,
        late_s,
        short_s,
        row,
        airing.producer_id,
    )


def _mark_aired(session: Session, ids: list[int], now: datetime) -> None:
    for part in chunks(ids):
        session.execute(
            update(Airing)
            .where(
                Airing.id.in_(part),
                Airing.status == AiringStatus.PUBLISHED,
                Airing.ends_at <= now,
            )
            .values(status=AiringStatus.AIRED, updated_at=now),
            execution_options={"synchronize_session": False},
        )


def _expire(session: Session, airing_ids: set[int]) -> None:
    """Bulk statements bypass the session: expire the airings and results it holds."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Airing) and obj.id in airing_ids:
            session.expire(obj)
        elif isinstance(obj, AsRunResult) and obj.airing_id in airing_ids:
            session.expunge(obj)


def _unmatched(session: Session, log: AsRunLog) -> tuple[list[AsRunEntry], int]:
    """The first ``UNPLANNED_LISTED`` rows of the log that matched nothing and aired, and
    how many rows the playout marks as not aired."""
    rows = session.scalars(
        select(AsRunEntry)
        .where(AsRunEntry.log_id == log.id, AsRunEntry.airing_id.is_(None))
        .order_by(AsRunEntry.starts_at, AsRunEntry.row)
    )
    listed: list[AsRunEntry] = []
    not_aired = 0
    for entry in rows:
        if not aired(entry.status):
            not_aired += 1
        elif len(listed) < UNPLANNED_LISTED:
            listed.append(entry)
    return listed, not_aired


def stored_summary(session: Session, log: AsRunLog) -> Summary:
    """The summary of a log imported before, from what is stored (results a later log
    replaced are no longer counted)."""
    summary = Summary(log=log, already_imported=True, rows=log.rows)
    counts = session.execute(
        select(AsRunResult.outcome, func.count())
        .where(AsRunResult.log_id == log.id)
        .group_by(AsRunResult.outcome)
    ).all()
    for outcome, count in counts:
        setattr(summary, AsRunOutcome(outcome).value, count)
    matched = (
        session.scalar(
            select(func.count())
            .select_from(AsRunEntry)
            .where(AsRunEntry.log_id == log.id, AsRunEntry.airing_id.is_not(None))
        )
        or 0
    )
    summary.unplanned_rows, summary.not_aired = _unmatched(session, log)
    summary.unplanned = log.rows - matched - summary.not_aired
    problems = session.execute(
        select(AsRunResult, Airing, Episode, Slot, Column)
        .join(Airing, Airing.id == AsRunResult.airing_id)
        .join(Episode, Episode.id == Airing.episode_id)
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Column, Column.id == Slot.column_id)
        .where(AsRunResult.log_id == log.id, AsRunResult.outcome != AsRunOutcome.CONFIRMED)
        .order_by(Airing.starts_at, Airing.id)
    ).all()
    entries = {
        e.id: e.row
        for e in session.scalars(
            select(AsRunEntry).where(
                AsRunEntry.id.in_([r.entry_id for r, *_ in problems if r.entry_id is not None])
            )
        )
    }
    summary.problems = [
        Problem(
            airing.id,
            result.outcome,
            episode.title,
            column.id,
            column.name,
            slot.name,
            airing.starts_at,
            result.late_s,
            result.short_s,
            entries.get(result.entry_id) if result.entry_id is not None else None,
            episode.responsible_producer_id,
        )
        for result, airing, episode, slot, column in problems
    ]
    return summary


# --- notifications ------------------------------------------------------------------------------


def _notify(
    session: Session,
    actor: Person,
    channel: BroadcastChannel,
    log: AsRunLog,
    problems: Sequence[Problem],
    now: datetime,
) -> int:
    """One notification per person told, listing their columns' problem airings."""
    if not problems:
        return 0
    by_column: dict[int, list[Problem]] = defaultdict(list)
    for p in problems:
        by_column[p.column_id].append(p)
    producers = {p.airing_id: p.producer_id for p in problems}
    members = session.execute(
        select(Membership.column_id, Membership.person_id).where(
            Membership.column_id.in_(list(by_column)),
            Membership.role.in_([Role.SCHEDULER, Role.PRODUCER]),
        )
    ).all()
    told: dict[int, dict[int, Problem]] = defaultdict(dict)
    for column_id, person_id in members:
        for p in by_column[column_id]:
            told[person_id][p.airing_id] = p
    for p in problems:
        if p.airing_id in producers:
            told[producers[p.airing_id]][p.airing_id] = p
    people = {
        p.id: p
        for p in session.scalars(select(Person).where(Person.id.in_(list(told))))
        if p.active and p.id != actor.id
    }
    sent = 0
    for person_id in sorted(people):
        listed = sorted(told[person_id].values(), key=lambda p: (p.planned, p.airing_id))
        params = _params(channel, log, listed)
        notifications.add(
            session,
            people[person_id],
            KIND,
            now,
            message=render(params),
            actor=actor,
            params=params,
            event_key=f"asrun:{log.id}",
        )
        sent += 1
    return sent


def _params(
    channel: BroadcastChannel, log: AsRunLog, problems: Iterable[Problem]
) -> dict[str, Any]:
    listed = list(problems)
    counts = {o.value: sum(1 for p in listed if p.outcome is o) for o in AsRunOutcome}
    return {
        "channel": channel.name,
        "file": log.file_name,
        "first_day": log.first_day.isoformat(),
        "last_day": log.last_day.isoformat(),
        "missing": counts["missing"],
        "short": counts["short"],
        "late": counts["late"],
        "airings": [
            {
                "title": p.title,
                "column": p.column,
                "at": f"{p.planned.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                "outcome": p.outcome.value,
                "late_s": p.late_s,
                "short_s": p.short_s,
            }
            for p in listed[:LISTED]
        ],
        "more": max(0, len(listed) - LISTED),
    }


def describe(item: dict[str, Any]) -> str:
    """One listed airing, in Chinese: 《标题》2026-03-06 20:00 漏播."""
    head = f"《{item['title']}》{item['at']} "
    if item["outcome"] == "missing":
        return head + "漏播"
    if item["outcome"] == "short":
        return head + f"时长不足（短 {int(item['short_s'])} 秒）"
    late = int(item["late_s"])
    return head + (f"提前播出 {-late} 秒" if late < 0 else f"迟播 {late} 秒")


def render(params: dict[str, Any]) -> str:
    """The message in Chinese (mails and robots; the pages say it from ``params``,
    ``web.notices``)."""
    head = (
        f"{params['channel']}播后记录（{params['first_day']} 至 {params['last_day']}）核对："
        f"漏播 {params['missing']} 次、时长不足 {params['short']} 次、迟播 {params['late']} 次。"
    )
    lines = "；".join(describe(item) for item in params["airings"])
    more = f"；另有 {params['more']} 次" if params["more"] else ""
    return f"{head}{lines}{more}。请核实并安排补播。"


def importable_channels(session: Session, person: Person) -> list[BroadcastChannel]:
    """The channels whose as-run logs ``person`` may import: every one for an
    administrator, else those with a slot of a column they schedule."""
    roles = select(Membership.role, Membership.column_id).where(Membership.person_id == person.id)
    held = session.execute(roles).all()
    query = select(BroadcastChannel).order_by(BroadcastChannel.station, BroadcastChannel.name)
    if not person.active:
        return []
    if not any(role == Role.ADMIN for role, _ in held):
        scheduled = [column_id for role, column_id in held if role == Role.SCHEDULER]
        pairs = select(Slot.station, Slot.channel).where(Slot.column_id.in_(scheduled))
        names = {(station, name) for station, name in session.execute(pairs)}
        return [c for c in session.scalars(query) if (c.station, c.name) in names]
    return list(session.scalars(query))
