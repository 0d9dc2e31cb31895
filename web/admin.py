"""Administration: columns, slots (with a preview of their next occurrences), people and roles.

Only administrators (管理员: the admin role in any column) come in, except to
the slot pages (``SLOT_ENDPOINTS``), where a scheduler (编排) comes in too and
sees only the columns they schedule. Roles are granted and revoked in the
columns the person administers; columns and people may be created by any
administrator, and the creator of a column becomes its first administrator.
A column's slots are created, and their stop dates (停播) added and removed, by a
scheduler or administrator of that column, as
``schedule.slots.require_scheduler`` decides. Each form is parsed
here and handed to one service (``editorial.people``, ``editorial.accounts``,
``schedule.slots``); a refusal re-shows the form with each field's message
and stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.wrappers import Response as FlaskResponse
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.wrappers import Response

from editorial import accounts, outbox, people
from editorial.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from editorial.models import Channel, Column, DeliveryState, Level, Membership, Person, Role
from editorial.workdays import SHANGHAI
from schedule import fill, slots
from schedule.models import KeepEmpty, Slot, SlotDate, SlotKind
from schedule.recurrence import Occurrence, Recurrence, occurrences, zone
from scheduler import runs
from scheduler.models import RunStatus
from web import errors, labels, refusals
from web.auth import current_person
from web.db import request_session

bp = Blueprint("admin", __name__, url_prefix="/admin")

PREVIEW_COUNT = 10
PREVIEW_SPANS = (timedelta(days=400), timedelta(days=3660))
MAX_TEXT = 80
MAX_RULE = 500
MAX_REASON = 200
CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

LEVEL = labels.LEVEL
ROLE = labels.ROLE
KIND = labels.SLOT_KIND


def _now() -> datetime:
    return datetime.now(UTC)


# --- who may come in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admin:
    person: Person
    columns: frozenset[int]  # the columns this person administers

    def require(self, column: Column) -> None:
        if column.id not in self.columns:
            raise Forbidden(
                f"not an admin of column {column.slug}", code="not_column_admin", column=column.name
            )


def _admin(session: Session) -> Admin:
    person = current_person()
    ids = session.scalars(
        select(Membership.column_id).where(
            Membership.person_id == person.id, Membership.role == Role.ADMIN
        )
    )
    found = frozenset(ids)
    if not found or not person.active:
        raise Forbidden("only administrators enter the admin pages", code="admin_pages_only")
    return Admin(person, found)


def _scheduled_columns(session: Session, person: Person) -> frozenset[int]:
    """The columns whose slots the person manages (scheduler or administrator)."""
    ids = session.scalars(
        select(Membership.column_id).where(
            Membership.person_id == person.id, Membership.role.in_(slots.SCHEDULING_ROLES)
        )
    )
    return frozenset(ids) if person.active else frozenset()


# The slot pages, which a scheduler who administers nothing opens too.
SLOT_ENDPOINTS = frozenset(
    f"admin.{name}"
    for name in (
        "my_slots",
        "slots_page",
        "create_slot",
        "add_stop_date",
        "remove_stop_date",
        "slot_preview",
        "edit_slot_page",
        "edit_slot",
        "switch_fill",
        "keep_empty",
        "unkeep_empty",
    )
)


@bp.before_request
@login_required
def _only_admins() -> None:
    if not current_user.is_authenticated:
        return
    session = request_session()
    if request.endpoint not in SLOT_ENDPOINTS:
        _admin(session)
    elif not _scheduled_columns(session, current_person()):
        raise Forbidden(
            "only schedulers and administrators enter the slot pages", code="slot_pages_only"
        )


def _is_admin(session: Session, person: Person) -> bool:
    return (
        person.active
        and session.scalar(
            select(Membership.id)
            .where(Membership.person_id == person.id, Membership.role == Role.ADMIN)
            .limit(1)
        )
        is not None
    )


def _slot_column(session: Session, slug: str) -> Column:
    """A column whose slots the person signed in may see: an administrator sees every
    column's (and changes those they schedule or administer), a scheduler only their own."""
    column = _column(session, slug)
    person = current_person()
    if column.id not in _scheduled_columns(session, person) and not _is_admin(session, person):
        raise Forbidden(
            f"not a scheduler of column {column.slug}",
            code="not_column_scheduler",
            column=column.name,
        )
    return column


def _column(session: Session, slug: str) -> Column:
    column = session.scalar(select(Column).where(Column.slug == slug))
    if column is None:
        raise NotFound(f"no column {slug!r}")
    return column


# --- forms ----------------------------------------------------------------------------------------


