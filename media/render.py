"""Review material and the column's packaging: contact sheets, review proxies, broadcast masters.

* :func:`contact_sheet`: a JPEG (or PNG) grid of frames taken evenly across a
  master, each labelled with its timecode. One ffmpeg with one input per frame,
  each seeking (``-ss`` before ``-i``) to just before its frame, so only the
  GOPs around those frames are decoded; ``xstack`` lays the tiles out, and every
  input decodes in parallel.
* :func:`review_proxy`: a 640×360 H.264/AAC MP4 for reviewers, with the
  timecode (HH:MM:SS:FF at 25 fps) and the mark 「审看样片」 burned in, by
  ffmpeg's filters alone (``bwdif`` for interlaced masters, ``fps``, ``scale``,
  ``pad``, ``drawtext``). The same proxy composited with moviepy
  (:func:`_review_proxy_moviepy`) is kept for ``bench/media.py``, which times
  both: on 2 cores, for a 60 s 1080p master, the filters ran at 11× real time
  and moviepy at 4× (with 2.7 times the CPU time), so the filters make the
  product's proxy.
* :func:`poster_frame`: one frame of the review proxy, a tenth of the way in (past the
  black and the bars a master opens with), as the JPEG the player shows before it plays
  (its ``poster``): the proxy's timecode and mark are on it.
* :func:`package` (栏目包装): the broadcast master, opening + master + closing,
  the series caption (连续报道（三）, a moviepy ``TextClip``) on the opening's lower
  third. Two routes, and the caller's ``note`` is told which and why:

  - stream copy, when the master meets the delivery specification in a form the
    parts can match (:func:`media.packaging.mismatches`): the opening (the caption
    turned into the master's YUV once and overlaid by ffmpeg) and the closing are
    encoded to the master's picture parameters, side by side, while the sound of
    all three is decoded, cut to each part's pictures and encoded once; each
    part is probed and compared with the master (a mismatch falls back to
    re-encoding, with the differences as reasons), then the concat demuxer joins
    the pictures with ``-c copy``. About 20× real time on 2 cores for a 60 s
    1080p master (bench/media.py), the check included;
  - re-encoding: composited with moviepy at the master's picture size and 25 fps
    (1.4× real time), when it cannot match.

  Either way the package is checked before it is renamed into place
  (:func:`media.packaging.verify_copy`, :func:`media.packaging.verify_reencoded`,
  the caption by :func:`media.packaging.caption_visible`).

Each writes into a hidden temporary file in the output's folder and renames it
into place only on success: a failure, a timeout or an interrupt leaves neither
the temporary file nor an ffmpeg process behind. ffmpeg stays in the caller's
process group (so a worker killed as a group takes it along) and reports its
position on ``-progress pipe:1``; its stderr goes to an
unnamed temporary file, so a chatty ffmpeg cannot fill a pipe and stall. A
source that is not a readable video is refused (by :func:`media.probe.probe`)
before anything is started.

moviepy runs its own ffmpeg processes. Its progress logger (a proglog
``ProgressBarLogger``) is the only code of ours that runs while it renders, so
the logger reports progress and raises at the deadline; the writers and readers
are then closed (moviepy's audio writer, which is closed only by the garbage
collector when an exception passes through it, by clearing the traceback's
frames), which ends their ffmpeg processes.

The Noto Sans CJK collection (``.ttc``) is used at face index 0 by ffmpeg's
``drawtext`` (``fontfile`` takes no face index) and by Pillow (moviepy's
``TextClip`` passes none): that face is the Japanese one, whose glyphs cover
simplified Chinese and differ from the SC face only in small regional details.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from media import _moviepy as mp
from media import packaging
from media.captions import series_caption as series_caption
from media.errors import MediaError
from media.lifeline import tied_to_parent
from media.probe import Probe, Streams, probe, streams

Progress = Callable[[float], None]
Note = Callable[[str], None]

FPS = 25  # the column's frame rate: proxies, packaged masters and timecodes
PROXY_WIDTH, PROXY_HEIGHT = 640, 360
# Measured on 2 cores with a 60 s 1080p H.264 master (bench/media.py): decoding
# the master takes most of the time, and "ultrafast" is what keeps the whole
# proxy at 10× real time; the picture is small, so the bit rate stays modest.
PROXY_PRESET = "ultrafast"
PROXY_CRF = 26
PROXY_AUDIO_BITRATE = "96k"
PACKAGE_PRESET = "veryfast"
PACKAGE_CRF = 18  # a broadcast master: visually lossless
PACKAGE_AUDIO_BITRATE = "192k"
AUDIO_RATE = 48000
MARK = "审看样片"
POSTER_AT = 0.1  # the poster frame's place in the proxy, as a share of its length

_KNOWN_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
_FONTCONFIG_PATTERNS = (":lang=zh-cn", ":lang=zh")
_IMAGE_CODECS = {".jpg": "mjpeg", ".jpeg": "mjpeg", ".png": "png"}
_PROGRESS_INTERVAL = 0.25  # seconds between progress calls, at most
_STDERR_LINES = 6
_AUDIO_SHARE = 0.05  # moviepy writes the sound first, quickly, then the picture
# Characters escaped with a backslash in a filter's option value, then in the filtergraph.
_OPTION_SPECIALS = "\\':"
_GRAPH_SPECIALS = "\\'[],;"


class RenderError(MediaError):
    """Rendering stopped: ffmpeg or moviepy failed, or it took longer than allowed."""


# --- fonts and captions -------------------------------------------------------------------


@functools.cache
def cjk_font() -> Path:
    """A font file that renders Chinese: Noto Sans CJK (fonts-noto-cjk) where installed."""
    for pattern in _FONTCONFIG_PATTERNS:
        found = _fontconfig_match(pattern)
        if found is not None:
            return found
    for path in _KNOWN_FONTS:
        if path.is_file():
            return path
    raise MediaError(
        "No font that renders Chinese was found; install fonts-noto-cjk (make install-system)",
        code="no_font",
    )


def _fontconfig_match(pattern: str) -> Path | None:
    command = shutil.which("fc-match")
    if command is None:
        return None
    try:
        done = subprocess.run(
            [command, "--format=%{file}\n%{lang}\n", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    file, _, languages = done.stdout.partition("\n")
    # fc-match always names its best font, even one without Chinese (DejaVu Sans answers
    # ":lang=zh" on Debian): keep the answer only if the font covers Chinese.
    if done.returncode != 0 or not any(
        lang.startswith("zh") for lang in languages.strip().split("|")
    ):
        return None
    path = Path(file)
    return path if path.is_file() else None


def _timecode(frame: int, fps: int) -> str:
    seconds, frames = divmod(frame, fps)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


# --- the three renderers ------------------------------------------------------------------


def contact_sheet(
    source: Path,
    out: Path,
    *,
    duration: float,
    frames: int = 12,
    columns: int = 4,
    tile_width: int = 320,
    timeout: float = 120,
    progress: Progress | None = None,
) -> None:
    """A grid of ``frames`` frames of ``source``, ``columns`` wide, each labelled with its timecode.

    Tiles are ``tile_width`` wide and 16:9 (other pictures are fitted and padded
    with black); the sheet is ``min(frames, columns) × tile_width`` by
    ``ceil(frames / columns)`` tile heights. ``out`` ends in .jpg, .jpeg or .png.
    """
    if frames < 1 or columns < 1:
        raise ValueError("a contact sheet needs at least one frame and one column")
    if tile_width < 32 or tile_width % 2:
        raise ValueError(f"tile_width must be even and at least 32, not {tile_width}")
    codec = _IMAGE_CODECS.get(out.suffix.lower())
    if codec is None:
        raise ValueError(f"a contact sheet is a .jpg or .png file, not {out.name}")
    deadline = _Deadline(timeout, f"Making the contact sheet of {source.name}")
    reporter = _Reporter(progress)
    info = probe(source)
    font = cjk_font()
    deadline.check()

    fps = max(1, round(info.fps))
    length = min(duration, info.duration) if duration > 0 else info.duration
    last = max(0, math.floor(length * fps) - 1)
    tile_height = 2 * round(tile_width * 9 / 16 / 2)
    label = _filter(
        "drawtext",
        fontfile=font,
        expansion="none",
        fontsize=max(10, tile_width // 20),
        fontcolor="white",
        box=1,
        boxcolor="black@0.6",
        boxborderw=3,
        x=6,
        y="h-th-6",
    )
    arguments: list[str] = []
    graph: list[str] = []
    for i in range(frames):
        frame = min(last, math.floor((i + 0.5) * length / frames * fps))
        # Half a frame early, so that rounding cannot skip to the next frame.
        seek = max(0.0, (frame - 0.5) / fps)
        # One decoding thread an input: the inputs decode in parallel anyway, and frame
        # threads would only add memory (about 45 MiB an input at 1080p) and overhead.
        arguments += ["-threads", "1", "-skip_loop_filter", "all", "-an", "-sn", "-dn"]
        arguments += ["-ss", f"{seek:.4f}", "-t", "1", "-i", _input(source)]
        steps = ["trim=end_frame=1", *_fit(tile_width, tile_height, "bilinear")]
        steps.append(f"{label}:{_options(text=_timecode(frame, fps))}")
        graph.append(f"[{i}:v:0]{','.join(steps)}[t{i}]")
    if frames == 1:
        graph.append("[t0]null[sheet]")
    else:
        layout = "|".join(
            f"{(i % columns) * tile_width}_{(i // columns) * tile_height}" for i in range(frames)
        )
        tiles = "".join(f"[t{i}]" for i in range(frames))
        graph.append(
            f"{tiles}{_filter('xstack', inputs=frames, layout=layout, fill='black')}[sheet]"
        )

    with _output(out) as temporary:
        arguments += ["-filter_complex", ";".join(graph), "-map", "[sheet]", "-frames:v", "1"]
        arguments += ["-c:v", codec, *(["-q:v", "3"] if codec == "mjpeg" else [])]
        arguments += ["-update", "1", "-f", "image2", _input(temporary)]
        _run_ffmpeg(arguments, deadline=deadline, duration=0.0, reporter=reporter)
        _require_output(temporary, deadline)
    reporter.done()


def review_proxy(
    source: Path,
    out: Path,
    *,
    duration: float,
    font: Path,
    timeout: float = 600,
    progress: Progress | None = None,
) -> None:
    """A 640×360 H.264/AAC MP4 of ``source`` with its timecode and 「审看样片」 burned in."""
    deadline = _Deadline(timeout, f"Rendering the review proxy of {source.name}")
    reporter = _Reporter(progress)
    info = probe(source)
    _check_font(font)
    deadline.check()

    size = 20  # points, on a 360-line picture
    filters = [
        # Interlaced masters (1080i50 is China's HD broadcast format) are deinterlaced;
        # progressive frames pass through untouched.
        "bwdif=mode=send_frame:parity=auto:deint=interlaced",
        f"fps={FPS}",
        *_fit(PROXY_WIDTH, PROXY_HEIGHT, "fast_bilinear"),
        _filter(
            "drawtext",
            fontfile=font,
            timecode="00:00:00:00",
            timecode_rate=FPS,
            fontsize=size,
            fontcolor="white",
            box=1,
            boxcolor="black@0.6",
            boxborderw=6,
            # Top left: the player's controls cover the bottom of the picture.
            x=20,
            y=20,
        ),
        _mark_filter(font, size + 2),
    ]
    arguments = [
        # The loop filter only smooths block edges that scaling down to 360 lines hides
        # anyway; skipping it makes decoding the master (most of the work) faster.
        *("-skip_loop_filter", "all", "-i", _input(source)),
        *("-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-vf", ",".join(filters)),
        *("-c:v", "libx264", "-preset", PROXY_PRESET, "-crf", str(PROXY_CRF)),
        *("-pix_fmt", "yuv420p", "-g", str(2 * FPS)),
        *("-c:a", "aac", "-b:a", PROXY_AUDIO_BITRATE, "-ac", "2", "-ar", str(AUDIO_RATE)),
        *("-movflags", "+faststart", "-f", "mp4"),
    ]
    length = duration if duration > 0 else info.duration
    with _output(out) as temporary:
        _run_ffmpeg(
            [*arguments, _input(temporary)], deadline=deadline, duration=length, reporter=reporter
        )
        _require_output(temporary, deadline)
    reporter.done()


def package(
    master: Path,
    opening: Path,
    closing: Path,
    out: Path,
    *,
    caption: str | None,
    font: Path,
    timeout: float = 1800,
    progress: Progress | None = None,
    note: Note | None = None,
    reencode: bool = False,
) -> str:
    """The broadcast master: ``opening`` + ``master`` + ``closing``, the caption on the opening.

    By stream copy (``"copy"``, returned) when the master meets the delivery
    specification in a form the opening and closing can be rendered to
    (:mod:`media.packaging`); otherwise re-encoded with moviepy (``"reencode"``)
    at the master's picture size and 25 fps, H.264 and AAC at 48 kHz, an opening
    or closing without sound silent there. ``note`` is told which, and why;
    ``reencode`` asks for re-encoding whatever the master (to compare the two, as
    ``bench/media.py`` does). Either way the package is checked before it is
    renamed into place.
    """
    deadline = _Deadline(timeout, f"Packaging {master.name}")
    reporter = _Reporter(progress)
    info = probe(master)
    opening_info = probe(opening)
    closing_info = probe(closing)
    if caption:
        _check_font(font)
    say = note or (lambda line: None)
    deadline.check()

    master_streams = streams(master, timeout=max(deadline.remaining(), 0.001))
    reasons = ["asked for"] if reencode else packaging.mismatches(master_streams)
    if not reasons:
        say(
            "stream copy: the master meets the delivery specification "
            f"({_describe(master_streams)}); the opening and closing are rendered to its "
            "parameters and the master is copied, not re-encoded"
        )
        try:
            checked = _package_by_copy(
                master,
                (opening, opening_info),
                (closing, closing_info),
                out,
                master_streams,
                caption=caption,
                font=font,
                deadline=deadline,
                reporter=reporter,
            )
        except _CannotMatch as cannot:
            reasons = cannot.reasons
        else:
            say(f"checked: {checked}")
            reporter.done()
            return "copy"
    say("re-encoded: " + "; ".join(reasons))
    checked = _package_reencoded(
        master,
        (opening, opening_info),
        (closing, closing_info),
        out,
        info,
        caption=caption,
        font=font,
        deadline=deadline,
        reporter=reporter,
    )
    say(f"checked: {checked}")
    reporter.done()
    return "reencode"


class _CannotMatch(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _describe(s: Streams) -> str:
    scan = "progressive" if s.field_order == "progressive" else f"interlaced, {s.field_order}"
    level = (
        f" level {s.level // 10}.{s.level % 10}"
        if s.level is not None and s.video_codec == "h264"
        else ""
    )
    return (
        f"{s.video_codec} {s.profile or ''}{level}, {s.width}×{s.height} {s.fps} fps {scan}, "
        f"{s.pix_fmt}; {s.audio_codec} {s.sample_rate} Hz {s.channel_layout}"
    )


def _package_by_copy(
    master: Path,
    opening: tuple[Path, Probe],
    closing: tuple[Path, Probe],
    out: Path,
    target: Streams,
    *,
    caption: str | None,
    font: Path,
    deadline: _Deadline,
    reporter: _Reporter,
) -> str:
    """Render the opening (captioned) and closing to ``target``, join the three by stream
    copy into ``out`` and check it; what was checked. Raises :class:`_CannotMatch` when a
    rendered part does not match, before anything is joined."""
    out.parent.mkdir(parents=True, exist_ok=True)
    size = (target.width, target.height)
    matrix = packaging.colour_matrix(target)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.stem}.parts-") as scratch:
        folder = Path(scratch)
        layer = None
        if caption:
            image, position = _caption_image(size, caption, font)
            Image.fromarray(image).save(folder / "caption.png")
            layer = (folder / "caption.png", position, image)
        master_pictures = _pictures(master, deadline)
        seconds = [
            max(1, round(opening[1].duration * FPS)) / FPS,
            master_pictures.end() - min(master_pictures.pts),
            max(1, round(closing[1].duration * FPS)) / FPS,
        ]
        sounds = [
            opening[0] if opening[1].has_audio else None,
            master,
            closing[0] if closing[1].has_audio else None,
        ]
        sound = folder / "sound.mov"
        # The sound is made while the opening and closing are rendered: both take seconds.
        with _background_ffmpeg(
            [*packaging.sound_arguments(sounds, seconds, target), _input(sound)], deadline
        ) as sound_made:
            parts = [folder / "opening.mp4", folder / "closing.mp4"]
            closing_arguments, _ = _part_arguments(*closing, parts[1], target, layer=None)
            opening_arguments, opening_seconds = _part_arguments(
                *opening, parts[0], target, layer=layer
            )
            # The closing is rendered beside the opening: each ffmpeg leaves a core idle
            # part of the time (decoding and filtering run on one).
            with _background_ffmpeg(closing_arguments, deadline) as closing_made:
                _run_ffmpeg(
                    opening_arguments,
                    deadline=deadline,
                    duration=opening_seconds,
                    reporter=_Reporter(_scaled(reporter, 0.0, 0.5)),
                )
                closing_made()
            for part in parts:
                _require_output(part, deadline)
            found: list[str] = []
            for index, part in enumerate(parts):
                made = streams(part, timeout=max(deadline.remaining(), 0.001))
                name = "opening" if index == 0 else "closing"
                found += packaging.differences(name, made, target, before_master=index == 0)
            if found:
                raise _CannotMatch(found)
            sound_made()
        listing = folder / "list.txt"
        listing.write_text(packaging.concat_list([parts[0], master, parts[1]]), encoding="utf-8")
        with _output(out) as temporary:
            _run_ffmpeg(
                [*packaging.join_arguments(listing, sound), _input(temporary)],
                deadline=deadline,
                duration=sum(seconds),
                reporter=_Reporter(_scaled(reporter, 0.6, 0.7)),
            )
            _require_output(temporary, deadline)
            reporter(0.7)
            packaging.verify_copy(
                temporary,
                [parts[0], master, parts[1]],
                1,
                timeout=deadline.remaining(),
                known={1: master_pictures},
            )
            checked = (
                "duration, sound and picture in sync at each join, the master's pictures "
                "copied bit for bit, decodes cleanly"
            )
            if layer is not None:
                at = _caption_moment(opening[1])
                _check_caption(
                    temporary,
                    opening[0],
                    at,
                    size,
                    _part_picture(target),
                    matrix,
                    (layer[2], layer[1]),
                    deadline,
                )
                checked += ", caption visible"
    return checked


def _part_arguments(
    source: Path,
    info: Probe,
    part: Path,
    target: Streams,
    *,
    layer: tuple[Path, tuple[int, int], Any] | None,
) -> tuple[list[str], float]:
    """ffmpeg's arguments that make ``part``, and its length in seconds: the pictures of
    ``source`` (the opening or closing) encoded to ``target``'s parameters, the caption
    ``layer`` (a PNG and its place) laid over them; the package's sound is made by
    :func:`media.packaging.sound_arguments`.

    The picture stays in YUV: the caption is turned into the master's YUV (by its
    matrix) once, and laid over each frame there."""
    frames = max(1, round(info.duration * FPS))
    seconds = frames / FPS
    matrix = packaging.colour_matrix(target)
    colours = _filter(
        "scale",
        out_color_matrix=matrix,
        out_range="pc" if target.color_range == "pc" else "tv",
    )
    arguments = ["-i", _input(source)]
    # A part of the master's size keeps its YUV as it is (its matrix taken to be the
    # master's, as both are made for the same picture): converting it would cost as much
    # as encoding it. A part scaled to the master's size is converted on the way.
    same_size = (info.width, info.height) == (target.width, target.height)
    picture = f"[0:v:0]{_part_picture(target)}{'' if same_size else ',' + colours}"
    picture += f",format={target.pix_fmt}"
    graph: list[str] = []
    if layer is not None:
        arguments += ["-i", _input(layer[0])]
        x, y = layer[1]
        chroma = "yuv422" if target.pix_fmt == "yuv422p" else "yuv420"
        graph.append(f"{picture}[base]")
        graph.append(f"[1:v]{colours},format={chroma.replace('yuv', 'yuva')}p[caption]")
        graph.append(f"[base][caption]overlay=x={x}:y={y}:format={chroma}[captioned]")
        picture = f"[captioned]format={target.pix_fmt}"
    steps = [
        # The master's colour tags, or none where it has none.
        _filter(
            "setparams",
            range=target.color_range or "unknown",
            color_primaries=target.color_primaries or "unknown",
            color_trc=target.color_trc or "unknown",
            colorspace=target.colorspace or "unknown",
        ),
    ]
    if target.field_order != "progressive":
        steps.append(f"setfield={'tff' if target.field_order in ('tt', 'tb') else 'bff'}")
    graph.append(f"{picture},{','.join(steps)}[v]")
    # The part keeps a sound of the master's kind, so that it has the master's streams (the
    # concat demuxer takes the first file's streams for all); the package's sound is
    # made from the parts' and the master's decoded sounds (media.packaging.join_arguments).
    if info.has_audio:
        sound = "0:a:0"
    else:
        layout = (target.channel_layout or "stereo").split("(")[0]
        arguments += ["-f", "lavfi", "-i", f"anullsrc=r={packaging.AUDIO_RATE}:cl={layout}"]
        sound = f"{2 if layer is not None else 1}:a"
    graph.append(f"[{sound}]{packaging.audio_filter(target, seconds)}[a]")
    arguments += ["-filter_complex", ";".join(graph), *packaging.clip_arguments(target, frames)]
    return [*arguments, _input(part)], seconds


def _pictures(path: Path, deadline: _Deadline) -> packaging.Packets:
    """The picture packets of ``path`` (H.264 parameter sets aside), read without decoding."""
    is_h264 = streams(path, max(deadline.remaining(), 0.001)).video_codec == "h264"
    tables = packaging.packets(path, max(deadline.remaining(), 0.001), parameter_sets=not is_h264)
    return tables["video"]


def _part_picture(target: Streams) -> str:
    """A part's picture fitted to the master's: letterboxed by shape for square pixels,
    stretched to the frame for anamorphic masters (made for the same display shape)."""
    if target.sar == "1:1":
        steps = _fit(target.width, target.height, "bicubic")
    else:
        steps = [
            f"scale={target.width}:{target.height}:flags=bicubic",
            f"setsar={target.sar.replace(':', '/')}",
        ]
    return ",".join([*steps, f"fps={FPS}"])


def _caption_moment(info: Probe) -> int:
    """Which picture of the opening is compared for its caption: half a second in, or the
    middle of a shorter opening."""
    return min(FPS // 2, max(0, round(info.duration * FPS) // 2))


def _check_caption(
    packaged: Path,
    opening: Path,
    at: int,
    size: tuple[int, int],
    fitting: str,
    matrix: str,
    caption: tuple[Any, tuple[int, int]],
    deadline: _Deadline,
) -> None:
    """The caption shows on ``packaged`` at ``at``: its caption band compared with the
    opening (fitted by ``fitting``) with the caption laid over it, and without."""
    width, height = size
    seen = packaging.frame(
        packaged,
        at,
        width,
        height,
        f"scale=in_color_matrix={matrix}:in_range=tv,format=rgb24",
        deadline.remaining(),
    )
    plain = packaging.frame(
        opening, at, width, height, f"{fitting},format=rgb24", deadline.remaining()
    )
    image, (x, y) = caption
    captioned = _composite(plain, image, (x, y))
    box = (x, y, x + image.shape[1], y + image.shape[0])
    packaging.caption_visible(seen, captioned, plain, box)


def _composite(picture: Any, image: Any, position: tuple[int, int]) -> Any:
    """``image`` (RGBA) laid over ``picture`` (RGB) at ``position``."""
    x, y = position
    result = picture.astype(np.float64)
    height, width = image.shape[:2]
    alpha = image[..., 3:4].astype(np.float64) / 255
    region = result[y : y + height, x : x + width]
    result[y : y + height, x : x + width] = region * (1 - alpha) + image[..., :3] * alpha
    return result


def _scaled(reporter: _Reporter, low: float, high: float) -> Progress:
    return lambda fraction: reporter(low + (high - low) * fraction)


def _package_reencoded(
    master: Path,
    opening: tuple[Path, Probe],
    closing: tuple[Path, Probe],
    out: Path,
    info: Probe,
    *,
    caption: str | None,
    font: Path,
    deadline: _Deadline,
    reporter: _Reporter,
) -> str:
    """The package composited and encoded by moviepy, then checked; what was checked."""
    size = (info.width, info.height)
    checked = "duration, sound and picture in sync, decodes cleanly"
    with contextlib.ExitStack() as stack:
        plain = _open_clip(stack, opening[0], opening[1], size)
        body = _open_clip(stack, master, info, size)
        tail = _open_clip(stack, closing[0], closing[1], size)
        deadline.check()
        head = _with_caption(plain, caption, font) if caption else plain
        whole = mp.concatenate_videoclips([head, body, tail], method="chain")
        expected = head.duration + body.duration + tail.duration
        matrix = "bt709" if info.height >= 720 else "bt601"

        def check(temporary: Path) -> None:
            packaging.verify_reencoded(temporary, expected, timeout=deadline.remaining())
            if caption:
                _check_caption(
                    temporary,
                    opening[0],
                    _caption_moment(opening[1]),
                    size,
                    ",".join([*_fit(info.width, info.height, "bicubic"), f"fps={FPS}"]),
                    matrix,
                    _caption_image(size, caption, font),
                    deadline,
                )

        _write_with_moviepy(
            whole,
            out,
            deadline=deadline,
            reporter=reporter,
            preset=PACKAGE_PRESET,
            audio_bitrate=PACKAGE_AUDIO_BITRATE,
            ffmpeg_params=["-crf", str(PACKAGE_CRF), *_colour_params(info)],
            check=check,
        )
    return checked + (", caption visible" if caption else "")


def _review_proxy_moviepy(
    source: Path,
    out: Path,
    *,
    duration: float,
    font: Path,
    timeout: float = 600,
    progress: Progress | None = None,
) -> None:
    """The review proxy composited with moviepy: kept to measure against :func:`review_proxy`.

    The reader scales (ffmpeg's ``scale`` in moviepy's reader), a frame function
    draws the timecode with Pillow, a ``TextClip`` holds the mark; the encoder
    settings are the ffmpeg proxy's. ``duration`` is not needed (moviepy counts
    frames): it is taken for the same signature.
    """
    del duration
    deadline = _Deadline(timeout, f"Rendering the review proxy of {source.name} with moviepy")
    reporter = _Reporter(progress)
    info = probe(source)
    _check_font(font)
    deadline.check()

    size = 20
    face = ImageFont.truetype(str(font), size)

    def stamp(get_frame: Callable[[float], Any], t: float) -> Any:
        image = Image.fromarray(get_frame(t))
        draw = ImageDraw.Draw(image)
        text = _timecode(round(t * FPS), FPS)
        left, top, right, bottom = draw.textbbox((20, 20), text, face, anchor="lt")
        draw.rectangle((left - 6, top - 6, right + 6, bottom + 6), fill=(0, 0, 0))
        draw.text((20, 20), text, fill=(255, 255, 255), font=face, anchor="lt")
        return np.asarray(image)

    with contextlib.ExitStack() as stack:
        clip = _open_clip(stack, source, info, (PROXY_WIDTH, PROXY_HEIGHT))
        mark = _text_clip(font, MARK, size + 2, (0, 0, 0, 128), (8, 0), clip.duration)
        position = (PROXY_WIDTH - mark.size[0] - 12, 12)
        marked = mp.CompositeVideoClip(
            [clip.transform(stamp), mark.with_position(position)], use_bgclip=True
        )
        # With use_bgclip, moviepy takes the sound of the other clips only: put it back.
        marked = marked.with_duration(clip.duration).with_audio(clip.audio)
        _write_with_moviepy(
            marked,
            out,
            deadline=deadline,
            reporter=reporter,
            preset=PROXY_PRESET,
            audio_bitrate=PROXY_AUDIO_BITRATE,
            ffmpeg_params=["-crf", str(PROXY_CRF), "-g", str(2 * FPS), "-movflags", "+faststart"],
        )
    reporter.done()


# --- moviepy ------------------------------------------------------------------------------


def _open_clip(
    stack: contextlib.ExitStack[Any], path: Path, info: Probe, size: tuple[int, int]
) -> Any:
    """``path`` as a moviepy clip of ``size``: scaled by moviepy's reader, letterboxed if needed."""
    fitted = _fitted_size((info.width, info.height), size)
    clip = mp.VideoFileClip(str(path), target_resolution=fitted, audio_fps=AUDIO_RATE)
    stack.callback(_close_clip, clip)
    if fitted == size:
        return clip
    boxed = mp.CompositeVideoClip([clip.with_position("center")], size=size, bg_color=(0, 0, 0))
    return boxed.with_duration(clip.duration).with_audio(clip.audio)


