"""The editorial workflow (节目统筹管理): every act on an episode.

Each act is one function taking the session, the acting person, the episode,
the version the actor saw, ``now`` and its own arguments. It checks the rule,
changes the episode, appends the history entry and flushes. The caller owns
the transaction and commits once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from editorial import handoffs, history
from editorial.db import Failure, classify
from editorial.errors import Conflict, FieldErrors, Forbidden, InvalidInput
from editorial.models import (
    Column,
    Comment,
    Episode,
    HistoryEntry,
    Person,
    PriorityTag,
    Role,
    Series,
    SignOff,
    Stage,
    StageSigner,
    State,
)

# Who may act is editorial.permissions'; its names are the workflow's too.
from editorial.permissions import (
    NEXT_STATE,
    OPEN,
    PROPOSING_ROLE,
    REVIEWING,
    SIGN_ACT,
    SOURCES,
    STAGE_ROLE,
    TERMINAL,
    Act,
    _require_role,
    authorize,
    available_acts,
    may_propose,
    roles_in,
)
from editorial.text import visible_text
from editorial.workdays import REVIEW_STAGE, WorkCalendar, local_date, set_review_due

MAX_DURATION_S = 4 * 3600
# The longest reason a signer may give for confirming technical quality over a failed QC.
MAX_QC_OVERRIDE = 1000


@dataclass(frozen=True)
class Checklist:
    """The review checklist (政治性与可视性的统一) that goes with a sign-off."""

    political_accuracy: bool = False  # 导向正确
    facts: bool = False  # 事实准确
    watchability: bool = False  # 可视性
    timeliness: bool = False  # 时效性
    technical_quality: bool = False  # 技术质量

    @classmethod
    def all_confirmed(cls) -> Checklist:
        return cls(True, True, True, True, True)

    def missing(self) -> list[str]:
        return [name for name, ok in asdict(self).items() if not ok]


# --- helpers ---------------------------------------------------------------------------------


def check_version(session: Session, episode: Episode, expected_version: int) -> None:
    """Refuse with who changed the episode, and when, unless it is still at ``expected_version``."""
    _check_version(session, episode, expected_version)


def _check_version(session: Session, episode: Episode, expected_version: int) -> None:
    if episode.version != expected_version:
        raise Conflict(
            _conflict_message(session, episode, expected_version),
            code="stale_version",
            seen=expected_version,
            current=episode.version,
        )


def _conflict_message(session: Session, episode: Episode, expected_version: int) -> str:
    last = session.execute(
        select(HistoryEntry.act, Person.username, HistoryEntry.at)
        .join(Person, Person.id == HistoryEntry.actor_id, isouter=True)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    ).first()
    who = f"; last act: {last[0]} by {last[1]} at {last[2]:%Y-%m-%d %H:%M} UTC" if last else ""
    return (
        f"episode {episode.id} was changed by someone else (you saw version {expected_version}, "
        f"it is now version {episode.version}{who}); reload it and try again"
    )


P = ParamSpec("P")
R = TypeVar("R")


def lost_race_is_a_conflict(
    act: Callable[Concatenate[Session, Person, Episode, int, P], R],
) -> Callable[Concatenate[Session, Person, Episode, int, P], R]:
    """An act on a version that is no longer current, or that loses a race with a
    concurrent writer, is refused as a ``Conflict``, before any other check.

    Whichever statement meets the other writer's committed change (an autoflush
    inside a permission query, the versioned UPDATE, a unique key of the review
    stages), the refusal is the same; the caller rolls back.
    """

    @functools.wraps(act)
    def guarded(
        session: Session,
        actor: Person,
        episode: Episode,
        expected_version: int,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        episode_id = episode.id  # a failed flush expires the episode: read nothing after it
        # The episode as it is now, its row locked until the commit (PostgreSQL; a SQLite
        # writer holds the whole database): a concurrent act waits here, then sees the
        # version the winner left and is refused before reading anything else.
        session.execute(select(Episode.id).where(Episode.id == episode_id).with_for_update())
        session.refresh(episode)
        _check_version(session, episode, expected_version)
        try:
            return act(session, actor, episode, expected_version, *args, **kwargs)
        except (StaleDataError, IntegrityError) as error:
            if classify(error) is not Failure.CONFLICT:
                raise
            raise Conflict(
                f"episode {episode_id} was changed by someone else while you acted "
                f"(you saw version {expected_version}); reload it and try again",
                code="changed_meanwhile",
            ) from None

    return guarded


def _flush(session: Session, episode: Episode, expected_version: int) -> None:
    """Flush the episode; a concurrent writer makes the versioned UPDATE miss."""
    episode_id = episode.id  # the failed flush expires the episode: read nothing after it
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            f"episode {episode_id} was changed by someone else while you acted "
            f"(you saw version {expected_version}); reload it and try again",
            code="changed_meanwhile",
        ) from None


def _require_reason(reason: str | None, act: Act) -> str:
    text = visible_text(reason)
    if not text:
        raise InvalidInput(
            f"{act.value.replace('_', ' ')} needs a reason",
            {"reason": "a reason is required"},
            code="reason_required",
            act=act,
        )
    return text


def _move(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    act: Act,
    target: State,
    *,
    reason: str | None = None,
    checklist: Checklist | None = None,
    details: dict[str, object] | None = None,
    new_producer: Person | None = None,
    exchange_offer: bool | None = None,
    media_version: int | None = None,
    media_duration_s: int | None = None,
    media_qc_passed: bool | None = None,
    qc_override: str | None = None,
) -> Episode:
    """Check the act, apply the transition, flush, and append the history entry.

    A new ``media_version`` replaces the master's QC verdict with ``media_qc_passed``.
    """
    _check_version(session, episode, expected_version)
    role = authorize(session, actor, episode, act)
    source = episode.state
    signing = act in SIGN_ACT.values()
    # Signing or returning judges a review stage; either binds the person to that stage.
    stage = REVIEW_STAGE[source] if signing or act is Act.RETURN else None
    if signing:
        _check_checklist(checklist)
        overridden = _check_qc_override(episode, qc_override)
        if overridden is not None:
            details = {**(details or {}), "qc_passed": False, "qc_override": overridden}
    # Only entering a review stage needs the calendar; leaving one clears the due date.
    calendar = WorkCalendar.load(session) if target in REVIEWING else None
    with session.no_autoflush:
        if target is not source:
            episode.state, episode.state_entered_at = target, now
        if calendar is not None or source in REVIEWING:
            set_review_due(episode, calendar)
        if new_producer is not None:
            episode.responsible_producer = new_producer
        if exchange_offer is not None:
            episode.offered_for_exchange = exchange_offer
        if media_version is not None:
            episode.media_version = media_version
            episode.media_qc_passed = media_qc_passed
        if media_duration_s is not None:
            episode.media_duration_s = media_duration_s
        if act is Act.SUBMIT or (act is Act.NEW_MEDIA and target is not source):
            episode.review_round += 1
        if stage is not None and session.get(StageSigner, (episode.id, actor.id)) is None:
            session.add(StageSigner(episode_id=episode.id, person_id=actor.id, stage=stage))
    _flush(session, episode, expected_version)
    covers = None
    if signing and stage is not None and checklist is not None:
        sign_off = SignOff(
            episode_id=episode.id,
            review_round=episode.review_round,
            stage=stage,
            person_id=actor.id,
            role=role,
            signed_at=now,
            media_version=episode.media_version,
            note="",
            **asdict(checklist),
        )
        session.add(sign_off)
        session.flush()
        covers = {history.sign_off_key(sign_off): history.sign_off_digest(sign_off)}
    entry = history.record(
        session,
        episode,
        act=act.value,
        actor=actor,
        role=role.value,
        now=now,
        from_state=source,
        reason=reason,
        checklist=asdict(checklist) if checklist else None,
        media_version=episode.media_version if checklist else None,
        details=dict(details) if details else None,
        covers=covers,
    )
    session.flush()
    handoffs.announce(session, episode, act, actor, entry, now, stage=stage, reason=reason)
    return episode


def _check_qc_override(episode: Episode, qc_override: str | None) -> str | None:
    """The signer's reason for confirming technical quality (技术质量) over a master whose QC
    failed, trimmed; None when the master did not fail. Refused when the master failed and
    no reason is given, or a reason is given for a master that did not fail."""
    reason = visible_text(qc_override)
    version = episode.media_version
    if episode.media_qc_passed is not False:
        if reason:
            raise InvalidInput(
                f"media version {version} of episode {episode.id} did not fail QC: a sign-off "
                "over it needs no QC override; sign without one",
                {"qc_override": "not needed: the master did not fail QC"},
                code="qc_override_unneeded",
                version=version,
            )
        return None
    if not reason:
        raise InvalidInput(
            f"media version {version} of episode {episode.id} failed QC: confirming technical "
            "quality needs the reason you sign it anyway (qc_override); if it is not good "
            "enough to air, return the episode for changes instead",
            {"qc_override": "a reason is required: the master failed QC"},
            code="qc_override_needed",
            version=version,
        )
    if len(reason) > MAX_QC_OVERRIDE:
        raise InvalidInput(
            f"the reason for signing over a failed QC has at most {MAX_QC_OVERRIDE} characters "
            f"({len(reason)} given)",
            {"qc_override": f"at most {MAX_QC_OVERRIDE} characters"},
            code="qc_override_too_long",
            max=MAX_QC_OVERRIDE,
            given=len(reason),
        )
    return reason


def _check_checklist(checklist: Checklist | None) -> None:
    missing = checklist.missing() if checklist else ["the whole checklist"]
    if missing:
        raise InvalidInput(
            f"a sign-off confirms every checklist item; not confirmed: {', '.join(missing)}. "
            "Return the episode for changes instead if an item fails.",
            {"checklist": ", ".join(missing)},
            code="checklist_incomplete",
            items=tuple((checklist or Checklist()).missing()),
        )


# --- the acts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """What an editor-director fills in to propose a topic (选题申报)."""

    title: str
    target_duration_s: int
    responsible_producer: Person
    topic: str = ""
    synopsis: str = ""
    genre: str = ""
    air_by: date | None = None
    series: Series | None = None
    part_number: int | None = None
    priority_tags: tuple[str, ...] = ()


def _validate_proposal(
    session: Session, director: Person, column: Column, proposal: Proposal, now: datetime
) -> FieldErrors:
    errors = FieldErrors()
    title = visible_text(proposal.title)
    if not title:
        errors.add("title", "title_required", "a title is required")
    elif len(title) > 200:
        errors.add("title", "title_too_long", "a title has at most 200 characters")
    if len(proposal.genre.strip()) > 40:
        errors.add("genre", "genre_too_long", "a genre has at most 40 characters")
    if not 0 < proposal.target_duration_s <= MAX_DURATION_S:
        errors.add(
            "target_duration_s",
            "duration_out_of_range",
            f"target duration must be 1 to {MAX_DURATION_S} seconds",
            minutes=MAX_DURATION_S // 60,
        )
    if proposal.air_by is not None and proposal.air_by < local_date(now):
        errors.add(
            "air_by",
            "air_by_past",
            f"air-by date {proposal.air_by} is already past",
            day=proposal.air_by,
        )
    producer = proposal.responsible_producer
    if producer.id == director.id:
        errors.add(
            "responsible_producer",
            "producer_is_proposer",
            f"{producer.username} proposes this topic and may not also be its responsible "
            "producer: another producer must approve it (four eyes)",
        )
    elif not producer.active or Role.PRODUCER not in roles_in(session, producer, column.id):
        errors.add(
            "responsible_producer",
            "not_column_producer",
            f"{producer.username} is not an active producer of column {column.slug}",
            person=producer.display_name,
            column=column.name,
        )
    if (proposal.series is None) != (proposal.part_number is None):
        errors.add(
            "part_number",
            "series_part_incomplete",
            "a series part needs both the series and its part number",
        )
    elif proposal.series is not None and proposal.part_number is not None:
        series = proposal.series
        if series.column_id != column.id:
            errors.add(
                "series", "series_other_column", f"series {series.id} belongs to another column"
            )
        elif not 1 <= proposal.part_number <= series.parts:
            errors.add(
                "part_number",
                "series_part_out_of_range",
                f"series {series.id} has parts 1 to {series.parts}",
                series=series.title,
                parts=series.parts,
            )
        elif session.scalar(
            select(Episode.id).where(
                Episode.series_id == series.id, Episode.part_number == proposal.part_number
            )
        ):
            errors.add(
                "part_number",
                "series_part_taken",
                f"part {proposal.part_number} of series {series.id} exists",
                series=series.title,
                part=proposal.part_number,
            )
    if any(not tag.strip() or len(tag.strip()) > 60 for tag in proposal.priority_tags):
        errors.add(
            "priority_tags", "priority_tag_length", "each priority tag has 1 to 60 characters"
        )
    return errors


def propose(
    session: Session, actor: Person, column: Column, now: datetime, proposal: Proposal
) -> Episode:
    """Propose a topic (选题申报); the proposer becomes the episode's editor-director."""
    if not actor.active:
        raise Forbidden(f"{actor.username} is deactivated", code="deactivated")
    _require_role(roles_in(session, actor, column.id), PROPOSING_ROLE, actor, column)
    errors = _validate_proposal(session, actor, column, proposal, now)
    if errors:
        raise InvalidInput(
            "the proposal has errors: " + errors.english(), errors, code="invalid_proposal"
        )
    episode = Episode(
        column=column,
        title=visible_text(proposal.title),
        topic=proposal.topic.strip(),
        synopsis=proposal.synopsis.strip(),
        genre=proposal.genre.strip(),
        target_duration_s=proposal.target_duration_s,
        director_id=actor.id,
        responsible_producer_id=proposal.responsible_producer.id,
        air_by=proposal.air_by,
        series=proposal.series,
        part_number=proposal.part_number,
        state=State.PROPOSED,
        review_round=0,
        state_entered_at=now,
        created_at=now,
        tags=[PriorityTag(tag=t) for t in sorted({t.strip() for t in proposal.priority_tags})],
    )
    session.add(episode)
    session.flush()
    entry = history.record(
        session,
        episode,
        act=Act.PROPOSE.value,
        actor=actor,
        role=Role.EDITOR_DIRECTOR.value,
        now=now,
        from_state=None,
        details={
            "title": episode.title,
            "responsible_producer_id": episode.responsible_producer_id,
        },
    )
    session.flush()
    handoffs.announce(session, episode, Act.PROPOSE, actor, entry, now)
    return episode


