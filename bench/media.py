"""Probing, loudness, contact sheets, review proxies and packaging of a 60 s 1080p master.

The master is made at bench time with the bundled ffmpeg, as an editor's
export might be: ``testsrc2`` at 1920×1080, 25 fps, H.264 (libx264
``veryfast``, yuv420p, a keyframe every 2 s) with a 1 kHz sine as AAC, 60 s.
A second copy with x264's default keyframe interval (250 frames, 10 s) shows
what long GOPs cost the contact sheet, which seeks. The packaging adds a 5 s
opening (no sound) and a 5 s closing (with sound), both 1080p.

Each step runs in a fresh Python child (imports and font lookup done before
the clock starts), so its peak resident set sizes are its own: the child's
(``..._peak_rss_mib``: interpreter, moviepy, numpy, frames) and the largest
single ffmpeg it ran (``..._ffmpeg_peak_rss_mib``, ``RUSAGE_CHILDREN``).
Times are medians of ``TVCOLUMN_BENCH_MEDIA_REPEATS`` runs (default 3) for
the cheap steps, one run for the moviepy ones; ``..._cpu_seconds`` is the CPU
time of the child and its ffmpeg processes, less sensitive to other load.

Figures:

* ``media_probe_60s_1080p_seconds`` (``media.probe.probe``), target ≤ 0.05 s;
* ``media_loudness_60s_seconds`` (``media.qc.loudness``);
* ``media_contact_sheet_60s_1080p_seconds``, target ≤ 3 s, and
  ``media_contact_sheet_60s_1080p_gop250_seconds`` for the long-GOP copy;
* ``media_proxy_ffmpeg_realtime_multiple`` (60 s over the seconds taken by
  ``media.render.review_proxy``), target ≥ 10, and
  ``media_proxy_moviepy_realtime_multiple`` for the same proxy composited with
  moviepy (``media.render._review_proxy_moviepy``);
* ``media_packaging_copy_realtime_factor`` (70 s of broadcast master over the
  wall seconds ``media.render.package`` takes on the stream-copy route, caption
  连续报道（三）: the master meets the delivery specification, so only the opening
  and closing are encoded and the sound decoded and joined), target ≥ 20, and
  ``media_packaging_reencode_realtime_factor`` (the same package re-encoded with
  moviepy, ``reencode=True``); each package is checked before it is offered, and
  the check is timed too;
* the peak RSS of each step, as above.

``python -m bench bench.media`` runs it alone.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from bench import repeats_from_env

REPEATS_ENV = "TVCOLUMN_BENCH_MEDIA_REPEATS"
DEFAULT_REPEATS = 3
SECONDS = 60
PACKAGE_SECONDS = 5 + SECONDS + 5
ROOT = Path(__file__).resolve().parent.parent
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
MIB = 1024 * 1024
# step: (figure stem, runs: "repeats" or 1)
STEPS: dict[str, tuple[str, bool]] = {
    "probe": ("media_probe", True),
    "loudness": ("media_loudness", True),
    "contact_sheet": ("media_contact_sheet", True),
    "contact_sheet_gop250": ("media_contact_sheet_gop250", True),
    "proxy_ffmpeg": ("media_proxy_ffmpeg", True),
    "proxy_moviepy": ("media_proxy_moviepy", False),
    "package_copy": ("media_packaging_copy", True),
    "package_reencode": ("media_packaging_reencode", False),
}

Figure = tuple[str, float, str]


def log(message: str) -> None:
    print(f"bench.media: {message}", file=sys.stderr, flush=True)


def ffmpeg(*arguments: str) -> None:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-nostdin", "-y", *arguments]
    subprocess.run(command, check=True, timeout=600)


def make_sources(folder: Path) -> None:
    picture = ("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25")
    sound = ("-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000")
    x264 = ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")
    aac = ("-c:a", "aac", "-b:a", "128k")
    started = time.perf_counter()
    ffmpeg(
        *picture, *sound, "-t", str(SECONDS), *x264, "-g", "50", *aac, str(folder / "master.mp4")
    )
    ffmpeg(*picture, *sound, "-t", str(SECONDS), *x264, *aac, str(folder / "master-gop250.mp4"))
    title = (
        f"drawtext=fontfile={FONT}:text=时代风采:fontsize=160:fontcolor=gold:x=(w-tw)/2:y=(h-th)/2"
    )
    ffmpeg(
        *("-f", "lavfi", "-i", f"color=c=0x8b0000:size=1920x1080:rate=25,{title}"),
        *("-t", "5", *x264, str(folder / "opening.mp4")),
    )
    ffmpeg(
        *("-f", "lavfi", "-i", "color=c=0x8b0000:size=1920x1080:rate=25"),
        *sound,
        *("-t", "5", *x264, *aac, str(folder / "closing.mp4")),
    )
    log(f"sources made in {time.perf_counter() - started:.1f} s")


def run_step(step: str, folder: Path, runs: int) -> dict[str, Any]:
    """Run ``step`` ``runs`` times in a fresh Python child; its timings and peak RSS."""
    code = "import sys; from bench.media import child; child(sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-c", code, step, str(folder), str(runs)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.media: step {step} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child(argv: list[str]) -> None:
    """In the child: import, warm up the font lookup, then time ``step`` and print JSON."""
    step, folder, runs = argv[0], Path(argv[1]), int(argv[2])
    # moviepy loads here, in the timed child, never in the parent that spawns it.
    from media import qc, render
    from media.probe import probe

    font = render.cjk_font()
    master = folder / "master.mp4"
    out = folder / "out"
    out.mkdir(exist_ok=True)

    def package(route: str) -> None:
        made = out / f"broadcast-{route}.mp4"
        made.unlink(missing_ok=True)  # each run makes it anew
        taken = render.package(
            master,
            folder / "opening.mp4",
            folder / "closing.mp4",
            made,
            caption=render.series_caption(3),
            font=font,
            reencode=route == "reencode",
        )
        if taken != route:
            raise RuntimeError(f"bench.media: packaging took the {taken} route, not {route}")

    actions: dict[str, Callable[[], object]] = {
        "probe": lambda: probe(master),
        "loudness": lambda: qc.loudness(master),
        "contact_sheet": lambda: render.contact_sheet(master, out / "sheet.jpg", duration=SECONDS),
        "contact_sheet_gop250": lambda: render.contact_sheet(
            folder / "master-gop250.mp4", out / "sheet-gop250.jpg", duration=SECONDS
        ),
        "proxy_ffmpeg": lambda: render.review_proxy(
            master, out / "proxy.mp4", duration=SECONDS, font=font
        ),
        "proxy_moviepy": lambda: render._review_proxy_moviepy(
            master, out / "proxy-moviepy.mp4", duration=SECONDS, font=font
        ),
        "package_copy": lambda: package("copy"),
        "package_reencode": lambda: package("reencode"),
    }
    action = actions[step]
    seconds: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
        cpu.append(cpu_seconds() - cpu_before)
    check_output(step, out, probe)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_mib": rss_mib(resource.RUSAGE_SELF),
                "ffmpeg_peak_rss_mib": rss_mib(resource.RUSAGE_CHILDREN),
            }
        ),
        flush=True,
    )


def check_output(step: str, out: Path, probe: Any) -> None:
    """The step made what it should (a benchmark of a broken render would mean nothing)."""
    expected = {
        "proxy_ffmpeg": ("proxy.mp4", (640, 360), SECONDS),
        "proxy_moviepy": ("proxy-moviepy.mp4", (640, 360), SECONDS),
        "package_copy": ("broadcast-copy.mp4", (1920, 1080), PACKAGE_SECONDS),
        "package_reencode": ("broadcast-reencode.mp4", (1920, 1080), PACKAGE_SECONDS),
    }
    if step.startswith("contact_sheet"):
        name = "sheet.jpg" if step == "contact_sheet" else "sheet-gop250.jpg"
        if (out / name).stat().st_size < 10_000:
            raise RuntimeError(f"{step}: the contact sheet is nearly empty")
    if step in expected:
        name, size, seconds = expected[step]
        made = probe(out / name)
        if (made.width, made.height) != size or abs(made.duration - seconds) > 0.2:
            raise RuntimeError(f"{step}: made {made}, expected {size} and {seconds} s")


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def rss_mib(who: int) -> float:
    peak = resource.getrusage(who).ru_maxrss
    return round(peak / MIB if sys.platform == "darwin" else peak / 1024, 1)


def run() -> list[Figure]:
    repeats = repeats_from_env(REPEATS_ENV, DEFAULT_REPEATS)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    log(f"{os.cpu_count()} CPUs, load average {load}; {repeats} runs of the cheap steps")
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-media-") as tmp:
        folder = Path(tmp)
        make_sources(folder)
        for step, (stem, repeated) in STEPS.items():
            runs = repeats if repeated else 1
            result = run_step(step, folder, runs)
            seconds = statistics.median(result["seconds"])
            cpu = statistics.median(result["cpu_seconds"])
            log(f"{step}: {seconds:.3f} s ({cpu:.2f} CPU s), runs {result['seconds']}")
            if step == "probe":
                figures.append(("media_probe_60s_1080p_seconds", round(seconds, 4), "s"))
            elif step == "loudness":
                figures.append(("media_loudness_60s_seconds", round(seconds, 3), "s"))
            elif step == "contact_sheet":
                figures.append(("media_contact_sheet_60s_1080p_seconds", round(seconds, 3), "s"))
            elif step == "contact_sheet_gop250":
                figures.append(
                    ("media_contact_sheet_60s_1080p_gop250_seconds", round(seconds, 3), "s")
                )
            elif step.startswith("package"):
                # Seconds of packaged output over wall seconds.
                figures.append((f"{stem}_seconds", round(seconds, 2), "s"))
                figures.append(
                    (f"{stem}_realtime_factor", round(PACKAGE_SECONDS / seconds, 2), "x")
                )
                figures.append((f"{stem}_cpu_seconds", round(cpu, 2), "s"))
            else:
                figures.append((f"{stem}_seconds", round(seconds, 2), "s"))
                figures.append((f"{stem}_realtime_multiple", round(SECONDS / seconds, 2), "x"))
                figures.append((f"{stem}_cpu_seconds", round(cpu, 2), "s"))
            figures.append((f"{stem}_peak_rss_mib", result["peak_rss_mib"], "MiB"))
            figures.append((f"{stem}_ffmpeg_peak_rss_mib", result["ffmpeg_peak_rss_mib"], "MiB"))
    return figures


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name} {value} {unit}")
