"""How a plan reaches the airings table: by difference, in bulk, in a safe order.

Each occurrence keeps its row: an airing the plan changes is updated in place
(a published one bumps its ``revision`` so the feeds can show the change), one
the plan empties is deleted if it was a draft and CANCELLED if it was
published, and a CANCELLED published row at an occurrence the plan fills again
is revived rather than duplicated. Nothing changes when nothing changed, so a
nightly rebuild writes only its differences.

Order matters for the partial unique indexes (one live airing per occurrence,
one live premiere per episode) and for ``premiere_id``:

1. every premiere that changes episode or goes away is first set CANCELLED, so
   episodes may swap occurrences;
2. new premieres are inserted (their ids are needed by the reruns);
3. premieres are updated to their final values;
4. reruns are inserted and updated, pointing at their premieres' rows;
5. drafts the plan empties are deleted, reruns before premieres; a premiere
   that some other row still points at (a rerun pulled by hand) stays as a
   CANCELLED row instead.

Before all that, the airings the loader retired are CANCELLED: premieres a kept
rerun points at whose episode may no longer air, and published or pinned airings
that may not air (a stop date, a pull: ``schedule.cancellations``), each with
its reason.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from editorial.db import Base
from schedule.builder_load import Row, chunks
from schedule.builder_plan import OccKey
from schedule.models import Airing, AiringStatus, SlotKind
from schedule.reasons import reason

DROPPED_REASON = reason("dropped").text
NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class Desired:
    """What the plan wants at one occurrence."""

    slot_id: int
    starts_at: datetime
    ends_at: datetime
    episode_id: int
    kind: SlotKind
    exchange: bool
    reason: str
    premiere_key: OccKey | None = None
    fill: bool = False  # a rerun in an empty premiere occurrence (补播)
    premiere_row: int | None = None  # a fill's premiere: an aired row, not a planned one

    @property
    def key(self) -> OccKey:
        return (self.slot_id, self.starts_at)


@dataclass
class Changes:
    inserted: int = 0
    updated: int = 0
    cancelled: int = 0
    deleted: int = 0
    touched: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)


@dataclass
class _Work:
    """The statements one kind of airing (premieres or reruns) needs."""

    inserts: list[Desired] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    vacate: list[int] = field(default_factory=list)
    drop: list[int] = field(default_factory=list)


def write(
    session: Session,
    now: datetime,
    desired: dict[OccKey, Desired],
    changeable: dict[OccKey, Row],
    revivable: dict[OccKey, Row],
    fixed: dict[OccKey, Row],
    retire: dict[OccKey, Row],
    reasons: dict[int, str] | None = None,
    known: dict[OccKey, int] | None = None,
) -> Changes:
    """``reasons``: why each retired row is cancelled, by row id (else it was dropped);
    ``known``: the ids of premieres outside the build that reruns point at (a campaign's
    relays, ``schedule.builder_campaign``)."""
    changes = Changes()
    ids: dict[OccKey, int] = dict(known or {})
    ids.update({key: row.id for key, row in fixed.items()})
    why = reasons or {}
    _bulk_update(
        session,
        [_cancel(row, now, why.get(row.id, DROPPED_REASON)) for _, row in sorted(retire.items())],
    )
    changes.cancelled += len(retire)

    def split(kind: SlotKind) -> _Work:
        # An occurrence whose airing changes kind (a fill, 补播, or a campaign's relay
        # replaced by a premiere, or the reverse) is written with what it becomes.
        keys = {k for k, d in desired.items() if d.kind is kind}
        keys |= {k for k, r in changeable.items() if r.kind is kind and k not in desired}
        return _diff(now, sorted(keys), desired, changeable, revivable, ids, changes)

    premieres = split(SlotKind.PREMIERE)
    premieres.vacate += [
        r.id
        for k, r in sorted(changeable.items())
        if r.kind is SlotKind.PREMIERE and k in desired and desired[k].kind is SlotKind.RERUN
    ]
    _bulk_update(session, [{"id": i, "status": AiringStatus.CANCELLED} for i in premieres.vacate])
    _insert(session, now, premieres.inserts, ids, changes)
    _bulk_update(session, premieres.updates)
    reruns = split(SlotKind.RERUN)
    for item in reruns.updates:
        if "premiere_key" in item:
            item["premiere_id"] = ids[item.pop("premiere_key")]
    _insert(session, now, reruns.inserts, ids, changes)
    _bulk_update(session, reruns.updates)
    _delete(session, now, reruns.drop, premieres.drop, changes)
    _sync_identity_map(session, changes)
    return changes


def _diff(
    now: datetime,
    keys: Iterable[OccKey],
    desired: dict[OccKey, Desired],
    changeable: dict[OccKey, Row],
    revivable: dict[OccKey, Row],
    ids: dict[OccKey, int],
    changes: Changes,
) -> _Work:
    work = _Work()
    for key in keys:
        old, want = changeable.get(key), desired.get(key)
        premiere_id = None if want is None else want.premiere_row
        if want is not None and want.premiere_key is not None:
            premiere_id = ids.get(want.premiere_key)  # None until a new premiere is inserted
        if old is None and want is not None:
            row = revivable.get(key)
            if row is None:
                work.inserts.append(want)
                continue
            ids[key] = row.id
            status = AiringStatus.DRAFT if row.published_at is None else AiringStatus.PUBLISHED
            work.updates.append(_values(row, want, now, status, row.revision + 1))
            changes.updated += 1
        elif old is not None and want is None:
            if old.kind is SlotKind.PREMIERE:
                work.vacate.append(old.id)
            if old.status is AiringStatus.DRAFT:
                work.drop.append(old.id)
                continue
            work.updates.append(_cancel(old, now))
            changes.cancelled += 1
        elif old is not None and want is not None:
            ids[key] = old.id
            if _changed(old, want, premiere_id):
                if old.kind is SlotKind.PREMIERE and old.episode_id != want.episode_id:
                    work.vacate.append(old.id)
                bump = 1 if old.status is AiringStatus.PUBLISHED else 0
                work.updates.append(_values(old, want, now, old.status, old.revision + bump))
                changes.updated += 1
            elif old.reason != want.reason:
                work.updates.append(_values(old, want, now, old.status, old.revision))
    return work


def _changed(old: Row, want: Desired, premiere_id: int | None) -> bool:
    """Whether a viewer would see a difference (a new reason alone is not one)."""
    return (old.episode_id, old.exchange, old.premiere_id, old.kind, old.fill) != (
        want.episode_id,
        want.exchange,
        premiere_id,
        want.kind,
        want.fill,
    )


def _values(
    row: Row, want: Desired, now: datetime, status: AiringStatus, revision: int
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": row.id,
        "episode_id": want.episode_id,
        "exchange": want.exchange,
        "reason": want.reason,
        "status": status,
        "revision": revision,
        "updated_at": now,
    }
    if row.kind is not want.kind or row.fill != want.fill:
        values |= {"kind": want.kind, "fill": want.fill, "premiere_id": want.premiere_row}
    if want.kind is SlotKind.RERUN and want.premiere_key is not None:
        values["premiere_key"] = want.premiere_key  # its id once the premieres are written
    elif want.fill:
        values["premiere_id"] = want.premiere_row
    return values


def _cancel(row: Row, now: datetime, why: str = DROPPED_REASON) -> dict[str, Any]:
    bump = 1 if row.status is AiringStatus.PUBLISHED else 0
    values: dict[str, Any] = {
        "id": row.id,
        "episode_id": row.episode_id,
        "exchange": row.exchange,
        "reason": why,
        "status": AiringStatus.CANCELLED,
        "revision": row.revision + bump,
        "updated_at": now,
    }
    if row.kind is SlotKind.RERUN:
        values["premiere_id"] = row.premiere_id
    return values


def _bulk_update(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(update(Airing), rows, execution_options=NO_SYNC)


def _insert(
    session: Session,
    now: datetime,
    items: list[Desired],
    ids: dict[OccKey, int],
    changes: Changes,
) -> None:
    if not items:
        return
    rows = [
        {
            "slot_id": d.slot_id,
            "episode_id": d.episode_id,
            "kind": d.kind,
            "premiere_id": ids[d.premiere_key] if d.premiere_key is not None else d.premiere_row,
            "starts_at": d.starts_at,
            "ends_at": d.ends_at,
            "status": AiringStatus.DRAFT,
            "pinned": False,
            "exchange": d.exchange,
            "fill": d.fill,
            "reason": d.reason,
            "revision": 0,
            "published_at": None,
            "created_at": now,
            "updated_at": now,
        }
        for d in items
    ]
    bulk_insert(session, Airing, rows)
    changes.inserted += len(items)
    if items[0].kind is SlotKind.PREMIERE:
        ids.update(_live_ids(session, items))


def _live_ids(session: Session, items: list[Desired]) -> dict[OccKey, int]:
    """The ids of the live airings at these occurrences (one each, by the unique index)."""
    wanted = {d.key for d in items}
    slot_ids = sorted({d.slot_id for d in items})
    found: dict[OccKey, int] = {}
    for part in chunks(slot_ids):
        rows = session.execute(
            select(Airing.id, Airing.slot_id, Airing.starts_at).where(
                Airing.slot_id.in_(part),
                Airing.starts_at >= min(d.starts_at for d in items),
                Airing.starts_at <= max(d.starts_at for d in items),
                Airing.status != AiringStatus.CANCELLED,
            )
        )
        found.update({(slot_id, at): i for i, slot_id, at in rows if (slot_id, at) in wanted})
    return found


def bulk_insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert many rows in one go: COPY on PostgreSQL, where a multi-row INSERT costs
    more to build and parse than the rows themselves; executemany elsewhere.

    ``rows`` hold what the ORM takes (aware datetimes, enum members); every row
    has the same keys.
    """
    if not rows:
        return
    table = model.__table__
    assert isinstance(table, Table)
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_insert(connection, table, rows)
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    dbapi = connection.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([_plain(row[name]) for name in names])
    except dbapi.Error as error:
        # The driver's own error, wrapped as SQLAlchemy wraps it on any other statement, so
        # a busy or failing database is answered as elsewhere (503, 409), never a 500.
        raise DBAPIError.instance(
            statement, None, error, dbapi.Error, dialect=connection.dialect
        ) from error


