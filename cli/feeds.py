"""``tvcolumn feeds …``: iCalendar feeds out (sync, export, personal tokens) and in
(county feed sources, import, clashes).

Thin like the rest of the CLI: parse, look up, call one service, commit once;
whatever changed the ledger then tells the web processes (the stamp). A token
needs no stamp: personal feeds check it in the database on every request.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import event
from sqlalchemy.orm import Session

from calendars import export, ledger, tokens
from cli import common, feeds_import
from cli.common import domain_command
from editorial import people
from web.db import session_factory
from web.feeds import webcal


@click.group()
def feeds() -> None:
    """iCalendar feeds (日历订阅): export, personal tokens, county feed import."""


def _feeds_dir() -> Path:
    return Path(current_app.config["FEEDS_DIR"])


def touch_stamp_after_commit(session: Session) -> None:
    """Tell the web processes once the change is committed (not if it rolls back).

    Only a courtesy: the scheduler service writes the files and the stamp at its next
    poll whatever happens here, so a folder that cannot be written is a warning.
    """
    directory = _feeds_dir()

    def touch(_session: Session) -> None:
        try:
            export.touch_stamp(directory)
        except OSError as error:
            click.echo(
                f"warning: the feed stamp in {directory} was not written ({error}); "
                "the scheduler service writes it at its next poll",
                err=True,
            )

    event.listen(session, "after_commit", touch, once=True)


def _public_url() -> str:
    return str(current_app.config.get("PUBLIC_URL") or "http://localhost:5000")


@feeds.command("sync")
@domain_command
def feeds_sync(session: Session) -> None:
    """Bring the feed ledger in step with the schedule now (the scheduler service does
    this every poll)."""
    changed = ledger.sync(session, common.now())
    touch_stamp_after_commit(session)
    click.echo(f"{changed} feed events changed")


@feeds.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@with_appcontext
def feeds_export(directory: Path | None) -> None:
    """Write every public feed as a static file under DIRECTORY (default: the feeds
    folder, which the scheduler service keeps current)."""
    target = directory or _feeds_dir()
    with session_factory()() as session:
        result = export.export(session, common.now(), target)
    for path in result.written:
        click.echo(f"wrote {target / path}")
    click.echo(f"{len(result.written)} written, {len(result.unchanged)} unchanged")


@feeds.command("token")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="revoke the link and issue none")
@domain_command
def feeds_token(session: Session, username: str, revoke: bool) -> None:
    """Issue (or rotate) USERNAME's private feed link; the old link stops working."""
    person = people.get_person(session, username)
    now = common.now()
    if revoke:
        # Personal feeds check the token in the database on every request (web.feeds).
        count = tokens.revoke_feed_token(session, person, person, now)
        click.echo(f"revoked {count} feed link(s) of {person.username}")
        return
    token = tokens.rotate_feed_token(session, person, person, now)
    session.commit()
    url = f"{_public_url()}/feeds/people/{token}.ics"
    click.echo(
        f"private feed of {person.username} (shown once; the previous link no longer works):"
    )
    click.echo(f"  {url}")
    click.echo(f"  {webcal(url)}")


for command in (feeds_import.sources, feeds_import.feeds_import, feeds_import.feeds_clashes):
    feeds.add_command(command)
