"""Random walks of acts by random people: the workflow's invariants always hold.

Each example builds a column with people holding overlapping roles, proposes one
to three episodes, then plays a drawn sequence of acts through the real service
functions. A refused act (a ``DomainError``) must leave the database exactly as it
was; after every step the four-eyes rule, the single responsible producer, the
hash chains and the replayed history are checked against the rules of
shared/DOMAIN.md, written out below independently of ``editorial.workflow``, and
against issue 14's: nothing is submitted without a master, and technical quality is
signed over a master whose QC failed only with the signer's reason (and only then).
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple, TypeVar

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from editorial import history, people, workflow
from editorial.errors import DomainError
from editorial.models import (
    Column,
    Episode,
    HistoryEntry,
    Level,
    Membership,
    Person,
    Role,
    SignOff,
    Stage,
    StageSigner,
    State,
)
from editorial.workflow import Act, Checklist
from tests.conftest import NOW, rolled_back_session

# --- the rules, as DOMAIN.md states them -----------------------------------------------------

OPEN_STATES = frozenset(
    {
        State.PROPOSED,
        State.TOPIC_APPROVED,
        State.IN_PRODUCTION,
        State.FIRST_REVIEW,
        State.SECOND_REVIEW,
        State.FINAL_REVIEW,
        State.RETURNED,
    }
)
REVIEW_STATES = frozenset({State.FIRST_REVIEW, State.SECOND_REVIEW, State.FINAL_REVIEW})
STAYS = None  # the act keeps the episode in the state it was in

# act -> (states it may be taken from, state it leads to)
TRANSITIONS: dict[Act, tuple[frozenset[State], State | None]] = {
    Act.APPROVE_TOPIC: (frozenset({State.PROPOSED}), State.TOPIC_APPROVED),
    Act.REJECT_TOPIC: (frozenset({State.PROPOSED}), State.TOPIC_REJECTED),
    Act.START_PRODUCTION: (frozenset({State.TOPIC_APPROVED}), State.IN_PRODUCTION),
    Act.SUBMIT: (frozenset({State.IN_PRODUCTION, State.RETURNED}), State.FIRST_REVIEW),
    Act.FIRST_REVIEW: (frozenset({State.FIRST_REVIEW}), State.SECOND_REVIEW),
    Act.SECOND_REVIEW: (frozenset({State.SECOND_REVIEW}), State.FINAL_REVIEW),
    Act.FINAL_REVIEW: (frozenset({State.FINAL_REVIEW}), State.APPROVED),
    Act.RETURN: (REVIEW_STATES, State.RETURNED),
    Act.WITHDRAW: (OPEN_STATES, State.WITHDRAWN),
    Act.PULL: (frozenset({State.APPROVED}), State.PULLED),
    Act.HAND_OVER: (OPEN_STATES | {State.APPROVED}, STAYS),
    Act.OFFER_EXCHANGE: (frozenset({State.APPROVED}), STAYS),
    Act.EDIT: (
        frozenset({State.PROPOSED, State.TOPIC_APPROVED, State.IN_PRODUCTION, State.RETURNED}),
        STAYS,
    ),
    # Stays, or reopens the review at the first stage: the walk checks which below.
    Act.NEW_MEDIA: (
        frozenset({State.IN_PRODUCTION, State.RETURNED, State.APPROVED}) | REVIEW_STATES,
        STAYS,
    ),
    Act.SET_TAGS: (OPEN_STATES | {State.APPROVED}, STAYS),
}
SIGN_STAGE = {
    Act.FIRST_REVIEW: Stage.FIRST,
    Act.SECOND_REVIEW: Stage.SECOND,
    Act.FINAL_REVIEW: Stage.FINAL,
}
STAGE_OF_STATE = {
    State.FIRST_REVIEW: Stage.FIRST,
    State.SECOND_REVIEW: Stage.SECOND,
    State.FINAL_REVIEW: Stage.FINAL,
}
# The act that moves an episode forward from each state (what a walk "wants" to do next);
# production without a master wants its master first.
FORWARD: dict[State, Act] = {
    State.PROPOSED: Act.APPROVE_TOPIC,
    State.TOPIC_APPROVED: Act.START_PRODUCTION,
    State.IN_PRODUCTION: Act.SUBMIT,
    State.RETURNED: Act.SUBMIT,
    State.FIRST_REVIEW: Act.FIRST_REVIEW,
    State.SECOND_REVIEW: Act.SECOND_REVIEW,
    State.FINAL_REVIEW: Act.FINAL_REVIEW,
    State.APPROVED: Act.HAND_OVER,  # stay approved a while; pulling is drawn at random
    State.TOPIC_REJECTED: Act.HAND_OVER,
    State.WITHDRAWN: Act.HAND_OVER,
    State.PULLED: Act.WITHDRAW,
}


def forward(episode: Episode, pick: int) -> Act:
    """The act a walk "wants" next; a review returns the episode one time in four."""
    state = episode.state
    if state in REVIEW_STATES and pick == 0:
        return Act.RETURN
    if FORWARD[state] is Act.SUBMIT and episode.media_version is None:
        return Act.NEW_MEDIA
    return FORWARD[state]


# --- the people ------------------------------------------------------------------------------

ED, PR, RV, FA, AD = (
    Role.EDITOR_DIRECTOR,
    Role.PRODUCER,
    Role.REVIEWER,
    Role.FINAL_APPROVER,
    Role.ADMIN,
)
ROSTER: dict[str, tuple[Role, ...]] = {
    "ed1": (ED,),
    "ed2": (ED, RV),  # may review episodes another editor-director made
    "edprod": (ED, PR),  # may be responsible for the very episode they direct
    "prod1": (PR,),
    "prod2": (PR,),
    "prodrev": (PR, RV),
    "rev": (RV,),
    "finrev": (FA, RV),
    "finprod": (FA, PR),
    "admin": (AD,),
    "outsider": (),  # holds every role, but in another column
}
NAMES = tuple(ROSTER)
DIRECTORS = ("ed1", "ed2", "edprod")
PRODUCERS = ("prod1", "prod2", "prodrev", "edprod", "finprod")
REVIEWERS = ("ed2", "prodrev", "rev", "finrev")
T = TypeVar("T")
FIT = "<fit>"  # the person whose role fits the act, per DOMAIN.md

OK = Checklist.all_confirmed()
NOT_OK = Checklist(True, True, False, True, True)


class Override(enum.Enum):
    AS_NEEDED = "as needed"  # a reason exactly when the master failed QC
    NEVER = "never"
    ALWAYS = "always"


OVERRIDE_REASON = "响度略低，播出时统一调整"


class Step(NamedTuple):
    episode: int
    act: Act | None  # None: the forward act of the episode's current state
    person: str
    to: str  # hand-over target
    pick: int  # which reviewer, when FIT resolves to one
    stale: bool
    reason: bool
    checklist_ok: bool
    qc_passed: bool | None  # a new master's QC verdict (None: no QC ran)
    override: Override  # whether a sign-off states a reason for a failed QC


def mostly(likely: st.SearchStrategy[T], other: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """``likely`` three times in four, so that walks get deep into the workflow."""
    return st.tuples(st.integers(0, 3), likely, other).map(lambda t: t[2] if t[0] == 0 else t[1])


steps = st.lists(
    st.builds(
        Step,
        episode=st.integers(0, 2),
        act=mostly(st.none(), st.sampled_from([a for a in Act if a is not Act.PROPOSE])),
        person=mostly(st.just(FIT), st.sampled_from(NAMES)),
        to=mostly(st.sampled_from(PRODUCERS), st.sampled_from(NAMES)),
        pick=st.integers(0, len(REVIEWERS) - 1),
        stale=st.integers(0, 9).map(lambda n: n == 0),
        reason=st.integers(0, 5).map(lambda n: n != 0),
        checklist_ok=st.integers(0, 5).map(lambda n: n != 0),
        qc_passed=st.sampled_from([True, False, None]),
        override=mostly(st.just(Override.AS_NEEDED), st.sampled_from(list(Override))),
    ),
    min_size=15,
    max_size=40,
)
# Nobody is named responsible producer of a topic they propose (four eyes, migration 0013).
proposals = st.lists(
    st.tuples(st.sampled_from(DIRECTORS), st.sampled_from(PRODUCERS)).filter(
        lambda pair: pair[0] != pair[1]
    ),
    min_size=1,
    max_size=3,
)


@dataclass
class World:
    session: Session
    column: Column
    people: dict[str, Person]
    episodes: list[Episode]


def build_world(session: Session, proposed: list[tuple[str, str]]) -> World:
    column = people.create_column(
        session, NOW, slug="walk", name="时代风采", level=Level.CITY, station="市台", channel="综合"
    )
    other = people.create_column(
        session, NOW, slug="other", name="县栏目", level=Level.COUNTY, station="县台", channel="综"
    )
    roster: dict[str, Person] = {}
    for name, roles in ROSTER.items():
        person = people.create_person(session, NOW, username=name, display_name=name)
        for role in roles:
            people.grant_role(session, person, column, role, NOW)
        roster[name] = person
    for role in Role:
        people.grant_role(session, roster["outsider"], other, role, NOW)
    episodes = [
        workflow.propose(
            session,
            roster[director],
            column,
            NOW,
            workflow.Proposal(f"节目{i}", 900, responsible_producer=roster[producer]),
        )
        for i, (director, producer) in enumerate(proposed)
    ]
    return World(session, column, roster, episodes)


def resolve_actor(world: World, episode: Episode, act: Act, step: Step) -> Person:
    if step.person != FIT:
        return world.people[step.person]
    by_id = {p.id: p for p in world.people.values()}
    stage = STAGE_OF_STATE.get(episode.state) if act is Act.RETURN else SIGN_STAGE.get(act)
    if act in (Act.START_PRODUCTION, Act.SUBMIT):
        return by_id[episode.director_id]
    if stage is Stage.SECOND:
        return world.people[REVIEWERS[step.pick]]
    if stage is Stage.FINAL or act is Act.PULL:
        return world.people["finrev" if step.pick % 2 else "finprod"]
    return by_id[episode.responsible_producer_id]


def perform(world: World, episode: Episode, act: Act, actor: Person, step: Step, n: int) -> None:
    session, now = world.session, NOW + timedelta(hours=n)
    version = episode.version - 1 if step.stale else episode.version
    reason = "内容需要调整" if step.reason else ""
    checklist = OK if step.checklist_ok else NOT_OK
    match act:
        case Act.APPROVE_TOPIC:
            workflow.approve_topic(session, actor, episode, version, now)
        case Act.REJECT_TOPIC:
            workflow.reject_topic(session, actor, episode, version, now, reason=reason)
        case Act.START_PRODUCTION:
            workflow.start_production(session, actor, episode, version, now)
        case Act.SUBMIT:
            workflow.submit(session, actor, episode, version, now)
        case Act.FIRST_REVIEW | Act.SECOND_REVIEW | Act.FINAL_REVIEW:
            needed = episode.media_qc_passed is False
            says = step.override is Override.ALWAYS or (
                step.override is Override.AS_NEEDED and needed
            )
            workflow.sign_off(
                session,
                actor,
                episode,
                version,
                now,
                stage=SIGN_STAGE[act],
                checklist=checklist,
                qc_override=OVERRIDE_REASON if says else None,
            )
        case Act.RETURN:
            workflow.return_for_changes(session, actor, episode, version, now, reason=reason)
        case Act.WITHDRAW:
            workflow.withdraw(session, actor, episode, version, now, reason=reason)
        case Act.PULL:
            workflow.pull_from_air(session, actor, episode, version, now, reason=reason)
        case Act.HAND_OVER:
            workflow.hand_over(
                session,
                actor,
                episode,
                version,
                now,
                to=world.people[step.to],
                reason=reason or None,
            )
        case Act.OFFER_EXCHANGE:
            offered = not episode.offered_for_exchange
            workflow.offer_for_exchange(session, actor, episode, version, now, offered=offered)
        case Act.EDIT:
            changes = workflow.Edit(synopsis=f"{episode.synopsis}改")
            workflow.edit(session, actor, episode, version, now, changes)
        case Act.NEW_MEDIA:
            number = (episode.media_version or 0) + 1
            workflow.new_media_version(
                session, actor, episode, version, now, number=number, qc_passed=step.qc_passed
            )
        case Act.SET_TAGS:
            tags = [] if episode.priority_tags else ["七一"]
            workflow.set_priority_tags(session, actor, episode, version, now, tags)
        case _:  # pragma: no cover
            raise AssertionError(f"unexpected act {act}")


# --- what must hold --------------------------------------------------------------------------


class Snapshot(NamedTuple):
    episodes: dict[int, tuple[object, ...]]
    counts: tuple[int, ...]


def snapshot(session: Session) -> Snapshot:
    """Everything a refused act must leave as it was, read from the database."""
    rows = session.execute(
        select(
            Episode.id,
            Episode.state,
            Episode.version,
            Episode.responsible_producer_id,
            Episode.review_round,
            Episode.review_due,
            Episode.media_version,
            Episode.media_qc_passed,
        ).order_by(Episode.id)
    ).all()
    counts = tuple(
        session.scalar(select(func.count()).select_from(table)) or 0
        for table in (HistoryEntry, SignOff, StageSigner)
    )
    return Snapshot({row[0]: tuple(row) for row in rows}, counts)


def check_invariants(world: World) -> None:
    session = world.session
    assert list(history.verify(session)) == []
    for episode in world.episodes:
        check_episode(session, world.column, episode)


def check_episode(session: Session, column: Column, episode: Episode) -> None:
    state, version, producer_id, director_id, review_round, master, qc = session.execute(
        select(
            Episode.state,
            Episode.version,
            Episode.responsible_producer_id,
            Episode.director_id,
            Episode.review_round,
            Episode.media_version,
            Episode.media_qc_passed,
        ).where(Episode.id == episode.id)
    ).one()
    # The loaded object and the row agree (nothing left unflushed or stale).
    assert (episode.state, episode.version, episode.responsible_producer_id) == (
        state,
        version,
        producer_id,
    )

    # Exactly one responsible producer, a producer of the column.
    assert producer_id is not None
    assert session.scalar(
        select(Membership.id).where(
            Membership.person_id == producer_id,
            Membership.column_id == column.id,
            Membership.role == Role.PRODUCER,
        )
    )

    entries = session.scalars(
        select(HistoryEntry).where(HistoryEntry.episode_id == episode.id).order_by(HistoryEntry.seq)
    ).all()
    sign_offs = session.scalars(
        select(SignOff).where(SignOff.episode_id == episode.id).order_by(SignOff.id)
    ).all()

    # Every state was reached through legal acts only.
    assert entries and entries[0].act == Act.PROPOSE and entries[0].from_state is None
    assert entries[0].to_state == State.PROPOSED
    assert entries[0].details is not None
    responsible = entries[0].details["responsible_producer_id"]
    rounds = 0
    signers_by_round: dict[int, dict[Stage, int | None]] = {}  # round -> stage -> signer
    replayed_master: int | None = None  # the master and its QC verdict, as the history says
    replayed_qc: bool | None = None
    for previous, entry in itertools.pairwise(entries):
        act = Act(entry.act)
        sources, target = TRANSITIONS[act]
        where = f"episode {episode.id} seq {entry.seq} ({entry.act})"
        assert entry.from_state == previous.to_state, where
        assert entry.from_state in sources, where
        assert entry.from_state in workflow.SOURCES[act], where
        if act is Act.NEW_MEDIA and entry.to_state != entry.from_state:
            assert entry.to_state == State.FIRST_REVIEW, where  # the review reopened
            rounds += 1
        else:
            assert entry.to_state == (entry.from_state if target is STAYS else target), where
        if act is Act.SUBMIT:
            # Nothing is submitted for review without a master (送审须有成片).
            assert replayed_master is not None, where
            rounds += 1
        elif act is Act.NEW_MEDIA:
            assert entry.details is not None, where
            replayed_master = entry.details["media_version"]
            replayed_qc = entry.details.get("qc_passed")
        elif act is Act.HAND_OVER:
            assert entry.details is not None, where
            assert entry.details["from_producer_id"] == responsible, where
            assert entry.details["to_producer_id"] != responsible, where
            responsible = entry.details["to_producer_id"]
        elif act in SIGN_STAGE:
            # The first stage is signed by whoever was responsible at that moment.
            if act is Act.FIRST_REVIEW:
                assert entry.actor_id == responsible, where
                assert entry.actor_role == Role.PRODUCER, where
            assert entry.checklist and all(entry.checklist.values()), where
            # Technical quality over a failed QC: with the signer's reason, and only then.
            details = entry.details or {}
            assert ("qc_override" in details) == (replayed_qc is False), where
            if replayed_qc is False:
                assert details["qc_override"].strip() and details["qc_passed"] is False, where
            assert entry.media_version == replayed_master, where
            signers_by_round.setdefault(rounds, {})[SIGN_STAGE[act]] = entry.actor_id
    assert entries[-1].to_state == state
    assert (replayed_master, replayed_qc) == (master, qc)
    assert responsible == producer_id
    assert rounds == review_round
    # Each act bumps the version exactly once.
    assert version == len(entries), (version, [e.act for e in entries])

    # The sign-offs are the signing acts of the history, round by round.
    assert {(s.review_round, s.stage, s.person_id) for s in sign_offs} == {
        (r, stage, person)
        for r, stages in signers_by_round.items()
        for stage, person in stages.items()
    }
    assert len(sign_offs) == sum(len(stages) for stages in signers_by_round.values())

    # Four eyes: one stage per person, and never the editor-director.
    stages_of: dict[int, set[Stage]] = {}
    for s in sign_offs:
        stages_of.setdefault(s.person_id, set()).add(s.stage)
    assert all(len(stages) == 1 for stages in stages_of.values()), stages_of
    assert director_id not in stages_of
    assert director_id not in {e.actor_id for e in entries if Act(e.act) in SIGN_STAGE}

    # Approved: all three stages signed in the current round, by three people.
    if state is State.APPROVED:
        current = [s for s in sign_offs if s.review_round == review_round]
        assert sorted(s.stage for s in current) == sorted(Stage)
        assert len({s.person_id for s in current}) == 3


# --- the property ----------------------------------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(proposed=proposals, walk=steps)
def test_random_walks_keep_the_workflow_invariants(
    engine: Engine, proposed: list[tuple[str, str]], walk: list[Step]
) -> None:
    with rolled_back_session(engine) as session:
        world = build_world(session, proposed)
        check_invariants(world)
        for n, step in enumerate(walk, start=1):
            episode = world.episodes[step.episode % len(world.episodes)]
            act = step.act or forward(episode, step.pick)
            actor = resolve_actor(world, episode, act, step)
            source, had_master = episode.state, episode.media_version is not None
            before = snapshot(session)
            try:
                perform(world, episode, act, actor, step, n)
            except DomainError as refused:
                event(f"refused: {type(refused).__name__}")
                assert not session.new, f"{act} refused but left {session.new}"
                session.flush()
                assert snapshot(session) == before, f"{act} by {actor.username}: {refused}"
            else:
                event(f"done: {act.value}")
                assert not step.stale, f"{act} accepted a stale version"
                assert source in TRANSITIONS[act][0], f"{act} taken from {source}"
                if act is Act.SUBMIT:
                    assert had_master, "submitted without a master"
                last = session.scalars(
                    select(HistoryEntry)
                    .where(HistoryEntry.episode_id == episode.id)
                    .order_by(HistoryEntry.seq.desc())
                    .limit(1)
                ).one()
                assert (last.act, last.actor_id, last.from_state) == (act, actor.id, source)
                after = snapshot(session)
                assert after.counts[0] == before.counts[0] + 1, "one act, one history entry"
                del after.episodes[episode.id], before.episodes[episode.id]
                assert after.episodes == before.episodes, "an act on one episode changed another"
            check_invariants(world)
        for episode in world.episodes:
            event(f"ended {episode.state.value}")


def test_the_expected_table_agrees_with_the_code() -> None:
    """The test's own transition table names the same sources as ``workflow.SOURCES``."""
    assert {act: sources for act, (sources, _) in TRANSITIONS.items()} == dict(workflow.SOURCES)
