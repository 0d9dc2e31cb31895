"""The outbox (发件箱): notifications routed into deliveries by e-mail and to the columns'
group robots, claimed, sent and retried by the scheduler service.

A notification is written in the act's transaction (``editorial.handoffs``); the act
never waits for a mail server or a robot. The service then, on each poll:

1. ``route``: expands every notification not yet routed into ``Delivery`` rows, one
   e-mail per person told (if the server has SMTP, the person an address and their
   choices allow it) and one message per event to each active robot of the episode's
   column (the group hears of an act once, however many people it tells);
2. ``claim``: marks the due deliveries ``sending`` in a short transaction, so that the
   sending itself happens outside any transaction (SQLite has one writer);
3. ``record``: marks each sent, or counts a failed attempt and sets the next one after
   a growing delay, until after the last it is ``failed`` and shown (``problems``).

A claimed delivery's ``next_attempt_at`` is when its claim expires: a sender that died
between claiming and recording leaves it ``sending``, and it is due again then. Such
a message may be sent twice; its Message-ID stays the same (``channels``).

Each function takes the session and ``now`` and flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from editorial import notifications
from editorial.errors import IllegalAct, NotFound
from editorial.models import (
    Channel,
    ColumnRobot,
    Delivery,
    DeliveryState,
    Episode,
    Membership,
    Notification,
    NotificationChoice,
    Person,
)
from editorial.workdays import SHANGHAI

# After the n-th failed attempt the next one waits RETRY_DELAYS[n-1]; after the last
# delay's attempt also fails, the delivery is failed (about five hours after the first).
RETRY_DELAYS = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 240))
CLAIM_TIMEOUT = timedelta(minutes=5)
ROBOT_PER_MINUTE = 20  # WeCom and DingTalk refuse more than about 20 a minute per robot
ROBOT_WINDOW = timedelta(seconds=60)
ROBOTS = (Channel.WECOM, Channel.DINGTALK)
SUBJECT_MAX = 200
ERROR_MAX = 2000


@dataclass(frozen=True)
class Settings:
    """How the server delivers, from its configuration (``TVCOLUMN_SMTP_URL`` …)."""

    smtp_url: str = ""  # empty: no e-mail at all
    mail_from: str = "tvcolumn@localhost"
    public_url: str = ""  # the links' base, e.g. https://tv.example.cn
    timeout_s: float = 10.0  # one connection or request to a mail server or robot
    retry_delays: tuple[timedelta, ...] = RETRY_DELAYS
    claim_timeout: timedelta = CLAIM_TIMEOUT
    robot_per_minute: int = ROBOT_PER_MINUTE
    batch: int = 100  # deliveries claimed per run, notifications routed per run

    @property
    def mails(self) -> bool:
        return bool(self.smtp_url)

    @property
    def attempts(self) -> int:
        """How many attempts a delivery gets before it is failed."""
        return len(self.retry_delays) + 1


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery with what sending it needs, detached from the session."""

    id: int
    channel: Channel
    target: str  # the address, or the robot's id
    subject: str
    body: str
    link: str
    webhook_url: str = ""
    secret: str = ""


# --- routing -----------------------------------------------------------------------------------


def route(session: Session, now: datetime, settings: Settings) -> int:
    """Expand the notifications not yet routed into deliveries; how many deliveries.

    Idempotent: every delivery has a unique ``dedupe_key`` (the notification's e-mail,
    the event's message to one robot), and a routed notification is not routed again.
    """
    pending = list(
        session.scalars(
            select(Notification)
            .where(Notification.routed_at.is_(None))
            .order_by(Notification.id)
            .limit(settings.batch)
        )
    )
    if not pending:
        return 0
    made = [d for n in pending for d in _deliveries_of(session, n, now, settings)]
    keys = {d.dedupe_key for d in made}
    existing = set(
        session.scalars(select(Delivery.dedupe_key).where(Delivery.dedupe_key.in_(keys)))
    )
    added = 0
    for delivery in made:
        if delivery.dedupe_key in existing:
            continue
        existing.add(delivery.dedupe_key)
        session.add(delivery)
        added += 1
    for notification in pending:
        notification.routed_at = now
    session.flush()
    return added


