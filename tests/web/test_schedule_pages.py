"""Schedule pages: the week and month grids, an airing's page with the schedulers'
acts, the report; who sees what, bad input, and the grid's statement count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, insert, select

from calendars.models import ExternalAiring, FeedSource
from editorial import accounts, people
from editorial.models import Column, Episode, Level, Person, PriorityTag, Role, State
from liaison.models import Priority, Quarter, Target
from schedule import builder, slots
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.web.conftest import csrf_token, sign_in
from web import schedule_views
from web.db import session_factory, unit_of_work

STATIC = Path(schedule_views.__file__).parent / "static"

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
FIRST_FRIDAY = date(2026, 3, 6)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schedule_views, "_now", lambda: NOW)


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the application runs from here on."""
    seen: list[str] = []
    engine = session_factory(app).kw["bind"]

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def person(s: Any, username: str, name: str, grants: list[tuple[Column, Role]]) -> Person:
    p = people.create_person(s, NOW, username=username, display_name=name)
    for column, role in grants:
        people.grant_role(s, p, column, role, NOW)
    accounts.set_password(s, p, "correct-horse", NOW)
    return p


def episode(
    s: Any,
    column: Column,
    title: str,
    director: Person,
    producer: Person | None = None,
    **fields: Any,
) -> Episode:
    """An episode; its responsible producer is ``producer``, by default the scheduler ``bp``."""
    e = Episode(
        column=column,
        title=title,
        target_duration_s=fields.pop("duration", 1800),
        director_id=director.id,
        responsible_producer_id=(producer or people.get_person(s, "bp")).id,
        state=fields.pop("state", State.APPROVED),
        review_round=1,
        state_entered_at=NOW - timedelta(days=1),
        created_at=NOW - timedelta(days=9),
        **fields,
    )
    s.add(e)
    s.flush()
    return e


