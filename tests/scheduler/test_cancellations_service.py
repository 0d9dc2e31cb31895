"""Within one poll of the service: a stop date (停播) or a pull from air (撤播) cancels
the published airing, every feed shows it CANCELLED with SEQUENCE+1, and the people
concerned are told; a scheduler's pull of an airing (撤下) brings a rebuild that fills
the occurrence. Each poll runs the service's jobs' work in order, at a given ``now``,
each in a transaction of its own, on a database of its own (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendars import feeds, ledger
from editorial import people, workflow
from editorial.errors import InvalidInput
from editorial.models import Column, Episode, Level, Notification, Person, Role
from editorial.workdays import SHANGHAI
from schedule import airings, fill, publishing, slots
from schedule.cancellations import KIND
from schedule.models import Airing, AiringStatus, SlotKind
from scheduler import jobs
from tests.conftest import NOW, Crew, walk_to_approved
from tests.scheduler.test_service import (  # noqa: F401  (the fixtures)
    CREW_ROLES,
    ServiceDb,
    service_db_fixture,
)

FIRST = date(2026, 3, 3)  # a Tuesday; NOW is Monday 2 March, 09:00 in Shanghai
LAST = date(2026, 3, 5)


@dataclass
class Station:
    db: ServiceDb
    episodes: dict[str, int]

    def session(self) -> Session:
        return self.db.factory()

    def poll(self, now: datetime = NOW) -> int:
        """One poll: rebuild if the inputs changed, publish, sync the feed ledger."""
        done = 0
        for work in (jobs.rebuild_when_changed, publishing.publish_frozen, ledger.sync):
            with self.db.factory.begin() as s:
                done += work(s, now)
        return done

    def feed(self, now: datetime = NOW) -> dict[str, dict[str, object]]:
        """Each VEVENT of the all-columns feed and of the column's feed, by UID."""
        found: dict[str, dict[str, object]] = {}
        with self.db.factory() as s:
            column = s.scalars(select(Column)).one()
            for feed in (feeds.all_feed(), feeds.column_feed(column)):
                body = feeds.render(s, feed, feeds.window(now)).body
                for event in Calendar.from_ical(body).walk("VEVENT"):
                    seen = {"status": str(event["STATUS"]), "sequence": int(event["SEQUENCE"])}
                    assert found.setdefault(str(event["UID"]), seen) == seen  # every feed
        return found

    def uid(self, title: str) -> str:
        return ledger.airing_uid(SlotKind.PREMIERE, self.episodes[title], 0, 1)

    def told(self) -> dict[str, list[int]]:
        """Who was told of which cancelled episode, by username."""
        with self.db.factory() as s:
            rows = s.execute(
                select(Person.username, Notification.episode_id)
                .join(Notification, Notification.person_id == Person.id)
                .where(Notification.kind == KIND)
                .order_by(Person.username, Notification.id)
            ).all()
        found: dict[str, list[int]] = {}
        for username, episode_id in rows:
            found.setdefault(username, []).append(episode_id)
        return found


@pytest.fixture
def station(service_db: ServiceDb) -> Iterator[Station]:
    """A column with a daily 20:00 premiere from Tuesday to Thursday, two schedulers, and
    three approved episodes, built and published (inside the frozen week)."""
    with service_db.factory.begin() as s:
        column = people.create_column(
            s, NOW, slug="sjyc", name="时代风采", level=Level.CITY, station="市台", channel="综合"
        )
        team = {}
        for role in (*CREW_ROLES, Role.SCHEDULER):
            team[role] = people.create_person(s, NOW, username=role.value, display_name=role)
            people.grant_role(s, team[role], column, role, NOW)
        other = people.create_person(s, NOW, username="scheduler2", display_name="编排二")
        people.grant_role(s, other, column, Role.SCHEDULER, NOW)
        spec = slots.SlotSpec(
            "每日首播", SlotKind.PREMIERE, time(20), 1200, "FREQ=DAILY", FIRST, LAST
        )
        slots.create_slot(s, team[Role.SCHEDULER], column, NOW, spec)
        crew = Crew(column, *(team[r] for r in CREW_ROLES))
        episodes = {}
        for title in ("初心如磐", "使命在肩", "红船精神"):
            proposal = workflow.Proposal(title, 1200, crew.producer)
            episode = workflow.propose(s, crew.director, column, NOW, proposal)
            episodes[title] = walk_to_approved(s, crew, episode).id
    found = Station(service_db, episodes)
    assert found.poll() > 0
    yield found