@dataclass
class Form:
    """What was typed (shown again on a refusal) and each field's message."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, data: Mapping[str, str], names: tuple[str, ...]) -> Form:
        return cls({name: data.get(name, "").strip() for name in names})

    def text(self, name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
        value = self.values.get(name, "")
        if required and not value:
            self.errors.setdefault(name, _("必填。"))
        elif len(value) > limit:
            self.errors.setdefault(name, _("最多 %(n)d 个字符。", n=limit))
        return value

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.values.get(name, "")
        if not value:
            if required:
                self.errors.setdefault(name, _("请填写日期。"))
            return None
        return self._day(name, value)

    def _day(self, name: str, value: str) -> date | None:
        if not DAY.match(value):
            self.errors.setdefault(name, _("日期格式应为 年-月-日（例如 2026-03-02）。"))
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.errors.setdefault(name, _("日期 %(value)s 不存在。", value=value))
            return None

    def number(self, name: str, low: int, high: int) -> int | None:
        value = self.values.get(name, "")
        if not value.isdigit() or not low <= int(value) <= high:
            self.errors.setdefault(name, _("请填写 %(a)d 到 %(b)d 的整数。", a=low, b=high))
            return None
        return int(value)

    def refused(self, error: InvalidInput) -> None:
        """Put a service's refusal on its fields, in the reader's language."""
        said = errors.field_errors(error) if error.fields else {"form": errors.describe(error)}
        for name, message in said.items():
            self.errors.setdefault(name, message)


# --- columns --------------------------------------------------------------------------------------

COLUMN_FIELDS = ("slug", "name", "level", "station", "channel", "has_fixed_slot")


@bp.get("/")
def index() -> str:
    return _columns_page(Form({"level": Level.COUNTY.value, "has_fixed_slot": "1"}))


def _columns_page(form: Form) -> str:
    session = request_session()
    counts: dict[int, int] = {
        column_id: n
        for column_id, n in session.execute(
            select(Slot.column_id, func.count()).group_by(Slot.column_id)
        )
    }
    members: dict[int, int] = {
        column_id: n
        for column_id, n in session.execute(
            select(Membership.column_id, func.count(func.distinct(Membership.person_id))).group_by(
                Membership.column_id
            )
        )
    }
    columns = session.scalars(select(Column).order_by(Column.level, Column.slug)).all()
    return render_template(
        "admin/index.html",
        columns=columns,
        slot_counts=counts,
        member_counts=members,
        form=form,
        admin=_admin(session),
        LEVEL=LEVEL,
    )


@bp.post("/columns")
def create_column() -> Response | tuple[str, int]:
    session = request_session()
    admin = _admin(session)
    form = Form.of(request.form, COLUMN_FIELDS)
    slug = form.text("slug", limit=40)
    name = form.text("name")
    station = form.text("station")
    channel = form.text("channel")
    level = form.values.get("level", "")
    if level not in {v.value for v in Level}:
        form.errors["level"] = _("请选择级别。")
    if not form.errors:
        try:
            column = people.create_column(
                session,
                _now(),
                slug=slug,
                name=name,
                level=Level(level),
                station=station,
                channel=channel,
                has_fixed_slot=form.values.get("has_fixed_slot") == "1",
            )
        except InvalidInput as error:
            form.refused(error)
        else:
            people.grant_role(session, admin.person, column, Role.ADMIN, _now())
            flash(_("已建立栏目《%(name)s》，您是它的管理员。", name=column.name))
            return redirect(url_for(".slots_page", slug=column.slug))
    session.rollback()
    return _columns_page(form), 422


# --- slots ----------------------------------------------------------------------------------------

SLOT_FIELDS = (
    "name",
    "kind",
    "local_start",
    "timezone",
    "duration",
    "rrule",
    "first_date",
    "last_date",
    "rerun_of",
    "rerun_back",
    "campaign",
    "station",
    "channel",
    "exceptions",
    "extra_dates",
)


@dataclass(frozen=True)
class ParsedSlot:
    spec: slots.SlotSpec | None
    form: Form


def parse_slot(
    session: Session, column: Column, data: Mapping[str, str], *, preview_only: bool = False
) -> ParsedSlot:
    """The slot a form describes, or the form with each field's message.

    A preview needs no name yet.
    """
    form = Form.of(data, SLOT_FIELDS)
    name = form.text("name", required=not preview_only) or "preview"
    kind_value = form.values.get("kind") or SlotKind.PREMIERE.value
    if kind_value not in {k.value for k in SlotKind}:
        form.errors["kind"] = _("请选择首播或重播。")
    clock = CLOCK.match(form.values.get("local_start", ""))
    if clock is None:
        form.errors["local_start"] = _("播出时间格式应为 时:分（例如 20:00）。")
    timezone = form.values.get("timezone") or slots.DEFAULT_TIMEZONE
    try:
        zone(timezone)
    except InvalidInput as error:
        form.refused(error)
    minutes = form.number("duration", 1, 1440)
    rule = form.text("rrule", limit=MAX_RULE)
    first = form.day("first_date")
    last = form.day("last_date", required=False)
    rerun_back = form.number("rerun_back", 1, 52) if form.values.get("rerun_back") else 1
    station = form.text("station", required=False)
    channel = form.text("channel", required=False)
    rerun_of = _rerun_of(session, column, form)
    exceptions = _exceptions(form)
    extra = _extra_dates(form)
    if form.errors or clock is None or first is None or minutes is None or rerun_back is None:
        return ParsedSlot(None, form)
    spec = slots.SlotSpec(
        name=name,
        kind=SlotKind(kind_value),
        local_start=time(int(clock.group(1)), int(clock.group(2))),
        timezone=timezone,
        duration_s=minutes * 60,
        rrule=rule,
        first_date=first,
        last_date=last,
        station=station or None,
        channel=channel or None,
        rerun_of=rerun_of,
        rerun_back=rerun_back,
        campaign=form.values.get("campaign") == "1",
        exceptions=exceptions,
        extra_dates=extra,
    )
    return ParsedSlot(spec, form)


def _rerun_of(session: Session, column: Column, form: Form) -> Slot | None:
    value = form.values.get("rerun_of", "")
    if not value:
        return None
    found = session.get(Slot, int(value)) if value.isdigit() else None
    if found is None or found.column_id != column.id:
        form.errors["rerun_of"] = _("请选择本栏目的一个首播时段。")
        return None
    return found


def _lines(form: Form, name: str) -> list[str]:
    return [line.strip() for line in form.values.get(name, "").splitlines() if line.strip()]


def _exceptions(form: Form) -> dict[date, str]:
    """Lines of ``YYYY-MM-DD 原因``."""
    found: dict[date, str] = {}
    for line in _lines(form, "exceptions"):
        value, *rest = line.split(None, 1)
        reason = rest[0] if rest else ""
        day = form._day("exceptions", value)
        if day is not None:
            if not reason.strip():
                form.errors.setdefault("exceptions", refusals.said("stop_reasons_required"))
            found[day] = reason.strip()
    return found


def _extra_dates(form: Form) -> tuple[date, ...]:
    days = [form._day("extra_dates", value) for value in _lines(form, "extra_dates")]
    return tuple(d for d in days if d is not None)


def preview(spec: slots.SlotSpec, now: datetime) -> list[Occurrence]:
    """The rule's next occurrences from today (or its first date), computed as a slot's are."""
    recurrence = Recurrence(
        spec.rrule.strip().removeprefix("RRULE:"),
        spec.timezone,
        spec.local_start,
        spec.duration_s,
        spec.first_date,
        spec.last_date,
        frozenset(spec.exceptions),
        frozenset(spec.extra_dates),
    )
    start = max(now, datetime.combine(spec.first_date, time(), SHANGHAI).astimezone(UTC))
    found: list[Occurrence] = []
    for span in PREVIEW_SPANS:
        found = occurrences(recurrence, start, start + span)
        if len(found) >= PREVIEW_COUNT:
            break
    return found[:PREVIEW_COUNT]


def _preview_or_refusal(parsed: ParsedSlot, now: datetime) -> list[Occurrence] | None:
    if parsed.spec is None:
        return None
    try:
        return preview(parsed.spec, now)
    except InvalidInput as error:
        parsed.form.refused(error)
        return None


def describe(o: Occurrence) -> str:
    starts = o.starts_at.astimezone(SHANGHAI)
    ends = o.ends_at.astimezone(SHANGHAI)
    return f"{starts:%Y-%m-%d} {labels.WEEKDAYS[starts.weekday()]} {starts:%H:%M}–{ends:%H:%M}"


def _may_schedule(session: Session, column: Column) -> bool:
    """Whether the person signed in may add stop dates to the column's slots."""
    try:
        slots.require_scheduler(session, current_person(), column)
    except Forbidden:
        return False
    return True


