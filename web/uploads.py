"""Uploads of masters, streamed straight into the media folder's incoming folder.

A view marked :func:`streamed` takes a master: the page's form (multipart) or
the API's raw body. Its request may be as large as ``TVCOLUMN_MEDIA_MAX_GIB``
(every other request keeps the usual limits), and the uploaded bytes are
written once, as they arrive, to a fresh folder inside
``MediaSettings.incoming`` on the media folder's own disk: never to the
system's temporary folder first. The form is parsed before the view runs
(the CSRF check reads it), so :class:`UploadRequest` decides where a file
goes from the endpoint the request was routed to.

Whatever happens (stored, refused, too large, cut off), the request's upload
folders are removed when it ends; a folder a killed process left behind is
removed by a later upload once it is a day old.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import IO, Any, TypeVar

from flask import Flask, Request, current_app, request
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import Unauthorized

from media.errors import MediaError
from web.config import media_settings

F = TypeVar("F", bound=Callable[..., Any])

PREFIX = ".upload-"
STALE_AFTER_S = 24 * 3600
MAX_NAME_BYTES = 200  # of a file name on disk, in UTF-8 (file systems allow 255)
CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def streamed(view: F) -> F:
    """Mark a view as taking a master: its upload goes to the incoming folder."""
    view.takes_upload = True  # type: ignore[attr-defined]
    return view


def takes_upload(view: object) -> bool:
    return bool(getattr(view, "takes_upload", False))


FORM_SLACK = 64 * 1024  # a form's other fields and part headers, beside its file


def limited(config_key: str) -> Callable[[F], F]:
    """Mark a view as taking a file of its own size (``current_app.config[config_key]``
    bytes, and a form's slack): its request may be that large, not larger, and the file
    is read into memory (an as-run log, not a master)."""

    def mark(view: F) -> F:
        view.body_limit_key = config_key  # type: ignore[attr-defined]
        return view

    return mark


def own_limit(view: object) -> int | None:
    """The request size a :func:`limited` view takes; None for any other."""
    key = getattr(view, "body_limit_key", None)
    return None if key is None else int(current_app.config[key]) + FORM_SLACK


def upload_limit() -> int:
    """The largest master accepted, in bytes (``TVCOLUMN_MEDIA_MAX_GIB``)."""
    return media_settings(current_app.config).max_bytes


def safe_name(filename: str | None) -> str:
    """The last part of a client's file name, fit to lie on disk (Chinese kept)."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = _UNSAFE.sub("", name).strip().lstrip(".").strip()
    if not name:
        return "upload"
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    suffix = Path(name).suffix if len(Path(name).suffix) <= 16 else ""
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


class UploadRequest(Request):
    """Flask's request, which streams a :func:`streamed` view's files into the incoming folder."""

    @property
    def takes_upload(self) -> bool:
        endpoint = self.endpoint
        return endpoint is not None and takes_upload(current_app.view_functions.get(endpoint))

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.takes_upload:
            return upload_limit()
        if self._max_content_length is None and self.endpoint is not None:
            limit = own_limit(current_app.view_functions.get(self.endpoint))
            if limit is not None:
                return limit
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if not self.takes_upload:
            return super()._get_file_stream(
                total_content_length, content_type, filename, content_length
            )
        if not current_user.is_authenticated:  # no one unknown fills the disk
            raise Unauthorized()
        return self.new_upload(filename).open("w+b")

    def new_upload(self, filename: str | None) -> Path:
        """A path for an upload, in a folder of its own under the incoming folder."""
        incoming = media_settings(current_app.config).incoming
        incoming.mkdir(parents=True, exist_ok=True)
        _sweep(incoming)
        folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=incoming))
        self._upload_folders.append(folder)
        return folder / safe_name(filename)

    def receive_body(self, filename: str) -> Path:
        """Write the raw body to a new upload, chunk by chunk. A body over the limit
        raises ``RequestEntityTooLarge`` (413), at once when its length is declared."""
        path = self.new_upload(filename)
        with path.open("wb") as out:
            shutil.copyfileobj(self.stream, out, CHUNK)
        return path

    def discard_uploads(self) -> None:
        while self._upload_folders:
            shutil.rmtree(self._upload_folders.pop(), ignore_errors=True)

    @cached_property
    def _upload_folders(self) -> list[Path]:
        return []


def current() -> UploadRequest:
    """The request being handled (``create_app`` makes every request an UploadRequest)."""
    found = request._get_current_object()  # type: ignore[attr-defined]
    assert isinstance(found, UploadRequest)
    return found


def received(upload: FileStorage) -> Path:
    """Where an uploaded form file lies, with every byte written out."""
    stream = upload.stream
    path = Path(getattr(stream, "name", ""))
    if not path.name or not path.is_relative_to(media_settings(current_app.config).incoming):
        raise RuntimeError("the upload was not streamed to the incoming folder")
    stream.close()
    return path


def without_paths(error: MediaError, path: Path) -> MediaError:
    """The refusal with the server's folders left out of its message: the upload's name only."""
    message = error.message
    for where in (path.resolve(), path):
        message = message.replace(str(where), path.name)
        message = message.replace(str(where.parent), ".")
    return MediaError(message, code=error.code)


def _sweep(incoming: Path) -> None:
    """Remove upload folders a killed process left behind."""
    cutoff = time.time() - STALE_AFTER_S
    for folder in incoming.glob(PREFIX + "*"):
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def init_app(app: Flask) -> None:
    app.request_class = UploadRequest

    @app.teardown_request
    def _discard(_exc: BaseException | None) -> None:
        current().discard_uploads()
