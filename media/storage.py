"""Masters stored under the instance folder by content hash (``media/ab/cdef….mxf``).

A file is copied in chunks while its SHA-256 and size are computed, into a
temporary file in the same folder, then renamed into place: a failed or
refused copy leaves nothing behind, and the same content is stored once.
Paths given on the command line must lie inside one of the allowed folders.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from media.errors import MediaError

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Stored:
    sha256: str
    size_bytes: int
    relative: str  # inside the media folder
    created: bool = True  # False when the same content was stored before

    def path(self, root: Path) -> Path:
        return root / self.relative


def check_source(source: Path, allowed: list[Path], max_bytes: int) -> Path:
    """The resolved source if it is a non-empty file inside an allowed folder and not too large."""
    resolved = source.expanduser().resolve()
    roots = [root.expanduser().resolve() for root in allowed]
    if not any(resolved.is_relative_to(root) for root in roots):
        folders = ", ".join(str(root) for root in roots) or "(none configured)"
        raise MediaError(
            f"{source} is outside the folders media may be added from: {folders}", code="outside"
        )
    if not resolved.is_file():
        raise MediaError(f"{source} is not a file", code="not_file")
    size = resolved.stat().st_size
    if size == 0:
        raise MediaError(f"{source} is empty (0 bytes)", code="empty")
    if size > max_bytes:
        raise MediaError(
            f"{source} is {size / 2**30:.1f} GiB, over the limit of {max_bytes / 2**30:.1f} GiB",
            code="too_large",
        )
    return resolved


def store(source: Path, root: Path, max_bytes: int) -> Stored:
    """Copy ``source`` into the media folder under its content hash."""
    root.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, temporary = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise MediaError(
                        f"{source} grew past the size limit while it was copied", code="too_large"
                    )
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        relative = f"{sha[:2]}/{sha[2:]}{source.suffix.lower()[:10]}"
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        created = not target.exists()
        if created:
            os.replace(temporary, target)
        else:
            Path(temporary).unlink()
        return Stored(sha, size, relative, created)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