def _close_clip(clip: Any) -> None:
    """Close a clip's readers and their ffmpeg processes, pipes included.

    moviepy's readers terminate a running ffmpeg on close() but leave the pipes of
    one that has already exited (having read to the end) open until garbage
    collection: close those too.
    """
    readers = [getattr(clip, "reader", None), getattr(getattr(clip, "audio", None), "reader", None)]
    processes = [getattr(reader, "proc", None) for reader in readers]
    clip.close()
    for process in processes:
        if isinstance(process, subprocess.Popen):
            _stop(process)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()


def _fitted_size(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled to fit ``box``, even numbers of pixels (square pixels assumed)."""
    width, height = size
    scale = min(box[0] / width, box[1] / height)
    fitted = (2 * round(width * scale / 2), 2 * round(height * scale / 2))
    return (min(fitted[0], box[0]), min(fitted[1], box[1]))


def _text_clip(
    font: Path,
    text: str,
    font_size: int,
    background: tuple[int, int, int, int],
    margin: tuple[int, int],
    duration: float,
) -> Any:
    """White ``text`` on a ``background`` box, as a moviepy ``TextClip``.

    moviepy 2.2.1 measures a label's height from its ink (with Pillow 11, which
    lacks the private helper it tries first) but draws it from the font's ascent:
    a CJK font's glyphs are then cut off at the bottom. The line's full height
    (ascent + descent), drawn from the top, fits.
    """
    ascent, descent = ImageFont.truetype(str(font), font_size).getmetrics()
    return mp.TextClip(
        font=str(font),
        text=text,
        font_size=font_size,
        size=(None, ascent + descent),
        margin=margin,
        color=(255, 255, 255),
        bg_color=background,
        vertical_align="top",
        duration=duration,
    )


def _with_caption(clip: Any, caption: str, font: Path) -> Any:
    """``clip`` with ``caption`` on its lower third, white on a red band."""
    width, height = clip.size
    text, position = _caption_clip((width, height), caption, font, clip.duration)
    captioned = mp.CompositeVideoClip([clip, text.with_position(position)], use_bgclip=True)
    # With use_bgclip, moviepy takes the sound of the other clips only: put it back.
    return captioned.with_duration(clip.duration).with_audio(clip.audio)


def _caption_clip(
    size: tuple[int, int], caption: str, font: Path, duration: float
) -> tuple[Any, tuple[int, int]]:
    """The caption as a moviepy ``TextClip`` (white on a red band) and its place on a
    picture of ``size``: the lower third, a little in from the left."""
    width, height = size
    font_size = max(12, round(height / 15))
    band = (178, 24, 24, 230)  # red, nearly opaque
    text = _text_clip(font, caption, font_size, band, (font_size // 2, 0), duration)
    return text, (round(width * 0.06), round(height * 0.72))


def _caption_image(size: tuple[int, int], caption: str, font: Path) -> tuple[Any, tuple[int, int]]:
    """The caption drawn by moviepy as an RGBA picture (uint8) and its place."""
    text, position = _caption_clip(size, caption, font, 1.0)
    rgb = np.asarray(text.get_frame(0), dtype=np.float64)
    alpha = np.asarray(text.mask.get_frame(0), dtype=np.float64) if text.mask else None
    if alpha is None:
        alpha = np.ones(rgb.shape[:2])
    image = np.dstack([rgb, alpha * 255]).round().clip(0, 255).astype(np.uint8)
    width, height = size
    x, y = position
    return image[: max(0, height - y), : max(0, width - x)], position


def _colour_params(info: Probe) -> list[str]:
    """Turn moviepy's RGB frames into YUV by the matrix of the picture size, and tag it.

    Left to itself, ffmpeg would convert with BT.601 and tag nothing, which HD
    players read as BT.709: colours would shift.
    """
    matrix, space = ("bt709", "bt709") if info.height >= 720 else ("bt601", "bt470bg")
    tags = _options(colorspace=space, color_primaries=space, color_trc="bt709", range="tv")
    return [
        *("-vf", f"scale=out_color_matrix={matrix}:out_range=tv,format=yuv420p,setparams={tags}"),
        *("-movflags", "+faststart"),
    ]


class _MoviepyProgress(mp.ProgressBarLogger):  # type: ignore[misc]
    """moviepy's bars (sound chunks, then picture frames) as one fraction; stops at the deadline."""

    def __init__(self, reporter: _Reporter, deadline: _Deadline) -> None:
        super().__init__(logged_bars=[])  # keep no log of every frame
        self._reporter = reporter
        self._deadline = deadline

    def bars_callback(self, bar: str, attr: str, value: Any, old_value: Any = None) -> None:
        self._deadline.check()
        total = self.bars[bar].get("total")
        if attr != "index" or not total:
            return
        done = min(max(value / total, 0.0), 1.0)
        if bar == "chunk":
            self._reporter(_AUDIO_SHARE * done)
        elif bar == "frame_index":
            self._reporter(_AUDIO_SHARE + (1 - _AUDIO_SHARE) * done)


