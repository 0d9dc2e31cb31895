"""``tvcolumn campaigns plan|list|show``: a county plans its concentrated broadcast
(集中播放); a refusal goes to stderr with exit status 1 and makes no slot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from cli import common
from editorial import people
from editorial.models import Episode, Level, Role, State
from schedule import builder
from schedule.models import Slot
from tests.conftest import NOW
from web.db import unit_of_work

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


@pytest.fixture
def county(app: Flask) -> None:
    """柳河 without a fixed column, its scheduler 'lh'; a stranger 'xx'."""
    with unit_of_work(app) as session:
        column = people.create_column(
            session,
            NOW,
            slug="liuhe",
            name="柳河县集中播放",
            level=Level.COUNTY,
            station="柳河县广播电视台",
            channel="综合频道",
            has_fixed_slot=False,
        )
        person = people.create_person(session, NOW, username="lh", display_name="罗斌")
        people.grant_role(session, person, column, Role.SCHEDULER, NOW)
        people.create_person(session, NOW, username="xx", display_name="某人")


def plan(run: Run, *extra: str, actor: str = "lh") -> Result:
    return run(
        "campaigns", "plan", "--as", actor, "--column", "liuhe", "--from", "2026-03-16",
        "--to", "2026-03-20", *extra,
    )  # fmt: skip


def slots_of(app: Flask) -> list[tuple[str, bool]]:
    with unit_of_work(app) as session:
        return [(s.name, s.campaign) for s in session.scalars(select(Slot).order_by(Slot.id))]


def test_plan_makes_a_daily_slot_per_airtime_and_list_shows_its_fill(
    app: Flask, run: Run, county: None
) -> None:
    result = plan(run, "--airtime", "19:00/30", "--airtime", "19:30/20")
    assert result.exit_code == 0, result.output
    assert "planned 2026-03-16..2026-03-20" in result.output
    assert slots_of(app) == [("集中播放（19:00）", True), ("集中播放（19:30）", True)]
    with unit_of_work(app) as session:
        own = Episode(
            column=people.get_column(session, "liuhe"),
            title="柳河县科技富民",
            target_duration_s=1800,
            director_id=people.get_person(session, "lh").id,
            responsible_producer_id=people.get_person(session, "xx").id,
            state=State.APPROVED,
            review_round=1,
            state_entered_at=NOW,
            created_at=NOW,
        )
        session.add(own)
        session.flush()
        builder.build(session, NOW)
    listed = run("campaigns", "list")
    assert listed.exit_code == 0, listed.output
    assert "liuhe\t2026-03-16..2026-03-20\t19:00/30 19:30/20\tfilled 5/10" in listed.output
    slot_id = listed.output.split("\t", 1)[0]
    shown = run("campaigns", "show", slot_id)
    assert shown.exit_code == 0, shown.output
    assert "filled:\t5/10" in shown.output
    assert "柳河县科技富民" in shown.output and shown.output.count("空档") == 5
    report = run("schedule", "report")
    assert report.exit_code == 0, report.output
    assert "campaign 集中播放 [liuhe] 2026-03-16 to 2026-03-20: filled 5/10" in report.output
    assert report.output.count("\t集中播放（19:30）") == 5


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--airtime", "19:00/30", "--airtime", "19:15/30"), "overlap"),
        ((), "at least one airtime"),
        (("--airtime", "7pm"), "not an airtime"),
    ],
)
def test_a_bad_campaign_is_refused_and_makes_no_slot(
    app: Flask, run: Run, county: None, extra: tuple[str, ...], says: str
) -> None:
    result = plan(run, *extra)
    assert result.exit_code != 0
    assert says in result.output
    assert slots_of(app) == []


def test_an_end_before_the_start_is_refused(app: Flask, run: Run, county: None) -> None:
    result = run(
        "campaigns", "plan", "--as", "lh", "--column", "liuhe", "--from", "2026-03-20",
        "--to", "2026-03-16", "--airtime", "19:00/30",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "before it starts" in result.output
    assert slots_of(app) == []


def test_someone_not_scheduling_the_county_is_refused(app: Flask, run: Run, county: None) -> None:
    result = plan(run, "--airtime", "19:00/30", actor="xx")
    assert result.exit_code == 1
    assert slots_of(app) == []
