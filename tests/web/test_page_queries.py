"""The board and the episode page read a bounded number of SQL statements, however many
episodes there are."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, insert

from editorial import people
from editorial.models import Episode, Level, Role, State
from tests.web.test_episode_pages import (
    NOW,
    Crew,
    add_person,
    client_for,
    make_crew,
    make_episode,
    text,
)
from web.db import session_factory, unit_of_work

BUDGET = 10
BEFORE_THE_MASTER = (State.PROPOSED, State.TOPIC_APPROVED, State.IN_PRODUCTION)


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the application's engine runs inside the block."""
    engine = session_factory(app).kw["bind"]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def get_counted(app: Flask, client: FlaskClient, path: str) -> tuple[str, list[str]]:
    with counted(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return text(response), statements


def bulk_episodes(app: Flask, crew: Crew, count: int) -> None:
    """``count`` episode rows spread over every state, inserted in one statement."""
    states = itertools.cycle(State)
    with app.app_context(), unit_of_work(app) as s:
        director = people.get_person(s, crew.director).id
        producer = people.get_person(s, crew.producer).id
        rows = []
        for n in range(count):
            state = next(states)
            reviewing = state in (State.FIRST_REVIEW, State.SECOND_REVIEW, State.FINAL_REVIEW)
            rows.append(
                {
                    "column_id": crew.column_id,
                    "title": f"节目{n}",
                    "target_duration_s": 1200,
                    "director_id": director,
                    "responsible_producer_id": producer,
                    "state": state,
                    "version": 1,
                    "review_round": 1,
                    "state_entered_at": NOW - timedelta(minutes=n),
                    "review_due": date(2026, 3, 4) + timedelta(days=n % 300) if reviewing else None,
                    "review_due_estimated": n % 7 == 0,
                    "created_at": NOW - timedelta(days=30),
                }
            )
        s.execute(insert(Episode), rows)


@pytest.fixture
def crew(app: Flask) -> Crew:
    return make_crew(app, "city", Level.CITY)


def test_the_board_of_a_thousand_episodes_runs_at_most_ten_statements(
    app: Flask, crew: Crew
) -> None:
    bulk_episodes(app, crew, 1000)
    everyone = add_person(
        app, crew, "everyone", Role.PRODUCER, Role.REVIEWER, Role.FINAL_APPROVER, Role.LIAISON
    )
    for username in (crew.producer, crew.reviewer, everyone):
        body, statements = get_counted(app, client_for(app, username), "/")
        assert "共 1000 期" in body
        assert len(statements) <= BUDGET, (username, statements)


def test_the_episode_page_runs_at_most_ten_statements_for_every_viewer_and_state(
    app: Flask, crew: Crew
) -> None:
    clients = {
        name: client_for(app, getattr(crew, name))
        for name in ("director", "producer", "reviewer", "final_approver")
    }
    for state in State:
        if state in (State.TOPIC_REJECTED, State.WITHDRAWN, State.PULLED):
            continue
        episode_id = make_episode(app, crew, state)
        # Submitted, it has its master: the media panel reads its versions and review notes.
        budget = BUDGET if state in BEFORE_THE_MASTER else BUDGET + 2
        for name, client in clients.items():
            body, statements = get_counted(app, client, f"/episodes/{episode_id}")
            assert "操作记录" in body
            assert len(statements) <= budget, (state, name, statements)


def test_the_board_needs_no_more_statements_for_more_episodes(app: Flask, crew: Crew) -> None:
    client = client_for(app, crew.reviewer)
    bulk_episodes(app, crew, 20)
    few = len(get_counted(app, client, "/")[1])
    bulk_episodes(app, crew, 500)
    assert len(get_counted(app, client, "/")[1]) == few


def test_the_board_says_whose_turn_it_is_on_every_card_within_the_budget(
    app: Flask, crew: Crew
) -> None:
    bulk_episodes(app, crew, 1000)
    for n in range(5):
        add_person(app, crew, f"reviewer{n}", Role.REVIEWER)
    body, statements = get_counted(app, client_for(app, crew.director), "/")
    assert "cityreviewer 或 reviewer0 或 reviewer1" not in body  # 「、」 between all but the last
    assert "待 cityreviewer、reviewer0、reviewer1、reviewer2、reviewer3 或 reviewer4 复审" in body
    assert "等待 cityproducer 审核选题" in body and "已可播，待编排" in body
    assert len(statements) <= BUDGET, statements


def one_lane(app: Flask, crew: Crew, count: int, state: State = State.IN_PRODUCTION) -> None:
    """``count`` episodes in ``state``, 「节目0」 the latest arrival, in one statement."""
    with app.app_context(), unit_of_work(app) as s:
        director = people.get_person(s, crew.director).id
        producer = people.get_person(s, crew.producer).id
        s.execute(
            insert(Episode),
            [
                {
                    "column_id": crew.column_id,
                    "title": f"节目{n}",
                    "target_duration_s": 1200,
                    "director_id": director,
                    "responsible_producer_id": producer,
                    "state": state,
                    "version": 1,
                    "review_round": 1,
                    "state_entered_at": NOW - timedelta(minutes=n),
                    "created_at": NOW - timedelta(days=30),
                }
                for n in range(count)
            ],
        )


def test_a_lane_pages_through_a_hundred_episodes_in_the_same_statements_as_five(
    app: Flask, crew: Crew
) -> None:
    client = client_for(app, crew.director)
    one_lane(app, crew, 5)
    few = len(get_counted(app, client, "/")[1])
    one_lane(app, crew, 95, State.PROPOSED)
    one_lane(app, crew, 95)  # a hundred in production
    for path in ("/", "/?lane=in_production&page=3", "/?lane=proposed&page=5&q=节目"):
        assert len(get_counted(app, client, path)[1]) == few, path