def _write_with_moviepy(
    clip: Any,
    out: Path,
    *,
    deadline: _Deadline,
    reporter: _Reporter,
    preset: str,
    audio_bitrate: str,
    ffmpeg_params: list[str],
    check: Callable[[Path], None] | None = None,
) -> None:
    with (
        _output(out) as temporary,
        tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.stem}.moviepy-") as scratch,
    ):
        try:
            clip.write_videofile(
                str(temporary),
                fps=FPS,
                codec="libx264",
                preset=preset,
                audio_codec="aac",
                audio_fps=AUDIO_RATE,
                audio_bitrate=audio_bitrate,
                temp_audiofile_path=scratch,
                ffmpeg_params=ffmpeg_params,
                logger=_MoviepyProgress(reporter, deadline),
            )
        except BaseException as error:
            # moviepy's audio writer closes its ffmpeg only when garbage collected, and the
            # traceback holds it: clearing the frames lets it go (and its ffmpeg end) now.
            traceback.clear_frames(error.__traceback__)
            if isinstance(error, MediaError) or not isinstance(error, Exception):
                raise
            raise RenderError(
                f"{deadline.action} failed: {_last_lines(str(error))}", code="failed"
            ) from error
        _require_output(temporary, deadline)
        if check is not None:
            check(temporary)


