"""The hash-chained, append-only episode history (see docs/decisions/0002)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.models import Episode, HistoryEntry, Person, State

GENESIS = "0" * 64


def content_of(entry: HistoryEntry) -> dict[str, Any]:
    """The fields a history hash covers, in a form that survives a round trip."""
    return {
        "episode_id": entry.episode_id,
        "seq": entry.seq,
        "act": entry.act,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "at": entry.at.isoformat(timespec="microseconds"),
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "reason": entry.reason,
        "checklist": entry.checklist,
        "media_version": entry.media_version,
        "details": entry.details,
    }


def compute_hash(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record(
    session: Session,
    episode: Episode,
    *,
    act: str,
    actor: Person | None,
    role: str | None,
    now: datetime,
    from_state: State | None,
    reason: str | None = None,
    checklist: dict[str, Any] | None = None,
    media_version: int | None = None,
    details: dict[str, Any] | None = None,
) -> HistoryEntry:
    """Append one entry to the episode's chain; the caller flushes."""
    last = session.execute(
        select(HistoryEntry.seq, HistoryEntry.hash)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = HistoryEntry(
        episode_id=episode.id,
        seq=seq,
        act=act,
        actor_id=actor.id if actor else None,
        actor_role=role,
        at=now.astimezone(UTC),
        from_state=from_state.value if from_state else None,
        to_state=episode.state.value,
        reason=reason,
        checklist=checklist,
        media_version=media_version,
        details=details,
        prev_hash=prev_hash,
    )
    entry.hash = compute_hash(prev_hash, content_of(entry))
    session.add(entry)
    return entry


@dataclass(frozen=True)
class BrokenLink:
    """The first history entry of a chain that does not verify, and why."""

    entry_id: int
    episode_id: int
    seq: int
    problem: str

    def __str__(self) -> str:
        return (
            f"history entry {self.entry_id} (episode {self.episode_id}, seq {self.seq}): "
            f"{self.problem}"
        )


def verify(session: Session) -> Iterator[BrokenLink]:
    """Walk every chain in order; yield the first broken entry of each episode.

    Entries are streamed so memory stays flat however long the history is.
    """
    rows = session.execute(
        select(HistoryEntry)
        .order_by(HistoryEntry.episode_id, HistoryEntry.seq)
        # populate_existing: compare what the database holds, not this session's copies
        .execution_options(yield_per=2000, populate_existing=True)
    ).scalars()
    episode_id: int | None = None
    prev_hash = GENESIS
    expected_seq = 1
    broken = False
    for entry in rows:
        if entry.episode_id != episode_id:
            episode_id, prev_hash, expected_seq, broken = entry.episode_id, GENESIS, 1, False
        if broken:
            continue
        problem = None
        if entry.seq != expected_seq:
            problem = f"expected seq {expected_seq}, found {entry.seq} (an entry is missing)"
        elif entry.prev_hash != prev_hash:
            problem = "prev_hash does not match the previous entry's hash"
        elif compute_hash(entry.prev_hash, content_of(entry)) != entry.hash:
            problem = "content does not match its hash (the entry was altered)"
        if problem:
            broken = True
            yield BrokenLink(entry.id, entry.episode_id, entry.seq, problem)
        prev_hash, expected_seq = entry.hash, expected_seq + 1
