"""``/api/v1/schedule``: the air schedule of a date range, in local time.

The schedule is as public as the feeds that publish it: any caller may read
any column's. Airings imported from the county columns' own feeds come with
ours, marked ``external``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask.wrappers import Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from calendars.models import ExternalAiring, FeedSource
from editorial.errors import InvalidInput
from editorial.models import Column, Episode
from editorial.workdays import SHANGHAI, local_date
from schedule.models import Airing, AiringStatus, Slot
from station.asrun_report import asrun_state
from web.api import access, encode
from web.api.blueprint import bp
from web.api.schema import SLUG, Operation, Param, UnknownReference, operation
from web.db import request_session

DEFAULT_DAYS = 14
MAX_DAYS = 92  # a quarter: the liaison plans by quarters


@bp.get("/schedule")
@operation(
    Operation(
        "The air schedule of a date range, in local time (Asia/Shanghai)",
        tag="schedule",
        description=f"Premieres and reruns with their status and as-run state (`asrun`: "
        f"confirmed, late, short or missing from the station's as-run log; unconfirmed when "
        f"its time has passed without one, 已播出（未确认）), the episode, its series part "
        f"and whether it airs by exchange, and the county columns' imported airings "
        f"(`external`), in order of start. At most {MAX_DAYS} days at a time.",
        query=(
            Param(
                "column",
                {"type": "string", "maxLength": 40, "pattern": SLUG},
                "a column's slug (repeat for several); default: every column. No such "
                "column: 422 `unknown_reference`",
                repeat=True,
            ),
            Param(
                "from",
                {"type": "string", "format": "date"},
                "first local day (default: today)",
            ),
            Param(
                "to",
                {"type": "string", "format": "date"},
                f"last local day, inclusive (default: {DEFAULT_DAYS} days from the first); "
                f"before the first, or more than {MAX_DAYS} days after it: 422 `refused_value`",
            ),
            Param(
                "cancelled",
                {"type": "boolean"},
                "true: also airings cancelled from a published schedule",
                default=False,
            ),
        ),
        result=encode.ref("Schedule"),
    )
)
def schedule(query: dict[str, Any]) -> Response:
    session = request_session()
    first, last = _range(query["from"], query["to"])
    since = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    ours = (
        select(Airing)
        .join(Slot, Slot.id == Airing.slot_id)
        .where(Airing.starts_at >= since, Airing.starts_at < until)
        .options(
            joinedload(Airing.slot).joinedload(Slot.column),
            joinedload(Airing.episode).joinedload(Episode.series),
        )
    )
    if not query["cancelled"]:
        ours = ours.where(Airing.status != AiringStatus.CANCELLED)
    theirs = (
        select(ExternalAiring)
        .join(FeedSource, FeedSource.id == ExternalAiring.source_id)
        .where(ExternalAiring.starts_at >= since, ExternalAiring.starts_at < until)
        .options(joinedload(ExternalAiring.source).joinedload(FeedSource.column))
    )
    if query["column"]:
        ids = _column_ids(query["column"])
        ours = ours.where(Slot.column_id.in_(ids))
        theirs = theirs.where(FeedSource.column_id.in_(ids))
    found = list(session.scalars(ours))
    states = asrun_state(session, found, access.now())
    timed = [(a.starts_at, a.slot.column_id, encode.airing(a, states.get(a.id))) for a in found]
    timed += [
        (x.starts_at, x.source.column_id, encode.external_airing(x))
        for x in session.scalars(theirs)
    ]
    timed.sort(key=lambda item: (item[0], item[1], item[2]["external"], item[2]["id"]))
    return encode.respond(
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timezone": "Asia/Shanghai",
            "airings": [row for _, _, row in timed],
        }
    )


def _range(first: date | None, last: date | None) -> tuple[date, date]:
    first = first or local_date(access.now())
    last = last or first + timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise InvalidInput(
            f"the date range runs backwards: {last} is before {first}",
            {"to": f"must not be before {first}"},
            code="range_backwards",
            first=first,
            last=last,
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(
            f"ask for at most {MAX_DAYS} days at a time ({first} to {last} is "
            f"{(last - first).days + 1})",
            {"to": f"the range spans at most {MAX_DAYS} days"},
            code="range_too_long",
            most=MAX_DAYS,
        )
    return first, last


def _column_ids(slugs: list[str]) -> list[int]:
    found = dict(
        request_session()
        .execute(select(Column.slug, Column.id).where(Column.slug.in_(slugs)))
        .all()
    )
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise UnknownReference(
            f"no column {missing[0]!r}",
            {"column": ", ".join(missing) + ": no such column"},
            code="unknown_column",
        )
    return list(found.values())
