"""Masters stored by content hash: allowed folders, size limits, nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from media import storage
from media.errors import MediaError

LIMIT = 1024


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob(".upload-*")]


def test_a_file_is_stored_once_under_its_content_hash(tmp_path: Path) -> None:
    source = tmp_path / "in" / "Master.MXF"
    source.parent.mkdir()
    source.write_bytes(b"video bytes")
    root = tmp_path / "media"
    first = storage.store(source, root, LIMIT)
    again = storage.store(source, root, LIMIT)
    assert (first.created, again.created) == (True, False)  # the second copy was dropped
    assert (first.sha256, first.relative) == (again.sha256, again.relative)
    assert first.relative.startswith(first.sha256[:2] + "/") and first.relative.endswith(".mxf")
    assert first.path(root).read_bytes() == b"video bytes"
    assert first.size_bytes == len(b"video bytes")
    assert leftovers(root) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.mp4", b"", r"is empty \(0 bytes\)"),
        ("big.mp4", b"x" * (LIMIT + 1), "over the limit"),
    ],
)
def test_empty_or_too_large_files_are_refused(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    with pytest.raises(MediaError, match=message):
        storage.check_source(source, [tmp_path], LIMIT)


def test_a_path_outside_the_allowed_folders_is_refused(tmp_path: Path) -> None:
    allowed = tmp_path / "uploads"
    allowed.mkdir()
    outside = tmp_path / "secret.mp4"
    outside.write_bytes(b"x")
    sneaky = allowed / ".." / "secret.mp4"
    for path in (outside, sneaky, Path("/etc/passwd")):
        with pytest.raises(MediaError, match="outside the folders"):
            storage.check_source(path, [allowed], LIMIT)
    with pytest.raises(MediaError, match="not a file"):
        storage.check_source(allowed, [allowed], LIMIT)


def test_a_refused_copy_leaves_no_temporary_file(tmp_path: Path) -> None:
    source = tmp_path / "grows.mp4"
    source.write_bytes(b"x" * (LIMIT + 10))
    root = tmp_path / "media"
    with pytest.raises(MediaError, match="grew past the size limit"):
        storage.store(source, root, LIMIT)
    assert leftovers(root) == [] and list(root.rglob("*")) == []
