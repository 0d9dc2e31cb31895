"""The OpenAPI document is exactly as strict as the server, checked by schemathesis.

Every operation of ``/api/v1/openapi.json`` gets requests generated from its own
schema, valid and invalid ones, sent through the WSGI application (no network)
with the token of a demo-like person who holds every working role in every demo
column. Each answer must be no 5xx, a documented status with a body that fits
its documented schema; a request the schema calls valid must not be refused as
bad input (400/422), and one it calls invalid must be refused.

Bounded and repeatable: a fixed seed, derandomized, at most ``MAX_EXAMPLES``
examples per operation and mode, no deadline; on SQLite and, when
``TVCOLUMN_TEST_DATABASE_URL`` is set, on PostgreSQL (in a schema of its own).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
from flask import Flask
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

import migrations
from editorial import demo as editorial_demo
from editorial import people, workflow
from editorial.db import make_engine
from editorial.models import Column, Episode, Membership, Person, Role
from media.errors import CODES as MEDIA_REFUSALS
from tests.conftest import NOW, PG_URL
from web import create_app
from web.api import access
from web.api.schema import REFUSED_CODES
from web.db import session_factory, unit_of_work

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi import checks  # noqa: E402

MAX_EXAMPLES = 25
# The fields whose values only the server can judge (a name that exists, a date not past,
# a part not taken, a range not too long, …): a 422 of input that fits the document
# (``REFUSED_CODES``) may name these and no others, or none (nothing to change). And a
# file the server probed may be refused (not_video, incomplete, …).
JUDGED = {
    "column",
    "responsible_producer",
    "to",
    "series",
    "part_number",
    "air_by",
    "offered",
    "timecode",  # past the end of the master, or a frame a second does not have
    "media_version",  # not the version under review, or no probed master
    "start_by",  # a series' start-by date already past
    "parts",  # fewer parts than the highest part proposed; a part order not the series'
    "order",  # a reordering that names not every part of the series once
    "file",  # an as-run log the server reads: unreadable rows, another channel's, …
    "week",  # an ISO week the year has not (2027-W53), or year 0
}
SEED = 20261203
TESTER = "api.tester"
OWN_EPISODES = 4
# What a person of a column may be: everything but admin and liaison, so that acts
# are tried by someone who may take them (four eyes still refuses some, with 403).
WORKING_ROLES = (
    Role.EDITOR_DIRECTOR,
    Role.PRODUCER,
    Role.REVIEWER,
    Role.FINAL_APPROVER,
    Role.SCHEDULER,
)


def valid_data_is_refused_only_for_what_no_schema_can_say(
    ctx: Any, response: Any, case: Any
) -> bool | None:
    """positive_data_acceptance, but a 422 of a code the document declares for input
    that fits it (an unknown slug, a past air-by date, …) is no mismatch."""
    answer = response.json() if response.status_code == 422 else {}
    if answer.get("error") in MEDIA_REFUSALS:
        return None
    if answer.get("error") in REFUSED_CODES and set(answer.get("fields", {})) <= JUDGED:
        return None
    result: bool | None = checks.positive_data_acceptance(ctx, response, case)
    return result


CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    valid_data_is_refused_only_for_what_no_schema_can_say,
    checks.negative_data_rejection,
]
CONFIG = {  # the examples' number and seed are Hypothesis settings (``_explore``)
    "checks": {
        # A valid request may still meet a state or permission conflict; never 400/422,
        # and never 401: the token is always a live one.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "403", "404", "409"]},
        # An id out of range is a path that names nothing: 404.
        "negative_data_rejection": {"expected-statuses": ["400", "404", "413", "415", "422"]},
    },
}


def _database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated database of the backend; PostgreSQL in its own schema."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'api.sqlite3'}"
        engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        yield url
        return
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set TVCOLUMN_TEST_DATABASE_URL")
    schema = f"api_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = (
        make_url(PG_URL)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@dataclass(frozen=True)
class World:
    """The application over the demo, the tester's token, and names that exist in it."""

    app: Flask
    token: str
    episode_ids: list[int]
    own_ids: list[int]  # those the tester proposed (as editor-director): it may edit them
    columns: list[tuple[str, str]]  # (slug, username of one of its producers)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp_path = tmp_path_factory.mktemp(request.param)
    for url in _database(request.param, tmp_path):
        app = create_app(
            {
                "DATABASE_URL": url,
                "INSTANCE_PATH": str(tmp_path),
                "FEEDS_DIR": str(tmp_path / "feeds"),
                "MEDIA_DIR": str(tmp_path / "media"),
                "MEDIA_IMPORT_DIRS": [str(tmp_path / "import")],
                "TESTING": True,
            }
        )
        with app.app_context(), unit_of_work(app) as s:
            editorial_demo.load(s, NOW)
            tester = people.create_person(s, NOW, username=TESTER, display_name="接口测试")
            columns = list(s.scalars(select(Column).order_by(Column.id)))
            for column in columns:
                for role in WORKING_ROLES:
                    people.grant_role(s, tester, column, role, NOW)
            token = people.issue_token(s, tester, "schemathesis", NOW)
            # Another producer is responsible: nobody approves their own proposal (four eyes).
            other = s.scalars(
                select(Person)
                .join(Membership, Membership.person_id == Person.id)
                .where(
                    Membership.column_id == columns[0].id,
                    Membership.role == Role.PRODUCER,
                    Person.id != tester.id,
                )
                .order_by(Person.username)
            ).first()
            assert other is not None
            own = [
                workflow.propose(
                    s,
                    tester,
                    columns[0],
                    NOW,
                    workflow.Proposal(f"接口测试 {n}", 1200, other, topic="选题"),
                ).id
                for n in range(OWN_EPISODES)
            ]
            producers = [
                (slug, username)
                for slug, username in s.execute(
                    select(Column.slug, Person.username)
                    .join(Membership, Membership.column_id == Column.id)
                    .join(Person, Person.id == Membership.person_id)
                    .where(Membership.role == Role.PRODUCER, Person.username != TESTER)
                    .order_by(Column.slug, Person.username)
                )
            ]
            ids = list(s.scalars(select(Episode.id).order_by(Episode.id)))
        yield World(app, token, ids, own, producers)
        session_factory(app).kw["bind"].dispose()