def airing_of(s: Session, episode_id: int) -> Airing:
    return s.scalars(
        select(Airing).where(Airing.episode_id == episode_id).order_by(Airing.id)
    ).first() or pytest.fail(f"no airing of episode {episode_id}")


def test_a_stop_date_on_a_published_airing_cancels_it_in_every_feed_within_one_poll(
    station: Station,
) -> None:
    feed = station.feed()
    assert {e["status"] for e in feed.values()} == {"CONFIRMED"} and len(feed) == 3
    with station.db.factory.begin() as s:
        day = airing_of(s, station.episodes["使命在肩"]).starts_at.date()
        slot = airing_of(s, station.episodes["使命在肩"]).slot
        scheduler = people.get_person(s, Role.SCHEDULER.value)
        slots.add_exception(s, scheduler, slot, day, "转播重大会议", NOW)
    station.poll()
    uid = station.uid("使命在肩")
    assert station.feed()[uid] == {"status": "CANCELLED", "sequence": feed[uid]["sequence"] + 1}
    others = {k: v for k, v in station.feed().items() if k != uid}
    assert others == {k: v for k, v in feed.items() if k != uid}  # nothing else moved
    episode = station.episodes["使命在肩"]
    assert station.told() == {"producer": [episode], "scheduler2": [episode]}
    assert station.poll() == 0  # and nothing more to do


def test_a_pull_from_air_cancels_its_published_airing_within_one_poll(
    station: Station,
) -> None:
    feed = station.feed()
    with station.db.factory.begin() as s:
        episode = s.get_one(Episode, station.episodes["红船精神"])
        final = people.get_person(s, Role.FINAL_APPROVER.value)
        workflow.pull_from_air(s, final, episode, episode.version, NOW, reason="内容需更新")
    station.poll()
    uid = station.uid("红船精神")
    assert station.feed()[uid] == {"status": "CANCELLED", "sequence": feed[uid]["sequence"] + 1}
    episode_id = station.episodes["红船精神"]
    assert station.told() == {
        "producer": [episode_id],
        "scheduler": [episode_id],
        "scheduler2": [episode_id],
    }


def test_a_refused_stop_date_changes_nothing_and_brings_no_rebuild(station: Station) -> None:
    feed = station.feed()
    with station.db.factory.begin() as s:
        slot = airing_of(s, station.episodes["初心如磐"]).slot
        scheduler = people.get_person(s, Role.SCHEDULER.value)
        with pytest.raises(InvalidInput, match="does not air on 2026-03-06"):
            slots.add_exception(s, scheduler, slot, date(2026, 3, 6), "转播", NOW)
    assert station.poll() == 0
    assert station.feed() == feed and station.told() == {}


def test_a_scheduler_pulling_an_airing_brings_a_rebuild_that_fills_it_within_one_poll(
    station: Station,
) -> None:
    with station.db.factory.begin() as s:
        spare = workflow.Proposal("备播节目", 1200, people.get_person(s, "producer"))
        column = s.scalars(select(Column)).one()
        crew = Crew(column, *(people.get_person(s, r.value) for r in CREW_ROLES))
        spare_id = walk_to_approved(
            s, crew, workflow.propose(s, crew.director, column, NOW, spare)
        ).id
    assert station.poll() > 0  # the new approval: no free occurrence, the spare waits
    with station.db.factory.begin() as s:
        airing = airing_of(s, station.episodes["初心如磐"])
        at = airing.starts_at
        scheduler = people.get_person(s, Role.SCHEDULER.value)
        airings.pull(s, scheduler, airing, NOW, reason="临时插播")
    with station.db.factory.begin() as s:
        assert jobs.rebuild_when_changed(s, NOW) == 1
    with station.db.factory() as s:
        filled = s.scalars(
            select(Airing).where(Airing.starts_at == at, Airing.status != AiringStatus.CANCELLED)
        ).one()
        assert filled.episode_id == spare_id
    with station.db.factory.begin() as s:
        assert jobs.rebuild_when_changed(s, NOW + timedelta(minutes=1)) == 0


