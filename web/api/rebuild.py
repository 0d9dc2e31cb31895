"""``/api/v1/schedule/preview`` and ``/api/v1/schedule/apply``: 「立即编排」, a rebuild of
the whole schedule now, seen before it is applied (``schedule.rebuild``).

For a scheduler (编排) or administrator of any column (403 ``not_a_scheduler``
otherwise). The preview writes nothing; apply takes the preview's ``fingerprint``
and ``digest`` and applies exactly what it showed, or refuses with 409:
``rebuild_inputs_changed`` (an approval, a pull, a slot or stop date changed since),
``rebuild_preview_stale`` (the schedule changed: the service built first), or
``rebuild_running`` (the service is building right now; with ``Retry-After``).
"""

from __future__ import annotations

from typing import Any

from flask.wrappers import Response

from liaison import planning
from schedule import rebuild
from scheduler import jobs
from web.api import access, encode
from web.api.blueprint import bp
from web.api.schema import Operation, operation
from web.db import request_session

SPOT = encode.obj(
    {
        "airing": encode.INTEGER,
        "slot": encode.obj({"id": encode.INTEGER, "name": encode.STRING}),
        "starts_at": encode.MOMENT,
        "status": {"type": "string", "enum": ["draft", "published", "aired", "cancelled"]},
        "pinned": encode.BOOLEAN,
    }
)
CHANGE = encode.obj(
    {
        "change": {"type": "string", "enum": [rebuild.NEW, rebuild.MOVED, rebuild.CANCELLED]},
        "episode": encode.obj({"id": encode.INTEGER, "title": encode.STRING}),
        "column": encode.STRING,
        "kind": {"type": "string", "enum": ["premiere", "rerun"]},
        "from": encode.nullable(SPOT),
        "to": encode.nullable(SPOT),
        "published": {
            "type": "boolean",
            "description": "subscribers saw the airing moved or cancelled here",
        },
    }
)
PREVIEW = encode.obj(
    {
        "fingerprint": encode.STRING,
        "digest": encode.STRING,
        "build": {
            "type": ["integer", "null"],
            "description": "the applied build's id (null for a preview)",
        },
        "changes": encode.array(CHANGE),
        "unscheduled": encode.array(
            encode.obj(
                {
                    "episode": encode.obj({"id": encode.INTEGER, "title": encode.STRING}),
                    "column": encode.STRING,
                    "reason": encode.STRING,
                    "detail": encode.STRING,
                }
            )
        ),
    },
    "What a rebuild now changes: new, moved and cancelled airings from now on, and the "
    "approved episodes that stay unscheduled (reason: the builder's code).",
)
APPLY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["fingerprint", "digest"],
    "properties": {
        "fingerprint": {"type": "string", "maxLength": 64, "pattern": "^[0-9a-f]*$"},
        "digest": {"type": "string", "maxLength": 64, "pattern": "^[0-9a-f]*$"},
    },
}


def _spot(spot: rebuild.Spot | None) -> dict[str, Any] | None:
    if spot is None:
        return None
    return {
        "airing": spot.airing_id,
        "slot": {"id": spot.slot_id, "name": spot.slot},
        "starts_at": encode.moment(spot.starts_at),
        "status": spot.status.value,
        "pinned": spot.pinned,
    }


def _encode(shown: rebuild.Preview) -> dict[str, Any]:
    return {
        "fingerprint": shown.fingerprint,
        "digest": shown.digest,
        "build": shown.build_id,
        "changes": [
            {
                "change": c.what,
                "episode": {"id": c.episode_id, "title": c.title},
                "column": c.column,
                "kind": c.kind.value,
                "from": _spot(c.before),
                "to": _spot(c.after),
                "published": c.published,
            }
            for c in shown.changes
        ],
        "unscheduled": [
            {
                "episode": {"id": x.episode_id, "title": x.title},
                "column": x.column,
                "reason": x.code,
                "detail": x.detail,
            }
            for x in shown.unscheduled
        ],
    }


@bp.post("/schedule/preview")
@operation(
    Operation(
        "Preview a rebuild of the schedule now (立即编排); nothing is written",
        tag="schedule",
        description="For a scheduler or administrator of any column. Send the answer's "
        "`fingerprint` and `digest` to `/schedule/apply` to apply exactly this.",
        result=PREVIEW,
        errors=(403,),
    )
)
def preview_rebuild() -> Response:
    session = request_session()
    now = access.now()
    shown = rebuild.preview(
        session,
        access.caller(),
        now,
        jobs.inputs_fingerprint(session),
        planning.build_settings(session, now),
    )
    return encode.respond(_encode(shown))


@bp.post("/schedule/apply")
@operation(
    Operation(
        "Apply a previewed rebuild of the schedule (立即编排)",
        tag="schedule",
        description="Applies exactly what the preview with this `fingerprint` and `digest` "
        "showed, recorded like the service's build (cancelled published airings are "
        "notified). 409 `rebuild_inputs_changed` or `rebuild_preview_stale`: preview "
        "again; 409 `rebuild_running`: the service is building, try again after "
        "`Retry-After` seconds. Nothing is written on a refusal.",
        body=APPLY,
        result=PREVIEW,
        errors=(403, 409),
    )
)
def apply_rebuild(body: dict[str, Any]) -> Response:
    session = request_session()
    now = access.now()
    done = rebuild.apply(
        session,
        access.caller(),
        now,
        jobs.inputs_fingerprint(session),
        (body["fingerprint"], body["digest"]),
        planning.build_settings(session, now),
    )
    return encode.respond(_encode(done))