def poster_frame(
    proxy: Path,
    out: Path,
    *,
    duration: float,
    timeout: float = 60,
    progress: Progress | None = None,
) -> None:
    """The frame of ``proxy`` a tenth of the way in (``POSTER_AT``) as a still picture, at
    the proxy's size; ``out`` ends in .jpg, .jpeg or .png."""
    codec = _IMAGE_CODECS.get(out.suffix.lower())
    if codec is None:
        raise ValueError(f"a poster frame is a .jpg or .png file, not {out.name}")
    deadline = _Deadline(timeout, f"Taking the poster frame of {proxy.name}")
    reporter = _Reporter(progress)
    info = probe(proxy)
    deadline.check()
    length = min(duration, info.duration) if duration > 0 else info.duration
    seek = min(length * POSTER_AT, max(0.0, length - 2 / FPS))
    arguments = [
        *("-ss", f"{seek:.4f}", "-i", _input(proxy), "-map", "0:v:0", "-an", "-sn", "-dn"),
        *("-frames:v", "1", "-c:v", codec, *(["-q:v", "3"] if codec == "mjpeg" else [])),
        *("-update", "1", "-f", "image2"),
    ]
    with _output(out) as temporary:
        _run_ffmpeg(
            [*arguments, _input(temporary)], deadline=deadline, duration=0.0, reporter=reporter
        )
        _require_output(temporary, deadline)
    reporter.done()


