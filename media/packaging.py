"""Packaging by stream copy: when the parts can match the master, and proof that they did.

:func:`media.render.package` asks :func:`mismatches` whether the master meets
the delivery specification in a form the opening and closing can be rendered
to (:func:`clip_arguments`: the master's codec, profile, level, picture size,
frame rate and time base, field order, pixel format, colour tags, reordering
delay, and its sound's codec, sample rate and channel layout). If so, the parts
are joined by ffmpeg's concat demuxer with ``-c copy`` (:func:`concat_arguments`):
the master's packets are not decoded. Otherwise the master is re-encoded with
moviepy, and the reasons are those :func:`mismatches` gives, in English, for
the job's log.

Before the package is offered, :func:`verify_copy` (or :func:`verify_reencoded`)
reads its packets back (``-f framemd5`` with ``-c copy``: every packet's
timestamps and a hash, no decoding) and checks:

* the duration: opening + master + closing within one frame;
* audio and video in sync within one frame in each part: each stream's offset
  (its packets' times in the package less their times in the part) is the same
  for picture and sound, and each part starts where the previous one's picture
  ends. At each join the next part's AAC priming frame (1024 samples, 21 ms)
  overlaps the end of the previous part's sound; ffmpeg moves that one packet
  after the previous one, so the offsets are taken as the median over each
  part's packets, and the error that remains is below one AAC frame;
* the master's pictures copied bit for bit (their packets' hashes, H.264
  parameter sets aside: the concat demuxer repeats them before each IDR frame,
  because the opening's are not the master's);
* no decoding error (``-v error -xerror``) in what was made: the opening, the
  closing and two seconds on each side of each join (decoding the whole 60 s
  1080p bench master would take longer than the copy itself; the master's
  packets are the master's own, proved by their hashes);
* the caption visible (:func:`caption_visible`).

A check that fails raises :class:`PackagingError` with what was measured.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO

import imageio_ffmpeg
import numpy as np

from media.errors import MediaError
from media.lifeline import tied_to_parent
from media.probe import Streams

FPS = 25
FRAME = 1 / FPS
AUDIO_RATE = 48000
SIZES = ((1920, 1080), (720, 576))  # the delivery specification's (media.qc.DeliverySpec)
DECODE_AROUND_JOINS = 1.0  # seconds decoded on each side of a join
# The caption band compared with the rendered caption: mean absolute difference per
# channel (0–255) at most CAPTION_MATCH, and at least CAPTION_CONTRAST times as far from
# the opening without its caption. Measured: 7 on a 1080p package, 22 on an interlaced
# 4:2:0 SD one (its small characters' colour is shared by two lines and two fields);
# against the opening without the caption, 118 on a test pattern, 27 on the demo's red
# opening (the band is red too: only the white characters differ).
CAPTION_MATCH = 32.0
CAPTION_CONTRAST = 2.0
CAPTION_CHANGE = 5.0  # at least this between the opening with and without its caption

_H264_PROFILES = {
    "Constrained Baseline": "baseline",
    "Main": "main",
    "High": "high",
    "High 4:2:2": "high422",
}
_PIX_FMTS = {"h264": ("yuv420p", "yuv422p"), "mpeg2video": ("yuv420p", "yuv422p")}
_AUDIO = {"aac": ("aac", "192k"), "mp2": ("mp2", "256k"), "pcm_s16le": ("pcm_s16le", None)}
_AUDIO["pcm_s24le"] = ("pcm_s24le", None)
_PICTURE_MATCHED = (
    "video_codec",
    "profile",
    "level",
    "width",
    "height",
    "sar",
    "fps",
    "tbr",
    "time_base",
    "field_order",
    "pix_fmt",
    "color_range",
    "colorspace",
    "color_primaries",
    "color_trc",
    "video_streams",
)


class PackagingError(MediaError):
    """The package failed a check: it is not offered."""


def mismatches(master: Streams) -> list[str]:
    """Why the opening and closing cannot be rendered to ``master``'s parameters (English,
    one reason each); empty when the package can be joined by stream copy."""
    reasons: list[str] = []
    if not master.container.startswith("mov,mp4"):
        # The package is an MP4: the parts are compared with the master as MP4 reads them.
        reasons.append(
            f"the master's container is {master.container}; the parts are matched with "
            "MP4 and MOV masters only"
        )
    if master.video_codec not in _PIX_FMTS:
        reasons.append(
            f"the master's picture is {master.video_codec}; the parts are matched for "
            "H.264 or MPEG-2 only"
        )
    elif master.pix_fmt not in _PIX_FMTS[master.video_codec]:
        reasons.append(f"the master's pixel format is {master.pix_fmt}, not 4:2:0 or 4:2:2")
    if master.video_codec == "h264" and master.profile not in _H264_PROFILES:
        reasons.append(f"the master's H.264 profile ({master.profile}) cannot be encoded here")
    if (master.width, master.height) not in SIZES:
        sizes = " or ".join(f"{w}×{h}" for w, h in SIZES)
        reasons.append(
            f"the master is {master.width}×{master.height}; the delivery specification is {sizes}"
        )
    if master.fps != master.tbr:
        reasons.append(
            f"the master's frame rate is variable ({master.fps} fps on average, "
            f"{master.tbr} at most)"
        )
    elif _number(master.fps) != FPS:
        reasons.append(f"the master is {master.fps} fps; the delivery specification is {FPS} fps")
    if master.video_streams != 1:
        reasons.append(f"the master has {master.video_streams} picture streams")
    if master.audio_codec is None:
        reasons.append("the master has no sound, and the opening and closing have")
    else:
        if master.audio_streams != 1:
            reasons.append(f"the master has {master.audio_streams} sound streams")
        if master.audio_codec not in _AUDIO:
            reasons.append(
                f"the master's sound is {master.audio_codec}; the parts are matched for "
                "AAC, MP2 or PCM only"
            )
        elif master.audio_codec == "aac" and master.audio_profile != "LC":
            reasons.append(f"the master's sound is AAC {master.audio_profile}, not AAC LC")
        if master.sample_rate != AUDIO_RATE:
            reasons.append(
                f"the master's sound is sampled at {master.sample_rate} Hz; "
                f"the delivery specification is {AUDIO_RATE} Hz"
            )
    return reasons


def differences(part: str, made: Streams, master: Streams, *, before_master: bool) -> list[str]:
    """How a rendered part (``part``: "opening" or "closing") still differs from the master."""
    found = [
        f"the {part} rendered to the master's parameters still differs in {name} "
        f"({getattr(made, name)}, not {getattr(master, name)})"
        for name in _PICTURE_MATCHED
        if getattr(made, name) != getattr(master, name)
    ]
    # Decoding times stay increasing across a join only if the part after it reorders
    # no more than the part before it.
    if (made.delay < master.delay) if before_master else (made.delay > master.delay):
        found.append(
            f"the {part}'s reordering delay is {made.delay} frames, the master's {master.delay}"
        )
    return found


def colour_matrix(master: Streams) -> str:
    """The matrix of ffmpeg's ``scale`` between RGB and the master's YUV."""
    if master.colorspace in ("bt470bg", "smpte170m"):
        return "bt601"
    if master.colorspace == "bt709":
        return "bt709"
    return "bt709" if master.height >= 720 else "bt601"


def clip_arguments(master: Streams, frames: int) -> list[str]:
    """ffmpeg's output options that encode ``frames`` pictures (from ``[v]``) to ``master``'s
    parameters, with their sound (from ``[a]``) as PCM, as an MP4."""
    arguments = ["-map", "[v]", "-map", "[a]", "-frames:v", str(frames)]
    interlaced = master.field_order != "progressive"
    if master.video_codec == "h264":
        # x264's fastest preset, with the tools that make the master's profile: CABAC and
        # the 8×8 transform (High), B-frames (the master's reordering delay).
        profile = _H264_PROFILES.get(master.profile or "", "high")
        tools = {"baseline": [], "main": ["cabac=1"]}.get(profile, ["cabac=1", "8x8dct=1"])
        x264 = [*tools, "bframes=0" if master.delay == 0 or profile == "baseline" else "bframes=3"]
        if master.delay == 1:
            x264.append("b-pyramid=none")
        elif master.delay >= 2:
            x264.append("b-pyramid=normal")
        if interlaced:
            x264.append("tff=1" if master.field_order in ("tt", "tb") else "bff=1")
        level = master.level or 40
        arguments += [
            *("-c:v", "libx264", "-preset", "ultrafast", "-crf", "18"),
            *("-profile:v", profile),
            *("-level:v", f"{level / 10:g}", "-x264-params", ":".join(x264)),
        ]
    else:
        arguments += ["-c:v", "mpeg2video", "-q:v", "2", "-bf", "2" if master.delay else "0"]
        arguments += ["-g", "12"]
    if interlaced:
        arguments += ["-flags", "+ildct+ilme", "-field_order", master.field_order]
    arguments += ["-pix_fmt", master.pix_fmt]
    for option, value in (
        ("-color_range", master.color_range),
        ("-colorspace", master.colorspace),
        ("-color_primaries", master.color_primaries),
        ("-color_trc", master.color_trc),
    ):
        if value is not None:
            arguments += [option, value]
    if master.time_base:
        arguments += ["-video_track_timescale", str(round(_number(master.time_base)))]
    # The part's sound is not joined (join_arguments makes the package's sound from the
    # decoded sounds), but it keeps the part's streams those of the master: the concat
    # demuxer takes the first file's streams for all. PCM, as AAC's priming would start
    # the part's sound before its pictures, and ffmpeg would then delay the pictures.
    arguments += ["-c:a", "pcm_s16le", "-ar", str(AUDIO_RATE)]
    return [*arguments, "-movflags", "+faststart", "-f", "mp4"]


def audio_arguments(master: Streams) -> list[str]:
    """ffmpeg's options that encode the package's sound as ``master``'s."""
    codec, bitrate = _AUDIO[master.audio_codec or "aac"]
    arguments = ["-c:a", codec, *(["-b:a", bitrate] if bitrate else []), "-ar", str(AUDIO_RATE)]
    # The fast coder: about three times the speed of the default ("twoloop"), and at
    # 192 kb/s its loss is below what the broadcast chain's own encoding takes.
    return [*arguments, "-aac_coder", "fast"] if codec == "aac" else arguments


