"""Calendar fixtures: the scheduler's (a scheduler person, slots) for schedules to feed."""

from tests.schedule.conftest import make_slot, scheduler_person

__all__ = ["make_slot", "scheduler_person"]