# --- ffmpeg -------------------------------------------------------------------------------


class _Deadline:
    def __init__(self, timeout: float, action: str) -> None:
        self.timeout = timeout
        self.action = action
        self.at = time.monotonic() + timeout

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def error(self) -> RenderError:
        return RenderError(
            f"{self.action} took longer than {self.timeout:g} s and was stopped: "
            "try again later, or check that the file is not damaged.",
            code="timeout",
        )

    def check(self) -> None:
        if self.remaining() <= 0:
            raise self.error()


class _Reporter:
    """Passes progress on: increasing, at most every 0.25 s, 1.0 only once done."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._sent = -1.0
        self._at = -math.inf

    def __call__(self, fraction: float) -> None:
        fraction = min(max(fraction, 0.0), 0.99)
        now = time.monotonic()
        if fraction > self._sent and now - self._at >= _PROGRESS_INTERVAL:
            self._send(fraction, now)

    def done(self) -> None:
        self._send(1.0, time.monotonic())

    def _send(self, fraction: float, now: float) -> None:
        self._sent, self._at = fraction, now
        if self._progress is not None:
            self._progress(fraction)


def leftovers(out: Path) -> list[Path]:
    """The temporary files and folders a render of ``out`` killed midway may have left."""
    return sorted(out.parent.glob(f".{out.stem}.*"))


@contextlib.contextmanager
def _output(out: Path) -> Iterator[Path]:
    """A hidden temporary file next to ``out``, renamed to ``out`` if the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=out.suffix)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _run_ffmpeg(
    arguments: Sequence[str], *, deadline: _Deadline, duration: float, reporter: _Reporter
) -> None:
    command = tied_to_parent(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"),
            *("-progress", "pipe:1", "-y", *arguments),
        ]
    )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            # In the worker's process group, not one of its own: when the scheduler
            # service stops a worker past its timeout, it kills the group, ffmpeg too;
            # and tied to this process: a worker killed outright takes its ffmpeg along.
        )
        try:
            _follow(process, deadline, duration, reporter)
            returncode = process.wait(timeout=max(deadline.remaining(), 0.001))
        except subprocess.TimeoutExpired:
            raise deadline.error() from None
        finally:
            _stop(process)
        if returncode != 0:
            raise RenderError(f"{deadline.action} failed: {_stderr_tail(log)}", code="failed")


