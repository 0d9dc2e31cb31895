"""Imports every package's models so Base.metadata knows all tables."""

from editorial import models as editorial_models
from scheduler import models as scheduler_models

__all__ = ["editorial_models", "scheduler_models"]
