"""Packaging by stream copy when the master meets the delivery specification, re-encoding
(with the reason in the log) when it does not, and the checks made before a package is offered."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pytest

from media import packaging, render
from media.errors import MediaError
from media.probe import Streams, probe, streams
from tests.media.conftest import FFMPEG, make_clip

FRAME = 0.04


def ffmpeg(*arguments: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-y", *arguments], check=True, timeout=60)


SOUND = ("-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=2", "-ac", "2")


@dataclass(frozen=True)
class Made:
    master: Path
    out: Path
    route: str
    notes: list[str]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("packaging-sources")
    made = {
        # The parts: a 720p opening without sound (scaled up), a 1080p closing with a sound
        # so quiet (−53 dBFS) that the master's sine is the only loud sound of a package.
        "opening": make_clip(folder / "opening.mp4", size="1280x720", seconds=1.0, volume_db=None),
        "closing": make_clip(folder / "closing.mp4", seconds=1.0, volume_db=-35.0),
        "fps30": make_clip(folder / "fps30.mp4", rate=30),
        "small": make_clip(folder / "small.mp4", size="640x360"),
    }
    # An editor's 1080p25 export: B-frames, a keyframe a second, colour tagged BT.709.
    made["progressive"] = folder / "progressive.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25:duration=2", *SOUND),
        *("-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p"),
        *("-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"),
        *("-c:a", "aac", "-b:a", "128k", str(made["progressive"])),
    )
    # China's HD broadcast format, 1080i50, top field first.
    made["interlaced"] = folder / "interlaced.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25:duration=2", *SOUND),
        *("-vf", "setfield=tff", "-c:v", "libx264", "-preset", "veryfast"),
        *("-flags", "+ildct+ilme", "-x264-params", "tff=1", "-field_order", "tt"),
        *("-pix_fmt", "yuv420p", "-c:a", "aac", str(made["interlaced"])),
    )
    # SD MPEG-2 (4:2:0, interlaced) with PCM sound, in MOV/MP4.
    made["mpeg2"] = folder / "mpeg2.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=2", *SOUND),
        *("-vf", "setfield=tff", "-c:v", "mpeg2video", "-flags", "+ildct+ilme", "-b:v", "8M"),
        *("-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", str(made["mpeg2"])),
    )
    return made


@pytest.fixture(scope="module")
def packaged(clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Made]:
    """Each master packaged once with the caption 连续报道（三）; the route and the log."""
    folder = tmp_path_factory.mktemp("packaged")
    font = render.cjk_font()
    made = {}
    for name in ("progressive", "interlaced", "mpeg2", "fps30", "small"):
        notes: list[str] = []
        out = folder / f"{name}.mp4"
        route = render.package(
            clips[name],
            clips["opening"],
            clips["closing"],
            out,
            caption=render.series_caption(3),
            font=font,
            note=notes.append,
        )
        made[name] = Made(clips[name], out, route, notes)
    return made


def video_hashes(path: Path) -> list[str]:
    """The hash of each picture packet, H.264 parameter sets aside."""
    done = subprocess.run(
        [
            *(FFMPEG, "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy"),
            *("-bsf:v", "filter_units=remove_types=7|8", "-f", "framemd5", "-"),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    lines = done.stdout.decode().splitlines()
    return [line.split(",")[5].strip() for line in lines if line and not line.startswith("#")]


def loud_span(path: Path) -> tuple[float, float]:
    """When the loud sound (the master's sine) starts and ends in ``path``, in seconds on the
    file's timeline: its sound decoded (mono), each sample placed at its time from 0."""
    done = subprocess.run(
        [
            *(FFMPEG, "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", "48000"),
            *("-af", "aresample=async=1:first_pts=0", "-f", "s16le", "-"),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    samples = np.abs(np.frombuffer(done.stdout, dtype=np.int16).astype(np.int32))
    loud = np.flatnonzero(samples > 1000)
    return float(loud[0]) / 48000, float(loud[-1] + 1) / 48000


MATCHED = [f.name for f in fields(Streams) if f.name not in ("container", "delay")]


@pytest.mark.parametrize("name", ["progressive", "interlaced", "mpeg2"])
def test_a_master_that_meets_the_specification_is_copied_not_reencoded(
    packaged: dict[str, Made], name: str
) -> None:
    made = packaged[name]
    assert made.route == "copy"
    assert made.notes[0].startswith("stream copy: the master meets the delivery specification")
    assert made.notes[-1].startswith("checked: duration, sound and picture in sync")
    master, out = streams(made.master), streams(made.out)
    assert {k: getattr(out, k) for k in MATCHED} == {k: getattr(master, k) for k in MATCHED}
    # The master's pictures are its own packets, bit for bit, between 25 opening frames
    # and 25 closing frames.
    theirs, ours = video_hashes(made.master), video_hashes(made.out)
    assert len(ours) == 25 + len(theirs) + 25
    assert ours[25 : 25 + len(theirs)] == theirs
    assert probe(made.out).duration == pytest.approx(1.0 + 2.0 + 1.0, abs=FRAME)


@pytest.mark.parametrize("name", ["progressive", "interlaced", "mpeg2"])
def test_the_copied_masters_sound_plays_with_its_pictures(
    packaged: dict[str, Made], name: str
) -> None:
    # Decoded as a player does: the sine (the master's sound, 2 s) starts with the master's
    # first picture, 25 frames in, and ends with its last, 75 frames in, within a frame.
    made = packaged[name]
    pictures = sorted(packaging.packets(made.out, 60)["video"].pts)
    starts, ends = pictures[25], pictures[75]
    assert (starts - pictures[0], ends - pictures[0]) == (
        pytest.approx(1.0, abs=0.001),
        pytest.approx(3.0, abs=0.001),
    )
    onset, end = loud_span(made.out)
    assert onset == pytest.approx(starts, abs=FRAME)
    assert end == pytest.approx(ends, abs=FRAME)


@pytest.mark.parametrize("name", ["progressive", "fps30"])
def test_the_caption_shows_on_the_opening_of_either_route(
    packaged: dict[str, Made], clips: dict[str, Path], name: str
) -> None:
    made = packaged[name]
    size = (1920, 1080)
    image, (x, y) = render._caption_image(size, render.series_caption(3), render.cjk_font())
    box = (x, y, x + image.shape[1], y + image.shape[0])
    seen = packaging.frame(made.out, 12, *size, "scale=in_color_matrix=bt709,format=rgb24", 60)
    plain = packaging.frame(clips["opening"], 12, *size, "scale=1920:1080,format=rgb24", 60)
    band = seen[box[1] : box[3], box[0] : box[2]].astype(float)
    red, green = band[..., 0].mean(), band[..., 1].mean()
    assert red > 140 and green < 90  # the red band
    assert (band.min(axis=2) > 200).mean() > 0.02  # white characters on it
    assert np.abs(band - plain[box[1] : box[3], box[0] : box[2]]).mean() > 40


@pytest.mark.parametrize(
    ("name", "reason", "size"),
    [
        (
            "fps30",
            "re-encoded: the master is 30 fps; the delivery specification is 25 fps",
            (1920, 1080),
        ),
        (
            "small",
            "re-encoded: the master is 640×360; the delivery specification is 1920×1080 or 720×576",
            (640, 360),
        ),
    ],
)
def test_a_master_off_the_specification_is_reencoded_and_the_log_says_why(
    packaged: dict[str, Made], name: str, reason: str, size: tuple[int, int]
) -> None:
    made = packaged[name]
    assert made.route == "reencode"
    assert made.notes[0] == reason
    assert made.notes[-1].startswith("checked: ")
    out = probe(made.out)
    assert ((out.width, out.height), out.fps) == (size, 25.0)
    assert out.duration == pytest.approx(4.0, abs=FRAME)
    packaging.decodes(made.out, 60, [(0.0, None)])


def test_a_damaged_master_fails_the_check_and_leaves_nothing(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.mp4"
    data = bytearray(clips["progressive"].read_bytes())
    middle = len(data) * 2 // 5
    data[middle : middle + 4000] = bytes(range(256)) * 15 + bytes(160)
    damaged.write_bytes(bytes(data))
    out = tmp_path / "out" / "broadcast.mp4"
    notes: list[str] = []
    with pytest.raises(MediaError, match="does not decode cleanly") as failed:
        render.package(
            damaged,
            clips["opening"],
            clips["closing"],
            out,
            caption=None,
            font=render.cjk_font(),
            note=notes.append,
        )
    assert failed.value.code == "check_failed"
    assert notes[0].startswith("stream copy")
    assert list(out.parent.iterdir()) == []  # no package, no temporary file or folder


def test_a_variable_frame_rate_or_silent_master_is_not_copied() -> None:
    base = dict(
        container="mov,mp4,m4a,3gp,3g2,mj2",
        video_codec="h264",
        profile="High",
        level=40,
        width=1920,
        height=1080,
        sar="1:1",
        fps="25",
        tbr="25",
        time_base="12800",
        field_order="progressive",
        pix_fmt="yuv420p",
        color_range=None,
        colorspace=None,
        color_primaries=None,
        color_trc=None,
        delay=2,
        video_streams=1,
        audio_codec="aac",
        audio_profile="LC",
        sample_rate=48000,
        channel_layout="stereo",
        audio_streams=1,
    )
    assert packaging.mismatches(Streams(**base)) == []  # type: ignore[arg-type]
    vfr = Streams(**{**base, "fps": "24.87", "tbr": "25"})  # type: ignore[arg-type]
    assert packaging.mismatches(vfr) == [
        "the master's frame rate is variable (24.87 fps on average, 25 at most)"
    ]
    silent = Streams(**{**base, "audio_codec": None, "sample_rate": None})  # type: ignore[arg-type]
    assert packaging.mismatches(silent) == [
        "the master has no sound, and the opening and closing have"
    ]
    prores = Streams(**{**base, "video_codec": "prores", "sample_rate": 44100})  # type: ignore[arg-type]
    assert packaging.mismatches(prores) == [
        "the master's picture is prores; the parts are matched for H.264 or MPEG-2 only",
        "the master's sound is sampled at 44100 Hz; the delivery specification is 48000 Hz",
    ]