def _deliveries_of(
    session: Session, notification: Notification, now: datetime, settings: Settings
) -> list[Delivery]:
    link = episode_link(settings.public_url, notification.episode_id)
    made: list[Delivery] = []
    person = notification.person
    if settings.mails and person.active and person.email and mails_wanted(session, notification):
        made.append(
            _delivery(
                Channel.EMAIL,
                person.email,
                f"{notification.id}:email",
                mail_subject(notification),
                mail_body(notification, link),
                link,
                now,
                notification_id=notification.id,
            )
        )
    episode = notification.episode
    if episode is not None and notification.event_key:
        for robot in active_robots(session, episode.column_id):
            made.append(
                _delivery(
                    robot.channel,
                    str(robot.id),
                    f"{notification.event_key}:robot:{robot.id}",
                    mail_subject(notification),
                    robot_body(notification, link, _told(session, notification.event_key)),
                    link,
                    now,
                    notification_id=notification.id,
                    robot_id=robot.id,
                )
            )
    return made


def _delivery(
    channel: Channel,
    target: str,
    key: str,
    subject: str,
    body: str,
    link: str,
    now: datetime,
    **ids: int,
) -> Delivery:
    return Delivery(
        channel=channel,
        target=target,
        dedupe_key=key,
        subject=subject[:SUBJECT_MAX],
        body=body,
        link=link,
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        **ids,
    )


def mails_wanted(session: Session, notification: Notification) -> bool:
    """Whether the person takes this kind by e-mail, by the account page's rule
    (``notifications.wants``: the main switch, then the kind's own choice, else yes)."""
    choices = {
        (Channel.EMAIL, kind): enabled
        for kind, enabled in session.execute(
            select(NotificationChoice.kind, NotificationChoice.enabled).where(
                NotificationChoice.person_id == notification.person_id,
                NotificationChoice.channel == Channel.EMAIL,
                NotificationChoice.kind.in_([notification.kind, notifications.EVERY_KIND]),
            )
        )
    }
    return notifications.wants(choices, Channel.EMAIL, notification.kind)


def active_robots(session: Session, column_id: int) -> list[ColumnRobot]:
    """The column's robots that are switched on."""
    return list(
        session.scalars(
            select(ColumnRobot)
            .where(ColumnRobot.column_id == column_id, ColumnRobot.active.is_(True))
            .order_by(ColumnRobot.id)
        )
    )


def _told(session: Session, event_key: str) -> list[str]:
    return list(
        session.scalars(
            select(Person.display_name)
            .join(Notification, Notification.person_id == Person.id)
            .where(Notification.event_key == event_key)
            .order_by(Notification.id)
        )
    )


# --- the messages ------------------------------------------------------------------------------


def episode_link(public_url: str, episode_id: int | None) -> str:
    """The episode's page (``/episodes/<id>``), or the site, at the public address."""
    base = public_url.rstrip("/")
    if not base:
        return ""
    return f"{base}/episodes/{episode_id}" if episode_id is not None else f"{base}/"


def _column_name(notification: Notification) -> str:
    episode: Episode | None = notification.episode
    return episode.column.name if episode is not None else ""


def mail_subject(notification: Notification) -> str:
    column = _column_name(notification)
    prefix = f"【{column}】" if column else "【通知】"
    return " ".join(f"{prefix}{notification.message}".split())  # a header is one line


def _facts(notification: Notification) -> list[tuple[str, str]]:
    at = notification.created_at.astimezone(SHANGHAI)
    facts = []
    if notification.episode is not None:
        episode = notification.episode
        facts.append(("节目", f"《{episode.title}》（{episode.column.name}）"))
    if notification.actor is not None:
        facts.append(("操作人", notification.actor.display_name))
    if notification.reason:
        facts.append(("原因", notification.reason))
    facts.append(("时间", f"{at:%Y-%m-%d %H:%M}"))
    return facts


