"""Administration: only admins come in; columns, slots with a preview of their next
occurrences, people and roles; refused input shows the field's message and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from editorial import accounts, people, workflow
from editorial.models import (
    Channel,
    Column,
    Delivery,
    DeliveryState,
    Episode,
    Level,
    Membership,
    Notification,
    Person,
    Role,
)
from schedule import slots
from schedule.models import Slot, SlotKind
from scheduler import jobs
from tests.web.conftest import csrf_token, sign_in
from web import admin
from web.db import session_factory, unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin, "_now", lambda: NOW)


@pytest.fixture
def office(app: Flask) -> None:
    """The city column administered by 'ma'; a county column administered by 'xu';
    a producer 'pr' of the city with an open episode; an editor-director 'ed'."""
    with unit_of_work(app) as s:
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
        for username, name, grants in (
            ("ma", "马林", [(city, Role.ADMIN)]),
            ("xu", "徐刚", [(county, Role.ADMIN)]),
            ("pr", "黄莉", [(city, Role.PRODUCER)]),
            ("ed", "王芳", [(city, Role.EDITOR_DIRECTOR)]),
        ):
            p = people.create_person(s, NOW, username=username, display_name=name)
            for column, role in grants:
                people.grant_role(s, p, column, role, NOW)
            accounts.set_password(s, p, "correct-horse", NOW)
        workflow.propose(
            s,
            people.get_person(s, "ed"),
            city,
            NOW,
            workflow.Proposal("七一特别节目", 900, people.get_person(s, "pr")),
        )


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def post(client: FlaskClient, path: str, data: dict[str, str], form_page: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **data})


def count(app: Flask, model: type[object]) -> int:
    with unit_of_work(app) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


SLOT = {
    "name": "周五首播",
    "kind": "premiere",
    "local_start": "20:00",
    "duration": "30",
    "rrule": "FREQ=WEEKLY;BYDAY=FR",
    "first_date": "2026-03-06",
    "rerun_back": "1",
}


# --- who comes in ---------------------------------------------------------------------------------


def test_only_admins_come_in(app: Flask, office: None) -> None:
    assert app.test_client().get("/admin/").headers["Location"].startswith("/sign-in")
    for username in ("pr", "ed"):
        client = signed_in(app, username)
        for path in ("/admin/", "/admin/people", "/admin/columns/city/slots"):
            assert client.get(path).status_code == 403, (username, path)
        refused = post(client, "/admin/columns", {"slug": "x", "name": "x"}, "/")
        assert refused.status_code == 403
    assert signed_in(app, "xu").get("/admin/").status_code == 200  # admin of a county column


def test_the_index_lists_columns_with_their_slots_and_members(app: Flask, office: None) -> None:
    body = signed_in(app, "ma").get("/admin/").get_data(as_text=True)
    assert "《时代风采》" in body and "《临江先锋》" in body and "新建栏目" in body


# --- columns --------------------------------------------------------------------------------------


def test_an_admin_creates_a_column_and_becomes_its_admin(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    response = post(
        client,
        "/admin/columns",
        {"slug": "nanhu", "name": "南湖党员之家", "level": "county", "station": "南湖台",
         "channel": "公共", "has_fixed_slot": "1"},
        "/admin/",
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/columns/nanhu/slots"
    with unit_of_work(app) as s:
        column = people.get_column(s, "nanhu")
        roles = {(m.person.username, m.role) for m in s.scalars(select(Membership))}
        assert column.level is Level.COUNTY and ("ma", Role.ADMIN) in roles


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "Bad Slug", "name": "某栏目"}, "代号须为 2–40 个小写字母"),
        ({"slug": "city", "name": "又一个"}, "这个代号已被使用"),
        ({"slug": "ok-slug", "name": ""}, "必填"),
        ({"slug": "ok-slug", "name": "长" * 81}, "最多 80 个字符"),
    ],
)
def test_a_refused_column_shows_the_fields_message_and_stores_nothing(
    app: Flask, office: None, fields: dict[str, str], message: str
) -> None:
    client = signed_in(app, "ma")
    data = {"level": "county", "station": "台", "channel": "频道", **fields}
    response = post(client, "/admin/columns", data, "/admin/")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, Column) == 2


def test_markup_in_a_column_name_is_escaped(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    data = {"slug": "xss", "name": "<script>alert(1)</script>", "level": "county",
            "station": "台", "channel": "频道"}  # fmt: skip
    post(client, "/admin/columns", data, "/admin/")
    body = client.get("/admin/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


# --- slots ----------------------------------------------------------------------------------------


def test_the_preview_lists_the_rules_next_ten_occurrences_and_stores_nothing(
    app: Flask, office: None
) -> None:
    client = signed_in(app, "ma")
    page = "/admin/columns/city/slots"
    response = post(client, page, {**SLOT, "name": "", "action": "preview"}, page)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count("周五 20:00–20:30") == 10
    assert "2026-03-06 周五 20:00–20:30" in body and "2026-05-08 周五 20:00–20:30" in body
    assert count(app, Slot) == 0


def test_the_live_preview_answers_occurrences_or_the_fields_messages(
    app: Flask, office: None
) -> None:
    client = signed_in(app, "ma")
    good = client.get("/admin/columns/city/slots/preview", query_string={**SLOT, "name": ""})
    assert good.status_code == 200
    data = good.get_json()
    assert len(data["occurrences"]) == 10 and data["errors"] == {}
    assert data["occurrences"][0] == "2026-03-06 周五 20:00–20:30"
    exceptions = {**SLOT, "exceptions": "2026-03-13 重大活动直播"}
    skipped = client.get("/admin/columns/city/slots/preview", query_string=exceptions).get_json()
    assert not any(line.startswith("2026-03-13") for line in skipped["occurrences"])
    bad = client.get(
        "/admin/columns/city/slots/preview", query_string={**SLOT, "rrule": "BYDAY=FR"}
    ).get_json()
    assert bad["occurrences"] == [] and "缺少 FREQ" in bad["errors"]["rrule"]
    assert count(app, Slot) == 0


def test_an_admin_creates_a_slot(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    page = "/admin/columns/city/slots"
    response = post(client, page, {**SLOT, "action": "create"}, page)
    assert response.status_code == 302, response.get_data(as_text=True)
    with unit_of_work(app) as s:
        slot = s.scalars(select(Slot)).one()
        assert (slot.name, slot.local_start, slot.duration_s) == ("周五首播", time(20, 0), 1800)
        assert slot.station == "市台"  # the column's by default
    body = client.get(page).get_data(as_text=True)
    assert "已建立时段" in body and "FREQ=WEEKLY;BYDAY=FR" in body


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"first_date": "2026-02-30"}, "first_date", "日期 2026-02-30 不存在"),
        ({"last_date": "2026-03-01"}, "last_date", "结束日期不能早于开始日期"),
        ({"local_start": "25:00"}, "local_start", "播出时间格式应为"),
        ({"duration": "0"}, "duration", "请填写 1 到 1440 的整数"),
        ({"duration": "abc"}, "duration", "请填写 1 到 1440 的整数"),
        ({"rrule": "FREQ=HOURLY"}, "rrule", "一个时段每天最多播出一次"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule", "不是有效的 RFC 5545 重复规则"),
        ({"kind": "rerun"}, "rerun_of", "重播时段须选择它重播的首播时段"),
        ({"campaign": "1"}, "last_date", "集中播放须填写结束日期"),
        ({"exceptions": "2026-03-13"}, "exceptions", "每个停播日期都须写明原因"),
        ({"name": ""}, "name", "必填"),
    ],
)
def test_a_refused_slot_shows_the_fields_message_and_stores_nothing(
    app: Flask, office: None, fields: dict[str, str], field: str, message: str
) -> None:
    client = signed_in(app, "ma")
    page = "/admin/columns/city/slots"
    response = post(client, page, {**SLOT, **fields, "action": "create"}, page)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'data-field="{field}">' in body and message in body.split(f'data-field="{field}">')[1]
    assert count(app, Slot) == 0


def test_a_slot_overlapping_another_on_the_channel_is_refused(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    page = "/admin/columns/city/slots"
    assert post(client, page, {**SLOT, "action": "create"}, page).status_code == 302
    clash = post(client, page, {**SLOT, "name": "又一个周五", "action": "create"}, page)
    assert clash.status_code == 422
    assert "与同一频道的另一时段时间重叠" in clash.get_data(as_text=True)
    assert count(app, Slot) == 1


def test_a_slots_time_zone_is_chosen_and_shown_when_not_beijings(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    page = "/admin/columns/city/slots"
    form = client.get(page).get_data(as_text=True)
    assert '<option value="Asia/Shanghai" selected>北京时间</option>' in form
    assert '<option value="Asia/Urumqi">乌鲁木齐时间</option>' in form
    urumqi = {**SLOT, "timezone": "Asia/Urumqi", "action": "create"}
    assert post(client, page, urumqi, page).status_code == 302
    beijing = {**SLOT, "name": "周六首播", "rrule": "FREQ=WEEKLY;BYDAY=SA", "action": "create"}
    assert post(client, page, beijing, page).status_code == 302
    with unit_of_work(app) as s:
        zones = {name: zone for name, zone in s.execute(select(Slot.name, Slot.timezone))}
        assert zones == {"周五首播": "Asia/Urumqi", "周六首播": "Asia/Shanghai"}
    body = client.get(page).get_data(as_text=True)
    assert body.count('class="muted timezone"') == 1 and "乌鲁木齐时间</div>" in body
    assert "2026-03-06 周五 22:00–22:30" in body  # 20:00 in Ürümqi, in Beijing time


def test_an_unknown_time_zone_is_refused_keeping_what_was_typed(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    page = "/admin/columns/city/slots"
    response = post(client, page, {**SLOT, "timezone": "Mars/Olympus", "action": "create"}, page)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "未知的时区" in body.split('data-field="timezone">')[1]
    assert '<option value="Mars/Olympus" selected>Mars/Olympus</option>' in body
    assert count(app, Slot) == 0
    preview = client.get(
        "/admin/columns/city/slots/preview", query_string={**SLOT, "timezone": "Mars/Olympus"}
    ).get_json()
    assert preview["occurrences"] == [] and "未知的时区" in preview["errors"]["timezone"]


def test_slots_are_created_only_in_a_column_one_administers(app: Flask, office: None) -> None:
    client = signed_in(app, "xu")
    page = "/admin/columns/city/slots"
    assert "新建时段" not in client.get(page).get_data(as_text=True)
    refused = post(client, page, {**SLOT, "action": "create"}, "/admin/columns/linjiang/slots")
    assert refused.status_code == 403 and count(app, Slot) == 0
    assert client.get("/admin/columns/nowhere/slots").status_code == 404


def test_a_rerun_slot_replays_a_premiere_of_the_column(app: Flask, office: None) -> None:
    with unit_of_work(app) as s:
        premiere = slots.create_slot(
            s,
            people.get_person(s, "ma"),
            people.get_column(s, "city"),
            NOW,
            slots.SlotSpec(
                name="周五首播",
                kind=SlotKind.PREMIERE,
                local_start=time(20, 0),
                duration_s=1800,
                rrule="FREQ=WEEKLY;BYDAY=FR",
                first_date=NOW.date(),
            ),
        )
        premiere_id = premiere.id
    client = signed_in(app, "ma")
    page = "/admin/columns/city/slots"
    rerun = {**SLOT, "name": "周日重播", "kind": "rerun", "rrule": "FREQ=WEEKLY;BYDAY=SU",
             "local_start": "10:00", "rerun_of": str(premiere_id), "action": "create"}  # fmt: skip
    assert post(client, page, rerun, page).status_code == 302
    assert "重播“周五首播”" in client.get(page).get_data(as_text=True)


# --- people and roles -----------------------------------------------------------------------------


def test_an_admin_creates_a_person_who_can_then_sign_in(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    data = {"username": "zhang.wei", "display_name": "张伟", "email": "zw@example.cn",
            "password": "a-long-secret", "column": "city", "role": "editor_director"}  # fmt: skip
    response = post(client, "/admin/people", data, "/admin/people")
    assert response.status_code == 302
    newcomer = app.test_client()
    sign_in(newcomer, "zhang.wei", "a-long-secret")
    with unit_of_work(app) as s:
        roles = [(m.column.slug, m.role) for m in people.get_person(s, "zhang.wei").memberships]
        assert roles == [("city", Role.EDITOR_DIRECTOR)]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short"}, "密码至少 8 个字符"),
        ({"username": "Zhang Wei"}, "用户名须为 2–60 个小写字母"),
        ({"username": "pr"}, "这个用户名已被使用"),
        ({"display_name": ""}, "必填"),
        ({"email": "not-an-address"}, "邮箱地址不完整"),
        ({"column": "linjiang", "role": "producer"}, "您不是《临江先锋》的管理员"),
    ],
)
def test_a_refused_person_shows_the_fields_message_and_stores_nothing(
    app: Flask, office: None, fields: dict[str, str], message: str
) -> None:
    client = signed_in(app, "ma")
    data = {"username": "zhang.wei", "display_name": "张伟", "password": "a-long-secret",
            **fields}  # fmt: skip
    response = post(client, "/admin/people", data, "/admin/people")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "a-long-secret" not in body
    assert count(app, Person) == 4


def test_grant_and_revoke_a_role(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    data = {"username": "ed", "column": "city", "role": "scheduler"}
    assert post(client, "/admin/roles/grant", data, "/admin/people").status_code == 302
    with unit_of_work(app) as s:
        granted = s.scalar(select(Membership).where(Membership.role == Role.SCHEDULER))
        assert granted is not None and granted.person.username == "ed"
        membership_id = granted.id
    body = client.get("/admin/people").get_data(as_text=True)
    assert "已授予 王芳《时代风采》的编排角色" in body
    confirm = {"confirm": "1"}
    response = post(client, f"/admin/roles/{membership_id}/revoke", confirm, "/admin/people")
    assert response.status_code == 302
    with unit_of_work(app) as s:
        assert s.get(Membership, membership_id) is None


def scheduler_role(app: Flask) -> int:
    """A scheduler role of 王芳 in the city column (granted directly): its id."""
    with unit_of_work(app) as s:
        person, column = people.get_person(s, "ed"), people.get_column(s, "city")
        return people.grant_role(s, person, column, Role.SCHEDULER, NOW).id


def test_the_people_page_links_each_role_to_a_confirmation_not_a_removal(
    app: Flask, office: None
) -> None:
    membership_id = scheduler_role(app)
    body = signed_in(app, "ma").get("/admin/people").get_data(as_text=True)
    assert f'href="/admin/roles/{membership_id}/revoke"' in body
    assert f'action="/admin/roles/{membership_id}/revoke"' not in body


def test_removing_a_role_asks_first_and_removes_nothing_until_confirmed(
    app: Flask, office: None
) -> None:
    membership_id = scheduler_role(app)
    client = signed_in(app, "ma")
    asked = client.get(f"/admin/roles/{membership_id}/revoke")
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "确定撤销 王芳（ed）在《时代风采》的编排角色吗？" in body
    assert '<input type="hidden" name="confirm" value="1">' in body
    assert 'href="/admin/people">取消</a>' in body
    unconfirmed = post(client, f"/admin/roles/{membership_id}/revoke", {}, "/admin/people")
    assert unconfirmed.status_code == 200 and "确认撤销" in unconfirmed.get_data(as_text=True)
    with unit_of_work(app) as s:
        assert s.get(Membership, membership_id) is not None
    confirm = {"confirm": "1"}
    done = post(client, f"/admin/roles/{membership_id}/revoke", confirm, "/admin/people")
    assert done.status_code == 302
    with unit_of_work(app) as s:
        assert s.get(Membership, membership_id) is None


def test_the_confirmation_of_a_role_one_may_not_remove_is_refused(app: Flask, office: None) -> None:
    membership_id = scheduler_role(app)
    client = signed_in(app, "xu")
    assert client.get(f"/admin/roles/{membership_id}/revoke").status_code == 403
    assert client.get("/admin/roles/999999/revoke").status_code == 404
    assert client.get("/admin/roles/99999999999999999999/revoke").status_code == 404


def test_a_producer_with_open_episodes_keeps_the_role(app: Flask, office: None) -> None:
    with unit_of_work(app) as s:
        producer_role = s.scalar(select(Membership).where(Membership.role == Role.PRODUCER))
        assert producer_role is not None
        membership_id = producer_role.id
    client = signed_in(app, "ma")
    confirm = {"confirm": "1"}
    response = post(client, f"/admin/roles/{membership_id}/revoke", confirm, "/admin/people")
    assert response.status_code == 409
    assert "请先移交这些节目" in response.get_data(as_text=True)
    with unit_of_work(app) as s:
        assert s.get(Membership, membership_id) is not None


def test_roles_are_granted_and_revoked_only_in_columns_one_administers(
    app: Flask, office: None
) -> None:
    client = signed_in(app, "xu")
    data = {"username": "ed", "column": "city", "role": "admin"}
    refused = post(client, "/admin/roles/grant", data, "/admin/people")
    assert refused.status_code == 422
    assert "您不是《时代风采》的管理员" in refused.get_data(as_text=True)
    with unit_of_work(app) as s:
        ma_admin = s.scalar(select(Membership).where(Membership.role == Role.ADMIN))
        assert ma_admin is not None
        city_admin = ma_admin.id
    assert post(client, f"/admin/roles/{city_admin}/revoke", {}, "/admin/people").status_code == 403
    assert count(app, Membership) == 4


def test_granting_to_an_unknown_person_says_so(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    data = {"username": "nobody", "column": "city", "role": "reviewer"}
    response = post(client, "/admin/roles/grant", data, "/admin/people")
    assert response.status_code == 422 and "没有这个用户名" in response.get_data(as_text=True)


def test_an_admin_form_without_its_csrf_token_is_refused(app: Flask, office: None) -> None:
    client = signed_in(app, "ma")
    data = {"slug": "nanhu", "name": "南湖", "level": "county", "station": "台", "channel": "频道"}
    assert client.post("/admin/columns", data=data).status_code == 400
    assert count(app, Column) == 2


def test_the_service_page_shows_each_jobs_last_run_and_a_feed_write_that_failed(
    app: Flask, office: None, read_only: Callable[[Path], None]
) -> None:
    feeds_dir = Path(app.config["FEEDS_DIR"])
    read_only(feeds_dir)
    jobs.configure(session_factory(app), feeds_dir)
    try:
        assert jobs.sync_feeds() is None  # a real failure: the folder cannot be written
        assert jobs.prune_runs() == 0
    finally:
        jobs.configure(None)
    page = signed_in(app, "ma").get("/admin/service")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "sync-feeds" in body and "prune-runs" in body
    assert "失败" in body and "not written" in body and str(feeds_dir) in body
    problems = body.split("最近的失败", 1)[1]
    assert "sync-feeds" in problems and "prune-runs" not in problems
    assert signed_in(app, "pr").get("/admin/service").status_code == 403


def failed_mail(app: Flask) -> int:
    """A mail to the city's producer about the city's episode that failed for good."""
    with unit_of_work(app) as s:
        pr = people.get_person(s, "pr")
        episode = s.scalars(select(Episode)).one()
        told = Notification(
            person_id=pr.id,
            kind="returned",
            episode_id=episode.id,
            message="《七一特别节目》已退回修改",
            dedupe_key="test:returned",
            created_at=NOW,
        )
        s.add(told)
        s.flush()
        failed = Delivery(
            channel=Channel.EMAIL,
            target="pr@example.org",
            notification_id=told.id,
            dedupe_key="test:1:email",
            subject="《先锋》已退回修改",
            body="正文",
            state=DeliveryState.FAILED,
            attempts=6,
            next_attempt_at=NOW,
            last_error="the SMTP server refused the connection",
            created_at=NOW,
        )
        s.add(failed)
        s.flush()
        return failed.id


def test_the_service_page_lists_a_failed_delivery_and_sends_it_again(
    app: Flask, office: None
) -> None:
    failed_id = failed_mail(app)
    client = signed_in(app, "ma")
    body = client.get("/admin/service").get_data(as_text=True)
    deliveries = body.split('id="deliveries"', 1)[1]
    assert "投递失败 1" in deliveries and "pr@example.org" in deliveries
    assert "refused the connection" in deliveries and "重新投递" in deliveries
    answer = post(client, f"/admin/service/deliveries/{failed_id}/retry", {}, "/admin/service")
    assert answer.status_code == 303
    with unit_of_work(app) as s:
        again = s.get_one(Delivery, failed_id)
        assert (again.state, again.attempts) == (DeliveryState.PENDING, 0)
    twice = post(client, f"/admin/service/deliveries/{failed_id}/retry", {}, "/admin/service")
    assert twice.status_code == 303
    assert "无需重新投递" in client.get("/admin/service").get_data(as_text=True)
    missing = post(client, f"/admin/service/deliveries/{failed_id + 9}/retry", {}, "/admin/service")
    assert missing.status_code == 404
    assert signed_in(app, "pr").get("/admin/service").status_code == 403


def test_a_column_admin_sees_and_retries_only_the_deliveries_of_their_columns(
    app: Flask, office: None
) -> None:
    """A mail about the city's episode is the city admin's business, not the county's:
    the county admin neither sees the address nor can put it back in line."""
    failed_id = failed_mail(app)
    county = signed_in(app, "xu")
    deliveries = county.get("/admin/service").get_data(as_text=True).split('id="deliveries"')[1]
    assert "pr@example.org" not in deliveries and "投递失败 0" in deliveries
    answer = post(county, f"/admin/service/deliveries/{failed_id}/retry", {}, "/admin/service")
    assert answer.status_code == 404
    with unit_of_work(app) as s:
        assert s.get_one(Delivery, failed_id).state is DeliveryState.FAILED
    city = signed_in(app, "ma").get("/admin/service").get_data(as_text=True)
    assert "pr@example.org" in city.split('id="deliveries"')[1]


def test_the_confirmation_speaks_english_on_an_english_page(app: Flask, office: None) -> None:
    membership_id = scheduler_role(app)
    client = signed_in(app, "ma")
    client.get("/lang/en")
    body = client.get(f"/admin/roles/{membership_id}/revoke").get_data(as_text=True)
    assert "Remove the Scheduler role of 王芳 (ed) in “时代风采”?" in body
    assert "Yes, remove it" in body and "确认撤销" not in body and "撤销角色" not in body
