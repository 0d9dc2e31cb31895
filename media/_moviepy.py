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
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

_VARIABLE = "PYTHON_DOTENV_DISABLED"


def _import_ffmpeg_parse_infos() -> Callable[..., dict[str, Any]]:
    before = os.environ.get(_VARIABLE)
    os.environ[_VARIABLE] = "1"
    try:
        from moviepy.video.io.ffmpeg_reader import ffmpeg_parse_infos as parse
    finally:
        if before is None:
            del os.environ[_VARIABLE]
        else:
            os.environ[_VARIABLE] = before
    result: Callable[..., dict[str, Any]] = parse
    return result


ffmpeg_parse_infos = _import_ffmpeg_parse_infos()

__all__ = ["ffmpeg_parse_infos"]
