"""The dashboard's charts, drawn by the server as inline SVG (no script, no chart library).

Each chart carries a title and a description for screen readers; the tables beside
them hold the same numbers. A column behind its target is named in red and labelled
落后, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby

from flask_babel import gettext as _
from markupsafe import Markup, escape

from liaison.dashboard import PriorityFigures
from liaison.progress import Stage

WIDTH = 640
FONT = 13  # px in the chart's own units: a Chinese character is about this wide
AIRED, SCHEDULED, TARGET, EXPECTED, BEHIND, GRID = (
    "#1565c0",
    "#90caf9",
    "#222",
    "#e65100",
    "#b71c1c",
    "#ddd",
)
# Aired, but no as-run log confirms it yet (已播出（未确认）): the aired blue, lighter.
UNCONFIRMED = "#5e92d6"


def _n(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, body: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{_n(x)}" y="{_n(y)}"{extra}>{escape(body)}</text>'


def _svg(ident: str, height: float, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" id="{ident}" viewBox="0 0 {WIDTH} {_n(height)}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{FONT}">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _legend(y: float, items: list[tuple[str, str]]) -> list[str]:
    """Swatches (``rect:colour``, ``line:colour`` or ``dash:colour``) with their words."""
    out, x = [], 0.0
    for kind, words in items:
        shape, colour = kind.split(":")
        if shape == "rect":
            out.append(
                f'<rect x="{_n(x)}" y="{_n(y - 10)}" width="14" height="10" fill="{colour}"/>'
            )
        else:
            dash = ' stroke-dasharray="4 3"' if shape == "dash" else ""
            out.append(
                f'<line x1="{_n(x + 7)}" y1="{_n(y - 13)}" x2="{_n(x + 7)}" y2="{_n(y + 2)}" '
                f'stroke="{colour}" stroke-width="2"{dash}/>'
            )
        out.append(_text(x + 19, y, words))
        x += 19 + _text_width(words) + 18
    return out


def _text_width(words: str) -> float:
    """About how wide ``words`` are drawn: a Chinese character 14, a Latin one 7.5."""
    return sum(14 if ord(ch) > 0x2E80 else 7.5 for ch in words)


def bars(figures: PriorityFigures, names: Mapping[int, str]) -> Markup:
    """A horizontal bar per column: aired, then scheduled stacked on it; the target as a
    black marker line, and while the window runs, today's expected count as a dashed one."""
    rows = figures.rows
    ident = f"bars-{figures.priority.id}"
    longest = max([len(names.get(r.column_id, "")) for r in rows] + [4])
    label_w, text_w, row_h, bar_h, top = min(FONT * longest + 12, 220), 190, 30, 16, 30
    plot_w = WIDTH - label_w - text_w
    scale = max(
        [1] + [max(r.target, r.count(Stage.AIRED) + r.count(Stage.SCHEDULED)) for r in rows]
    )
    running = 0 < figures.elapsed < figures.days

    def x(value: float) -> float:
        return label_w + value / scale * plot_w

    legend = [
        (f"rect:{AIRED}", _("已确认播出")),
        (f"rect:{UNCONFIRMED}", _("已播出（未确认）")),
        (f"rect:{SCHEDULED}", _("已排播")),
    ]
    legend.append((f"line:{TARGET}", _("目标")))
    if running:
        legend.append((f"dash:{EXPECTED}", _("今日应播")))
    body = _legend(14, legend)
    lines = []
    for i, r in enumerate(rows):
        y = top + i * row_h
        name = names.get(r.column_id, str(r.column_id))
        aired, scheduled = r.count(Stage.AIRED), r.count(Stage.SCHEDULED)
        colour = BEHIND if r.behind else "#222"
        weight = "bold" if r.behind else "normal"
        body.append(
            _text(label_w - 8, y + 13, name, text_anchor="end", fill=colour, font_weight=weight)
        )
        body.append(
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#f4f4f4"/>'
        )
        confirmed = r.aired_confirmed
        if confirmed:
            body.append(
                f'<rect x="{label_w}" y="{y}" width="{_n(x(confirmed) - label_w)}" '
                f'height="{bar_h}" fill="{AIRED}"/>'
            )
        if aired > confirmed:
            body.append(
                f'<rect x="{_n(x(confirmed))}" y="{y}" width="{_n(x(aired) - x(confirmed))}" '
                f'height="{bar_h}" fill="{UNCONFIRMED}"/>'
            )
        if scheduled:
            body.append(
                f'<rect x="{_n(x(aired))}" y="{y}" width="{_n(x(aired + scheduled) - x(aired))}" '
                f'height="{bar_h}" fill="{SCHEDULED}"/>'
            )
        if running and r.target:
            body.append(
                f'<line x1="{_n(x(r.expected))}" y1="{y - 2}" x2="{_n(x(r.expected))}" '
                f'y2="{y + bar_h + 2}" stroke="{EXPECTED}" stroke-width="2" '
                f'stroke-dasharray="4 3"/>'
            )
        body.append(
            f'<line x1="{_n(x(r.target))}" y1="{y - 4}" x2="{_n(x(r.target))}" '
            f'y2="{y + bar_h + 4}" stroke="{TARGET}" stroke-width="2.5"/>'
        )
        words = _("已播 %(a)d · 已排 %(s)d / 目标 %(t)d", a=aired, s=scheduled, t=r.target)
        body.append(_text(label_w + plot_w + 10, y + 13, words, fill=colour))
        if r.behind:
            body.append(
                _text(
                    WIDTH - 4, y + 13, _("落后"), text_anchor="end", fill=BEHIND, font_weight="bold"
                )
            )
        behind = _("（%(text)s）", text=_("落后")) if r.behind else ""
        lines.append(f"{name}{_('：')}{words}{behind}")
    title = _("%(theme)s：各栏目播出与目标", theme=figures.priority.theme)
    return _svg(ident, top + len(rows) * row_h + 4, title, _("；").join(lines), body)


