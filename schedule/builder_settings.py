"""What the schedule builder may be told: horizons, the fit tolerance, priorities.

Kept apart from ``schedule.builder`` so the pure planning core
(``schedule.builder_plan``) can use it without importing the database side;
``schedule.builder`` re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from editorial.errors import InvalidInput
from editorial.models import Episode


@dataclass(frozen=True)
class PriorityWindow:
    """A quarterly reporting priority (季度宣传报道重点) and its date window.

    Episodes tagged ``tag`` are preferred for occurrences whose local day lies in
    ``start``..``end`` (both inclusive); when two tagged episodes compete for one
    such occurrence, the higher ``weight`` goes first. Real builds take them from
    the liaison office's priorities (``liaison.planning.build_settings``).
    """

    tag: str
    start: date
    end: date
    weight: int = 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class BuildSettings:
    """How the builder decides.

    ``over_tolerance_s``: how many seconds longer than the slot an episode may
    be (a station trims credits or a trailer; more would run into the next
    programme).

    ``min_fill``: an episode shorter than this share of the slot does not fit.
    0.8 leaves at most a fifth of a slot to promos and public-service spots,
    which stations fill routinely; an emptier slot looks like dead air, so the
    builder would rather leave the occurrence to an episode of the right length
    or an exchange programme.

    ``search_budget``: how many series start combinations the builder weighs
    per column before it settles for its sequential choice (see
    ``schedule.builder_plan``); real columns need one or two.
    """

    horizon_days: int = 120
    frozen_days: int = 7
    over_tolerance_s: int = 30
    min_fill: float = 0.8
    priorities: tuple[PriorityWindow, ...] = ()
    search_budget: int = 2000

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        if self.horizon_days < 1:
            errors["horizon_days"] = "the horizon is at least one day"
        if self.frozen_days < 0:
            errors["frozen_days"] = "the frozen horizon cannot be negative"
        if self.over_tolerance_s < 0:
            errors["over_tolerance_s"] = "the over-length tolerance cannot be negative"
        if not 0.0 <= self.min_fill <= 1.0:
            errors["min_fill"] = "min_fill is a share of the slot, 0 to 1"
        if self.search_budget < 1:
            errors["search_budget"] = "the search budget is at least 1"
        for window in self.priorities:
            if window.end < window.start or not window.tag.strip():
                errors["priorities"] = f"priority window {window} is empty or runs backwards"
            elif window.weight < 1:
                errors["priorities"] = f"priority window {window} has a weight below 1"
        if errors:
            raise InvalidInput(
                "bad build settings: " + "; ".join(errors.values()),
                errors,
                code="invalid_build_settings",
            )

    def too_long(self, duration_s: int, slot_duration_s: int) -> bool:
        return duration_s > slot_duration_s + self.over_tolerance_s

    def too_short(self, duration_s: int, slot_duration_s: int) -> bool:
        return duration_s < self.min_fill * slot_duration_s

    def fits(self, duration_s: int, slot_duration_s: int) -> bool:
        """Whether an episode of ``duration_s`` may air in a slot of ``slot_duration_s``."""
        return not self.too_long(duration_s, slot_duration_s) and not self.too_short(
            duration_s, slot_duration_s
        )


# The Episode attributes ``episode_duration`` reads: the builder loads only these
# (and its own) for thousands of episodes, so a new one must be named here.
DURATION_FIELDS = ("target_duration_s", "media_duration_s")


class Durations(Protocol):
    """What ``episode_duration`` reads: an Episode, or a row of its ``DURATION_FIELDS``."""

    @property
    def target_duration_s(self) -> int: ...

    @property
    def media_duration_s(self) -> int | None: ...


def episode_duration(episode: Episode | Durations) -> int:
    """The duration the schedule plans with, in seconds.

    The current master's measured duration once one is uploaded (media
    probe), the target duration before.
    """
    if episode.media_duration_s is not None:
        return episode.media_duration_s
    return episode.target_duration_s
