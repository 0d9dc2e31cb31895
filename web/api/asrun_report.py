"""``/api/v1/channels/<code>/asrun``: what the station's as-run logs say of a channel's week.

Only for a caller holding a role in a column that airs on the channel.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.wrappers import Response

from editorial.errors import Forbidden
from schedule.channels import get_channel
from station.asrun_report import parse_week, week_of, week_report
from web.api import access, encode
from web.api.blueprint import bp
from web.api.schema import Operation, Param, operation
from web.asrun_views import channels_of
from web.db import request_session

WEEK_PATTERN = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"


@bp.get("/channels/<code>/asrun")
@operation(
    Operation(
        "What the station's as-run log says of a channel's week (播后核对)",
        tag="schedule",
        description="Each planned airing of the ISO week (local days, Monday to Sunday) with "
        "its as-run state: confirmed, late, short, missing (from the latest as-run log "
        "covering it), unconfirmed (its time has passed, no log says so: 已播出（未确认）) or "
        "to_come; the log's entries no airing was planned for; the logs imported for those "
        "days. No such channel: 404; not a member of a column airing on it: 403; a week not "
        "written like 2026-W49: 422 `invalid_input`; a week its year has not (2027-W53): 422 "
        "`refused_value`.",
        query=(
            Param(
                "week",
                {"type": "string", "pattern": WEEK_PATTERN},
                "an ISO week, `2026-W49` (default: the previous week)",
            ),
        ),
        result=encode.ref("AsRunReport"),
        errors=(403, 404),
    )
)
def channel_asrun(code: str, query: dict[str, Any]) -> Response:
    session = request_session()
    now = access.now()
    monday = parse_week(query["week"]) if query["week"] is not None else None
    channel = get_channel(session, code)
    ids = list(session.scalars(access.my_column_ids(access.caller())))
    if channel.id not in {c.id for c in channels_of(session, ids)}:
        raise Forbidden(f"no column of yours airs on {code}", code="not_channel_member")
    report = week_report(session, channel, monday or week_of(now) - timedelta(days=7), now)
    return encode.respond(encode.asrun_report(report))