@lost_race_is_a_conflict
def approve_topic(
    session: Session, actor: Person, episode: Episode, expected_version: int, now: datetime
) -> Episode:
    """Approve the topic (选题通过): the responsible producer's call."""
    return _move(
        session, actor, episode, expected_version, now, Act.APPROVE_TOPIC, State.TOPIC_APPROVED
    )


@lost_race_is_a_conflict
def reject_topic(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    *,
    reason: str,
) -> Episode:
    """Reject the topic; a reason is required."""
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        Act.REJECT_TOPIC,
        State.TOPIC_REJECTED,
        reason=_require_reason(reason, Act.REJECT_TOPIC),
    )


@lost_race_is_a_conflict
def start_production(
    session: Session, actor: Person, episode: Episode, expected_version: int, now: datetime
) -> Episode:
    """Start production (开始制作) of an approved topic."""
    return _move(
        session, actor, episode, expected_version, now, Act.START_PRODUCTION, State.IN_PRODUCTION
    )


@lost_race_is_a_conflict
def submit(
    session: Session, actor: Person, episode: Episode, expected_version: int, now: datetime
) -> Episode:
    """Submit for review (送审); opens a new review round, due for the first review.

    Review judges a master: an episode without one (``media_version`` None) is refused
    (``needs_master``, by ``authorize``) until its master is uploaded."""
    return _move(session, actor, episode, expected_version, now, Act.SUBMIT, State.FIRST_REVIEW)


