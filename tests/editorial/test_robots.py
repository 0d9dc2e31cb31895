"""A column's group robots: only its admins set and remove them; the webhook must be the
robot service's own https:// address and DingTalk's secret look like one; a refusal
keeps what was there (editorial.robots)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import robots
from editorial.errors import Forbidden, InvalidInput, NotFound
from editorial.models import Channel, Column, ColumnRobot, Person, Role
from tests.conftest import NOW, Crew

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
SECRET = "SEC0123456789abcdef0123456789abcdef"


def rows(session: Session) -> dict[tuple[int, Channel], tuple[str, str, bool]]:
    return {
        (r.column_id, r.channel): (r.webhook_url, r.secret, r.active)
        for r in session.scalars(select(ColumnRobot))
    }


def test_the_columns_admin_sets_each_robot_once_per_column(session: Session, crew: Crew) -> None:
    column, admin = crew.column, crew.admin
    wecom = robots.set_robot(session, admin, column, Channel.WECOM, WECOM, None, True, NOW)
    robots.set_robot(session, admin, column, Channel.DINGTALK, DINGTALK, SECRET, True, NOW)
    later = NOW + timedelta(hours=1)
    again = robots.set_robot(
        session, admin, column, Channel.WECOM, f" {WECOM}2 ", None, False, later
    )
    assert again.id == wecom.id and again.updated_at == later
    assert rows(session) == {
        (column.id, Channel.WECOM): (f"{WECOM}2", "", False),
        (column.id, Channel.DINGTALK): (DINGTALK, SECRET, True),
    }
    assert set(robots.robots_of(session, column)) == {Channel.WECOM, Channel.DINGTALK}


def test_a_secret_left_out_is_kept_and_an_empty_one_clears_it(session: Session, crew: Crew) -> None:
    column, admin = crew.column, crew.admin
    robots.set_robot(session, admin, column, Channel.DINGTALK, DINGTALK, SECRET, True, NOW)
    kept = robots.set_robot(session, admin, column, Channel.DINGTALK, DINGTALK, None, True, NOW)
    assert kept.secret == SECRET
    cleared = robots.set_robot(session, admin, column, Channel.DINGTALK, DINGTALK, "", True, NOW)
    assert cleared.secret == ""


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_nobody_but_the_columns_admins_sets_or_removes_its_robots(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    make_column: Callable[..., Column],
    role: Role,
) -> None:
    other = make_column()
    someone = make_person(crew.column, role)
    admin_elsewhere = make_person(other, Role.ADMIN)
    robots.set_robot(session, crew.admin, crew.column, Channel.WECOM, WECOM, None, True, NOW)
    before = rows(session)
    for person in (someone, admin_elsewhere):
        with pytest.raises(Forbidden):
            robots.set_robot(session, person, crew.column, Channel.WECOM, DINGTALK, "", True, NOW)
        with pytest.raises(Forbidden):
            robots.remove_robot(session, person, crew.column, Channel.WECOM, NOW)
    assert rows(session) == before


def test_a_deactivated_admin_sets_nothing(session: Session, crew: Crew) -> None:
    crew.admin.active = False
    with pytest.raises(Forbidden):
        robots.set_robot(session, crew.admin, crew.column, Channel.WECOM, WECOM, None, True, NOW)


@pytest.mark.parametrize(
    ("channel", "url", "code"),
    [
        (Channel.WECOM, "", "required"),
        (Channel.WECOM, "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a", "not_https"),
        (Channel.WECOM, "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a", "not_https"),
        (
            Channel.WECOM,
            "https://qyapi.weixin.qq.com.evil.cn/cgi-bin/webhook/send?key=a",
            "wrong_host",
        ),
        (
            Channel.WECOM,
            "https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a",
            "wrong_host",
        ),
        (Channel.WECOM, DINGTALK, "wrong_host"),
        (Channel.DINGTALK, WECOM, "wrong_host"),
        (Channel.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "no_key"),
        (Channel.WECOM, "https://qyapi.weixin.qq.com/other?key=a", "no_key"),
        (Channel.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=", "no_key"),
        (Channel.DINGTALK, "https://oapi.dingtalk.com:x/robot/send?access_token=a", "invalid"),
        (Channel.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=a b", "invalid"),
        (Channel.DINGTALK, "https://oapi.dingtalk.com/?" + "a" * 500, "too_long"),
        (Channel.DINGTALK, "http://127.0.0.1:8080/robot", "not_https"),  # not in production
    ],
)
def test_a_webhook_that_is_not_the_robot_services_own_is_refused_and_nothing_changes(
    session: Session, crew: Crew, channel: Channel, url: str, code: str
) -> None:
    robots.set_robot(
        session,
        crew.admin,
        crew.column,
        channel,
        WECOM if channel is Channel.WECOM else DINGTALK,
        None,
        True,
        NOW,
    )
    before = rows(session)
    with pytest.raises(InvalidInput) as refused:
        robots.set_robot(session, crew.admin, crew.column, channel, url, None, False, NOW)
    assert refused.value.fields == {"webhook_url": code}
    assert rows(session) == before


@pytest.mark.parametrize(
    ("channel", "secret", "code"),
    [
        (Channel.DINGTALK, "0123456789abcdef", "invalid"),
        (Channel.DINGTALK, "SEC", "invalid"),
        (Channel.DINGTALK, "SEC0123456789abc-def", "invalid"),
        (Channel.WECOM, SECRET, "not_used"),
    ],
)
def test_a_secret_of_the_wrong_shape_is_refused(
    session: Session, crew: Crew, channel: Channel, secret: str, code: str
) -> None:
    url = WECOM if channel is Channel.WECOM else DINGTALK
    with pytest.raises(InvalidInput) as refused:
        robots.set_robot(session, crew.admin, crew.column, channel, url, secret, True, NOW)
    assert refused.value.fields == {"secret": code}
    assert rows(session) == {}


def test_the_email_channel_is_no_robot(session: Session, crew: Crew) -> None:
    with pytest.raises(InvalidInput) as refused:
        robots.set_robot(session, crew.admin, crew.column, Channel.EMAIL, WECOM, None, True, NOW)
    assert refused.value.fields == {"channel": "not_a_robot"}


def test_a_local_stand_in_is_taken_only_when_asked(session: Session, crew: Crew) -> None:
    local = "http://127.0.0.1:8123/robot/send?access_token=t"
    robot = robots.set_robot(
        session, crew.admin, crew.column, Channel.DINGTALK, local, SECRET, True, NOW,
        local_stand_in=True,
    )  # fmt: skip
    assert robot.webhook_url == local
    with pytest.raises(InvalidInput):
        robots.set_robot(
            session, crew.admin, crew.column, Channel.DINGTALK, "http://10.0.0.1/x", None, True,
            NOW, local_stand_in=True,
        )  # fmt: skip


def test_removing_forgets_the_webhook_and_the_secret(session: Session, crew: Crew) -> None:
    column, admin = crew.column, crew.admin
    robot = robots.set_robot(session, admin, column, Channel.DINGTALK, DINGTALK, SECRET, True, NOW)
    robots.remove_robot(session, admin, column, Channel.DINGTALK, NOW)
    assert (robot.webhook_url, robot.secret, robot.active) == ("", "", False)
    assert robots.robots_of(session, column) == {}
    with pytest.raises(NotFound):
        robots.remove_robot(session, admin, column, Channel.DINGTALK, NOW)
    with pytest.raises(NotFound):
        robots.remove_robot(session, admin, column, Channel.WECOM, NOW)
    again = robots.set_robot(session, admin, column, Channel.DINGTALK, DINGTALK, None, True, NOW)
    assert again.id == robot.id and again.secret == ""


def test_a_secret_is_shown_masked() -> None:
    assert robots.masked(SECRET) == "SEC…cdef"
    assert SECRET not in robots.masked(SECRET)
    assert robots.masked("") == ""
