"""Probe a master with moviepy's ffmpeg reader: duration, picture, frame rate, codecs, sound.

``ffmpeg_parse_infos`` runs ``ffmpeg -i`` once and parses its header report; it
starts no decoder, unlike ``VideoFileClip``. moviepy does not parse the audio
codec, so the raw report is also taken (``print_infos=True`` prints it; it is
captured under a lock) and the default audio stream's codec read from it.

Refused, each with a :class:`~media.errors.MediaError` a person can act on:
a missing path or a folder, zero bytes, a file ffmpeg cannot read as media, an
MP4/MOV whose index is missing (cut off before the end) or whose streams claim
more bytes than the file holds (cut off after a front index), and sound only.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from media._moviepy import ffmpeg_parse_infos
from media.errors import MediaError

# The streams' own bit rates (from the container's index) against the bit rate
# the file's size gives over its duration: a complete file holds at least what
# its streams declare (plus container overhead). Below this share, bytes are missing.
_TRUNCATED_SHARE = 0.9
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")

_stdout_lock = threading.Lock()


@dataclass(frozen=True)
class Probe:
    """What a master holds, as ffmpeg reads its header."""

    duration: float  # seconds
    width: int
    height: int
    fps: float
    video_codec: str
    audio_codec: str | None
    has_audio: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def probe(path: Path) -> Probe:
    """Probe ``path``; raise :class:`MediaError` when it is not a usable video."""
    name = path.name
    if not path.exists():
        raise MediaError(
            f"{name} was not found: check the path and add the file again.", code="not_found"
        )
    if not path.is_file():
        raise MediaError(f"{name} is not a file: choose the video file itself.", code="not_file")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(
            f"{name} is empty (0 bytes): copy or export the master again.", code="empty"
        )

    infos, raw = _parse(path)
    if infos is None:
        if _looks_like_mp4(path) and "moov atom not found" in raw:
            raise MediaError(
                f"{name} is an incomplete MP4/MOV file: its index (moov atom) is missing, "
                "so the copy or export was cut off. Copy or export the master again.",
                code="incomplete",
            )
        raise MediaError(
            f"{name} is not a video file ffmpeg can read: upload the finished master "
            "(for example MP4, MOV, MXF or TS).",
            code="not_video",
        )
    if not infos.get("video_found"):
        if infos.get("audio_found"):
            raise MediaError(
                f"{name} contains sound only and no picture: upload the video master, "
                "not its sound track.",
                code="audio_only",
            )
        raise MediaError(
            f"{name} contains no video stream: upload the finished master.", code="not_video"
        )

    duration = infos.get("duration")
    video_size = infos.get("video_size")
    fps = infos.get("video_fps")
    if not duration or not video_size or not isinstance(fps, float | int) or fps <= 0:
        raise MediaError(
            f"{name} has no readable duration, picture size or frame rate: "
            "export the master again as a standard video file.",
            code="not_video",
        )
    _refuse_truncated(name, size, float(duration), infos)

    audio_found = bool(infos.get("audio_found"))
    return Probe(
        duration=float(duration),
        width=int(video_size[0]),
        height=int(video_size[1]),
        fps=float(fps),
        video_codec=str(infos.get("video_codec_name") or "unknown"),
        audio_codec=_audio_codec(raw, infos) if audio_found else None,
        has_audio=audio_found,
    )


def _parse(path: Path) -> tuple[dict[str, Any] | None, str]:
    """moviepy's parse of ``ffmpeg -i`` (None when ffmpeg cannot read it) and the raw report."""
    buffer = io.StringIO()
    with _stdout_lock, contextlib.redirect_stdout(buffer):
        try:
            infos: dict[str, Any] | None = ffmpeg_parse_infos(str(path), print_infos=True)
        except (OSError, ValueError, AttributeError, IndexError, NotImplementedError):
            infos = None
    return infos, buffer.getvalue()


def _looks_like_mp4(path: Path) -> bool:
    with path.open("rb") as file:
        head = file.read(8)
    return head[4:8] in _MP4_BOXES


def _refuse_truncated(name: str, size: int, duration: float, infos: dict[str, Any]) -> None:
    declared = 0
    for stream in infos.get("inputs", [{}])[0].get("streams", []):
        bitrate = stream.get("bitrate")
        if isinstance(bitrate, int):
            declared += bitrate
    if declared <= 0:
        return  # the container states no stream bit rates (e.g. MPEG-TS): nothing to compare
    actual = size * 8 / duration / 1000  # kb/s, as ffmpeg reports stream bit rates
    if actual < declared * _TRUNCATED_SHARE:
        raise MediaError(
            f"{name} is incomplete: it holds only {actual / declared:.0%} of the data its "
            "streams declare, so the copy or export was cut off. "
            "Copy or export the master again.",
            code="incomplete",
        )


def _audio_codec(raw: str, infos: dict[str, Any]) -> str | None:
    number = infos.get("default_audio_input_number", 0)
    stream = infos.get("default_audio_stream_number")
    index = rf"{number}:{stream}\b" if stream is not None else rf"{number}:\d+\b"
    match = re.search(rf"Stream #{index}[^:\n]*: Audio: (\w+)", raw)
    return match.group(1) if match else None
