"""The ``tvcolumn`` command, built on Flask's CLI so it shares the app factory.

Each module here holds one family of commands as click groups of its own and
imports only the domains, ``cli.common`` and what the web offers (the factory,
the unit of work); this module puts them under one root. Commands stay thin:
parse, look up, call one service, commit once.
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import SQLAlchemyError

from cli import (
    asrun,
    audit,
    campaigns,
    database,
    demo,
    episodes,
    feeds,
    liaison,
    media,
    notifications,
    people,
    schedule,
    series,
    serve,
    service,
)
from editorial.db import Failure, classify
from web import create_app

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


for command in (
    database.db,
    database.backup,
    demo.demo,
    serve.serve,
    audit.audit,
    asrun.asrun,
    episodes.episode,
    people.users,
    people.columns,
    people.holidays,
    schedule.schedule,
    schedule.slots_group,
    campaigns.campaigns_group,
    series.series_group,
    feeds.feeds,
    liaison.liaison,
    media.media,
    notifications.notifications,
    service.scheduler_group,
):
    cli.add_command(command)


def main() -> None:
    cli.main(prog_name="tvcolumn")


__all__ = ["cli", "main"]
