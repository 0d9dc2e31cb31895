"""How pages say an airing's as-run state (播后核对): words and a badge class.

An aired airing is said as the as-run log says it (已播出（已确认）, 迟播, 时长不足, 漏播),
or 已播出（未确认） while no log speaks of it (``station.asrun_report``).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from schedule.models import AiringStatus
from station.asrun_report import AiringAsRun, AsRunState

ASRUN = {
    AsRunState.CONFIRMED: _l("已播出（已确认）"),
    AsRunState.LATE: _l("迟播"),
    AsRunState.SHORT: _l("时长不足"),
    AsRunState.MISSING: _l("漏播"),
    AsRunState.UNCONFIRMED: _l("已播出（未确认）"),
    AsRunState.TO_COME: _l("待播出"),
}


def badge(status: AiringStatus, asrun: AiringAsRun | None) -> tuple[str, str] | None:
    """The badge class and words of an airing's as-run state where it replaces the plain
    status (已播出): when a log speaks of it, or its time has passed (marked aired or not
    yet); None otherwise."""
    if asrun is not None and asrun.state is not AsRunState.TO_COME:
        return f"b-asrun-{asrun.state.value}", str(ASRUN[asrun.state])
    if status is AiringStatus.AIRED:
        return "b-asrun-unconfirmed", str(ASRUN[AsRunState.UNCONFIRMED])
    return None


def _ms(seconds: int) -> dict[str, int]:
    minutes, rest = divmod(abs(seconds), 60)
    return {"m": minutes, "s": rest}


def difference(asrun: AiringAsRun) -> str:
    """The differences the log found, in minutes and seconds (empty when none)."""
    said = []
    if asrun.late_s:
        if asrun.late_s > 0:
            said.append(_("晚开播 %(m)d分%(s)02d秒", **_ms(asrun.late_s)))
        else:
            said.append(_("早开播 %(m)d分%(s)02d秒", **_ms(asrun.late_s)))
    if asrun.short_s:
        said.append(_("少播 %(m)d分%(s)02d秒", **_ms(asrun.short_s)))
    return _("；").join(said)