def audio_filter(master: Streams, seconds: float) -> str:
    """The part's sound at the master's rate and channel layout, exactly ``seconds`` long."""
    layout = (master.channel_layout or "stereo").split("(")[0]
    return (
        f"aresample={AUDIO_RATE},aformat=sample_rates={AUDIO_RATE}:channel_layouts={layout},"
        f"apad=whole_dur={seconds:.6f},atrim=end={seconds:.6f}"
    )


def concat_list(parts: Sequence[Path]) -> str:
    """The concat demuxer's list of ``parts``, each path quoted as it requires. Each part
    is placed from its time 0 (``inpoint``), not from its first packet: a master's AAC
    priming starts before its first picture, and would leave a gap in the pictures."""
    lines = ["ffconcat version 1.0"]
    for part in parts:
        quoted = str(part.resolve()).replace("'", "'\\''")
        lines += [f"file '{quoted}'", "inpoint 0"]
    return "\n".join(lines) + "\n"


def sound_arguments(
    sounds: Sequence[Path | None], seconds: Sequence[float], master: Streams
) -> list[str]:
    """ffmpeg's arguments that make the package's sound: the parts' sounds (``sounds``:
    each part's file, None for silence) decoded, each made exactly as long as its part's
    pictures (``seconds``), joined and encoded once as ``master``'s, into a MOV file.

    Joining the parts' AAC packets as they are would not keep step: each part begins with
    its encoder's priming frame (1024 samples) and ends on a whole frame, so at each join
    the sound would slip by up to two AAC frames (measured: 45 ms at the first join of a
    1 s opening). Decoded, trimmed and encoded once, it is exact to the sample."""
    arguments: list[str] = []
    graph: list[str] = []
    layout = (master.channel_layout or "stereo").split("(")[0]
    inputs = 0
    for number, (sound, length) in enumerate(zip(sounds, seconds, strict=True)):
        if sound is None:
            source = f"anullsrc=r={AUDIO_RATE}:cl={layout},"
        else:
            arguments += ["-vn", "-sn", "-dn", "-i", f"file:{sound}"]
            source = f"[{inputs}:a:0]"
            inputs += 1
        graph.append(f"{source}{audio_filter(master, length)}[a{number}]")
    pads = "".join(f"[a{number}]" for number in range(len(sounds)))
    graph.append(f"{pads}concat=n={len(sounds)}:v=0:a=1[a]")
    return [
        *arguments,
        *("-filter_complex", ";".join(graph), "-map", "[a]"),
        *audio_arguments(master),
        *("-f", "mov"),
    ]