@pytest.fixture
def desk(app: Flask) -> dict[str, int]:
    """The city column with a Friday premiere and a Sunday rerun, a two-part series and
    a standalone episode, built; a county column; people in each; one outsider."""
    with app.app_context(), unit_of_work(app) as s:
        city = people.create_column(
            s, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        county = people.create_column(
            s,
            NOW,
            slug="linjiang",
            name="临江先锋",
            level=Level.COUNTY,
            station="县台",
            channel="综合",
        )
        other = people.create_column(
            s,
            NOW,
            slug="qingshan",
            name="青山党建",
            level=Level.COUNTY,
            station="青台",
            channel="综合",
        )
        scheduler = person(s, "bp", "何静", [(city, Role.SCHEDULER)])
        director = person(s, "ed", "王芳", [(city, Role.EDITOR_DIRECTOR)])
        person(s, "xu", "徐刚", [(county, Role.SCHEDULER)])
        person(s, "out", "局外人", [(other, Role.EDITOR_DIRECTOR)])
        friday = slots.create_slot(
            s,
            scheduler,
            city,
            NOW,
            slots.SlotSpec(
                name="周五首播",
                kind=SlotKind.PREMIERE,
                local_start=time(20, 0),
                duration_s=1800,
                rrule="FREQ=WEEKLY;BYDAY=FR",
                first_date=FIRST_FRIDAY,
            ),
        )
        slots.create_slot(
            s,
            scheduler,
            city,
            NOW,
            slots.SlotSpec(
                name="周日重播",
                kind=SlotKind.RERUN,
                local_start=time(10, 0),
                duration_s=1800,
                rrule="FREQ=WEEKLY;BYDAY=SU",
                first_date=FIRST_FRIDAY,
                rerun_of=friday,
            ),
        )
        series = people.create_series(
            s, city, NOW, title="先锋工程连续报道", parts=2, start_by=date(2026, 3, 20)
        )
        episode(s, city, "红船精神代代传", director)
        episode(s, city, "先锋工程（上）", director, series_id=series.id, part_number=1)
        episode(s, city, "先锋工程（下）", director, series_id=series.id, part_number=2)
        episode(s, city, "超长特别节目", director, duration=5400, air_by=date(2026, 3, 5))
        builder.build(s, NOW, end=date(2026, 3, 31))
        return {"city": city.id, "county": county.id, "series": series.id}


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def airings_of(app: Flask, title: str) -> list[Airing]:
    with unit_of_work(app) as s:
        rows = list(
            s.scalars(
                select(Airing)
                .join(Episode, Episode.id == Airing.episode_id)
                .where(Episode.title == title)
                .order_by(Airing.starts_at)
            )
        )
        s.expunge_all()
        return rows


def premiere_of(app: Flask, title: str) -> Airing:
    found = [a for a in airings_of(app, title) if a.kind is SlotKind.PREMIERE]
    assert found, f"{title} has no premiere"
    return found[0]


# --- the grids ------------------------------------------------------------------------------------


def test_the_week_grid_shows_premieres_reruns_and_drafts_in_local_time(
    app: Flask, desk: dict[str, int]
) -> None:
    body = page(signed_in(app, "ed"), "/schedule/week?start=2026-03-02")
    assert "2026-03-02 至 2026-03-08" in body
    friday = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    with unit_of_work(app) as s:
        first = s.scalar(select(Airing).where(Airing.starts_at == friday))
        assert first is not None
        title = first.episode.title
    assert re.search(r"20:00</span>.*?" + re.escape(title), body, re.S)
    assert "10:00" in body  # the Sunday rerun
    assert "首播" in body and "重播" in body and "草稿" in body
    assert 'class="airing premiere draft' in body and 'class="airing rerun draft' in body


def test_series_parts_carry_their_series_colour_and_part_number(
    app: Flask, desk: dict[str, int]
) -> None:
    body = page(signed_in(app, "ed"), "/schedule/month?month=2026-03")
    colour = schedule_views.series_colour(desk["series"])
    assert len(re.findall(rf'class="[^"]*\b{colour}\b', body)) >= 3  # two parts, the legend
    assert f".{colour}{{--series:hsl(" in (STATIC / "app.css").read_text()
    assert "第1/2集" in body and "第2/2集" in body and "先锋工程连续报道" in body
    assert schedule_views.series_colour(1) != schedule_views.series_colour(2)


def test_published_aired_exchange_and_pinned_airings_say_so(
    app: Flask, desk: dict[str, int]
) -> None:
    with unit_of_work(app) as s:
        airing = s.scalar(
            select(Airing).where(Airing.starts_at == datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
        )
        assert airing is not None
        airing.status, airing.exchange, airing.pinned = AiringStatus.PUBLISHED, True, True
        rerun = s.scalar(select(Airing).where(Airing.premiere_id == airing.id))
        assert rerun is not None
        rerun.status = AiringStatus.AIRED
    body = page(signed_in(app, "ed"), "/schedule/week?start=2026-03-02")
    assert 'class="airing premiere published' in body and "已发布" in body
    assert 'class="airing rerun aired' in body and "已播出" in body
    assert "交流" in body and "固定" in body


def test_imported_county_airings_show_marked_external_to_that_columns_people(
    app: Flask, desk: dict[str, int]
) -> None:
    with unit_of_work(app) as s:
        source = FeedSource(
            column_id=desk["county"], name="临江县台播出系统", location="/tmp/x.ics", created_at=NOW
        )
        s.add(source)
        s.flush()
        s.add(
            ExternalAiring(
                source_id=source.id,
                identity="uid-1",
                source_uid="uid-1",
                starts_at=datetime(2026, 3, 4, 11, 30, tzinfo=UTC),
                ends_at=datetime(2026, 3, 4, 12, 0, tzinfo=UTC),
                summary="临江先锋：村里的党员",
                imported_at=NOW,
            )
        )
    county = page(signed_in(app, "xu"), "/schedule/week?start=2026-03-02")
    assert "临江先锋：村里的党员" in county and "外部" in county and "19:30" in county
    city = page(signed_in(app, "ed"), "/schedule/week?start=2026-03-02")
    assert "临江先锋：村里的党员" not in city


def test_a_person_sees_only_the_schedule_of_their_own_columns(
    app: Flask, desk: dict[str, int]
) -> None:
    outsider = signed_in(app, "out")
    assert "红船精神代代传" not in page(outsider, "/schedule/month?month=2026-03")
    assert "红船精神代代传" not in page(outsider, "/schedule/report")
    page(outsider, "/schedule/week?column=city", 403)
    page(outsider, f"/schedule/airings/{premiere_of(app, '红船精神代代传').id}", 403)
    page(outsider, "/schedule/week?column=nowhere", 404)
    assert app.test_client().get("/schedule/week").status_code == 302  # signed out


def test_one_column_grid_and_the_default_week_and_month(app: Flask, desk: dict[str, int]) -> None:
    client = signed_in(app, "bp")
    assert "《时代风采》" in page(client, "/schedule/week?column=city&start=2026-03-02")
    assert "2026-03-02 至 2026-03-08" in page(client, "/schedule/week")  # NOW's week
    assert "2026年3月" in page(client, "/schedule/month")
    assert client.get("/schedule/").status_code == 302


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/schedule/week?start=2026-02-30", "日期 2026-02-30 不存在"),
        ("/schedule/week?start=2026-3-1", "格式不对"),
        ("/schedule/week?start=2026-03-09&end=2026-03-02", "结束日期 2026-03-02 早于开始日期"),
        ("/schedule/week?start=2026-01-01&end=2026-06-30", "一次最多显示 42 天"),
        ("/schedule/month?month=2026-13", "月份 2026-13 不存在"),
        ("/schedule/month?month=march", "格式不对"),
        ("/schedule/week?start=9999-12-31", "只能查看"),
    ],
)
def test_bad_dates_and_backward_ranges_get_a_clear_message(
    app: Flask, desk: dict[str, int], path: str, message: str
) -> None:
    body = page(signed_in(app, "ed"), path, 422)
    assert message in body and "Traceback" not in body


