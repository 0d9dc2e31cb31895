"""Quarterly liaison pages (通联制度): quarters, the meeting, the priorities and the
goal-management dashboard (目标管理) with its export and printable page.

Who comes in: anyone holding the liaison role (通联员) in any column, and the
producers (制片人) and editor-directors (编导) of any column, city or county: every
column is to see what is asked of it, and these are the people who propose and make
the episodes that meet its targets (the numbers are shared at the meeting anyway).
Everyone else (reviewers, schedulers, administrators only) gets 403 on every page
here, the dashboard included.

Who does what: the liaison office (a liaison officer of a city-level column, see
``liaison.service.is_city_liaison``) creates quarters and the quarter's meeting,
writes the minutes and adds or changes priorities with a target per column; a
county liaison officer sees all of it and changes only their own column's
attendance. Each form is parsed here and handed to one ``liaison.service``
function, which checks the rules; a refusal shows the quarter page again with
each field's message in Chinese beside it and what was typed kept (422, or 403
for a rule), and nothing is stored.

The dashboard reads a fixed number of statements however many columns,
priorities and episodes there are: ``progress`` (four), the columns, and the
days the aired episodes premiered; a drill-down list adds one for its episodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from io import BytesIO
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.wrappers import Response as FlaskResponse
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from editorial.errors import DomainError, Forbidden, InvalidInput, NotFound
from editorial.models import Column, Level, Person, Role
from editorial.sight import title_sight
from editorial.workdays import SHANGHAI, local_date
from liaison import service
from liaison.campaigns import CampaignCount, campaign_counts
from liaison.dashboard import Dashboard, dashboard
from liaison.drill import drill_list
from liaison.models import AgendaKind, Attendance, AttendanceStatus, Meeting, Priority, Quarter
from liaison.progress import STAGES, Stage, progress
from schedule.models import AiringStatus
from station.asrun_report import OF_OUTCOME, AsRunState
from web import asrun_labels, errors, labels, liaison_charts, liaison_export, nav, refusals
from web.admin import CLOCK, Form
from web.auth import current_person
from web.db import request_session
from web.labels import QUARTER

bp = Blueprint("liaison", __name__, url_prefix="/liaison")

Page = tuple[str, int]

STAGE = {
    Stage.PROPOSED: _l("选题申报"),
    Stage.IN_PRODUCTION: _l("制作中"),
    Stage.APPROVED: _l("可播"),
    Stage.SCHEDULED: _l("已排播"),
    Stage.AIRED: _l("已播出"),
}
ATTENDANCE = {
    AttendanceStatus.ATTENDING: _l("参会"),
    AttendanceStatus.ABSENT: _l("请假"),
    AttendanceStatus.INVITED: _l("待确认"),
}
AGENDA = {
    AgendaKind.TRAINING: _l("业务培训"),
    AgendaKind.EXCHANGE: _l("制作经验交流"),
    AgendaKind.DEPLOYMENT: _l("部署季度宣传报道重点"),
}
AGENDA_FIELD = {kind: f"agenda_{kind.value}" for kind in AgendaKind}
AIRING_STATUS = {
    AiringStatus.DRAFT: _l("草稿"),
    AiringStatus.PUBLISHED: _l("已发布"),
    AiringStatus.AIRED: _l("已播出"),
    AiringStatus.CANCELLED: _l("已撤下"),
}
WHOLE = re.compile(r"^-?\d{1,6}$")
TARGET = re.compile(r"^target-(\d{1,9})$")
MAX_AGENDA = 4000
MAX_DESCRIPTION = 5000


def _now() -> datetime:
    return datetime.now(UTC)


def quarter_label(quarter: Quarter) -> str:
    return labels.quarter_label(quarter.year, quarter.number)


def here(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


# --- who comes in ---------------------------------------------------------------------------------


def may_view(held: Iterable[tuple[Role, Level]]) -> bool:
    """Whether roles held (role, level of the column) open the liaison pages."""
    return any(role in (Role.LIAISON, Role.PRODUCER, Role.EDITOR_DIRECTOR) for role, _level in held)


@dataclass(frozen=True)
class Desk:
    """What the viewer may do here, from the roles the header reads too (one statement)."""

    person: Person
    city_liaison: bool  # the liaison office: plans quarters, meetings, priorities
    liaison_of: frozenset[int]  # the columns whose attendance they may change
    member_of: frozenset[int]  # every column they hold a role in (whose episodes they see)

    def may_change_attendance(self, column_id: int) -> bool:
        return self.city_liaison or column_id in self.liaison_of


def desk() -> Desk:
    """The signed-in viewer's desk; 403 for anyone the liaison pages do not let in."""
    if "liaison_desk" in g:
        found: Desk = g.liaison_desk
        return found
    person = current_person()
    rows = nav.roles_held()
    if not person.active or not may_view((role, level) for _c, role, level in rows):
        raise Forbidden(
            "only liaison officers, producers and editor-directors see liaison work",
            code="liaison_pages_only",
        )
    g.liaison_desk = found = Desk(
        person=person,
        city_liaison=any(r is Role.LIAISON and lv is Level.CITY for _c, r, lv in rows),
        liaison_of=frozenset(c for c, r, _lv in rows if r is Role.LIAISON),
        member_of=frozenset(c for c, _r, _lv in rows),
    )
    return found


