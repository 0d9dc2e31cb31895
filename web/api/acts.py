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
from editorial.models import Comment, Episode, HistoryEntry, Person
from editorial.workflow import Act, Checklist
from web.api import access, encode
from web.api.access import MAX_ID
from web.api.blueprint import bp
from web.api.episodes import TAGS
from web.api.schema import NON_BLANK, TEXT, USERNAME, Operation, Schema, UnknownReference, operation
from web.db import request_session

# Proposing and editing have their own routes; a new media version comes with its upload.
OWN_ROUTE = (Act.PROPOSE, Act.EDIT, Act.NEW_MEDIA)
POSTED = [a for a in Act if a not in OWN_ROUTE]
STAGE_OF = {act: stage for stage, act in workflow.SIGN_ACT.items()}
REASONED = (Act.REJECT_TOPIC, Act.RETURN, Act.WITHDRAW, Act.PULL)

VERSION: Schema = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_ID,
    "description": "the episode version you saw",
}
REASON: Schema = {"type": "string", "maxLength": 5000, "pattern": NON_BLANK}
CHECKLIST: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": [f.name for f in fields(Checklist)],
    "properties": {f.name: {"type": "boolean", "const": True} for f in fields(Checklist)},
    "description": "the review checklist (政治性与可视性的统一): a sign-off confirms every "
    "item; if one fails, return the episode for changes instead",
}

QC_OVERRIDE: Schema = {
    "type": "string",
    "maxLength": workflow.MAX_QC_OVERRIDE,
    "pattern": NON_BLANK,
    "description": "why you confirm technical quality although the current master failed QC "
    "(the episode's `media_qc_passed` is false): required then, else 422 `refused_value` "
    "(`fields.qc_override`); refused the same way when the master did not fail QC. Kept in "
    "the sign-off's history entry (`details.qc_override`) for the later stages to read",
}


def _takes(act: Act) -> tuple[dict[str, Schema], list[str]]:
    """The fields ``act`` takes besides its name and the version, and which are required."""
    if act in REASONED:
        return {"reason": {**REASON, "description": "why (required)"}}, ["reason"]
    if act in STAGE_OF:
        stage = {
            "type": "string",
            "const": STAGE_OF[act].value,
            "description": "the stage you mean to sign, if you send it",
        }
        return {"checklist": CHECKLIST, "stage": stage, "qc_override": QC_OVERRIDE}, ["checklist"]
    match act:
        case Act.HAND_OVER:
            to = {
                "type": "string",
                "maxLength": 60,
                "pattern": USERNAME,
                "description": "username of an active producer of the column taking over: "
                "unknown, 422 `unknown_reference`; not a producer of the column or already "
                "responsible, 422 `refused_value`",
            }
            reason = {**REASON, "type": ["string", "null"], "pattern": TEXT}
            return {"to": to, "reason": reason}, ["to"]
        case Act.OFFER_EXCHANGE:
            offered = {
                "type": "boolean",
                "description": "true offers the episode for exchange, false withdraws the "
                "offer; as it is already, 422 `refused_value`",
            }
            return {"offered": offered}, ["offered"]
        case Act.SET_TAGS:
            tags = {
                **TAGS,
                "description": TAGS["description"] + ": every tag the episode answers to "
                "(replaces the ones it had; the same ones, 422 `refused_value`)",
            }
            return {"priority_tags": tags}, ["priority_tags"]
    return {}, []


def _act_schema(act: Act) -> Schema:
    properties, required = _takes(act)
    return {
        "type": "object",
        "title": act.value,
        "additionalProperties": False,
        "required": ["act", "version", *required],
        "properties": {"act": {"type": "string", "const": act.value}, "version": VERSION}
        | properties,
    }


# One schema per act, told apart by ``act``: a field an act does not take is refused.
ACT: Schema = {"type": "object", "oneOf": [_act_schema(act) for act in POSTED]}
COMMENT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["body"],
    "properties": {
        "body": {
            "type": "string",
            "minLength": 1,
            "maxLength": 10000,
            "pattern": NON_BLANK,
            "description": "not only white space (trimmed)",
        }
    },
}


@bp.post("/episodes/<int:episode_id>/acts")
@operation(
    Operation(
        "Take an act on an episode (approve the topic, submit, sign a review, return, …)",
        tag="workflow",
        description="Send the version you saw. 409 `conflict`: someone acted first (the "
        "message says who and when; reload and decide again). 409 `illegal_act`: the "
        "episode's state does not allow the act (submit: the episode has no master yet; "
        "upload it first, POST …/media). 403: a rule says the caller may not "
        "(role, responsible producer, four eyes). 422: `invalid_input`, the body does not fit "
        "the act's schema; `unknown_reference`, `refused_value`: see the fields.",
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
    _perform(session, person, episode, act, body)
    return encode.respond(
        encode.episode_detail(episode, workflow.available_acts(session, person, episode))
    )


def _perform(
    session: Session, person: Person, episode: Episode, act: Act, body: dict[str, Any]
) -> Episode:
    """Call the workflow function of ``act`` with the act's own arguments."""
    args = (session, person, episode, body["version"], access.now())
    reason = body.get("reason") or ""
    if act in STAGE_OF:
        checklist = Checklist(**body.get("checklist", {}))
        return workflow.sign_off(
            *args, stage=STAGE_OF[act], checklist=checklist, qc_override=body.get("qc_override")
        )
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
    raise InvalidInput(
        f"{act.value} is not taken here", {"act": "not taken here"}, code="act_not_taken_here"
    )


def _successor(session: Session, username: str) -> Person:
    try:
        return people.get_person(session, username)
    except NotFound as missing:
        raise UnknownReference(
            missing.message, {"to": missing.message}, code="unknown_person"
        ) from None


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
