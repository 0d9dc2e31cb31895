"""``/api/v1/episodes``: list (with filters), propose, show and edit episodes.

Views stay thin: check the request's shape, look up what it names, call one
service of ``editorial.workflow``, answer. Every rule is the domain's.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.wrappers import Response
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from editorial import people, workflow
from editorial.errors import NotFound
from editorial.models import Column, Episode, Person, Series, State
from editorial.workdays import local_date
from web.api import access, encode
from web.api.access import MAX_ID
from web.api.blueprint import bp
from web.api.schema import (
    NON_BLANK,
    SLUG,
    TEXT,
    USERNAME,
    Operation,
    Param,
    Schema,
    UnknownReference,
    operation,
)
from web.db import request_session

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000

ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
USERNAME_VALUE: Schema = {"type": "string", "maxLength": 60, "pattern": USERNAME}
SLUG_VALUE: Schema = {"type": "string", "maxLength": 40, "pattern": SLUG}
TAGS: Schema = {
    "type": "array",
    "maxItems": 20,
    "items": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": NON_BLANK},
    "description": "reporting priorities (宣传报道重点) it answers, each 1 to 60 characters "
    "and not only white space (trimmed)",
}
TEXT_FIELDS: dict[str, Schema] = {
    "title": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200,
        "pattern": NON_BLANK,
        "description": "1 to 200 characters, not only white space (trimmed)",
    },
    "topic": {
        "type": "string",
        "maxLength": 2000,
        "pattern": TEXT,
        "description": "the topic (选题)",
    },
    "synopsis": {"type": "string", "maxLength": 20000, "pattern": TEXT},
    "genre": {"type": "string", "maxLength": 40, "pattern": TEXT},
    "target_duration_s": {
        "type": "integer",
        "minimum": 1,
        "maximum": workflow.MAX_DURATION_S,
        "description": "seconds",
    },
    "air_by": {
        "type": ["string", "null"],
        "format": "date",
        "description": "the local day (Asia/Shanghai) it must have aired by, today or later: "
        "a day already past is refused with 422 `refused_value` (unless an edit leaves it "
        "as it was); null: none",
    },
    "priority_tags": TAGS,
}

PROPOSAL: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["column", "title", "target_duration_s", "responsible_producer"],
    "properties": {
        "column": {
            **SLUG_VALUE,
            "description": "the slug of a column the caller is an editor-director of; an "
            "unknown one is refused with 422 `unknown_reference`",
        },
        **TEXT_FIELDS,
        "responsible_producer": {
            **USERNAME_VALUE,
            "description": "username of an active producer of the column (制片人负责制): "
            "unknown, 422 `unknown_reference`; not a producer of the column, 422 "
            "`refused_value`",
        },
        "series": {
            **ID,
            "type": ["integer", "null"],
            "description": "id of a series of the column, given with part_number (unknown: "
            "422 `unknown_reference`)",
        },
        "part_number": {
            **ID,
            "type": ["integer", "null"],
            "description": "its part number, not yet taken, given with series (else 422 "
            "`refused_value`)",
        },
    },
}
EDIT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version"],
    "properties": {
        "version": {**ID, "description": "the version you saw"},
        **TEXT_FIELDS,
    },
}


# --- list ---------------------------------------------------------------------------------------


@bp.get("/episodes")
@operation(
    Operation(
        "List the episodes of the caller's columns",
        tag="episodes",
        description="Newest first. Only columns the caller holds a role in are ever listed.",
        query=(
            Param(
                "column",
                SLUG_VALUE,
                "a column's slug (repeat for several); default: all the caller's columns. "
                "A column the caller holds no role in, or none at all: 422 `unknown_reference`",
                repeat=True,
            ),
            Param(
                "state",
                {"type": "string", "enum": [s.value for s in State]},
                "a workflow state (repeat for several)",
                repeat=True,
            ),
            Param(
                "overdue",
                {"type": "boolean"},
                "true: only episodes whose review stage is past its working-day due date; "
                "false: only the others",
            ),
            Param(
                "q",
                {"type": "string", "maxLength": 100, "pattern": TEXT},
                "text in the title, topic or synopsis",
            ),
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
        result=encode.ref("EpisodePage"),
    )
)
def list_episodes(query: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    column_ids = _column_ids(session, person, query["column"])
    selection = select(Episode).where(Episode.column_id.in_(column_ids))
    if query["state"]:
        selection = selection.where(Episode.state.in_([State(s) for s in query["state"]]))
    if query["q"]:
        text = query["q"].strip()
        selection = selection.where(
            or_(
                Episode.title.icontains(text, autoescape=True),
                Episode.topic.icontains(text, autoescape=True),
                Episode.synopsis.icontains(text, autoescape=True),
            )
        )
    if query["overdue"] is not None:
        late = workflow.review_overdue(local_date(access.now()))
        selection = selection.where(late if query["overdue"] else ~late)
    total = session.scalar(select(func.count()).select_from(selection.subquery())) or 0
    rows = session.scalars(
        selection.options(
            joinedload(Episode.column),
            joinedload(Episode.director),
            joinedload(Episode.responsible_producer),
            joinedload(Episode.series),
            selectinload(Episode.tags),
        )
        .order_by(Episode.id.desc())
        .limit(query["limit"])
        .offset(query["offset"])
    ).unique()
    items = [encode.episode(e) for e in rows]
    return encode.respond(encode.page(items, total, query["limit"], query["offset"]))


def _column_ids(session: Session, person: Person, slugs: list[str]) -> Select[int]:
    """The caller's columns, or those of them named; a slug not among them is bad input."""
    mine = access.my_column_ids(person)
    if not slugs:
        return mine
    found = dict(
        session.execute(
            select(Column.slug, Column.id).where(Column.slug.in_(slugs), Column.id.in_(mine))
        ).all()
    )
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise UnknownReference(
            f"no column {missing[0]!r} among the columns you hold a role in",
            {"column": ", ".join(missing) + ": not one of your columns"},
            code="unknown_column",
        )
    return select(Column.id).where(Column.id.in_(found.values()))