nav.show_only_to("liaison.index", may_view)


@bp.before_request
@login_required
def _only_liaison() -> None:
    if current_user.is_authenticated:
        desk()


# The refusal of a form only the liaison office sends, before the service is asked.
NOT_OFFICE = Forbidden("not the liaison office", code="liaison_office_only")


def _office_only() -> str:
    return errors.describe(NOT_OFFICE)


def _quarter(year: int, number: int) -> Quarter:
    return service.get_quarter(request_session(), year, number)


# --- the service's refusals in the reader's language -------------------------------------------

# Where a service field's message shows on our forms.
FIELD_OF = {"starts_at": "starts", "ends_at": "ends", "quarter": "form"}


def refused(form: Form, error: InvalidInput) -> None:
    """Put a service's refusal on the form's fields."""
    said = errors.field_errors(error) if error.fields else {"form": errors.describe(error)}
    for name, message in said.items():
        form.errors.setdefault(FIELD_OF.get(name, name), message)


def _whole(form: Form, name: str, *, required: bool = True) -> int | None:
    """A whole number, negative ones too: the service says what it accepts."""
    value = form.values.get(name, "")
    if not value:
        if required:
            form.errors.setdefault(name, _("必填。"))
        return None
    if not WHOLE.match(value):
        form.errors.setdefault(name, _("请填写整数。"))
        return None
    return int(value)


def _clock(form: Form, name: str) -> time | None:
    found = CLOCK.match(form.values.get(name, ""))
    if found is None:
        form.errors.setdefault(name, _("时间格式应为 时:分（例如 09:30）。"))
        return None
    return time(int(found.group(1)), int(found.group(2)))


# --- quarters -------------------------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    today = local_date(_now())
    year, number = today.year, (today.month - 1) // 3 + 1
    return _index_page(Form({"year": str(year), "number": str(number)}))


def _index_page(form: Form, error: str | None = None) -> str:
    session = request_session()
    quarters = session.execute(
        select(Quarter, Meeting.starts_at, Meeting.place)
        .outerjoin(Meeting, Meeting.quarter_id == Quarter.id)
        .order_by(Quarter.year.desc(), Quarter.number.desc())
    ).all()
    counts: dict[int, int] = {
        quarter_id: n
        for quarter_id, n in session.execute(
            select(Priority.quarter_id, func.count()).group_by(Priority.quarter_id)
        )
    }
    return render_template(
        "liaison/index.html",
        quarters=quarters,
        counts=counts,
        form=form,
        error=error,
        desk=desk(),
        quarter_label=quarter_label,
        here=here,
        QUARTER=QUARTER,
    )


@bp.post("/quarters")
def create_quarter() -> Response | Page:
    session = request_session()
    form = Form.of(request.form, ("year", "number"))
    if not desk().city_liaison:
        return _index_page(form, error=_office_only()), 403
    year = form.number("year", 2000, 2100)
    number = form.number("number", 1, 4)
    if year is not None and number is not None:
        try:
            quarter = service.create_quarter(
                session, desk().person, _now(), year=year, number=number
            )
        except InvalidInput as error:
            refused(form, error)
        else:
            flash(_("已建立%(label)s。", label=quarter_label(quarter)))
            return redirect(url_for(".quarter", year=year, q=number), code=303)
    session.rollback()
    return _index_page(form), 422


# --- one quarter: the meeting, attendance, priorities ---------------------------------------------

