"""Imports every package's models so Base.metadata knows all tables."""

from editorial import models as editorial_models

__all__ = ["editorial_models"]