def test_the_api_is_exactly_as_strict_as_its_document(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", world.app, config=SchemathesisConfig.from_dict(CONFIG)
    )
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _explore(world, operation, mode)
            except hypothesis.errors.Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing of the request to get wrong
            except Exception as failure:  # every operation is tried, and all reported
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)


def _explore(world: World, operation: Any, mode: GenerationMode) -> None:
    """Up to ``MAX_EXAMPLES`` requests of one operation in one mode, each answer checked.

    Random ids and names seldom exist, so two cases in three are drawn for an episode of
    the demo or one of the tester's own; and a valid case gets names that exist and the
    episode's current version three times in four (still valid: a name or version for
    another).
    """
    auth = {"Authorization": f"Bearer {world.token}"}
    cases = operation.as_strategy(generation_mode=mode, headers=auth)
    if "{episode_id}" in operation.path:
        cases = st.one_of(
            cases,
            *(
                st.sampled_from(ids).flatmap(
                    lambda episode_id: operation.as_strategy(
                        generation_mode=mode,
                        headers=auth,
                        path_parameters={"episode_id": episode_id},
                    )
                )
                for ids in (world.episode_ids, world.own_ids)
            ),
        )

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
    )
    @hypothesis.given(cases, st.integers(0, 3), st.sampled_from(world.columns))
    def explore(case: Any, knob: int, column: tuple[str, str]) -> None:
        if mode is GenerationMode.POSITIVE and knob:
            _existing(world, case, column)
        case.call_and_validate(checks=CHECKS)

    explore()


def _existing(world: World, case: Any, column: tuple[str, str]) -> None:
    """Put names that exist, and the episode's current version, into a valid case."""
    slug, producer = column
    body = case.body if isinstance(case.body, dict) else {}
    if "column" in body:
        body["column"] = slug
    if "responsible_producer" in body:
        body["responsible_producer"] = producer
    if "to" in body:
        body["to"] = producer
    if case.query and case.query.get("column"):
        case.query["column"] = [slug]
    episode_id = (case.path_parameters or {}).get("episode_id")
    if episode_id is None:
        return
    with world.app.app_context(), unit_of_work(world.app) as s:
        episode = s.get(Episode, episode_id)
        version = episode.version if episode is not None else None
    if version is not None and "version" in body:
        body["version"] = version
    if version is not None and case.query and "version" in case.query:
        case.query["version"] = version