MEETING_FIELDS = ("day", "starts", "ends", "place", *AGENDA_FIELD.values())
PRIORITY_FIELDS = (
    "theme",
    "tag",
    "description",
    "window_start",
    "window_end",
    "submit_by",
    "weight",
)
ATTENDANCE_FIELDS = ("status", "attendees", "notes")


@dataclass
class QuarterPage:
    quarter: Quarter
    meeting: Meeting | None
    columns: list[Column]
    priorities: list[Priority]
    forms: dict[str, Form]

    def agenda(self, kind: AgendaKind) -> list[str]:
        if self.meeting is None:
            return []
        return [item["title"] for item in self.meeting.agenda if item.get("kind") == kind.value]

    def attendance(self) -> list[tuple[Column, Attendance | None]]:
        rows = {a.column_id: a for a in self.meeting.attendance} if self.meeting else {}
        return [(c, rows.get(c.id)) for c in self.columns if c.id in rows]

    def targets(self, priority: Priority) -> dict[int, int]:
        return {t.column_id: t.episodes for t in priority.targets}


def _meeting_form(meeting: Meeting | None, quarter: Quarter) -> Form:
    if meeting is None:
        return Form({"day": "", "starts": "09:00", "ends": "11:30"})
    starts, ends = here(meeting.starts_at), here(meeting.ends_at)
    values = {
        "day": starts.date().isoformat(),
        "starts": starts.strftime("%H:%M"),
        "ends": ends.strftime("%H:%M"),
        "place": meeting.place,
    }
    for kind, name in AGENDA_FIELD.items():
        values[name] = "\n".join(
            item["title"] for item in meeting.agenda if item.get("kind") == kind.value
        )
    return Form(values)


def _priority_form(priority: Priority | None, quarter: Quarter) -> Form:
    if priority is None:
        return Form(
            {
                "window_start": quarter.start.isoformat(),
                "window_end": quarter.end.isoformat(),
                "weight": "1",
            }
        )
    values = {
        "theme": priority.theme,
        "tag": priority.tag,
        "description": priority.description,
        "window_start": priority.window_start.isoformat(),
        "window_end": priority.window_end.isoformat(),
        "submit_by": priority.submit_by.isoformat() if priority.submit_by else "",
        "weight": str(priority.weight),
    }
    values.update({f"target-{t.column_id}": str(t.episodes) for t in priority.targets})
    return Form(values)


def quarter_page(quarter: Quarter, typed: Mapping[str, Form] | None = None) -> QuarterPage:
    """Everything the quarter page shows, in five statements, with each form's values:
    what the viewer typed for ``typed``'s forms, the stored values for the rest."""
    session = request_session()
    meeting = session.scalar(
        select(Meeting)
        .where(Meeting.quarter_id == quarter.id)
        .options(selectinload(Meeting.attendance))
    )
    columns = list(session.scalars(select(Column).order_by(Column.level, Column.name, Column.id)))
    priorities = list(
        session.scalars(
            select(Priority)
            .where(Priority.quarter_id == quarter.id)
            .options(selectinload(Priority.targets))
            .order_by(Priority.window_start, Priority.id)
        )
    )
    forms = {
        "meeting": _meeting_form(meeting, quarter),
        "minutes": Form({"minutes": meeting.minutes if meeting else ""}),
        "priority-new": _priority_form(None, quarter),
    }
    forms.update({f"priority-{p.id}": _priority_form(p, quarter) for p in priorities})
    for attendance in meeting.attendance if meeting else []:
        forms[f"attendance-{attendance.column_id}"] = Form(
            {
                "status": attendance.status.value,
                "attendees": attendance.attendees,
                "notes": attendance.notes,
            }
        )
    forms.update(typed or {})
    return QuarterPage(quarter, meeting, columns, priorities, forms)


def _render_quarter(
    quarter: Quarter,
    typed: Mapping[str, Form] | None = None,
    *,
    error: str | None = None,
    status: int = 200,
) -> Page:
    page = quarter_page(quarter, typed)
    viewer = desk()
    editable = [
        c for c in page.columns if viewer.may_change_attendance(c.id) and page.meeting is not None
    ]
    for column in editable:
        page.forms.setdefault(
            f"attendance-{column.id}", Form({"status": AttendanceStatus.INVITED.value})
        )
    html = render_template(
        "liaison/quarter.html",
        page=page,
        quarter=quarter,
        meeting=page.meeting,
        desk=viewer,
        editable=editable,
        failed=set(typed or {}),
        attendance_failed=any(key.startswith("attendance-") for key in typed or {}),
        error=error,
        label=quarter_label(quarter),
        here=here,
        AGENDA=AGENDA,
        AGENDA_FIELD=AGENDA_FIELD,
        ATTENDANCE=ATTENDANCE,
        AttendanceStatus=AttendanceStatus,
    )
    return html, status


