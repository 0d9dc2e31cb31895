"""Refusals of media input, each with a sentence a person can act on."""

from __future__ import annotations


class MediaError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
