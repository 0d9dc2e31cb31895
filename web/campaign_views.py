"""Campaign pages (集中播放): a county's schedulers plan a concentrated broadcast (a date
range and its daily airtimes on the local station) and see how the builder filled it.

The schedulers and administrators of a column see and plan its campaigns
(``schedule.campaigns``, whose rules ``schedule.slots.require_scheduler`` and the
slot checks make); a refusal shows the form again with what was typed (422, or 403).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from editorial.errors import Forbidden, InvalidInput, NotFound
from editorial.models import Column, Membership, Person
from editorial.workdays import SHANGHAI, local_date
from schedule import campaigns, slots
from web import errors, labels, schedule_reasons
from web.auth import current_person
from web.db import request_session

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

Page = tuple[str, int]
AIRTIME_ROWS = 4  # airtimes the form offers; a campaign has one or two, rarely more
CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
MINUTES = re.compile(r"^[0-9]{1,4}$")


def _now() -> datetime:
    return datetime.now(UTC)


def _columns(session: Session, person: Person) -> list[Column]:
    """The columns whose campaigns the person plans (scheduler or administrator)."""
    if not person.active:
        return []
    return list(
        session.scalars(
            select(Column)
            .join(Membership, Membership.column_id == Column.id)
            .where(Membership.person_id == person.id, Membership.role.in_(slots.SCHEDULING_ROLES))
            .distinct()
            .order_by(Column.has_fixed_slot, Column.level, Column.name, Column.id)
        )
    )


@dataclass
class Typed:
    """What the planning form holds: as typed, so a refusal loses nothing."""

    column: str = ""
    first_date: str = ""
    last_date: str = ""
    title: str = ""
    starts: tuple[str, ...] = ("19:00",) + ("",) * (AIRTIME_ROWS - 1)
    minutes: tuple[str, ...] = ("30",) + ("",) * (AIRTIME_ROWS - 1)


def _typed() -> Typed:
    form = request.form
    return Typed(
        column=form.get("column", "")[:20],
        first_date=form.get("first_date", "")[:20],
        last_date=form.get("last_date", "")[:20],
        title=form.get("title", "")[:60],
        starts=tuple(form.get(f"start_{i}", "")[:10].strip() for i in range(AIRTIME_ROWS)),
        minutes=tuple(form.get(f"minutes_{i}", "")[:10].strip() for i in range(AIRTIME_ROWS)),
    )


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name} {text!r} is not a date", {name: "not a date"}, code="campaign_date"
        ) from None


def _spec(typed: Typed) -> campaigns.CampaignSpec:
    airtimes = []
    for start, minutes in zip(typed.starts, typed.minutes, strict=True):
        if not start and not minutes:
            continue
        if not CLOCK.match(start) or not MINUTES.match(minutes):
            raise InvalidInput(
                f"the airtime {start} {minutes} is not a time and a length in minutes",
                {"airtimes": "not a time"},
                code="campaign_airtime",
                at=start or "—",
            )
        hours, mins = start.split(":")
        airtimes.append(campaigns.Airtime(time(int(hours), int(mins)), int(minutes) * 60))
    return campaigns.CampaignSpec(
        _day(typed.first_date, "first_date"),
        _day(typed.last_date, "last_date"),
        tuple(airtimes),
        title=typed.title.strip() or "集中播放",
    )


def _index(typed: Typed, status: int = 200, message: str | None = None) -> Page:
    session, person = request_session(), current_person()
    columns = _columns(session, person)
    found = campaigns.campaigns(session, column_ids=[c.id for c in columns])
    fills = [campaigns.fill(session, c) for c in found]
    html = render_template(
        "campaigns/index.html",
        columns=columns,
        fills=fills,
        typed=typed,
        message=message,
        today=local_date(_now()),
        rows=range(AIRTIME_ROWS),
    )
    return html, status


@bp.get("/")
@login_required
def index() -> Page:
    session = request_session()
    columns = _columns(session, current_person())
    default = next((c for c in columns if not c.has_fixed_slot), columns[0] if columns else None)
    return _index(Typed(column=str(default.id) if default else ""))


@bp.post("/")
@login_required
def plan() -> Page | Response:
    session, person = request_session(), current_person()
    typed = _typed()
    columns = _columns(session, person)
    column = next((c for c in columns if str(c.id) == typed.column), None)
    try:
        if column is None:
            raise Forbidden("plans no campaign of that column", code="plans_no_campaign")
        made = campaigns.plan_campaign(session, person, column, _now(), _spec(typed))
    except (InvalidInput, Forbidden) as error:
        session.rollback()
        return _index(typed, errors.status_of(error), errors.describe(error))
    flash(
        str(
            _l(
                "已安排集中播放：%(first)s至%(last)s",
                first=made.first_date.isoformat(),
                last=made.last_date.isoformat(),
            )
        )
    )
    return redirect(url_for("campaigns.show", slot_id=made.slots[0].id), code=303)


@bp.get("/<int:slot_id>")
@login_required
def show(slot_id: int) -> Page:
    """One campaign, by any of its slots: each occurrence and what airs in it."""
    session, person = request_session(), current_person()
    ids = [c.id for c in _columns(session, person)]
    found = next(
        (
            c
            for c in campaigns.campaigns(session, column_ids=ids)
            if any(s.id == slot_id for s in c.slots)
        ),
        None,
    )
    if found is None:
        raise NotFound(f"no campaign with slot {slot_id}")
    html = render_template(
        "campaigns/show.html",
        fill=campaigns.fill(session, found),
        labels=labels,
        said=schedule_reasons.said,
        local=lambda at: at.astimezone(SHANGHAI),
    )
    return html, 200
