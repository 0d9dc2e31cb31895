"""``/api/v1/columns/<slug>/campaigns``: a county's concentrated broadcasts (集中播放).

The same rule as the slots (``web.api.slots``): a scheduler or administrator of the
column plans and reads them; a column the caller holds no role in is a 404.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from flask.wrappers import Response

from schedule import campaigns
from web.api import access, encode
from web.api.blueprint import bp
from web.api.schema import TEXT, Operation, operation
from web.api.slots import _column
from web.db import request_session

CLOCK = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
CAMPAIGN_BODY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["first_date", "last_date", "airtimes"],
    "properties": {
        "first_date": {"type": "string", "format": "date"},
        "last_date": {"type": "string", "format": "date"},
        "airtimes": {
            "type": "array",
            "maxItems": 24,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["local_start", "duration_s"],
                "properties": {
                    "local_start": {"type": "string", "pattern": CLOCK, "description": "HH:MM"},
                    "duration_s": {"type": "integer", "minimum": 1, "maximum": 86400},
                },
            },
            "description": "the daily airtimes; none: 422 `campaign_no_airtimes`",
        },
        "title": {"type": ["string", "null"], "maxLength": 60, "pattern": TEXT},
        "station": {"type": ["string", "null"], "maxLength": 80, "pattern": TEXT},
        "channel": {"type": ["string", "null"], "maxLength": 80, "pattern": TEXT},
    },
}
OCCURRENCE = encode.obj({"slot": encode.INTEGER, "starts_at": encode.MOMENT})
CAMPAIGN = encode.obj(
    {
        "column": encode.ref("Column"),
        "first_date": encode.DAY,
        "last_date": encode.DAY,
        "slots": encode.array(encode.ref("Slot")),
        "filled": encode.INTEGER,
        "total": encode.INTEGER,
        "empty": encode.array(OCCURRENCE),
    },
    "A concentrated broadcast: its airtimes (slots) and how many of their occurrences "
    "are filled; `empty` lists the rest.",
)


def _campaign(fill: campaigns.Fill) -> dict[str, Any]:
    c = fill.campaign
    return {
        "column": encode.column(c.column),
        "first_date": c.first_date.isoformat(),
        "last_date": c.last_date.isoformat(),
        "slots": [encode.slot(s) for s in c.slots],
        "filled": fill.filled,
        "total": fill.total,
        "empty": [{"slot": o.slot.id, "starts_at": encode.moment(o.starts_at)} for o in fill.empty],
    }


@bp.get("/columns/<slug>/campaigns")
@operation(
    Operation(
        "The column's concentrated broadcasts (集中播放) and their fill",
        tag="schedule",
        description="For a scheduler or administrator of the column; campaigns that are "
        "over included.",
        result=encode.obj({"items": encode.array(CAMPAIGN)}),
        errors=(403, 404),
    )
)
def column_campaigns(slug: str) -> Response:
    session = request_session()
    column = _column(session, access.caller(), slug)
    found = campaigns.campaigns(session, column_ids=[column.id])
    return encode.respond({"items": [_campaign(campaigns.fill(session, c)) for c in found]})


@bp.post("/columns/<slug>/campaigns")
@operation(
    Operation(
        "Plan a concentrated broadcast (集中播放) of the column",
        tag="schedule",
        description="For a scheduler or administrator of the column: one daily slot per "
        "airtime from the first to the last day. Refused (422): an end before the start "
        "(`campaign_ends_before_start`), a range already over (`campaign_range_past`), no "
        "airtime (`campaign_no_airtimes`), airtimes overlapping each other "
        "(`campaign_airtimes_overlap`) or another slot on the channel (`slot_overlaps`).",
        body=CAMPAIGN_BODY,
        ok=201,
        result=CAMPAIGN,
        errors=(403, 404),
    )
)
def plan_campaign(slug: str, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    column = _column(session, person, slug)
    airtimes = tuple(
        campaigns.Airtime(time(*map(int, a["local_start"].split(":"))), a["duration_s"])
        for a in body["airtimes"]
    )
    spec = campaigns.CampaignSpec(
        body["first_date"],
        body["last_date"],
        airtimes,
        title=body.get("title") or "集中播放",
        station=body.get("station") or None,
        channel=body.get("channel") or None,
    )
    made = campaigns.plan_campaign(session, person, column, access.now(), spec)
    return encode.respond(_campaign(campaigns.fill(session, made)), 201)
