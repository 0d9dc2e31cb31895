"""What the API answers: JSON as UTF-8 (Chinese stays Chinese), and each
representation beside the schema the OpenAPI document gives for it.

Moments are ISO 8601 in UTC with their offset (``2026-03-02T01:00:00+00:00``);
where a person reads them, a ``…_local`` twin gives the same moment in
Asia/Shanghai (``2026-03-02T09:00:00+08:00``). Days are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask.wrappers import Response
from flask_babel import force_locale

from calendars.models import ExternalAiring
from editorial import review_notes
from editorial.models import (
    Column,
    Comment,
    Episode,
    HistoryEntry,
    Notification,
    Person,
    ReviewNote,
    Role,
    Series,
    Stage,
    State,
)
from editorial.workdays import SHANGHAI
from editorial.workflow import Act
from media.models import JobKind, JobState, MediaJob, MediaVersion
from schedule.models import Airing, AiringStatus, Slot, SlotDateKind, SlotKind
from schedule.series import Part
from station.asrun_report import AiringAsRun, AsRunReport, AsRunState
from web import asrun_labels, labels, notices
from web.api.schema import Schema

Json = dict[str, Any]


def respond(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=dict(headers or {}), mimetype="application/json")


def chinese(label: object) -> str:
    """A label in Chinese, whatever language the caller's pages are in: the API's own."""
    with force_locale("zh"):
        return str(label)


def moment(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def local(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(SHANGHAI).isoformat()


def slot(s: Slot) -> Json:
    dates = sorted(s.dates, key=lambda d: d.day)
    return {
        "id": s.id,
        "column": column(s.column),
        "name": s.name,
        "kind": s.kind.value,
        "station": s.station,
        "channel": s.channel,
        "timezone": s.timezone,
        "local_start": f"{s.local_start:%H:%M}",
        "duration_s": s.duration_s,
        "rrule": s.rrule,
        "first_date": s.first_date.isoformat(),
        "last_date": day(s.last_date),
        "rerun_of": s.rerun_of_id,
        "rerun_back": s.rerun_back,
        "campaign": s.campaign,
        "stop_dates": [
            {"day": d.day.isoformat(), "reason": d.reason}
            for d in dates
            if d.kind is SlotDateKind.EXCEPTION
        ],
        "extra_dates": [d.day.isoformat() for d in dates if d.kind is SlotDateKind.EXTRA],
        "updated_at": moment(s.updated_at),
    }


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
MOMENT: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}
OPT_STRING: Schema = {"type": ["string", "null"]}
OPT_INTEGER: Schema = {"type": ["integer", "null"]}
OPT_MOMENT: Schema = {"type": ["string", "null"], "format": "date-time"}
OPT_DAY: Schema = {"type": ["string", "null"], "format": "date"}


def obj(properties: dict[str, Schema], description: str = "") -> Schema:
    """An object with every listed property always present."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


# --- people and columns -----------------------------------------------------------------------


def person(p: Person) -> Json:
    return {"id": p.id, "username": p.username, "display_name": p.display_name}


def column(c: Column) -> Json:
    return {"id": c.id, "slug": c.slug, "name": c.name, "level": c.level.value}


# --- episodes ---------------------------------------------------------------------------------


def episode(e: Episode) -> Json:
    series = e.series
    return {
        "id": e.id,
        "column": column(e.column),
        "title": e.title,
        "topic": e.topic,
        "synopsis": e.synopsis,
        "genre": e.genre,
        "target_duration_s": e.target_duration_s,
        "director": person(e.director),
        "responsible_producer": person(e.responsible_producer),
        "air_by": day(e.air_by),
        "series": None
        if series is None
        else {"id": series.id, "title": series.title, "parts": series.parts},
        "part_number": e.part_number,
        "priority_tags": e.priority_tags,
        "state": e.state.value,
        "state_label": chinese(labels.STATE[e.state]),
        "version": e.version,
        "review_round": e.review_round,
        "state_entered_at": moment(e.state_entered_at),
        "state_entered_at_local": local(e.state_entered_at),
        "review_due": day(e.review_due),
        "review_due_estimated": e.review_due_estimated,
        "media_version": e.media_version,
        "media_qc_passed": e.media_qc_passed,
        "offered_for_exchange": e.offered_for_exchange,
        "created_at": moment(e.created_at),
    }


