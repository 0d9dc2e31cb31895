"""``tvcolumn episode …``: list, show and every act of the workflow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli import common
from cli.common import F, domain_command
from editorial import people, workflow
from editorial.errors import NotFound
from editorial.models import Episode, HistoryEntry, Person, Series, Stage, State
from editorial.workdays import local_date

# --- episodes ----------------------------------------------------------------------------------


@click.group()
def episode() -> None:
    """Episodes and every workflow act."""


def _episode_line(e: Episode) -> str:
    due = f" due {e.review_due}{'*' if e.review_due_estimated else ''}" if e.review_due else ""
    return f"{e.id}\tv{e.version}\t{e.column.slug}\t{e.state.value}\t{e.title}{due}"


@episode.command("list")
@click.option("--column", "column_slug", help="only this column (slug)")
@click.option("--state", type=click.Choice([s.value for s in State]))
@click.option("--overdue", is_flag=True, help="only reviews past their due date")
@domain_command
def episode_list(
    session: Session, column_slug: str | None, state: str | None, overdue: bool
) -> None:
    """List episodes: id, version, column, state, title."""
    if overdue:
        columns = [people.get_column(session, column_slug).id] if column_slug else None
        rows = workflow.overdue_reviews(session, local_date(common.now()), columns)
    else:
        query = select(Episode).order_by(Episode.id)
        if column_slug:
            query = query.where(Episode.column_id == people.get_column(session, column_slug).id)
        if state:
            query = query.where(Episode.state == State(state))
        rows = list(session.scalars(query))
    for e in rows:
        click.echo(_episode_line(e))
    if any(e.review_due_estimated for e in rows):
        click.echo("* due date counted Monday to Friday: no holiday data for that year yet")


@episode.command("show")
@click.argument("episode_id", type=int)
@domain_command
def episode_show(session: Session, episode_id: int) -> None:
    """Show an episode and its whole history."""
    e = people.get_episode(session, episode_id)
    click.echo(f"#{e.id} {e.title}  [{e.state.value}] version {e.version}")
    click.echo(f"column: {e.column.name} ({e.column.slug})")
    click.echo(
        f"editor-director: {e.director.username}; "
        f"responsible producer: {e.responsible_producer.username}"
    )
    click.echo(f"target duration: {e.target_duration_s} s; air-by: {e.air_by or '-'}")
    if e.series:
        click.echo(f"series: {e.series.title}, part {e.part_number} of {e.series.parts}")
    if e.review_due:
        note = " (estimated: Monday to Friday)" if e.review_due_estimated else ""
        click.echo(f"review due: {e.review_due}{note}")
    if e.tags:
        click.echo("priority tags: " + ", ".join(e.priority_tags))
    click.echo(f"master: {_master_line(e)}")
    click.echo("history:")
    entries = session.scalars(
        select(HistoryEntry).where(HistoryEntry.episode_id == e.id).order_by(HistoryEntry.seq)
    )
    for h in entries:
        who = h.actor.username if h.actor else "system"
        role = f" ({h.actor_role})" if h.actor_role else ""
        line = f"  {h.seq}. {h.at:%Y-%m-%d %H:%M} {h.act} by {who}{role}"
        line += f" {h.from_state or '-'} -> {h.to_state}"
        if h.reason:
            line += f" reason: {h.reason}"
        if h.details and h.details.get("qc_override"):
            line += (
                f" technical quality signed over a failed QC, because: {h.details['qc_override']}"
            )
        click.echo(line)
    acts = ", ".join(a.value for a in workflow.SOURCES if e.state in workflow.SOURCES[a])
    click.echo(f"acts possible in this state: {acts or 'none'}")


def _master_line(e: Episode) -> str:
    if e.media_version is None:
        return "none yet (upload it before submitting: tvcolumn media add)"
    verdict = {True: "QC passed", False: "QC failed", None: "no QC"}[e.media_qc_passed]
    return f"media version {e.media_version}, {verdict}"


def _act_options(fn: F) -> F:
    fn = click.option(
        "--expect-version",
        type=int,
        default=None,
        help="refuse if the episode is no longer at this version",
    )(fn)
    fn = click.option("--as", "actor", required=True, help="username of the acting person")(fn)
    fn = click.argument("episode_id", type=int)(fn)
    return fn


def _act(
    session: Session, actor: str, episode_id: int, expect: int | None
) -> tuple[Person, Episode, int]:
    person = people.get_person(session, actor)
    e = people.get_episode(session, episode_id)
    return person, e, e.version if expect is None else expect


def _done(e: Episode) -> None:
    click.echo(f"episode {e.id} is now {e.state.value} (version {e.version})")


@episode.command("propose")
@click.option("--as", "actor", required=True, help="username of the editor-director")
@click.option("--column", "column_slug", required=True)
@click.option("--title", required=True)
@click.option("--producer", required=True, help="username of the responsible producer")
@click.option(
    "--duration", type=click.IntRange(min=1), required=True, help="target duration in seconds"
)
@click.option("--topic", default="")
@click.option("--synopsis", default="")
@click.option("--genre", default="")
@click.option("--air-by", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--series", "series_id", type=int, default=None)
@click.option("--part", type=int, default=None)
@click.option("--tag", "tags", multiple=True, help="priority tag (repeatable)")
@domain_command
def episode_propose(
    session: Session,
    actor: str,
    column_slug: str,
    title: str,
    producer: str,
    duration: int,
    topic: str,
    synopsis: str,
    genre: str,
    air_by: datetime | None,
    series_id: int | None,
    part: int | None,
    tags: tuple[str, ...],
) -> None:
    """Propose a topic (选题申报)."""
    series = None
    if series_id is not None:
        series = session.get(Series, series_id)
        if series is None:
            raise NotFound(f"no series {series_id}")
    e = workflow.propose(
        session,
        people.get_person(session, actor),
        people.get_column(session, column_slug),
        common.now(),
        workflow.Proposal(
            title=title,
            target_duration_s=duration,
            responsible_producer=people.get_person(session, producer),
            topic=topic,
            synopsis=synopsis,
            genre=genre,
            air_by=air_by.date() if air_by else None,
            series=series,
            part_number=part,
            priority_tags=tags,
        ),
    )
    click.echo(f"proposed episode {e.id} (version {e.version})")


def _simple_act(name: str, fn: Callable[..., Episode], doc: str) -> None:
    @episode.command(name, help=doc)
    @_act_options
    @domain_command
    def command(session: Session, episode_id: int, actor: str, expect_version: int | None) -> None:
        person, e, version = _act(session, actor, episode_id, expect_version)
        _done(fn(session, person, e, version, common.now()))


def _reason_act(name: str, fn: Callable[..., Episode], doc: str) -> None:
    @episode.command(name, help=doc)
    @_act_options
    @click.option("--reason", required=True, help="why (required)")
    @domain_command
    def command(
        session: Session, episode_id: int, actor: str, expect_version: int | None, reason: str
    ) -> None:
        person, e, version = _act(session, actor, episode_id, expect_version)
        _done(fn(session, person, e, version, common.now(), reason=reason))


_simple_act("approve-topic", workflow.approve_topic, "Approve the topic (选题通过).")
_simple_act("start-production", workflow.start_production, "Start production (开始制作).")
_simple_act("submit", workflow.submit, "Submit for review (送审).")
_reason_act("reject-topic", workflow.reject_topic, "Reject the topic, with a reason.")
_reason_act("return", workflow.return_for_changes, "Return for changes (退回修改), with a reason.")
_reason_act("withdraw", workflow.withdraw, "Withdraw the episode (撤销), with a reason.")
_reason_act("pull", workflow.pull_from_air, "Pull the episode from air (撤播), with a reason.")

CHECKLIST_ITEMS = list(workflow.Checklist.__dataclass_fields__)


@episode.command("sign")
@_act_options
@click.option("--stage", type=click.Choice([s.value for s in Stage]), required=True)
@click.option(
    "--confirm",
    "confirmed",
    multiple=True,
    required=True,
    type=click.Choice(["all", *CHECKLIST_ITEMS]),
    help="checklist item confirmed (repeatable), or 'all'",
)
@click.option(
    "--qc-override",
    default=None,
    help="why you confirm technical quality although the master failed QC "
    "(required then; kept in the history for the later stages)",
)
@domain_command
def episode_sign(
    session: Session,
    episode_id: int,
    actor: str,
    expect_version: int | None,
    stage: str,
    confirmed: tuple[str, ...],
    qc_override: str | None,
) -> None:
    """Sign a review stage (初审/复审/终审) with the review checklist."""
    person, e, version = _act(session, actor, episode_id, expect_version)
    items = set(CHECKLIST_ITEMS) if "all" in confirmed else set(confirmed)
    checklist = workflow.Checklist(**{name: name in items for name in CHECKLIST_ITEMS})
    _done(
        workflow.sign_off(
            session,
            person,
            e,
            version,
            common.now(),
            stage=Stage(stage),
            checklist=checklist,
            qc_override=qc_override,
        )
    )


@episode.command("hand-over")
@_act_options
@click.option("--to", "to_user", required=True, help="username of the new responsible producer")
@click.option("--reason", default=None)
@domain_command
def episode_hand_over(
    session: Session,
    episode_id: int,
    actor: str,
    expect_version: int | None,
    to_user: str,
    reason: str | None,
) -> None:
    """Hand responsibility to another producer of the column (移交)."""
    person, e, version = _act(session, actor, episode_id, expect_version)
    _done(
        workflow.hand_over(
            session,
            person,
            e,
            version,
            common.now(),
            to=people.get_person(session, to_user),
            reason=reason,
        )
    )


@episode.command("offer-exchange")
@_act_options
@click.option("--withdraw", "withdraw_offer", is_flag=True, help="withdraw the offer instead")
@domain_command
def episode_offer_exchange(
    session: Session, episode_id: int, actor: str, expect_version: int | None, withdraw_offer: bool
) -> None:
    """Offer an approved episode to other columns for exchange (交流)."""
    person, e, version = _act(session, actor, episode_id, expect_version)
    workflow.offer_for_exchange(
        session, person, e, version, common.now(), offered=not withdraw_offer
    )
    click.echo(
        f"episode {e.id} is {'now' if e.offered_for_exchange else 'no longer'} "
        f"offered for exchange (version {e.version})"
    )


@episode.command("tag")
@_act_options
@click.option("--tag", "tags", multiple=True, help="priority tag (repeatable; none clears them)")
@domain_command
def episode_tag(
    session: Session, episode_id: int, actor: str, expect_version: int | None, tags: tuple[str, ...]
) -> None:
    """Set the reporting priorities the episode answers to (设置宣传报道重点): the responsible
    producer, at any time before the episode ends."""
    person, e, version = _act(session, actor, episode_id, expect_version)
    workflow.set_priority_tags(session, person, e, version, common.now(), tags)
    click.echo(f"episode {e.id} tags: {', '.join(e.priority_tags) or 'none'}")
    _done(e)


@episode.command("edit")
@_act_options
@click.option("--title", default=None)
@click.option("--topic", default=None)
@click.option("--synopsis", default=None)
@click.option("--genre", default=None)
@click.option("--duration", "duration_s", type=int, default=None, help="target duration, seconds")
@click.option("--air-by", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--no-air-by", is_flag=True, help="remove the air-by date")
@click.option("--tag", "tags", multiple=True, help="priority tag (repeatable; replaces the tags)")
@domain_command
def episode_edit(
    session: Session,
    episode_id: int,
    actor: str,
    expect_version: int | None,
    title: str | None,
    topic: str | None,
    synopsis: str | None,
    genre: str | None,
    duration_s: int | None,
    air_by: datetime | None,
    no_air_by: bool,
    tags: tuple[str, ...],
) -> None:
    """Edit an episode's description (修改节目信息): its editor-director or producer."""
    person, e, version = _act(session, actor, episode_id, expect_version)
    changes = workflow.Edit(
        title=title,
        topic=topic,
        synopsis=synopsis,
        genre=genre,
        target_duration_s=duration_s,
        air_by=air_by.date() if air_by else None,
        clear_air_by=no_air_by,
        priority_tags=tags or None,
    )
    workflow.edit(session, person, e, version, common.now(), changes)
    click.echo(f"episode {e.id} edited (version {e.version})")


@episode.command("comment")
@click.argument("episode_id", type=int)
@click.option("--as", "actor", required=True)
@click.option("--body", required=True)
@domain_command
def episode_comment(session: Session, episode_id: int, actor: str, body: str) -> None:
    """Comment on an episode."""
    c = workflow.add_comment(
        session,
        people.get_person(session, actor),
        people.get_episode(session, episode_id),
        common.now(),
        body,
    )
    click.echo(f"comment {c.id} added")
