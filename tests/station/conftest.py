"""A channel's week with airings and real packaged masters (tiny clips made by ffmpeg)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from editorial import people
from editorial.models import Episode, Person, Role
from media.models import JobKind, JobState, MediaJob, MediaVersion
from schedule.channels import channel_of
from schedule.models import Airing, AiringStatus, BroadcastChannel, Slot
from station.sheets import Week
from tests.conftest import NOW, Crew
from tests.media.conftest import make_clip
from tests.schedule.test_builder import Desk, live, run_build

WEEK = Week(2026, 10)  # Monday 2 to Sunday 8 March 2026: NOW is its Monday morning


@pytest.fixture(scope="session")
def packaged_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real packaged master: 2 s at 25 fps (50 frames), small picture."""
    return make_clip(tmp_path_factory.mktemp("packaged") / "packaged.mp4", size="320x240")


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    return root


def package(
    session: Session,
    episode: Episode,
    person: Person,
    root: Path,
    clip: Path,
    *,
    qc_passed: bool | None = True,
    number: int = 1,
) -> MediaVersion:
    """Give ``episode`` master ``number`` and its packaged master (``clip`` copied in place)."""
    sha = hashlib.sha256(f"{episode.id}-{number}".encode()).hexdigest()
    version = MediaVersion(
        episode_id=episode.id,
        number=number,
        sha256=sha,
        size_bytes=clip.stat().st_size,
        original_name=f"master-{episode.id}.mp4",
        stored_as=f"{sha[:2]}/{sha[2:]}.mp4",
        uploaded_by_id=person.id,
        uploaded_at=NOW - timedelta(days=1),
        probe={"duration": 2.0},
        qc_passed=qc_passed,
    )
    session.add(version)
    session.flush()
    relative = f"packaged/{sha[:2]}/{sha}-0-0-0.mp4"
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clip, root / relative)
    session.add(
        MediaJob(
            media_version_id=version.id,
            kind=JobKind.PACKAGE,
            state=JobState.DONE,
            timeout_s=3600,
            requested_by_id=person.id,
            requested_at=NOW - timedelta(days=1),
            finished_at=NOW - timedelta(days=1),
            outputs={"packaged": relative},
            progress=1.0,
        )
    )
    episode.media_version = number
    session.flush()
    return version


@dataclass
class World:
    """A county channel's week 2026-W10: a Friday premiere and its Sunday rerun."""

    session: Session
    desk: Desk
    channel: BroadcastChannel
    premiere_slot: Slot
    rerun_slot: Slot
    first: Episode  # premieres Friday 6 March 20:00, rerun Sunday 8 March 10:00
    second: Episode  # premieres Friday 13 March (next week)
    scheduler: Person

    @property
    def airings(self) -> list[Airing]:
        return [a for a in live(self.session) if a.starts_at < WEEK.bounds()[1]]


@pytest.fixture
def scheduler_person(session: Session, crew: Crew) -> Person:
    person = people.create_person(session, NOW, username="bianpai", display_name="编排员")
    people.grant_role(session, person, crew.column, Role.SCHEDULER, NOW)
    return person


@pytest.fixture
def world(session: Session, crew: Crew, scheduler_person: Person) -> World:
    desk = Desk(session, crew, scheduler_person)
    premiere = desk.slot()
    rerun = desk.rerun(premiere)
    first = desk.episode(title="党建引领乡村振兴")
    second = desk.episode(title="红色印记")
    run_build(session, end=WEEK.sunday + timedelta(days=7))
    for airing in live(session):
        if airing.starts_at < WEEK.bounds()[1]:
            airing.status = AiringStatus.PUBLISHED
            airing.published_at = NOW
    session.flush()
    return World(
        session,
        desk,
        channel_of(session, premiere),
        premiere,
        rerun,
        first,
        second,
        scheduler_person,
    )


@pytest.fixture
def packaged(
    world: World, crew: Crew, media_root: Path, packaged_clip: Path
) -> Callable[..., MediaVersion]:
    def make(episode: Episode, **kw: object) -> MediaVersion:
        return package(world.session, episode, crew.director, media_root, packaged_clip, **kw)  # type: ignore[arg-type]

    return make
