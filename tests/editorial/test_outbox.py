"""The outbox (editorial.outbox): notifications routed into e-mails and robot messages,
claimed, recorded sent or retried after growing delays, failed and listed; robots held
to 20 messages a minute. All on the database, nothing sent (tests/editorial/
test_channels.py and tests/scheduler/test_delivery.py send)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import notifications, outbox, workflow
from editorial.errors import IllegalAct, NotFound
from editorial.models import (
    Channel,
    ColumnRobot,
    Delivery,
    DeliveryState,
    Episode,
    Notification,
    NotificationChoice,
)
from tests.conftest import NOW, Crew, walk_to_review

OK = workflow.Checklist.all_confirmed()
SETTINGS = outbox.Settings(
    smtp_url="smtp://127.0.0.1:2525",
    mail_from="栏目组 <tv@example.org>",
    public_url="https://tv.example.cn/",
)
NO_SMTP = outbox.Settings(public_url="https://tv.example.cn")


def give_addresses(crew: Crew) -> None:
    for person in (crew.director, crew.producer, crew.reviewer, crew.final_approver, crew.admin):
        person.email = f"{person.username}@example.org"


def add_robot(
    session: Session, crew: Crew, channel: Channel, *, active: bool = True
) -> ColumnRobot:
    robot = ColumnRobot(
        column_id=crew.column.id,
        channel=channel,
        webhook_url=f"https://robot.example.org/{channel.value}",
        secret="SEC123" if channel is Channel.DINGTALK else "",
        active=active,
        updated_at=NOW,
    )
    session.add(robot)
    session.flush()
    return robot


def returned_in_second_review(
    session: Session, crew: Crew, episode: Episode, reason: str = "字幕有错别字"
) -> Episode:
    """The reviewer returns it: the editor-director and the producer are told."""
    walk_to_review(session, crew, episode)
    workflow.sign_off(
        session,
        crew.producer,
        episode,
        episode.version,
        NOW,
        stage=workflow.Stage.FIRST,
        checklist=OK,
    )
    workflow.return_for_changes(
        session, crew.reviewer, episode, episode.version, NOW, reason=reason
    )
    return episode


def deliveries(session: Session) -> list[Delivery]:
    return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def returned_notifications(session: Session, episode: Episode) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.episode_id == episode.id, Notification.kind == "returned")
            .order_by(Notification.id)
        )
    )


def test_an_act_is_routed_into_one_mail_per_person_and_one_message_per_robot(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    wecom = add_robot(session, crew, Channel.WECOM)
    dingtalk = add_robot(session, crew, Channel.DINGTALK)
    episode = returned_in_second_review(session, crew, propose(title="初心"))
    outbox.route(session, NOW, SETTINGS)  # what came before the return
    before = {d.id for d in deliveries(session)}
    notes = returned_notifications(session, episode)
    assert {n.person_id for n in notes} == {crew.director.id, crew.producer.id}
    made = [d for d in deliveries(session) if d.id in before]
    returned = [d for d in made if d.notification_id in {n.id for n in notes}]
    mails = sorted(d.target for d in returned if d.channel is Channel.EMAIL)
    assert mails == sorted([crew.director.email, crew.producer.email])
    robot_messages = [d for d in returned if d.channel is not Channel.EMAIL]
    assert sorted((d.channel, d.robot_id) for d in robot_messages) == sorted(
        [(Channel.WECOM, wecom.id), (Channel.DINGTALK, dingtalk.id)]
    )
    assert all(n.routed_at == NOW for n in notes)
    assert all(d.state is DeliveryState.PENDING and d.next_attempt_at == NOW for d in made)


def test_a_mail_says_what_who_why_and_links_the_episode_page_in_chinese(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    episode = returned_in_second_review(session, crew, propose(title="初心"))
    outbox.route(session, NOW, SETTINGS)
    note = next(
        n for n in returned_notifications(session, episode) if n.person_id == crew.producer.id
    )
    mail = session.scalars(select(Delivery).where(Delivery.dedupe_key == f"{note.id}:email")).one()
    assert mail.link == f"https://tv.example.cn/episodes/{episode.id}"
    assert mail.subject == f"【{crew.column.name}】{note.message}"
    assert "《初心》" in mail.subject and "退回" in mail.subject
    assert mail.body.startswith(f"{crew.producer.display_name}，您好：")
    for line in (
        note.message,
        f"操作人：{crew.reviewer.display_name}",
        "原因：字幕有错别字",
        "时间：2026-03-02 09:00",  # Asia/Shanghai
        f"查看节目：https://tv.example.cn/episodes/{episode.id}",
    ):
        assert line in mail.body


def test_a_robot_message_names_everyone_told_and_links_the_episode(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    robot = add_robot(session, crew, Channel.WECOM)
    episode = returned_in_second_review(session, crew, propose(title="初心"))
    outbox.route(session, NOW, NO_SMTP)
    [message] = [
        d
        for d in deliveries(session)
        if d.robot_id == robot.id
        and d.dedupe_key.startswith(returned_notifications(session, episode)[0].event_key)
    ]
    assert message.body.startswith(f"**【{crew.column.name}】")
    assert "> 原因：字幕有错别字" in message.body
    assert crew.director.display_name in message.body and crew.producer.display_name in message.body
    assert message.body.endswith(f"[查看节目](https://tv.example.cn/episodes/{episode.id})")


def test_without_smtp_or_an_address_nobody_is_mailed(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    returned_in_second_review(session, crew, propose())
    outbox.route(session, NOW, SETTINGS)  # nobody has an address
    give_addresses(crew)
    returned_in_second_review(session, crew, propose(title="二"))
    outbox.route(session, NOW, NO_SMTP)  # addresses, but no SMTP
    assert deliveries(session) == []
    assert session.scalar(select(Notification.id).where(Notification.routed_at.is_(None))) is None


def test_a_choice_turns_mail_off_per_kind_or_for_every_kind(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    session.add_all(
        [
            NotificationChoice(
                person_id=crew.producer.id, channel=Channel.EMAIL, kind="returned", enabled=False
            ),
            NotificationChoice(
                person_id=crew.director.id, channel=Channel.EMAIL, kind="*", enabled=False
            ),
            # '*' is the main switch (notifications.wants): off, a kind's own choice is moot.
            NotificationChoice(
                person_id=crew.director.id, channel=Channel.EMAIL, kind="returned", enabled=True
            ),
        ]
    )
    episode = returned_in_second_review(session, crew, propose())
    outbox.route(session, NOW, SETTINGS)
    mailed = {(d.target, n.kind) for d, n in _with_notes(session)}
    assert (crew.producer.email, "returned") not in mailed
    assert (crew.producer.email, "submitted") in mailed  # only "returned" is off for her
    assert not any(t == crew.director.email for t, _ in mailed)
    assert episode.id


def _with_notes(session: Session) -> list[tuple[Delivery, Notification]]:
    rows = session.execute(
        select(Delivery, Notification).join(
            Notification, Notification.id == Delivery.notification_id
        )
    ).all()
    return [(d, n) for d, n in rows]


def test_routing_twice_makes_nothing_twice_and_inactive_robots_get_nothing(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    add_robot(session, crew, Channel.DINGTALK, active=False)
    returned_in_second_review(session, crew, propose())
    made = outbox.route(session, NOW, SETTINGS)
    assert made == len(deliveries(session)) > 0
    session.execute(Notification.__table__.update().values(routed_at=None))
    assert outbox.route(session, NOW + timedelta(minutes=1), SETTINGS) == 0
    assert all(d.channel is Channel.EMAIL for d in deliveries(session))


def test_a_claim_takes_what_is_due_and_a_dead_senders_claim_expires(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    returned_in_second_review(session, crew, propose())
    outbox.route(session, NOW, SETTINGS)
    total = len(deliveries(session))
    claimed = outbox.claim(session, NOW, SETTINGS)
    assert len(claimed) == total and all(c.channel is Channel.EMAIL for c in claimed)
    assert all(d.state is DeliveryState.SENDING for d in deliveries(session))
    assert outbox.claim(session, NOW + timedelta(minutes=4), SETTINGS) == []  # still claimed
    again = outbox.claim(session, NOW + outbox.CLAIM_TIMEOUT, SETTINGS)  # its sender died
    assert {c.id for c in again} == {c.id for c in claimed}


def test_a_failed_attempt_is_retried_after_growing_delays_then_failed_and_listed(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    returned_in_second_review(session, crew, propose())
    outbox.route(session, NOW, SETTINGS)
    first = deliveries(session)[0]
    others = [d.id for d in deliveries(session)[1:]]
    session.execute(Delivery.__table__.update().where(Delivery.id.in_(others)).values(state="sent"))
    session.expire_all()
    at = NOW
    waits = []
    for attempt in range(1, SETTINGS.attempts + 1):
        [claimed] = outbox.claim(session, at, SETTINGS)
        assert claimed.id == first.id
        outbox.record(session, first.id, at, SETTINGS, "connection refused")
        assert first.attempts == attempt and first.last_error == "connection refused"
        if first.state is DeliveryState.FAILED:
            break
        assert outbox.claim(session, first.next_attempt_at - timedelta(seconds=1), SETTINGS) == []
        waits.append(first.next_attempt_at - at)
        at = first.next_attempt_at
    assert waits == list(outbox.RETRY_DELAYS)  # 1, 5, 15, 60, 240 minutes
    assert first.state is DeliveryState.FAILED and first.attempts == SETTINGS.attempts
    assert outbox.claim(session, at + timedelta(days=1), SETTINGS) == []
    assert [d.id for d in outbox.problems(session)] == [first.id]
    outbox.retry(session, first.id, at)
    assert first.state is DeliveryState.PENDING and first.attempts == 0
    assert [c.id for c in outbox.claim(session, at, SETTINGS)] == [first.id]


def test_only_a_failed_delivery_can_be_retried(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    returned_in_second_review(session, crew, propose())
    outbox.route(session, NOW, SETTINGS)
    pending = deliveries(session)[0]
    try:
        outbox.retry(session, pending.id, NOW)
    except IllegalAct as refusal:
        assert "pending" in refusal.message
    else:
        raise AssertionError("a pending delivery was retried")


def test_a_sent_delivery_is_recorded_once_and_never_claimed_again(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    returned_in_second_review(session, crew, propose())
    outbox.route(session, NOW, SETTINGS)
    claimed = outbox.claim(session, NOW, SETTINGS)
    for message in claimed:
        assert outbox.record(session, message.id, NOW, SETTINGS, None) is not None
        assert outbox.record(session, message.id, NOW, SETTINGS, "late") is None
    assert all(d.state is DeliveryState.SENT and d.sent_at == NOW for d in deliveries(session))
    assert outbox.claim(session, NOW + timedelta(days=1), SETTINGS) == []


def test_a_robot_gets_at_most_20_messages_a_minute_and_the_rest_after(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    robot = add_robot(session, crew, Channel.WECOM)
    for n in range(25):
        session.add(
            Delivery(
                channel=Channel.WECOM,
                target=str(robot.id),
                robot_id=robot.id,
                dedupe_key=f"burst:{n}",
                subject="s",
                body="b",
                link="",
                state=DeliveryState.PENDING,
                attempts=0,
                next_attempt_at=NOW,
                created_at=NOW,
            )
        )
    session.flush()
    first = outbox.claim(session, NOW, SETTINGS)
    assert len(first) == 20
    assert outbox.claim(session, NOW, SETTINGS) == []  # 20 being sent count too
    for message in first:
        outbox.record(session, message.id, NOW + timedelta(seconds=2), SETTINGS, None)
    assert outbox.claim(session, NOW + timedelta(seconds=61), SETTINGS) == []
    rest = outbox.claim(session, NOW + timedelta(seconds=63), SETTINGS)
    assert len(rest) == 5
    assert {m.id for m in first}.isdisjoint({m.id for m in rest})


def test_a_message_for_a_robot_switched_off_since_is_failed_not_sent(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    robot = add_robot(session, crew, Channel.DINGTALK)
    returned_in_second_review(session, crew, propose())
    outbox.route(session, NOW, NO_SMTP)
    robot.active = False
    assert outbox.claim(session, NOW, NO_SMTP) == []
    assert {d.state for d in deliveries(session)} == {DeliveryState.FAILED}
    assert all("switched off" in d.last_error for d in outbox.problems(session))


def test_a_reason_of_several_lines_keeps_the_subject_one_line_and_the_quote_whole(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    give_addresses(crew)
    add_robot(session, crew, Channel.WECOM)
    episode = returned_in_second_review(session, crew, propose(), "第一处：字幕\n第二处：音量")
    outbox.route(session, NOW, SETTINGS)
    notes = {n.id for n in returned_notifications(session, episode)}
    made = [d for d in deliveries(session) if d.notification_id in notes]
    assert all("\n" not in d.subject and "第一处：字幕 第二处：音量" in d.subject for d in made)
    mail = next(d for d in made if d.channel is Channel.EMAIL)
    assert "原因：第一处：字幕\n第二处：音量" in mail.body
    robot = next(d for d in made if d.channel is Channel.WECOM)
    assert "> 原因：第一处：字幕\n> 第二处：音量" in robot.body


def test_a_delivery_belongs_to_its_robots_column_its_episodes_and_its_recipients(
    session: Session,
    crew: Crew,
    make_crew: Callable[..., Crew],
    propose: Callable[..., Episode],
) -> None:
    """What a column admin sees of the outbox: messages to the column's robots and about
    its episodes; a reminder about no episode wherever the person told holds a role."""
    other = make_crew()
    give_addresses(crew)
    give_addresses(other)
    add_robot(session, crew, Channel.WECOM)
    returned_in_second_review(session, crew, propose(title="初心"))
    reminder = notifications.add(
        session,
        other.producer,
        "liaison_meeting",
        NOW,
        message="明天召开通联会议",
        event_key="test:meeting",
    )
    outbox.route(session, NOW, SETTINGS)
    everything = deliveries(session)
    mine = {d.id for d in everything if d.notification_id != reminder.id}
    assert mine and len(everything) == len(mine) + 1
    assert any(d.channel is Channel.WECOM for d in everything if d.id in mine)

    def seen_by(columns: set[int]) -> set[int]:
        return {d.id for d in outbox.problems(session, columns=columns, limit=1000)}

    session.execute(Delivery.__table__.update().values(state="failed"))
    session.expire_all()
    assert seen_by({crew.column.id}) == mine
    assert seen_by({other.column.id}) == {d.id for d in everything} - mine
    assert seen_by(set()) == set()
    assert outbox.counts(session, columns={crew.column.id})[DeliveryState.FAILED] == len(mine)
    stranger = next(iter({d.id for d in everything} - mine))
    with pytest.raises(NotFound):
        outbox.retry(session, stranger, NOW, columns={crew.column.id})
    assert outbox.retry(session, stranger, NOW, columns={other.column.id}).attempts == 0