def join_arguments(listing: Path, sound: Path) -> list[str]:
    """ffmpeg's arguments that join the pictures listed in ``listing`` by stream copy, with
    the package's ``sound`` (:func:`sound_arguments`), copied too, as an MP4."""
    return [
        *("-f", "concat", "-safe", "0", "-i", f"file:{listing}", "-i", f"file:{sound}"),
        *("-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-f", "mp4"),
    ]


# --- reading packets back -----------------------------------------------------------------


@dataclass
class Packets:
    """One stream's packets: times in seconds, and hashes."""

    kind: str  # "video" or "audio"
    pts: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)

    def end(self) -> float:
        return max((p + d for p, d in zip(self.pts, self.durations, strict=True)), default=0.0)


def packets(path: Path, timeout: float, *, parameter_sets: bool = True) -> dict[str, Packets]:
    """The first picture's and sound's packets of ``path`` (``-c copy -f framemd5``); without
    ``parameter_sets``, H.264's SPS and PPS are taken out of the pictures before hashing."""
    arguments = ["-v", "error", "-i", f"file:{path}", "-map", "0:v:0", "-map", "0:a:0?"]
    arguments += ["-c", "copy"]
    if not parameter_sets:
        arguments += ["-bsf:v", "filter_units=remove_types=7|8"]
    done = _ffmpeg([*arguments, "-f", "framemd5", "-"], timeout, path, "read the packets of")
    bases: dict[int, Fraction] = {}
    kinds: dict[int, str] = {}
    found: dict[str, Packets] = {}
    for line in done.stdout.decode("ascii", errors="replace").splitlines():
        if line.startswith("#tb "):
            index, _, value = line[4:].partition(":")
            bases[int(index)] = Fraction(value.strip())
        elif line.startswith("#media_type "):
            index, _, value = line[12:].partition(":")
            kinds[int(index)] = value.strip()
        elif line and not line.startswith("#"):
            parts = [part.strip() for part in line.split(",")]
            stream = int(parts[0])
            kind = kinds.get(stream, "video")
            table = found.setdefault(kind, Packets(kind))
            base = bases.get(stream, Fraction(1))
            table.pts.append(float(int(parts[2]) * base))
            table.durations.append(float(int(parts[3]) * base))
            table.hashes.append(parts[5])
    if "video" not in found:
        raise PackagingError(f"{path.name} holds no picture packets", code="check_failed")
    return found


