"""The editorial workflow's rules, on every entry point's shared services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial import history, people, workflow
from editorial.errors import Conflict, Forbidden, IllegalAct, InvalidInput
from editorial.models import Episode, HistoryEntry, Role, SignOff, Stage, State
from editorial.workflow import Checklist
from tests.conftest import NOW, Crew, attach_master, walk_to_approved, walk_to_review

OK = Checklist.all_confirmed()


def snapshot(session: Session, episode: Episode) -> tuple[object, ...]:
    """What a refused act must leave unchanged."""
    session.expire_all()
    count = session.scalar(
        select(func.count()).select_from(HistoryEntry).where(HistoryEntry.episode_id == episode.id)
    )
    return (episode.state, episode.version, episode.responsible_producer_id, count)


def test_full_walk_reaches_approved_and_records_every_act(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_approved(session, crew, propose())
    assert episode.state is State.APPROVED
    acts = session.scalars(
        select(HistoryEntry.act)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq)
    ).all()
    assert acts == [
        "propose",
        "approve_topic",
        "start_production",
        "new_media",
        "submit",
        "first_review",
        "second_review",
        "final_review",
    ]
    assert list(history.verify(session)) == []


def test_sign_offs_carry_checklist_round_and_role(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_approved(session, crew, propose())
    rows = session.scalars(
        select(SignOff).where(SignOff.episode_id == episode.id).order_by(SignOff.id)
    ).all()
    assert [(s.stage, s.role, s.person_id, s.review_round) for s in rows] == [
        (Stage.FIRST, Role.PRODUCER, crew.producer.id, 1),
        (Stage.SECOND, Role.REVIEWER, crew.reviewer.id, 1),
        (Stage.FINAL, Role.FINAL_APPROVER, crew.final_approver.id, 1),
    ]
    assert all(s.political_accuracy and s.technical_quality for s in rows)


def test_first_review_is_signed_only_by_the_responsible_producer(
    session: Session, crew: Crew, propose: Callable[..., Episode], make_person: Callable
) -> None:
    other_producer = make_person(crew.column, Role.PRODUCER)
    episode = propose()
    walk_to_review(session, crew, episode)
    before = snapshot(session, episode)
    with pytest.raises(Forbidden, match="responsible producer"):
        workflow.sign_off(session, other_producer, episode, 5, NOW, stage=Stage.FIRST, checklist=OK)
    assert snapshot(session, episode) == before


def test_nobody_signs_two_stages_even_across_rounds(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    # The responsible producer also holds the reviewer role: still only one stage.
    people.grant_role(session, crew.producer, crew.column, Role.REVIEWER, NOW)
    episode = propose()
    walk_to_review(session, crew, episode)
    workflow.sign_off(session, crew.producer, episode, 5, NOW, stage=Stage.FIRST, checklist=OK)
    before = snapshot(session, episode)
    with pytest.raises(Forbidden, match="four eyes"):
        workflow.sign_off(session, crew.producer, episode, 6, NOW, stage=Stage.SECOND, checklist=OK)
    with pytest.raises(Forbidden, match="four eyes"):
        workflow.return_for_changes(session, crew.producer, episode, 6, NOW, reason="x")
    assert snapshot(session, episode) == before


def test_the_editor_director_signs_no_stage(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    people.grant_role(session, crew.director, crew.column, Role.REVIEWER, NOW)
    episode = propose()
    walk_to_review(session, crew, episode)
    workflow.sign_off(session, crew.producer, episode, 5, NOW, stage=Stage.FIRST, checklist=OK)
    with pytest.raises(Forbidden, match="editor-director"):
        workflow.sign_off(session, crew.director, episode, 6, NOW, stage=Stage.SECOND, checklist=OK)


@pytest.mark.parametrize("act", ["reject_topic", "return_for_changes", "withdraw", "pull_from_air"])
@pytest.mark.parametrize(
    "reason", ["", "   ", "\u200b", "\u3000\ufeff", "\u200c\u200d\u2060\u00a0"]
)
def test_acts_needing_a_reason_refuse_without_one(
    session: Session, crew: Crew, propose: Callable[..., Episode], act: str, reason: str
) -> None:
    episode = propose()
    actor = crew.producer
    if act == "return_for_changes":
        walk_to_review(session, crew, episode)
    if act == "pull_from_air":
        walk_to_approved(session, crew, episode)
    before = snapshot(session, episode)
    with pytest.raises(InvalidInput, match="needs a reason") as error:
        getattr(workflow, act)(session, actor, episode, episode.version, NOW, reason=reason)
    assert "reason" in error.value.fields
    assert snapshot(session, episode) == before


def test_a_rejection_keeps_its_reason_in_the_history(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    workflow.reject_topic(session, crew.producer, episode, 1, NOW, reason="与上期选题重复")
    last = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq.desc())
    ).first()
    assert last is not None
    assert (last.act, last.reason, last.from_state, last.to_state) == (
        "reject_topic",
        "与上期选题重复",
        "proposed",
        "topic_rejected",
    )


def test_stale_version_is_a_conflict_naming_the_last_act(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, 1, NOW)
    before = snapshot(session, episode)
    with pytest.raises(Conflict, match=r"version 1.*version 2.*approve_topic"):
        workflow.start_production(session, crew.director, episode, 1, NOW)
    assert snapshot(session, episode) == before


@pytest.mark.parametrize(
    ("act", "kwargs"),
    [
        ("approve_topic", {}),
        ("start_production", {}),
        ("submit", {}),
        ("pull_from_air", {"reason": "x"}),
        ("return_for_changes", {"reason": "x"}),
    ],
)
def test_illegal_act_for_the_state_is_refused(
    session: Session, crew: Crew, propose: Callable[..., Episode], act: str, kwargs: dict
) -> None:
    episode = propose()
    workflow.reject_topic(session, crew.producer, episode, 1, NOW, reason="不符合本季度重点")
    before = snapshot(session, episode)
    with pytest.raises(IllegalAct, match="topic_rejected"):
        getattr(workflow, act)(session, crew.producer, episode, 2, NOW, **kwargs)
    assert snapshot(session, episode) == before


def test_a_person_without_the_role_is_refused(
    session: Session, crew: Crew, propose: Callable[..., Episode], make_crew: Callable
) -> None:
    other = make_crew()
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, 1, NOW)
    before = snapshot(session, episode)
    with pytest.raises(Forbidden, match="not a editor_director"):
        workflow.start_production(session, other.director, episode, 2, NOW)
    with pytest.raises(Forbidden):
        workflow.start_production(session, crew.reviewer, episode, 2, NOW)
    assert snapshot(session, episode) == before


def test_propose_needs_the_editor_director_role_in_that_column(
    session: Session, crew: Crew, make_crew: Callable
) -> None:
    other = make_crew()
    with pytest.raises(Forbidden):
        workflow.propose(
            session, other.director, crew.column, NOW, workflow.Proposal("题目", 600, crew.producer)
        )
    assert session.scalar(select(func.count()).select_from(Episode)) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"target_duration_s": 0}, "target_duration_s"),
        ({"target_duration_s": -60}, "target_duration_s"),
        ({"air_by": date(2026, 3, 1)}, "air_by"),
        ({"part_number": 1}, "part_number"),
        ({"priority_tags": ("",)}, "priority_tags"),
    ],
)
def test_a_bad_proposal_names_the_field_and_stores_nothing(
    session: Session, crew: Crew, propose: Callable[..., Episode], fields: dict, field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        propose(**fields)
    assert field in error.value.fields
    assert session.scalar(select(func.count()).select_from(Episode)) == 0


def test_responsible_producer_must_be_a_producer_of_the_column(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    with pytest.raises(InvalidInput, match="not an active producer"):
        propose(responsible_producer=crew.reviewer)


def test_hand_over_moves_responsibility_and_records_both_producers(
    session: Session, crew: Crew, propose: Callable[..., Episode], make_person: Callable
) -> None:
    successor = make_person(crew.column, Role.PRODUCER)
    episode = propose()
    workflow.hand_over(session, crew.producer, episode, 1, NOW, to=successor, reason="调岗")
    assert episode.responsible_producer_id == successor.id
    entry = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq.desc())
    ).first()
    assert entry is not None and entry.details == {
        "from_producer_id": crew.producer.id,
        "to_producer_id": successor.id,
    }
    # The old producer is no longer responsible and may not approve the topic.
    with pytest.raises(Forbidden, match="responsible producer"):
        workflow.approve_topic(session, crew.producer, episode, 2, NOW)
    workflow.approve_topic(session, successor, episode, 2, NOW)


def test_hand_over_to_a_non_producer_is_refused(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    before = snapshot(session, episode)
    with pytest.raises(InvalidInput, match="not an active producer"):
        workflow.hand_over(session, crew.producer, episode, 1, NOW, to=crew.reviewer)
    assert snapshot(session, episode) == before


def test_return_opens_a_new_round_and_the_same_reviewers_sign_again(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    walk_to_review(session, crew, episode)
    workflow.sign_off(session, crew.producer, episode, 5, NOW, stage=Stage.FIRST, checklist=OK)
    workflow.return_for_changes(session, crew.reviewer, episode, 6, NOW, reason="字幕有误")
    assert episode.state is State.RETURNED
    workflow.submit(session, crew.director, episode, 7, NOW)
    assert episode.review_round == 2
    workflow.sign_off(session, crew.producer, episode, 8, NOW, stage=Stage.FIRST, checklist=OK)
    assert episode.state is State.SECOND_REVIEW


def test_sign_off_without_the_full_checklist_is_refused(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    walk_to_review(session, crew, episode)
    before = snapshot(session, episode)
    with pytest.raises(InvalidInput, match="facts"):
        workflow.sign_off(
            session,
            crew.producer,
            episode,
            5,
            NOW,
            stage=Stage.FIRST,
            checklist=Checklist(True, False, True, True, True),
        )
    assert snapshot(session, episode) == before


def test_signing_a_stage_the_episode_is_not_in_is_refused(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    walk_to_review(session, crew, episode)
    with pytest.raises(IllegalAct):
        workflow.sign_off(session, crew.reviewer, episode, 5, NOW, stage=Stage.SECOND, checklist=OK)


def test_available_acts_lists_only_what_the_viewer_may_do(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    assert workflow.available_acts(session, crew.producer, episode) == [
        workflow.Act.APPROVE_TOPIC,
        workflow.Act.REJECT_TOPIC,
        workflow.Act.WITHDRAW,
        workflow.Act.HAND_OVER,
        workflow.Act.EDIT,
        workflow.Act.SET_TAGS,
    ]
    assert workflow.available_acts(session, crew.director, episode) == [
        workflow.Act.WITHDRAW,
        workflow.Act.EDIT,
    ]
    assert workflow.available_acts(session, crew.reviewer, episode) == []


def test_review_due_dates_count_chinese_working_days(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    from datetime import UTC, datetime

    submitted = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wednesday 30 Sept, 10:00 Shanghai
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, 1, NOW)
    workflow.start_production(session, crew.director, episode, 2, NOW)
    attach_master(session, crew, episode)
    workflow.submit(session, crew.director, episode, 4, submitted)
    # First review: 2 working days after 30 Sept skips the 1-7 Oct holiday.
    assert episode.review_due == date(2026, 10, 9)
    assert episode.review_due_estimated is False
    workflow.sign_off(
        session,
        crew.producer,
        episode,
        5,
        submitted + timedelta(days=20),
        stage=Stage.FIRST,
        checklist=OK,
    )
    assert episode.review_due is not None
    workflow.sign_off(
        session,
        crew.reviewer,
        episode,
        6,
        submitted + timedelta(days=21),
        stage=Stage.SECOND,
        checklist=OK,
    )
    workflow.sign_off(
        session,
        crew.final_approver,
        episode,
        7,
        submitted + timedelta(days=22),
        stage=Stage.FINAL,
        checklist=OK,
    )
    assert episode.review_due is None


def test_overdue_reviews_are_one_query_away(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    late, on_time = propose(), propose(title="七一特别节目")
    for e in (late, on_time):
        workflow.approve_topic(session, crew.producer, e, 1, NOW)
        workflow.start_production(session, crew.director, e, 2, NOW)
        attach_master(session, crew, e)
    workflow.submit(session, crew.director, late, 4, NOW)
    workflow.submit(session, crew.director, on_time, 4, NOW + timedelta(days=7))
    assert late.review_due == date(2026, 3, 4)
    assert workflow.overdue_reviews(session, date(2026, 3, 10)) == [late]
    assert workflow.overdue_reviews(session, date(2026, 3, 4)) == []


def test_returning_at_a_stage_binds_the_person_to_that_stage(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    """A reviewer who returned at the second review may not later sign the first."""
    people.grant_role(session, crew.reviewer, crew.column, Role.PRODUCER, NOW)
    episode = propose()
    walk_to_review(session, crew, episode)
    workflow.sign_off(session, crew.producer, episode, 5, NOW, stage=Stage.FIRST, checklist=OK)
    workflow.return_for_changes(session, crew.reviewer, episode, 6, NOW, reason="解说词需修改")
    workflow.hand_over(session, crew.producer, episode, 7, NOW, to=crew.reviewer)
    workflow.submit(session, crew.director, episode, 8, NOW)
    before = snapshot(session, episode)
    with pytest.raises(Forbidden, match="four eyes"):
        workflow.sign_off(session, crew.reviewer, episode, 9, NOW, stage=Stage.FIRST, checklist=OK)
    assert snapshot(session, episode) == before


def test_the_responsible_producer_offers_an_approved_episode_for_exchange(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_approved(session, crew, propose())
    with pytest.raises(Forbidden):
        workflow.offer_for_exchange(session, crew.reviewer, episode, 8, NOW, offered=True)
    workflow.offer_for_exchange(session, crew.producer, episode, 8, NOW, offered=True)
    assert episode.offered_for_exchange is True
    with pytest.raises(InvalidInput, match="already offered"):
        workflow.offer_for_exchange(session, crew.producer, episode, 9, NOW, offered=True)
    workflow.offer_for_exchange(session, crew.producer, episode, 9, NOW, offered=False)
    assert episode.offered_for_exchange is False
    assert list(history.verify(session)) == []


def test_only_an_approved_episode_is_offered_for_exchange(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    with pytest.raises(IllegalAct):
        workflow.offer_for_exchange(session, crew.producer, episode, 1, NOW, offered=True)


def test_a_comment_of_invisible_characters_is_refused(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    with pytest.raises(InvalidInput, match="cannot be empty"):
        workflow.add_comment(session, crew.reviewer, episode, NOW, "\u200b\u3000\ufeff")


def test_a_reason_keeps_its_words_without_the_invisible_ends(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    workflow.reject_topic(session, crew.producer, episode, 1, NOW, reason="\u200b与上期重复\u3000")
    last = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq.desc())
    ).first()
    assert last is not None and last.reason == "与上期重复"


# --- four eyes on the topic: the proposer is never its approver ------------------------------


def test_an_editor_director_may_not_name_themselves_responsible_producer(
    session: Session, crew: Crew
) -> None:
    people.grant_role(session, crew.director, crew.column, Role.PRODUCER, NOW)
    proposal = workflow.Proposal(
        title="自己审自己", target_duration_s=600, responsible_producer=crew.director
    )
    with pytest.raises(InvalidInput, match="four eyes") as error:
        workflow.propose(session, crew.director, crew.column, NOW, proposal)
    assert "responsible_producer" in error.value.fields
    assert session.scalar(select(func.count()).select_from(Episode)) == 0


def test_the_proposer_may_not_approve_their_own_topic(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    people.grant_role(session, crew.director, crew.column, Role.PRODUCER, NOW)
    episode = propose()
    before = snapshot(session, episode)
    with pytest.raises(Forbidden, match="four eyes"):
        workflow.approve_topic(session, crew.director, episode, episode.version, NOW)
    assert snapshot(session, episode) == before
    acts = workflow.available_acts(session, crew.director, episode)
    assert workflow.Act.APPROVE_TOPIC not in acts


def test_responsibility_may_not_be_handed_to_the_episodes_editor_director(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    people.grant_role(session, crew.director, crew.column, Role.PRODUCER, NOW)
    episode = propose()
    before = snapshot(session, episode)
    with pytest.raises(InvalidInput, match="editor-director") as error:
        workflow.hand_over(session, crew.producer, episode, episode.version, NOW, to=crew.director)
    assert error.value.fields == {"to": "the editor-director"}
    assert snapshot(session, episode) == before


def test_the_database_refuses_an_editor_director_as_responsible_producer(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    with pytest.raises(IntegrityError, match="producer_not_director"), session.begin_nested():
        session.execute(
            text("UPDATE episodes SET responsible_producer_id = director_id WHERE id = :id"),
            {"id": episode.id},
        )