def episode_detail(e: Episode, acts: Iterable[Act]) -> Json:
    return {**episode(e), "acts": [a.value for a in acts]}


def page(items: list[Json], total: int, limit: int, offset: int) -> Json:
    return {"items": items, "total": total, "limit": limit, "offset": offset}


# --- history and comments ---------------------------------------------------------------------


ROLES = frozenset(r.value for r in Role)


def history_entry(h: HistoryEntry) -> Json:
    role = h.actor_role
    return {
        "seq": h.seq,
        "act": h.act,
        "actor": None if h.actor is None else person(h.actor),
        "role": role,
        "role_label": chinese(labels.ROLE[Role(role)]) if role in ROLES else None,
        "at": moment(h.at),
        "at_local": local(h.at),
        "from_state": h.from_state,
        "to_state": h.to_state,
        "reason": h.reason,
        "checklist": h.checklist,
        "media_version": h.media_version,
        "details": h.details,
        "hash": h.hash,
    }


def comment(c: Comment) -> Json:
    return {
        "id": c.id,
        "author": person(c.author),
        "at": moment(c.at),
        "at_local": local(c.at),
        "body": c.body,
    }


def review_note(n: ReviewNote) -> Json:
    return {
        "id": n.id,
        "media_version": n.media_version,
        "review_round": n.review_round,
        "stage": n.stage.value,
        "timecode": review_notes.format_timecode(n.frame, n.fps),
        "frame": n.frame,
        "fps": n.fps,
        "seconds": round(review_notes.seconds_at(n.frame, n.fps), 6),
        "body": n.body,
        "author": person(n.author),
        "at": moment(n.created_at),
        "resolved_at": moment(n.resolved_at),
        "resolved_by": person(n.resolved_by) if n.resolved_by is not None else None,
    }


# --- media ----------------------------------------------------------------------------------


def media_job(j: MediaJob, outputs: Mapping[str, str]) -> Json:
    """Work on a media version; ``outputs`` are the addresses of the files it made."""
    step = labels.JOB_STEP.get(j.step)
    return {
        "id": j.id,
        "kind": j.kind.value,
        "state": j.state.value,
        "state_label": chinese(labels.JOB_STATE[j.state]),
        "step": j.step,
        "step_label": chinese(step) if step else "",
        "progress": j.progress,
        "requested_at": moment(j.requested_at),
        "started_at": moment(j.started_at),
        "finished_at": moment(j.finished_at),
        "error": j.error,
        "outputs": dict(outputs),
        "log": j.log.splitlines() if j.log else None,
    }


def media_version(v: MediaVersion, current: bool, jobs: list[Json]) -> Json:
    return {
        "number": v.number,
        "current": current,
        "original_name": v.original_name,
        "sha256": v.sha256,
        "size_bytes": v.size_bytes,
        "uploaded_by": person(v.uploaded_by),
        "uploaded_at": moment(v.uploaded_at),
        "uploaded_at_local": local(v.uploaded_at),
        "probe": v.probe,
        "qc": v.qc,
        "qc_passed": v.qc_passed,
        "jobs": jobs,
    }


# --- series -----------------------------------------------------------------------------------


def series(s: Series) -> Json:
    return {
        "id": s.id,
        "column": column(s.column),
        "title": s.title,
        "parts": s.parts,
        "start_by": day(s.start_by),
        "relay": s.relay,
        "version": s.version,
        "created_at": moment(s.created_at),
        "created_by": None if s.created_by is None else person(s.created_by),
        "updated_at": moment(s.updated_at),
        "updated_by": None if s.updated_by is None else person(s.updated_by),
    }


