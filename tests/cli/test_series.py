"""``tvcolumn series create|list|show|edit|reorder``: the same rules as the pages, a
refusal on stderr with exit status 1 and nothing changed."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from cli import common
from editorial import people, workflow
from editorial.models import Episode, Level, Role, Series
from tests.conftest import NOW
from web.db import unit_of_work

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


@pytest.fixture
def column(app: Flask) -> None:
    """The city column with a producer 'pr', an editor-director 'ed' and an admin 'ad'."""
    with unit_of_work(app) as session:
        city = people.create_column(
            session,
            NOW,
            slug="city",
            name="时代风采",
            level=Level.CITY,
            station="市电视台",
            channel="新闻综合",
        )
        for username, role in (
            ("pr", Role.PRODUCER),
            ("ed", Role.EDITOR_DIRECTOR),
            ("ad", Role.ADMIN),
        ):
            person = people.create_person(session, NOW, username=username, display_name=username)
            people.grant_role(session, person, city, role, NOW)


def create(run: Run, *extra: str) -> Result:
    return run(
        "series", "create", "--as", "pr", "--column", "city", "--title", "先锋工程连续报道",
        "--parts", "3", "--start-by", "2026-04-01", *extra,
    )  # fmt: skip


def stored(app: Flask) -> list[tuple[str, int, bool]]:
    with unit_of_work(app) as session:
        return [(s.title, s.parts, s.relay) for s in session.scalars(select(Series))]


def test_a_producer_creates_lists_and_shows_a_series(app: Flask, run: Run, column: None) -> None:
    created = create(run, "--relay")
    assert created.exit_code == 0, created.output
    series_id = re.search(r"created series (\d+)", created.output).group(1)  # type: ignore[union-attr]
    listed = run("series", "list", "--column", "city")
    assert (
        f"{series_id}\tv1\tcity\t3 parts\tby 2026-04-01\t先锋工程连续报道\trelay" in listed.output
    )
    shown = run("series", "show", series_id)
    assert shown.exit_code == 0, shown.output
    assert "created: 2026-03-02 周一 09:00 by pr" in shown.output
    assert "  2. (not proposed)" in shown.output


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (("--parts", "1"), "at least two parts"),
        (("--start-by", "2026-03-01"), "already past"),
        (("--title", "  "), "needs a title"),
        (("--as", "ed"), "not a producer or admin"),
        (("--column", "nowhere"), "no column"),
    ],
)
def test_refusals_go_to_stderr_and_create_nothing(
    app: Flask, run: Run, column: None, extra: tuple[str, ...], said: str
) -> None:
    result = create(run, *extra)
    assert result.exit_code == 1
    assert said in result.output
    assert stored(app) == []


def test_edit_changes_only_what_is_given(app: Flask, run: Run, column: None) -> None:
    assert create(run).exit_code == 0
    series_id = str(stored_id(app))
    edited = run("series", "edit", series_id, "--as", "ad", "--parts", "5", "--relay")
    assert edited.exit_code == 0, edited.output
    assert stored(app) == [("先锋工程连续报道", 5, True)]
    stale = run("series", "edit", series_id, "--as", "pr", "--title", "旧", "--expect-version", "1")
    assert stale.exit_code == 1 and "changed by someone else" in stale.output
    assert stored(app) == [("先锋工程连续报道", 5, True)]


def stored_id(app: Flask) -> int:
    with unit_of_work(app) as session:
        return int(session.scalar(select(func.min(Series.id))) or 0)


def test_reorder_renumbers_the_parts(app: Flask, run: Run, column: None) -> None:
    assert create(run).exit_code == 0
    series_id = stored_id(app)
    with unit_of_work(app) as session:
        found = session.get(Series, series_id)
        ed, pr = people.get_person(session, "ed"), people.get_person(session, "pr")
        column_ = people.get_column(session, "city")
        ids = [
            workflow.propose(
                session,
                ed,
                column_,
                NOW,
                workflow.Proposal(title, 900, pr, series=found, part_number=n),
            ).id
            for n, title in ((1, "甲"), (2, "乙"))
        ]
    bad = run("series", "reorder", str(series_id), "--as", "pr", "--part", f"{ids[0]}=2")
    assert bad.exit_code == 1 and "every part" in bad.output
    done = run(
        "series", "reorder", str(series_id), "--as", "pr",
        "--part", f"{ids[0]}=2", "--part", f"{ids[1]}=1",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    with unit_of_work(app) as session:
        assert {e.title: e.part_number for e in session.scalars(select(Episode))} == {
            "甲": 2,
            "乙": 1,
        }
    shown = run("series", "show", str(series_id))
    assert re.search(r"  1\. episode \d+ \[proposed\] 乙; not scheduled", shown.output)
