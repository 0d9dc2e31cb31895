"""Who is told of each hand-off (交接通知), written in the transaction of the act.

Every act that passes the episode to someone else tells them: a proposed topic its
column's producers, an approved or rejected topic its editor-director, a
submission and each signed stage whoever may sign the next stage (exactly the
people ``permissions.authorize`` lets sign it, four eyes included), a return the
editor-director and the responsible producer with the reason and the open review
notes, an approval the column's schedulers, a hand-over the new producer, a pull
from air the producer and the schedulers. Never the actor, never a deactivated person.

Each notification carries the act's kind, the actor, the reason and the
parameters its message is made of; the row is the outbox the scheduler service
delivers by e-mail and to the column's group robots (``editorial.outbox``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import notifications, review_notes
from editorial.errors import Forbidden, IllegalAct
from editorial.models import Episode, HistoryEntry, Membership, Person, Role, Stage, State
from editorial.permissions import SIGN_ACT, STAGE_ROLE, Act, authorize
from editorial.workdays import REVIEW_STAGE

STAGE_NAME = {Stage.FIRST: "初审", Stage.SECOND: "复审", Stage.FINAL: "终审"}

# The act's kind of notification; acts missing here tell nobody.
KIND = {
    Act.PROPOSE: "topic_proposed",
    Act.APPROVE_TOPIC: "topic_approved",
    Act.REJECT_TOPIC: "topic_rejected",
    Act.SUBMIT: "submitted",
    Act.FIRST_REVIEW: "stage_signed",
    Act.SECOND_REVIEW: "stage_signed",
    Act.FINAL_REVIEW: "approved",
    Act.RETURN: "returned",
    Act.HAND_OVER: "handed_over",
    Act.PULL: "pulled",
    Act.NEW_MEDIA: "submitted",  # a new master that reopens the review
}


def announce(
    session: Session,
    episode: Episode,
    act: Act,
    actor: Person,
    entry: HistoryEntry,
    now: datetime,
    *,
    stage: Stage | None = None,
    reason: str | None = None,
) -> list[int]:
    """Notify whoever the act hands the episode to; the ids of the people told.

    ``stage`` is the review stage the act judged (signing or returning); the
    episode is already in its new state.
    """
    kind = KIND.get(act)
    if kind is None or (act is Act.NEW_MEDIA and episode.state is not State.FIRST_REVIEW):
        return []
    people = [p for p in _recipients(session, episode, act) if p.id != actor.id and p.active]
    if not people:
        return []
    params: dict[str, object] = {"title": episode.title, "actor": actor.display_name}
    if stage is not None:
        params["stage"] = stage.value
    if episode.state in REVIEW_STAGE:
        params["next_stage"] = REVIEW_STAGE[episode.state].value
    message = render(kind, params, reason or "")
    if act is Act.RETURN:
        notes = review_notes.as_reason(review_notes.open_notes(session, episode))
        if notes and notes != reason:
            params["notes"] = notes
            message += f"\n审看意见：\n{notes}"
    for person in people:
        notifications.add(
            session,
            person,
            kind,
            now,
            message=message,
            episode=episode,
            actor=actor,
            reason=reason or "",
            params=params,
            event_key=f"history:{entry.id}",
        )
    return [p.id for p in people]


def _recipients(session: Session, episode: Episode, act: Act) -> Iterable[Person]:
    match act:
        case Act.PROPOSE:
            return _holders(session, episode, Role.PRODUCER)
        case Act.APPROVE_TOPIC | Act.REJECT_TOPIC:
            return [episode.director]
        case Act.SUBMIT | Act.NEW_MEDIA | Act.FIRST_REVIEW | Act.SECOND_REVIEW:
            return _may_sign_next(session, episode)
        case Act.FINAL_REVIEW:
            return _holders(session, episode, Role.SCHEDULER)
        case Act.RETURN:
            return _unique([episode.director, episode.responsible_producer])
        case Act.HAND_OVER:
            return [episode.responsible_producer]
        case Act.PULL:
            schedulers = _holders(session, episode, Role.SCHEDULER)
            return _unique([episode.responsible_producer, *schedulers])
    return []  # pragma: no cover


def _holders(session: Session, episode: Episode, role: Role) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.column_id == episode.column_id, Membership.role == role)
            .order_by(Person.id)
        )
    )


def _may_sign_next(session: Session, episode: Episode) -> list[Person]:
    """Everyone who may sign the stage the episode now awaits."""
    if episode.state not in REVIEW_STAGE:
        return []
    stage = REVIEW_STAGE[episode.state]
    if stage is Stage.FIRST:
        candidates = [episode.responsible_producer]
    else:
        candidates = _holders(session, episode, STAGE_ROLE[stage])
    return [p for p in candidates if _may(session, p, episode, SIGN_ACT[stage])]


def _may(session: Session, person: Person, episode: Episode, act: Act) -> bool:
    try:
        authorize(session, person, episode, act)
    except (Forbidden, IllegalAct):
        return False
    return True


def _unique(people: Iterable[Person]) -> list[Person]:
    seen: dict[int, Person] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())


def render(kind: str, params: dict[str, object], reason: str = "") -> str:
    """The message in Chinese (as pages, mails and robots show it)."""
    title, actor = f"《{params.get('title', '')}》", params.get("actor", "")
    stage = STAGE_NAME.get(Stage(str(params["stage"])), "") if "stage" in params else ""
    next_stage = (
        STAGE_NAME.get(Stage(str(params["next_stage"])), "") if "next_stage" in params else ""
    )
    because = f"：{reason}" if reason else ""
    match kind:
        case "topic_proposed":
            return f"{actor}申报了选题{title}，请您审核"
        case "topic_approved":
            return f"{actor}通过了选题{title}，可以开始制作"
        case "topic_rejected":
            return f"{actor}未通过选题{title}{because}"
        case "submitted":
            return f"{actor}已将{title}送审，请您{next_stage}"
        case "stage_signed":
            return f"{actor}已{stage}通过{title}，请您{next_stage}"
        case "approved":
            return f"{title}已终审通过（{actor}），请您编排播出"
        case "returned":
            return f"{actor}在{stage}退回了{title}{because}"
        case "handed_over":
            return f"{actor}将{title}移交给您负责{because}"
        case "pulled":
            return f"{actor}撤播了{title}{because}"
    return f"{title}：{kind}"