def verify_copy(
    out: Path,
    parts: Sequence[Path],
    master_index: int,
    *,
    timeout: float,
    known: dict[int, Packets] | None = None,
) -> None:
    """The package ``out`` joined from ``parts`` is whole, its sound in step with its
    pictures, decodable, and holds the master's (``parts[master_index]``) pictures unchanged,
    each part's pictures where the previous part's end. ``known``: picture packets of
    parts already read (by their index), as :func:`packets` reads them."""
    is_h264 = _video_codec(out, timeout) == "h264"
    tables = [
        (known or {}).get(index) or packets(part, timeout, parameter_sets=not is_h264)["video"]
        for index, part in enumerate(parts)
    ]
    made = packets(out, timeout, parameter_sets=not is_h264)
    # Decoding first: a damaged part shows as such, not as a duration or sync that is off.
    first_part = _span(tables[0])
    last_part = sum(_span(table) for table in tables[:-1])
    decodes(
        out,
        timeout,
        [
            (0.0, first_part + DECODE_AROUND_JOINS),
            (max(0.0, last_part - DECODE_AROUND_JOINS), None),
        ],
    )
    expected_total = sum(_span(table) for table in tables)
    _check_duration(out, made, expected_total)
    _check_sync(made)
    copied = made["video"]
    if len(copied.pts) != sum(len(table.pts) for table in tables):
        raise PackagingError(
            f"The package holds {len(copied.pts)} pictures, not the "
            f"{sum(len(table.pts) for table in tables)} of its parts.",
            code="check_failed",
        )
    position, start = min(copied.pts), 0
    for number, table in enumerate(tables):
        name = _part_name(number, master_index)
        end = start + len(table.pts)
        shift = statistics.median(
            o - i for o, i in zip(copied.pts[start:end], table.pts, strict=True)
        )
        first = shift + min(table.pts)
        if abs(first - position) > FRAME / 2:
            raise PackagingError(
                f"The {name}'s pictures start at {first:.3f} s in the package, not at "
                f"{position:.3f} s where the part before them ends.",
                code="check_failed",
            )
        if number == master_index and copied.hashes[start:end] != table.hashes:
            raise PackagingError(
                "The master's pictures in the package are not its own packets, bit for bit.",
                code="check_failed",
            )
        position, start = first + _span(table), end


