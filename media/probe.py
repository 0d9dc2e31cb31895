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
import subprocess
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg

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


# --- the streams' coding parameters (what packaging by stream copy must match) ------------

_FIELD_ORDERS = {
    "top first": "tt",
    "bottom first": "bb",
    "top coded first (swapped)": "tb",
    "bottom coded first (swapped)": "bt",
}
_VIDEO_LINE = re.compile(
    r"Stream #\d+:\d+[^:\n]*: Video: (?P<codec>\w+)(?: \((?P<profile>[^)/]+)\))?"
    r"(?: \([^)]*/[^)]*\))?, (?P<pix_fmt>\w+)(?:\((?P<extra>[^)]*(?:\([^)]*\))?[^)]*)\))?"
    r", (?P<width>\d+)x(?P<height>\d+)(?: \[SAR (?P<sar>\d+:\d+))?(?P<rest>[^\n]*)"
)
_AUDIO_LINE = re.compile(
    r"Stream #\d+:\d+[^:\n]*: Audio: (?P<codec>\w+)(?: \((?P<profile>[^)/]+)\))?"
    r"(?: \([^)]*/[^)]*\))?, (?P<rate>\d+) Hz, (?P<layout>[^,\n]+)"
)
_TRACE = re.compile(r"\]\s+\d+\s+(\w+)\s+[01]+ = (-?\d+)")
STREAMS_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Streams:
    """The coding parameters of a file's first picture and sound, as ffmpeg reads them.

    ``level`` is H.264's ``level_idc`` (40 for 4.0) or MPEG-2's
    ``profile_and_level_indication``; ``delay`` is the picture's reordering delay
    in frames (the first packet's presentation minus decoding time: B-frames);
    ``field_order`` is ``progressive``, ``tt`` (top field first), ``bb``, ``tb`` or
    ``bt``, as ffmpeg's ``-field_order`` names them.
    """

    container: str  # ffmpeg's demuxer: "mov,mp4,m4a,3gp,3g2,mj2", "mpegts" …
    video_codec: str
    profile: str | None
    level: int | None
    width: int
    height: int
    sar: str  # "1:1"
    fps: str  # as ffmpeg states it: "25"
    tbr: str
    time_base: str  # the container's ticks a second: "12800"
    field_order: str
    pix_fmt: str
    color_range: str | None  # "tv" or "pc"
    colorspace: str | None
    color_primaries: str | None
    color_trc: str | None
    delay: int
    video_streams: int
    audio_codec: str | None
    audio_profile: str | None
    sample_rate: int | None
    channel_layout: str | None
    audio_streams: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def streams(path: Path, timeout: float = STREAMS_TIMEOUT_SECONDS) -> Streams:
    """The coding parameters of ``path`` (a file :func:`probe` accepts): its header as
    ``ffmpeg -i`` reports it, and its first packets (``trace_headers`` and their times)."""
    infos, raw = _parse(path)
    if infos is None:
        raise MediaError(f"{path.name} is not a video file ffmpeg can read.", code="not_video")
    header = raw[raw.find("Input #0") :]
    video_lines = [
        line for line in header.splitlines() if ": Video: " in line and "attached pic" not in line
    ]
    video = _VIDEO_LINE.search(video_lines[0]) if video_lines else None
    if video is None:
        raise MediaError(
            f"{path.name} contains no video stream ffmpeg can describe.", code="not_video"
        )
    audio_lines = [line for line in header.splitlines() if ": Audio: " in line]
    audio = _AUDIO_LINE.search(audio_lines[0]) if audio_lines else None
    rest = video["rest"]
    extra = [part.strip() for part in (video["extra"] or "").split(",") if part.strip()]
    field_order, color_range, colours = "progressive", None, None
    for part in extra:
        if part in _FIELD_ORDERS:
            field_order = _FIELD_ORDERS[part]
        elif part in ("tv", "pc"):
            color_range = part
        elif part != "progressive":
            colours = part
    space = primaries = trc = None
    if colours is not None:
        named = colours.split("/")
        space, primaries, trc = (named * 3)[:3] if len(named) == 1 else (named + [None] * 3)[:3]
    space, primaries, trc = (None if v in (None, "unknown") else v for v in (space, primaries, trc))
    fields, delay = _first_packets(path, timeout)
    level = fields.get("level_idc", fields.get("profile_and_level_indication"))
    container = re.search(r"Input #0, ([^ ]+), from", header)
    return Streams(
        container=container.group(1).rstrip(",") if container else "",
        video_codec=video["codec"],
        profile=video["profile"],
        level=level,
        width=int(video["width"]),
        height=int(video["height"]),
        sar=video["sar"] or "1:1",
        fps=_figure(rest, "fps"),
        tbr=_figure(rest, "tbr"),
        time_base=_figure(rest, "tbn"),
        field_order=field_order,
        pix_fmt=video["pix_fmt"],
        color_range=color_range,
        colorspace=space,
        color_primaries=primaries,
        color_trc=trc,
        delay=delay,
        video_streams=len(video_lines),
        audio_codec=audio["codec"] if audio else None,
        audio_profile=audio["profile"] if audio else None,
        sample_rate=int(audio["rate"]) if audio else None,
        channel_layout=audio["layout"].strip() if audio else None,
        audio_streams=len(audio_lines),
    )


def _figure(text: str, unit: str) -> str:
    match = re.search(rf"([\d.]+k?) {unit}\b", text)
    return match.group(1) if match else ""


def _first_packets(path: Path, timeout: float) -> tuple[dict[str, int], int]:
    """The first picture's header fields (``trace_headers``) and its reordering delay."""
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        *("-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-i", f"file:{path}"),
        *("-map", "0:v:0", "-c", "copy", "-bsf:v", "trace_headers", "-frames:v", "4"),
        *("-f", "framemd5", "-"),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise MediaError(
            f"Reading the first pictures of {path.name} took longer than {timeout:g} s.",
            code="timeout",
        ) from None
    fields: dict[str, int] = {}
    for name, value in _TRACE.findall(done.stderr.decode("utf-8", errors="replace")):
        fields.setdefault(name, int(value))
    delay = 0
    for line in done.stdout.decode("ascii", errors="replace").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _, dts, pts, duration, *_ = (part.strip() for part in line.split(","))
        if int(duration) > 0:
            delay = max(0, round((int(pts) - int(dts)) / int(duration)))
        break
    return fields, delay
