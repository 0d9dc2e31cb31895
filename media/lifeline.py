"""Child processes that die with the process that started them.

A media worker killed outright (SIGKILL, the OOM killer, a lost machine's
power) runs no cleanup: the render process it started, and that process's
ffmpeg, would go on writing into the shared media folder for nobody. Linux's
parent-death signal ends them instead: util-linux's ``setpriv --pdeathsig
KILL`` sets it and then executes the command, so no Python runs between fork
and exec. The signal comes when the thread that started the child ends: start
children from a thread that lives as long as they should (the main thread, or
the event loop's).

Without ``setpriv`` (not Linux), commands run as they are; the worker's
process group is then the only way to stop them.
"""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Sequence


@functools.cache
def _setpriv() -> str | None:
    return shutil.which("setpriv") if sys.platform.startswith("linux") else None


def tied_to_parent(command: Sequence[str]) -> list[str]:
    """``command`` run so that it is killed (SIGKILL) when its parent dies."""
    setpriv = _setpriv()
    if setpriv is None:
        return list(command)
    return [setpriv, "--pdeathsig", "KILL", "--", *command]
