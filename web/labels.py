"""Chinese labels for domain values, through Flask-Babel (the Chinese text is the message id)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from editorial.models import Level, Role, Stage, State
from editorial.turns import Step, Turn
from editorial.workdays import SHANGHAI
from editorial.workflow import Act
from media.models import JobKind, JobState
from schedule.models import SlotKind

STATE = {
    State.PROPOSED: _l("选题申报"),
    State.TOPIC_APPROVED: _l("选题通过"),
    State.TOPIC_REJECTED: _l("选题未通过"),
    State.IN_PRODUCTION: _l("制作中"),
    State.FIRST_REVIEW: _l("待初审"),
    State.SECOND_REVIEW: _l("待复审"),
    State.FINAL_REVIEW: _l("待终审"),
    State.RETURNED: _l("退回修改"),
    State.APPROVED: _l("可播"),
    State.WITHDRAWN: _l("已撤销"),
    State.PULLED: _l("已撤播"),
}

# The board's lanes, in the order an episode walks them; the closed states come last.
LANES = (
    State.PROPOSED,
    State.TOPIC_APPROVED,
    State.IN_PRODUCTION,
    State.FIRST_REVIEW,
    State.SECOND_REVIEW,
    State.FINAL_REVIEW,
    State.RETURNED,
    State.APPROVED,
)
CLOSED_LANES = (State.TOPIC_REJECTED, State.WITHDRAWN, State.PULLED)

ROLE = {
    Role.EDITOR_DIRECTOR: _l("编导"),
    Role.PRODUCER: _l("制片人"),
    Role.REVIEWER: _l("审片人"),
    Role.FINAL_APPROVER: _l("终审"),
    Role.LIAISON: _l("通联员"),
    Role.SCHEDULER: _l("编排"),
    Role.ADMIN: _l("管理员"),
}

# The days of the week, Monday first (datetime.weekday()).
WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))

LEVEL = {Level.CITY: _l("市级"), Level.COUNTY: _l("县级")}


# A slot's kind and an airing's: premiere (首播) or rerun (重播).
SLOT_KIND = {SlotKind.PREMIERE: _l("首播"), SlotKind.RERUN: _l("重播")}

STAGE = {Stage.FIRST: _l("初审"), Stage.SECOND: _l("复审"), Stage.FINAL: _l("终审")}

# The quarters of a year (the liaison office plans by quarter, 季度).
QUARTER = {1: _l("第一季度"), 2: _l("第二季度"), 3: _l("第三季度"), 4: _l("第四季度")}


def quarter_label(year: int, number: int) -> str:
    """「2026年第四季度」, "2026 Q4"."""
    return str(_l("%(year)d年%(quarter)s", year=year, quarter=QUARTER[number]))


# What the history says was done; also the label of each act's button.
ACT = {
    "propose": _l("申报选题"),
    "comment": _l("评论"),
    "seal": _l("历史封存"),
    "approve_topic": _l("选题通过"),
    "reject_topic": _l("选题不通过"),
    "start_production": _l("开始制作"),
    "submit": _l("送审"),
    "first_review": _l("初审通过"),
    "second_review": _l("复审通过"),
    "final_review": _l("终审通过"),
    "return_for_changes": _l("退回修改"),
    "withdraw": _l("撤销"),
    "pull_from_air": _l("撤播"),
    "hand_over": _l("移交负责制片人"),
    "offer_exchange": _l("节目交流"),
    "edit": _l("修改节目信息"),
    "new_media": _l("上传新的媒体版本"),
    "set_priority_tags": _l("设置宣传报道重点"),
    "review_note": _l("审看意见"),
    "resolve_note": _l("意见已处理"),
    "renumber_part": _l("调整连续报道的集号"),
}

# The review checklist (政治性与可视性的统一), in workflow.Checklist's field order.
CHECKLIST = {
    "political_accuracy": _l("导向正确"),
    "facts": _l("事实准确"),
    "watchability": _l("可视性"),
    "timeliness": _l("时效性"),
    "technical_quality": _l("技术质量"),
}

# Form and domain field names, for messages that name a field.
FIELD = {
    "title": _l("标题"),
    "topic": _l("选题"),
    "synopsis": _l("内容简介"),
    "genre": _l("体裁"),
    "target_duration_s": _l("目标时长"),
    "target_minutes": _l("目标时长"),
    "responsible_producer": _l("负责制片人"),
    "column": _l("栏目"),
    "air_by": _l("最迟播出日期"),
    "priority_tags": _l("宣传报道重点"),
    "series": _l("系列"),
    "part_number": _l("集数"),
    "reason": _l("理由"),
    "checklist": _l("审看清单"),
    "to": _l("接手制片人"),
    "offered": _l("节目交流"),
    "body": _l("评论"),
    "qc_override": _l("质检未通过的签审理由"),
}


# Media: the work done on a master, its steps and states, and the QC rules by their code
# (the QC report stores each rule's Chinese label too: that one shows for a code not here).
JOB_KIND = {JobKind.REVIEW: _l("审看材料"), JobKind.PACKAGE: _l("栏目包装")}
JOB_STATE = {
    JobState.QUEUED: _l("排队中"),
    JobState.RUNNING: _l("处理中"),
    JobState.DONE: _l("已完成"),
    JobState.FAILED: _l("失败"),
}
JOB_STEP = {
    "contact_sheet": _l("联系表"),
    "proxy": _l("审看样片"),
    "poster": _l("封面画面"),
    "packaged": _l("栏目包装"),
}
QC_RULE = {
    "duration": _l("时长"),
    "resolution": _l("分辨率"),
    "frame_rate": _l("帧率"),
    "audio": _l("音频"),
    "loudness": _l("平均响度"),
    "true_peak": _l("真峰值电平"),
}


# Whose turn it is, by the step and the people who may take it (「等待 张伟 送审」).
WAITING_FOR = {
    Step.APPROVE_TOPIC: lambda names: _l("等待 %(names)s 审核选题", names=names),
    Step.START_PRODUCTION: lambda names: _l("等待 %(names)s 开始制作", names=names),
    Step.UPLOAD: lambda names: _l("等待 %(names)s 上传成片", names=names),
    Step.SUBMIT: lambda names: _l("等待 %(names)s 送审", names=names),
    Step.RESUBMIT: lambda names: _l("等待 %(names)s 修改后重新送审", names=names),
}
WAITING_TO_SIGN = {
    Stage.FIRST: lambda names: _l("待 %(names)s 初审", names=names),
    Stage.SECOND: lambda names: _l("待 %(names)s 复审", names=names),
    Stage.FINAL: lambda names: _l("待 %(names)s 终审", names=names),
}


def names_or(names: list[str]) -> str:
    """「甲、乙 或 丙」: anyone of them."""
    if len(names) <= 1:
        return "".join(names)
    return str(_l("%(some)s 或 %(last)s", some=str(_l("、")).join(names[:-1]), last=names[-1]))


def turn_line(turn: Turn) -> str:
    """The next step and who may take it, as a line of the page (empty once ended)."""
    if turn.step is Step.NONE:
        return ""
    if turn.step is Step.SCHEDULE:
        return str(_l("已可播，待编排"))
    if turn.step is Step.AIR and turn.premiere_at is not None:
        at = turn.premiere_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        return str(_l("已编排，首播 %(at)s", at=at))
    if not turn.people:
        return str(_l("目前没有人可以办理下一步，请联系栏目管理员"))
    names = names_or(turn.names)
    if turn.stage is not None:
        return str(WAITING_TO_SIGN[turn.stage](names))
    return str(WAITING_FOR[turn.step](names))


def act_label(act: Act | str) -> str:
    return str(ACT.get(str(act), str(act)))


# The slot time zones offered (schedule.slots.TIMEZONES), by their IANA names.
TIMEZONE = {
    "Asia/Shanghai": _l("北京时间"),
    "Asia/Urumqi": _l("乌鲁木齐时间"),
    "Asia/Hong_Kong": _l("香港时间"),
    "Asia/Macau": _l("澳门时间"),
    "Asia/Taipei": _l("台北时间"),
    "Asia/Tokyo": _l("东京时间"),
    "Asia/Seoul": _l("首尔时间"),
    "Asia/Singapore": _l("新加坡时间"),
    "Europe/London": _l("伦敦时间"),
    "Europe/Paris": _l("巴黎时间"),
    "America/New_York": _l("纽约时间"),
    "UTC": _l("协调世界时"),
}


def timezone(name: str) -> str:
    """A slot's time zone as the reader says it; a zone not offered, by its IANA name."""
    return str(TIMEZONE[name]) if name in TIMEZONE else name
