"""Scheduler fixtures: a crew with a scheduler and a weekly premiere slot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy.orm import Session

from editorial import people
from editorial.models import Person, Role
from schedule import slots
from schedule.models import Slot, SlotKind
from tests.conftest import NOW, Crew


@pytest.fixture
def scheduler_person(session: Session, crew: Crew) -> Person:
    person = people.create_person(session, NOW, username="bianpai", display_name="编排")
    people.grant_role(session, person, crew.column, Role.SCHEDULER, NOW)
    return person


@pytest.fixture
def make_slot(session: Session, crew: Crew, scheduler_person: Person) -> Callable[..., Slot]:
    """Create a slot in the crew's column (a Friday 20:00 premiere unless told otherwise)."""

    def make(**kw: Any) -> Slot:
        fields: dict[str, Any] = {
            "name": "周五首播",
            "kind": SlotKind.PREMIERE,
            "local_start": time(20, 0),
            "duration_s": 1800,
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
            "first_date": date(2026, 3, 6),
        }
        fields.update(kw)
        return slots.create_slot(
            session, scheduler_person, crew.column, NOW, slots.SlotSpec(**fields)
        )

    return make
