"""Goal management tells aired premieres the station's as-run log confirms from those it
does not yet (已播出（未确认）), and does not count a missed one (漏播) as aired."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event
from sqlalchemy.orm import Session

from liaison.progress import Stage, progress
from schedule.channels import channel_of
from schedule.models import Airing, AiringStatus, AsRunOutcome
from tests.liaison.test_progress import World, quarter_with, shanghai, world
from tests.schedule.conftest import make_slot, scheduler_person
from tests.station.asrun_rows import add_entry, add_result, make_log

__all__ = ["make_slot", "scheduler_person", "world"]


def logged(session: Session, world: World, *found: tuple[Airing, AsRunOutcome]) -> None:
    """An as-run log of 1 to 10 July saying ``found`` of the airings."""
    channel = channel_of(session, world.slot)
    at = shanghai(date(2026, 7, 11), 9)
    log = make_log(session, channel, world.officer, date(2026, 7, 1), date(2026, 7, 10), at)
    for airing, outcome in found:
        entry = None
        if outcome is not AsRunOutcome.MISSING:
            entry = add_entry(session, log, airing.starts_at, 1800, "节目", airing)
        add_result(session, airing, log, outcome, at, entry)


def test_aired_premieres_are_confirmed_or_not_and_a_missed_one_is_not_aired(
    session: Session, world: World
) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 4}))
    confirmed, late, unconfirmed, missed = (world.approved("七一") for _ in range(4))
    days = iter(range(2, 6))
    aired = {
        e.id: world.airs(e, shanghai(date(2026, 7, next(days)), 20), AiringStatus.AIRED)
        for e in (confirmed, late, unconfirmed, missed)
    }
    logged(
        session,
        world,
        (aired[confirmed.id], AsRunOutcome.CONFIRMED),
        (aired[late.id], AsRunOutcome.LATE),
        (aired[missed.id], AsRunOutcome.MISSING),
    )
    [cell] = progress(session, quarter).of_column(column)
    assert cell.episodes[Stage.AIRED] == sorted([confirmed.id, late.id, unconfirmed.id])
    assert cell.confirmed == sorted([confirmed.id, late.id])
    assert (cell.aired_confirmed, cell.aired_unconfirmed) == (2, 1)
    assert cell.missing == [missed.id]
    assert cell.episodes[Stage.SCHEDULED] == []


def test_a_premiere_the_log_confirms_counts_as_aired_before_it_is_marked(
    session: Session, world: World
) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 1}))
    episode = world.approved("七一")
    airing = world.airs(episode, shanghai(date(2026, 7, 3), 20), AiringStatus.PUBLISHED)
    logged(session, world, (airing, AsRunOutcome.SHORT))
    [cell] = progress(session, quarter).of_column(column)
    assert (cell.aired, cell.aired_confirmed) == (1, 1)


def test_the_progress_asks_no_more_statements_with_as_run_results(
    session: Session, world: World
) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 1}))
    episode = world.approved("七一")
    airing = world.airs(episode, shanghai(date(2026, 7, 3), 20), AiringStatus.AIRED)
    logged(session, world, (airing, AsRunOutcome.CONFIRMED))
    seen: list[str] = []
    bind = session.get_bind()

    def listener(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(bind, "before_cursor_execute", listener)
    try:
        progress(session, quarter)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert len(seen) == 4  # priorities, targets, tagged episodes, premieres with results
