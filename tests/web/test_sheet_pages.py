"""The broadcast order sheet pages: the sheet, issuing, outdated and 变更, XLSX, the print
page, the delivery ZIP; who may issue, and bad addresses."""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from editorial import people
from editorial.models import Episode
from schedule import airings
from schedule.models import Airing, AiringStatus, SlotKind
from station.models import IssuedSheet, StationDelivery
from tests.web.conftest import csrf_token, sign_in
from tests.web.sheet_world import NOW
from web import sheet_views
from web.db import unit_of_work

SHEET = "/schedule/sheets/yitao/2026-W10"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheet_views, "_now", lambda: NOW)


@pytest.fixture
def city(sheet_city: dict[str, int]) -> dict[str, int]:
    """The order sheet's world (``tests.web.sheet_world``)."""
    return sheet_city


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def text(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def issue(client: FlaskClient, path: str = SHEET, status: int = 302, **form: str) -> str:
    response = client.post(f"{path}/issue", data={"csrf_token": csrf_token(client, path), **form})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def versions(app: Flask) -> list[int]:
    with unit_of_work(app) as s:
        return list(s.scalars(select(IssuedSheet.number).order_by(IssuedSheet.number)))


def test_the_schedule_pages_lead_to_the_sheet_of_each_channel(
    app: Flask, sheet_city: dict[str, int]
) -> None:
    client = signed_in(app, "bp")
    assert 'href="/schedule/sheets/"' in text(client, "/schedule/week?start=2026-03-02")
    assert 'href="/schedule/sheets/"' in text(client, "/schedule/report")
    index = text(client, "/schedule/sheets/?week=2026-W10")
    assert f'href="{SHEET}"' in index and "市台" in index


def test_the_sheet_shows_the_weeks_airings_with_frame_durations_and_files(
    app: Flask, sheet_city: dict[str, int]
) -> None:
    body = text(signed_in(app, "bp"), SHEET)
    assert "2026-03-02 至 2026-03-08" in body
    assert body.count("红船精神代代传") == 2
    assert "00:00:02:00" in body  # the packaged master: 2 s at 25 fps
    assert f"city-{sheet_city['first']:06d}-v1.mp4" in body
    assert "尚未签发" in body and "签发第 1 版" in body


def test_issuing_numbers_versions_and_a_change_marks_the_sheet_outdated_with_its_changes(
    app: Flask, sheet_city: dict[str, int]
) -> None:
    client = signed_in(app, "bp")
    issue(client)
    body = text(client, SHEET)
    assert "最新：第 1 版，何静 于 2026-03-02 09:00 签发。" in body
    assert "已过期" not in body and "签发第 2 版" not in body
    with unit_of_work(app) as s:
        rerun = s.scalar(
            select(Airing).where(Airing.kind == SlotKind.RERUN).order_by(Airing.starts_at)
        )
        assert rerun is not None
        bp = people.get_person(s, "bp")
        airings.pull(s, bp, rerun, NOW + timedelta(hours=1), reason="体育赛事转播")
    body = text(client, SHEET)
    assert "这一版已过期" in body and "变更（与第 1 版相比）" in body
    assert "删除" in body and "签发第 2 版" in body
    issue(client)
    assert versions(app) == [1, 2]
    body = text(client, SHEET)
    assert "已过期" not in body


def test_the_xlsx_of_the_latest_version_opens_with_its_header_and_rows(
    app: Flask, sheet_city: dict[str, int]
) -> None:
    client = signed_in(app, "bp")
    draft = load_workbook(io.BytesIO(client.get(f"{SHEET}/sheet.xlsx").data))
    assert draft["播出单"]["B6"].value == "未签发（草稿）"
    issue(client)
    response = client.get(f"{SHEET}/sheet.xlsx")
    assert response.status_code == 200
    assert "yitao-2026-W10-v1.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["播出单"]
    assert (sheet["B6"].value, sheet["B7"].value) == ("第 1 版", "何静")
    assert sheet["A11"].value == datetime(2026, 3, 6) and sheet["C11"].value == time(20, 0)
    assert sheet["D11"].value == timedelta(seconds=2) and sheet["E11"].value == "00:00:02:00"


def test_the_print_page_is_an_a4_page_with_a_print_button(
    app: Flask, sheet_city: dict[str, int]
) -> None:
    client = signed_in(app, "bp")
    issue(client)
    body = text(client, f"{SHEET}/print")
    assert "print.css" in body and "data-print" in body and "打印" in body
    assert "第 1 版" in body and "何静" in body and body.count("红船精神代代传") == 2
    css = (Path(sheet_views.__file__).parent / "static" / "print.css").read_text()
    assert "@page{size:A4" in css


@pytest.mark.parametrize("who", ["zp", "out"])
def test_only_the_columns_scheduler_issues(
    app: Flask, sheet_city: dict[str, int], who: str
) -> None:
    client = signed_in(app, who)
    body = text(client, SHEET)
    assert "签发第 1 版" not in body
    refused = issue(client, status=403)
    assert "只有播出单所列栏目的编排或管理员才能签发播出单" in refused
    assert versions(app) == []


def test_an_empty_week_is_not_issued(app: Flask, sheet_city: dict[str, int]) -> None:
    client = signed_in(app, "bp")
    refused = issue(client, "/schedule/sheets/yitao/2026-W30", status=422)
    assert "没有播出安排" in refused
    assert versions(app) == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/schedule/sheets/yitao/2026-W60", 422),
        ("/schedule/sheets/yitao/next", 422),
        ("/schedule/sheets/nowhere/2026-W10", 404),
        ("/schedule/sheets/yitao/2026-W10?column=nope", 404),
        ("/schedule/sheets/yitao/2026-W10/print?version=9", 404),
        ("/schedule/sheets/?week=2026-W99", 422),
    ],
)
def test_bad_addresses_are_refused(
    app: Flask, sheet_city: dict[str, int], path: str, status: int
) -> None:
    body = text(signed_in(app, "bp"), path, status)
    if status == 422:
        assert "不是 ISO 周次" in body


