"""The feeds say an aired airing as the station's as-run log says it (播后核对)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from calendars import feeds, ledger
from editorial import people
from editorial.models import Role
from schedule import publishing
from tests.calendars.test_ledger import vevents
from tests.conftest import NOW, Crew
from tests.station.asrun_rows import AFTER_FRIDAY, asrun_week


def statuses(session: Session, crew: Crew) -> dict[str, str]:
    scheduler = people.create_person(session, NOW, username="bianpai", display_name="编排员")
    people.grant_role(session, scheduler, crew.column, Role.SCHEDULER, NOW)
    asrun_week(session, crew.column, scheduler, crew.director, crew.producer)
    publishing.mark_aired(session, AFTER_FRIDAY)
    ledger.sync(session, AFTER_FRIDAY)
    body = feeds.render(session, feeds.all_feed(), feeds.window(AFTER_FRIDAY)).body
    said = {}
    for event in vevents(body).values():
        lines = str(event["DESCRIPTION"]).splitlines()
        title = next(line for line in lines if line.startswith("节目："))
        said[title.removeprefix("节目：")] = next(
            line for line in lines if line.startswith("状态：")
        )
    return said


def test_each_aired_airing_says_what_the_as_run_log_found(session: Session, crew: Crew) -> None:
    assert statuses(session, crew) == {
        "周一节目": "状态：已播出（已确认）",
        "周二节目": "状态：迟播（晚开播 2 分 5 秒）",
        "周三节目": "状态：时长不足（少播 40 秒）",
        "周四节目": "状态：漏播",
        "周五节目": "状态：已播出（未确认）",
        "周日节目": "状态：已发布",
    }


def test_a_resync_with_the_as_run_states_changes_nothing(session: Session, crew: Crew) -> None:
    statuses(session, crew)
    assert ledger.sync(session, AFTER_FRIDAY + timedelta(minutes=1)) == 0