def _slots_page(
    column: Column,
    form: Form,
    shown: list[Occurrence] | None = None,
    stop: tuple[int, Form] | None = None,
    unstop: tuple[int, Form] | None = None,
    keep: tuple[int, Form] | None = None,
    fill_error: str | None = None,
) -> str:
    """The column's slots; ``stop`` is a refused stop-date form and the slot it was for,
    ``unstop`` a refused removal of one, ``keep`` a refused keep-empty mark (or its
    removal), ``fill_error`` why switching the rerun fill was refused."""
    session = request_session()
    now = _now()
    may_schedule = _may_schedule(session, column)
    listed = session.scalars(
        select(Slot)
        .where(Slot.column_id == column.id)
        .options(
            selectinload(Slot.dates).options(
                joinedload(SlotDate.created_by), joinedload(SlotDate.removed_by)
            ),
            joinedload(Slot.rerun_of),
        )
        .order_by(Slot.kind, Slot.id)
    ).all()
    upcoming = {
        s.id: [describe(o) for o in slots.slot_occurrences(s, now, now + timedelta(days=60))[:3]]
        for s in listed
    }
    return render_template(
        "admin/slots.html",
        column=column,
        slots=listed,
        upcoming=upcoming,
        form=form,
        preview=None if shown is None else [describe(o) for o in shown],
        premieres=[s for s in listed if s.kind is SlotKind.PREMIERE],
        KIND=KIND,
        TIMEZONES=slots.TIMEZONES,
        DEFAULT_TIMEZONE=slots.DEFAULT_TIMEZONE,
        timezone_label=labels.timezone,
        may_create=may_schedule,
        may_schedule=may_schedule,
        is_admin=_is_admin(session, current_person()),
        stop_forms={s.id: stop[1] if stop and stop[0] == s.id else Form() for s in listed},
        unstop_forms={s.id: unstop[1] for s in listed if unstop and unstop[0] == s.id},
        MAX_REASON=MAX_REASON,
        fill_on=fill.fill_is_on(session, column),
        fill_switch=fill.latest_switch(session, column),
        fill_error=fill_error,
        marks=_marks(session, [s.id for s in listed if s.kind is SlotKind.PREMIERE]),
        keep_forms={s.id: keep[1] if keep and keep[0] == s.id else Form() for s in listed},
    )