def test_the_delivery_zip_is_stored_and_verifies_with_md5sum(
    app: Flask, sheet_city: dict[str, int], tmp_path: Path
) -> None:
    client = signed_in(app, "bp")
    with unit_of_work(app) as s:  # the second episode's premiere is next week: only one master
        assert s.scalar(select(func.count()).select_from(Airing)) >= 2
    refused = client.get(f"{SHEET}/delivery.zip")
    assert refused.status_code == 422 and "尚未签发" in refused.get_data(as_text=True)
    issue(client)
    assert f'href="{SHEET}/delivery.zip"' in text(client, SHEET)
    response = client.get(f"{SHEET}/delivery.zip")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    data = response.data
    response.close()  # as a WSGI server does: the temporary file goes with it
    archive = zipfile.ZipFile(io.BytesIO(data))
    name = "yitao-2026-W10-v1"
    master = f"city-{sheet_city['first']:06d}-v1.mp4"
    assert sorted(archive.namelist()) == sorted(
        [f"{name}/{master}", f"{name}/{name}.xlsx", f"{name}/MD5SUMS"]
    )
    assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    archive.extractall(tmp_path)
    checked = subprocess.run(
        ["md5sum", "-c", "MD5SUMS"], cwd=tmp_path / name, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 2
    with unit_of_work(app) as s:
        done = s.scalars(select(StationDelivery)).one()
        assert (done.how, done.files) == ("zip", 3)


def test_the_delivery_zip_names_the_airings_without_a_packaged_master(
    app: Flask, sheet_city: dict[str, int]
) -> None:
    client = signed_in(app, "bp")
    with unit_of_work(app) as s:
        premiere = s.scalar(
            select(Airing).where(Airing.kind == SlotKind.PREMIERE).order_by(Airing.starts_at)
        )
        assert premiere is not None
        second = s.get(Episode, sheet_city["second"])
        bp = people.get_person(s, "bp")
        airings.assign(s, bp, premiere.slot, premiere.starts_at, second, NOW)
        premiere.status = AiringStatus.PUBLISHED
    issue(client)
    refused = client.get(f"{SHEET}/delivery.zip")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "2026-03-06 20:00《初心如磐》" in body
    shown = text(client, SHEET)
    assert (
        "2 次播出还没有可交付的包装成片" in shown
    )  # the premiere and its rerun and "下载交付包" not in shown
