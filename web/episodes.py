"""Episode pages: the episode, its acts, comments; proposing and editing.

Every view parses its form, finds the episode the viewer may see (an episode
of a column where they hold no role does not exist for them: 404), calls one
workflow service and renders. A refused act shows the page again with what
the viewer typed: a conflict (someone else acted first) 409, bad input 422,
a rule 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.wrappers import Response

from editorial import series as series_service
from editorial import turns, workflow
from editorial.errors import Conflict, DomainError, Forbidden, IllegalAct, InvalidInput, NotFound
from editorial.history import COMMENT as COMMENT_ACT
from editorial.models import (
    Column,
    Comment,
    Episode,
    HistoryEntry,
    Membership,
    Person,
    Role,
    Series,
    Stage,
    State,
)
from editorial.workdays import SHANGHAI, local_date
from editorial.workflow import Act
from liaison import tags as quarter_tags
from liaison.models import Priority
from schedule import airings
from web import errors, labels, nav
from web.auth import current_person
from web.db import request_session
from web.forms import (
    ActForm,
    CommentForm,
    EditForm,
    EpisodeFields,
    MediaUploadForm,
    NoteForm,
    PackageForm,
    ProposeForm,
    VersionForm,
    split_tags,
)
from web.media_panel import MediaPanel, clock, human_size, media_panel
from web.uploads import upload_limit

bp = Blueprint("episodes", __name__, url_prefix="/episodes")

Page = tuple[str, int]

STAGE_OF = {act: stage for stage, act in workflow.SIGN_ACT.items()}
STAGE_BY_ACT = {act.value: stage for act, stage in STAGE_OF.items()}  # history's act names
REASON_REQUIRED = frozenset({Act.REJECT_TOPIC, Act.RETURN, Act.WITHDRAW, Act.PULL})
# Acts taken with a form on the episode page (editing has its own page, a new media
# version comes with its upload in the media panel).
PAGE_ACTS = frozenset(workflow.SOURCES) - {Act.EDIT, Act.NEW_MEDIA}


def _now() -> datetime:
    return datetime.now(UTC)


@bp.app_template_filter("local")
def local_time(moment: datetime | None) -> str:
    """A stored UTC moment as Asia/Shanghai wall time."""
    return "" if moment is None else moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


bp.add_app_template_filter(human_size, "filesize")
bp.add_app_template_filter(clock, "clock")


# --- reading ---------------------------------------------------------------------------------


def visible_columns(person: Person) -> Select[int]:
    """The ids of the columns where ``person`` holds any role (a subquery)."""
    return select(Membership.column_id).where(Membership.person_id == person.id)


def visible_episode(session: Session, viewer: Person, episode_id: int) -> Episode:
    """The episode, if it is of one of the viewer's columns; else NotFound (reveal nothing)."""
    episode = (
        session.scalars(
            select(Episode)
            .where(Episode.id == episode_id, Episode.column_id.in_(visible_columns(viewer)))
            .options(
                joinedload(Episode.column),
                joinedload(Episode.director),
                joinedload(Episode.responsible_producer),
                joinedload(Episode.series),
                joinedload(Episode.tags),
            )
        )
        .unique()
        .one_or_none()
    )
    if episode is None:
        raise NotFound("no such episode")
    return episode


@dataclass(frozen=True)
class QcOverride:
    """A sign-off that confirmed technical quality over a master whose QC failed, and why."""

    stage: Stage | None
    signer: str
    at: datetime
    reason: str
    media_version: int | None


def qc_overrides(history: list[HistoryEntry], media_version: int | None) -> list[QcOverride]:
    """The QC overrides given at sign-offs of the current master, oldest first: what the
    later stages read before they sign it too."""
    found = []
    for entry in history:
        details = entry.details or {}
        overrode = entry.act in STAGE_BY_ACT and details.get("qc_override")
        if overrode and entry.media_version == media_version:
            signer = entry.actor.display_name if entry.actor else str(_l("系统"))
            reason = str(details["qc_override"])
            stage = STAGE_BY_ACT[entry.act]
            found.append(QcOverride(stage, signer, entry.at, reason, entry.media_version))
    return found