def _sqlite_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany of plain SQL with the values as SQLAlchemy's SQLite types store them
    (a datetime naive in UTC as ``YYYY-MM-DD HH:MM:SS.ffffff``, a date ISO, an enum by
    value, a bool as 0/1): per-value type processing was a third of a province build's
    write. ``tests/schedule/test_builder_write.py`` reads such rows back through the ORM."""
    names = list(rows[0])
    marks = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
    columns = [_sqlite_column([row[name] for row in rows]) for name in names]
    # exec_driver_sql: no per-value processing, but a busy or failing database still
    # raises SQLAlchemy's errors (a busy SQLite is a 503 on the web, as elsewhere).
    connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _sqlite_column(values: list[Any]) -> list[Any]:
    """One column's values as stored, converted by the type of its first non-null one."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, datetime):
        seen: dict[datetime, str] = {}
        for v in values:
            if v is not None and v not in seen:
                utc = v.astimezone(UTC)
                seen[v] = f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond:06d}"
        return [None if v is None else seen[v] for v in values]
    if isinstance(sample, enum.Enum):
        return [None if v is None else v.value for v in values]
    if isinstance(sample, bool):
        return [None if v is None else int(v) for v in values]
    if isinstance(sample, date):
        return [None if v is None else v.isoformat() for v in values]
    return values


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)  # stored naive in UTC
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _delete(
    session: Session, now: datetime, reruns: list[int], premieres: list[int], changes: Changes
) -> None:
    for part in chunks(reruns):
        session.execute(delete(Airing).where(Airing.id.in_(part)), execution_options=NO_SYNC)
    changes.deleted += len(reruns)
    changes.removed |= set(reruns)
    held: set[int] = set()
    for part in chunks(premieres):
        held |= set(session.scalars(select(Airing.premiere_id).where(Airing.premiere_id.in_(part))))
    gone = [i for i in premieres if i not in held]
    for part in chunks(gone):
        session.execute(delete(Airing).where(Airing.id.in_(part)), execution_options=NO_SYNC)
    _bulk_update(
        session,
        [{"id": i, "reason": DROPPED_REASON, "updated_at": now} for i in sorted(held)],
    )
    changes.deleted += len(gone)
    changes.cancelled += len(held)
    changes.removed |= set(gone)


def _sync_identity_map(session: Session, changes: Changes) -> None:
    """Bulk statements bypass the session: expire airings it holds, forget deleted ones."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Airing):
            if obj.id in changes.removed:
                session.expunge(obj)
            else:
                session.expire(obj)
