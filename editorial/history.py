"""The hash-chained, append-only episode history (see docs/decisions/0002)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.models import (
    Comment,
    Episode,
    HistoryAnchor,
    HistoryEntry,
    Person,
    SignOff,
    State,
)

GENESIS = "0" * 64
COMMENT = "comment"  # the act of the entry that records a comment
SEAL = "seal"  # migration 0011's entry recording the sign-offs and comments made before it


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
    } | ({"covers": entry.covers} if entry.covers is not None else {})


def _sha256(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def compute_hash(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def sign_off_key(sign_off: SignOff) -> str:
    return f"sign_off:{sign_off.id}"


def comment_key(comment: Comment) -> str:
    return f"comment:{comment.id}"


def sign_off_digest(s: SignOff) -> str:
    """The SHA-256 of everything a sign-off says; the entry recording it covers this."""
    return _sha256(
        {
            "id": s.id,
            "episode_id": s.episode_id,
            "review_round": s.review_round,
            "stage": str(s.stage),
            "person_id": s.person_id,
            "role": str(s.role),
            "signed_at": s.signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "media_version": s.media_version,
            "checklist": [
                s.political_accuracy,
                s.facts,
                s.watchability,
                s.timeliness,
                s.technical_quality,
            ],
            "note": s.note,
        }
    )


def comment_digest(c: Comment) -> str:
    """The SHA-256 of a comment: who wrote what, when, on which episode."""
    return _sha256(
        {
            "id": c.id,
            "episode_id": c.episode_id,
            "author_id": c.author_id,
            "at": c.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "body": c.body,
        }
    )


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
    covers: dict[str, str] | None = None,
) -> HistoryEntry:
    """Append one entry to the episode's chain and move its anchor; the caller flushes.

    The anchor row is locked first, so two appends to one episode (an act and
    a comment, say) take turns instead of colliding on ``seq``.
    """
    anchor = session.get(HistoryAnchor, episode.id, with_for_update=True, populate_existing=True)
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
        covers=covers,
        prev_hash=prev_hash,
    )
    entry.hash = compute_hash(prev_hash, content_of(entry))
    session.add(entry)
    if anchor is None:
        session.add(HistoryAnchor(episode_id=episode.id, entries=seq, head_hash=entry.hash))
    else:
        anchor.entries, anchor.head_hash = seq, entry.hash
    return entry


@dataclass(frozen=True)
class BrokenLink:
    """The first problem found in an episode's chain: the entry it concerns (if any), and why."""

    entry_id: int | None
    episode_id: int
    seq: int | None
    problem: str

    def __str__(self) -> str:
        if self.entry_id is None:
            return f"episode {self.episode_id}: {self.problem}"
        return (
            f"history entry {self.entry_id} (episode {self.episode_id}, seq {self.seq}): "
            f"{self.problem}"
        )


@dataclass(frozen=True)
class _Seen:
    """An entry verify has checked, kept without the ORM object (id, seq, hash)."""

    id: int
    seq: int
    hash: str


@dataclass
class _Walk:
    """What verify has seen of one episode's chain so far."""

    episode_id: int
    prev_hash: str = GENESIS
    expected_seq: int = 1
    last: _Seen | None = None
    problem: BrokenLink | None = None
    covered: dict[str, tuple[str, _Seen]] = field(default_factory=dict)


def _step(walk: _Walk, entry: HistoryEntry) -> None:
    problem = None
    if entry.seq != walk.expected_seq:
        problem = f"expected seq {walk.expected_seq}, found {entry.seq} (an entry is missing)"
    elif entry.prev_hash != walk.prev_hash:
        problem = "prev_hash does not match the previous entry's hash"
    elif compute_hash(entry.prev_hash, content_of(entry)) != entry.hash:
        problem = "content does not match its hash (the entry was altered)"
    if problem:
        walk.problem = BrokenLink(entry.id, entry.episode_id, entry.seq, problem)
        return
    seen = _Seen(entry.id, entry.seq, entry.hash)
    for key, digest in (entry.covers or {}).items():
        walk.covered[key] = (digest, seen)
    walk.prev_hash, walk.expected_seq, walk.last = entry.hash, walk.expected_seq + 1, seen


