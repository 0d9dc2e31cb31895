"""Quarterly liaison pages: who comes in and who may change what; refused input shows its
Chinese message beside the field and stores nothing; the dashboard's numbers, drill-down
lists, XLSX and printable page for a small known data set; a bounded statement count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, insert, select
from werkzeug.test import TestResponse

from editorial import people, workflow
from editorial.models import Column, Episode, Level, Person, PriorityTag, Role, State
from editorial.workdays import SHANGHAI
from liaison import service
from liaison.models import Attendance, AttendanceStatus, Meeting, Priority, Quarter, Target
from schedule import slots
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.web.conftest import csrf_token, sign_in
from tests.web.test_episode_pages import PASSWORD_HASH
from tests.web.test_page_queries import counted
from web import liaison_views
from web.db import unit_of_work

NOW = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Shanghai, in Q3
QUARTER = "/liaison/2026/3/"
DASHBOARD = "/liaison/2026/3/dashboard"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liaison_views, "_now", lambda: NOW)


@dataclass(frozen=True)
class Office:
    """Ids of the data set (see ``office``)."""

    city: int
    linjiang: int
    qingshan: int
    july1: int  # priority 七一
    rural: int  # priority 乡村振兴
    episodes: dict[str, int]


def _person(s: Any, username: str, grants: list[tuple[Column, Role]]) -> Person:
    p = people.create_person(s, NOW, username=username, display_name=username)
    for column, role in grants:
        people.grant_role(s, p, column, role, NOW)
    p.password_hash = PASSWORD_HASH
    return p


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(UTC)


@pytest.fixture
def office(app: Flask) -> Office:
    """2026 Q3 with two priorities and a known set of episodes and airings.

    Columns: 《时代风采》 (city), 《临江先锋》 and 《青山党建》 (county). People: ``zm``
    the liaison office (liaison of the city column), ``xl`` liaison of 临江, ``pr`` a
    city producer, ``lp`` a producer of 临江, ``ed`` an editor-director of the city and
    临江, ``bp`` their scheduler.

    Priority 七一: 1–10 July, weight 2, targets city 2, 临江 2, 青山 1.
    Priority 乡村振兴: the whole quarter, weight 1, targets city 2, 临江 1, 青山 10.

    Airings are inserted as rows straight into ``airings`` (on slots made through the
    service): building a schedule would not put premieres at 23:30 and 00:10, which is
    what the window's edge needs.
    """
    with unit_of_work(app) as s:

        def column(slug: str, name: str, level: Level) -> Column:
            return people.create_column(
                s, NOW, slug=slug, name=name, level=level, station=f"{name}台", channel="综合"
            )

        city = column("city", "时代风采", Level.CITY)
        linjiang = column("linjiang", "临江先锋", Level.COUNTY)
        qingshan = column("qingshan", "青山党建", Level.COUNTY)
        zm = _person(s, "zm", [(city, Role.LIAISON)])
        _person(s, "xl", [(linjiang, Role.LIAISON)])
        pr = _person(s, "pr", [(city, Role.PRODUCER)])
        lp = _person(s, "lp", [(linjiang, Role.PRODUCER)])
        ed = _person(s, "ed", [(city, Role.EDITOR_DIRECTOR), (linjiang, Role.EDITOR_DIRECTOR)])
        bp = _person(s, "bp", [(city, Role.SCHEDULER), (linjiang, Role.SCHEDULER)])

        quarter = service.create_quarter(s, zm, NOW, year=2026, number=3)
        july1 = service.add_priority(
            s, zm, quarter,
            service.PrioritySpec(
                theme="庆祝建党节", tag="七一", window_start=date(2026, 7, 1),
                window_end=date(2026, 7, 10), weight=2,
                targets={city.id: 2, linjiang.id: 2, qingshan.id: 1},
            ),
            NOW,
        )  # fmt: skip
        rural = service.add_priority(
            s, zm, quarter,
            service.PrioritySpec(
                theme="乡村振兴", tag="乡村振兴", window_start=date(2026, 7, 1),
                window_end=date(2026, 9, 30), weight=1,
                targets={city.id: 2, linjiang.id: 1, qingshan.id: 10},
            ),
            NOW,
        )  # fmt: skip

        def episode(title: str, where: Column, state: State, *tags: str) -> Episode:
            producer = pr if where is city else lp
            proposal = workflow.Proposal(title, 1800, producer, priority_tags=tags)
            e = workflow.propose(s, ed, where, NOW - timedelta(days=30), proposal)
            e.state = state  # set directly: the workflow's path is not what is tested here
            return e

        e = {
            "both": episode("红船精神", city, State.APPROVED, "七一", "乡村振兴"),
            "last_evening": episode("七一晚间特别节目", city, State.APPROVED, "七一"),
            "past_midnight": episode("午夜之后", city, State.APPROVED, "七一"),
            "approved": episode("党旗飘飘", city, State.APPROVED, "七一"),
            "proposed": episode("初心如磐", city, State.PROPOSED, "七一"),
            "withdrawn": episode("已撤销的节目", city, State.WITHDRAWN, "七一"),
            "scheduled": episode("稻花香里", city, State.APPROVED, "乡村振兴"),
            "exchanged": episode("田野新歌", city, State.APPROVED, "乡村振兴"),
            "making": episode("江畔党旗红", linjiang, State.IN_PRODUCTION, "七一"),
            "county_aired": episode("临江新村", linjiang, State.APPROVED, "乡村振兴"),
        }
        s.flush()

        def slot(where: Column, name: str, kind: SlotKind, rerun_of: Slot | None = None) -> Slot:
            spec = slots.SlotSpec(
                name=name, kind=kind, local_start=time(20, 0) if kind is SlotKind.PREMIERE
                else time(10, 0), duration_s=1800, rrule="FREQ=DAILY",
                first_date=date(2026, 6, 1), rerun_of=rerun_of,
            )  # fmt: skip
            return slots.create_slot(s, bp, where, NOW - timedelta(days=60), spec)

        city_premiere = slot(city, "每日首播", SlotKind.PREMIERE)
        city_rerun = slot(city, "次日重播", SlotKind.RERUN, city_premiere)
        county_premiere = slot(linjiang, "临江首播", SlotKind.PREMIERE)

        def airing(
            which: Slot, ep: Episode, starts: datetime, status: AiringStatus, **more: Any
        ) -> int:
            row = {
                "slot_id": which.id, "episode_id": ep.id, "kind": which.kind,
                "premiere_id": None, "starts_at": starts, "ends_at": starts + timedelta(minutes=30),
                "status": status, "pinned": False, "exchange": False, "reason": "",
                "revision": 0, "published_at": None, "created_at": NOW, "updated_at": NOW,
            } | more  # fmt: skip
            return int(s.execute(insert(Airing).returning(Airing.id), [row]).scalar_one())

        aired = AiringStatus.AIRED
        first = airing(city_premiere, e["both"], _local(date(2026, 7, 3), 20, 0), aired)
        airing(city_rerun, e["both"], _local(date(2026, 7, 5), 10, 0), aired, premiere_id=first)
        airing(city_premiere, e["last_evening"], _local(date(2026, 7, 10), 23, 30), aired)
        airing(city_premiere, e["past_midnight"], _local(date(2026, 7, 11), 0, 10), aired)
        airing(
            city_premiere, e["scheduled"], _local(date(2026, 8, 7), 20, 0), AiringStatus.PUBLISHED
        )
        airing(county_premiere, e["county_aired"], _local(date(2026, 7, 8), 20, 0), aired)
        airing(
            county_premiere, e["exchanged"], _local(date(2026, 7, 9), 20, 0), aired, exchange=True
        )
        return Office(
            city.id, linjiang.id, qingshan.id, july1.id, rural.id, {k: v.id for k, v in e.items()}
        )


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def body(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def post(client: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_token(client, QUARTER), **data})


def count(app: Flask, model: type[object]) -> int:
    with unit_of_work(app) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def meeting_form(**changes: str) -> dict[str, str]:
    return {
        "day": "2026-07-20",
        "starts": "09:00",
        "ends": "11:30",
        "place": "市委党校报告厅",
        "agenda_training": "远程教育节目制作规范",
        "agenda_exchange": "临江先锋：村级站点的拍摄经验\n青山党建：一档节目的三次修改",
        "agenda_deployment": "部署第三季度宣传报道重点",
    } | changes


def priority_form(office: Office, **changes: str) -> dict[str, str]:
    return {
        "theme": "国庆特别报道",
        "tag": "国庆",
        "description": "各栏目围绕国庆节组织报道。",
        "window_start": "2026-09-20",
        "window_end": "2026-09-30",
        "submit_by": "2026-09-10",
        "weight": "1",
        f"target-{office.city}": "2",
        f"target-{office.linjiang}": "1",
    } | changes


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>([^<]*)<', page)
    assert found is not None, f"no error beside {field_id}"
    return found.group(1)


# --- who comes in ---------------------------------------------------------------------------------


def test_liaison_officers_producers_and_editor_directors_come_in_others_get_403(
    app: Flask, office: Office
) -> None:
    assert app.test_client().get(DASHBOARD).headers["Location"].startswith("/sign-in")
    for username in ("zm", "xl", "pr", "lp", "ed"):  # lp: a county producer
        client = signed_in(app, username)
        for path in ("/liaison/", QUARTER, DASHBOARD):
            assert client.get(path).status_code == 200, (username, path)
        assert "通联" in body(client.get("/"))  # the header's entry
    outsider = signed_in(app, "bp")  # a scheduler only
    for path in ("/liaison/", QUARTER, DASHBOARD, f"{DASHBOARD}.xlsx", f"{DASHBOARD}/print"):
        refused = outsider.get(path)
        assert refused.status_code == 403, path
        assert "只有通联员、制片人和编导可以查看通联工作" in body(refused)
    assert ">通联<" not in body(outsider.get("/"))


def test_the_quarter_list_is_newest_first_and_only_the_office_may_create(
    app: Flask, office: Office
) -> None:
    office_client = signed_in(app, "zm")
    created = post(office_client, "/liaison/quarters", {"year": "2026", "number": "4"})
    assert created.status_code == 303 and created.headers["Location"].endswith("/liaison/2026/4/")
    page = body(office_client.get("/liaison/"))
    assert page.index("2026年第四季度") < page.index("2026年第三季度")
    assert "建立季度" in page
    county = signed_in(app, "xl")
    assert "建立季度" not in body(county.get("/liaison/"))
    refused = post(county, "/liaison/quarters", {"year": "2027", "number": "1"})
    assert refused.status_code == 403 and "只有通联办公室" in body(refused)
    assert count(app, Quarter) == 2


def test_a_quarter_twice_is_refused_beside_the_field_with_what_was_typed(
    app: Flask, office: Office
) -> None:
    refused = post(signed_in(app, "zm"), "/liaison/quarters", {"year": "2026", "number": "3"})
    assert refused.status_code == 422
    assert field_error(body(refused), "q-number") == "这个季度已经建立。"
    assert 'value="2026"' in body(refused)
    assert count(app, Quarter) == 1


# --- the meeting ----------------------------------------------------------------------------------


def test_the_office_schedules_the_meeting_and_the_page_shows_it_in_shanghai_time(
    app: Flask, office: Office
) -> None:
    client = signed_in(app, "zm")
    done = post(client, "/liaison/2026/3/meeting", meeting_form())
    assert done.status_code == 303, body(done)
    with unit_of_work(app) as s:
        meeting = s.scalars(select(Meeting)).one()
        assert meeting.starts_at == datetime(2026, 7, 20, 1, 0, tzinfo=UTC)
        assert {a.column_id for a in meeting.attendance} == {
            office.city,
            office.linjiang,
            office.qingshan,
        }
    page = body(client.get(QUARTER))
    assert "2026-07-20 09:00–11:30" in page and "市委党校报告厅" in page
    for group in ("业务培训", "制作经验交流", "部署季度宣传报道重点"):
        assert f"<h3>{group}</h3>" in page
    assert "<li>青山党建：一档节目的三次修改</li>" in page
    assert page.count("待确认") >= 3


def test_a_second_meeting_in_the_quarter_is_refused_and_nothing_stored(
    app: Flask, office: Office
) -> None:
    client = signed_in(app, "zm")
    post(client, "/liaison/2026/3/meeting", meeting_form())
    refused = post(client, "/liaison/2026/3/meeting", meeting_form(place="另一个会场"))
    assert refused.status_code == 422
    page = body(refused)
    assert "本季度已有通联会议：请在下面修改这次会议，不能再安排第二次。" in page
    assert 'value="另一个会场"' in page  # kept, in the change form
    with unit_of_work(app) as s:
        assert [m.place for m in s.scalars(select(Meeting))] == ["市委党校报告厅"]


def test_a_meeting_that_ends_before_it_starts_is_refused_beside_the_end(
    app: Flask, office: Office
) -> None:
    refused = post(
        signed_in(app, "zm"), "/liaison/2026/3/meeting", meeting_form(starts="14:00", ends="10:00")
    )
    assert refused.status_code == 422
    assert field_error(body(refused), "m-ends") == "会议的结束时间须晚于开始时间。"
    assert count(app, Meeting) == 0


def test_the_office_changes_the_meeting_and_writes_the_minutes(app: Flask, office: Office) -> None:
    client = signed_in(app, "zm")
    post(client, "/liaison/2026/3/meeting", meeting_form())
    changed = post(
        client, "/liaison/2026/3/meeting/change", meeting_form(starts="14:30", ends="17:00")
    )
    assert changed.status_code == 303
    minutes = post(client, "/liaison/2026/3/minutes", {"minutes": "一、会议传达了……"})
    assert minutes.status_code == 303
    page = body(client.get(QUARTER))
    assert "2026-07-20 14:30–17:00" in page and "一、会议传达了……" in page


# --- a county liaison officer ---------------------------------------------------------------------


@pytest.fixture
def meeting(app: Flask, office: Office) -> None:
    client = signed_in(app, "zm")
    assert post(client, "/liaison/2026/3/meeting", meeting_form()).status_code == 303


def test_a_county_officer_sees_everything_but_only_their_own_attendance_form(
    app: Flask, office: Office, meeting: None
) -> None:
    page = body(signed_in(app, "xl").get(QUARTER))
    assert "市委党校报告厅" in page and "庆祝建党节" in page
    for planning in ("/meeting/change", "/minutes", "/priorities"):
        assert f'action="/liaison/2026/3{planning}' not in page
    assert f'action="/liaison/2026/3/attendance/{office.linjiang}"' in page
    assert f'action="/liaison/2026/3/attendance/{office.city}"' not in page


def test_a_county_officer_posting_a_planning_form_gets_403_and_nothing_changes(
    app: Flask, office: Office, meeting: None
) -> None:
    client = signed_in(app, "xl")
    attempts = {
        "/liaison/2026/3/meeting/change": meeting_form(place="县里"),
        "/liaison/2026/3/minutes": {"minutes": "县里写的纪要"},
        "/liaison/2026/3/priorities": priority_form(office),
        f"/liaison/2026/3/priorities/{office.july1}": priority_form(office, tag="七一"),
    }
    for path, data in attempts.items():
        refused = post(client, path, data)
        assert refused.status_code == 403, path
        assert "只有通联办公室（市级栏目的通联员）可以安排" in body(refused)
    with unit_of_work(app) as s:
        meeting_row = s.scalars(select(Meeting)).one()
        assert (meeting_row.place, meeting_row.minutes) == ("市委党校报告厅", "")
        assert s.scalar(select(func.count()).select_from(Priority)) == 2
        assert s.get(Priority, office.july1).theme == "庆祝建党节"  # type: ignore[union-attr]


def test_a_county_officer_records_their_own_attendance_not_another_columns(
    app: Flask, office: Office, meeting: None
) -> None:
    client = signed_in(app, "xl")
    data = {"status": "attending", "attendees": "徐丽（通联员）", "notes": "交流发言"}
    own = post(client, f"/liaison/2026/3/attendance/{office.linjiang}", data)
    assert own.status_code == 303
    other = post(client, f"/liaison/2026/3/attendance/{office.qingshan}", data)
    assert other.status_code == 403 and "您只能登记本栏目的参会情况" in body(other)
    with unit_of_work(app) as s:
        rows = {a.column_id: a for a in s.scalars(select(Attendance))}
        assert rows[office.linjiang].status is AttendanceStatus.ATTENDING
        assert rows[office.linjiang].attendees == "徐丽（通联员）"
        assert rows[office.qingshan].status is AttendanceStatus.INVITED
    page = body(client.get(QUARTER))
    assert "参会</span>" in page and "徐丽（通联员）" in page


# --- priorities: each refusal beside its field, nothing stored -----------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"window_start": "2026-06-25"},
            "new-window_start",
            "时间窗须在2026年第三季度之内（2026-07-01 至 2026-09-30）。",
        ),
        (
            {"window_start": "2026-09-20", "window_end": "2026-09-10", "submit_by": ""},
            "new-window_end",
            "时间窗倒过来了：结束日期不能早于开始日期。",
        ),
        ({"tag": "七一"}, "new-tag", "本季度已有标签为“七一”的报道重点。"),
        ({"weight": "0"}, "new-weight", "权重为至少 1 的整数。"),
        ({"theme": ""}, "new-theme", "必填。"),
        ({"window_end": "2026-09-31"}, "new-window_end", "日期 2026-09-31 不存在。"),
    ],
)
def test_a_bad_priority_is_refused_beside_its_field_with_what_was_typed(
    app: Flask, office: Office, changes: dict[str, str], field: str, message: str
) -> None:
    data = priority_form(office, **changes)
    refused = post(signed_in(app, "zm"), "/liaison/2026/3/priorities", data)
    assert refused.status_code == 422
    page = body(refused)
    assert field_error(page, field) == message
    assert 'value="各栏目围绕国庆节组织报道。' not in page  # a textarea keeps it as text
    assert "各栏目围绕国庆节组织报道。</textarea>" in page
    assert f'value="{data["window_start"]}"' in page
    assert count(app, Priority) == 2 and count(app, Target) == 6


def test_a_negative_target_is_refused_and_the_input_marked(app: Flask, office: Office) -> None:
    data = priority_form(office, **{f"target-{office.linjiang}": "-1"})
    refused = post(signed_in(app, "zm"), "/liaison/2026/3/priorities", data)
    assert refused.status_code == 422
    page = body(refused)
    assert field_error(page, "new-targets") == "目标是播出的期数：须为 0 或更大的整数。"
    assert re.search(rf'name="target-{office.linjiang}" value="-1"[^>]*aria-invalid="true"', page)
    assert count(app, Priority) == 2


def test_a_target_for_a_column_that_does_not_exist_is_refused(app: Flask, office: Office) -> None:
    data = priority_form(office, **{"target-99999": "3"})  # crafted: no such input on the page
    refused = post(signed_in(app, "zm"), "/liaison/2026/3/priorities", data)
    assert refused.status_code == 422
    assert field_error(body(refused), "new-targets") == "没有这些栏目：99999。"
    assert count(app, Priority) == 2 and count(app, Target) == 6


def test_the_office_adds_and_changes_a_priority_with_targets_per_column(
    app: Flask, office: Office
) -> None:
    client = signed_in(app, "zm")
    added = post(client, "/liaison/2026/3/priorities", priority_form(office))
    assert added.status_code == 303
    with unit_of_work(app) as s:
        new = s.scalars(select(Priority).where(Priority.tag == "国庆")).one()
        assert {t.column_id: t.episodes for t in new.targets} == {
            office.city: 2,
            office.linjiang: 1,
        }
        new_id = new.id
    data = priority_form(office, weight="3", **{f"target-{office.linjiang}": ""})
    changed = post(client, f"/liaison/2026/3/priorities/{new_id}", data)
    assert changed.status_code == 303
    with unit_of_work(app) as s:
        again = s.get(Priority, new_id)
        assert again is not None and again.weight == 3
        assert {t.column_id: t.episodes for t in again.targets} == {office.city: 2}
    page = body(client.get(QUARTER))
    assert "国庆特别报道" in page and "2026-09-20 — 2026-09-30" in page


def test_a_bad_change_keeps_the_typed_values_in_that_priority_form(
    app: Flask, office: Office
) -> None:
    data = priority_form(office, tag="七一", theme="改过的主题", window_end="2026-06-30")
    refused = post(signed_in(app, "zm"), f"/liaison/2026/3/priorities/{office.rural}", data)
    assert refused.status_code == 422
    page = body(refused)
    prefix = f"p{office.rural}-"
    assert field_error(page, f"{prefix}window_end") == "时间窗倒过来了：结束日期不能早于开始日期。"
    assert field_error(page, f"{prefix}tag") == "本季度已有标签为“七一”的报道重点。"
    assert 'value="改过的主题"' in page
    with unit_of_work(app) as s:
        assert s.get(Priority, office.rural).theme == "乡村振兴"  # type: ignore[union-attr]


# --- the dashboard --------------------------------------------------------------------------------

STAGES = ("proposed", "in_production", "approved", "scheduled", "aired")


def row_numbers(page: str, priority_id: int, column_name: str) -> list[str]:
    """The numbers of a column's row in a priority's table, in the table's order."""
    section = page.split(f'id="p{priority_id}"', 1)[1].split("</section>", 1)[0]
    table = section.split('<table class="figures">', 1)[1]
    row = table.split(f"《{column_name}》", 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="num">(?:<a [^>]*>)?([\d.]+)', row)


def test_the_dashboard_counts_each_column_against_its_target(app: Flask, office: Office) -> None:
    page = body(signed_in(app, "zm").get(DASHBOARD))
    # proposed, making, approved, scheduled, aired; of the aired confirmed and unconfirmed by the
    # as-run log; missed; target, expected
    assert row_numbers(page, office.july1, "时代风采") == [
        "1", "0", "1", "0", "2", "0", "2", "0", "2", "2.0"
    ]  # fmt: skip
    assert row_numbers(page, office.july1, "临江先锋") == [
        "0", "1", "0", "0", "0", "0", "0", "0", "2", "2.0"
    ]  # fmt: skip
    assert row_numbers(page, office.july1, "青山党建") == [
        "0", "0", "0", "0", "0", "0", "0", "0", "1", "1.0"
    ]  # fmt: skip
    assert row_numbers(page, office.rural, "时代风采") == [
        "0", "0", "0", "1", "1", "0", "1", "0", "2", "0.3"
    ]  # fmt: skip
    assert row_numbers(page, office.rural, "临江先锋") == [
        "0", "0", "0", "0", "2", "0", "2", "0", "1", "0.2"
    ]  # fmt: skip
    assert row_numbers(page, office.rural, "青山党建") == [
        "0", "0", "0", "0", "0", "0", "0", "0", "10", "1.6"
    ]  # fmt: skip


def test_a_behind_column_is_red_and_labelled_not_by_colour_alone(
    app: Flask, office: Office
) -> None:
    page = body(signed_in(app, "zm").get(DASHBOARD))
    july1 = page.split(f'id="p{office.july1}"', 1)[1].split("</section>", 1)[0]
    rows = {name: row for name, row in re.findall(r"《(.+?)》</td>(.*?)</tr>", july1, re.S)}
    assert '<span class="behind-label">落后</span>' in rows["临江先锋"]  # window over, 0 of 2
    assert '<span class="behind-label">落后</span>' in rows["青山党建"]
    assert "落后" not in rows["时代风采"] and "已达标" in rows["时代风采"]
    assert re.search(r'<tr class="behind">\s*<td class="nowrap">《临江先锋》', july1)
    rural = page.split(f'id="p{office.rural}"', 1)[1].split("</section>", 1)[0]
    # Mid-window: 青山 should have aired 1 of 10 by day 15 of 92; the others are on pace.
    assert rural.count('<span class="behind-label">落后</span>') == 1
    assert re.search(r'<tr class="behind">\s*<td class="nowrap">《青山党建》', rural)
    # The charts name the behind column in red and say so in words.
    assert re.search(r'fill="#b71c1c"[^>]*>临江先锋</text>', july1)
    assert re.search(r'<text [^>]*fill="#b71c1c"[^>]*>落后</text>', july1)


def test_the_weighted_score_counts_no_more_than_the_target(app: Flask, office: Office) -> None:
    page = body(signed_in(app, "zm").get(DASHBOARD))
    scores = page.split('class="scores"', 1)[1].split("</section>", 1)[0]
    found = {
        name: re.findall(r'<td class="num">([^<]+)</td>', row)
        for name, row in re.findall(r"《(.+?)》</td>(.*?)</tr>", scores, re.S)
    }
    assert found["时代风采"] == ["5", "6", "83%"]  # 2×min(2,2) + 1×min(1,2) of 2×2 + 1×2
    assert found["临江先锋"] == ["1", "5", "20%"]  # 2×0 + 1×min(2,1) of 2×2 + 1×1
    assert found["青山党建"] == ["0", "12", "0%"]


def drill(client: FlaskClient, priority: int, column: int, stage: str) -> str:
    response = client.get(f"{DASHBOARD}/{priority}/{column}/{stage}")
    assert response.status_code == 200, body(response)
    return body(response)


def test_each_number_drills_down_to_its_episodes(app: Flask, office: Office) -> None:
    client = signed_in(app, "zm")
    e = office.episodes
    page = body(client.get(DASHBOARD))
    link = f'href="{DASHBOARD}/{office.july1}/{office.city}/aired"'
    assert link in page
    aired = drill(client, office.july1, office.city, "aired")
    assert "红船精神" in aired and "七一晚间特别节目" in aired  # 23:30 on the last day counts
    assert "2026-07-10 23:30" in aired
    assert "午夜之后" not in aired  # 00:10 the day after does not
    assert f'href="/episodes/{e["both"]}"' in aired
    everywhere = "".join(
        drill(client, pid, cid, stage)
        for pid in (office.july1, office.rural)
        for cid in (office.city, office.linjiang, office.qingshan)
        for stage in STAGES
    )
    assert "午夜之后" not in everywhere and "已撤销的节目" not in everywhere
    # Counted once per priority: the rerun on 5 July adds nothing.
    assert aired.count("红船精神") == 1
    assert "红船精神" in drill(client, office.rural, office.city, "aired")
    exchanged = drill(client, office.rural, office.linjiang, "aired")
    assert "田野新歌" in exchanged and "交流" in exchanged  # counts where it airs
    assert "稻花香里" in drill(client, office.rural, office.city, "scheduled")
    assert "党旗飘飘" in drill(client, office.july1, office.city, "approved")
    assert "初心如磐" in drill(client, office.july1, office.city, "proposed")
    assert "江畔党旗红" in drill(client, office.july1, office.linjiang, "in_production")
    assert client.get(f"{DASHBOARD}/{office.july1}/{office.city}/nonsense").status_code == 404
    assert client.get(f"{DASHBOARD}/99999/{office.city}/aired").status_code == 404


def test_a_county_officer_sees_other_columns_titles_but_links_only_their_own(
    app: Flask, office: Office
) -> None:
    client = signed_in(app, "xl")
    city = drill(client, office.july1, office.city, "aired")
    assert "红船精神" in city and "/episodes/" not in city.split("<table>", 1)[1]
    own = drill(client, office.rural, office.linjiang, "aired")
    assert f'href="/episodes/{office.episodes["county_aired"]}"' in own


def test_the_dashboard_draws_its_charts_as_inline_svg(app: Flask, office: Office) -> None:
    page = body(signed_in(app, "zm").get(DASHBOARD))
    assert page.count('<svg class="chart" id="bars-') == 2
    assert page.count('<svg class="chart" id="pace-') == 2
    assert "<script" not in page
    rural = page.split(f'id="pace-{office.rural}"', 1)[1].split("</svg>", 1)[0]
    assert "今天 07-15" in rural and "已过 15 / 92 天" in rural
    assert "今日应播 2.1 期（16%）" in rural  # (2 + 1 + 10) × 15 / 92


# --- export and print -----------------------------------------------------------------------------


def test_the_xlsx_holds_the_same_numbers_as_numbers(app: Flask, office: Office) -> None:
    response = signed_in(app, "zm").get(f"{DASHBOARD}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["总览", "庆祝建党节", "乡村振兴"]
    overview = book["总览"]
    header = [c.value for c in overview[1]]
    assert header == [
        "栏目", "报道重点", "权重", "选题申报", "制作中", "可播", "已排播", "已播出",
        "目标", "今日应播", "落后", "加权得分", "加权满分", "其中已确认", "其中未确认", "漏播",
    ]  # fmt: skip
    values = list(overview.iter_rows(values_only=True))
    split = next(i for i, r in enumerate(values) if r[:2] == ("栏目", "加权得分"))
    rows = {(r[0], r[1]): r for r in values[1:split] if r[1]}
    assert rows[("时代风采", "庆祝建党节")][2:] == (2, 1, 0, 1, 0, 2, 2, 2.0, "否", 4, 4, 0, 2, 0)
    assert rows[("临江先锋", "庆祝建党节")][2:] == (2, 0, 1, 0, 0, 0, 2, 2.0, "是", 0, 4, 0, 0, 0)
    assert rows[("临江先锋", "乡村振兴")][2:] == (1, 0, 0, 0, 0, 2, 1, 0.2, "否", 1, 1, 0, 2, 0)
    assert rows[("青山党建", "乡村振兴")][10] == "是"
    totals = {r[0]: r[1:5] for r in values[split + 1 :] if r[0]}
    assert totals["时代风采"] == (5, 6, pytest.approx(5 / 6), 0)
    assert totals["青山党建"] == (0, 12, 0, 2)
    sheet = book["庆祝建党节"]
    listed = {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert listed["时代风采"][1:6] == (1, 0, 1, 0, 2)
    assert listed["合计"][5:7] == (2, 5)  # aired 2, targets 2 + 2 + 1
    assert overview.column_dimensions["A"].width >= 10
    assert all(isinstance(v, int) for v in listed["临江先锋"][1:7])


def test_the_print_page_has_its_stylesheet_the_meeting_and_the_charts(
    app: Flask, office: Office, meeting: None
) -> None:
    page = body(signed_in(app, "zm").get(f"{DASHBOARD}/print"))
    assert '<link rel="stylesheet" href="/static/print.css">' in page
    assert 'class="top"' not in page  # no navigation header
    assert "2026年第三季度通联会议" in page and "2026-07-20 09:00–11:30" in page
    assert page.count("<svg") == 4 and "落后" in page
    assert "/dashboard/" not in page.split("<main>", 1)[1]  # numbers, not links
    css = app.test_client().get("/static/print.css")
    sheet = body(css)
    css.close()
    assert "@page{size:A4 landscape" in sheet and "break-inside:avoid" in sheet


# --- bounded statements ---------------------------------------------------------------------------


def many_more(app: Flask, office: Office, columns: int, episodes: int) -> None:
    """More columns with targets, and more tagged episodes, in a few statements."""
    with unit_of_work(app) as s:
        director = s.scalars(select(Person).where(Person.username == "ed")).one()
        producer = s.scalars(select(Person).where(Person.username == "pr")).one()
        for n in range(columns):
            column = people.create_column(
                s, NOW, slug=f"more-{n}", name=f"县栏目{n}", level=Level.COUNTY,
                station="台", channel="综合",
            )  # fmt: skip
            s.add(Target(priority_id=office.july1, column_id=column.id, episodes=3))
        s.flush()
        if not episodes:
            return
        ids = s.execute(
            insert(Episode).returning(Episode.id),
            [
                {
                    "column_id": office.city, "title": f"七一节目{n}", "target_duration_s": 1800,
                    "director_id": director.id, "responsible_producer_id": producer.id,
                    "state": State.APPROVED, "version": 1, "review_round": 1,
                    "state_entered_at": NOW, "created_at": NOW,
                }
                for n in range(episodes)
            ],
        ).scalars().all()  # fmt: skip
        s.execute(insert(PriorityTag), [{"episode_id": i, "tag": "七一"} for i in ids])


def test_the_dashboard_runs_the_same_statements_however_many_columns_and_episodes(
    app: Flask, office: Office
) -> None:
    client = signed_in(app, "zm")

    def statements_for(path: str) -> int:
        with counted(app) as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    drill_path = f"{DASHBOARD}/{office.july1}/{office.city}/approved"
    few = statements_for(DASHBOARD), statements_for(drill_path), statements_for(f"{DASHBOARD}.xlsx")
    many_more(app, office, columns=20, episodes=300)
    assert "县栏目19" in body(client.get(DASHBOARD))
    assert "七一节目299" in body(client.get(drill_path))
    more = (
        statements_for(DASHBOARD),
        statements_for(drill_path),
        statements_for(f"{DASHBOARD}.xlsx"),
    )
    assert more == few
    # Signed-in person, the viewer's roles, the quarter, progress (4), the columns, the
    # premiere days, the campaigns' airings (集中播放); the header's entries.
    assert few[0] <= 10, few


def test_the_quarter_page_runs_the_same_statements_however_many_columns(
    app: Flask, office: Office, meeting: None
) -> None:
    client = signed_in(app, "zm")
    with counted(app) as before:
        client.get(QUARTER)
    many_more(app, office, columns=20, episodes=0)
    with counted(app) as after:
        assert "县栏目19" in body(client.get(QUARTER))
    assert len(after) == len(before) <= 10, before


def test_the_pages_speak_english_on_request(app: Flask, office: Office) -> None:
    client = signed_in(app, "zm")
    client.get("/lang/en")
    page = body(client.get(DASHBOARD))
    assert "Behind" in page and "Goal management" in page
    assert "落后" not in page