def _marks(session: Session, slot_ids: list[int]) -> dict[int, list[KeepEmpty]]:
    """Each premiere slot's keep-empty marks (留空), removed ones too, by day."""
    found: dict[int, list[KeepEmpty]] = {i: [] for i in slot_ids}
    for m in session.scalars(
        select(KeepEmpty)
        .where(KeepEmpty.slot_id.in_(slot_ids))
        .options(joinedload(KeepEmpty.created_by), joinedload(KeepEmpty.removed_by))
        .order_by(KeepEmpty.day, KeepEmpty.id)
    ):
        found[m.slot_id].append(m)
    return found


def _new_slot_form() -> Form:
    today = datetime.now(SHANGHAI).date()
    return Form(
        {
            "kind": SlotKind.PREMIERE.value,
            "local_start": "20:00",
            "timezone": slots.DEFAULT_TIMEZONE,
            "duration": "30",
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
            "first_date": today.isoformat(),
            "rerun_back": "1",
        }
    )


@bp.get("/slots")
def my_slots() -> Response | str:
    """The menu's way to the slot pages: the columns whose slots the person manages (one
    column: straight to its slots)."""
    session = request_session()
    ids = _scheduled_columns(session, current_person())
    columns = session.scalars(
        select(Column).where(Column.id.in_(ids)).order_by(Column.level, Column.slug)
    ).all()
    if len(columns) == 1:
        return redirect(url_for(".slots_page", slug=columns[0].slug))
    return render_template("admin/my_slots.html", columns=columns, LEVEL=LEVEL)


@bp.get("/columns/<slug>/slots")
def slots_page(slug: str) -> str:
    return _slots_page(_slot_column(request_session(), slug), _new_slot_form())


@bp.post("/columns/<slug>/slots")
def create_slot(slug: str) -> Response | tuple[str, int]:
    """Preview (``action=preview``: nothing stored) or create the slot."""
    session = request_session()
    column = _slot_column(session, slug)
    slots.require_scheduler(session, current_person(), column)
    previewing = request.form.get("action") == "preview"
    parsed = parse_slot(session, column, request.form, preview_only=previewing)
    shown = _preview_or_refusal(parsed, _now())
    if previewing or parsed.spec is None or shown is None:
        session.rollback()
        status = 200 if previewing and shown is not None else 422
        return _slots_page(column, parsed.form, shown), status
    try:
        slot = slots.create_slot(session, current_person(), column, _now(), parsed.spec)
    except InvalidInput as error:
        parsed.form.refused(error)
        session.rollback()
        return _slots_page(_column(session, slug), parsed.form, shown), 422
    flash(_("已建立时段“%(name)s”。", name=slot.name))
    return redirect(url_for(".slots_page", slug=column.slug))


STOP_FIELDS = ("day", "reason")


