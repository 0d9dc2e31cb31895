"""Imports every package's models so Base.metadata knows all tables."""

from calendars import models as calendar_models
from editorial import models as editorial_models
from liaison import models as liaison_models
from media import models as media_models
from schedule import models as schedule_models
from scheduler import models as scheduler_models
from station import models as station_models

__all__ = [
    "calendar_models",
    "editorial_models",
    "liaison_models",
    "media_models",
    "schedule_models",
    "scheduler_models",
    "station_models",
]
