"""moviepy, imported without loading a ``.env`` file by surprise.

moviepy 2.2.1's ``moviepy/config.py`` runs ``load_dotenv(find_dotenv())`` at
import. ``find_dotenv()`` searches upward from moviepy's own folder (or from the
working directory when Python runs interactively, e.g. ``python -c``), so a
stray ``.env`` anywhere above could set ``FFMPEG_BINARY`` and change which
ffmpeg every probe runs, or make the import fail outright.

python-dotenv (1.2) documents ``PYTHON_DOTENV_DISABLED``: while it is true,
``load_dotenv()`` returns without reading anything. It is set for the import
only and restored afterwards, so other users of python-dotenv in the process
(Flask's CLI, for one) are unaffected. moviepy's config is read once, at its
first import, so importing moviepy through this module first is enough.

Everything of moviepy (and of proglog, whose progress loggers moviepy takes)
that :mod:`media` uses is taken here, in that one guarded import. moviepy and
proglog ship no type information: the names are typed ``Any``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

_VARIABLE = "PYTHON_DOTENV_DISABLED"


def _import_moviepy() -> tuple[ModuleType, ModuleType]:
    before = os.environ.get(_VARIABLE)
    os.environ[_VARIABLE] = "1"
    try:
        # Importing any part of moviepy runs moviepy/__init__.py, which imports
        # moviepy.config (and the rest of moviepy) first.
        import moviepy
        import moviepy.video.io.ffmpeg_reader
        import proglog  # type: ignore[import-untyped]
    finally:
        if before is None:
            del os.environ[_VARIABLE]
        else:
            os.environ[_VARIABLE] = before
    return moviepy, proglog


_moviepy, _proglog = _import_moviepy()

_reader = _moviepy.video.io.ffmpeg_reader
ffmpeg_parse_infos: Callable[..., dict[str, Any]] = _reader.ffmpeg_parse_infos
CompositeVideoClip: Any = _moviepy.CompositeVideoClip
TextClip: Any = _moviepy.TextClip
VideoFileClip: Any = _moviepy.VideoFileClip
concatenate_videoclips: Any = _moviepy.concatenate_videoclips
ProgressBarLogger: Any = _proglog.ProgressBarLogger

__all__ = [
    "CompositeVideoClip",
    "ProgressBarLogger",
    "TextClip",
    "VideoFileClip",
    "concatenate_videoclips",
    "ffmpeg_parse_infos",
]