@dataclass
class EpisodePage:
    """Everything the episode page shows of one episode to one viewer."""

    episode: Episode
    roles: set[Role]
    acts: list[Act]
    history: list[HistoryEntry]
    comments: list[Comment]
    producers: list[Person]  # the column's active producers, for a hand-over
    media: MediaPanel
    turn: turns.Turn = turns.NO_TURN  # whose turn it is
    returned: turns.Return | None = None  # the return for changes the episode is in
    names: dict[int, str] = field(default_factory=dict)  # person id -> display name
    # Sign-offs of the current master that confirmed technical quality over a failed QC.
    qc_overrides: list[QcOverride] = field(default_factory=list)

    @property
    def last_entry(self) -> HistoryEntry | None:
        return self.history[-1] if self.history else None


def episode_page(session: Session, viewer: Person, episode_id: int) -> EpisodePage:
    episode = visible_episode(session, viewer, episode_id)
    members = session.execute(
        select(Membership.role, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.column_id == episode.column_id)
        .order_by(Person.display_name, Person.id)
    ).all()
    acts = workflow.available_acts(session, viewer, episode)
    history = list(
        session.scalars(
            select(HistoryEntry)
            # Comments show as comments; their entries only guard them (docs/decisions/0002).
            .where(HistoryEntry.episode_id == episode.id, HistoryEntry.act != COMMENT_ACT)
            .options(joinedload(HistoryEntry.actor))
            .order_by(HistoryEntry.seq)
        )
    )
    comments = list(
        session.scalars(
            select(Comment)
            .where(Comment.episode_id == episode.id)
            .options(joinedload(Comment.author))
            .order_by(Comment.at, Comment.id)
        )
    )
    names = {person.id: person.display_name for _role, person in members}
    names.update({e.actor.id: e.actor.display_name for e in history if e.actor is not None})
    producers = [p for role, p in members if role is Role.PRODUCER and p.active]
    roles = {role for role, person in members if person.id == viewer.id}
    return EpisodePage(
        episode=episode,
        roles=roles,
        acts=acts,
        history=history,
        comments=comments,
        producers=producers,
        media=media_panel(session, viewer, episode, acts, roles),
        # From the members and the history read above: no statement of its own.
        turn=turns.turn_of(episode, members, turns.bound_in(history), _premiere(session, episode)),
        returned=turns.return_in(episode, history),
        names=names,
        qc_overrides=qc_overrides(history, episode.media_version),
    )


def _premiere(session: Session, episode: Episode) -> datetime | None:
    """The schedule's first premiere of an approved episode (a statement only then)."""
    if episode.state is not State.APPROVED:
        return None
    return airings.premieres_of(session, [episode.id]).get(episode.id)


# --- rendering -------------------------------------------------------------------------------


def _act_forms(page: EpisodePage) -> dict[Act, ActForm]:
    version = page.episode.version
    offered = "0" if page.episode.offered_for_exchange else "1"
    tags = "，".join(page.episode.priority_tags)
    return {
        act: ActForm(
            formdata=None, data={"version": version, "offered": offered, "priority_tags": tags}
        )
        for act in page.acts
        if act in PAGE_ACTS
    }


def _typed(form: ActForm, version: int) -> ActForm:
    """A fresh form holding what the viewer typed, for the episode's current version."""
    data = {name: f.data for name, f in form._fields.items() if name != "csrf_token"}
    data["version"] = version
    return ActForm(formdata=None, data=data)


