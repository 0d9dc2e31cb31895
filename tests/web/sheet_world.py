"""A channel's week for the order sheet (播出单) pages, API and commands: the city column on
市台 一套 (code ``yitao``) with a Friday premiere and a Sunday rerun of an episode with a
real packaged master, a second episode without one, a producer and an outsider."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from flask import Flask

from editorial import accounts, people
from editorial.models import Episode, Level, Person, Role, State
from schedule import builder, slots
from schedule.channels import channel_of
from schedule.models import SlotKind
from tests.media.conftest import make_clip
from tests.station.conftest import package
from web.db import unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai, week 2026-W10


@pytest.fixture(scope="session")
def sheet_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("sheet") / "packaged.mp4", size="320x240")


def _person(s: object, username: str, name: str) -> Person:
    p = people.create_person(s, NOW, username=username, display_name=name)  # type: ignore[arg-type]
    accounts.set_password(s, p, "correct-horse", NOW)  # type: ignore[arg-type]
    return p


@pytest.fixture
def sheet_city(app: Flask, sheet_clip: Path) -> dict[str, int]:
    """The city column on 市台 一套 (code yitao): a Friday premiere and Sunday rerun of an
    episode with a packaged master; a producer; an outsider."""
    with app.app_context(), unit_of_work(app) as s:
        column = people.create_column(
            s, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        scheduler = _person(s, "bp", "何静")
        people.grant_role(s, scheduler, column, Role.SCHEDULER, NOW)
        producer = _person(s, "zp", "张平")
        people.grant_role(s, producer, column, Role.PRODUCER, NOW)
        _person(s, "out", "局外人")
        director = _person(s, "ed", "王芳")
        people.grant_role(s, director, column, Role.EDITOR_DIRECTOR, NOW)
        friday = slots.create_slot(
            s,
            scheduler,
            column,
            NOW,
            slots.SlotSpec(
                name="周五首播",
                kind=SlotKind.PREMIERE,
                local_start=time(20, 0),
                duration_s=1800,
                rrule="FREQ=WEEKLY;BYDAY=FR",
                first_date=date(2026, 3, 6),
            ),
        )
        slots.create_slot(
            s,
            scheduler,
            column,
            NOW,
            slots.SlotSpec(
                name="周日重播",
                kind=SlotKind.RERUN,
                local_start=time(10, 0),
                duration_s=1800,
                rrule="FREQ=WEEKLY;BYDAY=SU",
                first_date=date(2026, 3, 6),
                rerun_of=friday,
            ),
        )
        channel_of(s, friday).code = "yitao"
        episodes = []
        for title in ("红船精神代代传", "初心如磐"):
            e = Episode(
                column=column,
                title=title,
                target_duration_s=1800,
                director_id=director.id,
                responsible_producer_id=producer.id,
                state=State.APPROVED,
                review_round=1,
                state_entered_at=NOW - timedelta(days=1) + timedelta(minutes=len(episodes)),
                created_at=NOW - timedelta(days=9),
            )
            s.add(e)
            s.flush()
            episodes.append(e)
        package(s, episodes[0], director, Path(app.config["MEDIA_DIR"]), sheet_clip)
        builder.build(s, NOW, end=date(2026, 3, 31))
        return {"first": episodes[0].id, "second": episodes[1].id, "slot": friday.id}
