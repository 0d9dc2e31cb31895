"""Series pages (连续报道): the series of the viewer's columns, a series with each part's
state and planned airing, and the producers' acts: create, edit, reorder the parts.

Everyone with a role in a column sees its series; its producers and admins plan them
(``editorial.series``, ``schedule.series``). A refused act shows its form again with
what was typed: bad input 422, a rule 403, an aired part or a stale version 409.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from werkzeug.wrappers import Response

from editorial import series as series_service
from editorial import workflow
from editorial.errors import Conflict, DomainError, Forbidden, IllegalAct, InvalidInput, NotFound
from editorial.models import Column, Membership, Person, Role, Series
from editorial.permissions import roles_in
from editorial.workdays import local_date
from schedule import series as series_schedule
from station.asrun_report import AiringAsRun, asrun_state
from web import asrun_labels, errors, labels
from web.auth import current_person
from web.db import request_session
from web.forms import SeriesEditForm, SeriesFields, SeriesForm
from web.schedule_views import STATUS, series_colour

bp = Blueprint("series", __name__, url_prefix="/series")

Page = tuple[str, int]


NUMBER = re.compile(r"^[0-9]{1,9}$")


def _now() -> datetime:
    return datetime.now(UTC)


def number(text: str | None) -> int | None:
    """A whole number typed in ASCII digits (no more than nine), else None."""
    text = (text or "").strip()
    return int(text) if NUMBER.match(text) else None


def _my_columns(session: Session, person: Person) -> list[tuple[Column, set[Role]]]:
    """The viewer's columns with their roles there, city first."""
    rows = session.execute(
        select(Column, Membership.role)
        .join(Membership, Membership.column_id == Column.id)
        .where(Membership.person_id == person.id)
        .order_by(Column.level, Column.name, Column.id)
    ).all()
    found: dict[int, tuple[Column, set[Role]]] = {}
    for column, role in rows:
        found.setdefault(column.id, (column, set()))[1].add(role)
    return list(found.values())


def _planned_columns(session: Session, person: Person) -> list[Column]:
    """The columns whose series the viewer plans (producer or admin there)."""
    return [
        c
        for c, roles in _my_columns(session, person)
        if person.active and series_service.may_plan(roles)
    ]


def visible_series(session: Session, viewer: Person, series_id: int) -> Series:
    """The series, if it is of one of the viewer's columns; else NotFound (reveal nothing)."""
    found = session.scalar(
        select(Series)
        .where(
            Series.id == series_id,
            Series.column_id.in_(
                select(Membership.column_id).where(Membership.person_id == viewer.id)
            ),
        )
        .options(joinedload(Series.column))
    )
    if found is None:
        raise NotFound("no such series")
    return found


# --- the list ---------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> Page:
    session, person = request_session(), current_person()
    columns = _my_columns(session, person)
    found = series_service.column_series(session, [c.id for c, _roles in columns])
    by_column = {c.id: [s for s in found if s.column_id == c.id] for c, _roles in columns}
    html = render_template(
        "series/index.html",
        columns=[c for c, _roles in columns],
        by_column=by_column,
        may_create=bool(_planned_columns(session, person)),
        series_colour=series_colour,
        today=local_date(_now()),
    )
    return html, 200


# --- one series -------------------------------------------------------------------------------


@dataclass
class SeriesPage:
    series: Series
    parts: list[series_schedule.Part]
    may_plan: bool
    may_propose: bool  # an editor-director of the column: proposes the missing parts
    aired_part: int | None  # the lowest part that has aired: no reordering then
    # What the station's as-run log says of the parts' airings shown (``asrun_state``).
    asrun: dict[int, AiringAsRun] = field(default_factory=dict)


def series_page(session: Session, viewer: Person, series_id: int) -> SeriesPage:
    series = visible_series(session, viewer, series_id)
    now = _now()
    roles = roles_in(session, viewer, series.column_id) if viewer.active else set()
    parts = series_schedule.series_parts(session, series, now)
    shown = [a for p in parts for a in (p.next_airing, p.aired) if a is not None]
    return SeriesPage(
        series=series,
        parts=parts,
        may_plan=series_service.may_plan(roles),
        may_propose=workflow.may_propose(roles),
        aired_part=series_schedule.first_aired_part(session, series, now),
        asrun=asrun_state(session, shown, now) if shown else {},
    )


def _render_show(
    page: SeriesPage,
    status: int = 200,
    message: str | None = None,
    typed: dict[int, str] | None = None,
) -> Page:
    numbers = {p.episode.id: str(p.number) for p in page.parts if p.episode is not None}
    html = render_template(
        "series/show.html",
        page=page,
        series=page.series,
        order=typed or numbers,
        message=message,
        labels=labels,
        airing_status=STATUS,
        asrun_badge=asrun_labels.badge,
        series_colour=series_colour,
    )
    return html, status


@bp.get("/<int:series_id>")
@login_required
def show(series_id: int) -> Page:
    return _render_show(series_page(request_session(), current_person(), series_id))