@lost_race_is_a_conflict
def sign_off(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    *,
    stage: Stage,
    checklist: Checklist,
    qc_override: str | None = None,
) -> Episode:
    """Sign the review stage the episode is in (初审 / 复审 / 终审).

    ``stage`` is the stage the reviewer means to sign; it must be the one the
    episode awaits, so a stale page cannot sign the wrong stage.

    The checklist confirms technical quality; when the current master failed QC
    (``Episode.media_qc_passed`` is False), only with ``qc_override``, the signer's
    reason for signing it anyway, which the history entry keeps for the later stages.
    """
    act = SIGN_ACT[stage]
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        act,
        NEXT_STATE[stage],
        checklist=checklist,
        qc_override=qc_override,
    )


@lost_race_is_a_conflict
def return_for_changes(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    *,
    reason: str,
) -> Episode:
    """Return for changes (退回修改) at the current review stage; a reason is required."""
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        Act.RETURN,
        State.RETURNED,
        reason=_require_reason(reason, Act.RETURN),
    )


@lost_race_is_a_conflict
def withdraw(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    *,
    reason: str,
) -> Episode:
    """Withdraw the episode (撤销) before it is approved; a reason is required."""
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        Act.WITHDRAW,
        State.WITHDRAWN,
        reason=_require_reason(reason, Act.WITHDRAW),
    )


