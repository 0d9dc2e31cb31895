"""``tvcolumn audit verify``: the append-only history's hash chains."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from editorial import history
from editorial.models import HistoryEntry
from web.db import session_factory

# --- audit -------------------------------------------------------------------------------------


@click.group()
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