def _scheduled_slot(session: Session, column: Column, slot_id: int) -> Slot:
    """The column's slot, if the person signed in may change its stop dates."""
    slot = session.get(Slot, slot_id)
    if slot is None or slot.column_id != column.id:
        raise NotFound(f"column {column.slug} has no slot {slot_id}")
    if not _may_schedule(session, column):
        raise Forbidden(
            f"not a scheduler of column {column.slug}",
            code="not_column_scheduler",
            column=column.name,
        )
    return slot


@bp.post("/columns/<slug>/slots/<int:slot_id>/exceptions")
def add_stop_date(slug: str, slot_id: int) -> Response | tuple[str, int]:
    """Add a stop date (停播) with its reason; the next automatic rebuild updates the schedule."""
    session = request_session()
    column = _column(session, slug)
    slot = _scheduled_slot(session, column, slot_id)
    form = Form.of(request.form, STOP_FIELDS)
    day = form.day("day")
    reason = form.text("reason", limit=MAX_REASON)
    if not form.errors and day is not None:
        try:
            slots.add_exception(session, current_person(), slot, day, reason, _now())
        except InvalidInput as error:
            form.refused(error)
        else:
            flash(
                _(
                    "已为“%(name)s”添加停播日期 %(day)s。排播将在下次自动重排时更新。",
                    name=slot.name,
                    day=day.isoformat(),
                )
            )
            return redirect(url_for(".slots_page", slug=column.slug))
    session.rollback()
    return _slots_page(_column(session, slug), _new_slot_form(), stop=(slot_id, form)), 422


@bp.post("/columns/<slug>/slots/<int:slot_id>/exceptions/remove")
def remove_stop_date(slug: str, slot_id: int) -> Response | tuple[str, int]:
    """Remove a stop date again, with a reason; the record of it stays on the page."""
    session = request_session()
    column = _column(session, slug)
    slot = _scheduled_slot(session, column, slot_id)
    form = Form.of(request.form, STOP_FIELDS)
    day = form.day("day")
    reason = form.text("reason", limit=MAX_REASON)
    status = 422
    if not form.errors and day is not None:
        try:
            slots.remove_exception(session, current_person(), slot, day, reason, _now())
        except InvalidInput as error:
            form.refused(error)
        except Conflict as error:
            form.errors["form"] = errors.describe(error)
            status = 409
        else:
            flash(
                _(
                    "已撤销“%(name)s”%(day)s 的停播，这一期恢复播出。排播将在下次自动重排时更新。",
                    name=slot.name,
                    day=day.isoformat(),
                )
            )
            return redirect(url_for(".slots_page", slug=column.slug))
    session.rollback()
    page = _slots_page(_column(session, slug), _new_slot_form(), unstop=(slot_id, form))
    return page, status


@bp.post("/columns/<slug>/fill")
def switch_fill(slug: str) -> Response | tuple[str, int]:
    """Switch the column's rerun fill (补播) on or off; the service rebuilds within a poll."""
    session = request_session()
    column = _slot_column(session, slug)
    on = request.form.get("fill") == "on"
    try:
        fill.switch_fill(session, current_person(), column, on, _now())
    except Conflict as error:
        session.rollback()
        column = _column(session, slug)
        return _slots_page(column, _new_slot_form(), fill_error=errors.describe(error)), 409
    if on:
        flash(_("已开启补播：首播空档将重播本栏目已播出的节目。排播将在下次自动重排时更新。"))
    else:
        flash(_("已关闭补播：首播空档将保持空档。排播将在下次自动重排时更新。"))
    return redirect(url_for(".slots_page", slug=column.slug))


KEEP_FIELDS = ("day",)


@bp.post("/columns/<slug>/slots/<int:slot_id>/keep-empty")
def keep_empty(slug: str, slot_id: int) -> Response | tuple[str, int]:
    """Mark one premiere occurrence to stay empty (留空): no rerun fill there."""
    return _keep_or_unkeep(slug, slot_id, fill.keep_empty)


@bp.post("/columns/<slug>/slots/<int:slot_id>/keep-empty/remove")
def unkeep_empty(slug: str, slot_id: int) -> Response | tuple[str, int]:
    """Remove a keep-empty mark: the occurrence may be filled again."""
    return _keep_or_unkeep(slug, slot_id, fill.unkeep_empty)


