"""``/api/v1/episodes/<id>/acts``, ``…/history`` and ``…/comments``.

An act is posted with the version the caller saw; each goes to its one
function in ``editorial.workflow``, which checks every rule.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flask.wrappers import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from editorial import people, workflow
from editorial.errors import InvalidInput, NotFound
from editorial.models import Comment, Episode, HistoryEntry, Person, Stage
from editorial.workflow import Act, Checklist
from web.api import access, bp, encode
from web.api.access import MAX_ID
from web.api.schema import Operation, Schema, operation
from web.db import request_session

# Proposing and editing have their own routes; a new media version comes with its upload.
OWN_ROUTE = (Act.PROPOSE, Act.EDIT, Act.NEW_MEDIA)
POSTED = [a for a in Act if a not in OWN_ROUTE]
STAGE_OF = {act: stage for stage, act in workflow.SIGN_ACT.items()}
REASONED = (Act.REJECT_TOPIC, Act.RETURN, Act.WITHDRAW, Act.PULL)

# What each act takes besides its name and the version; required ones first.
TAKES: dict[Act, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Act.APPROVE_TOPIC: ((), ()),
    Act.START_PRODUCTION: ((), ()),
    Act.SUBMIT: ((), ()),
    **{act: ((), ("reason",)) for act in REASONED},
    **{act: ((), ("checklist", "stage")) for act in STAGE_OF},
    Act.HAND_OVER: (("to",), ("reason",)),
    Act.OFFER_EXCHANGE: (("offered",), ()),
    Act.SET_TAGS: (("priority_tags",), ()),
}

ACT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["act", "version"],
    "properties": {
        "act": {"type": "string", "enum": [a.value for a in POSTED]},
        "version": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "reason": {
            "type": ["string", "null"],
            "maxLength": 5000,
            "description": "required by reject_topic, return_for_changes, withdraw and "
            "pull_from_air; optional for hand_over",
        },
        "checklist": {
            "type": "object",
            "additionalProperties": False,
            "properties": {f.name: {"type": "boolean"} for f in fields(Checklist)},
            "description": "the review checklist (政治性与可视性的统一): a sign-off "
            "(first_review, second_review, final_review) confirms every item",
        },
        "stage": {
            "type": "string",
            "enum": [s.value for s in Stage],
            "description": "with a sign-off, the stage you mean to sign (checked against the act)",
        },
        "to": {
            "type": "string",
            "maxLength": 60,
            "description": "hand_over: username of the producer taking over",
        },
        "priority_tags": {
            "type": "array",
            "items": {"type": "string", "maxLength": 60},
            "maxItems": 20,
            "description": "set_priority_tags: every reporting-priority tag the episode "
            "answers to (replaces the ones it had)",
        },
        "offered": {
            "type": "boolean",
            "description": "offer_exchange: true offers the episode for exchange, false "
            "withdraws the offer",
        },
    },
}
COMMENT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["body"],
    "properties": {"body": {"type": "string", "maxLength": 10000}},
}


@bp.post("/episodes/<int:episode_id>/acts")
@operation(
    Operation(
        "Take an act on an episode (approve the topic, submit, sign a review, return, …)",
        tag="workflow",
        description="Send the version you saw. 409 `conflict`: someone acted first (the "
        "message says who and when; reload and decide again). 409 `illegal_act`: the "
        "episode's state does not allow the act. 403: a rule says the caller may not "
        "(role, responsible producer, four eyes). 422: bad input, per field.",
        body=ACT,
        result=encode.ref("EpisodeDetail"),
        errors=(403, 404, 409),
    )
)
def take_act(episode_id: int, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    episode = access.visible_episode(session, person, episode_id)
    act = Act(body["act"])
    _check_fields(act, body)
    _perform(session, person, episode, act, body)
    return encode.respond(
        encode.episode_detail(episode, workflow.available_acts(session, person, episode))
    )


def _check_fields(act: Act, body: dict[str, Any]) -> None:
    required, optional = TAKES[act]
    errors = {
        name: f"is not used by {act.value}"
        for name in body
        if name not in ("act", "version", *required, *optional)
    }
    errors.update({name: f"is required by {act.value}" for name in required if name not in body})
    stage = body.get("stage")
    if act in STAGE_OF and stage is not None and stage != STAGE_OF[act].value:
        errors["stage"] = f"{act.value} signs the {STAGE_OF[act].value} review, not the {stage}"
    if errors:
        summary = "; ".join(f"{name} {message}" for name, message in errors.items())
        raise InvalidInput(f"{act.value}: {summary}", errors)


def _perform(
    session: Session, person: Person, episode: Episode, act: Act, body: dict[str, Any]
) -> Episode:
    """Call the workflow function of ``act`` with the act's own arguments."""
    args = (session, person, episode, body["version"], access.now())
    reason = body.get("reason") or ""
    if act in STAGE_OF:
        checklist = Checklist(**body.get("checklist", {}))
        return workflow.sign_off(*args, stage=STAGE_OF[act], checklist=checklist)
    match act:
        case Act.APPROVE_TOPIC:
            return workflow.approve_topic(*args)
        case Act.START_PRODUCTION:
            return workflow.start_production(*args)
        case Act.SUBMIT:
            return workflow.submit(*args)
        case Act.REJECT_TOPIC:
            return workflow.reject_topic(*args, reason=reason)
        case Act.RETURN:
            return workflow.return_for_changes(*args, reason=reason)
        case Act.WITHDRAW:
            return workflow.withdraw(*args, reason=reason)
        case Act.PULL:
            return workflow.pull_from_air(*args, reason=reason)
        case Act.HAND_OVER:
            successor = _successor(session, body["to"])
            return workflow.hand_over(*args, to=successor, reason=reason or None)
        case Act.SET_TAGS:
            return workflow.set_priority_tags(*args, body["priority_tags"])
        case Act.OFFER_EXCHANGE:
            return workflow.offer_for_exchange(*args, offered=body["offered"])
    raise InvalidInput(f"{act.value} is not taken here", {"act": "not taken here"})


