"""The schedule's reasons (``schedule.reasons``) in the reader's language: why an airing
is where it is, why an approved episode has no premiere, what the report warns of.

A stored text is read back into its code and particulars and said from them; a text of
no pattern (one a person typed) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from editorial.models import State
from schedule.reasons import Reason, parse
from web import labels

HOLDUP = {
    "missing": _l("尚未申报"),
    "withdrawn": _l("已撤销"),
    "pulled": _l("已撤播"),
    "topic_rejected": _l("选题未通过"),
    "not_approved": _l("尚未通过终审"),
}


def length(seconds: int) -> str:
    """A duration as a reason says it: 20分钟, 14分30秒."""
    minutes, rest = divmod(int(seconds), 60)
    if rest == 0:
        return _("%(m)d分钟", m=minutes)
    return _("%(m)d分%(s)d秒", m=minutes, s=rest)


def _state(value: str) -> str:
    try:
        return str(labels.STATE[State(value)])
    except ValueError:
        return value


Say = Callable[[Mapping[str, Any]], str]

SAY: dict[str, Say] = {
    "priority": lambda p: _(
        "季度宣传报道重点“%(tag)s”（%(start)s至%(end)s）",
        tag=p["tag"],
        start=p["start"],
        end=p["end"],
    ),
    "priority_waiting": lambda p: _(
        "等待季度宣传报道重点“%(tag)s”（%(start)s至%(end)s），暂排于此",
        tag=p["tag"],
        start=p["start"],
        end=p["end"],
    ),
    "priority_full": lambda p: _(
        "季度宣传报道重点“%(tag)s”（%(start)s至%(end)s）期间已排满，尽早播出",
        tag=p["tag"],
        start=p["start"],
        end=p["end"],
    ),
    "earliest_before_air_by": lambda p: _("截止日期 %(day)s 前最早可播", day=p["air_by"]),
    "approval_order": lambda p: _("按终审通过先后排播（%(day)s 通过终审）", day=p["approved"]),
    "series_part": lambda p: _(
        "连续报道《%(title)s》第%(part)d集（共%(parts)d集）",
        title=p["title"],
        part=p["part"],
        parts=p["parts"],
    ),
    "exchange": lambda p: _("交流节目：来自《%(column)s》", column=p["column"]),
    "rerun": lambda p: _("重播 %(at)s 首播", at=p["premiere"]),
    "fill": lambda p: _("补播（空档重播）：%(at)s 首播", at=p["premiere"]),
    "campaign_relay": lambda p: _(
        "集中播放：转播《%(column)s》%(at)s 首播的节目", column=p["column"], at=p["premiere"]
    ),
    "campaign_repeat": lambda p: _("集中播放：再次播出 %(at)s 首播的节目", at=p["premiere"]),
    "premiere_moved": lambda p: _("首播已改期"),
    "pinned_by": lambda p: _("手动固定（%(name)s）", name=p["name"]),
    "pulled_by": lambda p: _("撤下（%(name)s）：%(why)s", name=p["name"], why=p["why"]),
    "dropped": lambda p: _("重新编排后取消"),
    "stopped": lambda p: _("停播：%(why)s", why=p["why"]),
    "episode_pulled": lambda p: _("节目状态为“%(state)s”，已取消", state=_state(p["state"])),
    "slot_changed": lambda p: _("播出时段已更改，已取消"),
    "not_built": lambda p: _("通过终审后尚未编排（等待下次编排）"),
    "no_slot": lambda p: _(
        "%(first)s至%(last)s本栏目没有首播时段", first=p["first"], last=p["last"]
    ),
    "air_by_passed": lambda p: _("截止日期 %(day)s 已过", day=p["air_by"]),
    "no_fitting_slot_before": lambda p: _(
        "截止日期 %(day)s 前没有时长相符的首播时段", day=p["air_by"]
    ),
    "full_before": lambda p: _(
        "截止日期 %(day)s 前时长相符的 %(n)d 期首播已全部排满", day=p["air_by"], n=p["count"]
    ),
    "full": lambda p: _(
        "%(first)s至%(last)s时长相符的 %(n)d 期首播已全部排满",
        first=p["first"],
        last=p["last"],
        n=p["count"],
    ),
    "full_before_pinned": lambda p: _(
        "截止日期 %(day)s 前时长相符的 %(n)d 期首播已全部排满，其中 %(pins)d 期"
        "为手动固定的播出（最早 %(at)s《%(title)s》）",
        day=p["air_by"],
        n=p["count"],
        pins=p["pins"],
        at=p["at"],
        title=p["title"],
    ),
    "full_pinned": lambda p: _(
        "%(first)s至%(last)s时长相符的 %(n)d 期首播已全部排满，其中 %(pins)d 期"
        "为手动固定的播出（最早 %(at)s《%(title)s》）",
        first=p["first"],
        last=p["last"],
        n=p["count"],
        pins=p["pins"],
        at=p["at"],
        title=p["title"],
    ),
    "longer_than_slot": lambda p: _(
        "时长 %(length)s 超过本栏目最长的首播时段（%(longest)s，最多可超 %(over)d 秒）",
        length=length(p["duration"]),
        longest=length(p["longest"]),
        over=p["over"],
    ),
    "shorter_than_slot": lambda p: _(
        "时长 %(length)s 不足本栏目最短首播时段（%(shortest)s）的 %(percent)d%%",
        length=length(p["duration"]),
        shortest=length(p["shortest"]),
        percent=p["percent"],
    ),
    "no_fitting_slot": lambda p: _(
        "时长 %(length)s 与本栏目各首播时段（%(slots)s）都不相符",
        length=length(p["duration"]),
        slots=_("、").join(length(s) for s in p["slots"]),
    ),
    "series_holdup": lambda p: _(
        "连续报道《%(title)s》第%(part)d集%(holdup)s",
        title=p["title"],
        part=p["part"],
        holdup=HOLDUP.get(p["holdup"], HOLDUP["not_approved"]),
    ),
    "series_displaced": lambda p: _(
        "连续报道《%(title)s》须在 %(day)s 前开播；可用的连续期次若给它，"
        "会有更多节目错过截止日期或无法安排",
        title=p["title"],
        day=p["start_by"],
    ),
    "series_too_late": lambda p: _(
        "连续报道《%(title)s》须在 %(day)s 前开播，此前没有连续 %(n)d 期可用的同一首播时段",
        title=p["title"],
        day=p["start_by"],
        n=p["parts"],
    ),
    "series_start_passed": lambda p: _(
        "连续报道《%(title)s》开播截止日期 %(day)s 已过", title=p["title"], day=p["start_by"]
    ),
    "series_does_not_fit": lambda p: _(
        "连续报道《%(title)s》各集须在同一首播时段播出，第%(part)d集时长 %(length)s "
        "与时段（%(slot)s）不符",
        title=p["title"],
        part=p["part"],
        length=length(p["duration"]),
        slot=length(p["slot"]),
    ),
    "series_conflict": lambda p: _(
        "连续报道《%(title)s》已固定的各集所需期次与其他连续报道冲突", title=p["title"]
    ),
    "series_off_slot": lambda p: _("已固定或已播出的各集不在本栏目首播时段的期次上，无法接续"),
    "series_not_consecutive": lambda p: _(
        "已固定或已播出的各集不在同一首播时段的连续期次上，无法接续"
    ),
    "series_beyond_window": lambda p: _(
        "第%(part)d集应接续播出，但相应期次不在本次编排范围（至 %(day)s）",
        part=p["part"],
        day=p["last"],
    ),
    "series_next_taken": lambda p: _(
        "第%(part)d集应在 %(at)s 接续播出，但该期次已占用或不可编排", part=p["part"], at=p["at"]
    ),
    "series_next_pinned": lambda p: _(
        "第%(part)d集应在 %(at)s 接续播出，但该期次已手动固定给《%(title)s》",
        part=p["part"],
        at=p["at"],
        title=p["title"],
    ),
    "series_next_unusable": lambda p: _(
        "第%(part)d集应在 %(at)s 接续播出，但时长不符或已被手动撤下", part=p["part"], at=p["at"]
    ),
    "air_by_near": lambda p: _("截止日期 %(day)s 临近，尚未安排播出", day=p["air_by"]),
    "premiere_after_air_by": lambda p: _(
        "安排在 %(day)s 首播，晚于截止日期 %(air_by)s", day=p["day"], air_by=p["air_by"]
    ),
    "not_approved": lambda p: _("节目状态为“%(state)s”，请撤下", state=_state(p["state"])),
}


def said(why: Reason | str | None) -> str:
    """A reason, or a stored reason's text, in the reader's language."""
    found = why if isinstance(why, Reason) else parse(why)
    if found is None or found.code not in SAY:
        return str(why or "")
    return SAY[found.code](found.params)