def mail_body(notification: Notification, link: str) -> str:
    """The e-mail's text, in Chinese."""
    lines = [f"{notification.person.display_name}，您好：", "", notification.message, ""]
    lines += [f"{label}：{value}" for label, value in _facts(notification)]
    if link:
        lines += ["", f"查看节目：{link}"]
    lines += ["", "（本邮件由节目管理系统自动发送，请勿直接回复。）"]
    return "\n".join(lines) + "\n"


def robot_body(notification: Notification, link: str, told: Iterable[str]) -> str:
    """The group robot's message, in Markdown as WeCom and DingTalk both read it."""
    lines = [f"**{mail_subject(notification)}**", ""]
    lines += [f"> {label}：{_quoted(value)}" for label, value in _facts(notification)]
    names = "、".join(dict.fromkeys(told))
    if names:
        lines.append(f"> 通知：{names}")
    if link:
        lines += ["", f"[查看节目]({link})"]
    return "\n".join(lines)


def _quoted(value: str) -> str:
    """A value of several lines, every line inside the Markdown quote."""
    return "\n> ".join(value.splitlines())


# --- claiming and recording --------------------------------------------------------------------


def claim(session: Session, now: datetime, settings: Settings) -> list[Outgoing]:
    """Mark the due deliveries ``sending`` (until ``now`` + the claim timeout) and return
    them to send; a robot gets no more than its limit in any minute, the rest wait."""
    busy = _robots_busy(session, now)
    full = [robot for robot, used in busy.items() if used >= settings.robot_per_minute]
    due = list(
        session.scalars(
            select(Delivery)
            .where(
                Delivery.state.in_([DeliveryState.PENDING, DeliveryState.SENDING]),
                Delivery.next_attempt_at <= now,
                or_(Delivery.robot_id.is_(None), Delivery.robot_id.not_in(full)),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(settings.batch)
            .with_for_update(skip_locked=True)
        )
    )
    robots = _robots(session, {d.robot_id for d in due if d.robot_id is not None})
    claimed: list[Outgoing] = []
    for delivery in due:
        robot = robots.get(delivery.robot_id) if delivery.robot_id is not None else None
        if delivery.robot_id is not None:
            if robot is None or not robot.active:
                _give_up(delivery, "the robot was switched off or removed")
                continue
            if busy.get(robot.id, 0) >= settings.robot_per_minute:
                continue
            busy[robot.id] = busy.get(robot.id, 0) + 1
        delivery.state = DeliveryState.SENDING
        delivery.next_attempt_at = now + settings.claim_timeout
        claimed.append(_outgoing(delivery, robot))
    session.flush()
    return claimed


def _robots_busy(session: Session, now: datetime) -> dict[int, int]:
    """Per robot: messages sent in the last minute and messages being sent."""
    rows = session.execute(
        select(Delivery.robot_id, func.count())
        .where(
            Delivery.robot_id.is_not(None),
            or_(
                and_(Delivery.state == DeliveryState.SENT, Delivery.sent_at > now - ROBOT_WINDOW),
                and_(Delivery.state == DeliveryState.SENDING, Delivery.next_attempt_at > now),
            ),
        )
        .group_by(Delivery.robot_id)
    ).all()
    return {int(robot_id): count for robot_id, count in rows if robot_id is not None}


def _robots(session: Session, ids: set[int]) -> dict[int, ColumnRobot]:
    if not ids:
        return {}
    return {r.id: r for r in session.scalars(select(ColumnRobot).where(ColumnRobot.id.in_(ids)))}


def _outgoing(delivery: Delivery, robot: ColumnRobot | None) -> Outgoing:
    return Outgoing(
        id=delivery.id,
        channel=delivery.channel,
        target=delivery.target,
        subject=delivery.subject,
        body=delivery.body,
        link=delivery.link,
        webhook_url=robot.webhook_url if robot is not None else "",
        secret=robot.secret if robot is not None else "",
    )


def _give_up(delivery: Delivery, reason: str) -> None:
    delivery.state = DeliveryState.FAILED
    delivery.last_error = reason[:ERROR_MAX]


def record(
    session: Session, delivery_id: int, now: datetime, settings: Settings, error: str | None
) -> Delivery | None:
    """The outcome of sending a claimed delivery: sent (``error`` None), or a failed
    attempt retried after a growing delay, failed for good after the last. None if the
    delivery is no longer claimed (recorded already)."""
    delivery = session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.state is not DeliveryState.SENDING:
        return None
    if error is None:
        delivery.state = DeliveryState.SENT
        delivery.sent_at = now
    else:
        delivery.attempts += 1
        delivery.last_error = error[:ERROR_MAX]
        if delivery.attempts >= settings.attempts:
            delivery.state = DeliveryState.FAILED
        else:
            delivery.state = DeliveryState.PENDING
            delivery.next_attempt_at = now + settings.retry_delays[delivery.attempts - 1]
    session.flush()
    return delivery


def retry(
    session: Session,
    delivery_id: int,
    now: datetime,
    *,
    columns: Collection[int] | None = None,
) -> Delivery:
    """Put a failed delivery back in line, with its attempts counted afresh.

    ``columns``: the columns the caller administers (None: the operator, every column);
    a delivery of another column is not found."""
    query = select(Delivery).where(Delivery.id == delivery_id)
    if columns is not None:
        query = query.where(of_columns(columns))
    delivery = session.scalar(query)
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id}")
    if delivery.state is not DeliveryState.FAILED:
        raise IllegalAct(
            f"delivery {delivery_id} is {delivery.state.value}, not failed",
            code="delivery_not_failed",
        )
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    session.flush()
    return delivery