def render_page(
    page: EpisodePage,
    *,
    status: int = 200,
    message: str | None = None,
    failed: Act | None = None,
    typed: ActForm | None = None,
    act_errors: dict[str, str] | None = None,
    comment_form: CommentForm | None = None,
    comment_errors: dict[str, str] | None = None,
    media_message: str | None = None,
    upload_errors: list[str] | None = None,
    note_form: NoteForm | None = None,
) -> Page:
    forms = _act_forms(page)
    kept = ""
    if failed is not None and typed is not None:
        said = (typed.reason.data, typed.qc_override.data)
        kept = "\n".join(text.strip() for text in said if text and text.strip())
        if failed in forms:
            forms[failed] = _typed(typed, page.episode.version)
    today = local_date(_now())
    html = render_template(
        "episodes/show.html",
        page=page,
        episode=page.episode,
        forms=forms,
        failed=failed,
        kept=kept if failed not in forms else "",
        act_errors=act_errors or {},
        message=message,
        comment_form=comment_form or CommentForm(formdata=None),
        comment_errors=comment_errors or {},
        media=page.media,
        upload_form=MediaUploadForm(formdata=None, data={"version": page.episode.version}),
        package_form=PackageForm(
            formdata=None,
            data={"media_version": page.media.current.number if page.media.current else 0},
        ),
        media_message=media_message,
        upload_errors=upload_errors or [],
        note_form=note_form
        or NoteForm(
            formdata=None,
            data={"media_version": page.media.current.number if page.media.current else 0},
        ),
        version_form=VersionForm(formdata=None, data={"version": page.episode.version}),
        upload_limit=human_size(upload_limit()),
        today=today,
        overdue=_overdue(page.episode, today),
        stage_of=STAGE_OF,
        stage_by_act=STAGE_BY_ACT,
        max_qc_override=workflow.MAX_QC_OVERRIDE,
        reason_required=REASON_REQUIRED,
        labels=labels,
        Act=Act,
    )
    return html, status


def _overdue(episode: Episode, today: date) -> bool:
    return (
        episode.state in workflow.REVIEWING
        and episode.review_due is not None
        and episode.review_due < today
    )


def conflict_message(page: EpisodePage) -> str:
    """Who acted first, in plain Chinese, from the episode's latest history entry."""
    last = page.last_entry
    if last is None:
        what = str(_l("节目已被他人修改"))
    else:
        who = last.actor.display_name if last.actor else str(_l("系统"))
        act = labels.act_label(last.act)
        what = str(_l("%(who)s 于 %(at)s %(act)s", who=who, at=local_time(last.at), act=act))
    return str(_l("其他人已先一步操作：%(what)s，请刷新后再试", what=what))


# --- acts ------------------------------------------------------------------------------------


def _hand_over_target(session: Session, form: ActForm) -> Person:
    target = session.get(Person, form.to.data) if form.to.data else None
    if target is None:
        raise InvalidInput(
            "choose the producer who takes over", {"to": "required"}, code="successor_required"
        )
    return target


def perform(
    session: Session, actor: Person, episode: Episode, act: Act, form: ActForm, now: datetime
) -> None:
    """Call the workflow service of ``act`` with what the form carries."""
    version = int(form.version.data or 0)
    reason = form.reason.data or ""
    simple: dict[Act, Callable[..., Episode]] = {
        Act.APPROVE_TOPIC: workflow.approve_topic,
        Act.START_PRODUCTION: workflow.start_production,
        Act.SUBMIT: workflow.submit,
    }
    with_reason: dict[Act, Callable[..., Episode]] = {
        Act.REJECT_TOPIC: workflow.reject_topic,
        Act.RETURN: workflow.return_for_changes,
        Act.WITHDRAW: workflow.withdraw,
        Act.PULL: workflow.pull_from_air,
    }
    if act in simple:
        simple[act](session, actor, episode, version, now)
    elif act in with_reason:
        with_reason[act](session, actor, episode, version, now, reason=reason)
    elif act in STAGE_OF:
        workflow.sign_off(
            session,
            actor,
            episode,
            version,
            now,
            stage=STAGE_OF[act],
            checklist=form.checklist(),
            qc_override=form.qc_override.data or None,
        )
    elif act is Act.HAND_OVER:
        target = _hand_over_target(session, form)
        workflow.hand_over(session, actor, episode, version, now, to=target, reason=reason)
    elif act is Act.OFFER_EXCHANGE:
        offered = form.offered.data == "1"
        workflow.offer_for_exchange(session, actor, episode, version, now, offered=offered)
    elif act is Act.SET_TAGS:
        workflow.set_priority_tags(session, actor, episode, version, now, form.tags())
    else:  # pragma: no cover - PAGE_ACTS lists the acts above
        abort(404)


def _parse_act(name: str) -> Act:
    try:
        act = Act(name)
    except ValueError:
        abort(404)
    if act not in PAGE_ACTS:
        abort(404)
    return act


