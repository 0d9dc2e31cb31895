"""`tvcolumn notifications outbox` lists what was not delivered, with attempts and the
last error; `tvcolumn notifications retry ID` puts a failed delivery back in line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import Result
from flask import Flask

from cli import common
from editorial import people
from editorial.models import Channel, ColumnRobot, Delivery, DeliveryState, Level
from tests.conftest import NOW
from web.db import session_factory, unit_of_work

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


def add(
    app: Flask, key: str, state: DeliveryState, attempts: int, error: str = "", **kw: object
) -> int:
    with unit_of_work(app) as s:
        delivery = Delivery(
            channel=kw.pop("channel", Channel.EMAIL),
            target=kw.pop("target", "li.ming@example.org"),
            dedupe_key=key,
            subject="【时代风采】退回",
            body="正文",
            link="",
            state=state,
            attempts=attempts,
            next_attempt_at=NOW + timedelta(minutes=5),
            last_error=error,
            created_at=NOW,
            **kw,
        )
        s.add(delivery)
        s.flush()
        return delivery.id


def test_the_outbox_lists_failed_then_retried_deliveries_with_their_last_error(
    app: Flask, run: Run
) -> None:
    with unit_of_work(app) as s:
        column = people.create_column(
            s, NOW, slug="sjfc", name="时代风采", level=Level.CITY, station="市台", channel="综合"
        )
        robot = ColumnRobot(
            column_id=column.id, channel=Channel.WECOM, webhook_url="https://x", updated_at=NOW
        )
        s.add(robot)
        s.flush()
        robot_id = robot.id
    failed = add(
        app,
        "a",
        DeliveryState.FAILED,
        6,
        "the WeCom robot answered errcode 93000: invalid webhook url",
        channel=Channel.WECOM,
        target=str(robot_id),
        robot_id=robot_id,
    )
    retried = add(app, "b", DeliveryState.PENDING, 2, "mail server 127.0.0.1:25 unreachable")
    add(app, "c", DeliveryState.PENDING, 0)
    add(app, "d", DeliveryState.SENT, 0)
    result = run("notifications", "outbox")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "pending 2  sending 0  sent 1  failed 1"
    assert "e-mail is off: TVCOLUMN_SMTP_URL is not set" in lines
    rows = lines[lines.index(next(line for line in lines if line.startswith("id"))) + 1 :]
    assert rows[0].split()[:3] == [str(failed), "failed", "wecom"]
    assert f"robot {robot_id} of 时代风采" in rows[0] and "errcode 93000" in rows[0]
    assert rows[1].split()[:5] == [str(retried), "pending", "email", "li.ming@example.org", "2"]
    assert "2026-03-02 周一 09:05" in rows[1] and "unreachable" in rows[1]
    assert len(rows) == 2  # waiting for its first try is no problem
    assert len(run("notifications", "outbox", "--all").output.splitlines()) == len(lines) + 1


def test_a_failed_delivery_is_put_back_and_a_pending_one_is_refused(app: Flask, run: Run) -> None:
    failed = add(app, "a", DeliveryState.FAILED, 6, "timed out")
    result = run("notifications", "retry", str(failed))
    assert result.exit_code == 0, result.output
    assert result.output == f"delivery {failed} to li.ming@example.org is pending again\n"
    with session_factory(app)() as s:
        delivery = s.get_one(Delivery, failed)
        assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
            DeliveryState.PENDING,
            0,
            NOW,
        )
    refused = run("notifications", "retry", str(failed))
    assert refused.exit_code == 1 and "is pending, not failed" in refused.output
    assert run("notifications", "retry", "999").exit_code == 1
