"""「立即编排」: a scheduler rebuilds the schedule now, after seeing what would change.

``preview`` runs the real builder (``schedule.builder``) inside a SAVEPOINT and
rolls it back: what it reports is what the builder did, and nothing of it
stays (no airing, build record, unscheduled row or notification). It compares
the live airings from ``now`` on before and after: an episode's airing at a
new occurrence is new, one at another occurrence moved (from → to), one gone
cancelled (a published one is cancelled in every feed, a draft simply goes);
pinned airings never move. It also lists the approved episodes that would stay
unscheduled.

``apply`` applies exactly what was previewed or refuses: the preview carries
the builder's inputs fingerprint (``builder.inputs_fingerprint``) and a digest
of its changes; if the inputs changed since, or the build would now change
something else, nothing is written and the caller is told to preview again.
An applied build is recorded like the service's (``ScheduleBuild`` with the
fingerprint, so the service does not build the same inputs again), and the
builder tells the people concerned of the airings it cancels, as it does for
the service.

The service and a person applying never write at once: both hold the build lock
(``hold_build_lock``) for their transaction; a person finding it taken is told
to try again in a moment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.errors import Conflict, Forbidden
from editorial.models import Column, Episode, Membership, Person
from schedule import builder
from schedule.builder_settings import BuildSettings
from schedule.models import Airing, AiringStatus, Slot, SlotKind, Unscheduled
from schedule.slots import SCHEDULING_ROLES

NEW, MOVED, CANCELLED = "new", "moved", "cancelled"
RETRY_AFTER_S = 5  # a build takes well under that (the province build: under 2 s)


@dataclass(frozen=True)
class Spot:
    """Where and how an airing stands (before or after the rebuild)."""

    airing_id: int
    slot_id: int
    slot: str
    starts_at: datetime
    status: AiringStatus
    pinned: bool


@dataclass(frozen=True)
class Change:
    """One airing the rebuild adds, moves or cancels."""

    what: str  # NEW, MOVED or CANCELLED
    episode_id: int
    title: str
    column: str
    kind: SlotKind
    before: Spot | None
    after: Spot | None

    @property
    def published(self) -> bool:
        """Whether subscribers saw the airing being moved or cancelled."""
        return self.before is not None and self.before.status is AiringStatus.PUBLISHED


@dataclass(frozen=True)
class Left:
    """An approved episode the rebuild would leave unscheduled, and why."""

    episode_id: int
    title: str
    column: str
    code: str
    detail: str


@dataclass(frozen=True)
class Preview:
    """What a rebuild at ``now`` changes; ``fingerprint`` and ``digest`` let ``apply``
    check it still would."""

    now: datetime
    fingerprint: str
    digest: str
    changes: tuple[Change, ...]
    unscheduled: tuple[Left, ...]
    build_id: int | None = None  # the applied build

    def of(self, what: str) -> list[Change]:
        return [c for c in self.changes if c.what == what]

    @property
    def new(self) -> list[Change]:
        return self.of(NEW)

    @property
    def moved(self) -> list[Change]:
        return self.of(MOVED)

    @property
    def cancelled(self) -> list[Change]:
        return self.of(CANCELLED)


def require_builder(session: Session, actor: Person) -> None:
    """Only a scheduler (编排) or admin of some column rebuilds the schedule."""
    roles = set(session.scalars(select(Membership.role).where(Membership.person_id == actor.id)))
    if not actor.active or not roles & SCHEDULING_ROLES:
        raise Forbidden(
            f"{actor.username} is not a scheduler of any column", code="not_a_scheduler"
        )


def preview(
    session: Session,
    actor: Person,
    now: datetime,
    fingerprint: str,
    settings: BuildSettings | None = None,
) -> Preview:
    """What rebuilding the whole schedule at ``now`` would change; writes nothing."""
    require_builder(session, actor)
    return dry_run(session, now, fingerprint, settings)


def dry_run(
    session: Session,
    now: datetime,
    fingerprint: str,
    settings: BuildSettings | None = None,
    *,
    column_ids: list[int] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Preview:
    """What ``builder.build`` with these arguments would change; writes nothing (the
    command line's ``schedule build --dry-run``, which names no acting person)."""
    session.flush()
    before = _live(session, now)
    nested = session.begin_nested()
    try:
        outcome = builder.build_with_changes(
            session, now, column_ids=column_ids, start=start, end=end, settings=settings
        )
        after = _live(session, now)
        left = _left(session, outcome.build.id)
    finally:
        nested.rollback()
    return _compare(now, fingerprint, before, after, left)


def apply(
    session: Session,
    actor: Person,
    now: datetime,
    fingerprint: str,
    shown: tuple[str, str],
    settings: BuildSettings | None = None,
) -> Preview:
    """Rebuild as previewed: ``shown`` is the preview's (fingerprint, digest). Refused,
    writing nothing, if the inputs changed or the build would change something else."""
    require_builder(session, actor)
    if shown[0] != fingerprint:
        raise Conflict(
            "the schedule's inputs changed since the preview; preview again",
            code="rebuild_inputs_changed",
        )
    hold_build_lock(session)
    session.flush()
    before = _live(session, now)
    nested = session.begin_nested()
    try:
        outcome = builder.build_with_changes(session, now, settings=settings)
        outcome.build.fingerprint = fingerprint
        session.flush()
        after = _live(session, now)
        done = _compare(now, fingerprint, before, after, _left(session, outcome.build.id))
        if done.digest != shown[1]:
            raise Conflict(
                "the rebuild would now change something other than the preview showed; "
                "preview again",
                code="rebuild_preview_stale",
            )
    except BaseException:
        nested.rollback()  # nothing of it stays, whatever the caller does next
        raise
    nested.commit()
    return Preview(
        done.now, fingerprint, done.digest, done.changes, done.unscheduled, outcome.build.id
    )


def hold_build_lock(session: Session, *, wait: bool = False) -> None:
    """Take the build lock for the rest of the transaction (PostgreSQL: an advisory
    transaction lock; SQLite has one writer at a time anyway). ``wait``: the service
    waits its turn; a person is refused at once, to try again in a moment."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = func.hashtext(func.concat(func.current_schema(), ":schedule-build"))
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(key)))
        return
    if not session.scalar(select(func.pg_try_advisory_xact_lock(key))):
        raise Conflict(
            "the schedule is being built right now; try again in a moment",
            code="rebuild_running",
            retry_after=RETRY_AFTER_S,
        )


_Live = dict[tuple[int, SlotKind], list[tuple[Spot, str, str]]]


def _live(session: Session, now: datetime) -> _Live:
    """The live airings from ``now`` on, by episode and kind, with title and column."""
    rows = session.execute(
        select(
            Airing.id,
            Airing.slot_id,
            Slot.name,
            Airing.starts_at,
            Airing.status,
            Airing.pinned,
            Airing.episode_id,
            Airing.kind,
            Episode.title,
            Column.name,
        )
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Column, Column.id == Slot.column_id)
        .join(Episode, Episode.id == Airing.episode_id)
        .where(Airing.starts_at >= now, Airing.status != AiringStatus.CANCELLED)
        .order_by(Airing.starts_at, Airing.slot_id)
    )
    found: _Live = {}
    for airing_id, slot_id, slot, at, status, pinned, episode_id, kind, title, column in rows:
        spot = Spot(airing_id, slot_id, slot, at, status, pinned)
        found.setdefault((episode_id, kind), []).append((spot, title, column))
    return found


def _left(session: Session, build_id: int) -> list[Left]:
    rows = session.execute(
        select(Unscheduled.episode_id, Episode.title, Column.name, Unscheduled.reason)
        .add_columns(Unscheduled.detail)
        .join(Episode, Episode.id == Unscheduled.episode_id)
        .join(Column, Column.id == Episode.column_id)
        .where(Unscheduled.build_id == build_id)
        .order_by(Column.name, Episode.id)
    )
    return [Left(*row) for row in rows]


def _compare(
    now: datetime, fingerprint: str, before: _Live, after: _Live, left: list[Left]
) -> Preview:
    changes: list[Change] = []
    for key in sorted(set(before) | set(after), key=lambda k: (k[0], k[1].value)):
        episode_id, kind = key
        was = before.get(key, [])
        will = after.get(key, [])
        at = {(s.slot_id, s.starts_at) for s, _, _ in will}
        had = {(s.slot_id, s.starts_at) for s, _, _ in was}
        gone = [item for item in was if (item[0].slot_id, item[0].starts_at) not in at]
        came = [item for item in will if (item[0].slot_id, item[0].starts_at) not in had]
        title, column = (was or will)[0][1:]
        for old, new in zip(gone, came, strict=False):
            changes.append(Change(MOVED, episode_id, title, column, kind, old[0], new[0]))
        for old in gone[len(came) :]:
            changes.append(Change(CANCELLED, episode_id, title, column, kind, old[0], None))
        for new in came[len(gone) :]:
            changes.append(Change(NEW, episode_id, title, column, kind, None, new[0]))
    changes.sort(key=_order)
    return Preview(now, fingerprint, _digest(changes, left), tuple(changes), tuple(left))


def _order(change: Change) -> tuple[datetime, int, str]:
    spot = change.after or change.before
    assert spot is not None
    return spot.starts_at, spot.slot_id, change.what


def _digest(changes: Iterable[Change], left: Iterable[Left]) -> str:
    """What the changes are (not the new rows' ids, which a second run assigns anew)."""

    def place(spot: Spot | None) -> object:
        if spot is None:
            return None
        return (spot.slot_id, spot.starts_at.isoformat(), spot.status.value)

    items: list[tuple[object, ...]] = [
        (c.what, c.episode_id, c.kind.value, place(c.before), place(c.after)) for c in changes
    ]
    items += [("left", x.episode_id, x.code) for x in left]
    return hashlib.sha256(repr(items).encode()).hexdigest()
