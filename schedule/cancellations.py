"""Airings that may not air any more, cancelled by the build: nothing wrong stays published.

A published (已发布, inside the frozen horizon) or pinned (固定) airing whose day
got a stop date (停播), whose episode was pulled from air (撤播) or whose
occurrence is gone because its slot was edited (a new time, days or dates) is cancelled
by the next build (``schedule.builder_load`` finds them, ``Cause`` says why),
with its ``revision`` bumped so every feed shows it CANCELLED with a new
SEQUENCE. A pin protects an airing from the builder, not from a stop date or a
pull. The column's schedulers and the episode's responsible producer are told
(never whoever added the stop date or pulled the episode); the schedule report
offers what could fill the occurrence (``schedule.builder_report``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from editorial import notifications
from editorial.models import HistoryEntry, Membership, Person, Role
from editorial.permissions import Act
from editorial.workdays import SHANGHAI
from schedule.builder_load import DROPPED, PULLED, SLOT_CHANGED, STOPPED, Cause, Row
from schedule.models import Airing, Slot
from schedule.reasons import reason

KIND = "airing_cancelled"


def reason_text(cause: Cause) -> str:
    """The cancelled airing's stored reason."""
    if cause.kind == STOPPED:
        return reason("stopped", why=cause.why).text
    if cause.kind == PULLED:
        return reason("episode_pulled", state=cause.why).text
    if cause.kind == SLOT_CHANGED:
        return reason("slot_changed").text
    return reason("dropped").text


def announce(session: Session, now: datetime, rows: Iterable[Row], causes: dict[int, Cause]) -> int:
    """Tell the column's schedulers and the episode's responsible producer of each airing
    cancelled for a stop date or a pull, once per cancellation; how many were told."""
    wanted = sorted(r.id for r in rows if r.id in causes and causes[r.id].kind != DROPPED)
    if not wanted:
        return 0
    airings = session.scalars(
        select(Airing)
        .where(Airing.id.in_(wanted))
        .options(joinedload(Airing.slot).joinedload(Slot.column), joinedload(Airing.episode))
        .order_by(Airing.starts_at, Airing.id)
    ).all()
    revisions = {r.id: r.revision for r in rows}
    told = 0
    for airing in airings:
        cause = causes[airing.id]
        actor = _actor(session, airing, cause)
        params = _params(airing, cause)
        for person in _recipients(session, airing):
            if not person.active or (actor is not None and person.id == actor.id):
                continue
            notifications.add(
                session,
                person,
                KIND,
                now,
                message=render(params),
                episode=airing.episode,
                actor=actor,
                reason=params["why"],
                params=params,
                event_key=f"airing-cancelled:{airing.id}:{revisions[airing.id]}",
            )
            told += 1
    return told


def _params(airing: Airing, cause: Cause) -> dict[str, Any]:
    return {
        "title": airing.episode.title,
        "column": airing.slot.column.name,
        "slot": airing.slot.name,
        "at": f"{airing.starts_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
        "cause": cause.kind,
        "why": cause.why if cause.kind == STOPPED else "",
    }


def render(params: dict[str, Any]) -> str:
    """The message in Chinese (mails and robots; the pages say it from ``params``)."""
    head = f"《{params['title']}》{params['at']}（{params['slot']}）的播出已取消"
    if params["cause"] == STOPPED:
        return f"{head}：停播（{params['why']}）。请查看编排报告，考虑替换节目。"
    if params["cause"] == SLOT_CHANGED:
        return f"{head}：播出时段已更改。请查看编排报告，考虑替换节目。"
    return f"{head}：节目已撤播。请查看编排报告，考虑替换节目。"


def _recipients(session: Session, airing: Airing) -> list[Person]:
    schedulers = session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.column_id == airing.slot.column_id, Membership.role == Role.SCHEDULER)
        .order_by(Person.id)
    ).all()
    people = {p.id: p for p in [airing.episode.responsible_producer, *schedulers]}
    return list(people.values())


def _actor(session: Session, airing: Airing, cause: Cause) -> Person | None:
    """Who added the stop date, or who pulled the episode (the latest pull); nobody for a
    slot's change (every scheduler of the column is told)."""
    if cause.kind == SLOT_CHANGED:
        return None
    if cause.kind == STOPPED:
        return session.get(Person, cause.actor_id) if cause.actor_id is not None else None
    return session.scalar(
        select(Person)
        .join(HistoryEntry, HistoryEntry.actor_id == Person.id)
        .where(HistoryEntry.episode_id == airing.episode_id, HistoryEntry.act == Act.PULL.value)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    )