# --- what is shown -----------------------------------------------------------------------------


def of_columns(columns: Collection[int]) -> ColumnElement[bool]:
    """Deliveries that belong to these columns: a message to one of their robots, or about
    one of their episodes; a notification about no episode (a liaison reminder) belongs to
    every column where the person told holds a role. A column admin sees these only."""
    ids = list(columns)
    robot = select(ColumnRobot.id).where(
        ColumnRobot.id == Delivery.robot_id, ColumnRobot.column_id.in_(ids)
    )
    about = (
        select(Notification.id)
        .join(Episode, Episode.id == Notification.episode_id)
        .where(Notification.id == Delivery.notification_id, Episode.column_id.in_(ids))
    )
    told = (
        select(Notification.id)
        .join(Membership, Membership.person_id == Notification.person_id)
        .where(
            Notification.id == Delivery.notification_id,
            Notification.episode_id.is_(None),
            Membership.column_id.in_(ids),
        )
    )
    return or_(exists(robot), exists(about), exists(told))


def problems(
    session: Session, *, limit: int = 200, columns: Collection[int] | None = None
) -> list[Delivery]:
    """Deliveries that failed for good, then those waiting after a failed attempt:
    what the admin page and ``tvcolumn notifications outbox`` show (``columns``: only
    theirs, ``of_columns``)."""
    query = select(Delivery).where(
        or_(
            Delivery.state == DeliveryState.FAILED,
            and_(Delivery.state == DeliveryState.PENDING, Delivery.attempts > 0),
        )
    )
    if columns is not None:
        query = query.where(of_columns(columns))
    return list(
        session.scalars(
            query.order_by(
                (Delivery.state == DeliveryState.FAILED).desc(), Delivery.id.desc()
            ).limit(limit)
        )
    )


def waiting(session: Session, *, limit: int = 200) -> list[Delivery]:
    """Deliveries not yet sent (pending or being sent), oldest first."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.state.in_([DeliveryState.PENDING, DeliveryState.SENDING]))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
    )


def counts(session: Session, *, columns: Collection[int] | None = None) -> dict[DeliveryState, int]:
    """How many deliveries are in each state (``columns``: only theirs)."""
    query = select(Delivery.state, func.count()).group_by(Delivery.state)
    if columns is not None:
        query = query.where(of_columns(columns))
    rows = session.execute(query).all()
    found = {state: count for state, count in rows}
    return {state: found.get(state, 0) for state in DeliveryState}