@lost_race_is_a_conflict
def pull_from_air(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    *,
    reason: str,
) -> Episode:
    """Pull an approved episode from air (撤播); a reason is required."""
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        Act.PULL,
        State.PULLED,
        reason=_require_reason(reason, Act.PULL),
    )


@lost_race_is_a_conflict
def hand_over(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    *,
    to: Person,
    reason: str | None = None,
) -> Episode:
    """Hand responsibility to another producer of the column (移交); one at any time."""
    if to.id == episode.responsible_producer_id:
        raise InvalidInput(
            f"{to.username} is already the responsible producer",
            {"to": "same"},
            code="already_responsible",
            person=to.display_name,
        )
    if not to.active or Role.PRODUCER not in roles_in(session, to, episode.column_id):
        raise InvalidInput(
            f"{to.username} is not an active producer of column {episode.column.slug}",
            {"to": "not a producer of this column"},
            code="not_column_producer",
            person=to.display_name,
            column=episode.column.name,
        )
    if to.id == episode.director_id:
        raise InvalidInput(
            f"{to.username} is the episode's editor-director and may not be its responsible "
            "producer (four eyes)",
            {"to": "the editor-director"},
            code="director_not_producer",
            person=to.display_name,
        )
    details: dict[str, object] = {
        "from_producer_id": episode.responsible_producer_id,
        "to_producer_id": to.id,
    }
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        Act.HAND_OVER,
        episode.state,
        reason=visible_text(reason) or None,
        details=details,
        new_producer=to,
    )