def _keep_or_unkeep(
    slug: str, slot_id: int, act: Callable[[Session, Person, Slot, date, datetime], KeepEmpty]
) -> Response | tuple[str, int]:
    session = request_session()
    column = _column(session, slug)
    slot = _scheduled_slot(session, column, slot_id)
    form = Form.of(request.form, KEEP_FIELDS)
    day = form.day("day")
    status = 422
    if not form.errors and day is not None:
        try:
            act(session, current_person(), slot, day, _now())
        except InvalidInput as error:
            form.refused(error)
        except Conflict as error:
            form.errors["form"] = errors.describe(error)
            status = 409
        else:
            named = {"name": slot.name, "day": day.isoformat()}
            if act is fill.keep_empty:
                flash(
                    _("“%(name)s”%(day)s 将保持空档，不补播。排播将在下次自动重排时更新。", **named)
                )
            else:
                flash(
                    _(
                        "“%(name)s”%(day)s 不再保持空档，可以补播。排播将在下次自动重排时更新。",
                        **named,
                    )
                )
            return redirect(url_for(".slots_page", slug=column.slug))
    session.rollback()
    page = _slots_page(_column(session, slug), _new_slot_form(), keep=(slot_id, form))
    return page, status


@bp.get("/columns/<slug>/slots/preview")
def slot_preview(slug: str) -> FlaskResponse:
    """The live preview: the next occurrences of the rule typed so far, or the fields' messages."""
    session = request_session()
    column = _slot_column(session, slug)
    parsed = parse_slot(session, column, request.args, preview_only=True)
    shown = _preview_or_refusal(parsed, _now())
    return jsonify(
        {
            "occurrences": [describe(o) for o in shown or []],
            "errors": parsed.form.errors if shown is None else {},
        }
    )


# --- editing a slot -------------------------------------------------------------------------------

SLOT_EDIT_FIELDS = (
    "name",
    "local_start",
    "timezone",
    "duration",
    "rrule",
    "first_date",
    "last_date",
    "rerun_of",
    "rerun_back",
    "station",
    "channel",
    "updated_at",
)


