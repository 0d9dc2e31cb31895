"""``/api/v1/notifications``: the caller's notifications (通知), newest first, and
marking them read. Another person's notification answers 404, like one that does not
exist."""

from __future__ import annotations

from typing import Any

from flask.wrappers import Response

from editorial import notifications
from web.api import access, encode
from web.api.blueprint import bp
from web.api.schema import Operation, Param, operation
from web.db import request_session

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


@bp.get("/notifications")
@operation(
    Operation(
        "The caller's notifications, newest first",
        tag="notifications",
        description="Hand-offs (who did what to which episode, and why) and the service's "
        "reminders, read and unread; `unread=true`: unread only. `unread_count` is the "
        "caller's unread notifications whatever the page.",
        query=(
            Param("unread", {"type": "boolean"}, "true: only the unread ones"),
            Param(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                "how many to answer",
                default=DEFAULT_LIMIT,
            ),
            Param(
                "offset",
                {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
                "how many to skip",
                default=0,
            ),
        ),
        result=encode.ref("NotificationPage"),
    )
)
def list_notifications(query: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    everything = not query["unread"]
    rows = notifications.notifications_of(
        session,
        person,
        include_dismissed=everything,
        limit=query["limit"],
        offset=query["offset"],
    )
    total = notifications.count_of(session, person, include_dismissed=everything)
    unread = total if not everything else notifications.unread_count(session, person)
    page = encode.page(
        [encode.notification(n) for n in rows], total, query["limit"], query["offset"]
    )
    return encode.respond({**page, "unread_count": unread})


@bp.post("/notifications/<int:notification_id>/read")
@operation(
    Operation(
        "Mark one of the caller's notifications read",
        tag="notifications",
        description="Marking a read one again changes nothing (it keeps when it was read).",
        result=encode.ref("Notification"),
        errors=(404,),
    )
)
def read_notification(notification_id: int) -> Response:
    found = notifications.dismiss(request_session(), access.caller(), notification_id, access.now())
    return encode.respond(encode.notification(found))


@bp.post("/notifications/read-all")
@operation(
    Operation(
        "Mark all the caller's notifications read",
        tag="notifications",
        result=encode.obj(
            {
                "marked": {"type": "integer", "description": "how many were unread"},
                "unread_count": {"const": 0},
            }
        ),
    )
)
def read_all_notifications() -> Response:
    count = notifications.mark_all_read(request_session(), access.caller(), access.now())
    return encode.respond({"marked": count, "unread_count": 0})