@pytest.mark.parametrize(
    ("start", "month"),
    [
        ("2026-11-30", "2026-12"),  # Monday in November, Thursday in December
        ("2026-12-28", "2026-12"),  # Thursday the 31st
        ("2027-03-29", "2027-04"),  # Thursday the 1st
        ("2026-03-02", "2026-03"),
    ],
)
def test_the_whole_month_link_opens_the_month_most_of_the_week_is_in(
    app: Flask, desk: dict[str, int], start: str, month: str
) -> None:
    body = page(signed_in(app, "ed"), f"/schedule/week?start={start}")
    assert f"/schedule/month?month={month}" in body


def test_a_custom_range_of_days_is_shown_whole(app: Flask, desk: dict[str, int]) -> None:
    body = page(signed_in(app, "ed"), "/schedule/week?start=2026-03-02&end=2026-03-22")
    assert "2026-03-02 至 2026-03-22" in body
    assert body.count('<th scope="col" class="day-head') == 21  # the city's one channel


def test_the_all_columns_month_grid_runs_a_bounded_number_of_statements(
    app: Flask, statements: list[str]
) -> None:
    with unit_of_work(app) as s:
        columns = [
            people.create_column(
                s, NOW, slug=f"c{i}", name=f"栏目{i}", level=Level.COUNTY, station=f"台{i}",
                channel="综合",
            )
            for i in range(10)
        ]  # fmt: skip
        viewer = person(s, "all", "全看", [(c, Role.SCHEDULER) for c in columns])
        maker = person(s, "maker", "制片", [])
        series = people.create_series(
            s, columns[0], NOW, title="系列", parts=5, start_by=NOW.date()
        )
        rows = []
        for c in columns:
            slot = slots.create_slot(
                s,
                viewer,
                c,
                NOW,
                slots.SlotSpec(
                    name="每日首播",
                    kind=SlotKind.PREMIERE,
                    local_start=time(19, 30),
                    duration_s=1200,
                    rrule="FREQ=DAILY",
                    first_date=date(2026, 3, 1),
                ),
            )
            source = FeedSource(column_id=c.id, name="县台", location=f"/f{c.id}", created_at=NOW)
            s.add(source)
            s.flush()
            for day in range(31):
                starts = datetime(2026, 3, 1, 11, 30, tzinfo=UTC) + timedelta(days=day)
                part = day % 5 + 1 if c is columns[0] and day < 5 else None
                e = episode(
                    s, c, f"{c.name}第{day + 1}期", viewer, maker,
                    series_id=series.id if part else None, part_number=part,
                )  # fmt: skip
                rows.append(
                    {
                        "slot_id": slot.id,
                        "episode_id": e.id,
                        "kind": SlotKind.PREMIERE,
                        "starts_at": starts,
                        "ends_at": starts + timedelta(minutes=20),
                        "status": AiringStatus.PUBLISHED if day < 10 else AiringStatus.DRAFT,
                        "pinned": False,
                        "exchange": False,
                        "reason": "",
                        "revision": 0,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
                s.add(
                    ExternalAiring(
                        source_id=source.id,
                        identity=f"x{c.id}-{day}",
                        source_uid=None,
                        starts_at=starts + timedelta(hours=2),
                        ends_at=starts + timedelta(hours=2, minutes=30),
                        summary=f"外部节目{day}",
                        imported_at=NOW,
                    )
                )
        s.execute(insert(Airing), rows)
        total = s.scalar(select(func.count()).select_from(Airing))
        assert total == 310
    client = signed_in(app, "all")
    statements.clear()
    body = page(client, "/schedule/month?month=2026-03")
    assert "共 620 次播出" in body  # 310 of ours and 310 imported
    assert body.count('class="airing premiere') == 310 and body.count("外部节目") == 310
    assert len(statements) <= 10, statements


# --- one airing and the schedulers' acts ----------------------------------------------------------


def post(client: FlaskClient, path: str, data: dict[str, str], page_path: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, page_path), **data})