@bp.get("/<int:year>/<int:q>/")
def quarter(year: int, q: int) -> Page:
    return _render_quarter(_quarter(year, q))


def _refusal_page(quarter: Quarter, key: str, form: Form, error: DomainError) -> Page:
    """The quarter page again after a refused form: nothing stored, what was typed kept."""
    request_session().rollback()
    if isinstance(error, InvalidInput):
        refused(form, error)
        return _render_quarter(quarter, {key: form}, status=422)
    message = errors.describe(error)
    form.errors.setdefault("form", message)
    return _render_quarter(quarter, {key: form}, error=message, status=403)


def _done(quarter: Quarter, message: str, anchor: str) -> Response:
    flash(message)
    return redirect(url_for(".quarter", year=quarter.year, q=quarter.number, _anchor=anchor), 303)


# The meeting


def parse_meeting(data: Mapping[str, str]) -> tuple[service.MeetingSpec | None, Form]:
    form = Form.of(data, MEETING_FIELDS)
    day = form.day("day")
    starts, ends = _clock(form, "starts"), _clock(form, "ends")
    place = form.text("place", limit=200)
    agenda: list[tuple[AgendaKind, str]] = []
    for kind, name in AGENDA_FIELD.items():
        text = form.text(name, required=False, limit=MAX_AGENDA)
        agenda += [(kind, line.strip()) for line in text.splitlines() if line.strip()]
    if form.errors or day is None or starts is None or ends is None:
        return None, form
    spec = service.MeetingSpec(
        starts_at=datetime.combine(day, starts, SHANGHAI).astimezone(UTC),
        ends_at=datetime.combine(day, ends, SHANGHAI).astimezone(UTC),
        place=place,
        agenda=agenda,
    )
    return spec, form


def _meeting_act(year: int, q: int, changing: bool) -> Response | Page:
    session = request_session()
    found = _quarter(year, q)
    spec, form = parse_meeting(request.form)
    if not desk().city_liaison:
        return _refusal_page(found, "meeting", form, NOT_OFFICE)
    if spec is None:
        session.rollback()
        return _render_quarter(found, {"meeting": form}, status=422)
    meeting = session.scalar(select(Meeting).where(Meeting.quarter_id == found.id))
    try:
        if changing:
            if meeting is None:
                raise NotFound("no meeting to change")
            service.change_meeting(session, desk().person, meeting, spec, _now())
        else:
            service.schedule_meeting(session, desk().person, found, spec, _now())
    except (InvalidInput, Forbidden) as error:
        return _refusal_page(found, "meeting", form, error)
    done = _("通联会议已修改。") if changing else _("通联会议已安排，各栏目已列入参会名单。")
    return _done(found, done, "meeting")


@bp.post("/<int:year>/<int:q>/meeting")
def schedule_meeting(year: int, q: int) -> Response | Page:
    """The quarter's meeting; a second one is refused (the page offers changing the first)."""
    return _meeting_act(year, q, changing=False)


@bp.post("/<int:year>/<int:q>/meeting/change")
def change_meeting(year: int, q: int) -> Response | Page:
    return _meeting_act(year, q, changing=True)


def _meeting_of(quarter: Quarter) -> Meeting:
    meeting = request_session().scalar(select(Meeting).where(Meeting.quarter_id == quarter.id))
    if meeting is None:
        raise NotFound(f"{quarter.label} has no meeting yet")
    return meeting


@bp.post("/<int:year>/<int:q>/minutes")
def record_minutes(year: int, q: int) -> Response | Page:
    session = request_session()
    found = _quarter(year, q)
    form = Form.of(request.form, ("minutes",))
    meeting = _meeting_of(found)
    if not desk().city_liaison:
        return _refusal_page(found, "minutes", form, NOT_OFFICE)
    try:
        service.record_minutes(session, desk().person, meeting, form.values["minutes"], _now())
    except (InvalidInput, Forbidden) as error:
        return _refusal_page(found, "minutes", form, error)
    return _done(found, _("会议纪要已保存。"), "minutes")


