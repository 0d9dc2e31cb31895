"""``/api/v1/feeds``: the public iCalendar feeds with their subscribe links.

The caller's own personal feed is not listed: its URL holds a secret shown
once, when the token is issued or rotated (account page, or ``tvcolumn feeds
token USER``); only its hash is kept, so no one can list it again.
"""

from __future__ import annotations

from flask import current_app, request
from flask.wrappers import Response
from sqlalchemy import select

from calendars.feeds import public_feeds
from editorial.models import Column
from web.api import encode
from web.api.blueprint import bp
from web.api.schema import Operation, operation
from web.db import request_session
from web.feeds import subscribe_link

PERSONAL = (
    "您的个人订阅（审片截止日期与您的节目的播出）不在此列：其链接含密钥，只在生成或更换时显示一次"
    "（“日历订阅”页，或 `tvcolumn feeds token USER`）。"
)


@bp.get("/feeds")
@operation(
    Operation(
        "The public calendar feeds, each with its https:// and webcal:// link",
        tag="feeds",
        description="All columns together, each column, and the liaison calendar. The "
        "caller's personal feed is not listed: its secret link is shown once.",
        result=encode.ref("Feeds"),
    )
)
def feeds() -> Response:
    base = current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/")
    session = request_session()
    slugs = dict(session.execute(select(Column.id, Column.slug)).all())
    listed = []
    for feed in public_feeds(session):
        link = subscribe_link(base, feed)
        listed.append(
            {
                "kind": link["kind"],
                "name": link["name"],
                "description": feed.description,
                "column": slugs.get(feed.column_id) if feed.column_id is not None else None,
                "path": link["path"],
                "https": link["https"],
                "webcal": link["webcal"],
            }
        )
    return encode.respond({"feeds": listed, "personal": PERSONAL})
