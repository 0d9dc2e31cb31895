"""``tvcolumn channels …``: the channels slots air on (频道), and their codes.

A channel's code names it in addresses (``/feeds/xmltv/<code>.xml``) and in what is
handed to the station; an administrator may change it.
"""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from cli.common import domain_command, table
from cli.feeds import touch_stamp_after_commit
from editorial import people
from schedule import channels


@click.group("channels")
def channels_group() -> None:
    """Channels (频道) and their codes."""


@channels_group.command("list")
@domain_command
def channels_list(session: Session) -> None:
    """Every channel: code, station, name and how many slots air on it."""
    rows = [
        [channel.code, channel.station, channel.name, str(len(channels.slots_on(session, channel)))]
        for channel in channels.list_channels(session)
    ]
    if not rows:
        click.echo("no channels yet: a channel is made with the first slot on it")
        return
    for line in table(["code", "station", "channel", "slots"], rows):
        click.echo(line)


@channels_group.command("code")
@click.argument("old")
@click.argument("new")
@click.option("--as", "actor", required=True, help="username of the administrator")
@domain_command
def channels_code(session: Session, old: str, new: str, actor: str) -> None:
    """Give the channel coded OLD the code NEW (administrators only). Its XMLTV guide
    moves to the new address: tell the station."""
    person = people.get_person(session, actor)
    channel = channels.get_channel(session, old)
    channels.set_code(session, person, channel, new)
    # The web processes' cached guide under the old address must go with the commit.
    touch_stamp_after_commit(session)
    click.echo(
        f"{channel.station} {channel.name}: code {old} -> {channel.code}; "
        f"its XMLTV guide is now /feeds/xmltv/{channel.code}.xml"
    )