@bp.post("/<int:year>/<int:q>/attendance/<int:column_id>")
def set_attendance(year: int, q: int, column_id: int) -> Response | Page:
    """A column's attendance: the liaison office for any column, a county liaison officer
    for their own (another column's is 403)."""
    session = request_session()
    found = _quarter(year, q)
    meeting = _meeting_of(found)
    column = session.get(Column, column_id)
    if column is None:
        raise NotFound(f"no column {column_id}")
    key = f"attendance-{column_id}"
    form = Form.of(request.form, ATTENDANCE_FIELDS)
    if not desk().may_change_attendance(column_id):
        request_session().rollback()
        return _render_quarter(found, error=refusals.said("attendance_own_column"), status=403)
    status = form.values.get("status", "")
    if status not in {s.value for s in AttendanceStatus}:
        form.errors["status"] = _("请选择参会、请假或待确认。")
    attendees = form.text("attendees", required=False, limit=400)
    notes = form.text("notes", required=False, limit=10_000)
    if form.errors:
        session.rollback()
        return _render_quarter(found, {key: form}, status=422)
    try:
        service.set_attendance(
            session,
            desk().person,
            meeting,
            column,
            _now(),
            status=AttendanceStatus(status),
            attendees=attendees,
            notes=notes,
        )
    except (InvalidInput, Forbidden) as error:
        return _refusal_page(found, key, form, error)
    return _done(found, _("《%(name)s》的参会情况已登记。", name=column.name), key)


# Priorities


def parse_priority(data: Mapping[str, str]) -> tuple[service.PrioritySpec | None, Form]:
    """The priority a form describes; a target input per column (``target-<column id>``),
    left empty for a column without a target."""
    form = Form.of(data, PRIORITY_FIELDS)
    form.values.update({k: str(v).strip() for k, v in data.items() if TARGET.match(k)})
    theme = form.text("theme", limit=120)
    tag = form.text("tag", limit=60)
    description = form.text("description", required=False, limit=MAX_DESCRIPTION)
    start, end = form.day("window_start"), form.day("window_end")
    submit_by = form.day("submit_by", required=False)
    weight = _whole(form, "weight")
    targets: dict[int, int] = {}
    for key in sorted(form.values):
        found = TARGET.match(key)
        if found and form.values[key]:
            episodes = _whole(form, key)
            if episodes is not None:
                targets[int(found.group(1))] = episodes
    if form.errors or start is None or end is None or weight is None:
        return None, form
    spec = service.PrioritySpec(
        theme=theme,
        tag=tag,
        window_start=start,
        window_end=end,
        weight=weight,
        description=description,
        submit_by=submit_by,
        targets=targets,
    )
    return spec, form


def _priority_act(year: int, q: int, priority_id: int | None) -> Response | Page:
    session = request_session()
    found = _quarter(year, q)
    priority = None
    if priority_id is not None:
        priority = session.get(Priority, priority_id)
        if priority is None or priority.quarter_id != found.id:
            raise NotFound(f"no priority {priority_id} in {found.label}")
    key = "priority-new" if priority is None else f"priority-{priority.id}"
    spec, form = parse_priority(request.form)
    if not desk().city_liaison:
        return _refusal_page(found, key, form, NOT_OFFICE)
    if spec is None:
        session.rollback()
        return _render_quarter(found, {key: form}, status=422)
    try:
        if priority is None:
            saved = service.add_priority(session, desk().person, found, spec, _now())
        else:
            saved = service.change_priority(session, desk().person, priority, spec, _now())
    except (InvalidInput, Forbidden) as error:
        return _refusal_page(found, key, form, error)
    if priority is None:
        words = _("已添加报道重点“%(theme)s”。", theme=saved.theme)
    else:
        words = _("报道重点“%(theme)s”已修改。", theme=saved.theme)
    return _done(found, words, f"priority-{saved.id}")


@bp.post("/<int:year>/<int:q>/priorities")
def add_priority(year: int, q: int) -> Response | Page:
    return _priority_act(year, q, None)


@bp.post("/<int:year>/<int:q>/priorities/<int:priority_id>")
def change_priority(year: int, q: int, priority_id: int) -> Response | Page:
    return _priority_act(year, q, priority_id)