@lost_race_is_a_conflict
def offer_for_exchange(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    *,
    offered: bool,
) -> Episode:
    """Offer an approved episode to other columns for exchange (交流), or withdraw the offer.

    The responsible producer decides; other columns' schedules may then air it.
    """
    if episode.offered_for_exchange is offered:
        state = "already offered" if offered else "not offered"
        raise InvalidInput(
            f"episode {episode.id} is {state} for exchange",
            {"offered": state},
            code="already_offered" if offered else "not_offered",
        )
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        Act.OFFER_EXCHANGE,
        episode.state,
        details={"offered": offered},
        exchange_offer=offered,
    )


@dataclass(frozen=True)
class Edit:
    """The fields an edit changes (修改节目信息); None leaves a field as it is."""

    title: str | None = None
    topic: str | None = None
    synopsis: str | None = None
    genre: str | None = None
    target_duration_s: int | None = None
    air_by: date | None = None
    clear_air_by: bool = False
    priority_tags: tuple[str, ...] | None = None


@lost_race_is_a_conflict
def edit(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    changes: Edit,
) -> Episode:
    """Edit an episode's description (its editor-director or responsible producer), while
    it is not under review nor approved; the history keeps each field's old and new value."""
    _check_version(session, episode, expected_version)
    authorize(session, actor, episode, Act.EDIT)
    wanted = {
        "title": visible_text(changes.title) if changes.title is not None else episode.title,
        "topic": changes.topic.strip() if changes.topic is not None else episode.topic,
        "synopsis": changes.synopsis.strip() if changes.synopsis is not None else episode.synopsis,
        "genre": changes.genre.strip() if changes.genre is not None else episode.genre,
        "target_duration_s": episode.target_duration_s
        if changes.target_duration_s is None
        else changes.target_duration_s,
        "air_by": None
        if changes.clear_air_by
        else (episode.air_by if changes.air_by is None else changes.air_by),
    }
    tags = episode.priority_tags if changes.priority_tags is None else changes.priority_tags
    proposal = Proposal(
        title=wanted["title"],  # type: ignore[arg-type]
        target_duration_s=wanted["target_duration_s"],  # type: ignore[arg-type]
        responsible_producer=episode.responsible_producer,
        genre=wanted["genre"],  # type: ignore[arg-type]
        air_by=wanted["air_by"] if wanted["air_by"] != episode.air_by else None,  # type: ignore[arg-type]
        priority_tags=tuple(tags),
    )
    errors = _validate_proposal(session, episode.director, episode.column, proposal, now)
    errors.discard("responsible_producer")  # a hand-over is its own act
    if errors:
        raise InvalidInput("the edit has errors: " + errors.english(), errors, code="invalid_edit")
    diff: dict[str, object] = {}
    for name, value in wanted.items():
        old = getattr(episode, name)
        if old != value:
            diff[name] = [_plain(old), _plain(value)]
    new_tags = sorted({t.strip() for t in tags})
    if new_tags != sorted(episode.priority_tags):
        diff["priority_tags"] = [sorted(episode.priority_tags), new_tags]
    if not diff:
        raise InvalidInput("nothing to change: every field is as it was", code="nothing_to_change")
    with session.no_autoflush:
        for name in wanted:
            if name in diff:
                setattr(episode, name, wanted[name])
        if "priority_tags" in diff:
            episode.tags = [PriorityTag(tag=t) for t in new_tags]
            _touch(episode)
    return _move(
        session, actor, episode, expected_version, now, Act.EDIT, episode.state, details=diff
    )