def test_a_scheduler_sees_the_acts_and_others_only_the_airing(
    app: Flask, desk: dict[str, int]
) -> None:
    airing = premiere_of(app, "红船精神代代传")
    path = f"/schedule/airings/{airing.id}"
    mine = page(signed_in(app, "bp"), path)
    assert "编排操作" in mine and "撤下" in mine and "周五首播" in mine
    theirs = page(signed_in(app, "ed"), path)
    assert "红船精神代代传" in theirs and "编排操作" not in theirs
    director = signed_in(app, "ed")
    refused = post(director, f"{path}/pin", {}, path)
    assert refused.status_code == 403
    assert not premiere_of(app, "红船精神代代传").pinned


def test_pin_and_unpin_an_airing(app: Flask, desk: dict[str, int]) -> None:
    airing = premiere_of(app, "红船精神代代传")
    path = f"/schedule/airings/{airing.id}"
    client = signed_in(app, "bp")
    response = post(client, f"{path}/pin", {}, path)
    assert response.status_code == 302 and response.headers["Location"] == path
    assert premiere_of(app, "红船精神代代传").pinned
    assert "已固定" in page(client, path)
    again = post(client, f"{path}/pin", {}, path)
    assert again.status_code == 422 and "这次播出已经固定" in again.get_data(as_text=True)
    assert post(client, f"{path}/unpin", {}, path).status_code == 302
    assert not premiere_of(app, "红船精神代代传").pinned


def test_an_act_without_its_csrf_token_is_refused(app: Flask, desk: dict[str, int]) -> None:
    airing = premiere_of(app, "红船精神代代传")
    client = signed_in(app, "bp")
    assert client.post(f"/schedule/airings/{airing.id}/pin").status_code == 400
    assert not premiere_of(app, "红船精神代代传").pinned


def test_pulling_needs_a_reason_and_takes_the_reruns_along(
    app: Flask, desk: dict[str, int]
) -> None:
    airing = premiere_of(app, "红船精神代代传")
    path = f"/schedule/airings/{airing.id}"
    client = signed_in(app, "bp")
    refused = post(client, f"{path}/pull", {"reason": "  "}, path)
    assert refused.status_code == 422 and "撤下播出须填写原因" in refused.get_data(as_text=True)
    invisible = post(client, f"{path}/pull", {"reason": "\u3000\u200b"}, path)
    assert invisible.status_code == 422 and "撤下播出须填写原因" in invisible.get_data(as_text=True)
    assert all(a.status is AiringStatus.DRAFT for a in airings_of(app, "红船精神代代传"))
    too_long = post(client, f"{path}/pull", {"reason": "长" * 501}, path)
    assert too_long.status_code == 422 and "原因最多 500 字" in too_long.get_data(as_text=True)
    assert post(client, f"{path}/pull", {"reason": "配合重大活动直播"}, path).status_code == 302
    pulled = airings_of(app, "红船精神代代传")
    assert pulled and all(a.status is AiringStatus.CANCELLED for a in pulled)
    assert "配合重大活动直播" in pulled[0].reason
    week = page(client, "/schedule/week?start=2026-03-02")
    assert "红船精神代代传" not in week
    assert "已撤下" in page(client, "/schedule/week?start=2026-03-02&cancelled=1")


