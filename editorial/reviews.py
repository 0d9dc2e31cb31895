"""Who may sign an episode's current review now, for many episodes at once, in SQL.

``workflow.authorize`` decides one act for one person and says why not; pages,
feeds and reminders ask the same question of thousands of rows at once. This is
its rule as one SQL condition on ``episodes``, so they all ask it the same way:

* the episode is in a review stage, and the person holds the stage's role in
  the episode's column (初审: the producer role; 复审: reviewer; 终审: final
  approver);
* at the first review, the person is also the responsible producer;
* the person is not the episode's editor-director;
* the person is not bound to another stage of the episode (four eyes).

An inactive person may sign nothing (the condition is then false).

The board's 待我审看 uses it (``review_queue``, narrowed by the reviewer's
filters); the review reminders ask ``workflow.authorize`` of a few candidates.
The personal feed (``calendars.feeds``) deliberately asks a wider,
state-independent question of its ledger rows — whoever holds the stage's role —
so that a review event a person saw stays in their feed as CANCELLED once the
episode moves on, instead of vanishing.

``tests/editorial/test_reviews.py`` checks this condition against
``workflow.authorize`` for every person and episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select

from editorial.models import Episode, Membership, Person, Stage, StageSigner
from editorial.workdays import REVIEW_STAGE
from editorial.workflow import STAGE_ROLE, review_overdue

STATE_OF_STAGE = {stage: state for state, stage in REVIEW_STAGE.items()}


def may_sign_now(person: Person) -> ColumnElement[bool]:
    """True for the rows of ``episodes`` whose current review ``person`` may sign now."""
    if not person.active:
        return false()
    branches = []
    for state, stage in REVIEW_STAGE.items():
        holds_role = exists().where(
            Membership.person_id == person.id,
            Membership.column_id == Episode.column_id,
            Membership.role == STAGE_ROLE[stage],
        )
        bound_elsewhere = exists().where(
            StageSigner.episode_id == Episode.id,
            StageSigner.person_id == person.id,
            StageSigner.stage != stage,
        )
        branch = and_(Episode.state == state, holds_role, ~bound_elsewhere)
        if stage is Stage.FIRST:
            branch = and_(branch, Episode.responsible_producer_id == person.id)
        branches.append(branch)
    return and_(or_(*branches), Episode.director_id != person.id)


@dataclass(frozen=True)
class QueueFilter:
    """What a reviewer narrows their queue (待我审看) to: one column, one review stage,
    only the reviews past their due date; None / False: no narrowing."""

    column_id: int | None = None
    stage: Stage | None = None
    overdue_only: bool = False

    @property
    def narrowed(self) -> bool:
        return self.column_id is not None or self.stage is not None or self.overdue_only


EVERYTHING = QueueFilter()


def review_queue(person: Person, today: date, wanted: QueueFilter = EVERYTHING) -> Select[Episode]:
    """The episodes whose current review ``person`` may sign now, narrowed as ``wanted``
    (overdue: past its due date on the local day ``today``), most urgent first."""
    query = select(Episode).where(may_sign_now(person))
    if wanted.column_id is not None:
        query = query.where(Episode.column_id == wanted.column_id)
    if wanted.stage is not None:
        query = query.where(Episode.state == STATE_OF_STAGE[wanted.stage])
    if wanted.overdue_only:
        query = query.where(review_overdue(today))
    return query.order_by(Episode.review_due, Episode.id)
