"""The episode pages' forms (Flask-WTF: each carries its CSRF token), messages in Chinese.

Forms check what a form can know (types, lengths, dates that exist); the
workflow's services check the rules and answer ``InvalidInput`` for the rest.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from editorial.workflow import MAX_DURATION_S, MAX_QC_OVERRIDE, Checklist

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_REASON = 2000
MAX_NOTE = 2000
MAX_MINUTES = MAX_DURATION_S // 60
DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
TAG_SEPARATORS = re.compile(r"[,，、;；\n]")


class DayField(DateField):
    """A calendar day (YYYY-MM-DD); a day that does not exist, like 2026-02-30, is named."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not raw:
            return
        if not DAY.match(raw):
            raise ValueError(str(_l("请按“年-月-日”填写日期，例如 2026-07-01")))
        year, month, day = (int(part) for part in raw.split("-"))
        try:
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(str(_l("%(day)s 这一天不存在，请检查日期", day=raw))) from None


class WholeNumberField(IntegerField):
    """An integer whose parse error is in Chinese."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not raw:
            return
        try:
            self.data = int(raw)
        except ValueError:
            raise ValueError(str(_l("请填写整数"))) from None


def _choice(value: object) -> int:
    """A chosen id; anything that is not one is 0 (nothing chosen), never an error in
    English."""
    try:
        return int(str(value))
    except ValueError:
        return 0


def split_tags(text: str | None) -> tuple[str, ...]:
    """Priority tags typed as one line, separated by commas, 、 or semicolons."""
    return tuple(t.strip() for t in TAG_SEPARATORS.split(text or "") if t.strip())


class EpisodeFields(FlaskForm):
    """What describes an episode: shared by proposing and editing."""

    title = StringField(
        _l("标题"),
        validators=[
            InputRequired(_l("请填写标题")),
            Length(max=MAX_TITLE, message=_l("标题最多 200 个字符")),
        ],
    )
    topic = TextAreaField(
        _l("选题"), validators=[Length(max=MAX_TEXT, message=_l("选题最多 5000 个字符"))]
    )
    synopsis = TextAreaField(
        _l("内容简介"), validators=[Length(max=MAX_TEXT, message=_l("内容简介最多 5000 个字符"))]
    )
    genre = StringField(_l("体裁"), validators=[Length(max=40, message=_l("体裁最多 40 个字符"))])
    target_minutes = WholeNumberField(
        _l("目标时长（分钟）"),
        validators=[
            InputRequired(_l("请填写目标时长（分钟）")),
            NumberRange(1, MAX_MINUTES, message=_l("目标时长须为 1 至 240 分钟")),
        ],
    )
    air_by = DayField(_l("最迟播出日期"), validators=[Optional()])
    # The quarter's priorities, ticked (the view offers them); a value no longer offered is
    # still a tag, which the view then asks about like any unknown one.
    quarter_tags = SelectMultipleField(_l("本季度宣传报道重点"), choices=[], validate_choice=False)
    priority_tags = StringField(
        _l("宣传报道重点（用逗号或顿号分隔）"),
        validators=[Length(max=500, message=_l("宣传报道重点合计最多 500 个字符"))],
    )

    def tags(self) -> tuple[str, ...]:
        """The ticked tags, then the typed ones, each once."""
        ticked = (t.strip() for t in self.quarter_tags.data or [] if t.strip())
        return tuple(dict.fromkeys([*ticked, *split_tags(self.priority_tags.data)]))

    def duration_s(self) -> int:
        return int(self.target_minutes.data or 0) * 60


class ProposeForm(EpisodeFields):
    """Propose a topic (选题申报): the choices are set by the view."""

    column = SelectField(_l("栏目"), coerce=int, validators=[InputRequired(_l("请选择栏目"))])
    responsible_producer = SelectField(
        _l("负责制片人"), coerce=int, validators=[InputRequired(_l("请选择负责制片人"))]
    )
    # A part of a series (连续报道) of the chosen column: 0 is none; the workflow checks
    # the series is the column's and the part free, so any id is let through to it.
    series = SelectField(_l("连续报道"), coerce=_choice, default=0, validate_choice=False)
    part_number = WholeNumberField(
        _l("第几集"),
        validators=[Optional(), NumberRange(1, 100, message=_l("集数须为 1 至 100"))],
    )


class SeriesFields(FlaskForm):
    """What describes a series (连续报道): shared by creating and editing."""

    title = StringField(
        _l("系列标题"),
        validators=[
            InputRequired(_l("请填写系列的标题。")),
            Length(max=MAX_TITLE, message=_l("系列标题最多 200 个字符")),
        ],
    )
    parts = WholeNumberField(
        _l("集数"),
        validators=[
            InputRequired(_l("请填写集数")),
            NumberRange(2, 100, message=_l("集数须为 2 至 100")),
        ],
    )
    start_by = DayField(_l("最迟开播日期"), validators=[InputRequired(_l("请填写最迟开播日期"))])
    relay = BooleanField(_l("县级栏目转播"))


class SeriesForm(SeriesFields):
    """Plan a series: the view offers the columns the person plans for."""

    column = SelectField(_l("栏目"), coerce=_choice, validate_choice=False)


class SeriesEditForm(SeriesFields):
    """Edit a series; ``version`` is the one the editor saw."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class EditForm(EpisodeFields):
    """Edit an episode's description; ``version`` is the one the editor saw."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class ActForm(FlaskForm):
    """One act on an episode: the version seen, and what the act needs besides."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
    reason = TextAreaField(
        _l("理由"), validators=[Length(max=MAX_REASON, message=_l("理由最多 2000 个字符"))]
    )
    political_accuracy = BooleanField(_l("导向正确"))
    facts = BooleanField(_l("事实准确"))
    watchability = BooleanField(_l("可视性"))
    timeliness = BooleanField(_l("时效性"))
    technical_quality = BooleanField(_l("技术质量"))
    # Shown with a sign-off only when the current master failed QC (技术质检未通过).
    qc_override = TextAreaField(
        _l("质检未通过的签审理由"),
        validators=[
            Length(
                max=MAX_QC_OVERRIDE,
                message=_l("质检未通过的签审理由最多 %(max)s 个字符", max=MAX_QC_OVERRIDE),
            )
        ],
    )
    to = WholeNumberField(_l("接手制片人"), validators=[Optional()])
    offered = StringField(widget=HiddenInput())
    priority_tags = StringField(
        _l("宣传报道重点"), validators=[Length(max=600, message=_l("宣传报道重点最多 600 个字符"))]
    )

    def tags(self) -> tuple[str, ...]:
        return split_tags(self.priority_tags.data)

    def checklist(self) -> Checklist:
        return Checklist(
            political_accuracy=bool(self.political_accuracy.data),
            facts=bool(self.facts.data),
            watchability=bool(self.watchability.data),
            timeliness=bool(self.timeliness.data),
            technical_quality=bool(self.technical_quality.data),
        )


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("评论"),
        validators=[
            InputRequired(_l("评论不能为空")),
            Length(max=MAX_TEXT, message=_l("评论最多 5000 个字符")),
        ],
    )


class NoteForm(FlaskForm):
    """A review note at the frame the player stopped on (审看意见)."""

    timecode = StringField(
        _l("时间码"),
        validators=[
            InputRequired(_l("请填写时间码")),
            Regexp(r"^\s*\d{2}:\d{2}:\d{2}[:;]\d{2}\s*$", message=_l("时间码格式为 时:分:秒:帧")),
        ],
    )
    body = TextAreaField(
        _l("意见"),
        validators=[
            InputRequired(_l("意见不能为空")),
            Length(max=MAX_NOTE, message=_l("意见最多 2000 个字符")),
        ],
    )
    media_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class VersionForm(FlaskForm):
    """A button that acts on the episode version the viewer saw."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class MediaUploadForm(FlaskForm):
    """A new master (上传成片), with the episode version the uploader saw."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
    file = FileField(_l("成片文件"), validators=[FileRequired(_l("请选择要上传的成片文件"))])


class PackageForm(FlaskForm):
    """Ask for the broadcast master with the column's opening and closing (栏目包装)."""

    media_version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
