"""The as-run upload page: reached from the schedule report, it imports a channel's log
and shows what it says; a refused file is shown with its row, nothing stored; a file over
the limit is refused before it is read."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from schedule.models import AsRunLog
from tests.conftest import NOW
from tests.station.asrun.conftest import World, csv_bytes, make_world, world_rows
from tests.web.conftest import csrf_token, sign_in
from web import asrun_views
from web.db import unit_of_work


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asrun_views, "_now", lambda: NOW)


@pytest.fixture
def world(app: Flask) -> World:
    with unit_of_work(app) as session:
        return make_world(session)


@pytest.fixture
def client(app: Flask, world: World) -> FlaskClient:
    client = app.test_client()
    sign_in(client, "bp")
    return client


def upload(client: FlaskClient, world: World, data: bytes, **form: str) -> tuple[int, str]:
    token = csrf_token(client, "/schedule/asrun/import/")
    response = client.post(
        "/schedule/asrun/import/",
        data={
            "csrf_token": token,
            "channel": world.channel,
            "file": (io.BytesIO(data), "播后记录.csv"),
            **form,
        },
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def logs(app: Flask) -> int:
    with unit_of_work(app) as session:
        return session.scalar(select(func.count()).select_from(AsRunLog)) or 0


def test_the_report_links_to_the_upload_form_which_lists_the_channel(
    client: FlaskClient, world: World
) -> None:
    report = client.get("/schedule/report").get_data(as_text=True)
    assert 'href="/schedule/asrun/import/"' in report
    page = client.get("/schedule/asrun/import/").get_data(as_text=True)
    assert f'value="{world.channel}"' in page and "县电视台 综合频道" in page


def test_an_upload_shows_the_counts_and_the_airings_in_trouble(
    client: FlaskClient, world: World, app: Flask
) -> None:
    rows = world_rows(world)
    rows[1][1] = "20:09:30"
    del rows[3]
    status, page = upload(client, world, csv_bytes(rows))
    assert status == 200, page
    text = re.sub(r"<[^>]+>", " ", page)
    assert "已确认播出 5 次，迟播 1 次，时长不足 0 次，漏播 1 次，计划外 0 条。" in page
    assert "晚 570 秒" in page and "节目4" in text
    status, page = upload(client, world, csv_bytes(rows))
    assert status == 200 and "导入过，没有任何改动" in page
    assert logs(app) == 1


def test_a_gbk_file_is_refused_until_its_encoding_is_chosen(
    client: FlaskClient, world: World, app: Flask
) -> None:
    data = csv_bytes(world_rows(world), encoding="gbk")
    status, page = upload(client, world, data)
    assert status == 422 and "无法确定文件的编码" in page
    assert logs(app) == 0
    status, page = upload(client, world, data, encoding="gb18030")
    assert status == 200 and "已确认播出 7 次" in page


def test_a_bad_row_is_named_in_the_readers_language(
    client: FlaskClient, world: World, app: Flask
) -> None:
    rows = world_rows(world)
    rows.append([rows[0][0], "20:10:00", "60", "插播", "", ""])
    status, page = upload(client, world, csv_bytes(rows))
    assert status == 422
    assert "第 9 行在第 2 行结束之前开始：播出记录相互重叠。" in page
    client.get("/lang/en")
    status, page = upload(client, world, csv_bytes(rows))
    assert "Row 9 starts before row 2 ends: overlapping entries." in page
    assert logs(app) == 0


def test_a_file_over_the_limit_is_refused_unread(
    client: FlaskClient, world: World, app: Flask
) -> None:
    app.config["ASRUN_MAX_BYTES"] = 128 * 1024
    # (under 500 kB, which the test client would spool to a file the refusal leaves open)
    status, page = upload(client, world, b"x" * 300_000)
    assert status == 413 and "文件超过了 0.125 MB 的上限，没有读取。" in page
    assert logs(app) == 0


def test_a_producer_sees_no_form_and_is_refused(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in(client, "pr")
    assert "不能导入播后记录" in client.get("/schedule/asrun/import/").get_data(as_text=True)
    status, _page = upload(client, world, csv_bytes(world_rows(world)))
    assert status == 403 and logs(app) == 0