def _follow(
    process: subprocess.Popen[bytes], deadline: _Deadline, duration: float, reporter: _Reporter
) -> None:
    """Read ffmpeg's ``-progress`` reports until it closes them, or raise at the deadline."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise deadline.error()
            if not selector.select(remaining):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                key, _, value = line.partition(b"=")
                # out_time_ms is in microseconds too (an old ffmpeg mistake kept for scripts).
                if key in (b"out_time_us", b"out_time_ms") and duration > 0:
                    with contextlib.suppress(ValueError):
                        reporter(int(value) / 1_000_000 / duration)


@contextlib.contextmanager
def _background_ffmpeg(
    arguments: Sequence[str], deadline: _Deadline
) -> Iterator[Callable[[], None]]:
    """ffmpeg started in the background; the block is given a function that waits for it
    to end (raising if it failed or ran past the deadline). It is stopped if still running
    when the block ends, so a failure or an interrupt leaves no process behind."""
    command = tied_to_parent(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y", *arguments),
        ]
    )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log
        )

        def wait() -> None:
            try:
                returncode = process.wait(timeout=max(deadline.remaining(), 0.001))
            except subprocess.TimeoutExpired:
                raise deadline.error() from None
            if returncode != 0:
                raise RenderError(f"{deadline.action} failed: {_stderr_tail(log)}", code="failed")

        try:
            yield wait
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[Any]) -> None:
    """Kill ``process`` (and its process group, if it leads one) unless it has ended; reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _stderr_tail(log: IO[bytes]) -> str:
    log.seek(0)
    text = log.read().decode("utf-8", errors="replace")
    return _last_lines(text) or "ffmpeg stopped without saying why"