# --- the dashboard --------------------------------------------------------------------------------


def _board(quarter: Quarter) -> tuple[Dashboard, dict[int, Column]]:
    """The quarter's figures and the columns in them: ``progress`` and two statements."""
    session = request_session()
    report = progress(session, quarter)
    ids = sorted({column_id for _p, column_id in report.cells})
    columns = list(
        session.scalars(
            select(Column).where(Column.id.in_(ids)).order_by(Column.level, Column.name, Column.id)
        )
    )
    board = dashboard(report, [c.id for c in columns], local_date(_now()))
    return board, {c.id: c for c in columns}


def _stage_labels() -> dict[str, str]:
    return {s.value: str(label) for s, label in STAGE.items()}


def _dashboard_context(quarter: Quarter) -> dict[str, Any]:
    board, columns = _board(quarter)
    names = {cid: c.name for cid, c in columns.items()}
    return {
        "quarter": quarter,
        "label": quarter_label(quarter),
        "board": board,
        "columns": columns,
        "bars": {f.priority.id: liaison_charts.bars(f, names) for f in board.priorities},
        "pace": {f.priority.id: liaison_charts.pace(f) for f in board.priorities},
        "STAGES": STAGES,
        "STAGE": _stage_labels(),
        "campaign_counts": _campaign_counts(quarter),
    }


def _campaign_counts(quarter: Quarter) -> list[CampaignCount]:
    """Each county's concentrated broadcast (集中播放) airings of the quarter: one statement."""
    return campaign_counts(request_session(), quarter.start, quarter.end, _now())


@bp.get("/<int:year>/<int:q>/dashboard")
def quarter_dashboard(year: int, q: int) -> str:
    return render_template("liaison/dashboard.html", **_dashboard_context(_quarter(year, q)))


@bp.get("/<int:year>/<int:q>/dashboard/print")
def dashboard_print(year: int, q: int) -> str:
    """For the meeting's handout: A4 landscape, no navigation, the charts and the tables."""
    found = _quarter(year, q)
    meeting = request_session().scalar(select(Meeting).where(Meeting.quarter_id == found.id))
    return render_template(
        "liaison/print.html",
        meeting=meeting,
        here=here,
        printed=here(_now()),
        **_dashboard_context(found),
    )


@bp.get("/<int:year>/<int:q>/dashboard.xlsx")
def dashboard_xlsx(year: int, q: int) -> FlaskResponse:
    found = _quarter(year, q)
    board, columns = _board(found)
    label = quarter_label(found)
    data = liaison_export.workbook(
        board,
        {cid: c.name for cid, c in columns.items()},
        _stage_labels(),
        _("%(label)s 各栏目加权得分", label=label),
        _campaign_counts(found),
    )
    return send_file(
        BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=_("%(label)s目标管理.xlsx", label=label),
        max_age=0,
    )


@bp.get("/<int:year>/<int:q>/dashboard/<int:priority_id>/<int:column_id>/<stage>")
def drill_down(year: int, q: int, priority_id: int, column_id: int, stage: str) -> str:
    """The episodes behind one number of the dashboard, with links to their pages."""
    try:
        chosen = Stage(stage)
    except ValueError:
        raise NotFound(f"no stage {stage}") from None
    found = _quarter(year, q)
    session = request_session()
    report = progress(session, found)
    priority = next((p for p in report.priorities if p.id == priority_id), None)
    if priority is None:
        raise NotFound(f"no priority {priority_id} in {found.label}")
    cell = report.cells.get((priority_id, column_id))
    ids = cell.episodes[chosen] if cell else []
    column = session.get(Column, column_id)
    if column is None:
        raise NotFound(f"no column {column_id}")
    return render_template(
        "liaison/drill.html",
        quarter=found,
        label=quarter_label(found),
        priority=priority,
        column=column,
        stage=chosen,
        STAGE=_stage_labels(),
        target=cell.target if cell else 0,
        drill=drill_list(session, title_sight(session, desk().person), ids),
        desk=desk(),
        here=here,
        STATE=labels.STATE,
        AIRING_STATUS=AIRING_STATUS,
        ASRUN={k: str(v) for k, v in asrun_labels.ASRUN.items()},
        OF_OUTCOME=OF_OUTCOME,
        UNCONFIRMED=AsRunState.UNCONFIRMED,
        AiringStatus=AiringStatus,
    )