def _next_airing(a: Airing | None) -> Json | None:
    if a is None:
        return None
    return {
        "id": a.id,
        "slot": {"id": a.slot.id, "name": a.slot.name},
        "kind": a.kind.value,
        "status": a.status.value,
        "starts_at": moment(a.starts_at),
        "starts_at_local": local(a.starts_at),
    }


def series_detail(s: Series, parts: Iterable[Part]) -> Json:
    return {
        **series(s),
        "part_list": [
            {
                "part": p.number,
                "episode": None
                if p.episode is None
                else {
                    "id": p.episode.id,
                    "title": p.episode.title,
                    "state": p.episode.state.value,
                    "state_label": chinese(labels.STATE[p.episode.state]),
                    "version": p.episode.version,
                },
                "next_airing": _next_airing(p.next_airing),
                "aired_at": None if p.aired is None else moment(p.aired.starts_at),
            }
            for p in parts
        ],
    }


# --- the air schedule -------------------------------------------------------------------------


def asrun(state: AiringAsRun | None) -> Json | None:
    """What the station's as-run log says of an airing (None: a cancelled one)."""
    if state is None:
        return None
    return {
        "state": state.state.value,
        "label": chinese(asrun_labels.ASRUN[state.state]),
        "late_s": state.late_s,
        "short_s": state.short_s,
        "actual_start": moment(state.actual_start),
        "actual_duration_ms": state.actual_duration_ms,
    }


def airing(a: Airing, state: AiringAsRun | None = None) -> Json:
    e = a.episode
    series = e.series
    return {
        "id": a.id,
        "external": False,
        "column": column(a.slot.column),
        "slot": {"id": a.slot.id, "name": a.slot.name},
        "station": a.slot.station,
        "channel": a.slot.channel,
        "kind": a.kind.value,
        "status": a.status.value,
        "pinned": a.pinned,
        "exchange": a.exchange,
        "fill": a.fill,
        "starts_at": moment(a.starts_at),
        "ends_at": moment(a.ends_at),
        "starts_at_local": local(a.starts_at),
        "ends_at_local": local(a.ends_at),
        "episode": {"id": e.id, "title": e.title},
        "series_part": None
        if series is None
        else {
            "series_id": series.id,
            "title": series.title,
            "part": e.part_number,
            "parts": series.parts,
        },
        "revision": a.revision,
        "reason": a.reason,
        "asrun": asrun(state),
    }


def asrun_report(r: AsRunReport) -> Json:
    return {
        "channel": {"code": r.channel.code, "station": r.channel.station, "name": r.channel.name},
        "week": r.week,
        "from": r.monday.isoformat(),
        "to": r.sunday.isoformat(),
        "timezone": "Asia/Shanghai",
        "counts": {**{s.value: r.counts[s] for s in AsRunState}, "unplanned": len(r.unplanned)},
        "planned": [
            {
                "airing": line.airing.id,
                "column": line.column,
                "episode": {"id": line.airing.episode_id, "title": line.title},
                "kind": line.airing.kind.value,
                "starts_at": moment(line.airing.starts_at),
                "starts_at_local": local(line.airing.starts_at),
                "duration_s": int((line.airing.ends_at - line.airing.starts_at).total_seconds()),
                "asrun": asrun(line.asrun),
            }
            for line in r.planned
        ],
        "unplanned": [
            {
                "log": e.log_id,
                "row": e.row,
                "starts_at": moment(e.starts_at),
                "starts_at_local": local(e.starts_at),
                "duration_ms": e.duration_ms,
                "title": e.title,
                "house_id": e.house_id,
                "status": e.status,
            }
            for e in r.unplanned
        ],
        "logs": [
            {
                "id": log.id,
                "file_name": log.file_name,
                "first_day": log.first_day.isoformat(),
                "last_day": log.last_day.isoformat(),
                "rows": log.rows,
                "imported_by": log.imported_by,
                "imported_at": moment(log.imported_at),
            }
            for log in r.logs
        ],
    }