def _last_lines(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-_STDERR_LINES:])


def _require_output(path: Path, deadline: _Deadline) -> None:
    if path.stat().st_size == 0:
        raise RenderError(
            f"{deadline.action} failed: nothing was written (is the file shorter than it says?)",
            code="failed",
        )


def _check_font(font: Path) -> None:
    if not font.is_file():
        raise MediaError(
            f"The font {font} was not found; install fonts-noto-cjk (make install-system)",
            code="no_font",
        )


# --- filtergraph text ---------------------------------------------------------------------


def _input(path: Path) -> str:
    return f"file:{path}"  # "file:" so a name like "http:x" or "-x" is only ever a file


def _escape(text: str, specials: str) -> str:
    return "".join("\\" + c if c in specials else c for c in text)


def _options(**options: object) -> str:
    """``key=value`` pairs of a filter, each value escaped for both levels of a filtergraph."""
    return ":".join(
        f"{key}={_escape(_escape(str(value), _OPTION_SPECIALS), _GRAPH_SPECIALS)}"
        for key, value in options.items()
    )


def _filter(name: str, **options: object) -> str:
    return f"{name}={_options(**options)}" if options else name


def _fit(width: int, height: int, flags: str) -> list[str]:
    """Scale to fit ``width``×``height`` by the display aspect ratio, pad the rest black."""
    ratio = f"{width}/{height}"
    return [
        _filter(
            "scale",
            w=f"if(gte(dar,{ratio}),{width},min({width},2*round({height}*dar/2)))",
            h=f"if(gte(dar,{ratio}),min({height},2*round({width}/dar/2)),{height})",
            flags=flags,
        ),
        "setsar=1",
        _filter("pad", w=width, h=height, x="(ow-iw)/2", y="(oh-ih)/2", color="black"),
    ]


def _mark_filter(font: Path, size: int) -> str:
    return _filter(
        "drawtext",
        fontfile=font,
        text=MARK,
        expansion="none",
        fontsize=size,
        fontcolor="white@0.9",
        box=1,
        boxcolor="black@0.5",
        boxborderw=8,
        x="w-tw-20",
        y=20,
    )
