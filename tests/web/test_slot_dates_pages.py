"""A slot's stop dates (停播) on the admin slots page: listed with their reasons, added by a
scheduler or administrator of the column; refused input shows the field's message, keeps what
was typed and stores nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from editorial import accounts, people
from editorial.models import Level, Role
from schedule import slots
from schedule.models import FillSwitch, KeepEmpty, Slot, SlotDate, SlotDateKind, SlotKind
from tests.web.conftest import csrf_token, sign_in
from web import admin
from web.db import unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PAGE = "/admin/columns/city/slots"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin, "_now", lambda: NOW)


@pytest.fixture
def slot_id(app: Flask) -> int:
    """A Friday premiere slot of the city column (administered by 'ma') with an extra date;
    'sc' schedules the city column and holds no other role; 'xu' administers only the county
    column, 'ls' schedules only it; 'pr' produces for the city. The county column has a
    Monday slot of its own."""
    with unit_of_work(app) as s:
        city = people.create_column(
            s, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        county = people.create_column(
            s, NOW, slug="linjiang", name="临江先锋", level=Level.COUNTY, station="县台",
            channel="综合",
        )  # fmt: skip
        for username, name, grants in (
            ("ma", "马林", [(city, Role.ADMIN)]),
            ("sc", "孙超", [(city, Role.SCHEDULER)]),
            ("xu", "徐刚", [(county, Role.ADMIN)]),
            ("ls", "陆松", [(county, Role.SCHEDULER)]),
            ("pr", "黄莉", [(city, Role.PRODUCER)]),
        ):
            p = people.create_person(s, NOW, username=username, display_name=name)
            for column, role in grants:
                people.grant_role(s, p, column, role, NOW)
            accounts.set_password(s, p, "correct-horse", NOW)
        slot = slots.create_slot(
            s,
            people.get_person(s, "ma"),
            city,
            NOW,
            slots.SlotSpec(
                name="周五首播",
                kind=SlotKind.PREMIERE,
                local_start=time(20, 0),
                duration_s=1800,
                rrule="FREQ=WEEKLY;BYDAY=FR",
                first_date=date(2026, 3, 6),
                extra_dates=(date(2026, 3, 10),),
            ),
        )
        slots.create_slot(
            s,
            people.get_person(s, "xu"),
            county,
            NOW,
            slots.SlotSpec(
                name="周一首播",
                kind=SlotKind.PREMIERE,
                local_start=time(19, 0),
                duration_s=1200,
                rrule="FREQ=WEEKLY;BYDAY=MO",
                first_date=date(2026, 3, 2),
            ),
        )
        return slot.id


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def add(client: FlaskClient, slot_id: int, data: dict[str, str], slug: str = "city") -> Any:
    return client.post(
        f"/admin/columns/{slug}/slots/{slot_id}/exceptions",
        data={"csrf_token": csrf_token(client, "/"), **data},
    )


def stop_dates(app: Flask) -> list[tuple[date, str]]:
    with unit_of_work(app) as s:
        found = s.scalars(
            select(SlotDate).where(SlotDate.kind == SlotDateKind.EXCEPTION).order_by(SlotDate.day)
        )
        return [(d.day, d.reason) for d in found]


def after(body: str, field: str) -> str:
    return body.split(f'data-field="{field}">')[1]


def test_an_admin_adds_a_stop_date_and_sees_it_listed(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "ma")
    page = client.get(PAGE).get_data(as_text=True)
    assert "2026-03-10 加播" in page and "没有停播或加播日期" not in page
    assert f"/admin/columns/city/slots/{slot_id}/exceptions" in page
    response = add(client, slot_id, {"day": "2026-03-13", "reason": "重大活动直播"})
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert stop_dates(app) == [(date(2026, 3, 13), "重大活动直播")]
    body = client.get(PAGE).get_data(as_text=True)
    assert "2026-03-13 停播：重大活动直播" in body
    assert "排播将在下次自动重排时更新" in body
    assert "2026-03-13 周五" not in body  # no longer among the next occurrences


def test_a_scheduler_of_the_column_adds_a_stop_date(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "sc")
    assert "添加停播日期" in client.get(PAGE).get_data(as_text=True)
    assert add(client, slot_id, {"day": "2026-10-02", "reason": "国庆直播"}).status_code == 302
    assert stop_dates(app) == [(date(2026, 10, 2), "国庆直播")]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"day": "", "reason": "国庆直播"}, "day", "请填写日期"),
        ({"day": "2026/10/02", "reason": "国庆直播"}, "day", "日期格式应为"),
        ({"day": "2026-02-30", "reason": "国庆直播"}, "day", "日期 2026-02-30 不存在"),
        ({"day": "2026-10-02", "reason": ""}, "reason", "必填"),
        ({"day": "2026-10-02", "reason": "长" * 201}, "reason", "最多 200 个字符"),
    ],
)
def test_a_refused_stop_date_shows_the_fields_message_and_stores_nothing(
    app: Flask, slot_id: int, fields: dict[str, str], field: str, message: str
) -> None:
    response = add(signed_in(app, "ma"), slot_id, fields)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "停播日期没有添加" in body and message in after(body, field)
    for name, value in fields.items():
        if value:
            assert f'name="{name}" value="{value}"' in body  # what was typed is kept
    assert stop_dates(app) == []


def test_a_duplicate_stop_date_is_refused(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "ma")
    assert add(client, slot_id, {"day": "2026-03-13", "reason": "直播"}).status_code == 302
    again = add(client, slot_id, {"day": "2026-03-13", "reason": "又一次"})
    assert again.status_code == 422
    body = again.get_data(as_text=True)
    assert "2026-03-13 已经是停播日期" in after(body, "day") and 'value="又一次"' in body
    assert stop_dates(app) == [(date(2026, 3, 13), "直播")]


def test_only_a_scheduler_or_admin_of_the_column_adds_stop_dates(app: Flask, slot_id: int) -> None:
    outsider = signed_in(app, "xu")  # admin of another column
    assert "添加停播日期" not in outsider.get(PAGE).get_data(as_text=True)
    data = {"day": "2026-03-13", "reason": "直播"}
    assert add(outsider, slot_id, data).status_code == 403
    assert add(signed_in(app, "pr"), slot_id, data).status_code == 403
    assert stop_dates(app) == []


def test_a_slot_of_another_column_is_not_found(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "sc")
    data = {"day": "2026-03-13", "reason": "直播"}
    assert add(client, slot_id, data, slug="linjiang").status_code == 404
    assert add(client, slot_id + 99, data).status_code == 404
    with unit_of_work(app) as s:
        assert s.scalar(select(func.count()).select_from(SlotDate)) == 1  # the extra date


# --- a scheduler who administers nothing ----------------------------------------------------------

SLOT_FORM = {
    "name": "周日重播",
    "kind": "premiere",
    "local_start": "10:00",
    "duration": "30",
    "rrule": "FREQ=WEEKLY;BYDAY=SU",
    "first_date": "2026-03-08",
    "rerun_back": "1",
}


def county_slot_id(app: Flask) -> int:
    with unit_of_work(app) as s:
        found: int = s.scalars(select(Slot.id).where(Slot.name == "周一首播")).one()
        return found


def test_a_plain_scheduler_creates_a_slot_and_adds_a_stop_date_in_their_column(
    app: Flask, slot_id: int
) -> None:
    client = signed_in(app, "sc")
    page = client.get(PAGE).get_data(as_text=True)
    assert "新建时段" in page and "添加停播日期" in page
    assert "/admin/people" not in page  # no tab to the pages only administrators open
    created = client.post(
        PAGE, data={"csrf_token": csrf_token(client, PAGE), **SLOT_FORM, "action": "create"}
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    assert "周日重播" in client.get(PAGE).get_data(as_text=True)
    assert add(client, slot_id, {"day": "2026-03-20", "reason": "两会直播"}).status_code == 302
    assert stop_dates(app) == [(date(2026, 3, 20), "两会直播")]
    with unit_of_work(app) as s:
        assert s.scalars(select(Slot.name).where(Slot.column.has(slug="city"))).all() == [
            "周五首播",
            "周日重播",
        ]


def test_the_menu_leads_a_plain_scheduler_to_their_columns_slots(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "sc")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/admin/slots"' in home and 'href="/admin/"' not in home
    assert client.get("/admin/slots").headers["Location"] == PAGE
    for path in ("/admin/", "/admin/people", "/admin/service"):
        assert client.get(path).status_code == 403, path


def test_a_plain_scheduler_is_refused_another_columns_slots_and_nothing_changes(
    app: Flask, slot_id: int
) -> None:
    client = signed_in(app, "sc")
    other = "/admin/columns/linjiang/slots"
    assert client.get(other).status_code == 403
    assert client.get(other + "/preview", query_string=SLOT_FORM).status_code == 403
    token = csrf_token(client, PAGE)
    refused = client.post(other, data={"csrf_token": token, **SLOT_FORM, "action": "create"})
    assert refused.status_code == 403
    data = {"day": "2026-03-09", "reason": "直播"}
    assert add(client, county_slot_id(app), data, slug="linjiang").status_code == 403
    with unit_of_work(app) as s:
        assert s.scalar(select(func.count()).select_from(Slot)) == 2
        assert s.scalar(select(func.count()).select_from(SlotDate)) == 1  # the extra date
    assert stop_dates(app) == []


def test_a_county_scheduler_manages_the_county_slots_only(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "ls")
    assert client.get("/admin/columns/linjiang/slots").status_code == 200
    assert client.get(PAGE).status_code == 403
    data = {"day": "2026-03-09", "reason": "直播"}
    assert add(client, county_slot_id(app), data, slug="linjiang").status_code == 302
    assert add(client, slot_id, data).status_code == 403
    assert stop_dates(app) == [(date(2026, 3, 9), "直播")]


def remove(client: FlaskClient, slot_id: int, data: dict[str, str]) -> Any:
    return client.post(
        f"/admin/columns/city/slots/{slot_id}/exceptions/remove",
        data={"csrf_token": csrf_token(client, "/"), **data},
    )


def records(app: Flask) -> list[tuple[date, str, str]]:
    with unit_of_work(app) as s:
        found = s.scalars(
            select(SlotDate).where(SlotDate.kind == SlotDateKind.EXCEPTION).order_by(SlotDate.id)
        )
        return [(d.day, d.reason, d.removal_reason) for d in found]


def test_a_stop_date_on_a_day_the_slot_does_not_air_is_refused_on_the_page(
    app: Flask, slot_id: int
) -> None:
    response = add(signed_in(app, "sc"), slot_id, {"day": "2026-03-12", "reason": "直播"})
    assert response.status_code == 422
    assert "“周五首播”在 2026-03-12 不播出" in after(response.get_data(as_text=True), "day")
    assert stop_dates(app) == []


def test_a_scheduler_removes_a_stop_date_with_a_reason_and_the_page_keeps_the_record(
    app: Flask, slot_id: int
) -> None:
    client = signed_in(app, "sc")
    assert add(client, slot_id, {"day": "2026-03-13", "reason": "重大活动直播"}).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "（孙超 于 2026-03-02 09:00 添加）" in page and "撤销停播" in page
    response = remove(client, slot_id, {"day": "2026-03-13", "reason": "活动改期"})
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert records(app) == [(date(2026, 3, 13), "重大活动直播", "活动改期")]
    body = client.get(PAGE).get_data(as_text=True)
    assert "已撤销（孙超，2026-03-02 09:00）：活动改期" in body
    assert "2026-03-13 周五 20:00" in body  # among the next occurrences again


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"day": "2026-03-13", "reason": ""}, 422, "必填"),
        ({"day": "2026-03-13", "reason": "\u200b"}, 422, "请写明撤销停播的原因"),
        ({"day": "2026-03-20", "reason": "改期"}, 422, "“周五首播”在 2026-03-20 没有停播日期"),
        ({"day": "2026-13-01", "reason": "改期"}, 422, "日期"),
    ],
)
def test_a_refused_removal_says_why_and_keeps_the_stop_date(
    app: Flask, slot_id: int, data: dict[str, str], status: int, message: str
) -> None:
    client = signed_in(app, "sc")
    add(client, slot_id, {"day": "2026-03-13", "reason": "重大活动直播"})
    response = remove(client, slot_id, data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True).split('id="unstop-')[1]
    assert records(app) == [(date(2026, 3, 13), "重大活动直播", "")]


def test_a_stop_date_removed_already_is_a_conflict_naming_who_removed_it(
    app: Flask, slot_id: int
) -> None:
    client = signed_in(app, "sc")
    add(client, slot_id, {"day": "2026-03-13", "reason": "重大活动直播"})
    assert remove(client, slot_id, {"day": "2026-03-13", "reason": "改期"}).status_code == 302
    again = remove(signed_in(app, "ma"), slot_id, {"day": "2026-03-13", "reason": "再撤"})
    assert again.status_code == 409
    assert "2026-03-13 的停播日期已由孙超于 2026-03-02 09:00 撤销" in again.get_data(as_text=True)
    assert records(app) == [(date(2026, 3, 13), "重大活动直播", "改期")]


def test_only_a_scheduler_or_admin_of_the_column_removes_stop_dates(
    app: Flask, slot_id: int
) -> None:
    add(signed_in(app, "sc"), slot_id, {"day": "2026-03-13", "reason": "直播"})
    assert "撤销停播" not in signed_in(app, "xu").get(PAGE).get_data(as_text=True)
    data = {"day": "2026-03-13", "reason": "改期"}
    assert remove(signed_in(app, "xu"), slot_id, data).status_code == 403
    assert remove(signed_in(app, "pr"), slot_id, data).status_code == 403
    assert remove(signed_in(app, "sc"), slot_id + 99, data).status_code == 404
    assert records(app) == [(date(2026, 3, 13), "直播", "")]


# --- the rerun fill (补播): switched per column, one occurrence kept empty ----------------------


def switch(client: FlaskClient, value: str, slug: str = "city") -> Any:
    return client.post(
        f"/admin/columns/{slug}/fill", data={"csrf_token": csrf_token(client, "/"), "fill": value}
    )


def keep(client: FlaskClient, slot_id: int, day: str, remove: bool = False) -> Any:
    tail = "/remove" if remove else ""
    return client.post(
        f"/admin/columns/city/slots/{slot_id}/keep-empty{tail}",
        data={"csrf_token": csrf_token(client, "/"), "day": day},
    )


def kept(app: Flask) -> list[tuple[date, str, bool]]:
    with unit_of_work(app) as s:
        return [
            (m.day, m.created_by.username, m.removed_at is not None)
            for m in s.scalars(select(KeepEmpty).order_by(KeepEmpty.id))
        ]


def test_a_scheduler_switches_the_fill_off_and_the_page_says_who(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "sc")
    page = client.get(PAGE).get_data(as_text=True)
    assert "已开启：" in page and "关闭补播" in page
    response = switch(client, "off")
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    page = client.get(PAGE).get_data(as_text=True)
    assert "已关闭：首播空档保持空档" in page and "孙超 于 2026-03-02 09:00 切换" in page
    again = switch(client, "off")
    assert again.status_code == 409
    assert "《时代风采》的补播已经关闭。" in again.get_data(as_text=True)
    with unit_of_work(app) as s:
        assert s.scalar(select(func.count()).select_from(FillSwitch)) == 1


def test_only_the_columns_schedulers_switch_its_fill(app: Flask, slot_id: int) -> None:
    assert switch(signed_in(app, "ls"), "off").status_code == 403  # schedules another column
    assert switch(signed_in(app, "pr"), "off").status_code == 403
    with unit_of_work(app) as s:
        assert s.scalar(select(func.count()).select_from(FillSwitch)) == 0


def test_a_scheduler_keeps_an_occurrence_empty_and_unmarks_it(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "sc")
    assert "标为留空" in client.get(PAGE).get_data(as_text=True)
    assert keep(client, slot_id, "2026-03-13").status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "2026-03-13 留空" in page and "孙超 于 2026-03-02 09:00 标记" in page
    assert keep(client, slot_id, "2026-03-13", remove=True).status_code == 302
    assert kept(app) == [(date(2026, 3, 13), "sc", True)]
    assert "<del>2026-03-13 留空</del>" in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize(
    ("day", "status", "message"),
    [
        ("2026-03-12", 422, "“周五首播”在 2026-03-12 不播出，不能标为留空。"),
        ("2026/03/13", 422, "日期格式应为"),
        ("", 422, "请填写日期"),
    ],
)
def test_a_refused_keep_empty_mark_says_why_and_stores_nothing(
    app: Flask, slot_id: int, day: str, status: int, message: str
) -> None:
    response = keep(signed_in(app, "sc"), slot_id, day)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert kept(app) == []


def test_marking_twice_is_refused_naming_who_marked(app: Flask, slot_id: int) -> None:
    client = signed_in(app, "sc")
    keep(client, slot_id, "2026-03-13")
    again = keep(signed_in(app, "ma"), slot_id, "2026-03-13")
    assert again.status_code == 409
    assert "“周五首播”在 2026-03-13 已由孙超标为留空。" in again.get_data(as_text=True)
    assert kept(app) == [(date(2026, 3, 13), "sc", False)]


def test_another_columns_slot_cannot_be_kept_empty(app: Flask, slot_id: int) -> None:
    outsider = signed_in(app, "ls")
    assert keep(outsider, slot_id, "2026-03-13").status_code == 403
    assert keep(signed_in(app, "sc"), slot_id + 1, "2026-03-16").status_code == 404
    assert kept(app) == []
