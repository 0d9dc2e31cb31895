"""The service's ``deliver-notifications`` job: an act's notifications reach the test
SMTP server and the robots' stand-in once, however often the job runs; a dead mail
server or robot neither holds up nor fails the act, and fails the job's run no more
than the delivery (retried, then failed and listed). And the real service, `tvcolumn
scheduler run --poll-seconds 1`, mails an act committed while it runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from editorial import outbox, people, workflow
from editorial.models import (
    Channel,
    Column,
    ColumnRobot,
    Delivery,
    DeliveryState,
    Level,
    Notification,
    Person,
    Role,
)
from scheduler import jobs
from scheduler.models import RunStatus
from tests.conftest import NOW, Crew, walk_to_review
from tests.delivery_servers import (  # noqa: F401  (the fixtures)
    Inbox,
    Robots,
    dingtalk_sign,
    free_port,
    robots_fixture,
    silent_port_fixture,
    smtp_inbox_fixture,
)
from tests.scheduler.test_service import (  # noqa: F401  (the fixtures)
    Process,
    ServiceDb,
    ledger,
    service_db_fixture,
    spawn,
)

OK = workflow.Checklist.all_confirmed()
PUBLIC = "https://tv.example.cn"
NO_WAIT = tuple(timedelta(0) for _ in outbox.RETRY_DELAYS)  # retried at the next run


@dataclass
class Desk:
    """A column whose people have addresses, an episode in second review, robots."""

    db: ServiceDb
    column_id: int
    crew_ids: list[int]
    episode_id: int

    def act(self, reason: str = "字幕有错别字") -> int:
        """The reviewer returns the episode (committed): the director and producer are told."""
        with self.db.factory.begin() as s:
            crew = self.crew(s)
            episode = people.get_episode(s, self.episode_id)
            workflow.return_for_changes(
                s, crew.reviewer, episode, episode.version, NOW, reason=reason
            )
            return episode.id

    def crew(self, s: Session) -> Crew:
        return Crew(
            s.get_one(Column, self.column_id), *(s.get_one(Person, i) for i in self.crew_ids)
        )

    def add_robot(self, channel: Channel, url: str, secret: str = "") -> int:
        with self.db.factory.begin() as s:
            robot = ColumnRobot(
                column_id=self.column_id,
                channel=channel,
                webhook_url=url,
                secret=secret,
                active=True,
                updated_at=NOW,
            )
            s.add(robot)
            s.flush()
            return robot.id

    def deliveries(self) -> list[Delivery]:
        with self.db.factory() as s:
            return list(s.scalars(select(Delivery).order_by(Delivery.id)))


@pytest.fixture
def desk(service_db: ServiceDb) -> Desk:
    with service_db.factory.begin() as s:
        column = people.create_column(
            s, NOW, slug="sjfc", name="时代风采", level=Level.CITY, station="市台", channel="综合"
        )
        team = []
        for role in (
            Role.EDITOR_DIRECTOR,
            Role.PRODUCER,
            Role.REVIEWER,
            Role.FINAL_APPROVER,
            Role.ADMIN,
        ):
            person = people.create_person(
                s,
                NOW,
                username=role.value.replace("_", "-"),
                display_name=f"{role.value}人",
                email=f"{role.value}@example.org",
            )
            people.grant_role(s, person, column, role, NOW)
            team.append(person)
        crew = Crew(column, *team)
        episode = workflow.propose(
            s, crew.director, column, NOW, workflow.Proposal("初心", 1200, crew.producer)
        )
        walk_to_review(s, crew, episode)
        workflow.sign_off(
            s,
            crew.producer,
            episode,
            episode.version,
            NOW,
            stage=workflow.Stage.FIRST,
            checklist=OK,
        )
        # What came before is not this test's business: delivered long ago.
        s.execute(update(Notification).values(routed_at=NOW))
        return Desk(service_db, column.id, [p.id for p in team], episode.id)


@pytest.fixture
def deliver_with(service_db: ServiceDb) -> Iterator[Callable[..., None]]:
    def configure(**settings: object) -> None:
        jobs.configure(
            service_db.factory,
            delivery=outbox.Settings(public_url=PUBLIC, **settings),  # type: ignore[arg-type]
        )

    yield configure
    jobs.configure(None)


def runs_of_deliver(db: ServiceDb) -> list[RunStatus]:
    return [r.status for r in ledger(db) if r.job_id == "deliver-notifications"]


def test_an_act_is_mailed_and_posted_once_even_when_the_job_runs_again(
    desk: Desk,
    deliver_with: Callable[..., None],
    smtp_inbox: Inbox,
    robots: Robots,
) -> None:
    desk.add_robot(Channel.WECOM, robots.url("/ok/wecom", key="W"))
    desk.add_robot(Channel.DINGTALK, robots.url("/ok/dingtalk", access_token="D"), "SECret")
    deliver_with(smtp_url=smtp_inbox.url, mail_from="tv@example.org")
    episode_id = desk.act()
    assert jobs.deliver() == 4 + 4  # two mails and two robot messages, routed then claimed
    assert jobs.deliver() == 0
    assert sorted(r for m in smtp_inbox.wait_for(2) for r in m.recipients) == [
        "editor_director@example.org",
        "producer@example.org",
    ]
    mail = smtp_inbox.received[0].message
    assert "《初心》" in mail["Subject"] and "退回" in mail["Subject"]
    body = mail.get_content()
    assert "原因：字幕有错别字" in body and f"{PUBLIC}/episodes/{episode_id}" in body
    assert sorted(p.path for p in robots.posted) == ["/ok/dingtalk", "/ok/wecom"]
    dingtalk = next(p for p in robots.posted if p.path == "/ok/dingtalk")
    assert dingtalk.query["sign"] == dingtalk_sign("SECret", dingtalk.query["timestamp"])
    assert f"{PUBLIC}/episodes/{episode_id}" in dingtalk.body["markdown"]["text"]
    assert {d.state for d in desk.deliveries()} == {DeliveryState.SENT}
    assert runs_of_deliver(desk.db) == [RunStatus.DONE, RunStatus.DONE]
    assert len(smtp_inbox.received) == 2 and len(robots.posted) == 2


def test_dead_endpoints_fail_the_delivery_not_the_act_nor_the_run_and_lose_nothing(
    desk: Desk,
    deliver_with: Callable[..., None],
    robots: Robots,
    silent_port: int,
) -> None:
    desk.add_robot(Channel.WECOM, robots.url("/http500"))
    desk.add_robot(Channel.DINGTALK, robots.url("/errcode"), "SECret")
    dead_smtp = f"smtp://127.0.0.1:{free_port()}"
    deliver_with(smtp_url=dead_smtp, retry_delays=NO_WAIT, timeout_s=0.3)
    desk.act()  # commits: nothing of the act waits for a mail server or robot
    jobs.deliver()
    after_one = desk.deliveries()
    assert len(after_one) == 4
    assert all(d.state is DeliveryState.PENDING and d.attempts == 1 for d in after_one)
    reasons = {d.channel: d.last_error for d in after_one}
    assert "refused" in reasons[Channel.EMAIL].lower()
    assert "HTTP 500" in reasons[Channel.WECOM]
    assert "errcode 310000" in reasons[Channel.DINGTALK]
    # The mail server now accepts and never answers: a timeout, once per run.
    deliver_with(smtp_url=f"smtp://127.0.0.1:{silent_port}", retry_delays=NO_WAIT, timeout_s=0.3)
    jobs.deliver()
    mails = [d for d in desk.deliveries() if d.channel is Channel.EMAIL]
    assert all(d.attempts == 2 for d in mails)
    assert any("timed out" in d.last_error for d in mails)
    for _ in range(len(NO_WAIT) - 1):
        jobs.deliver()
    final = desk.deliveries()
    assert {d.state for d in final} == {DeliveryState.FAILED}
    assert all(d.attempts == len(NO_WAIT) + 1 for d in final)
    assert set(runs_of_deliver(desk.db)) == {RunStatus.DONE}  # never the run's failure
    with desk.db.factory() as s:
        assert {d.id for d in outbox.problems(s)} == {d.id for d in final}


def test_a_delivery_that_failed_is_sent_when_the_server_is_back(
    desk: Desk, deliver_with: Callable[..., None], smtp_inbox: Inbox
) -> None:
    deliver_with(smtp_url=f"smtp://127.0.0.1:{free_port()}", retry_delays=NO_WAIT)
    desk.act()
    jobs.deliver()
    assert {d.attempts for d in desk.deliveries()} == {1}
    deliver_with(smtp_url=smtp_inbox.url, retry_delays=NO_WAIT)
    jobs.deliver()
    assert len(smtp_inbox.wait_for(2)) == 2
    assert {(d.state, d.attempts) for d in desk.deliveries()} == {(DeliveryState.SENT, 1)}


def test_the_running_service_mails_an_act_committed_while_it_runs(
    desk: Desk,
    spawn: Callable[..., Process],  # noqa: F811  (the fixture, not the import)
    smtp_inbox: Inbox,
) -> None:
    service = spawn(TVCOLUMN_SMTP_URL=smtp_inbox.url, TVCOLUMN_PUBLIC_URL=PUBLIC)
    service.wait_for("job deliver-notifications")
    episode_id = desk.act()
    [first, second] = smtp_inbox.wait_for(2, timeout=15)
    assert f"{PUBLIC}/episodes/{episode_id}" in first.message.get_content()
    assert {first.recipients[0], second.recipients[0]} == {
        "editor_director@example.org",
        "producer@example.org",
    }
    service.stop()