# --- propose ------------------------------------------------------------------------------------


@bp.post("/episodes")
@operation(
    Operation(
        "Propose a topic (选题申报)",
        tag="episodes",
        description="The caller, an editor-director of the column, becomes the episode's "
        "editor-director; the named producer is responsible for it.",
        body=PROPOSAL,
        ok=201,
        result=encode.ref("EpisodeDetail"),
        errors=(403,),
    )
)
def propose(body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    errors: dict[str, str] = {}
    column = _look_up(errors, "column", lambda: people.get_column(session, body["column"]))
    producer = _look_up(
        errors,
        "responsible_producer",
        lambda: people.get_person(session, body["responsible_producer"]),
    )
    series = _series(session, body.get("series"), errors)
    if errors or column is None or producer is None:
        raise UnknownReference(
            "the proposal has errors: " + "; ".join(errors.values()),
            errors,
            code="unknown_reference",
        )
    episode = workflow.propose(
        session,
        person,
        column,
        access.now(),
        workflow.Proposal(
            title=body["title"],
            target_duration_s=body["target_duration_s"],
            responsible_producer=producer,
            topic=body.get("topic", ""),
            synopsis=body.get("synopsis", ""),
            genre=body.get("genre", ""),
            air_by=body.get("air_by"),
            series=series,
            part_number=body.get("part_number"),
            priority_tags=tuple(body.get("priority_tags", ())),
        ),
    )
    return encode.respond(
        encode.episode_detail(episode, workflow.available_acts(session, person, episode)),
        201,
        {"Location": url_for("api.show_episode", episode_id=episode.id)},
    )


def _look_up(errors: dict[str, str], name: str, find: Any) -> Any:
    try:
        return find()
    except NotFound as missing:
        errors[name] = missing.message
        return None


def _series(session: Session, series_id: int | None, errors: dict[str, str]) -> Series | None:
    if series_id is None:
        return None
    found = session.get(Series, series_id)
    if found is None:
        errors["series"] = f"no series {series_id}"
    return found


# --- show and edit ------------------------------------------------------------------------------


@bp.get("/episodes/<int:episode_id>")
@operation(
    Operation(
        "Show an episode, its version and the acts the caller may take now",
        tag="episodes",
        result=encode.ref("EpisodeDetail"),
        errors=(404,),
    )
)
def show_episode(episode_id: int) -> Response:
    session = request_session()
    person = access.caller()
    episode = access.visible_episode(session, person, episode_id)
    return encode.respond(
        encode.episode_detail(episode, workflow.available_acts(session, person, episode))
    )


@bp.patch("/episodes/<int:episode_id>")
@operation(
    Operation(
        "Edit an episode's description (修改节目信息)",
        tag="episodes",
        description="Its editor-director or responsible producer, while it is not under "
        "review nor approved. Send only the fields to change, with the version you saw; "
        "air_by null clears the air-by date. The history keeps each old and new value.",
        body=EDIT,
        result=encode.ref("EpisodeDetail"),
        errors=(403, 404, 409),
    )
)
def edit_episode(episode_id: int, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    episode = access.visible_episode(session, person, episode_id)
    tags = body.get("priority_tags")
    changes = workflow.Edit(
        title=body.get("title"),
        topic=body.get("topic"),
        synopsis=body.get("synopsis"),
        genre=body.get("genre"),
        target_duration_s=body.get("target_duration_s"),
        air_by=body.get("air_by"),
        clear_air_by="air_by" in body and body["air_by"] is None,
        priority_tags=None if tags is None else tuple(tags),
    )
    workflow.edit(session, person, episode, body["version"], access.now(), changes)
    return encode.respond(
        encode.episode_detail(episode, workflow.available_acts(session, person, episode))
    )
