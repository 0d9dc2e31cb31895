"""The ``tvcolumn`` command, built on Flask's CLI so it shares the app factory.

Commands stay thin: parse, look up, call one service, commit once. Domain
refusals go to stderr with exit status 1; usage errors exit with 2.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from editorial import accounts, history, people, workflow
from editorial.db import Failure, classify
from editorial.errors import DomainError
from editorial.models import Column, Episode, HistoryEntry, Level, Person, Role, Stage, State
from editorial.workdays import enter_holidays, local_date, parse_holiday_file
from web import backup as backups
from web import create_app, grants, migrate
from web.db import session_factory, unit_of_work

F = TypeVar("F", bound=Callable[..., Any])


def _now() -> datetime:
    return datetime.now(UTC)


def domain_command(fn: F) -> F:
    """Run the command in one unit of work; a refusal becomes a clean CLI error."""

    @functools.wraps(fn)
    @with_appcontext
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with unit_of_work() as session:
                return fn(session, *args, **kwargs)
        except DomainError as error:
            raise click.ClickException(error.message) from None

    return wrapper  # type: ignore[return-value]


DATABASE_REFUSAL = {
    Failure.BUSY: "the database is busy (another writer holds it or it is restarting): "
    "nothing was changed; try again in a moment",
    Failure.CONFLICT: "someone else changed this at the same moment: nothing was changed; "
    "look again and retry",
    Failure.INVALID: "a value cannot be stored (a control character, or a number out of "
    "range): nothing was changed",
}


class Commands(FlaskGroup):
    """The command group: a busy database or a lost race is one line on stderr, exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SQLAlchemyError as error:
            failure = classify(error)
            if failure is None:
                raise
            raise click.ClickException(DATABASE_REFUSAL[failure]) from None


@click.group(
    cls=Commands, create_app=create_app, add_default_commands=False, add_version_option=False
)
def cli() -> None:
    """tvcolumn: editorial workflow and air schedule of the 《时代风采》 columns."""


# --- database ---------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    engine = session_factory().kw["bind"]
    migrate.upgrade(engine, revision)
    click.echo(f"database at {migrate.current(engine)} ({_safe_url(engine.url)})")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ('base' empties it)."""
    engine = session_factory().kw["bind"]
    migrate.downgrade(engine, revision)
    click.echo(f"database at {migrate.current(engine) or 'base'}")


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's migration revision."""
    click.echo(migrate.current(session_factory().kw["bind"]) or "base (empty)")


@db.command("grant")
@click.argument("role")
@with_appcontext
def db_grant(role: str) -> None:
    """Give the application's PostgreSQL ROLE rows but not tables (run as the owner)."""
    try:
        statements = grants.grant(session_factory().kw["bind"], role)
    except grants.GrantError as error:
        raise click.ClickException(str(error)) from None
    for statement in statements:
        click.echo(statement)
    click.echo(f"granted to {role}: rows of every table, no DDL; run again after db upgrade")


def _safe_url(url: Any) -> str:
    return str(url.render_as_string(hide_password=True))


# --- demo and server ---------------------------------------------------------------------------


@cli.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@domain_command
def demo_load(session: Session) -> None:
    """Load the demo columns, people and episodes (does nothing if they are there)."""
    from calendars import demo as calendars_demo
    from editorial import demo as editorial_demo
    from scheduler import demo as scheduler_demo

    now = _now()
    loaded = editorial_demo.load(session, now)
    if loaded:
        click.echo(f"demo loaded: {loaded.summary()}")
    else:
        click.echo("demo data already present; nothing added")
    slots_added = scheduler_demo.load(session, now)
    if slots_added:
        click.echo(f"schedule demo: {slots_added} slots added and the air schedule built")
    imported = calendars_demo.load(session, now, Path(current_app.config["INSTANCE_PATH"]) / "demo")
    if imported:
        click.echo(f"feeds demo: a county feed imported ({imported} airings) and the feeds synced")
    from media import demo as media_demo
    from web.config import media_settings

    media = media_demo.load(
        session,
        now,
        media_settings(current_app.config),
        Path(current_app.config["INSTANCE_PATH"]) / "demo" / "media",
    )
    if media:
        click.echo(
            f"media demo: episode {media.episode_id} has a master (QC "
            f"{'passed' if media.qc_passed else 'not passed'}) and its review material is "
            "queued; the column has its opening and closing"
        )
    from liaison import demo as liaison_demo

    priorities = liaison_demo.load(session, now)
    if priorities:
        click.echo(
            f"liaison demo: this quarter's meeting, {priorities} reporting priorities with "
            "targets for every column, and the liaison feed synced"
        )


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: $PORT or 5000")
@with_appcontext
def serve(host: str, port: int | None) -> None:
    """Serve the web application (development server; see deploy/ for production)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    port = port or int(os.environ.get("PORT", "5000"))
    from editorial import demo as editorial_demo

    click.echo(f"tvcolumn serving on http://{host}:{port}/")
    for line in editorial_demo.sign_in_lines():
        click.echo(line)
    # Flask's CLI sets FLASK_RUN_FROM_CLI, which turns app.run() into a no-op.
    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


# --- audit -------------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """The append-only history."""


@audit.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Walk every episode's hash chain; exit 1 naming the first entry that fails."""
    with session_factory()() as session:
        entries = session.scalar(select(func.count()).select_from(HistoryEntry)) or 0
        broken = list(history.verify(session))
    if broken:
        for link in broken:
            click.echo(f"BROKEN {link}", err=True)
        raise click.ClickException(f"{len(broken)} chain(s) do not verify; first: {broken[0]}")
    click.echo(f"ok: {entries} history entries verify")