def _slot_edit_form(slot: Slot) -> Form:
    return Form(
        {
            "name": slot.name,
            "local_start": f"{slot.local_start:%H:%M}",
            "timezone": slot.timezone,
            "duration": str(slot.duration_s // 60),
            "rrule": slot.rrule,
            "first_date": slot.first_date.isoformat(),
            "last_date": slot.last_date.isoformat() if slot.last_date else "",
            "rerun_of": str(slot.rerun_of_id or ""),
            "rerun_back": str(slot.rerun_back),
            "station": slot.station,
            "channel": slot.channel,
            "updated_at": slot.updated_at.isoformat(),
        }
    )


def _slot_edit_page(column: Column, slot: Slot, form: Form) -> str:
    premieres = request_session().scalars(
        select(Slot)
        .where(Slot.column_id == column.id, Slot.kind == SlotKind.PREMIERE, Slot.id != slot.id)
        .order_by(Slot.id)
    )
    return render_template(
        "admin/slot_edit.html",
        column=column,
        slot=slot,
        form=form,
        premieres=list(premieres),
        KIND=KIND,
        TIMEZONES=slots.TIMEZONES,
        DEFAULT_TIMEZONE=slots.DEFAULT_TIMEZONE,
        timezone_label=labels.timezone,
    )


@bp.get("/columns/<slug>/slots/<int:slot_id>/edit")
def edit_slot_page(slug: str, slot_id: int) -> str:
    session = request_session()
    column = _column(session, slug)
    slot = _scheduled_slot(session, column, slot_id)
    return _slot_edit_page(column, slot, _slot_edit_form(slot))


def _seen_at(value: str) -> datetime | None:
    try:
        seen = datetime.fromisoformat(value)
    except ValueError:
        return None
    return seen if seen.tzinfo is not None else None


@bp.post("/columns/<slug>/slots/<int:slot_id>/edit")
def edit_slot(slug: str, slot_id: int) -> Response | tuple[str, int]:
    """Change a slot's settings; the next automatic rebuild moves its airings. A refusal,
    or an edit of a slot someone changed since the form was opened (409), keeps it as it was."""
    session = request_session()
    column = _column(session, slug)
    slot = _scheduled_slot(session, column, slot_id)
    data = {**request.form.to_dict(), "kind": slot.kind.value}
    parsed = parse_slot(session, column, data)
    form = Form.of(request.form, SLOT_EDIT_FIELDS)
    form.errors.update(parsed.form.errors)
    seen = _seen_at(form.values.get("updated_at", ""))
    status = 422
    if parsed.spec is not None:
        spec = parsed.spec
        changes = {
            "name": spec.name,
            "local_start": spec.local_start,
            "timezone": spec.timezone,
            "duration_s": spec.duration_s,
            "rrule": spec.rrule,
            "first_date": spec.first_date,
            "last_date": spec.last_date,
            "rerun_of": spec.rerun_of,
            "rerun_back": spec.rerun_back,
            "station": spec.station,
            "channel": spec.channel,
        }
        try:
            # A form that does not say which version it edits is as stale as an old one.
            seen_at = seen or datetime.min.replace(tzinfo=UTC)
            slots.edit_slot(session, current_person(), slot.id, changes, seen_at, _now())
        except InvalidInput as error:
            form.refused(error)
            if "duration_s" in form.errors:
                form.errors.setdefault("duration", form.errors.pop("duration_s"))
        except Conflict as error:
            form.errors["form"] = errors.describe(error)
            status = 409
        else:
            flash(
                _(
                    "已修改时段“%(name)s”。排播将在下次自动重排时更新。",
                    name=slot.name,
                )
            )
            return redirect(url_for(".slots_page", slug=column.slug))
    session.rollback()
    column = _column(session, slug)
    slot = _scheduled_slot(session, column, slot_id)
    return _slot_edit_page(column, slot, form), status


# --- people and roles -----------------------------------------------------------------------------

PERSON_FIELDS = ("username", "display_name", "email", "password", "column", "role")
GRANT_FIELDS = ("username", "column", "role")


@bp.get("/people")
def people_page() -> str:
    return _people_page(Form(), Form())


def _people_page(new: Form, grant: Form, error: str | None = None) -> str:
    session = request_session()
    listed = session.scalars(
        select(Person)
        .options(selectinload(Person.memberships).joinedload(Membership.column))
        .order_by(Person.username)
    ).all()
    return render_template(
        "admin/people.html",
        people=listed,
        columns=session.scalars(select(Column).order_by(Column.level, Column.slug)).all(),
        new=new,
        grant=grant,
        error=error,
        admin=_admin(session),
        ROLE=ROLE,
        roles=list(Role),
    )


def _role(form: Form) -> Role | None:
    value = form.values.get("role", "")
    if value not in {r.value for r in Role}:
        form.errors["role"] = _("请选择角色。")
        return None
    return Role(value)


@bp.post("/people")
def create_person() -> Response | tuple[str, int]:
    """A new person with an initial password, and optionally a first role."""
    session = request_session()
    admin = _admin(session)
    form = Form.of(request.form, PERSON_FIELDS)
    form.values["password"] = request.form.get("password", "")  # spaces count in a password
    username = form.text("username", limit=60)
    display_name = form.text("display_name")
    email = form.text("email", required=False, limit=200)
    if email and "@" not in email:
        form.errors["email"] = _("邮箱地址不完整。")
    problem = accounts.password_problem(form.values["password"])
    if problem:
        form.errors["password"] = refusals.said(problem, **accounts.PASSWORD_LIMITS)
    column, role = None, None
    if form.values.get("column"):
        column = session.scalar(select(Column).where(Column.slug == form.values["column"]))
        role = _role(form)
        if column is None:
            form.errors["column"] = _("请选择栏目。")
        elif column.id not in admin.columns:
            form.errors["column"] = _("您不是《%(name)s》的管理员。", name=column.name)
    if not form.errors:
        try:
            person = people.create_person(
                session, _now(), username=username, display_name=display_name, email=email or None
            )
        except InvalidInput as error:
            form.refused(error)
        else:
            accounts.set_password(session, person, form.values["password"], _now())
            if column is not None and role is not None:
                people.grant_role(session, person, column, role, _now())
            flash(_("已建立账号 %(u)s。", u=person.username))
            return redirect(url_for(".people_page"))
    session.rollback()
    form.values["password"] = ""
    return _people_page(form, Form()), 422


@bp.post("/roles/grant")
def grant() -> Response | tuple[str, int]:
    session = request_session()
    admin = _admin(session)
    form = Form.of(request.form, GRANT_FIELDS)
    person = session.scalar(select(Person).where(Person.username == form.values["username"]))
    column = session.scalar(select(Column).where(Column.slug == form.values["column"]))
    role = _role(form)
    if person is None:
        form.errors["username"] = _("没有这个用户名。")
    if column is None:
        form.errors["column"] = _("请选择栏目。")
    elif column.id not in admin.columns:
        form.errors["column"] = _("您不是《%(name)s》的管理员。", name=column.name)
    if form.errors or person is None or column is None or role is None:
        return _people_page(Form(), form), 422
    people.grant_role(session, person, column, role, _now())
    flash(
        _(
            "已授予 %(who)s《%(col)s》的%(role)s角色。",
            who=person.display_name,
            col=column.name,
            role=ROLE[role],
        )
    )
    return redirect(url_for(".people_page"))


def _membership(session: Session, admin: Admin, membership_id: int) -> Membership:
    """A role in a column the administrator administers; else NotFound / Forbidden."""
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(f"no membership {membership_id}")
    admin.require(membership.column)
    return membership


@bp.get("/roles/<int:membership_id>/revoke")
def confirm_revoke(membership_id: int) -> str:
    """Removing a role asks first: this page says whose role in which column goes."""
    session = request_session()
    membership = _membership(session, _admin(session), membership_id)
    return render_template("admin/revoke.html", membership=membership, ROLE=ROLE)


@bp.post("/roles/<int:membership_id>/revoke")
def revoke(membership_id: int) -> Response | tuple[str, int] | str:
    """Remove a role once confirmed (``confirm=1``, the confirmation page's button);
    without it, the confirmation page and nothing removed."""
    session = request_session()
    membership = _membership(session, _admin(session), membership_id)
    if request.form.get("confirm") != "1":
        return render_template("admin/revoke.html", membership=membership, ROLE=ROLE)
    person, column, role = membership.person, membership.column, membership.role
    try:
        people.revoke_role(session, person, column, role)
    except DomainError as error:
        session.rollback()
        status = 409 if isinstance(error, Forbidden) else 404
        return _people_page(Form(), Form(), error=errors.describe(error)), status
    flash(
        _(
            "已撤销 %(who)s《%(col)s》的%(role)s角色。",
            who=person.display_name,
            col=column.name,
            role=ROLE[role],
        )
    )
    return redirect(url_for(".people_page"))


# --- the scheduler service ------------------------------------------------------------------------

DELIVERY_STATE = {
    DeliveryState.PENDING: _l("待发送"),
    DeliveryState.SENDING: _l("发送中"),
    DeliveryState.SENT: _l("已发送"),
    DeliveryState.FAILED: _l("投递失败"),
}
CHANNEL = {
    Channel.EMAIL: _l("电子邮件"),
    Channel.WECOM: _l("企业微信机器人"),
    Channel.DINGTALK: _l("钉钉机器人"),
}

RUN_STATUS = {
    RunStatus.RUNNING: _l("运行中"),
    RunStatus.DONE: _l("完成"),
    RunStatus.FAILED: _l("失败"),
    RunStatus.MISSED: _l("错过"),
}
# The scheduler service's jobs (scheduler.service), by their ids.
JOB = {
    "rebuild-nightly": _l("每晚重新编排"),
    "rebuild-on-change": _l("有变动时重新编排"),
    "publish-frozen": _l("发布临近的播出"),
    "mark-aired": _l("标记已播出"),
    "review-reminders": _l("审片提醒"),
    "liaison-reminders": _l("通联提醒"),
    "sync-feeds": _l("同步日历订阅"),
    "deliver-notifications": _l("投递通知"),
    "media-work": _l("媒体处理"),
    "import-feeds": _l("导入县级日历"),
    "prune-runs": _l("清理运行记录"),
    "forget-sign-ins": _l("清理登录记录"),
}
_LATE = re.compile(r"^late by (?P<late>.+), past its misfire grace$")


def job_label(job_id: str) -> str:
    return str(JOB[job_id]) if job_id in JOB else job_id


def run_detail(detail: str) -> str:
    """Why a run was missed, in the reader's language (scheduler.jobs writes English); a
    failure's error stays as the program said it."""
    if detail == "its previous run had not ended":
        return _("上一次运行尚未结束")
    if found := _LATE.match(detail):
        return _("晚了 %(late)s，超过了允许的延误", late=found["late"].split(".")[0])
    return detail


@bp.get("/service")
def service_page() -> str:
    """Each job of the scheduler service with its last run, and the recent failures."""
    session = request_session()
    mine = _admin(session).columns
    return render_template(
        "admin/service.html",
        last=sorted(runs.last_runs(session).values(), key=lambda run: run.job_id),
        problems=runs.recent_problems(session),
        STATUS=RUN_STATUS,
        job_label=job_label,
        run_detail=run_detail,
        deliveries=outbox.counts(session, columns=mine),
        delivery_problems=outbox.problems(session, limit=50, columns=mine),
        DELIVERY_STATE=DELIVERY_STATE,
        CHANNEL=CHANNEL,
        tz=SHANGHAI,
    )


@bp.post("/service/deliveries/<int:delivery_id>/retry")
def retry_delivery(delivery_id: int) -> Response:
    """Put a failed notification delivery back in line (重新投递): one of the deliveries of
    the columns the admin administers."""
    session = request_session()
    try:
        outbox.retry(session, delivery_id, _now(), columns=_admin(session).columns)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(errors.describe(error))
    else:
        flash(str(_l("已重新安排投递")))
    return redirect(url_for("admin.service_page", _anchor="deliveries"), code=303)