@bp.post("/<int:series_id>/reorder")
@login_required
def reorder(series_id: int) -> Page | Response:
    session, person = request_session(), current_person()
    series = visible_series(session, person, series_id)
    typed: dict[int, str] = {}
    for name, value in request.form.items():
        episode_id = number(name.removeprefix("part-")) if name.startswith("part-") else None
        if episode_id is not None:
            typed[episode_id] = value.strip()[:20]
    order: dict[int, int] = {}
    for episode_id, value in typed.items():
        part = number(value)
        if part is None:
            return _reorder_refused(
                session, person, series_id, typed, str(_l("请为每一集填写集数（整数）"))
            )
        order[episode_id] = part
    version = number(request.form.get("version"))
    try:
        series_schedule.reorder_parts(
            session, person, series, -1 if version is None else version, _now(), order
        )
    except (Conflict, InvalidInput, Forbidden, IllegalAct) as error:
        return _reorder_refused(session, person, series_id, typed, errors.describe(error), error)
    flash(str(_l("各集顺序已调整")))
    return redirect(url_for("series.show", series_id=series_id), code=303)


def _reorder_refused(
    session: Session,
    person: Person,
    series_id: int,
    typed: dict[int, str],
    message: str,
    error: DomainError | None = None,
) -> Page:
    session.rollback()
    page = series_page(session, person, series_id)
    status = 422 if error is None else errors.status_of(error)
    return _render_show(page, status, message, typed)


# --- creating and editing ---------------------------------------------------------------------


def _spec(form: SeriesFields) -> series_service.SeriesSpec:
    assert form.start_by.data is not None and form.parts.data is not None  # validated
    return series_service.SeriesSpec(
        title=form.title.data or "",
        parts=int(form.parts.data),
        start_by=form.start_by.data,
        relay=bool(form.relay.data),
    )


def _apply(form: SeriesFields, error: InvalidInput) -> str:
    """Put the domain's field errors on the form; return what belongs to no field."""
    rest: dict[str, str] = {}
    for name, text in errors.field_errors(error).items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, text]
        else:
            rest[name] = text
    if not error.fields:
        return errors.describe(error)
    return "；".join(rest.values())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Page | Response:
    session, person = request_session(), current_person()
    columns = _planned_columns(session, person)
    form = SeriesForm()
    form.column.choices = [(c.id, c.name) for c in columns]
    if request.method == "GET" and number(request.args.get("column")) is not None:
        form.column.data = number(request.args.get("column"))

    def page(status: int, message: str | None = None) -> Page:
        html = render_template("series/form.html", form=form, series=None, message=message)
        return html, status

    if not columns:
        return page(403, errors.describe(_not_planner()))
    if not form.is_submitted():
        return page(200)
    if not form.validate():
        return page(422, str(errors.HEADLINE[InvalidInput]))
    column = next((c for c in columns if c.id == form.column.data), None)
    if column is None:
        form.column.errors = [str(_l("请从列表中选择栏目"))]
        return page(422, str(errors.HEADLINE[InvalidInput]))
    try:
        created = series_service.create_series(session, person, column, _now(), _spec(form))
    except (InvalidInput, Forbidden) as error:
        session.rollback()
        message = _apply(form, error) if isinstance(error, InvalidInput) else None
        return page(errors.status_of(error), message or errors.describe(error))
    flash(str(_l("连续报道已建立：%(title)s", title=created.title)))
    return redirect(url_for("series.show", series_id=created.id), code=303)


def _not_planner() -> Forbidden:
    return Forbidden("not a producer or admin of any column", code="plans_no_series")


def _edit_form(series: Series) -> SeriesEditForm:
    return SeriesEditForm(
        formdata=None,
        data={
            "title": series.title,
            "parts": series.parts,
            "start_by": series.start_by,
            "relay": series.relay,
            "version": series.version,
        },
    )


@bp.route("/<int:series_id>/edit", methods=["GET", "POST"])
@login_required
def edit(series_id: int) -> Page | Response:
    session, person = request_session(), current_person()
    series = visible_series(session, person, series_id)
    series_service.planning_role(session, person, series.column)
    form = SeriesEditForm()

    def page(status: int, message: str | None = None) -> Page:
        html = render_template("series/form.html", form=form, series=series, message=message)
        return html, status

    if not form.is_submitted():
        form = _edit_form(series)
        return page(200)
    if not form.validate():
        return page(422, str(errors.HEADLINE[InvalidInput]))
    try:
        version = int(form.version.data or 0)
        series_service.edit_series(session, person, series, version, _now(), _spec(form))
    except (Conflict, InvalidInput, Forbidden) as error:
        session.rollback()
        series = visible_series(session, person, series_id)
        if isinstance(error, Conflict):  # the typed values, against the current version
            form.version.data, form.version.raw_data = series.version, None
        message = _apply(form, error) if isinstance(error, InvalidInput) else None
        return page(errors.status_of(error), message or errors.describe(error))
    flash(str(_l("连续报道已修改")))
    return redirect(url_for("series.show", series_id=series_id), code=303)