# --- backup ------------------------------------------------------------------------------------


@cli.group()
def backup() -> None:
    """Backups of the database, the media folder and the feeds folder."""


def _instance() -> backups.Instance:
    return backups.Instance(
        engine=session_factory().kw["bind"],
        media_dir=Path(current_app.config["MEDIA_DIR"]),
        feeds_dir=Path(current_app.config["FEEDS_DIR"]),
        pg_bindir=Path(bindir) if (bindir := current_app.config.get("PG_BINDIR")) else None,
    )


@backup.command("create")
@click.argument("dest", type=click.Path(path_type=Path))
@with_appcontext
def backup_create(dest: Path) -> None:
    """Back up into DEST (a new or empty folder): database first, then the files it names."""
    try:
        manifest = backups.create(_instance(), dest, _now())
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"backed up {manifest['database']['dialect']} database at revision "
        f"{manifest['database']['revision']} and {len(manifest['files']) - 1} files to {dest}"
    )


@backup.command("restore")
@click.argument("src", type=click.Path(path_type=Path, exists=True, file_okay=False))
@with_appcontext
def backup_restore(src: Path) -> None:
    """Restore the backup in SRC into this empty instance; every checksum is checked first."""
    try:
        manifest = backups.restore(_instance(), src)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"restored the backup of {manifest['created_at']} "
        f"({len(manifest['files'])} files); run `tvcolumn audit verify`"
    )


# --- episodes ----------------------------------------------------------------------------------


@cli.group()
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
        rows = workflow.overdue_reviews(session, local_date(_now()), columns)
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
        click.echo(line)
    acts = ", ".join(a.value for a in workflow.SOURCES if e.state in workflow.SOURCES[a])
    click.echo(f"acts possible in this state: {acts or 'none'}")


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
    from editorial.errors import NotFound
    from editorial.models import Series

    series = None
    if series_id is not None:
        series = session.get(Series, series_id)
        if series is None:
            raise NotFound(f"no series {series_id}")
    e = workflow.propose(
        session,
        people.get_person(session, actor),
        people.get_column(session, column_slug),
        _now(),
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
        _done(fn(session, person, e, version, _now()))


def _reason_act(name: str, fn: Callable[..., Episode], doc: str) -> None:
    @episode.command(name, help=doc)
    @_act_options
    @click.option("--reason", required=True, help="why (required)")
    @domain_command
    def command(
        session: Session, episode_id: int, actor: str, expect_version: int | None, reason: str
    ) -> None:
        person, e, version = _act(session, actor, episode_id, expect_version)
        _done(fn(session, person, e, version, _now(), reason=reason))


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
@domain_command
def episode_sign(
    session: Session,
    episode_id: int,
    actor: str,
    expect_version: int | None,
    stage: str,
    confirmed: tuple[str, ...],
) -> None:
    """Sign a review stage (初审/复审/终审) with the review checklist."""
    person, e, version = _act(session, actor, episode_id, expect_version)
    items = set(CHECKLIST_ITEMS) if "all" in confirmed else set(confirmed)
    checklist = workflow.Checklist(**{name: name in items for name in CHECKLIST_ITEMS})
    _done(
        workflow.sign_off(
            session, person, e, version, _now(), stage=Stage(stage), checklist=checklist
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
            _now(),
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
    workflow.offer_for_exchange(session, person, e, version, _now(), offered=not withdraw_offer)
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
    workflow.set_priority_tags(session, person, e, version, _now(), tags)
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
    workflow.edit(session, person, e, version, _now(), changes)
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
        _now(),
        body,
    )
    click.echo(f"comment {c.id} added")


# --- people and columns -------------------------------------------------------------------------


@cli.group()
def users() -> None:
    """People, their roles and API tokens."""


@users.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True)
@click.option("--email", default=None)
@domain_command
def users_create(session: Session, username: str, display_name: str, email: str | None) -> None:
    """Create a person."""
    p = people.create_person(
        session, _now(), username=username, display_name=display_name, email=email
    )
    click.echo(f"created {p.username} (id {p.id})")


@users.command("list")
@domain_command
def users_list(session: Session) -> None:
    """List people with their roles per column."""
    for p in session.scalars(select(Person).order_by(Person.username)):
        roles = ", ".join(sorted(f"{m.column.slug}:{m.role.value}" for m in p.memberships))
        click.echo(f"{p.username}\t{p.display_name}\t{roles}")


ROLE_CHOICE = click.Choice([r.value for r in Role])


@users.command("grant")
@click.argument("username")
@click.argument("column")
@click.argument("role", type=ROLE_CHOICE)
@domain_command
def users_grant(session: Session, username: str, column: str, role: str) -> None:
    """Grant ROLE in COLUMN to USERNAME."""
    people.grant_role(
        session,
        people.get_person(session, username),
        people.get_column(session, column),
        Role(role),
        _now(),
    )
    click.echo(f"{username} is now {role} of {column}")


@users.command("revoke")
@click.argument("username")
@click.argument("column")
@click.argument("role", type=ROLE_CHOICE)
@domain_command
def users_revoke(session: Session, username: str, column: str, role: str) -> None:
    """Revoke ROLE in COLUMN from USERNAME."""
    people.revoke_role(
        session,
        people.get_person(session, username),
        people.get_column(session, column),
        Role(role),
    )
    click.echo(f"{username} is no longer {role} of {column}")


@users.command("token")
@click.argument("username")
@click.option("--label", required=True, help="what the token is for")
@domain_command
def users_token(session: Session, username: str, label: str) -> None:
    """Issue a personal API token (printed once; only its hash is kept)."""
    click.echo(people.issue_token(session, people.get_person(session, username), label, _now()))


@users.command("password")
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="the new password (prompted for when not given; at least 8 characters)",
)
@domain_command
def users_password(session: Session, username: str, password: str) -> None:
    """Set USERNAME's sign-in password (stored as an argon2 hash)."""
    accounts.set_password(session, people.get_person(session, username), password, _now())
    click.echo(f"password of {username} set")