def external_airing(x: ExternalAiring) -> Json:
    """An airing a county column's own system published and the city imported."""
    return {
        "id": x.id,
        "external": True,
        "column": column(x.source.column),
        "source": {"id": x.source.id, "name": x.source.name},
        "starts_at": moment(x.starts_at),
        "ends_at": moment(x.ends_at),
        "starts_at_local": local(x.starts_at),
        "ends_at_local": local(x.ends_at),
        "all_day": x.all_day,
        "summary": x.summary,
        "location": x.location,
        "has_uid": x.source_uid is not None,
        "imported_at": moment(x.imported_at),
    }


# --- notifications ----------------------------------------------------------------------------


def notification(n: Notification) -> Json:
    episode = n.episode
    return {
        "id": n.id,
        "kind": n.kind,
        "kind_label": chinese(notices.KIND[n.kind]) if n.kind in notices.KIND else n.kind,
        "message": n.message,
        "episode": None if episode is None else {"id": episode.id, "title": episode.title},
        "actor": None if n.actor is None else person(n.actor),
        "reason": n.reason,
        "created_at": moment(n.created_at),
        "created_at_local": local(n.created_at),
        "read": n.dismissed_at is not None,
        "read_at": moment(n.dismissed_at),
    }


# --- schemas of the above (components of the OpenAPI document) --------------------------------

