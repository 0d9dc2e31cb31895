"""Who may do which act on an episode now (谁可以做什么): the acts, the states each
starts from, the role each review stage needs, and ``authorize``, which every act
of ``editorial.workflow`` checks first and every page asks before offering a button.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import Forbidden, IllegalAct
from editorial.models import Column, Episode, Membership, Person, Role, Stage, StageSigner, State
from editorial.workdays import REVIEW_STAGE


class Act(enum.StrEnum):
    PROPOSE = "propose"  # 选题申报
    APPROVE_TOPIC = "approve_topic"  # 选题通过
    REJECT_TOPIC = "reject_topic"  # 选题不通过
    START_PRODUCTION = "start_production"  # 开始制作
    SUBMIT = "submit"  # 送审
    FIRST_REVIEW = "first_review"  # 初审通过
    SECOND_REVIEW = "second_review"  # 复审通过
    FINAL_REVIEW = "final_review"  # 终审通过
    RETURN = "return_for_changes"  # 退回修改
    WITHDRAW = "withdraw"  # 撤销
    PULL = "pull_from_air"  # 撤播
    HAND_OVER = "hand_over"  # 移交负责制片人
    OFFER_EXCHANGE = "offer_exchange"  # 提供（或收回）节目交流
    EDIT = "edit"  # 修改节目信息
    NEW_MEDIA = "new_media"  # 上传新的媒体版本
    SET_TAGS = "set_priority_tags"  # 设置宣传报道重点


REVIEWING = frozenset(REVIEW_STAGE)
OPEN = frozenset(
    {State.PROPOSED, State.TOPIC_APPROVED, State.IN_PRODUCTION, State.RETURNED} | REVIEWING
)
TERMINAL = frozenset({State.TOPIC_REJECTED, State.WITHDRAWN, State.PULLED})

SOURCES: dict[Act, frozenset[State]] = {
    Act.APPROVE_TOPIC: frozenset({State.PROPOSED}),
    Act.REJECT_TOPIC: frozenset({State.PROPOSED}),
    Act.START_PRODUCTION: frozenset({State.TOPIC_APPROVED}),
    Act.SUBMIT: frozenset({State.IN_PRODUCTION, State.RETURNED}),
    Act.FIRST_REVIEW: frozenset({State.FIRST_REVIEW}),
    Act.SECOND_REVIEW: frozenset({State.SECOND_REVIEW}),
    Act.FINAL_REVIEW: frozenset({State.FINAL_REVIEW}),
    Act.RETURN: REVIEWING,
    Act.WITHDRAW: OPEN,
    Act.PULL: frozenset({State.APPROVED}),
    Act.HAND_OVER: OPEN | {State.APPROVED},
    Act.OFFER_EXCHANGE: frozenset({State.APPROVED}),
    # Not while a review stage judges it, nor once approved: what was signed stays signed.
    Act.EDIT: frozenset(
        {State.PROPOSED, State.TOPIC_APPROVED, State.IN_PRODUCTION, State.RETURNED}
    ),
    # A new master in review or once approved reopens the review: sign-offs judged the old one.
    Act.NEW_MEDIA: frozenset({State.IN_PRODUCTION, State.RETURNED, State.APPROVED} | REVIEWING),
    # Priorities are deployed each quarter, often after topics were approved: the
    # producer answers for which ones an episode serves, at any time before it ends.
    Act.SET_TAGS: OPEN | {State.APPROVED},
}

SIGN_ACT = {
    Stage.FIRST: Act.FIRST_REVIEW,
    Stage.SECOND: Act.SECOND_REVIEW,
    Stage.FINAL: Act.FINAL_REVIEW,
}
STAGE_ROLE = {
    Stage.FIRST: Role.PRODUCER,
    Stage.SECOND: Role.REVIEWER,
    Stage.FINAL: Role.FINAL_APPROVER,
}
# Who proposes topics in a column (选题申报), and becomes the episode's editor-director.
PROPOSING_ROLE = Role.EDITOR_DIRECTOR

NEXT_STATE = {
    Stage.FIRST: State.SECOND_REVIEW,
    Stage.SECOND: State.FINAL_REVIEW,
    Stage.FINAL: State.APPROVED,
}


# --- who may act ---------------------------------------------------------------------------


def may_propose(roles: Iterable[Role]) -> bool:
    """Whether holding ``roles`` in a column lets a person propose a topic there."""
    return PROPOSING_ROLE in set(roles)


def roles_in(session: Session, person: Person, column_id: int) -> set[Role]:
    return set(
        session.scalars(
            select(Membership.role).where(
                Membership.person_id == person.id, Membership.column_id == column_id
            )
        )
    )


def _require_role(roles: set[Role], role: Role, person: Person, column: Column) -> Role:
    if role not in roles:
        raise Forbidden(
            f"{person.username} is not a {role.value} of column {column.slug}",
            code="missing_role",
            role=role,
            column=column.name,
        )
    return role


def _require_responsible(roles: set[Role], person: Person, episode: Episode) -> Role:
    if episode.responsible_producer_id != person.id:
        raise Forbidden(
            f"only the responsible producer ({episode.responsible_producer.username}) "
            f"may do this; {person.username} is not",
            code="not_responsible_producer",
            producer=episode.responsible_producer.display_name,
        )
    return _require_role(roles, Role.PRODUCER, person, episode.column)


def _review_stage_role(
    session: Session, roles: set[Role], person: Person, episode: Episode, stage: Stage
) -> Role:
    """The checks for signing or returning at a review stage (four eyes included)."""
    if person.id == episode.director_id:
        raise Forbidden(
            f"{person.username} is the episode's editor-director and signs no review",
            code="director_signs_no_review",
        )
    if stage is Stage.FIRST:
        role = _require_responsible(roles, person, episode)
    else:
        role = _require_role(roles, STAGE_ROLE[stage], person, episode.column)
    bound = session.get(StageSigner, (episode.id, person.id))
    if bound is not None and bound.stage is not stage:
        raise Forbidden(
            f"{person.username} already acted at the {bound.stage.value} review of this episode "
            f"and may not act at the {stage.value} review (four eyes)",
            code="four_eyes",
            acted=bound.stage,
            stage=stage,
        )
    return role


def _require_master(episode: Episode) -> None:
    """Review judges a produced master (成片): nothing is submitted without one."""
    if episode.media_version is None:
        raise IllegalAct(
            f"cannot submit episode {episode.id} for review: it has no master yet; "
            "upload the master first (tvcolumn media add, or the episode page's upload)",
            code="needs_master",
            episode=episode.id,
        )


def authorize(
    session: Session, person: Person, episode: Episode, act: Act, roles: set[Role] | None = None
) -> Role:
    """The role in which ``person`` may do ``act`` now, or raise why not.

    ``roles`` are the person's roles in the episode's column, when the caller has them.
    """
    if not person.active:
        raise Forbidden(f"{person.username} is deactivated", code="deactivated")
    if act is Act.PROPOSE:
        raise IllegalAct("an existing episode cannot be proposed again", code="proposed_already")
    if episode.state not in SOURCES[act]:
        raise IllegalAct(
            f"cannot {act.value.replace('_', ' ')}: episode {episode.id} is {episode.state.value}",
            code="not_in_this_state",
            act=act,
            state=episode.state,
        )
    if roles is None:
        roles = roles_in(session, person, episode.column_id)
    match act:
        case Act.APPROVE_TOPIC:
            if person.id == episode.director_id:
                raise Forbidden(
                    f"{person.username} proposed this topic and may not approve it (four eyes)",
                    code="own_topic",
                )
            return _require_responsible(roles, person, episode)
        case Act.REJECT_TOPIC | Act.OFFER_EXCHANGE:
            return _require_responsible(roles, person, episode)
        case Act.START_PRODUCTION:
            return _require_role(roles, Role.EDITOR_DIRECTOR, person, episode.column)
        case Act.SUBMIT:
            role = _require_role(roles, Role.EDITOR_DIRECTOR, person, episode.column)
            _require_master(episode)
            return role
        case Act.FIRST_REVIEW | Act.SECOND_REVIEW | Act.FINAL_REVIEW | Act.RETURN:
            stage = REVIEW_STAGE[episode.state]
            if act is not Act.RETURN and act is not SIGN_ACT[stage]:
                raise IllegalAct(
                    f"episode {episode.id} awaits the {stage.value} review",
                    code="awaits_stage",
                    stage=stage,
                )
            return _review_stage_role(session, roles, person, episode, stage)
        case Act.WITHDRAW:
            if (
                episode.state is State.PROPOSED
                and person.id == episode.director_id
                and Role.EDITOR_DIRECTOR in roles
            ):
                return Role.EDITOR_DIRECTOR
            return _require_responsible(roles, person, episode)
        case Act.PULL:
            if Role.FINAL_APPROVER in roles and person.id != episode.director_id:
                return Role.FINAL_APPROVER
            return _require_responsible(roles, person, episode)
        case Act.HAND_OVER:
            if person.id == episode.responsible_producer_id and Role.PRODUCER in roles:
                return Role.PRODUCER
            return _require_role(roles, Role.ADMIN, person, episode.column)
        case Act.EDIT | Act.NEW_MEDIA:
            if person.id == episode.director_id and Role.EDITOR_DIRECTOR in roles:
                return Role.EDITOR_DIRECTOR
            return _require_responsible(roles, person, episode)
        case Act.SET_TAGS:
            return _require_responsible(roles, person, episode)
    raise IllegalAct(f"unknown act {act}", code="unknown_act")  # pragma: no cover


def available_acts(session: Session, person: Person, episode: Episode) -> list[Act]:
    """The acts ``person`` may take on ``episode`` now, and only those."""
    roles = roles_in(session, person, episode.column_id)
    allowed = []
    for act in SOURCES:
        try:
            authorize(session, person, episode, act, roles)
        except (Forbidden, IllegalAct):
            continue
        allowed.append(act)
    return allowed
