"""``tvcolumn users …``, ``columns …`` and ``holidays …``: people, roles, columns and
the official holiday calendar."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command
from editorial import accounts, people
from editorial.models import Column, Level, Person, Role
from editorial.workdays import HolidayInput, enter_holidays, parse_holiday_file

# --- people and columns -------------------------------------------------------------------------


@click.group()
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
        session, common.now(), username=username, display_name=display_name, email=email
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
        common.now(),
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
    click.echo(
        people.issue_token(session, people.get_person(session, username), label, common.now())
    )


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
    accounts.set_password(session, people.get_person(session, username), password, common.now())
    click.echo(f"password of {username} set")


@click.group()
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
        common.now(),
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


@click.group()
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
    count = enter_holidays(session, people.get_person(session, actor), days, source, common.now())
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
    item = HolidayInput(day.date(), kind == "workday", name.strip())
    if not item.name:
        raise click.BadParameter("the day needs a name", param_hint="NAME")
    enter_holidays(session, people.get_person(session, actor), [item], source, common.now())
    click.echo(f"stored {item.day} as {kind}")
