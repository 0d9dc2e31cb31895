"""Whose turn it is (下一步由谁办理): the step that moves an episode on and the people who
may take it, for one episode or a whole board at once, and the return now open on it.

The steps follow the workflow: a proposed topic awaits its responsible producer's
approval; an approved topic, production and a returned episode await the editor-director
(the episode's own, or, when they can no longer act, any of the column's); production
without a master awaits its upload (上传成片) by the episode's editor-director, or when
they can no longer act, its responsible producer (the two ``authorize`` lets); a review stage
awaits exactly those ``permissions.authorize`` lets sign it (four eyes included); an
approved episode awaits the column's schedulers (编排), or once the schedule has its
premiere (the caller passes the schedule's premieres in) nobody but its air. The people
are active ones only, and each of them may take the step (``tests/editorial/test_turns.py``
holds that against ``authorize``). Ended episodes await nobody.

``next_steps`` reads the memberships of every column and the review stages' signers in
two statements, however many episodes a board shows.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.models import (
    Episode,
    HistoryEntry,
    Membership,
    Person,
    Role,
    Stage,
    StageSigner,
    State,
)
from editorial.permissions import SIGN_ACT, STAGE_ROLE, Act
from editorial.workdays import REVIEW_STAGE


class Step(enum.StrEnum):
    APPROVE_TOPIC = "approve_topic"  # 审核选题
    START_PRODUCTION = "start_production"  # 开始制作
    UPLOAD = "upload"  # 上传成片 (nothing is submitted without a master)
    SUBMIT = "submit"  # 送审
    RESUBMIT = "resubmit"  # 修改后重新送审
    SIGN = "sign"  # 签审（初审 / 复审 / 终审）
    SCHEDULE = "schedule"  # 编排播出
    AIR = "air"  # 已编排，待播出
    NONE = "none"  # 已结束


# The role whose holders take each step (a review stage's is STAGE_ROLE's).
STEP_ROLE = {
    Step.APPROVE_TOPIC: Role.PRODUCER,
    Step.START_PRODUCTION: Role.EDITOR_DIRECTOR,
    Step.UPLOAD: Role.EDITOR_DIRECTOR,
    Step.SUBMIT: Role.EDITOR_DIRECTOR,
    Step.RESUBMIT: Role.EDITOR_DIRECTOR,
    Step.SCHEDULE: Role.SCHEDULER,
}
STEP_OF_STATE = {
    State.PROPOSED: Step.APPROVE_TOPIC,
    State.TOPIC_APPROVED: Step.START_PRODUCTION,
    State.IN_PRODUCTION: Step.SUBMIT,
    State.RETURNED: Step.RESUBMIT,
    State.FIRST_REVIEW: Step.SIGN,
    State.SECOND_REVIEW: Step.SIGN,
    State.FINAL_REVIEW: Step.SIGN,
    State.APPROVED: Step.SCHEDULE,
}


@dataclass(frozen=True)
class Turn:
    """The next step of an episode, the review stage it signs (for ``Step.SIGN``), and
    the active people who may take it (by display name, then id); none when nobody can."""

    step: Step
    stage: Stage | None = None
    people: tuple[Person, ...] = ()
    premiere_at: datetime | None = None  # for ``Step.AIR``: its first premiere (首播)

    @property
    def names(self) -> list[str]:
        return [p.display_name for p in self.people]


NO_TURN = Turn(Step.NONE)


def next_step(
    session: Session, episode: Episode, premieres: Mapping[int, datetime] | None = None
) -> Turn:
    return next_steps(session, [episode], premieres)[episode.id]


def next_steps(
    session: Session,
    episodes: Sequence[Episode],
    premieres: Mapping[int, datetime] | None = None,
) -> dict[int, Turn]:
    """Each episode's turn by its id, in at most two statements for any number of episodes.

    ``premieres`` are the schedule's first premiere of each approved episode that has one
    (passed in by the caller, who may read the schedule): such an episode awaits its air,
    no longer its scheduling."""
    open_ = [e for e in episodes if e.state in STEP_OF_STATE]
    if not open_:
        return {e.id: NO_TURN for e in episodes}
    members = _members(session, {e.column_id for e in open_})
    reviewing = [e.id for e in open_ if e.state in REVIEW_STAGE]
    bound = _bound(session, reviewing) if reviewing else {}
    premieres = premieres or {}
    return {
        e.id: turn_of(e, members[e.column_id], bound.get(e.id, {}), premieres.get(e.id))
        for e in episodes
    }


def _members(session: Session, column_ids: Iterable[int]) -> dict[int, list[tuple[Role, Person]]]:
    """column id -> the (role, person) of its active members in the roles that take steps."""
    rows = session.execute(
        select(Membership.column_id, Membership.role, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.column_id.in_(sorted(column_ids)),
            Membership.role.in_([*STEP_ROLE.values(), *STAGE_ROLE.values()]),
            Person.active.is_(True),
        )
    ).all()
    found: dict[int, list[tuple[Role, Person]]] = defaultdict(list)
    for column_id, role, person in rows:
        found[column_id].append((role, person))
    return found


def _bound(session: Session, episode_ids: list[int]) -> dict[int, dict[int, Stage]]:
    """episode id -> person id -> the review stage they are bound to (four eyes)."""
    found: dict[int, dict[int, Stage]] = defaultdict(dict)
    for episode_id, person_id, stage in session.execute(
        select(StageSigner.episode_id, StageSigner.person_id, StageSigner.stage).where(
            StageSigner.episode_id.in_(episode_ids)
        )
    ):
        found[episode_id][person_id] = stage
    return found


def bound_in(history: Iterable[HistoryEntry]) -> dict[int, Stage]:
    """person id -> the review stage they are bound to, from the episode's history already
    read: each sign-off and each return binds its actor to the stage it judged (the very
    acts that write the episode's ``StageSigner`` rows), so a page that has the history
    needs no other statement."""
    judging = {*(a.value for a in SIGN_ACT.values()), Act.RETURN.value}
    found: dict[int, Stage] = {}
    for entry in history:
        if entry.act in judging and entry.actor_id is not None and entry.from_state:
            stage = REVIEW_STAGE.get(State(entry.from_state))
            if stage is not None:
                found.setdefault(entry.actor_id, stage)
    return found


def turn_of(
    episode: Episode,
    members: Iterable[tuple[Role, Person]],
    bound: Mapping[int, Stage],
    premiere_at: datetime | None = None,
) -> Turn:
    """The episode's turn, from its column's members (role, person), who is bound to which
    review stage and its first premiere if the schedule has one; inactive members are left
    out here."""
    step = STEP_OF_STATE.get(episode.state)
    if step is None:
        return NO_TURN
    if step is Step.SCHEDULE and premiere_at is not None:
        return Turn(Step.AIR, premiere_at=premiere_at)
    if step in (Step.SUBMIT, Step.RESUBMIT) and episode.media_version is None:
        return Turn(Step.UPLOAD, people=_uploaders(episode, members))
    stage = REVIEW_STAGE.get(episode.state)
    role = STAGE_ROLE[stage] if stage is not None else STEP_ROLE[step]
    people = sorted(
        {p.id: p for r, p in members if r is role and p.active}.values(),
        key=lambda p: (p.display_name, p.id),
    )
    if stage is not None:
        if stage is Stage.FIRST:
            people = [p for p in people if p.id == episode.responsible_producer_id]
        people = [
            p for p in people if p.id != episode.director_id and bound.get(p.id, stage) is stage
        ]
    elif step is Step.APPROVE_TOPIC:
        # The responsible producer's call; never the proposer's (four eyes).
        people = [
            p
            for p in people
            if p.id == episode.responsible_producer_id and p.id != episode.director_id
        ]
    elif role is Role.EDITOR_DIRECTOR:
        # The episode's own editor-director; any of the column's when they cannot act.
        people = [p for p in people if p.id == episode.director_id] or people
    return Turn(step, stage, tuple(people))


def _uploaders(episode: Episode, members: Iterable[tuple[Role, Person]]) -> tuple[Person, ...]:
    """Who may upload the master (``Act.NEW_MEDIA``): the episode's editor-director, or
    when they can no longer act, its responsible producer."""
    active = [(r, p) for r, p in members if p.active]
    director = [p for r, p in active if r is Role.EDITOR_DIRECTOR and p.id == episode.director_id]
    producer = [
        p for r, p in active if r is Role.PRODUCER and p.id == episode.responsible_producer_id
    ]
    return tuple(director[:1] or producer[:1])


# --- the open return ---------------------------------------------------------------------


@dataclass(frozen=True)
class Return:
    """The return for changes (退回修改) an episode is in: at which review stage, by whom,
    when and why."""

    stage: Stage | None
    actor: Person | None
    at: datetime
    reason: str
    entry_id: int


def last_return(session: Session, episode: Episode) -> Return | None:
    """The return the episode is in now; None unless it is returned."""
    if episode.state is not State.RETURNED:
        return None
    entry = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.episode_id == episode.id, HistoryEntry.act == Act.RETURN.value)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    ).first()
    return None if entry is None else _return_of(entry)


def return_in(episode: Episode, history: Sequence[HistoryEntry]) -> Return | None:
    """``last_return`` from the episode's history already read (in order of ``seq``)."""
    if episode.state is not State.RETURNED:
        return None
    for entry in reversed(history):
        if entry.act == Act.RETURN.value:
            return _return_of(entry)
    return None


def _return_of(entry: HistoryEntry) -> Return:
    stage = REVIEW_STAGE.get(State(entry.from_state)) if entry.from_state else None
    return Return(stage, entry.actor, entry.at, entry.reason or "", entry.id)