def test_moving_offers_the_slots_free_occurrences_and_pins_the_episode_there(
    app: Flask, desk: dict[str, int]
) -> None:
    airing = premiere_of(app, "红船精神代代传")
    path = f"/schedule/airings/{airing.id}"
    client = signed_in(app, "bp")
    body = page(client, path)
    offered = re.findall(r'<option value="([^"]+)">', body)
    series = [a for t in ("先锋工程（上）", "先锋工程（下）") for a in airings_of(app, t)]
    taken = {a.starts_at.isoformat() for a in series}
    assert len(offered) == schedule_views.FREE_SHOWN and not taken & set(offered)
    chosen = offered[0]
    response = post(client, f"{path}/move", {"at": chosen}, path)
    assert response.status_code == 302, response.get_data(as_text=True)
    moved = premiere_of(app, "红船精神代代传")
    assert moved.starts_at == datetime.fromisoformat(chosen) and moved.pinned
    assert "已改期" in page(client, response.headers["Location"])


def test_moving_to_a_time_that_is_no_occurrence_is_refused_and_changes_nothing(
    app: Flask, desk: dict[str, int]
) -> None:
    airing = premiere_of(app, "红船精神代代传")
    path = f"/schedule/airings/{airing.id}"
    client = signed_in(app, "bp")
    for at, message in (
        ("2026-03-18T12:00:00+00:00", "2026-03-18 20:00 不是时段“"),
        ("2026-03-18", "请选择一个新的播出时间"),
        ("", "请选择一个新的播出时间"),
    ):
        response = post(client, f"{path}/move", {"at": at}, path)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert premiere_of(app, "红船精神代代传").starts_at == airing.starts_at


def test_a_pinned_airing_must_be_unpinned_before_it_moves(app: Flask, desk: dict[str, int]) -> None:
    airing = premiere_of(app, "红船精神代代传")
    path = f"/schedule/airings/{airing.id}"
    client = signed_in(app, "bp")
    post(client, f"{path}/pin", {}, path)
    body = page(client, path)
    assert "先取消固定才能改期" in body and 'name="at"' not in body


def test_an_unknown_airing_is_a_plain_404(app: Flask, desk: dict[str, int]) -> None:
    body = page(signed_in(app, "bp"), "/schedule/airings/99999", 404)
    assert "Traceback" not in body


# --- the report -----------------------------------------------------------------------------------


def test_the_report_lists_unscheduled_and_at_risk_episodes_with_reasons(
    app: Flask, desk: dict[str, int]
) -> None:
    body = page(signed_in(app, "bp"), "/schedule/report")
    assert "未编排的可播节目" in body and "超长特别节目" in body
    assert "比所有首播时段都长" in body and "超过本栏目最长的首播时段" in body
    # Due on 5 March and longer than every slot: at risk, for the reason the build gave.
    at_risk = body.split("可能误期", 1)[1].split("<h2", 1)[0]
    assert "超长特别节目" in at_risk and "超过本栏目最长的首播时段" in at_risk
    assert "最近一次编排" in body
    assert "超长特别节目" not in page(signed_in(app, "xu"), "/schedule/report")


def test_the_report_shows_each_priority_coverage_per_column_as_the_cli_does(
    app: Flask, desk: dict[str, int]
) -> None:
    """A March priority with a target of 3 for the city and 1 for the county; the city has
    one tagged premiere in the window: 1 / 3, short; the county 0 / 1."""
    assert premiere_of(app, "红船精神代代传").starts_at.month == 3
    with app.app_context(), unit_of_work(app) as s:
        liaison = people.get_person(s, "bp").id
        quarter = Quarter(year=2026, number=1, created_by_id=liaison, created_at=NOW)
        s.add(quarter)
        s.flush()
        priority = Priority(
            quarter_id=quarter.id,
            theme="红色基因传承",
            tag="红色基因",
            window_start=date(2026, 3, 1),
            window_end=date(2026, 3, 31),
            weight=2,
            updated_by_id=liaison,
            updated_at=NOW,
        )
        s.add(priority)
        s.flush()
        s.add(Target(priority_id=priority.id, column_id=desk["city"], episodes=3))
        s.add(Target(priority_id=priority.id, column_id=desk["county"], episodes=1))
        red = s.scalars(select(Episode).where(Episode.title == "红船精神代代传")).one()
        s.add(PriorityTag(episode_id=red.id, tag="红色基因"))
    body = page(signed_in(app, "bp"), "/schedule/report")
    coverage = body.split('id="coverage"')[1]
    assert "报道重点覆盖" in body and "红色基因传承" in coverage
    assert "窗口 2026-03-01 至 2026-03-31，权重 2" in coverage
    city_row = coverage.split("<td>时代风采</td>")[1].split("</tr>")[0]
    assert "<td>1 / 3</td>" in city_row and "不足" in city_row
    assert "临江先锋" not in coverage  # not a column of the city's scheduler
    county = page(signed_in(app, "xu"), "/schedule/report").split('id="coverage"')[1]
    assert "<td>临江先锋</td><td>0 / 1</td>" in county and "时代风采" not in county
    english = signed_in(app, "bp")
    english.get("/lang/en")
    said = page(english, "/schedule/report").split('id="coverage"')[1]
    assert "Coverage of the reporting priorities" in said and "Short" in said
    assert "Window 2026-03-01 to 2026-03-31, weight 2" in said