@lost_race_is_a_conflict
def set_priority_tags(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    tags: Iterable[str],
) -> Episode:
    """Set the reporting priorities an episode answers to (宣传报道重点): its responsible
    producer, in any state before it ends (approved included); the history keeps old and new."""
    _check_version(session, episode, expected_version)
    authorize(session, actor, episode, Act.SET_TAGS)
    new_tags = sorted({t.strip() for t in tags})
    if any(not t or len(t) > 60 for t in new_tags):
        raise InvalidInput(
            "each priority tag has 1 to 60 characters",
            {"priority_tags": "each priority tag has 1 to 60 characters"},
            code="priority_tag_length",
        )
    old_tags = sorted(episode.priority_tags)
    if new_tags == old_tags:
        raise InvalidInput(
            "nothing to change: the episode has these tags already", code="nothing_to_change"
        )
    with session.no_autoflush:
        episode.tags = [PriorityTag(tag=t) for t in new_tags]
        _touch(episode)
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        Act.SET_TAGS,
        episode.state,
        details={"priority_tags": [old_tags, new_tags]},
    )


def _touch(episode: Episode) -> None:
    """Make the act one versioned UPDATE of the episode even when only its tags change:
    the version moves, and a concurrent act on the same version conflicts."""
    flag_modified(episode, "state")


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


