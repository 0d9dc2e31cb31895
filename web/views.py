"""The home page "我的节目": a board of the signed-in person's episodes, one lane per
workflow state (like Kitsu's), and "待我审看", the reviews they may sign now.

Its GET parameters narrow it: ``column`` (the board and the queue), ``stage`` and
``overdue=1`` (the queue), ``q`` (the board: text in the title, any case); ``lane`` and
``page`` page through one long lane. A value that names nothing is ignored, never an error.

The board reads a bounded number of statements however many episodes there
are: the person's columns and roles, the count per state, one page of cards of
every lane (a window function) and the review queue, each one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import and_, func, or_, select
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

LANE_CARDS = 20  # cards on one page of a lane; the lane's count is always the full one
MAX_SEARCH = 200  # characters of a title search (a title's own limit)
STAGES = {stage.value: stage for stage in Stage}
LANE_STATES = {state.value: state for state in (*labels.LANES, *labels.CLOSED_LANES)}


@dataclass(frozen=True)
class BoardQuery:
    """The board's GET parameters, read forgivingly: what names nothing is left out."""

    column_id: int | None = None
    stage: Stage | None = None
    overdue: bool = False
    search: str = ""  # text in the title
    lane: State | None = None  # the lane paged through
    page: int = 1  # that lane's page, from 1 (the view keeps it within the lane's pages)

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> BoardQuery:
        return cls(
            column_id=args.get("column", type=int),
            stage=STAGES.get(args.get("stage", "")),
            overdue=args.get("overdue") == "1",
            search=" ".join(args.get("q", "").split())[:MAX_SEARCH],
            lane=LANE_STATES.get(args.get("lane", "")),
            page=max(1, args.get("page", 1, type=int)),
        )

    def args(self, **changes: object) -> dict[str, object]:
        """The parameters for a link to the board, with ``changes``; empty ones left out
        (a lane's page is a link's own business: pass ``lane`` and ``page``)."""
        kept: dict[str, object] = {
            "column": self.column_id,
            "stage": self.stage.value if self.stage else None,
            "overdue": 1 if self.overdue else None,
            "q": self.search,
            **changes,
        }
        return {name: value for name, value in kept.items() if value not in (None, "")}


@dataclass(frozen=True)
class Lane:
    state: State
    count: int
    cards: list[Episode]
    page: int = 1  # which page of the lane ``cards`` are

    @property
    def label(self) -> str:
        return str(labels.STATE[self.state])

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // LANE_CARDS))

    @property
    def first(self) -> int:
        """The place in the lane of its first card shown, from 1."""
        return (self.page - 1) * LANE_CARDS + 1

    @property
    def last(self) -> int:
        return self.first + len(self.cards) - 1


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


def _lanes(session: Session, column_ids: list[int], query: BoardQuery) -> dict[State, Lane]:
    """Every lane's count and one page of its cards (the first, but for ``query.lane``), in
    two statements however many episodes there are; a page past the lane's end is its last."""
    shown = [Episode.column_id.in_(column_ids)]
    if query.search:
        shown.append(Episode.title.icontains(query.search, autoescape=True))
    counts = dict(
        session.execute(
            select(Episode.state, func.count()).where(*shown).group_by(Episode.state)
        ).all()
    )
    page = 1
    if query.lane is not None:
        paged = Lane(query.lane, counts.get(query.lane, 0), [])
        page = min(query.page, paged.pages)
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
    ranked = select(Episode.id, Episode.state, rank).where(*shown).subquery()
    first_page = ranked.c.rank <= LANE_CARDS
    if page > 1:
        skipped = (page - 1) * LANE_CARDS
        window = and_(ranked.c.rank > skipped, ranked.c.rank <= skipped + LANE_CARDS)
        first_page = or_(
            and_(ranked.c.state == query.lane, window),
            and_(ranked.c.state != query.lane, first_page),
        )
    cards = session.scalars(
        select(Episode)
        .join(ranked, ranked.c.id == Episode.id)
        .where(first_page)
        .options(joinedload(Episode.column), joinedload(Episode.responsible_producer))
        .order_by(ranked.c.rank)
    ).all()
    by_state: dict[State, list[Episode]] = defaultdict(list)
    for episode in cards:
        by_state[episode.state].append(episode)
    pages = {state: page if state is query.lane else 1 for state in State}
    return {s: Lane(s, counts.get(s, 0), by_state[s], pages[s]) for s in State}


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
    query = replace(query, column_id=chosen.id if chosen else None)
    shown = [chosen.id] if chosen else [c.id for c in columns]
    lanes = _lanes(session, shown, query) if shown else {s: Lane(s, 0, []) for s in State}
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