def _successor(session: Session, username: str) -> Person:
    try:
        return people.get_person(session, username)
    except NotFound as missing:
        raise InvalidInput(missing.message, {"to": missing.message}) from None


# --- history and comments -----------------------------------------------------------------------


@bp.get("/episodes/<int:episode_id>/history")
@operation(
    Operation(
        "The episode's history: every act, oldest first (操作记录)",
        tag="workflow",
        description="Who, in which role, when, from and to which state, the reason, the "
        "checklist and the media version reviewed. Kept forever; never edited.",
        result=encode.obj({"items": encode.array(encode.ref("HistoryEntry"))}),
        errors=(404,),
    )
)
def episode_history(episode_id: int) -> Response:
    session = request_session()
    episode = access.visible_episode(session, access.caller(), episode_id)
    entries = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.episode_id == episode.id)
        .options(joinedload(HistoryEntry.actor))
        .order_by(HistoryEntry.seq)
    )
    return encode.respond({"items": [encode.history_entry(h) for h in entries]})


@bp.get("/episodes/<int:episode_id>/comments")
@operation(
    Operation(
        "The episode's comments, oldest first",
        tag="comments",
        result=encode.obj({"items": encode.array(encode.ref("Comment"))}),
        errors=(404,),
    )
)
def episode_comments(episode_id: int) -> Response:
    session = request_session()
    episode = access.visible_episode(session, access.caller(), episode_id)
    comments = session.scalars(
        select(Comment)
        .where(Comment.episode_id == episode.id)
        .options(joinedload(Comment.author))
        .order_by(Comment.at, Comment.id)
    )
    return encode.respond({"items": [encode.comment(c) for c in comments]})


@bp.post("/episodes/<int:episode_id>/comments")
@operation(
    Operation(
        "Comment on the episode",
        tag="comments",
        description="Anyone holding a role in the episode's column may. Comments are "
        "append-only, like the history.",
        body=COMMENT,
        ok=201,
        result=encode.ref("Comment"),
        errors=(403, 404),
    )
)
def add_comment(episode_id: int, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    episode = access.visible_episode(session, person, episode_id)
    comment = workflow.add_comment(session, person, episode, access.now(), body["body"])
    return encode.respond(encode.comment(comment), 201)