def _refused(
    session: Session, viewer: Person, episode_id: int, act: Act, form: ActForm, error: DomainError
) -> Page:
    """The page again after a refused act, keeping what the viewer typed."""
    session.rollback()
    page = episode_page(session, viewer, episode_id)
    status = errors.status_of(error)
    if isinstance(error, Conflict):
        return render_page(
            page, status=status, message=conflict_message(page), failed=act, typed=form
        )
    fields = errors.field_errors(error) if isinstance(error, InvalidInput) else {}
    return render_page(
        page,
        status=status,
        message=errors.describe(error),
        failed=act,
        typed=form,
        act_errors=fields,
    )


@bp.get("/<int:episode_id>")
@login_required
def show(episode_id: int) -> Page:
    return render_page(episode_page(request_session(), current_person(), episode_id))


@bp.post("/<int:episode_id>/act/<act_name>")
@login_required
def act(episode_id: int, act_name: str) -> Page | Response:
    session, viewer = request_session(), current_person()
    chosen = _parse_act(act_name)
    episode = visible_episode(session, viewer, episode_id)
    form = ActForm()
    if not form.validate():
        page = episode_page(session, viewer, episode_id)
        fields = {name: str(errs[0]) for name, errs in form.errors.items()}
        return render_page(
            page,
            status=422,
            message=str(errors.HEADLINE[InvalidInput]),
            failed=chosen,
            typed=form,
            act_errors=fields,
        )
    try:
        perform(session, viewer, episode, chosen, form, _now())
    except (Conflict, InvalidInput, Forbidden, IllegalAct) as error:
        return _refused(session, viewer, episode_id, chosen, form, error)
    flash(str(_l("已完成：%(act)s", act=labels.act_label(chosen))))
    return redirect(url_for("episodes.show", episode_id=episode_id), code=303)


@bp.post("/<int:episode_id>/comments")
@login_required
def comment(episode_id: int) -> Page | Response:
    session, viewer = request_session(), current_person()
    episode = visible_episode(session, viewer, episode_id)
    form = CommentForm()
    if form.validate():
        try:
            workflow.add_comment(session, viewer, episode, _now(), form.body.data or "")
        except InvalidInput as error:
            fields = errors.field_errors(error)
        else:
            flash(str(_l("评论已发表")))
            target = url_for("episodes.show", episode_id=episode_id, _anchor="comments")
            return redirect(target, code=303)
    else:
        fields = {name: str(errs[0]) for name, errs in form.errors.items()}
    session.rollback()
    page = episode_page(session, viewer, episode_id)
    return render_page(page, status=422, comment_form=form, comment_errors=fields)


# --- proposing and editing -------------------------------------------------------------------


@dataclass
class ProposeChoices:
    """The columns a person may propose in (as editor-director), and their producers."""

    columns: list[Column]
    producers: dict[int, list[Person]]  # column id -> its active producers
    series: list[Series] = field(default_factory=list)  # the columns' series (连续报道)


def propose_choices(session: Session, person: Person) -> ProposeChoices:
    columns = list(
        session.scalars(
            select(Column)
            .join(Membership, Membership.column_id == Column.id)
            .where(Membership.person_id == person.id, Membership.role == workflow.PROPOSING_ROLE)
            .order_by(Column.level, Column.name)
        )
    )
    producers: dict[int, list[Person]] = {c.id: [] for c in columns}
    if columns:
        rows = session.execute(
            select(Membership.column_id, Person)
            .join(Person, Person.id == Membership.person_id)
            .where(
                Membership.column_id.in_(list(producers)),
                Membership.role == Role.PRODUCER,
                Person.active.is_(True),
            )
            .order_by(Person.display_name, Person.id)
        ).all()
        for column_id, producer in rows:
            producers[column_id].append(producer)
    return ProposeChoices(
        columns, producers, series_service.column_series(session, list(producers))
    )


def may_propose(held: nav.Held) -> bool:
    """Whether the roles a person holds (role, level of its column) open 申报选题: the rule
    of ``workflow.propose``, which ``propose_choices`` asks of each column."""
    return workflow.may_propose(role for role, _level in held)


nav.show_only_to("episodes.propose", may_propose)


