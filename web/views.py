"""The home page "我的节目": a board of the signed-in person's episodes, one lane per
workflow state (like Kitsu's), and "待我审看", the reviews they may sign now.

Its GET parameters narrow it: ``column`` (the board and the queue), ``stage`` and
``overdue=1`` (the queue). A value that names nothing is ignored, never an error.

The board reads a bounded number of statements however many episodes there
are: the person's columns and roles, the count per state, the first cards of
every lane (a window function) and the review queue, each one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import MultiDict

from editorial import reviews, turns, workflow
from editorial.models import Column, Episode, Membership, Person, Role, Stage, State
from editorial.workdays import local_date
from schedule import airings
from web import labels
from web.auth import current_person
from web.db import request_session

bp = Blueprint("views", __name__)

LANE_CARDS = 40  # cards shown per lane; the lane's count is always the full one
STAGES = {stage.value: stage for stage in Stage}


@dataclass(frozen=True)
class BoardQuery:
    """The board's GET parameters, read forgivingly: what names nothing is left out."""

    column_id: int | None = None
    stage: Stage | None = None
    overdue: bool = False

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> BoardQuery:
        return cls(
            column_id=args.get("column", type=int),
            stage=STAGES.get(args.get("stage", "")),
            overdue=args.get("overdue") == "1",
        )

    def args(self, **changes: object) -> dict[str, object]:
        """The parameters for a link to the board, with ``changes``; empty ones left out."""
        kept: dict[str, object] = {
            "column": self.column_id,
            "stage": self.stage.value if self.stage else None,
            "overdue": 1 if self.overdue else None,
            **changes,
        }
        return {name: value for name, value in kept.items() if value not in (None, "")}


@dataclass(frozen=True)
class Lane:
    state: State
    count: int
    cards: list[Episode]

    @property
    def label(self) -> str:
        return str(labels.STATE[self.state])

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


@dataclass(frozen=True)
class Board:
    columns: list[Column]  # every column where the person holds a role
    chosen: Column | None  # the column the board is narrowed to, if any
    lanes: list[Lane]
    closed: list[Lane]
    queue: list[Episode]  # reviews the person may sign now, most urgent first, as filtered
    queue_filter: reviews.QueueFilter
    query: BoardQuery
    today: date
    steps: dict[int, turns.Turn]  # each card's turn (whose it is), by episode id

    def turn_line(self, episode: Episode) -> str:
        return labels.turn_line(self.steps.get(episode.id, turns.NO_TURN))

    @property
    def total(self) -> int:
        return sum(lane.count for lane in [*self.lanes, *self.closed])

    def overdue(self, episode: Episode) -> bool:
        return (
            episode.state in workflow.REVIEWING
            and episode.review_due is not None
            and episode.review_due < self.today
        )


def _roles_by_column(session: Session, person: Person) -> dict[Column, set[Role]]:
    rows = session.execute(
        select(Column, Membership.role)
        .join(Membership, Membership.column_id == Column.id)
        .where(Membership.person_id == person.id)
        .order_by(Column.level, Column.name, Column.id)
    ).all()
    roles: dict[Column, set[Role]] = defaultdict(set)
    for column, role in rows:
        roles[column].add(role)
    return dict(roles)


def _lanes(session: Session, column_ids: list[int]) -> dict[State, Lane]:
    counts = dict(
        session.execute(
            select(Episode.state, func.count())
            .where(Episode.column_id.in_(column_ids))
            .group_by(Episode.state)
        ).all()
    )
    rank = (
        func.row_number()
        .over(
            partition_by=Episode.state,
            # Reviews by due date (most urgent first), then the latest arrivals.
            order_by=(
                Episode.review_due.is_(None),
                Episode.review_due,
                Episode.state_entered_at.desc(),
                Episode.id.desc(),
            ),
        )
        .label("rank")
    )
    ranked = select(Episode.id, rank).where(Episode.column_id.in_(column_ids)).subquery()
    cards = session.scalars(
        select(Episode)
        .join(ranked, ranked.c.id == Episode.id)
        .where(ranked.c.rank <= LANE_CARDS)
        .options(joinedload(Episode.column), joinedload(Episode.responsible_producer))
        .order_by(ranked.c.rank)
    ).all()
    by_state: dict[State, list[Episode]] = defaultdict(list)
    for episode in cards:
        by_state[episode.state].append(episode)
    return {state: Lane(state, counts.get(state, 0), by_state[state]) for state in State}


def review_queue(
    session: Session,
    person: Person,
    today: date,
    wanted: reviews.QueueFilter = reviews.EVERYTHING,
) -> list[Episode]:
    """The episodes whose current review ``person`` may sign now, narrowed as ``wanted``, in
    one query (``editorial.reviews.may_sign_now``: the rule of ``workflow.authorize``, in
    bulk); overdue on the local day ``today``."""
    if not person.active:
        return []
    query = reviews.review_queue(person, today, wanted)
    return list(
        session.scalars(
            query.options(joinedload(Episode.column), joinedload(Episode.responsible_producer))
        )
    )


def _premieres(session: Session, episodes: list[Episode]) -> dict[int, datetime]:
    """The schedule's first premiere of each approved episode among ``episodes``."""
    approved = [e.id for e in episodes if e.state is State.APPROVED]
    return airings.premieres_of(session, approved)


def board_for(
    session: Session, person: Person, today: date, query: BoardQuery = BoardQuery()
) -> Board:
    roles = _roles_by_column(session, person)
    columns = list(roles)
    chosen = next((c for c in columns if c.id == query.column_id), None)
    shown = [chosen.id] if chosen else [c.id for c in columns]
    lanes = _lanes(session, shown) if shown else {s: Lane(s, 0, []) for s in State}
    cards = [e for s in labels.LANES for e in lanes[s].cards]
    wanted = reviews.QueueFilter(
        column_id=chosen.id if chosen else None, stage=query.stage, overdue_only=query.overdue
    )
    return Board(
        columns=columns,
        chosen=chosen,
        lanes=[lanes[s] for s in labels.LANES],
        closed=[lanes[s] for s in labels.CLOSED_LANES],
        queue=review_queue(session, person, today, wanted),
        queue_filter=wanted,
        query=query,
        today=today,
        steps=turns.next_steps(session, cards, _premieres(session, cards)),
    )


def _now() -> datetime:
    return datetime.now(UTC)


@bp.get("/")
@login_required
def home() -> str:
    today = local_date(_now())
    query = BoardQuery.from_args(request.args)
    board = board_for(request_session(), current_person(), today, query)
    return render_template("home.html", board=board, labels=labels)