@lost_race_is_a_conflict
def new_media_version(
    session: Session,
    actor: Person,
    episode: Episode,
    expected_version: int,
    now: datetime,
    *,
    number: int,
    duration_s: int | None = None,
    qc_passed: bool | None = None,
) -> Episode:
    """Record that media version ``number`` is now the episode's master (媒体版本).

    ``duration_s`` is the master's measured duration: from now on the schedule
    plans with it instead of the target duration. ``qc_passed`` is its QC verdict
    (None: no QC ran); a failed one makes signing technical quality need a reason.

    Sign-offs are bound to the version they reviewed: once any stage of the
    current round has signed, or the episode is approved, a new version opens
    a new round at the first review. Before that, the state stays.
    """
    _check_version(session, episode, expected_version)
    authorize(session, actor, episode, Act.NEW_MEDIA)
    if episode.media_version is not None and number <= episode.media_version:
        raise InvalidInput(
            f"media version {number} is not newer than the current {episode.media_version}",
            {"number": "not newer"},
            code="media_version_not_newer",
            number=number,
            current=episode.media_version,
        )
    signed = session.scalar(
        select(SignOff.id).where(
            SignOff.episode_id == episode.id, SignOff.review_round == episode.review_round
        )
    )
    reopen = episode.state is State.APPROVED or (episode.state in REVIEWING and signed)
    target = State.FIRST_REVIEW if reopen else episode.state
    details: dict[str, object] = {"media_version": number, "review_reopened": bool(reopen)}
    if duration_s is not None:
        details["duration_s"] = duration_s
    if qc_passed is not None:
        details["qc_passed"] = qc_passed
    return _move(
        session,
        actor,
        episode,
        expected_version,
        now,
        Act.NEW_MEDIA,
        target,
        details=details,
        media_version=number,
        media_duration_s=duration_s,
        media_qc_passed=qc_passed,
    )


def add_comment(
    session: Session, actor: Person, episode: Episode, now: datetime, body: str
) -> Comment:
    """Comment on an episode: anyone holding a role in its column may."""
    if not actor.active or not roles_in(session, actor, episode.column_id):
        raise Forbidden(
            f"{actor.username} holds no role in column {episode.column.slug}",
            code="no_role_in_column",
            column=episode.column.name,
        )
    text = visible_text(body)
    if not text:
        raise InvalidInput("a comment cannot be empty", {"body": "required"}, code="comment_empty")
    comment = Comment(episode_id=episode.id, author_id=actor.id, at=now, body=text)
    session.add(comment)
    session.flush()
    history.record(
        session,
        episode,
        act=history.COMMENT,
        actor=actor,
        role=None,
        now=now,
        from_state=episode.state,
        covers={history.comment_key(comment): history.comment_digest(comment)},
    )
    session.flush()
    return comment


def review_overdue(today: date) -> ColumnElement[bool]:
    """True for the rows of ``episodes`` whose current review stage is past its working-day
    due date on ``today`` (the local day); never NULL, so its negation is the others."""
    return and_(
        Episode.state.in_(REVIEWING),
        Episode.review_due.is_not(None),
        Episode.review_due < today,
    )


def overdue_reviews(
    session: Session, today: date, columns: Iterable[int] | None = None
) -> list[Episode]:
    """Episodes whose current review stage is past its working-day due date."""
    query = select(Episode).where(review_overdue(today)).order_by(Episode.review_due, Episode.id)
    if columns is not None:
        query = query.where(Episode.column_id.in_(list(columns)))
    return list(session.scalars(query))


__all__ = [
    "NEXT_STATE",
    "OPEN",
    "PROPOSING_ROLE",
    "REVIEWING",
    "SIGN_ACT",
    "SOURCES",
    "STAGE_ROLE",
    "TERMINAL",
    "Act",
    "Checklist",
    "authorize",
    "available_acts",
    "may_propose",
    "roles_in",
]