def _propose_form(choices: ProposeChoices) -> ProposeForm:
    form = ProposeForm()
    form.column.choices = [(c.id, c.name) for c in choices.columns]
    form.responsible_producer.choices = {
        c.name: [(p.id, p.display_name) for p in choices.producers[c.id]]
        for c in choices.columns
        if choices.producers[c.id]
    }
    names = {c.id: c.name for c in choices.columns}
    form.series.choices = [(0, str(_l("不属于连续报道")))] + [
        (
            s.id,
            str(
                _l(
                    "%(column)s · %(title)s（共 %(n)d 集）",
                    column=names[s.column_id],
                    title=s.title,
                    n=s.parts,
                )
            ),
        )
        for s in choices.series
    ]
    if not form.is_submitted():
        _preset_series(form, choices)
    return form


def _preset_series(form: ProposeForm, choices: ProposeChoices) -> None:
    """From a series page's 「申报这一集」: its column, series and part chosen already."""
    wanted = request.args.get("series", "")
    chosen = next((s for s in choices.series if str(s.id) == wanted), None)
    if chosen is None:
        return
    form.series.data, form.column.data = chosen.id, chosen.column_id
    part = request.args.get("part_number", "")
    if re.fullmatch(r"[0-9]{1,3}", part):
        form.part_number.data = int(part)


def _chosen_series(form: ProposeForm, choices: ProposeChoices) -> Series | None:
    """The series chosen on the form, among the offered; an unknown one is a field error."""
    if not form.series.data:
        return None
    chosen = next((s for s in choices.series if s.id == form.series.data), None)
    if chosen is None:
        form.series.errors = [*form.series.errors, str(_l("请从列表中选择连续报道"))]
    return chosen


def _apply_field_errors(form: EpisodeFields, fields: dict[str, str]) -> dict[str, str]:
    """Put the domain's field errors on the form's fields; return the ones with no field."""
    rest: dict[str, str] = {}
    alias = {"target_duration_s": "target_minutes"}
    for name, text in fields.items():
        target = getattr(form, alias.get(name, name), None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, text]
        else:
            rest[name] = text
    return rest


def _offered(session: Session) -> list[Priority]:
    """The quarter's reporting priorities, which the episode form offers as its tags."""
    return quarter_tags.current_priorities(session, local_date(_now()))


def _unconfirmed_tags(
    form: EpisodeFields, offered: list[Priority], kept: Sequence[str] = ()
) -> list[str]:
    """The form's tags that name none of the quarter's priorities, unless the person has
    answered 「仍然保存」 for them already (that button sends them back as ``accept_tags``)."""
    unknown = quarter_tags.unknown_tags(form.tags(), offered, kept)
    accepted = set(split_tags(request.form.get("accept_tags")))
    return [] if set(unknown) <= accepted else unknown


@bp.route("/new", methods=["GET", "POST"])
@login_required
def propose() -> Page | Response:
    session, person = request_session(), current_person()
    choices = propose_choices(session, person)
    form = _propose_form(choices)
    offered = _offered(session)

    def page(status: int, message: str | None = None, unknown: Sequence[str] = ()) -> Page:
        html = render_template(
            "episodes/propose.html",
            form=form,
            allowed=bool(choices.columns),
            message=message,
            priorities=offered,
            unknown=unknown,
        )
        return html, status

    if not choices.columns:
        return page(403)
    if not form.is_submitted():
        return page(200)
    if not form.validate():
        return page(422, str(errors.HEADLINE[InvalidInput]))
    unknown = _unconfirmed_tags(form, offered)
    if unknown:
        return page(200, unknown=unknown)
    column = next(c for c in choices.columns if c.id == form.column.data)
    producer = session.get(Person, form.responsible_producer.data)
    assert producer is not None  # among the choices
    series = _chosen_series(form, choices)
    if form.series.data and series is None:
        return page(422, str(errors.HEADLINE[InvalidInput]))
    proposal = workflow.Proposal(
        title=form.title.data or "",
        target_duration_s=form.duration_s(),
        responsible_producer=producer,
        topic=form.topic.data or "",
        synopsis=form.synopsis.data or "",
        genre=form.genre.data or "",
        air_by=form.air_by.data,
        series=series,
        part_number=form.part_number.data,
        priority_tags=form.tags(),
    )
    try:
        episode = workflow.propose(session, person, column, _now(), proposal)
    except (InvalidInput, Forbidden) as error:
        session.rollback()
        rest = (
            _apply_field_errors(form, errors.field_errors(error))
            if isinstance(error, InvalidInput)
            else {}
        )
        return page(errors.status_of(error), "；".join(rest.values()) or errors.describe(error))
    flash(str(_l("选题已申报：%(title)s", title=episode.title)))
    return redirect(url_for("episodes.show", episode_id=episode.id), code=303)