def _anchor_problem(walk: _Walk, anchor: HistoryAnchor | None) -> BrokenLink | None:
    last = walk.last
    if anchor is None:
        return BrokenLink(
            last.id if last else None,
            walk.episode_id,
            last.seq if last else None,
            "the chain has no anchor (its anchor row was deleted)",
        )
    if last is None:
        return BrokenLink(
            None,
            walk.episode_id,
            None,
            f"the anchor records {anchor.entries} entries, the history has none "
            "(entries were deleted)",
        )
    if (last.seq, last.hash) != (anchor.entries, anchor.head_hash):
        return BrokenLink(
            last.id,
            walk.episode_id,
            last.seq,
            f"the chain ends at seq {last.seq} but its anchor records {anchor.entries} entries "
            "ending in another hash (the last entries were deleted or replaced)",
        )
    return None


def _coverage_problem(walk: _Walk, recorded: dict[str, str]) -> BrokenLink | None:
    """Every sign-off and comment the chain records exists unchanged, and no other does."""
    covered = walk.covered
    for key, (digest, entry) in covered.items():
        what = key.replace("_", "-").replace(":", " ")
        if key not in recorded:
            problem = f"{what} recorded here is missing (it was deleted)"
        elif recorded[key] != digest:
            problem = f"{what} does not match what was recorded here (it was altered)"
        else:
            continue
        return BrokenLink(entry.id, walk.episode_id, entry.seq, problem)
    for key in sorted(recorded.keys() - covered.keys()):
        what = key.replace("_", "-").replace(":", " ")
        return BrokenLink(
            None,
            walk.episode_id,
            None,
            f"{what} is recorded by no history entry (added underneath)",
        )
    return None


def _recorded(session: Session) -> dict[int, dict[str, str]]:
    """Each episode's sign-offs and comments as they are now, by key."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    options = {"yield_per": 2000, "populate_existing": True}
    for sign_off in session.scalars(select(SignOff).execution_options(**options)):
        found[sign_off.episode_id][sign_off_key(sign_off)] = sign_off_digest(sign_off)
    for comment in session.scalars(select(Comment).execution_options(**options)):
        found[comment.episode_id][comment_key(comment)] = comment_digest(comment)
    return found


def verify(session: Session) -> Iterator[BrokenLink]:
    """Walk every chain in order; yield the first problem of each episode.

    A chain must link up entry by entry, end where its anchor says, and
    record exactly the episode's sign-offs and comments as they are. Entries
    are streamed; the anchors and the digests of sign-offs and comments are
    held in memory, and a few small tuples per episode.
    """
    options = {"populate_existing": True}  # what the database holds, not this session's copies
    anchors = {
        a.episode_id: a for a in session.scalars(select(HistoryAnchor).execution_options(**options))
    }
    recorded = _recorded(session)
    episodes = session.scalars(select(Episode.id).order_by(Episode.id)).all()
    rows = session.execute(
        select(HistoryEntry)
        .order_by(HistoryEntry.episode_id, HistoryEntry.seq)
        .execution_options(yield_per=2000, **options)
    ).scalars()
    walks: dict[int, _Walk] = {}
    for entry in rows:
        walk = walks.setdefault(entry.episode_id, _Walk(entry.episode_id))
        if walk.problem is None:
            _step(walk, entry)
    for episode_id in sorted(set(episodes) | walks.keys() | anchors.keys()):
        walk = walks.get(episode_id, _Walk(episode_id))
        problem = (
            walk.problem
            or _anchor_problem(walk, anchors.get(episode_id))
            or _coverage_problem(walk, recorded.get(episode_id, {}))
        )
        if problem:
            yield problem
