"""The channels slots air on (频道): a row per station and channel name, with a
short ASCII code for addresses, the XMLTV guide and the files handed to the station.

A channel row is made when a slot first airs on it (``ensure_channel``, called by
``schedule.slots``); its code starts as the slug of that slot's column and an
administrator may change it (``set_code``).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import Conflict, Forbidden, InvalidInput, NotFound
from editorial.models import Column, Membership, Person, Role
from schedule.models import BroadcastChannel, Slot

CODE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
CODE_LENGTH = 40


def ensure_channel(
    session: Session, station: str, name: str, column: Column, now: datetime
) -> BroadcastChannel:
    """The channel ``name`` of ``station``, made (code from ``column``'s slug) if new."""
    channel = session.scalar(
        select(BroadcastChannel).where(
            BroadcastChannel.station == station, BroadcastChannel.name == name
        )
    )
    if channel is not None:
        return channel
    base = column.slug[: CODE_LENGTH - 4].strip("-") or "channel"
    taken = set(session.scalars(select(BroadcastChannel.code)))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    channel = BroadcastChannel(station=station, name=name, code=code, created_at=now)
    session.add(channel)
    session.flush()
    return channel


def list_channels(session: Session) -> list[BroadcastChannel]:
    """Every channel, by station and name."""
    return list(
        session.scalars(
            select(BroadcastChannel).order_by(BroadcastChannel.station, BroadcastChannel.name)
        )
    )


def get_channel(session: Session, code: str) -> BroadcastChannel:
    """The channel with ``code``; NotFound names the code."""
    channel = session.scalar(select(BroadcastChannel).where(BroadcastChannel.code == code))
    if channel is None:
        raise NotFound(f"no channel {code!r}", code="no_channel", channel=code)
    return channel


def channel_of(session: Session, slot: Slot) -> BroadcastChannel:
    """The channel ``slot`` airs on."""
    channel = session.scalar(
        select(BroadcastChannel).where(
            BroadcastChannel.station == slot.station, BroadcastChannel.name == slot.channel
        )
    )
    if channel is None:  # every slot's channel is made with the slot
        raise NotFound(f"no channel {slot.station} {slot.channel}", code="no_channel")
    return channel


def slots_on(session: Session, channel: BroadcastChannel) -> list[Slot]:
    """The slots airing on ``channel``."""
    return list(
        session.scalars(
            select(Slot)
            .where(Slot.station == channel.station, Slot.channel == channel.name)
            .order_by(Slot.id)
        )
    )


def set_code(session: Session, actor: Person, channel: BroadcastChannel, code: str) -> None:
    """Give ``channel`` a new code (administrators only); refuses a malformed or taken one.

    Addresses with the old code (XMLTV guide subscriptions) stop working: the
    station's guide must be told the new address.
    """
    admin = select(Membership.id).where(
        Membership.person_id == actor.id, Membership.role == Role.ADMIN
    )
    if not actor.active or session.scalar(admin.limit(1)) is None:
        raise Forbidden("only an administrator may change a channel's code", code="not_admin")
    code = code.strip()
    if not CODE.fullmatch(code):
        raise InvalidInput(
            f"a channel code is 1 to {CODE_LENGTH} lowercase letters, digits and hyphens, "
            f"not starting or ending with a hyphen: {code!r}",
            {"code": "malformed"},
            code="channel_code_malformed",
            channel=code,
        )
    other = session.scalar(select(BroadcastChannel).where(BroadcastChannel.code == code))
    if other is not None and other.id != channel.id:
        raise Conflict(
            f"the code {code!r} is taken by {other.station} {other.name}",
            code="channel_code_taken",
            channel=code,
        )
    channel.code = code
    session.flush()