def verify_reencoded(out: Path, expected_seconds: float, *, timeout: float) -> None:
    """The re-encoded package ``out`` is whole, in sync (its streams start and end within a
    frame of each other) and decodes without an error from end to end."""
    decodes(out, timeout, [(0.0, None)])
    made = packets(out, timeout)
    _check_duration(out, made, expected_seconds)
    _check_sync(made)


def decodes(path: Path, timeout: float, ranges: Sequence[tuple[float, float | None]]) -> None:
    """``path`` decodes without an error over each (start, end) range (None: to its end);
    the ranges are decoded at once, each by its own ffmpeg."""
    started: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []
    with contextlib.ExitStack() as stack:
        for start, end in ranges:
            arguments = ["-v", "error", "-xerror", "-ss", f"{start:.3f}", "-i", f"file:{path}"]
            if end is not None:
                arguments += ["-t", f"{end - start:.3f}"]
            log = stack.enter_context(tempfile.TemporaryFile())
            process = subprocess.Popen(
                tied_to_parent(
                    [
                        imageio_ffmpeg.get_ffmpeg_exe(),
                        "-hide_banner",
                        "-nostdin",
                        *arguments,
                        "-f",
                        "null",
                        "-",
                    ]
                ),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            stack.callback(_reap, process)
            started.append((process, log))
        deadline = time.monotonic() + timeout
        for process, output in started:
            try:
                returncode = process.wait(timeout=max(deadline - time.monotonic(), 0.001))
            except subprocess.TimeoutExpired:
                raise PackagingError(
                    f"Checking the package took longer than allowed and was stopped "
                    f"(could not decode {path.name} in time): try again later.",
                    code="timeout",
                ) from None
            output.seek(0)
            report = output.read().decode("utf-8", errors="replace").strip()
            if returncode != 0 or report:
                lines = " / ".join(report.splitlines()[-3:]) or f"exit status {returncode}"
                raise PackagingError(
                    f"The package does not decode cleanly: {lines}", code="check_failed"
                )


def _reap(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


def caption_visible(
    packaged: np.ndarray,
    captioned: np.ndarray,
    plain: np.ndarray,
    box: tuple[int, int, int, int],
) -> tuple[float, float]:
    """Compare the caption band ``box`` (left, top, right, bottom) of a frame of the
    package with the opening with its caption and without; raise unless the package
    shows the caption. The two mean absolute differences (0–255)."""
    left, top, right, bottom = box

    def band(frame: np.ndarray) -> np.ndarray:
        return frame[top:bottom, left:right].astype(np.float64)

    seen = band(packaged)
    to_caption = float(np.mean(np.abs(seen - band(captioned))))
    to_plain = float(np.mean(np.abs(seen - band(plain))))
    change = float(np.mean(np.abs(band(captioned) - band(plain))))
    if (
        change < CAPTION_CHANGE
        or to_caption > CAPTION_MATCH
        or to_plain < to_caption * CAPTION_CONTRAST
    ):
        raise PackagingError(
            f"The caption is not visible on the package's opening (its band differs by "
            f"{to_caption:.1f} from the rendered caption and by {to_plain:.1f} from the "
            "opening without it).",
            code="check_failed",
        )
    return to_caption, to_plain


def frame(
    path: Path, number: int, width: int, height: int, filters: str, timeout: float
) -> np.ndarray:
    """Picture ``number`` (from 0) of ``path`` through ``filters`` (which end in RGB),
    counted after them: decoded from the start, not sought, so that it is that picture."""
    arguments = [
        *("-v", "error", "-i", f"file:{path}", "-frames:v", "1"),
        *("-vf", f"{filters},select=eq(n\\,{number})"),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
    ]
    done = _ffmpeg(arguments, timeout, path, "take a frame of")
    data = np.frombuffer(done.stdout, dtype=np.uint8)
    if data.size != width * height * 3:
        raise PackagingError(
            f"Picture {number} could not be taken from {path.name}.", code="check_failed"
        )
    return data.reshape((height, width, 3))


# --- helpers ------------------------------------------------------------------------------


def _number(text: str) -> float:
    return float(text[:-1]) * 1000 if text.endswith("k") else float(text or 0)


def _span(table: Packets) -> float:
    return table.end() - min(table.pts) if table.pts else 0.0


def _part_name(number: int, master_index: int) -> str:
    if number == master_index:
        return "master"
    return "opening" if number < master_index else "closing"


def _check_duration(out: Path, made: dict[str, Packets], expected: float) -> None:
    start = min(min(t.pts) for t in made.values() if t.pts)
    end = max(t.end() for t in made.values())
    if abs((end - start) - expected) > FRAME + 1e-6:
        raise PackagingError(
            f"The package {out.name} lasts {end - start:.3f} s, not the {expected:.3f} s "
            "of its parts (more than one frame apart).",
            code="check_failed",
        )


def _check_sync(made: dict[str, Packets]) -> None:
    """The sound starts and ends within a frame of the pictures."""
    if "audio" not in made:
        return
    video, audio = made["video"], made["audio"]
    for what, v, a in (
        ("start", min(video.pts), min(audio.pts)),
        ("end", video.end(), audio.end()),
    ):
        if abs(v - a) > FRAME + 1e-6:
            raise PackagingError(
                f"Sound and pictures of the package {what} {abs(v - a) * 1000:.0f} ms apart "
                "(more than one frame).",
                code="check_failed",
            )


def _video_codec(path: Path, timeout: float) -> str:
    done = _ffmpeg(["-i", f"file:{path}"], timeout, path, "read", check=False)
    report = done.stderr.decode("utf-8", errors="replace")
    marker = ": Video: "
    at = report.find(marker)
    return report[at + len(marker) :].split(maxsplit=1)[0].rstrip(",") if at >= 0 else ""


def _ffmpeg(
    arguments: Sequence[str], timeout: float, path: Path, action: str, *, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    command = tied_to_parent(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", *arguments]
    )
    try:
        # run() kills and reaps ffmpeg when the timeout expires: nothing is left behind.
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=max(timeout, 0.001),
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise PackagingError(
            f"Checking the package took longer than allowed and was stopped "
            f"(could not {action} {path.name} in time): try again later.",
            code="timeout",
        ) from None
    if check and done.returncode != 0:
        tail = " / ".join(done.stderr.decode("utf-8", errors="replace").strip().splitlines()[-3:])
        raise PackagingError(f"Could not {action} {path.name}: {tail}", code="check_failed")
    return done