@cli.group()
def columns() -> None:
    """Columns (栏目)."""


@columns.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--level", type=click.Choice([lv.value for lv in Level]), required=True)
@click.option("--station", required=True)
@click.option("--channel", required=True)
@click.option("--no-fixed-slot", is_flag=True, help="runs concentrated broadcasts (集中播放)")
@domain_command
def columns_create(
    session: Session,
    slug: str,
    name: str,
    level: str,
    station: str,
    channel: str,
    no_fixed_slot: bool,
) -> None:
    """Create a column."""
    c = people.create_column(
        session,
        _now(),
        slug=slug,
        name=name,
        level=Level(level),
        station=station,
        channel=channel,
        has_fixed_slot=not no_fixed_slot,
    )
    click.echo(f"created column {c.slug} (id {c.id})")


@columns.command("review-days")
@click.argument("slug")
@click.option("--as", "actor", required=True, help="username of an admin of the column")
@click.option("--first", type=int, required=True, help="working days for the first review")
@click.option("--second", type=int, required=True, help="working days for the second review")
@click.option("--final", type=int, required=True, help="working days for the final review")
@domain_command
def columns_review_days(
    session: Session, slug: str, actor: str, first: int, second: int, final: int
) -> None:
    """Set the working days each review stage may take in a column."""
    column = people.set_review_days(
        session,
        people.get_person(session, actor),
        people.get_column(session, slug),
        first=first,
        second=second,
        final=final,
    )
    click.echo(f"{column.slug}: review days {first}/{second}/{final}")


@columns.command("list")
@domain_command
def columns_list(session: Session) -> None:
    """List columns."""
    for c in session.scalars(select(Column).order_by(Column.id)):
        click.echo(f"{c.slug}\t{c.level.value}\t{c.name}\t{c.station} {c.channel}")


@cli.group()
def holidays() -> None:
    """The official holiday calendar used for review due dates."""


@holidays.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor", required=True, help="username of an admin")
@click.option("--source", required=True, help="the notice the days come from")
@domain_command
def holidays_load(session: Session, file: Path, actor: str, source: str) -> None:
    """Load days from FILE: lines of 'YYYY-MM-DD,holiday|workday,name'."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text") from None
    days = parse_holiday_file(text)
    count = enter_holidays(session, people.get_person(session, actor), days, source, _now())
    click.echo(f"stored {count} days from {file}")


@holidays.command("add")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["holiday", "workday"]))
@click.argument("name")
@click.option("--as", "actor", required=True, help="username of an admin")
@click.option("--source", required=True, help="the notice the day comes from")
@domain_command
def holidays_add(
    session: Session, day: datetime, kind: str, name: str, actor: str, source: str
) -> None:
    """Enter one day of an official holiday notice."""
    from editorial.workdays import HolidayInput

    item = HolidayInput(day.date(), kind == "workday", name.strip())
    if not item.name:
        raise click.BadParameter("the day needs a name", param_hint="NAME")
    enter_holidays(session, people.get_person(session, actor), [item], source, _now())
    click.echo(f"stored {item.day} as {kind}")


def main() -> None:
    cli.main(prog_name="tvcolumn")


# Command groups of other packages register themselves on ``cli``.
from web import cli_feeds, cli_liaison, cli_media, cli_schedule, cli_service  # noqa: E402

__all__ = ["cli", "cli_feeds", "cli_liaison", "cli_media", "cli_schedule", "cli_service", "main"]
