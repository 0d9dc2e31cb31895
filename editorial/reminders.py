"""Review-deadline reminders (审片提醒): whoever must sign a review due today or
overdue is told once per due date.

The function takes the session and ``now``, adds notifications, flushes and
returns how many it added; it never commits or reads the clock, and running it
twice at the same ``now`` adds nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Forbidden, IllegalAct
from editorial.models import Episode, Membership, Notification, Person, Stage
from editorial.workdays import REVIEW_STAGE, local_date

REMINDER_KIND = "review_due"
STAGE_LABEL = {Stage.FIRST: "初审", Stage.SECOND: "复审", Stage.FINAL: "终审"}


@dataclass(frozen=True)
class Reminder:
    episode: Episode
    stage: Stage
    due: date
    person: Person

    @property
    def dedupe_key(self) -> str:
        e = self.episode
        return f"review-due:{e.id}:{e.review_round}:{self.stage.value}:{self.person.id}:{self.due}"

    def message(self, today: date) -> str:
        """In Chinese, for mails and group robots (the pages say it from ``params``)."""
        title, stage = self.episode.title, STAGE_LABEL[self.stage]
        if self.due < today:
            return f"《{title}》{stage}已逾期（应于 {self.due} 完成）"
        return f"《{title}》{stage}将于 {self.due}（今天）到期"

    def params(self, today: date) -> dict[str, Any]:
        """What the message says: the title, the stage, the due date and whether it passed."""
        return {
            "title": self.episode.title,
            "stage": self.stage.value,
            "due": self.due.isoformat(),
            "overdue": self.due < today,
        }


def review_reminders(session: Session, now: datetime) -> int:
    """Notify whoever must act on each review due today or overdue, once per due date.

    First review: the responsible producer. Second and final review: every
    reviewer (final approver) of the column who may sign it, so not the
    episode's editor-director and not anyone bound to another stage of it
    (four eyes): exactly the people ``workflow.authorize`` would let sign.
    """
    today = local_date(now)
    episodes = list(
        session.scalars(
            select(Episode)
            .where(Episode.state.in_(REVIEW_STAGE), Episode.review_due <= today)
            .order_by(Episode.review_due, Episode.id)
        )
    )
    candidates = _candidates(session, episodes)
    keys = [r.dedupe_key for r in candidates]
    sent = set(
        session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys)))
    )
    added = 0
    for reminder in candidates:
        if reminder.dedupe_key in sent or not _may_sign(session, reminder):
            continue
        sent.add(reminder.dedupe_key)
        session.add(
            Notification(
                person_id=reminder.person.id,
                kind=REMINDER_KIND,
                episode_id=reminder.episode.id,
                message=reminder.message(today),
                params=reminder.params(today),
                dedupe_key=reminder.dedupe_key,
                created_at=now,
            )
        )
        added += 1
    session.flush()
    return added


def _candidates(session: Session, episodes: list[Episode]) -> list[Reminder]:
    """Everyone holding the stage's role, before the four-eyes checks."""
    column_ids = {e.column_id for e in episodes if REVIEW_STAGE[e.state] is not Stage.FIRST}
    holders: dict[tuple[int, str], list[Person]] = {}
    if column_ids:
        rows = session.execute(
            select(Membership.column_id, Membership.role, Person)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.column_id.in_(column_ids))
            .order_by(Person.id)
        ).all()
        for column_id, role, person in rows:
            holders.setdefault((column_id, role.value), []).append(person)
    reminders: list[Reminder] = []
    for episode in episodes:
        stage = REVIEW_STAGE[episode.state]
        assert episode.review_due is not None  # the query selected due reviews
        if stage is Stage.FIRST:
            people = [episode.responsible_producer]
        else:
            people = holders.get((episode.column_id, workflow.STAGE_ROLE[stage].value), [])
        reminders.extend(Reminder(episode, stage, episode.review_due, p) for p in people)
    return reminders


def _may_sign(session: Session, reminder: Reminder) -> bool:
    try:
        workflow.authorize(
            session, reminder.person, reminder.episode, workflow.SIGN_ACT[reminder.stage]
        )
    except (Forbidden, IllegalAct):
        return False
    return True