def _edit_form(episode: Episode, offered: list[Priority]) -> EditForm:
    """The edit form holding the episode: the tags among the quarter's ticked, the rest typed."""
    known = {p.tag for p in offered}
    return EditForm(
        formdata=None,
        data={
            "title": episode.title,
            "topic": episode.topic,
            "synopsis": episode.synopsis,
            "genre": episode.genre,
            "target_minutes": max(1, round(episode.target_duration_s / 60)),
            "air_by": episode.air_by,
            "quarter_tags": [t for t in episode.priority_tags if t in known],
            "priority_tags": "、".join(t for t in episode.priority_tags if t not in known),
            "version": episode.version,
        },
    )


def _changes(form: EditForm, episode: Episode) -> workflow.Edit:
    """The edit the form asks for; an unchanged duration keeps its exact seconds."""
    minutes = round(episode.target_duration_s / 60)
    duration = None if form.target_minutes.data == minutes else form.duration_s()
    return workflow.Edit(
        title=form.title.data or "",
        topic=form.topic.data or "",
        synopsis=form.synopsis.data or "",
        genre=form.genre.data or "",
        target_duration_s=duration,
        air_by=form.air_by.data,
        clear_air_by=form.air_by.data is None,
        priority_tags=form.tags(),
    )


def _render_edit(
    form: EditForm,
    episode: Episode,
    status: int,
    offered: list[Priority],
    message: str | None = None,
    *,
    current: EditForm | None = None,
    unknown: Sequence[str] = (),
) -> Page:
    html = render_template(
        "episodes/edit.html",
        form=form,
        episode=episode,
        message=message,
        current=current,
        priorities=offered,
        unknown=unknown,
    )
    return html, status


@bp.route("/<int:episode_id>/edit", methods=["GET", "POST"])
@login_required
def edit(episode_id: int) -> Page | Response:
    session, person = request_session(), current_person()
    episode = visible_episode(session, person, episode_id)
    workflow.authorize(session, person, episode, Act.EDIT)
    offered = _offered(session)
    form = EditForm()
    if not form.is_submitted():
        return _render_edit(_edit_form(episode, offered), episode, 200, offered)
    if not form.validate():
        return _render_edit(form, episode, 422, offered, str(errors.HEADLINE[InvalidInput]))
    unknown = _unconfirmed_tags(form, offered, kept=episode.priority_tags)
    if unknown:
        return _render_edit(form, episode, 200, offered, unknown=unknown)
    try:
        version = int(form.version.data or 0)
        workflow.edit(session, person, episode, version, _now(), _changes(form, episode))
    except (Conflict, InvalidInput, Forbidden, IllegalAct) as error:
        session.rollback()
        return _edit_refused(session, person, episode_id, form, error, offered)
    flash(str(_l("节目信息已修改")))
    return redirect(url_for("episodes.show", episode_id=episode_id), code=303)


def _edit_refused(
    session: Session,
    person: Person,
    episode_id: int,
    form: EditForm,
    error: DomainError,
    offered: list[Priority],
) -> Page:
    """The edit form again with what was typed; after a conflict, beside the current values
    (the form now carries the current version: submitting it again applies the typed text)."""
    page = episode_page(session, person, episode_id)
    if isinstance(error, Conflict):
        form.version.data, form.version.raw_data = page.episode.version, None
        message = conflict_message(page)
    elif isinstance(error, InvalidInput):
        rest = _apply_field_errors(form, errors.field_errors(error))
        message = "；".join(rest.values()) or errors.describe(error)
    else:
        message = errors.describe(error)
    current = _edit_form(page.episode, offered) if isinstance(error, Conflict) else None
    return _render_edit(
        form, page.episode, errors.status_of(error), offered, message, current=current
    )
