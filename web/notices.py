"""Notifications as a reader sees them: each kind's name, and the message made from its
kind and parameters in the reader's language (``editorial.handoffs``,
``editorial.reminders`` and ``liaison.reminders`` store the Chinese one for mails and
robots, and the parameters for the pages). A notification stored before it had
parameters keeps its stored message."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from editorial.models import Notification, Stage
from web import labels

# Every kind (editorial.notifications.KINDS), as the list and the account page name it.
KIND: dict[str, LazyString] = {
    "topic_proposed": _l("选题申报"),
    "topic_approved": _l("选题通过"),
    "topic_rejected": _l("选题未通过"),
    "submitted": _l("已送审"),
    "stage_signed": _l("审看通过"),
    "approved": _l("可播"),
    "returned": _l("退回修改"),
    "handed_over": _l("节目移交"),
    "pulled": _l("已撤播"),
    "review_due": _l("审片提醒"),
    "liaison_meeting": _l("通联会议提醒"),
    "liaison_behind": _l("报道进度提醒"),
    "airing_cancelled": _l("播出取消"),
    "asrun_problems": _l("播后核对"),
}


def kind_label(kind: str) -> str:
    return str(KIND.get(kind, _("其他通知")))


def _stage(value: object) -> str:
    try:
        return str(labels.STAGE[Stage(str(value))])
    except ValueError:
        return ""


def text(n: Notification) -> str:
    """The notification's message in the reader's language (a notification stored
    without its particulars keeps its message)."""
    params = n.params or {}
    reminder = REMINDER.get(n.kind)
    if reminder is not None and params:
        try:
            return reminder(params)
        except (KeyError, TypeError, ValueError):
            return n.message
    if "title" not in params:
        return n.message
    values = {
        "title": str(params.get("title", "")),
        "actor": str(params.get("actor", "")),
        "stage": _stage(params.get("stage")),
        "next": _stage(params.get("next_stage")),
    }
    match n.kind:
        case "topic_proposed":
            return _("%(actor)s 申报了选题《%(title)s》，请您审核。", **values)
        case "topic_approved":
            return _("%(actor)s 通过了选题《%(title)s》，可以开始制作。", **values)
        case "topic_rejected":
            return _("%(actor)s 未通过选题《%(title)s》。", **values)
        case "submitted":
            return _("%(actor)s 已将《%(title)s》送审，请您%(next)s。", **values)
        case "stage_signed":
            return _("%(actor)s 已%(stage)s通过《%(title)s》，请您%(next)s。", **values)
        case "approved":
            return _("《%(title)s》已终审通过（%(actor)s），请您编排播出。", **values)
        case "returned":
            return _("%(actor)s 在%(stage)s退回了《%(title)s》。", **values)
        case "handed_over":
            return _("%(actor)s 将《%(title)s》移交给您负责。", **values)
        case "pulled":
            return _("%(actor)s 撤播了《%(title)s》。", **values)
    return n.message


def _review_due(p: Mapping[str, Any]) -> str:
    values = {"title": str(p["title"]), "stage": _stage(p["stage"]), "due": str(p["due"])}
    if p.get("overdue"):
        return _("《%(title)s》%(stage)s已逾期（应于 %(due)s 完成）", **values)
    return _("《%(title)s》%(stage)s将于 %(due)s（今天）到期", **values)


def _liaison_meeting(p: Mapping[str, Any]) -> str:
    return _(
        "%(quarter)s通联会议将于 %(day)s（%(weekday)s）%(time)s 在%(place)s召开，请安排参会",
        quarter=labels.quarter_label(int(p["year"]), int(p["quarter"])),
        day=str(p["starts_at"])[:10],
        weekday=str(labels.WEEKDAYS[int(p["weekday"])]),
        time=str(p["starts_at"])[11:],
        place=str(p["place"]),
    )


def _liaison_behind(p: Mapping[str, Any]) -> str:
    aired, scheduled = int(p["aired"]), int(p["scheduled"])
    return _(
        "《%(column)s》宣传报道重点“%(theme)s”落后于目标：报道时段内已播出 %(aired)d 期、"
        "已编排 %(scheduled)d 期，共 %(total)d 期，目标 %(target)d 期；报道时段 %(end)s 结束，"
        "请抓紧安排",
        column=str(p["column"]),
        theme=str(p["theme"]),
        aired=aired,
        scheduled=scheduled,
        total=aired + scheduled,
        target=int(p["target"]),
        end=str(p["window_end"]),
    )


def _airing_cancelled(p: Mapping[str, Any]) -> str:
    values = {"title": str(p["title"]), "at": str(p["at"]), "slot": str(p["slot"])}
    if p["cause"] == "stopped":
        return _(
            "《%(title)s》%(at)s（%(slot)s）的播出已取消：停播（%(why)s）。"
            "请查看编排报告，考虑替换节目。",
            why=str(p["why"]),
            **values,
        )
    if p["cause"] == "slot_changed":
        return _(
            "《%(title)s》%(at)s（%(slot)s）的播出已取消：播出时段已更改。"
            "请查看编排报告，考虑替换节目。",
            **values,
        )
    return _(
        "《%(title)s》%(at)s（%(slot)s）的播出已取消：节目已撤播。请查看编排报告，考虑替换节目。",
        **values,
    )


def _asrun_item(item: Mapping[str, Any]) -> str:
    values = {"title": str(item["title"]), "at": str(item["at"])}
    if item["outcome"] == "missing":
        return _("《%(title)s》%(at)s 漏播", **values)
    if item["outcome"] == "short":
        return _("《%(title)s》%(at)s 时长不足（短 %(s)d 秒）", s=int(item["short_s"]), **values)
    late = int(item["late_s"])
    if late < 0:
        return _("《%(title)s》%(at)s 提前播出 %(s)d 秒", s=-late, **values)
    return _("《%(title)s》%(at)s 迟播 %(s)d 秒", s=late, **values)


def _asrun_problems(p: Mapping[str, Any]) -> str:
    head = _(
        "%(channel)s播后记录（%(first)s 至 %(last)s）核对：漏播 %(missing)d 次、"
        "时长不足 %(short)d 次、迟播 %(late)d 次。",
        channel=str(p["channel"]),
        first=str(p["first_day"]),
        last=str(p["last_day"]),
        missing=int(p["missing"]),
        short=int(p["short"]),
        late=int(p["late"]),
    )
    items = _("；").join(_asrun_item(item) for item in p["airings"])
    more = _("；另有 %(n)d 次", n=int(p["more"])) if p["more"] else ""
    return f"{head}{items}{more}" + _("。请核实并安排补播。")


# The service's reminders and the builder's cancellations, said from their parameters.
REMINDER: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "asrun_problems": _asrun_problems,
    "airing_cancelled": _airing_cancelled,
    "review_due": _review_due,
    "liaison_meeting": _liaison_meeting,
    "liaison_behind": _liaison_behind,
}
