"""Refusals of media input, each with a sentence a person can act on.

``code`` says which refusal it is, so the web can say it in the reader's language
(``web.refusals``; the API answers it as ``error``); ``message`` is the English
detail (file name, sizes, limits) for the CLI and the API.
"""

from __future__ import annotations

from editorial.errors import DomainError

CODES = (
    "not_found",  # the file is not there
    "not_file",  # a folder or device, not a file
    "empty",  # zero bytes
    "outside",  # not inside a folder media may be added from
    "too_large",  # over the size limit
    "incomplete",  # truncated copy or export
    "not_video",  # not something ffmpeg reads as video
    "audio_only",  # sound, no picture
    "no_audio",  # loudness asked of a file without sound
    "timeout",  # ffmpeg took longer than allowed
    "failed",  # ffmpeg or moviepy failed otherwise
    "check_failed",  # a package failed its check before it was offered (media.packaging)
    "no_font",  # no font that renders Chinese
    "no_packaging",  # the column has no opening and closing clips
    "not_failed",  # a retry of a job that did not fail
    "not_current",  # a retry of a job on a media version no longer current
    "retried",  # a retry of a job already tried again
    "episode_ended",  # a job for an episode withdrawn or pulled since it was queued
    "master_missing",  # the master is not in this machine's media folder
)


class MediaError(DomainError):
    def __init__(self, message: str, code: str = "failed") -> None:
        if code not in CODES:
            raise ValueError(f"unknown media error code {code!r}")
        super().__init__(message, code=code)
