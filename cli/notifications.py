"""``tvcolumn notifications outbox``: what the scheduler service has not delivered (still
to send, retried after a failure, failed for good), and putting a failed one back."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command
from editorial import outbox
from editorial.models import Channel, ColumnRobot, Delivery, DeliveryState
from web.db import session_factory


@click.group()
def notifications() -> None:
    """Notifications (通知) and their delivery by e-mail and group robots."""


@notifications.command("outbox")
@click.option("--all", "show_all", is_flag=True, help="also list what waits for its first try")
@with_appcontext
def notifications_outbox(show_all: bool) -> None:
    """Deliveries failed for good, then those waiting after a failed attempt (attempts,
    next try, last error); `tvcolumn notifications retry ID` puts a failed one back."""
    with session_factory()() as session:
        counts = outbox.counts(session)
        rows = outbox.problems(session)
        if show_all:
            shown = {d.id for d in rows}
            rows += [d for d in outbox.waiting(session) if d.id not in shown]
        lines = common.table(
            ["id", "state", "channel", "to", "attempts", "next try", "last error"],
            [_row(session, d) for d in rows],
        )
    click.echo("  ".join(f"{state.value} {counts[state]}" for state in DeliveryState))
    if not current_app.config.get("SMTP_URL"):
        click.echo("e-mail is off: TVCOLUMN_SMTP_URL is not set")
    if not rows:
        click.echo("nothing failed" if not show_all else "nothing waits")
        return
    for line in lines:
        click.echo(line)


def _row(session: Session, delivery: Delivery) -> list[str]:
    next_try = (
        common.local_time(delivery.next_attempt_at)
        if delivery.state is DeliveryState.PENDING
        else "-"
    )
    return [
        str(delivery.id),
        delivery.state.value,
        delivery.channel.value,
        _target(session, delivery),
        str(delivery.attempts),
        next_try,
        delivery.last_error.splitlines()[0][:120] if delivery.last_error else "",
    ]


def _target(session: Session, delivery: Delivery) -> str:
    if delivery.channel is Channel.EMAIL:
        return delivery.target
    robot = session.get(ColumnRobot, delivery.robot_id) if delivery.robot_id else None
    column = f" of {robot.column.name}" if robot is not None else ""
    return f"robot {delivery.target}{column}"


@notifications.command("retry")
@click.argument("delivery_id", type=click.IntRange(1, 2**31 - 1))
@domain_command
def notifications_retry(session: Session, delivery_id: int) -> None:
    """Put a failed delivery back in line: the service sends it at its next poll."""
    delivery = outbox.retry(session, delivery_id, common.now())
    click.echo(f"delivery {delivery.id} to {_target(session, delivery)} is pending again")