def test_empty_occurrences_get_a_fill_unless_kept_empty_and_marks_rebuild_within_one_poll(
    station: Station,
) -> None:
    with station.db.factory.begin() as s:
        column = s.scalars(select(Column)).one()
        crew = Crew(column, *(people.get_person(s, r.value) for r in CREW_ROLES))
        proposal = workflow.Proposal("往期节目", 1200, crew.producer)
        old = walk_to_approved(s, crew, workflow.propose(s, crew.director, column, NOW, proposal))
        slot = airing_of(s, station.episodes["初心如磐"]).slot
        before = datetime.combine(date(2026, 2, 24), time(12), tzinfo=UTC)  # 20:00 Shanghai
        s.add(
            Airing(
                slot=slot,
                episode=old,
                kind=SlotKind.PREMIERE,
                starts_at=before,
                ends_at=before + timedelta(minutes=20),
                status=AiringStatus.AIRED,
                published_at=before,
                created_at=before,
                updated_at=before,
            )
        )
    station.poll()
    with station.db.factory.begin() as s:
        scheduler = people.get_person(s, Role.SCHEDULER.value)
        second = airing_of(s, station.episodes["使命在肩"])
        third = airing_of(s, station.episodes["红船精神"])
        kept_day = third.starts_at.astimezone(SHANGHAI).date()
        final = people.get_person(s, Role.FINAL_APPROVER.value)
        for airing in (second, third):  # pulled from air (撤播): their occurrences are free
            episode = airing.episode
            workflow.pull_from_air(s, final, episode, episode.version, NOW, reason="内容需更新")
        fill.keep_empty(s, scheduler, third.slot, kept_day, NOW)
        at_second, at_third = second.starts_at, third.starts_at
    station.poll()
    with station.db.factory() as s:
        live = {
            a.starts_at: a
            for a in s.scalars(select(Airing).where(Airing.status != AiringStatus.CANCELLED))
        }
        filled = live[at_second]
        assert (filled.episode_id, filled.fill, filled.status) == (
            old.id,
            True,
            AiringStatus.PUBLISHED,
        )
        assert at_third not in live  # kept empty
        uid = ledger.airing_uid(SlotKind.RERUN, old.id, filled.slot_id, 1)
    with station.db.factory() as s:
        body = feeds.render(s, feeds.all_feed(), feeds.window(NOW)).body
    (event,) = [e for e in Calendar.from_ical(body).walk("VEVENT") if str(e["UID"]) == uid]
    assert str(event["SUMMARY"]).startswith("【补播】") and str(event["STATUS"]) == "CONFIRMED"
    later = NOW + timedelta(minutes=1)
    with station.db.factory.begin() as s:
        scheduler = people.get_person(s, Role.SCHEDULER.value)
        fill.unkeep_empty(s, scheduler, s.get_one(Airing, filled.id).slot, kept_day, later)
    with station.db.factory.begin() as s:
        assert jobs.rebuild_when_changed(s, later) == 1  # within one poll
    with station.db.factory() as s:
        again = s.scalars(
            select(Airing).where(
                Airing.starts_at == at_third, Airing.status != AiringStatus.CANCELLED
            )
        ).one()
        assert (again.episode_id, again.fill) == (old.id, True)
    with station.db.factory.begin() as s:
        scheduler = people.get_person(s, Role.SCHEDULER.value)
        fill.switch_fill(s, scheduler, s.scalars(select(Column)).one(), False, later)
    with station.db.factory.begin() as s:
        assert jobs.rebuild_when_changed(s, later + timedelta(minutes=1)) == 1
