"""QC and sign-off: nothing is submitted for review without a master (送审须有成片), and
technical quality (技术质量) is confirmed over a master whose QC failed only with the
signer's stated reason, which the history keeps for the later stages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial import history, workflow
from editorial.errors import Forbidden, IllegalAct, InvalidInput
from editorial.models import Episode, HistoryEntry, SignOff, Stage, State
from editorial.workflow import Act, Checklist
from tests.conftest import NOW, Crew, attach_master

OK = Checklist.all_confirmed()


def snapshot(session: Session, episode: Episode) -> tuple[object, ...]:
    """What a refused act must leave unchanged: state, version, round, master, history."""
    session.expire_all()
    entries = session.scalar(
        select(func.count()).select_from(HistoryEntry).where(HistoryEntry.episode_id == episode.id)
    )
    sign_offs = session.scalar(
        select(func.count()).select_from(SignOff).where(SignOff.episode_id == episode.id)
    )
    return (
        episode.state,
        episode.version,
        episode.review_round,
        episode.media_version,
        episode.media_qc_passed,
        entries,
        sign_offs,
    )


def in_production(session: Session, crew: Crew, episode: Episode) -> Episode:
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    return episode


def in_review_on(session: Session, crew: Crew, episode: Episode, qc_passed: bool | None) -> Episode:
    """At the first review, on a master whose QC gave ``qc_passed``."""
    in_production(session, crew, episode)
    attach_master(session, crew, episode, qc_passed=qc_passed)
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    return episode


def sign(
    session: Session, who: object, episode: Episode, stage: Stage, qc_override: str | None = None
) -> Episode:
    return workflow.sign_off(
        session,
        who,  # type: ignore[arg-type]
        episode,
        episode.version,
        NOW,
        stage=stage,
        checklist=OK,
        qc_override=qc_override,
    )


def last_entry(session: Session, episode: Episode) -> HistoryEntry:
    return session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    ).one()


# --- 送审 needs a master -----------------------------------------------------------------------


def test_submitting_without_a_master_is_refused_and_changes_nothing(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_production(session, crew, propose())
    before = snapshot(session, episode)
    with pytest.raises(IllegalAct, match="no master yet; upload the master first") as refused:
        workflow.submit(session, crew.director, episode, episode.version, NOW)
    assert (refused.value.code, refused.value.params) == ("needs_master", {"episode": episode.id})
    assert snapshot(session, episode) == before


def test_submit_is_offered_only_once_the_master_is_there(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_production(session, crew, propose())
    offered = workflow.available_acts(session, crew.director, episode)
    assert Act.SUBMIT not in offered and Act.NEW_MEDIA in offered
    attach_master(session, crew, episode)
    assert Act.SUBMIT in workflow.available_acts(session, crew.director, episode)
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    assert (episode.state, episode.review_round) == (State.FIRST_REVIEW, 1)


def test_someone_who_may_not_submit_is_told_so_before_the_missing_master(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_production(session, crew, propose())
    with pytest.raises(Forbidden, match="not a editor_director"):
        workflow.submit(session, crew.reviewer, episode, episode.version, NOW)


# --- the QC verdict travels with the master ------------------------------------------------------


def test_a_new_master_records_its_qc_verdict_on_the_episode_and_in_the_history(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_production(session, crew, propose())
    attach_master(session, crew, episode, qc_passed=False)
    assert (episode.media_version, episode.media_qc_passed) == (1, False)
    details = last_entry(session, episode).details
    assert details is not None and details["qc_passed"] is False
    attach_master(session, crew, episode)  # no QC ran on this one
    assert (episode.media_version, episode.media_qc_passed) == (2, None)
    details = last_entry(session, episode).details
    assert details is not None and "qc_passed" not in details


def test_the_database_refuses_a_qc_verdict_without_a_master(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    with pytest.raises(IntegrityError, match="qc_of_a_master"), session.begin_nested():
        session.execute(
            text("UPDATE episodes SET media_qc_passed = false WHERE id = :id"), {"id": episode.id}
        )


# --- signing technical quality over a failed QC ------------------------------------------------


def test_signing_over_a_failed_qc_without_a_reason_is_refused_and_changes_nothing(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_review_on(session, crew, propose(), qc_passed=False)
    before = snapshot(session, episode)
    with pytest.raises(InvalidInput, match="failed QC: confirming technical quality") as refused:
        sign(session, crew.producer, episode, Stage.FIRST)
    assert refused.value.code == "qc_override_needed"
    assert refused.value.params == {"version": 1}
    assert set(refused.value.fields) == {"qc_override"}
    assert snapshot(session, episode) == before


@pytest.mark.parametrize("blank", ["", "   ", "\u200b", "\u3000\ufeff\n"])
def test_a_blank_reason_is_no_reason(
    session: Session, crew: Crew, propose: Callable[..., Episode], blank: str
) -> None:
    episode = in_review_on(session, crew, propose(), qc_passed=False)
    before = snapshot(session, episode)
    with pytest.raises(InvalidInput) as refused:
        sign(session, crew.producer, episode, Stage.FIRST, qc_override=blank)
    assert refused.value.code == "qc_override_needed"
    assert snapshot(session, episode) == before


def test_a_reason_longer_than_the_limit_is_refused(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_review_on(session, crew, propose(), qc_passed=False)
    before = snapshot(session, episode)
    too_long = "响" * (workflow.MAX_QC_OVERRIDE + 1)
    with pytest.raises(InvalidInput, match="at most 1000 characters") as refused:
        sign(session, crew.producer, episode, Stage.FIRST, qc_override=too_long)
    assert refused.value.code == "qc_override_too_long"
    assert snapshot(session, episode) == before
    sign(session, crew.producer, episode, Stage.FIRST, qc_override=too_long[:-1])
    assert episode.state is State.SECOND_REVIEW


def test_a_reason_signs_it_and_the_history_keeps_it_for_the_later_stages(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_review_on(session, crew, propose(), qc_passed=False)
    sign(
        session,
        crew.producer,
        episode,
        Stage.FIRST,
        qc_override="\u3000响度略低，台里播出时统一调整 ",
    )
    assert episode.state is State.SECOND_REVIEW
    entry = last_entry(session, episode)
    assert (entry.act, entry.actor_id, entry.media_version) == ("first_review", crew.producer.id, 1)
    assert entry.details == {"qc_passed": False, "qc_override": "响度略低，台里播出时统一调整"}
    assert entry.checklist is not None and entry.checklist["technical_quality"] is True
    # The second stage signs the same failed master: it states its own reason too.
    with pytest.raises(InvalidInput):
        sign(session, crew.reviewer, episode, Stage.SECOND)
    sign(session, crew.reviewer, episode, Stage.SECOND, qc_override="同意初审意见")
    assert last_entry(session, episode).details == {
        "qc_passed": False,
        "qc_override": "同意初审意见",
    }
    assert list(history.verify(session)) == []


@pytest.mark.parametrize("qc_passed", [True, None])
def test_a_master_that_did_not_fail_qc_needs_no_reason_and_takes_none(
    session: Session, crew: Crew, propose: Callable[..., Episode], qc_passed: bool | None
) -> None:
    episode = in_review_on(session, crew, propose(), qc_passed=qc_passed)
    before = snapshot(session, episode)
    with pytest.raises(InvalidInput, match="needs no QC override") as refused:
        sign(session, crew.producer, episode, Stage.FIRST, qc_override="没有问题")
    assert refused.value.code == "qc_override_unneeded"
    assert snapshot(session, episode) == before
    sign(session, crew.producer, episode, Stage.FIRST)
    entry = last_entry(session, episode)
    assert entry.act == "first_review" and entry.details is None


def test_a_new_master_that_passes_clears_the_need_for_a_reason(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_review_on(session, crew, propose(), qc_passed=False)
    sign(session, crew.producer, episode, Stage.FIRST, qc_override="画面可用，先审内容")
    attach_master(session, crew, episode, qc_passed=True)  # reopens the first review
    assert (episode.state, episode.media_version, episode.media_qc_passed) == (
        State.FIRST_REVIEW,
        2,
        True,
    )
    for person, stage in (
        (crew.producer, Stage.FIRST),
        (crew.reviewer, Stage.SECOND),
        (crew.final_approver, Stage.FINAL),
    ):
        sign(session, person, episode, stage)
    assert episode.state is State.APPROVED


def test_a_new_master_that_fails_again_needs_a_reason_again(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = in_review_on(session, crew, propose(), qc_passed=True)
    sign(session, crew.producer, episode, Stage.FIRST)
    attach_master(session, crew, episode, qc_passed=False)
    with pytest.raises(InvalidInput) as refused:
        sign(session, crew.producer, episode, Stage.FIRST)
    assert refused.value.params == {"version": 2}
