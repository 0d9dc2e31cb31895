"""``tvcolumn schedule export``: the schedule in formats other systems read; first of
them the XMLTV programme guide of a channel (``calendars.xmltv``)."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import click
from flask import current_app
from sqlalchemy.orm import Session

from calendars import feeds, xmltv
from cli import common
from cli.common import domain_command
from editorial.errors import InvalidInput
from schedule import channels

FORMATS = ("xmltv",)


@click.command("export")
@click.option("--format", "form", type=click.Choice(FORMATS), required=True, help="what to write")
@click.option(
    "--channel", "code", required=True, help="the channel's code (tvcolumn channels list)"
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="the file to write (default: standard output)",
)
@click.option("--back", type=int, help="days before today (default: the feeds' window)")
@click.option("--ahead", type=int, help="days after today (default: the feeds' window)")
@domain_command
def schedule_export(
    session: Session, form: str, code: str, out: Path | None, back: int | None, ahead: int | None
) -> None:
    """Write a channel's published schedule: ``--format xmltv`` is the XMLTV programme
    guide (published and aired airings over the iCalendar feeds' window)."""
    channel = channels.get_channel(session, code)
    try:
        span = feeds.window(common.now(), back, ahead)
    except InvalidInput as error:
        raise click.ClickException(f"{error.message}: {'; '.join(error.fields.values())}") from None
    shown = xmltv.programmes(session, channel, span)
    domain = current_app.config["XMLTV_ID_DOMAIN"]
    if out is None:
        body = io.BytesIO()
        xmltv.write(body, channel, shown, domain)
        click.echo(body.getvalue(), nl=False)
    else:
        _write_atomically(out, lambda f: xmltv.write(f, channel, shown, domain))
        click.echo(
            f"wrote {out}: {len(shown)} programmes of {channel.station} {channel.name}", err=True
        )
    if not shown:
        click.echo(
            f"warning: no published airing on {channel.code} from {span.first} to {span.last}: "
            "the guide lists the channel without programmes",
            err=True,
        )


def _write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file in the same folder, then rename: a reader never sees
    half a guide, and a failure leaves the old file."""
    folder = path.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