def test_the_report_lists_an_airing_cancelled_by_a_pull_with_what_could_replace_it(
    app: Flask, desk: dict[str, int]
) -> None:
    with unit_of_work(app) as s:
        first = s.scalars(
            select(Airing)
            .where(Airing.kind == SlotKind.PREMIERE)
            .order_by(Airing.starts_at)
            .limit(1)
        ).one()
        first.status, first.published_at = AiringStatus.PUBLISHED, NOW
        title = first.episode.title
        first.episode.state = State.PULLED
        s.flush()
        builder.build(s, NOW, end=date(2026, 3, 31))
    body = page(signed_in(app, "bp"), "/schedule/report")
    section = body.split('id="cancelled"')[1]
    assert "已取消的播出" in body and title in section
    assert "2026-03-06 20:00" in section and "节目状态为“已撤播”，已取消" in section
    assert "已有节目" in section or "补播" in section or "没有时长相符" in section
    english = signed_in(app, "bp")
    english.get("/lang/en")
    section = page(english, "/schedule/report").split('id="cancelled"')[1]
    assert "Cancelled airings" in section and "“Pulled from air”" in section


def test_a_fill_is_marked_on_the_grid_the_airing_page_and_the_report(
    app: Flask, desk: dict[str, int]
) -> None:
    with unit_of_work(app) as s:
        for a in s.scalars(select(Airing)):  # leave the first Friday empty...
            s.delete(a)
        s.flush()
        for e in s.scalars(select(Episode)):
            e.state = State.PULLED
        s.flush()
        aired = s.scalars(select(Episode).where(Episode.title == "红船精神代代传")).one()
        aired.state = State.APPROVED
        before = datetime(2026, 2, 27, 12, 0, tzinfo=UTC)  # ...and one episode aired before
        slot_id = s.scalars(select(Slot.id).where(Slot.kind == SlotKind.PREMIERE)).one()
        s.add(
            Airing(
                slot_id=slot_id,
                episode=aired,
                kind=SlotKind.PREMIERE,
                starts_at=before,
                ends_at=before + timedelta(minutes=30),
                status=AiringStatus.AIRED,
                published_at=before,
                created_at=before,
                updated_at=before,
            )
        )
        s.flush()
        builder.build(s, NOW, end=date(2026, 3, 31))
    (filled,) = [a for a in airings_of(app, "红船精神代代传") if a.fill]
    client = signed_in(app, "bp")
    week = page(client, "/schedule/week?start=2026-03-02")
    assert f'class="airing rerun fill draft" href="/schedule/airings/{filled.id}"' in week
    assert '<span class="badge b-fill"' in week
    shown = page(client, f"/schedule/airings/{filled.id}")
    assert '<span class="badge b-fill">补播</span>' in shown
    assert "补播由编排自动安排在空档" in shown
    section = page(client, "/schedule/report").split('id="fills"')[1]
    assert "2026-03-06 20:00" in section and "红船精神代代传" in section
    assert "2026-02-27 20:00" in section  # its premiere
    english = signed_in(app, "bp")
    english.get("/lang/en")
    assert "Fill-in rerun" in page(english, "/schedule/week?start=2026-03-02")
