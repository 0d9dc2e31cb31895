"""The as-run report page (播后核对): what the station's as-run log says of a channel's week.

Everyone holding a role in a column that airs on the channel sees it. The week is an ISO
week of local days (``2026-W49``, what a browser's week input sends); by default the
previous week, whose log the station has usually sent by now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from editorial.errors import Forbidden, InvalidInput
from editorial.workdays import SHANGHAI
from schedule.channels import get_channel
from schedule.models import BroadcastChannel, Slot
from station.asrun_report import (
    AsRunState,
    minutes_seconds,
    parse_week,
    signed_minutes_seconds,
    week_label,
    week_of,
    week_report,
)
from web import asrun_labels, errors, labels
from web.auth import current_person
from web.db import request_session
from web.schedule_views import desk_of

bp = Blueprint("asrun", __name__, url_prefix="/schedule/asrun")
SHEET_PAGE = "sheets.show"


def channels_of(session: Session, column_ids: list[int]) -> list[BroadcastChannel]:
    """The channels the slots of ``column_ids`` air on, by station and name."""
    if not column_ids:
        return []
    return list(
        session.scalars(
            select(BroadcastChannel)
            .where(
                select(Slot.id)
                .where(
                    Slot.station == BroadcastChannel.station,
                    Slot.channel == BroadcastChannel.name,
                    Slot.column_id.in_(column_ids),
                )
                .exists()
            )
            .order_by(BroadcastChannel.station, BroadcastChannel.name)
        )
    )


def _now() -> datetime:
    return datetime.now(UTC)


@bp.get("/")
@login_required
def report() -> Response | str:
    """The as-run report of ``channel`` (a code) for ``week`` (``2026-W49``)."""
    session = request_session()
    desk = desk_of(session, current_person())
    channels = channels_of(session, desk.ids)
    now = _now()
    code = request.args.get("channel", "")
    try:
        monday = parse_week(request.args["week"]) if "week" in request.args else None
    except InvalidInput as error:
        return errors.error_page(400, errors.describe(error))
    if monday is None:
        monday = week_of(now) - timedelta(days=7)
    if code:
        channel = get_channel(session, code)
        if channel.id not in {c.id for c in channels}:
            raise Forbidden(f"no column of yours airs on {code}", code="not_channel_member")
    else:
        channel = channels[0] if channels else None
    found = week_report(session, channel, monday, now) if channel is not None else None
    # The week's order sheet (播出单, ``web.sheet_views``) where that page is part of the app.
    sheet = None
    if channel is not None and SHEET_PAGE in current_app.view_functions:
        sheet = url_for(SHEET_PAGE, code=channel.code, week=week_label(monday))
    return render_template(
        "schedule/asrun.html",
        desk=desk,
        column=None,
        channels=channels,
        channel=channel,
        report=found,
        week=week_label(monday),
        sheet=sheet,
        monday=monday,
        this_week=week_label(week_of(now)),
        here=lambda moment: moment.astimezone(SHANGHAI),
        ASRUN={k: str(v) for k, v in asrun_labels.ASRUN.items()},
        STATES=list(AsRunState),
        WEEKDAYS=[str(w) for w in labels.WEEKDAYS],
        difference=signed_minutes_seconds,
        length=minutes_seconds,
        said_difference=asrun_labels.difference,
        timedelta=timedelta,
    )