PERSON = obj({"id": INTEGER, "username": STRING, "display_name": STRING})
COLUMN = obj(
    {
        "id": INTEGER,
        "slug": STRING,
        "name": STRING,
        "level": {"type": "string", "enum": ["city", "county"]},
    }
)
STATES = [s.value for s in State]
EPISODE_FIELDS: dict[str, Schema] = {
    "id": INTEGER,
    "column": ref("Column"),
    "title": STRING,
    "topic": STRING,
    "synopsis": STRING,
    "genre": STRING,
    "target_duration_s": INTEGER,
    "director": ref("Person"),
    "responsible_producer": ref("Person"),
    "air_by": OPT_DAY,
    "series": nullable(obj({"id": INTEGER, "title": STRING, "parts": INTEGER})),
    "part_number": OPT_INTEGER,
    "priority_tags": array(STRING),
    "state": {"type": "string", "enum": STATES},
    "state_label": {"type": "string", "description": "the state in Chinese, e.g. 待复审"},
    "version": {
        "type": "integer",
        "description": "send it back with an act or an edit: a stale one is refused with 409",
    },
    "review_round": INTEGER,
    "state_entered_at": MOMENT,
    "state_entered_at_local": MOMENT,
    "review_due": {
        **OPT_DAY,
        "description": "the working day the current review stage is due by",
    },
    "review_due_estimated": BOOLEAN,
    "media_version": OPT_INTEGER,
    "media_qc_passed": {
        "type": ["boolean", "null"],
        "description": "the current master's QC verdict (null: no master, or no QC ran); "
        "false: a sign-off confirms technical quality only with a `qc_override` reason",
    },
    "offered_for_exchange": BOOLEAN,
    "created_at": MOMENT,
}
EPISODE = obj(EPISODE_FIELDS, "An episode (节目) and where it stands in the workflow.")
EPISODE_DETAIL = obj(
    {
        **EPISODE_FIELDS,
        "acts": {
            **array({"type": "string", "enum": [a.value for a in Act]}),
            "description": "the acts the caller may take now, and only those "
            "(edit: PATCH the episode; the others: POST …/acts)",
        },
    },
    "An episode with the acts the caller may take on it now.",
)
EPISODE_PAGE = obj(
    {"items": array(ref("Episode")), "total": INTEGER, "limit": INTEGER, "offset": INTEGER}
)
HISTORY_ENTRY = obj(
    {
        "seq": INTEGER,
        "act": STRING,
        "actor": nullable(ref("Person")),
        "role": OPT_STRING,
        "role_label": OPT_STRING,
        "at": MOMENT,
        "at_local": MOMENT,
        "from_state": OPT_STRING,
        "to_state": STRING,
        "reason": OPT_STRING,
        "checklist": {"type": ["object", "null"], "additionalProperties": BOOLEAN},
        "media_version": OPT_INTEGER,
        "details": {"type": ["object", "null"]},
        "hash": STRING,
    },
    "One act on the episode, kept forever (操作记录); hash-chained.",
)
COMMENT = obj(
    {"id": INTEGER, "author": ref("Person"), "at": MOMENT, "at_local": MOMENT, "body": STRING}
)
REVIEW_NOTE = obj(
    {
        "id": INTEGER,
        "media_version": INTEGER,
        "review_round": INTEGER,
        "stage": {"type": "string", "enum": [s.value for s in Stage]},
        "timecode": STRING,
        "frame": INTEGER,
        "fps": {"type": "number"},
        "seconds": {"type": "number", "description": "where a player seeks to show the frame"},
        "body": STRING,
        "author": ref("Person"),
        "at": MOMENT,
        "resolved_at": OPT_MOMENT,
        "resolved_by": nullable(ref("Person")),
    }
)
AIRING = obj(
    {
        "id": INTEGER,
        "external": {"const": False},
        "column": ref("Column"),
        "slot": obj({"id": INTEGER, "name": STRING}),
        "station": STRING,
        "channel": STRING,
        "kind": {"type": "string", "enum": [k.value for k in SlotKind]},
        "status": {"type": "string", "enum": [s.value for s in AiringStatus]},
        "pinned": BOOLEAN,
        "exchange": {
            "type": "boolean",
            "description": "an episode of another column aired by exchange (交流)",
        },
        "fill": {
            "type": "boolean",
            "description": "a rerun the builder put into an empty premiere occurrence (补播)",
        },
        "starts_at": MOMENT,
        "ends_at": MOMENT,
        "starts_at_local": MOMENT,
        "ends_at_local": MOMENT,
        "episode": obj({"id": INTEGER, "title": STRING}),
        "series_part": nullable(
            obj({"series_id": INTEGER, "title": STRING, "part": INTEGER, "parts": INTEGER})
        ),
        "revision": INTEGER,
        "reason": STRING,
        "asrun": nullable(ref("AsRunState")),
    },
    "One occurrence of a slot with the episode that airs in it (播出安排).",
)
ASRUN_STATES = [s.value for s in AsRunState]
ASRUN_STATE = obj(
    {
        "state": {
            "type": "string",
            "enum": ASRUN_STATES,
            "description": "confirmed (已播出（已确认）), late (迟播), short (时长不足), missing "
            "(漏播): what the station's as-run log says; unconfirmed (已播出（未确认）): its "
            "time has passed and no log says it aired; to_come (待播出)",
        },
        "label": STRING,
        "late_s": {
            "type": ["integer", "null"],
            "description": "seconds it started after (negative: before) its planned start",
        },
        "short_s": {
            "type": ["integer", "null"],
            "description": "seconds it aired shorter than planned (0: full length)",
        },
        "actual_start": OPT_MOMENT,
        "actual_duration_ms": OPT_INTEGER,
    },
    "What the station's as-run log (播后记录) says of an airing.",
)
ASRUN_REPORT = obj(
    {
        "channel": obj({"code": STRING, "station": STRING, "name": STRING}),
        "week": STRING,
        "from": DAY,
        "to": DAY,
        "timezone": STRING,
        "counts": obj({**{v: INTEGER for v in ASRUN_STATES}, "unplanned": INTEGER}),
        "planned": array(
            obj(
                {
                    "airing": INTEGER,
                    "column": STRING,
                    "episode": obj({"id": INTEGER, "title": STRING}),
                    "kind": {"type": "string", "enum": [k.value for k in SlotKind]},
                    "starts_at": MOMENT,
                    "starts_at_local": MOMENT,
                    "duration_s": INTEGER,
                    "asrun": ref("AsRunState"),
                }
            )
        ),
        "unplanned": array(
            obj(
                {
                    "log": INTEGER,
                    "row": INTEGER,
                    "starts_at": MOMENT,
                    "starts_at_local": MOMENT,
                    "duration_ms": INTEGER,
                    "title": STRING,
                    "house_id": STRING,
                    "status": STRING,
                }
            )
        ),
        "logs": array(
            obj(
                {
                    "id": INTEGER,
                    "file_name": STRING,
                    "first_day": DAY,
                    "last_day": DAY,
                    "rows": INTEGER,
                    "imported_by": STRING,
                    "imported_at": MOMENT,
                }
            )
        ),
    },
    "A channel's week as the station's as-run logs tell it (播后核对).",
)
SLOT = obj(
    {
        "id": INTEGER,
        "column": ref("Column"),
        "name": STRING,
        "kind": {"type": "string", "enum": [k.value for k in SlotKind]},
        "station": STRING,
        "channel": STRING,
        "timezone": {
            "type": "string",
            "description": "the IANA time zone of local_start and the rule (default Asia/Shanghai)",
        },
        "local_start": {"type": "string", "description": "HH:MM, in the slot's time zone"},
        "duration_s": INTEGER,
        "rrule": {"type": "string", "description": "RFC 5545 RRULE value"},
        "first_date": DAY,
        "last_date": OPT_DAY,
        "rerun_of": OPT_INTEGER,
        "rerun_back": INTEGER,
        "campaign": {"type": "boolean", "description": "a concentrated broadcast window"},
        "stop_dates": array(obj({"day": DAY, "reason": STRING})),
        "extra_dates": array(DAY),
        "updated_at": {
            **MOMENT,
            "description": "send it back with an edit: a stale one is refused with 409",
        },
    },
    "A slot (播出时段): a recurring premiere or rerun of a column.",
)
EXTERNAL_AIRING = obj(
    {
        "id": INTEGER,
        "external": {"const": True},
        "column": ref("Column"),
        "source": obj({"id": INTEGER, "name": STRING}),
        "starts_at": MOMENT,
        "ends_at": MOMENT,
        "starts_at_local": MOMENT,
        "ends_at_local": MOMENT,
        "all_day": BOOLEAN,
        "summary": STRING,
        "location": STRING,
        "has_uid": BOOLEAN,
        "imported_at": MOMENT,
    },
    "An airing imported from a county column's own feed: not ours to change.",
)
MEDIA_JOB = obj(
    {
        "id": INTEGER,
        "kind": {
            "type": "string",
            "enum": [k.value for k in JobKind],
            "description": "review: contact sheet and review proxy (审看样片); package: the "
            "broadcast master with the column's opening and closing (栏目包装)",
        },
        "state": {"type": "string", "enum": [s.value for s in JobState]},
        "state_label": STRING,
        "step": {
            "type": "string",
            "description": "what it is making now: contact_sheet, proxy, poster or packaged",
        },
        "step_label": STRING,
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "requested_at": MOMENT,
        "started_at": OPT_MOMENT,
        "finished_at": OPT_MOMENT,
        "error": OPT_STRING,
        "outputs": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "per file made (contact_sheet, proxy, poster, packaged), its address: "
            "GET it with the same token; Range requests work",
        },
        "log": {
            "type": ["array", "null"],
            "items": STRING,
            "description": "what the worker chose and why, a line each, in English as it "
            "wrote them (packaging: stream copy or re-encoded, the reasons, the checks "
            "passed); null when it wrote none",
        },
    },
    "Work on a media version, done by the scheduler service's media workers.",
)
QC_RULE: Schema = {
    "type": "object",
    "required": ["code", "label", "passed", "measured", "expected"],
    "properties": {
        "code": {
            "type": "string",
            "description": "duration, resolution, frame_rate, audio, loudness, true_peak",
        },
        "label": {"type": "string", "description": "the rule in Chinese, e.g. 平均响度"},
        "passed": BOOLEAN,
        "measured": {"type": "string", "description": "what the master has, in Chinese"},
        "expected": {"type": "string", "description": "what the column asks, in Chinese"},
        "params": {
            "type": "object",
            "description": "the numbers measured and required, by rule (missing from a "
            "report stored before rules had them): duration: seconds, target_seconds, "
            "tolerance_seconds, slot_max_seconds; resolution: width, height, sizes; "
            "frame_rate: fps, expected_fps; audio: present, codec; loudness: lkfs, "
            "target_lkfs, tolerance_lu, present; true_peak: dbtp, max_dbtp, present",
        },
    },
}
MEDIA_VERSION = obj(
    {
        "number": {"type": "integer", "description": "1, 2, … per episode"},
        "current": {"type": "boolean", "description": "the episode's master now"},
        "original_name": STRING,
        "sha256": STRING,
        "size_bytes": INTEGER,
        "uploaded_by": ref("Person"),
        "uploaded_at": MOMENT,
        "uploaded_at_local": MOMENT,
        "probe": {
            "type": ["object", "null"],
            "description": "what ffmpeg read: duration (s), width, height, fps, video_codec, "
            "audio_codec, has_audio",
        },
        "qc": {
            "type": ["object", "null"],
            "properties": {"passed": BOOLEAN, "rules": array(QC_RULE)},
            "description": "the QC report against the column's delivery specification: one "
            "pass/fail rule each, and the measured loudness",
        },
        "qc_passed": {"type": ["boolean", "null"]},
        "jobs": {**array(ref("MediaJob")), "description": "newest first"},
    },
    "One uploaded master of an episode (媒体版本) and its QC report.",
)
MEDIA_LIST = obj(
    {
        "current": {**OPT_INTEGER, "description": "the number of the current version"},
        "versions": {**array(ref("MediaVersion")), "description": "newest first"},
    }
)
MEDIA_UPLOADED = obj(
    {"media": ref("MediaVersion"), "episode": ref("EpisodeDetail")},
    "The new media version, and the episode it changed (its new version and state).",
)
SCHEDULE = obj(
    {
        "from": DAY,
        "to": DAY,
        "timezone": {"const": "Asia/Shanghai"},
        "airings": array({"oneOf": [ref("Airing"), ref("ExternalAiring")]}),
    }
)
FEED = obj(
    {
        "kind": {"type": "string", "enum": ["all", "column", "liaison"]},
        "name": STRING,
        "description": STRING,
        "column": {"type": ["string", "null"], "description": "the column's slug"},
        "path": STRING,
        "https": {"type": "string", "format": "uri"},
        "webcal": {"type": "string", "format": "uri"},
    }
)
FEEDS = obj({"feeds": array(ref("Feed")), "personal": STRING})
NOTIFICATION = obj(
    {
        "id": INTEGER,
        "kind": {
            "type": "string",
            "description": "topic_proposed, topic_approved, topic_rejected, submitted, "
            "stage_signed, approved, returned, handed_over, pulled, review_due, "
            "liaison_meeting, liaison_behind, airing_cancelled, asrun_problems",
        },
        "kind_label": {"type": "string", "description": "the kind in Chinese, e.g. 退回修改"},
        "message": {"type": "string", "description": "the message in Chinese"},
        "episode": nullable(obj({"id": INTEGER, "title": STRING})),
        "actor": {**nullable(ref("Person")), "description": "who acted (null: the service)"},
        "reason": {"type": "string", "description": "why (a return's reason), or empty"},
        "created_at": MOMENT,
        "created_at_local": MOMENT,
        "read": BOOLEAN,
        "read_at": OPT_MOMENT,
    },
    "A notification (通知) for the caller: a hand-off, a reminder or a deadline.",
)
NOTIFICATION_PAGE = obj(
    {
        "items": array(ref("Notification")),
        "total": INTEGER,
        "limit": INTEGER,
        "offset": INTEGER,
        "unread_count": {"type": "integer", "description": "all the caller's unread ones"},
    }
)
SERIES_FIELDS: dict[str, Schema] = {
    "id": INTEGER,
    "column": ref("Column"),
    "title": STRING,
    "parts": INTEGER,
    "start_by": DAY,
    "relay": {"type": "boolean", "description": "county columns relay it (转播)"},
    "version": {
        "type": "integer",
        "description": "send it back with an edit or a reordering: a stale one is refused with 409",
    },
    "created_at": MOMENT,
    "created_by": nullable(ref("Person")),
    "updated_at": OPT_MOMENT,
    "updated_by": nullable(ref("Person")),
}
SERIES = obj(SERIES_FIELDS, "A series (连续报道): a major topic run in parts that air in order.")
SERIES_LIST = obj({"items": array(ref("Series"))})
SERIES_PART = obj(
    {
        "part": INTEGER,
        "episode": nullable(
            obj(
                {
                    "id": INTEGER,
                    "title": STRING,
                    "state": {"type": "string", "enum": STATES},
                    "state_label": STRING,
                    "version": INTEGER,
                }
            )
        ),
        "next_airing": nullable(
            obj(
                {
                    "id": INTEGER,
                    "slot": obj({"id": INTEGER, "name": STRING}),
                    "kind": {"type": "string", "enum": [k.value for k in SlotKind]},
                    "status": {"type": "string", "enum": [s.value for s in AiringStatus]},
                    "starts_at": MOMENT,
                    "starts_at_local": MOMENT,
                }
            )
        ),
        "aired_at": {**OPT_MOMENT, "description": "when its last airing aired, if one has"},
    },
    "One part number of a series: its episode (null: not proposed yet) and its next "
    "planned airing (null: none).",
)
SERIES_DETAIL = obj(
    {**SERIES_FIELDS, "part_list": array(SERIES_PART)},
    "A series with each part number from 1 to `parts`.",
)
ERROR = obj(
    {
        "status": INTEGER,
        "error": {
            "type": "string",
            "description": "a code: unauthorized, forbidden, not_found, method_not_allowed, "
            "conflict, illegal_act, invalid_input (does not fit the OpenAPI document), "
            "unknown_reference, refused_value, bad_request, unsupported_media_type, "
            "payload_too_large, internal_error; for a refused master (422) the refusal's "
            "code: not_video, incomplete, empty, audio_only, too_large, timeout, failed, …",
        },
        "message": STRING,
        "reason": {
            "type": "string",
            "description": "the refusal's own code, where a rule refused (four_eyes, "
            "stale_version, not_in_this_state, air_by_past, …): one code per sentence a "
            "client may say in its reader's language; absent for a 404 and for failures",
        },
        "fields": {
            "type": "object",
            "additionalProperties": STRING,
            "description": "per field, what is wrong with it (422 only; may be empty)",
        },
    },
    "Every refusal and failure has this body.",
)
ERROR["required"] = ["status", "error", "message"]

COMPONENTS: dict[str, Schema] = {
    "Person": PERSON,
    "Column": COLUMN,
    "Episode": EPISODE,
    "EpisodeDetail": EPISODE_DETAIL,
    "EpisodePage": EPISODE_PAGE,
    "HistoryEntry": HISTORY_ENTRY,
    "Comment": COMMENT,
    "ReviewNote": REVIEW_NOTE,
    "MediaVersion": MEDIA_VERSION,
    "MediaJob": MEDIA_JOB,
    "MediaList": MEDIA_LIST,
    "MediaUploaded": MEDIA_UPLOADED,
    "Series": SERIES,
    "SeriesList": SERIES_LIST,
    "SeriesDetail": SERIES_DETAIL,
    "Airing": AIRING,
    "AsRunState": ASRUN_STATE,
    "AsRunReport": ASRUN_REPORT,
    "ExternalAiring": EXTERNAL_AIRING,
    "Slot": SLOT,
    "Schedule": SCHEDULE,
    "Feed": FEED,
    "Feeds": FEEDS,
    "Notification": NOTIFICATION,
    "NotificationPage": NOTIFICATION_PAGE,
    "Error": ERROR,
}