def pace(figures: PriorityFigures) -> Markup:
    """The window's days across, the share of the target aired up: the even pace as a dashed
    diagonal, what has aired so far as a step line, today and what should have aired by it."""
    priority = figures.priority
    days, elapsed, target = figures.days, figures.elapsed, figures.target
    if not target:
        return Markup("")
    ident = f"pace-{priority.id}"
    left, right, top, bottom, height = 48, 190, 26, 34, 230
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    share = figures.aired / target
    ymax = max(1.0, -(-share // 0.25) * 0.25)

    def x(day: float) -> float:
        return left + day / days * plot_w

    def y(value: float) -> float:
        return top + plot_h - value / ymax * plot_h

    body = _legend(14, [(f"line:{AIRED}", _("已播出")), ("dash:#757575", _("匀速进度"))])
    for tick in (0.0, 0.5, 1.0, ymax) if ymax > 1 else (0.0, 0.5, 1.0):
        body.append(
            f'<line x1="{left}" y1="{_n(y(tick))}" x2="{left + plot_w}" y2="{_n(y(tick))}" '
            f'stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y(tick) + 4, f"{tick:.0%}", text_anchor="end", fill="#666"))
    base = y(0) + 18
    body.append(_text(left, base, priority.window_start.strftime("%m-%d"), fill="#666"))
    body.append(
        _text(
            left + plot_w,
            base,
            priority.window_end.strftime("%m-%d"),
            text_anchor="end",
            fill="#666",
        )
    )
    body.append(
        f'<line x1="{left}" y1="{_n(y(0))}" x2="{_n(x(days))}" y2="{_n(y(1))}" '
        f'stroke="#757575" stroke-width="1.5" stroke-dasharray="5 4"/>'
    )
    words: list[str] = []
    if elapsed:
        points, count = [(x(0), y(0))], 0
        for day, same in groupby(figures.aired_days):
            offset = (day - priority.window_start).days + 1
            points.append((x(offset), y(count / target)))
            count += len(list(same))
            points.append((x(offset), y(count / target)))
        points.append((x(elapsed), y(count / target)))
        path = " ".join(f"{_n(px)},{_n(py)}" for px, py in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{AIRED}" stroke-width="2.5"/>')
        expected = figures.expected
        if elapsed < days:
            body.append(
                f'<line x1="{_n(x(elapsed))}" y1="{top}" x2="{_n(x(elapsed))}" '
                f'y2="{_n(y(0))}" stroke="{EXPECTED}" stroke-width="1.5"/>'
            )
            body.append(
                _text(
                    x(elapsed),
                    top - 4,
                    _("今天 %(d)s", d=figures.today.strftime("%m-%d")),
                    text_anchor="middle",
                    fill=EXPECTED,
                )
            )
        body.append(
            f'<circle cx="{_n(x(elapsed))}" cy="{_n(y(elapsed / days))}" r="4.5" '
            f'fill="#fff" stroke="{EXPECTED}" stroke-width="2"/>'
        )
        body.append(f'<circle cx="{_n(x(elapsed))}" cy="{_n(y(share))}" r="4.5" fill="{AIRED}"/>')
        behind = figures.aired < int(expected)
        side = left + plot_w + 12
        aired_words = _(
            "已播 %(a)d / 目标 %(t)d（%(p)s）", a=figures.aired, t=target, p=f"{share:.0%}"
        )
        if behind:
            aired_words = f"{aired_words} {_('落后')}"
        expected_words = _(
            "今日应播 %(e)s 期（%(p)s）", e=f"{expected:.1f}", p=f"{elapsed / days:.0%}"
        )
        body.append(_text(side, top + 20, aired_words, fill=BEHIND if behind else AIRED))
        body.append(_text(side, top + 40, expected_words, fill=EXPECTED))
        body.append(
            _text(side, top + 60, _("已过 %(e)d / %(d)d 天", e=elapsed, d=days), fill="#666")
        )
        words = [aired_words, expected_words]
    else:
        body.append(_text(left + 12, top + 24, _("时间窗尚未开始"), fill="#666"))
        words = [_("时间窗尚未开始")]
    title = _("%(theme)s：时间窗进度与播出进度", theme=priority.theme)
    return _svg(ident, height, title, _("；").join(words), body)
