"""「立即编排」 and slot edits on the web: a scheduler previews what a rebuild would change
(nothing stored), applies exactly that or is refused a stale preview (409); a slot is edited
from its own page, a refused or stale edit keeps it as it was."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from editorial import people
from editorial.models import Episode, State
from schedule import builder
from schedule.models import Airing, ScheduleBuild, Slot
from tests.web.conftest import csrf_token
from tests.web.test_slot_dates_pages import NOW, signed_in, slot_id  # noqa: F401
from web import admin, rebuild_views
from web.db import unit_of_work

REBUILD = "/schedule/rebuild/"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin, "_now", lambda: NOW)
    monkeypatch.setattr(rebuild_views, "_now", lambda: NOW)


def approve(app: Flask, title: str, minutes: int = 30) -> int:
    with unit_of_work(app) as s:
        producer = people.get_person(s, "pr")
        episode = Episode(
            column=people.get_column(s, "city"),
            title=title,
            target_duration_s=minutes * 60,
            director_id=people.get_person(s, "sc").id,
            responsible_producer_id=producer.id,
            state=State.APPROVED,
            review_round=1,
            state_entered_at=NOW - timedelta(days=1),
            created_at=NOW - timedelta(days=9),
        )
        s.add(episode)
        s.flush()
        return episode.id


def counts(app: Flask) -> tuple[int, int]:
    with unit_of_work(app) as s:
        return (
            s.scalar(select(func.count()).select_from(Airing)) or 0,
            s.scalar(select(func.count()).select_from(ScheduleBuild)) or 0,
        )


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, name
    return found.group(1)


def apply(client: FlaskClient, page: str) -> object:
    return client.post(
        REBUILD,
        data={
            "csrf_token": csrf_token(client, "/"),
            "fingerprint": hidden(page, "fingerprint"),
            "digest": hidden(page, "digest"),
        },
    )


def test_a_scheduler_previews_a_rebuild_and_nothing_is_stored(
    app: Flask,
    slot_id: int,  # noqa: F811
) -> None:
    approve(app, "初心如磐")
    approve(app, "超长专题", minutes=60)
    client = signed_in(app, "sc")
    assert "立即编排" in client.get("/schedule/report").get_data(as_text=True)
    response = client.get(REBUILD)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "新排 1 次，改期 0 次，取消 0 次；仍未编排的可播节目 1 个。" in page
    text = re.sub(r"<[^>]+>", "", page)  # the time is kept on one line by a span
    assert "初心如磐" in page and "2026-03-06 20:00 · 周五首播" in text
    assert "超长专题" in page and "比所有首播时段都长" in page
    assert counts(app) == (0, 0)


def test_applying_the_preview_builds_what_it_showed(app: Flask, slot_id: int) -> None:  # noqa: F811
    episode = approve(app, "初心如磐")
    client = signed_in(app, "sc")
    page = client.get(REBUILD).get_data(as_text=True)
    response = apply(client, page)
    assert response.status_code == 302  # type: ignore[attr-defined]
    with unit_of_work(app) as s:
        airing = s.scalars(select(Airing)).one()
        assert (airing.episode_id, airing.slot_id) == (episode, slot_id)
        record = s.scalars(select(ScheduleBuild)).one()
        assert record.fingerprint  # the service will not build the same inputs again
    assert "已按预览重新编排：新排 1 次" in client.get("/schedule/report").get_data(as_text=True)


def test_a_stale_preview_is_refused_and_shown_afresh(app: Flask, slot_id: int) -> None:  # noqa: F811
    approve(app, "初心如磐")
    client = signed_in(app, "sc")
    page = client.get(REBUILD).get_data(as_text=True)
    approve(app, "使命在肩")  # approved meanwhile
    response = apply(client, page)
    assert response.status_code == 409  # type: ignore[attr-defined]
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "预览之后编排所依据的内容有了变化" in body
    assert "新排 2 次" in body  # the fresh preview
    assert counts(app) == (0, 0)


def test_a_preview_the_service_overtook_is_refused(app: Flask, slot_id: int) -> None:  # noqa: F811
    approve(app, "初心如磐")
    client = signed_in(app, "sc")
    page = client.get(REBUILD).get_data(as_text=True)
    with unit_of_work(app) as s:
        builder.build(s, NOW)
    response = apply(client, page)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert "与预览不同" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert counts(app) == (1, 1)


def test_only_schedulers_and_admins_rebuild(app: Flask, slot_id: int) -> None:  # noqa: F811
    client = signed_in(app, "pr")
    assert client.get(REBUILD).status_code == 403
    assert "立即编排" not in client.get("/schedule/report").get_data(as_text=True)


# --- editing a slot ---------------------------------------------------------------------------


def edit_page(slot: int) -> str:
    return f"/admin/columns/city/slots/{slot}/edit"


def post_edit(client: FlaskClient, slot: int, **changes: str) -> object:
    form = client.get(edit_page(slot)).get_data(as_text=True)
    data = {
        name: hidden(form, name) if name == "updated_at" else value
        for name, value in {
            "updated_at": "",
            "name": "周五首播",
            "local_start": "20:00",
            "timezone": "Asia/Shanghai",
            "duration": "30",
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
            "first_date": "2026-03-06",
            "last_date": "",
            "station": "市台",
            "channel": "一套",
        }.items()
    }
    data.update(changes)
    return client.post(edit_page(slot), data={"csrf_token": csrf_token(client, "/"), **data})


def slot_of(app: Flask, slot: int) -> tuple[object, ...]:
    with unit_of_work(app) as s:
        found = s.get(Slot, slot)
        assert found is not None
        return (found.name, found.local_start, found.duration_s, found.rrule, found.last_date)


def test_a_scheduler_edits_a_slot_from_its_page(app: Flask, slot_id: int) -> None:  # noqa: F811
    client = signed_in(app, "sc")
    listing = client.get("/admin/columns/city/slots").get_data(as_text=True)
    assert edit_page(slot_id) in listing
    form = client.get(edit_page(slot_id)).get_data(as_text=True)
    assert 'value="周五首播"' in form and 'value="20:00"' in form
    response = post_edit(
        client, slot_id, name="周六首播", local_start="21:30", rrule="FREQ=WEEKLY;BYDAY=SA",
        last_date="2026-12-26",
    )  # fmt: skip
    assert response.status_code == 302  # type: ignore[attr-defined]
    name, start, duration, rule, last = slot_of(app, slot_id)
    assert (name, f"{start:%H:%M}", duration, rule, last) == (
        "周六首播", "21:30", 1800, "FREQ=WEEKLY;BYDAY=SA", date(2026, 12, 26)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"last_date": "2026-03-01"}, "结束日期不能早于开始日期"),
        ({"duration": "0"}, "请填写 1 到 1440 的整数"),
        ({"rrule": "FREQ=SOMETIMES"}, "这不是有效的 RFC 5545 重复规则"),
        ({"timezone": "Asia/Atlantis"}, "未知的时区"),
    ],
)
def test_a_bad_edit_is_refused_and_keeps_the_slot(
    app: Flask,
    slot_id: int,  # noqa: F811
    changes: dict[str, str],
    message: str,
) -> None:
    before = slot_of(app, slot_id)
    response = post_edit(signed_in(app, "sc"), slot_id, name="改名", **changes)
    assert response.status_code == 422  # type: ignore[attr-defined]
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert message in body and 'value="改名"' in body
    assert slot_of(app, slot_id) == before


def test_a_stale_edit_is_refused(app: Flask, slot_id: int) -> None:  # noqa: F811
    client = signed_in(app, "sc")
    form = client.get(edit_page(slot_id)).get_data(as_text=True)
    assert post_edit(client, slot_id, name="第一次").status_code == 302  # type: ignore[attr-defined]
    response = client.post(
        edit_page(slot_id),
        data={
            "csrf_token": csrf_token(client, "/"),
            "updated_at": hidden(form, "updated_at"),
            "name": "第二次",
            "local_start": "20:00",
            "timezone": "Asia/Shanghai",
            "duration": "30",
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
            "first_date": "2026-03-06",
        },
    )
    assert response.status_code == 409
    assert "已被他人修改" in response.get_data(as_text=True)
    assert slot_of(app, slot_id)[0] == "第一次"


def test_a_producer_cannot_edit_a_slot(app: Flask, slot_id: int) -> None:  # noqa: F811
    client = signed_in(app, "pr")
    assert client.get(edit_page(slot_id)).status_code == 403
