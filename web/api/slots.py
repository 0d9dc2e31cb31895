"""``/api/v1/columns/<slug>/slots`` and ``/api/v1/slots/<id>``: a column's slots (播出时段).

The same rule as the slot pages: a scheduler (编排) or administrator of the column reads
and creates its slots (``schedule.slots.require_scheduler``: 403 ``not_column_scheduler``
for a member of the column without that role); a column the caller holds no role in
answers as one that does not exist (404), as an episode of it would.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask.wrappers import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from editorial import workflow
from editorial.errors import InvalidInput, NotFound
from editorial.models import Column, Person
from schedule import fill, slots
from schedule.models import KeepEmpty, Slot, SlotKind
from web.api import access, encode
from web.api.access import MAX_ID
from web.api.blueprint import bp
from web.api.schema import NON_BLANK, TEXT, Operation, UnknownReference, operation
from web.db import request_session

SLOT_BODY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "local_start", "duration_s", "rrule", "first_date"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": NON_BLANK},
        "kind": {
            "type": "string",
            "enum": [k.value for k in SlotKind],
            "description": "default premiere",
        },
        "local_start": {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
            "description": "HH:MM in the slot's time zone",
        },
        "timezone": {
            "type": "string",
            "minLength": 1,
            "maxLength": 40,
            "pattern": TEXT,
            "description": f"an IANA time zone (default {slots.DEFAULT_TIMEZONE}); one "
            "unknown: 422 with `fields.timezone`",
        },
        "duration_s": {"type": "integer", "minimum": 1, "maximum": 86400},
        "rrule": {
            "type": "string",
            "minLength": 1,
            "maxLength": 500,
            "pattern": TEXT,
            "description": "RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=FR",
        },
        "first_date": {"type": "string", "format": "date"},
        "last_date": {"type": ["string", "null"], "format": "date"},
        "station": {"type": ["string", "null"], "maxLength": 80, "pattern": TEXT},
        "channel": {"type": ["string", "null"], "maxLength": 80, "pattern": TEXT},
        "rerun_of": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "a rerun: the id of the column's premiere slot it replays",
        },
        "rerun_back": {"type": "integer", "minimum": 1, "maximum": 52},
        "campaign": {"type": "boolean"},
    },
}


def _column(session: Session, person: Person, slug: str) -> Column:
    """The column, if the caller schedules or administers it; 404 if they hold no role in
    it (or it does not exist), 403 if they hold another."""
    column = session.scalar(select(Column).where(Column.slug == slug))
    if column is None or not workflow.roles_in(session, person, column.id):
        raise NotFound(f"no column {slug!r}")
    slots.require_scheduler(session, person, column)
    return column


@bp.get("/columns/<slug>/slots")
@operation(
    Operation(
        "The column's slots (播出时段), with their time zones and dates",
        tag="schedule",
        description="For a scheduler or administrator of the column.",
        result=encode.obj({"items": encode.array(encode.ref("Slot"))}),
        errors=(403, 404),
    )
)
def column_slots(slug: str) -> Response:
    session = request_session()
    column = _column(session, access.caller(), slug)
    listed = session.scalars(
        select(Slot)
        .where(Slot.column_id == column.id)
        .options(selectinload(Slot.dates))
        .order_by(Slot.kind, Slot.id)
    )
    return encode.respond({"items": [encode.slot(s) for s in listed]})


@bp.get("/slots/<int:slot_id>")
@operation(
    Operation(
        "One slot (播出时段)",
        tag="schedule",
        description="For a scheduler or administrator of its column.",
        result=encode.ref("Slot"),
        errors=(403, 404),
    )
)
def one_slot(slot_id: int) -> Response:
    session = request_session()
    slot = session.get(Slot, slot_id) if 0 < slot_id <= MAX_ID else None
    if slot is None:
        raise NotFound(f"no slot {slot_id}")
    _column(session, access.caller(), slot.column.slug)
    return encode.respond(encode.slot(slot))


@bp.post("/columns/<slug>/slots")
@operation(
    Operation(
        "Create a slot (播出时段) of the column",
        tag="schedule",
        description="For a scheduler or administrator of the column. The rule, the dates "
        "and the time zone are checked, and a slot overlapping another on the same "
        "channel is refused (422 with the fields at fault).",
        body=SLOT_BODY,
        ok=201,
        result=encode.ref("Slot"),
        errors=(403, 404),
    )
)
def create_slot(slug: str, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    column = _column(session, person, slug)
    rerun_of = None
    if body.get("rerun_of") is not None:
        rerun_of = session.get(Slot, body["rerun_of"])
        if rerun_of is None or rerun_of.column_id != column.id:
            raise UnknownReference(
                f"column {column.slug} has no slot {body['rerun_of']}",
                {"rerun_of": "no such slot in this column"},
                code="unknown_slot",
            )
    hours, minutes = body["local_start"].split(":")
    spec = slots.SlotSpec(
        name=body["name"],
        kind=SlotKind(body.get("kind") or SlotKind.PREMIERE.value),
        local_start=time(int(hours), int(minutes)),
        duration_s=body["duration_s"],
        rrule=body["rrule"],
        first_date=body["first_date"],
        last_date=body.get("last_date"),
        station=body.get("station") or None,
        channel=body.get("channel") or None,
        timezone=body.get("timezone") or slots.DEFAULT_TIMEZONE,
        rerun_of=rerun_of,
        rerun_back=body.get("rerun_back") or 1,
        campaign=bool(body.get("campaign")),
    )
    slot = slots.create_slot(session, person, column, access.now(), spec)
    return encode.respond(encode.slot(slot), 201)


EDIT_BODY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["updated_at"],
    "properties": {
        **{
            name: schema
            for name, schema in SLOT_BODY["properties"].items()  # type: ignore[attr-defined]
            if name not in {"kind", "campaign"}
        },
        "updated_at": {
            "type": "string",
            "maxLength": 40,
            "pattern": TEXT,
            "description": "the slot's `updated_at` as read; a stale one: 409",
        },
    },
}


@bp.patch("/slots/<int:slot_id>")
@operation(
    Operation(
        "Edit a slot (播出时段): name, time, duration, rule, dates, station, channel, time zone",
        tag="schedule",
        description="For a scheduler or administrator of its column. Send the fields to "
        "change with the `updated_at` you read; a stale one is refused with 409 "
        "(`slot_changed_meanwhile`). Bad input (the last date before the first, an invalid "
        "rule, an unknown time zone, a rerun replaying itself, an overlap): 422 with the "
        "fields at fault, the slot unchanged. The next build follows within one poll of the "
        "service: published or pinned airings no longer on an occurrence are cancelled and "
        "the column's schedulers and the responsible producer told. `last_date` null: "
        "open-ended.",
        body=EDIT_BODY,
        result=encode.ref("Slot"),
        errors=(403, 404, 409),
    )
)
def edit_slot(slot_id: int, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    slot = session.get(Slot, slot_id) if 0 < slot_id <= MAX_ID else None
    if slot is None:
        raise NotFound(f"no slot {slot_id}")
    column = _column(session, person, slot.column.slug)
    changes: dict[str, Any] = {k: v for k, v in body.items() if k != "updated_at"}
    if "local_start" in changes:
        hours, minutes = changes["local_start"].split(":")
        changes["local_start"] = time(int(hours), int(minutes))
    if "rerun_of" in changes and changes["rerun_of"] is not None:
        rerun_of = session.get(Slot, changes["rerun_of"])
        if rerun_of is None or rerun_of.column_id != column.id:
            raise UnknownReference(
                f"column {column.slug} has no slot {changes['rerun_of']}",
                {"rerun_of": "no such slot in this column"},
                code="unknown_slot",
            )
        changes["rerun_of"] = rerun_of
    for name in ("station", "channel"):
        if name in changes and not changes[name]:
            del changes[name]  # empty: keep what it is
    try:
        seen = datetime.fromisoformat(body["updated_at"])
    except ValueError:
        seen = None
    if seen is None or seen.tzinfo is None:
        raise InvalidInput(
            f"updated_at must be the slot's updated_at as read, not {body['updated_at']!r}",
            {"updated_at": "not a moment with its offset"},
            code="slot_updated_at",
        )
    edited = slots.edit_slot(session, person, slot.id, changes, seen, access.now())
    return encode.respond(encode.slot(edited))


# --- the rerun fill (补播) ---------------------------------------------------------------------

FILL = encode.obj(
    {
        "column": encode.ref("Column"),
        "fill": {"type": "boolean", "description": "on unless a scheduler switched it off"},
        "switched_by": encode.nullable(encode.ref("Person")),
        "switched_at": encode.OPT_MOMENT,
    },
    "Whether the builder fills the column's empty premiere occurrences inside the frozen "
    "horizon with a rerun of an aired episode (补播), and who switched it last.",
)
KEEP_EMPTY = encode.obj(
    {
        "slot": encode.INTEGER,
        "day": encode.DAY,
        "marked_by": encode.ref("Person"),
        "marked_at": encode.MOMENT,
        "removed_by": encode.nullable(encode.ref("Person")),
        "removed_at": encode.OPT_MOMENT,
    },
    "A premiere occurrence (the slot's local day) kept empty: no rerun fill there.",
)
DAY_BODY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["day"],
    "properties": {
        "day": {"type": "string", "format": "date", "description": "a local day the slot airs"}
    },
}


def _fill_state(session: Session, column: Column) -> dict[str, Any]:
    latest = fill.latest_switch(session, column)
    return {
        "column": encode.column(column),
        "fill": fill.fill_is_on(session, column),
        "switched_by": None if latest is None else encode.person(latest.switched_by),
        "switched_at": None if latest is None else encode.moment(latest.switched_at),
    }


def _mark(m: KeepEmpty) -> dict[str, Any]:
    return {
        "slot": m.slot_id,
        "day": m.day.isoformat(),
        "marked_by": encode.person(m.created_by),
        "marked_at": encode.moment(m.created_at),
        "removed_by": None if m.removed_by is None else encode.person(m.removed_by),
        "removed_at": encode.moment(m.removed_at),
    }


def _slot(session: Session, person: Person, slot_id: int) -> Slot:
    slot = session.get(Slot, slot_id) if 0 < slot_id <= MAX_ID else None
    if slot is None:
        raise NotFound(f"no slot {slot_id}")
    _column(session, person, slot.column.slug)
    return slot


@bp.get("/columns/<slug>/fill")
@operation(
    Operation(
        "Whether the column's empty premiere occurrences get a rerun fill (补播)",
        tag="schedule",
        description="For a scheduler or administrator of the column.",
        result=FILL,
        errors=(403, 404),
    )
)
def column_fill(slug: str) -> Response:
    session = request_session()
    return encode.respond(_fill_state(session, _column(session, access.caller(), slug)))


@bp.put("/columns/<slug>/fill")
@operation(
    Operation(
        "Switch the column's rerun fill (补播) on or off",
        tag="schedule",
        description="For a scheduler or administrator of the column; recorded (who, when). "
        "Switching it to what it is already: 409 `rerun_fill_on_already` or "
        "`rerun_fill_off_already`.",
        body={
            "type": "object",
            "additionalProperties": False,
            "required": ["fill"],
            "properties": {"fill": {"type": "boolean"}},
        },
        result=FILL,
        errors=(403, 404, 409),
    )
)
def switch_fill(slug: str, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    column = _column(session, person, slug)
    fill.switch_fill(session, person, column, body["fill"], access.now())
    return encode.respond(_fill_state(session, column))


@bp.get("/slots/<int:slot_id>/keep-empty")
@operation(
    Operation(
        "The slot's keep-empty marks, removed ones too",
        tag="schedule",
        description="For a scheduler or administrator of its column.",
        result=encode.obj({"items": encode.array(KEEP_EMPTY)}),
        errors=(403, 404),
    )
)
def kept_empty(slot_id: int) -> Response:
    session = request_session()
    slot = _slot(session, access.caller(), slot_id)
    return encode.respond({"items": [_mark(m) for m in fill.marks_of(session, slot)]})


@bp.post("/slots/<int:slot_id>/keep-empty")
@operation(
    Operation(
        "Mark one premiere occurrence to stay empty (no rerun fill, 补播)",
        tag="schedule",
        description="For a scheduler or administrator of its column. A day the slot does "
        "not air: 422 `keep_empty_day_not_aired`; a rerun slot: 422 "
        "`keep_empty_not_premiere`; a day marked already: 409 `keep_empty_marked_already`.",
        body=DAY_BODY,
        ok=201,
        result=KEEP_EMPTY,
        errors=(403, 404, 409),
    )
)
def keep_empty(slot_id: int, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    slot = _slot(session, person, slot_id)
    mark = fill.keep_empty(session, person, slot, body["day"], access.now())
    return encode.respond(_mark(mark), 201)


@bp.delete("/slots/<int:slot_id>/keep-empty/<day>")
@operation(
    Operation(
        "Remove a keep-empty mark: the builder may fill the occurrence again",
        tag="schedule",
        description="For a scheduler or administrator of its column; the mark stays on "
        "record, stamped with who removed it. None that day: 422 `keep_empty_not_marked`.",
        result=KEEP_EMPTY,
        errors=(403, 404),
    )
)
def unkeep_empty(slot_id: int, day: str) -> Response:
    session = request_session()
    person = access.caller()
    slot = _slot(session, person, slot_id)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise NotFound(f"no day {day!r}") from None
    return encode.respond(_mark(fill.unkeep_empty(session, person, slot, when, access.now())))
