"""A column's group robots (群机器人): one 企业微信 (WeCom) and one 钉钉 (DingTalk) webhook
per column, set and removed by the column's administrators.

A webhook is an https:// address of the robot's own service (WeCom
``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``, DingTalk
``https://oapi.dingtalk.com/robot/send?access_token=…``): anything else would send
the column's messages to a third party. Tests point robots at a local stand-in
with ``local_stand_in=True`` (``http://127.0.0.1:<port>/…`` or ``localhost``), which
the web passes only when the application is under test (``TESTING``).

DingTalk's signing secret (加签, ``SEC…``) is optional (a robot may be guarded by a
keyword instead); WeCom has none. The secret is stored for the sender and never
shown back in full: ``masked`` is what pages show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import FieldErrors, Forbidden, InvalidInput, NotFound
from editorial.models import Channel, Column, ColumnRobot, Membership, Person, Role

ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)
MAX_URL = 500
MAX_SECRET = 200


@dataclass(frozen=True)
class Endpoint:
    host: str
    path: str
    key: str  # the query parameter that names the robot


ENDPOINT = {
    Channel.WECOM: Endpoint("qyapi.weixin.qq.com", "/cgi-bin/webhook/send", "key"),
    Channel.DINGTALK: Endpoint("oapi.dingtalk.com", "/robot/send", "access_token"),
}
# The refusal code of each problem ``url_problem`` and ``secret_problem`` name.
URL_REFUSAL = {
    "required": "robot_url_required",
    "too_long": "robot_url_too_long",
    "invalid": "robot_url_invalid",
    "not_https": "robot_url_not_https",
}
ELSEWHERE_REFUSAL = {
    Channel.WECOM: "robot_url_not_wecom",
    Channel.DINGTALK: "robot_url_not_dingtalk",
}
SECRET_REFUSAL = {"invalid": "robot_secret_invalid", "not_used": "robot_secret_not_used"}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
SECRET = re.compile(r"^SEC[0-9A-Za-z]{10,197}$")


def robots_of(session: Session, column: Column) -> dict[Channel, ColumnRobot]:
    """The column's robots that have a webhook, by channel."""
    return {
        robot.channel: robot
        for robot in session.scalars(select(ColumnRobot).where(ColumnRobot.column_id == column.id))
        if robot.webhook_url
    }


def require_admin(session: Session, actor: Person, column: Column) -> None:
    """Only an active administrator of the column (管理员) sets its robots."""
    held = session.scalar(
        select(Membership.id).where(
            Membership.person_id == actor.id,
            Membership.column_id == column.id,
            Membership.role == Role.ADMIN,
        )
    )
    if held is None or not actor.active:
        raise Forbidden(
            f"{actor.username} is not an admin of column {column.slug}",
            code="not_column_admin",
            column=column.name,
        )


def set_robot(
    session: Session,
    actor: Person,
    column: Column,
    channel: Channel,
    webhook_url: str,
    secret: str | None,
    active: bool,
    now: datetime,
    *,
    local_stand_in: bool = False,
) -> ColumnRobot:
    """Set the column's robot of ``channel``; ``secret`` None keeps the one stored, ``""``
    clears it. A refusal (``InvalidInput``, per field) changes nothing."""
    require_admin(session, actor, column)
    if channel not in ROBOT_CHANNELS:
        raise InvalidInput(
            f"{channel} is not a group robot", {"channel": "not_a_robot"}, code="not_a_robot"
        )
    url = webhook_url.strip()
    errors = FieldErrors()
    problem = url_problem(channel, url, local_stand_in=local_stand_in)
    if problem:
        errors.add("webhook_url", URL_REFUSAL.get(problem, ELSEWHERE_REFUSAL[channel]), problem)
    robot = session.scalar(
        select(ColumnRobot).where(
            ColumnRobot.column_id == column.id, ColumnRobot.channel == channel
        )
    )
    if secret is not None:
        secret = secret.strip()
        problem = secret_problem(channel, secret)
        if problem:
            errors.add("secret", SECRET_REFUSAL[problem], problem)
    if errors:
        raise InvalidInput(
            f"the {channel} robot of {column.slug} is refused", errors, code="robot_refused"
        )
    if robot is None:
        robot = ColumnRobot(column_id=column.id, channel=channel, secret="")
        session.add(robot)
    robot.webhook_url = url
    if secret is not None:
        robot.secret = secret
    robot.active = active
    robot.updated_at = now
    session.flush()
    return robot


def remove_robot(
    session: Session, actor: Person, column: Column, channel: Channel, now: datetime
) -> None:
    """Forget the robot's webhook and secret and stop it. The row stays (empty) for the
    deliveries that name it; the column shows no robot of that channel."""
    require_admin(session, actor, column)
    robot = session.scalar(
        select(ColumnRobot).where(
            ColumnRobot.column_id == column.id, ColumnRobot.channel == channel
        )
    )
    if robot is None or not robot.webhook_url:
        raise NotFound(f"column {column.slug} has no {channel} robot")
    robot.webhook_url = ""
    robot.secret = ""
    robot.active = False
    robot.updated_at = now
    session.flush()


def url_problem(channel: Channel, url: str, *, local_stand_in: bool = False) -> str | None:
    """What is wrong with a webhook address, as a code; None if nothing."""
    if not url:
        return "required"
    if len(url) > MAX_URL:
        return "too_long"
    if any(c.isspace() or ord(c) < 32 for c in url):
        return "invalid"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.port == 0:  # reading the port refuses a malformed one
            return "invalid"
    except ValueError:
        return "invalid"
    if local_stand_in and parts.scheme == "http" and host in LOCAL_HOSTS:
        return None
    if parts.scheme != "https":
        return "not_https"
    endpoint = ENDPOINT[channel]
    if host != endpoint.host or parts.username or parts.password:
        return "wrong_host"
    if parts.path != endpoint.path or not parse_qs(parts.query).get(endpoint.key, [""])[0]:
        return "no_key"
    return None


def secret_problem(channel: Channel, secret: str) -> str | None:
    if not secret:
        return None
    if channel is not Channel.DINGTALK:
        return "not_used"
    if len(secret) > MAX_SECRET or not SECRET.match(secret):
        return "invalid"
    return None


def masked(secret: str) -> str:
    """What a page shows of a secret: that one is set, and its last four characters."""
    return f"SEC…{secret[-4:]}" if len(secret) > 12 else ("…" if secret else "")
