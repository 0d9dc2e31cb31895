"""``tvcolumn db …`` (migrations, PostgreSQL grants) and ``tvcolumn backup …``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

import migrations
from cli import backup as backups
from cli import common
from migrations import grants
from web.db import session_factory

# --- database ---------------------------------------------------------------------------------


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    engine = session_factory().kw["bind"]
    migrations.upgrade(engine, revision)
    click.echo(f"database at {migrations.current(engine)} ({_safe_url(engine.url)})")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ('base' empties it)."""
    engine = session_factory().kw["bind"]
    migrations.downgrade(engine, revision)
    click.echo(f"database at {migrations.current(engine) or 'base'}")


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's migration revision."""
    click.echo(migrations.current(session_factory().kw["bind"]) or "base (empty)")


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


# --- backup ------------------------------------------------------------------------------------


@click.group()
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
        manifest = backups.create(_instance(), dest, common.now())
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
