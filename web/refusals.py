"""Domain refusals in the reader's language, by code.

Domain code raises ``DomainError(message, code=..., **params)``: ``message`` is
English for the CLI and the API, ``code`` names the refusal. Each code's sentence
lives here, written in Chinese (the message id) with ``%(name)s`` placeholders
for the refusal's params; ``say`` renders it, turning domain values (stages,
states, roles, acts, quarters, days) into labels first. A field of an
``InvalidInput`` is said by its own code (``InvalidInput.code_of``).

A ``NotFound`` has no sentence here: its page says one, whatever was missing.
``MediaError`` codes (``media.errors.CODES``) share the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from editorial.errors import DomainError, InvalidInput
from editorial.models import Level, Role, Stage, State
from editorial.workdays import SHANGHAI
from editorial.workflow import Act
from liaison.models import Quarter
from schedule.models import SlotKind
from web import labels

# code -> sentence; every code raised by domain code has an entry (tests/web/test_refusals.py).
REFUSAL: dict[str, LazyString] = {
    # --- the workflow of an episode
    "stale_version": _l(
        "其他人已先修改了这期节目（您看到第 %(seen)s 版，现为第 %(current)s 版），请刷新后再试。"
    ),
    "changed_meanwhile": _l("其他人在您操作的同时修改了这期节目，您的操作没有保存，请刷新后再试。"),
    "reason_required": _l("请填写理由：“%(act)s”须说明理由。"),
    "checklist_incomplete": _l(
        "签审须逐项确认审看清单的全部五项，未确认：%(items)s。如有不符合的项目，请退回修改。"
    ),
    "title_required": _l("请填写标题"),
    "title_too_long": _l("标题最多 200 个字符"),
    "genre_too_long": _l("体裁最多 40 个字符"),
    "duration_out_of_range": _l("目标时长须为 1 至 %(minutes)s 分钟。"),
    "air_by_past": _l("最迟播出日期 %(day)s 已经过去"),
    "producer_is_proposer": _l("不能指定自己为负责制片人：选题须由另一位制片人审批"),
    "not_column_producer": _l("%(person)s 不是《%(column)s》在职的制片人。"),
    "series_part_incomplete": _l("系列节目须同时选择系列和集数。"),
    "series_other_column": _l("所选的系列属于其他栏目。"),
    "series_part_out_of_range": _l(
        "系列《%(series)s》共 %(parts)s 集，请填写 1 至 %(parts)s 之间的集数。"
    ),
    "series_part_taken": _l("系列《%(series)s》的第 %(part)s 集已经申报过了。"),
    "priority_tag_length": _l("每个宣传报道重点为 1 至 60 个字符"),
    "invalid_proposal": _l("选题申报有误，请按提示修改后重新提交。"),
    "invalid_edit": _l("修改的内容有误，请按提示修改后重新提交。"),
    "nothing_to_change": _l("没有修改任何内容"),
    "already_responsible": _l("%(person)s 已是本期节目的负责制片人。"),
    "director_not_producer": _l("%(person)s 是本期节目的编导，不能担任负责制片人（四眼原则）。"),
    "already_offered": _l("节目已提供交流"),
    "not_offered": _l("节目尚未提供交流"),
    "media_version_not_newer": _l(
        "媒体版本 %(number)s 不比当前的版本 %(current)s 新，请上传新的版本。"
    ),
    "no_role_in_column": _l("您在《%(column)s》没有担任任何角色，不能评论这期节目。"),
    "comment_empty": _l("评论不能为空"),
    # --- who may act
    "deactivated": _l("您的账号已停用，不能再执行此操作。"),
    "missing_role": _l("您不是《%(column)s》的%(role)s，不能执行此操作。"),
    "not_responsible_producer": _l("只有本期节目的负责制片人（%(producer)s）可以执行此操作。"),
    "director_signs_no_review": _l("您是本期节目的编导，不能签署它的任何一级审查（四眼原则）。"),
    "four_eyes": _l(
        "您已签过本期节目的“%(acted)s”，不能再签“%(stage)s”（四眼原则：同一人不签同一期节目的两级审查）。"
    ),
    "proposed_already": _l("这期节目的选题已经申报过，不能再次申报。"),
    "not_in_this_state": _l("节目当前的状态是“%(state)s”，此时不能“%(act)s”。"),
    "own_topic": _l("这个选题是您申报的，不能由您审批（四眼原则）。"),
    "awaits_stage": _l("节目正在等待“%(stage)s”，现在只能签这一级审查。"),
    "unknown_act": _l("系统不认识这个操作。"),
    # --- people, columns, accounts
    "slug_invalid": _l("代号须为 2–40 个小写字母、数字或“-”，以字母开头。"),
    "slug_taken": _l("这个代号已被使用。"),
    "name_required": _l("请填写名称。"),
    "username_invalid": _l("用户名须为 2–60 个小写字母、数字或“.”“_”“-”，以字母开头。"),
    "username_taken": _l("这个用户名已被使用。"),
    "display_name_required": _l("请填写姓名。"),
    "producer_holds_episodes": _l(
        "%(person)s 仍负责 %(episodes)s 期未完成的节目：请先移交这些节目，再撤销其制片人角色。"
    ),
    "not_column_admin": _l("您不是《%(column)s》的管理员。"),
    "review_days_out_of_range": _l("每一级审查的期限须为 1 至 %(most)s 个工作日。"),
    "token_label_required": _l("请为令牌写一个说明其用途的名称。"),
    "series_title_required": _l("请填写系列的标题。"),
    "series_parts_too_few": _l("一个系列至少有两集。"),
    # --- series (连续报道)
    "not_series_planner": _l("您不是《%(column)s》的制片人或管理员，不能安排它的连续报道。"),
    "plans_no_series": _l(
        "只有栏目的制片人或管理员可以新建连续报道；您目前不是任何栏目的制片人或管理员。"
    ),
    "invalid_series": _l("连续报道的设置有误，请按提示修改。"),
    "series_title_too_long": _l("系列标题最多 %(most)s 个字符。"),
    "series_parts_too_many": _l("一个系列最多 %(most)s 集。"),
    "series_parts_below_proposed": _l("第 %(highest)s 集已经申报，集数不能少于 %(highest)s。"),
    "series_start_by_past": _l("最迟开播日期 %(day)s 已经过去。"),
    "series_changed": _l(
        "其他人已先修改了这个连续报道（您看到第 %(seen)s 版，现为第 %(current)s 版），"
        "请刷新后再试。"
    ),
    "series_changed_meanwhile": _l(
        "其他人在您操作的同时修改了这个连续报道，您的操作没有保存，请刷新后再试。"
    ),
    "series_part_aired": _l("《%(series)s》第 %(part)s 集已经播出，各集顺序不能再调整。"),
    "invalid_order": _l("各集的新顺序有误，请按提示修改。"),
    "series_order_incomplete": _l("请为这个系列已申报的每一集各填写一次新的集号。"),
    "series_order_repeated": _l("第 %(part)s 集填写了不止一次：每个集号只能用一次。"),
    "password_too_short": _l("密码至少 %(least)s 个字符"),
    "password_too_long": _l("密码最多 %(most)s 个字符"),
    "password_edge_spaces": _l("密码首尾不能是空格"),
    "sign_in_refused": _l("用户名或密码不正确"),
    "sign_in_throttled": _l("尝试次数过多，请 %(seconds)d 秒后再试"),
    "holiday_line_shape": _l("第 %(line)s 行的格式应为“年-月-日,holiday 或 workday,名称”。"),
    "holiday_line_day": _l("第 %(line)s 行的“%(value)s”不是日期（年-月-日）。"),
    "holiday_line_kind": _l("第 %(line)s 行的类别须为 holiday（放假）或 workday（调休上班）。"),
    "holiday_line_name": _l("第 %(line)s 行缺少这一天的名称（例如 春节）。"),
    "holiday_file_empty": _l("节假日文件里没有任何日期。"),
    "holidays_admin_only": _l("只有管理员可以录入节假日安排。"),
    "holiday_source_required": _l("请写明这些日期的来源（例如 国务院办公厅的通知）。"),
    # --- group robots and notifications
    "not_a_robot": _l("这种方式不是群机器人。"),
    "robot_refused": _l("机器人的设置有误，请按提示修改。"),
    "robot_url_required": _l("请填写机器人的 Webhook 地址。"),
    "robot_url_too_long": _l("地址太长。"),
    "robot_url_invalid": _l("这不是有效的网址。"),
    "robot_url_not_https": _l("地址须以 https:// 开头。"),
    "robot_url_not_wecom": _l(
        "企业微信机器人的地址应为 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
    ),
    "robot_url_not_dingtalk": _l(
        "钉钉机器人的地址应为 https://oapi.dingtalk.com/robot/send?access_token=…"
    ),
    "robot_secret_invalid": _l("钉钉的加签密钥以 SEC 开头，后接字母和数字。"),
    "robot_secret_not_used": _l("企业微信机器人没有加签密钥。"),
    "delivery_not_failed": _l("这条通知没有投递失败，无需重新投递。"),
    "no_such_choice": _l("没有这个通知选项。"),
    # --- review notes
    "frame_rate_unknown": _l("成片的帧率无法识别，无法换算时间码。"),
    "timecode_format": _l("时间码格式为 时:分:秒:帧"),
    "timecode_frame_out_of_range": _l(
        "时间码的帧数超出了范围：每秒 %(rate)s 帧，帧数须为 00 至 %(last_frame)s。"
    ),
    "notes_need_review": _l("节目不在审查中：审看意见须在审查时提出。"),
    "note_on_old_version": _l("审看的媒体版本已更新，请刷新页面后再提意见"),
    "timecode_past_end": _l("时间码超出了成片的长度（最后一帧是 %(last)s）。"),
    "note_empty": _l("意见不能为空"),
    "note_too_long": _l("意见最多 %(most)s 个字符"),
    # --- slots and their rules
    "not_column_scheduler": _l("您不是《%(column)s》的编排或管理员。"),
    "invalid_slot": _l("时段的设置有误，请按提示修改。"),
    "slot_name_required": _l("请填写时段名称（例如 周五首播）。"),
    "slot_duration": _l("时长须为 1 分钟到 24 小时。"),
    "last_date_before_first": _l("结束日期不能早于开始日期。"),
    "rerun_of_required": _l("重播时段须选择它重播的首播时段。"),
    "rerun_of_premiere": _l("重播时段只能重播本栏目的首播时段。"),
    "rerun_of_not_rerun": _l("只有重播时段才重播另一个时段。"),
    "rerun_back_too_small": _l("回溯期数至少为 1。"),
    "campaign_last_date": _l("集中播放须填写结束日期。"),
    "campaign_ends_before_start": _l("集中播放的结束日期 %(last)s 早于开始日期 %(first)s。"),
    "campaign_range_past": _l("%(first)s至%(last)s已经过去，没有可以播出的日子。"),
    "campaign_range_too_long": _l(
        "集中播放 %(first)s至%(last)s 超过一年；常年播出请开办固定栏目。"
    ),
    "campaign_too_far": _l("集中播放的开始日期 %(first)s 在五年以后，请检查日期。"),
    "campaign_no_airtimes": _l("集中播放至少需要一个播出时间。"),
    "campaign_airtime_length": _l("%(at)s 的播出时长须为 1 分钟到 24 小时。"),
    "campaign_date": _l("请填写日期（例如 2027-03-16）。"),
    "campaign_airtime": _l("播出时间 %(at)s 须写成时间和分钟数（例如 19:00 和 30）。"),
    "plans_no_campaign": _l("您不是这个栏目的编排，不能安排它的集中播放。"),
    "campaign_airtimes_overlap": _l("%(first)s 和 %(second)s 两个播出时间在同一频道上重叠。"),
    "stop_reasons_required": _l("每个停播日期都须写明原因。"),
    "slot_overlaps": _l(
        "与同一频道的另一时段时间重叠：“%(other)s”在 %(at)s 也播出，请换一个时间或频道。"
    ),
    "stop_reason_required": _l("请写明停播原因。"),
    "stop_day_taken": _l("%(day)s 已经是停播日期。"),
    "stop_day_not_aired": _l("“%(slot)s”在 %(day)s 不播出，不能设为停播日期。"),
    "stop_days_not_aired": _l("本时段在 %(days)s 不播出，不能设为停播日期。"),
    "stop_removal_reason_required": _l("请写明撤销停播的原因。"),
    "no_stop_date": _l("“%(slot)s”在 %(day)s 没有停播日期。"),
    "stop_date_removed_already": _l("%(day)s 的停播日期已由%(person)s于 %(at)s 撤销。"),
    "rerun_fill_on_already": _l("《%(column)s》的补播已经开启。"),
    "rerun_fill_off_already": _l("《%(column)s》的补播已经关闭。"),
    "keep_empty_not_premiere": _l("“%(slot)s”是重播时段，只有首播时段的空档会补播。"),
    "keep_empty_day_not_aired": _l("“%(slot)s”在 %(day)s 不播出，不能标为留空。"),
    "keep_empty_marked_already": _l("“%(slot)s”在 %(day)s 已由%(person)s标为留空。"),
    "keep_empty_not_marked": _l("“%(slot)s”在 %(day)s 没有留空标记。"),
    "unknown_time_zone": _l("未知的时区。"),
    "rrule_no_freq": _l("规则缺少 FREQ（例如 FREQ=WEEKLY;BYDAY=FR）。"),
    "rrule_part_of_slot": _l("规则里不能写 %(part)s：它由时段自己的字段决定。"),
    "rrule_sub_daily": _l("一个时段每天最多播出一次。"),
    "rrule_until_time": _l("UNTIL 请写成日期（YYYYMMDD），或填写结束日期。"),
    "rrule_invalid": _l("这不是有效的 RFC 5545 重复规则。"),
    "rrule_set": _l("只能填写一条 RRULE。"),
    "rrule_interval": _l("INTERVAL 至少为 1。"),
    # --- the schedule's dates and settings
    "range_backwards": _l("日期范围倒过来了：结束日期 %(last)s 早于开始日期 %(first)s。"),
    "range_over_five_years": _l("日期范围不能超过五年。"),
    "range_too_long": _l("一次最多显示 %(most)s 天。"),
    "invalid_build_settings": _l("编排设置有误。"),
    # --- airings
    "airing_cancelled": _l("这次播出已撤下。"),
    "airing_aired": _l("这次播出已经播出，不能再改。"),
    "airing_pinned": _l("这次播出已经固定。"),
    "airing_not_pinned": _l("这次播出没有固定。"),
    "pull_reason_required": _l("撤下播出须填写原因。"),
    "occurrence_begun": _l("%(at)s 的播出已经开始，请另选时间。"),
    "not_an_occurrence": _l("%(at)s 不是时段“%(slot)s”的播出时间。"),
    "occurrence_aired": _l("该时间的节目已经播出。"),
    "episode_not_approved": _l("节目当前的状态是“%(state)s”，还不能安排播出：须终审通过。"),
    "episode_of_other_column": _l("节目属于其他栏目，且未提供交流。"),
    "episode_too_long": _l("节目时长 %(minutes)s 分钟，超出了这个时段最多能容纳的 %(most)s 分钟。"),
    "premieres_elsewhere": _l(
        "节目已安排在 %(at)s 首播（已固定或已发布）：请先取消固定，或撤下那次播出。"
    ),
    "rerun_slot": _l("重播随首播安排，不能单独改期。"),
    "occurrence_stopped": _l("时段“%(slot)s”在 %(day)s 停播，这一天没有播出。"),
    "after_air_by": _l("节目须在 %(air_by)s 前播出，%(day)s 已经晚了，请选更早的空档。"),
    "occurrence_taken": _l("%(at)s 的“%(slot)s”已经有节目了（可能刚被其他人安排），请另选空档。"),
    "episode_scheduled": _l("节目已经安排在 %(at)s 首播，不能再安排到空档。"),
    "occurrence_required": _l("请选择一个空档。"),
    "episode_required": _l("请选择一期节目。"),
    # --- media: a refused master or media job (media.errors.CODES; the API's error codes too)
    "not_found": _l("找不到这个文件，请重新上传"),
    "not_file": _l("所选的不是文件（可能是文件夹），请选择成片文件本身"),
    "empty": _l("文件是空的（0 字节），请重新导出或复制成片后上传"),
    "outside": _l("只能从允许的文件夹添加媒体，请改用页面上传"),
    "too_large": _l("文件超过了允许的大小上限，请按播出技术要求重新导出后上传"),
    "incomplete": _l("文件不完整（复制或导出被中断），请重新导出后上传"),
    "not_video": _l("这不是可读取的视频文件，请上传成片（如 MP4、MOV、MXF、TS）"),
    "audio_only": _l("文件只有声音、没有画面，请上传带画面的成片"),
    "no_audio": _l("成片没有声音，无法测量响度，请导出带声音的成片"),
    "timeout": _l("检查或处理文件用时过长，已经停止。请稍后重试，或确认文件没有损坏"),
    "failed": _l("处理文件时出错，请重新导出成片后再试"),
    "check_failed": _l("播出版未通过出片前的检查（时长、声画同步、解码或字幕），没有生成文件"),
    "no_font": _l("服务器缺少能显示中文的字体，暂时无法生成，请联系系统管理员"),
    "no_packaging": _l("本栏目还没有片头片尾，请栏目管理员先添加，再做栏目包装"),
    "not_failed": _l("这项工作没有失败，无需重试"),
    "not_current": _l("这项工作针对的是旧的媒体版本，请对当前版本操作"),
    "retried": _l("这项工作已经重试过了，请看最新一次的进度"),
    "episode_ended": _l("这期节目已撤销或停播，不再为它生成审看样片或包装"),
    "master_missing": _l("在处理这项工作的服务器上找不到成片文件，请系统管理员检查共享媒体文件夹"),
    # --- media: who may work on it
    "may_not_package": _l("只有《%(column)s》的编导、制片人或编排可以为节目做栏目包装。"),
    "media_version_changed": _l("这期节目的媒体版本已经更新，请刷新页面后对当前版本操作。"),
    # --- quarterly liaison (通联)
    "liaison_office_only": _l(
        "只有通联办公室（市级栏目的通联员）可以安排季度、通联会议和宣传报道重点。"
    ),
    "attendance_own_column": _l("您只能登记本栏目的参会情况。"),
    "invalid_quarter": _l("季度的设置有误，请按提示修改。"),
    "quarter_year": _l("请填写 2000 到 2100 之间的年份。"),
    "quarter_number": _l("季度须为 1 到 4。"),
    "quarter_exists": _l("这个季度已经建立。"),
    "invalid_meeting": _l("通联会议的安排有误，请按提示修改。"),
    "meeting_exists": _l("本季度已有通联会议：请在下面修改这次会议，不能再安排第二次。"),
    "meeting_time_zone": _l("请填写会议的日期和开始时间。"),
    "meeting_ends_first": _l("会议的结束时间须晚于开始时间。"),
    "meeting_place_required": _l("请填写会议地点。"),
    "meeting_place_too_long": _l("会议地点最多 200 个字符。"),
    "agenda_title_required": _l("每个议程事项都须写明题目。"),
    "minutes_too_long": _l("会议纪要最多 100,000 个字符。"),
    "invalid_attendance": _l("参会情况的登记有误，请按提示修改。"),
    "attendees_too_long": _l("参会人员最多 400 个字符。"),
    "attendance_notes_too_long": _l("备注最多 10,000 个字符。"),
    "invalid_priority": _l("宣传报道重点的设置有误，请按提示修改。"),
    "priority_theme_required": _l("请填写主题。"),
    "priority_theme_too_long": _l("主题最多 120 个字符。"),
    "priority_tag_word": _l("标签为一个词，最多 60 个字符，不含空格、逗号和分号。"),
    "priority_tag_taken": _l("本季度已有标签为“%(tag)s”的报道重点。"),
    "window_backwards": _l("时间窗倒过来了：结束日期不能早于开始日期。"),
    "window_outside_quarter": _l("时间窗须在%(quarter)s之内（%(start)s 至 %(end)s）。"),
    "priority_weight": _l("权重为至少 1 的整数。"),
    "submit_by_after_window": _l("报送截止日期不能晚于时间窗的结束日期。"),
    "target_negative": _l("目标是播出的期数：须为 0 或更大的整数。"),
    "target_unknown_columns": _l("没有这些栏目：%(columns)s。"),
    # --- calendar feeds
    "feed_link_own_only": _l("只有本人或管理员可以管理日历订阅链接。"),
    "feed_window": _l("日历的日期范围超出了允许的范围。"),
    "feed_days_back": _l("向前的天数须为 0 至 %(most_back)s。"),
    "feed_days_ahead": _l("向后的天数须为 0 至 %(most_ahead)s。"),
    "feed_window_whole_days": _l("向前和向后的天数须为整数。"),
    # --- channels (频道)
    "not_admin": _l("只有管理员可以修改频道代码。"),
    "channel_code_malformed": _l(
        "频道代码“%(channel)s”不合格式：须为 1 至 40 个小写英文字母、数字和连字符（-），"
        "且不以连字符开头或结尾。"
    ),
    "channel_code_taken": _l("频道代码“%(channel)s”已被其他频道使用，请换一个。"),
    "invalid_source": _l("日历来源的登记有误，请按提示修改。"),
    "source_name_required": _l("请为日历来源起一个名称（例如 某某县党建栏目日历）。"),
    "source_name_too_long": _l("名称最多 %(most)s 个字符。"),
    "location_required": _l("请填写 http(s) 网址，或文件的绝对路径。"),
    "location_too_long": _l("地址最多 %(most_location)s 个字符。"),
    "location_no_host": _l("网址里缺少主机名。"),
    "location_scheme": _l("只能读取 http:// 和 https:// 网址。"),
    "location_not_absolute": _l("地址既不是 http(s) 网址，也不是文件的绝对路径。"),
    "location_no_file": _l("这个路径上没有文件。"),
    "source_name_taken": _l("已有名为“%(name)s”的日历来源，请换一个名称。"),
    "source_location_taken": _l("这个地址已登记为日历来源“%(name)s”。"),
    "source_enabled_already": _l("这个日历来源已经启用。"),
    "source_disabled_already": _l("这个日历来源已经停用。"),
    # --- the web's own refusals: signing in, pages, forms
    "sign_in_required": _l("请先登录"),
    "admin_pages_only": _l("只有管理员可以进入管理页面。"),
    "slot_pages_only": _l("只有编排和管理员可以进入播出时段页面。"),
    "not_column_member": _l("您不是这个栏目的成员，看不到它的播出编排。"),
    "liaison_pages_only": _l("只有通联员、制片人和编导可以查看通联工作。"),
    "successor_required": _l("请选择接手的制片人。"),
    "day_format": _l("%(what)s“%(value)s”的格式不对，应为 年-月-日（例如 2026-03-02）。"),
    "no_such_day": _l("日期 %(value)s 不存在。"),
    "month_format": _l("月份“%(value)s”的格式不对，应为 年-月（例如 2026-03）。"),
    "no_such_month": _l("月份 %(value)s 不存在。"),
    "year_out_of_range": _l("只能查看 %(first)s 年至 %(last)s 年的播出编排。"),
    "reason_too_long": _l("原因最多 %(most)s 字。"),
    "new_time_required": _l("请选择一个新的播出时间。"),
    "asrun_week_malformed": _l("周“%(week)s”的格式不对，应为 年-W周（例如 2026-W49）。"),
    "not_channel_member": _l("您不是在这个频道播出的任何栏目的成员，看不到它的播后核对。"),
    # --- the JSON API's own refusals (its answers carry the code as ``reason``)
    "invalid_shape": _l("请求的内容不符合接口说明。"),
    "unknown_reference": _l("请求里提到的内容不存在，或您无权使用。"),
    "unknown_column": _l("没有这个栏目，或您不是它的成员。"),
    "unknown_person": _l("没有这个人。"),
    "unknown_slot": _l("这个栏目没有这个时段。"),
    "act_not_taken_here": _l("这个操作不能在这里进行。"),
    "no_probed_master": _l("当前成片没有可读的帧率，无法按时间码提意见"),
    # --- masters and QC at sign-off
    "needs_master": _l("节目还没有成片，不能送审：请先在“媒体”一栏上传成片，再送审"),
    "qc_override_needed": _l(
        "当前成片（媒体版本 %(version)s）技术质检未通过：确认“技术质量”签审，须说明理由；"
        "若不宜播出，请退回修改"
    ),
    "qc_override_unneeded": _l("当前成片技术质检没有未通过，签审无须说明质检理由"),
    "qc_override_too_long": _l("质检未通过的签审理由最多 %(max)s 个字符（您填写了 %(given)s 个）"),
    # --- 「立即编排」 (schedule.rebuild) and slot edits
    "not_a_scheduler": _l("只有栏目的编排或管理员才能立即编排。"),
    "rebuild_inputs_changed": _l(
        "预览之后编排所依据的内容有了变化（节目、时段或停播），请重新预览。"
    ),
    "rebuild_preview_stale": _l("预览之后节目表已有变动，现在编排的结果与预览不同，请重新预览。"),
    "rebuild_running": _l("节目表正在编排中，请 %(retry_after)s 秒后再试。"),
    "slot_field_fixed": _l("时段的栏目和类型不能修改（%(names)s），请新建一个时段。"),
    "slot_rerun_of_itself": _l("重播时段不能重播它自己。"),
    "slot_changed_meanwhile": _l("时段“%(slot)s”已被他人修改，请刷新后再改。"),
    "slot_updated_at": _l("请附上读取时段时的修改时间（updated_at）。"),
    # --- the broadcast order sheet (播出单) and the delivery package (station.sheets, .delivery)
    "week_malformed": _l(
        "“%(week)s”不是 ISO 周次，请按 2026-W50 的格式填写（年份、-W 和当年的周数）。"
    ),
    "not_sheet_scheduler": _l(
        "只有播出单所列栏目的编排或管理员才能签发播出单；您不是以下栏目的编排：%(lacking)s。"
    ),
    "sheet_empty": _l("%(channel)s在 %(week)s 没有播出安排，没有可签发的播出单。"),
    "sheet_unchanged": _l(
        "播出单第 %(number)s 版仍是最新的，签发以来节目安排没有变化，无须再次签发。"
    ),
    "sheet_issued_meanwhile": _l(
        "其他人刚刚签发了播出单第 %(number)s 版，您的签发没有保存；请先查看该版再决定是否签发。"
    ),
    "delivery_not_issued": _l("%(channel)s %(week)s 的播出单尚未签发，请先签发播出单再交付。"),
    "delivery_sheet_outdated": _l(
        "播出单第 %(number)s 版签发后节目安排有了变化，请重新签发播出单后再交付。"
    ),
    "delivery_masters_missing": _l(
        "以下播出安排没有可交付的成片（缺成片、尚未包装或技审未通过），无法交付：%(airings)s。"
    ),
    "delivery_destination_taken": _l("目标文件夹 %(folder)s 已存在且不是空的，请换一个文件夹。"),
    "delivery_write_failed": _l("交付包没有写成（%(why)s），目标位置没有留下不完整的文件。"),
    # --- the station's as-run log (station.asrun_read, station.asrun)
    "asrun_not_scheduler": _l("只有在%(channel)s播出的栏目的编排或管理员才能导入它的播后记录。"),
    "asrun_empty": _l("文件是空的。"),
    "asrun_no_rows": _l("文件只有表头，没有播出记录。"),
    "asrun_too_large": _l("文件有 %(size)s MB，超过了 %(limit)s MB 的上限。"),
    "asrun_upload_too_large": _l("文件超过了 %(limit)s MB 的上限，没有读取。"),
    "asrun_no_file": _l("请选择要导入的文件。"),
    "asrun_tolerance": _l("允许偏差须为 0 至 120 分钟（您填写了“%(value)s”）。"),
    "asrun_too_many_rows": _l("文件超过 %(limit)s 行，请按周分开导入。"),
    "asrun_old_excel": _l("这是旧版 Excel 文件（.xls），请另存为 XLSX 或 CSV 后再导入。"),
    "asrun_xlsx_corrupt": _l("XLSX 文件不完整或已损坏，无法打开，请重新导出。"),
    "asrun_csv_broken": _l("第 %(row)s 行无法按 CSV 读取（引号不成对等），请检查文件。"),
    "asrun_encoding_undeclared": _l(
        "无法确定文件的编码：它不是 UTF-8。请另存为 UTF-8，或在“文件编码”中选择 GBK/GB18030"
        "后再导入。"
    ),
    "asrun_encoding_unknown": _l("不认识的编码“%(encoding)s”：请选择 UTF-8 或 GBK/GB18030。"),
    "asrun_encoding_is_utf8": _l(
        "文件其实是 UTF-8 编码，不是 %(encoding)s：请不要指定文件编码，直接导入。"
    ),
    "asrun_encoding_wrong": _l("第 %(row)s 行不是 %(encoding)s 编码：文件是另一种编码。"),
    "asrun_columns_missing": _l("缺少列：%(missing)s。文件中的列为：%(found)s。"),
    "asrun_bad_date": _l("第 %(row)s 行的日期“%(value)s”无法识别。"),
    "asrun_bad_time": _l("第 %(row)s 行的开始时间“%(value)s”无法识别。"),
    "asrun_bad_duration": _l(
        "第 %(row)s 行的时长“%(value)s”无法识别（应为 HH:MM:SS、HH:MM:SS:FF 或秒数）。"
    ),
    "asrun_row_unnamed": _l("第 %(row)s 行既没有节目名称，也没有节目编号。"),
    "asrun_bad_house_id": _l("第 %(row)s 行的节目编号超过 %(limit)s 个字符。"),
    "asrun_duplicate_rows": _l("第 %(other)s 行和第 %(row)s 行的开始时间相同：记录重复。"),
    "asrun_overlap": _l("第 %(row)s 行在第 %(other)s 行结束之前开始：播出记录相互重叠。"),
    "asrun_other_channel": _l(
        "第 %(row)s 行属于“%(named)s”，不是%(channel)s：这是另一个频道的播后记录。"
    ),
}

# Params that name things by a key of their own (a checklist item), by param name.
NAMED: dict[str, Mapping[str, LazyString]] = {"items": labels.CHECKLIST}


def _shown(name: str, value: object) -> object:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value  # a number stays one, for %(n)d as much as %(n)s
    if isinstance(value, Stage):
        return str(labels.STAGE[value])
    if isinstance(value, State):
        return str(labels.STATE[value])
    if isinstance(value, Role):
        return str(labels.ROLE[value])
    if isinstance(value, Act):
        return labels.act_label(value)
    if isinstance(value, Level):
        return str(labels.LEVEL[value])
    if isinstance(value, SlotKind):
        return str(labels.SLOT_KIND[value])
    if isinstance(value, Quarter):
        return labels.quarter_label(value.year, value.number)
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return str(_l("、")).join(str(_shown(name, v)) for v in value)
    if isinstance(value, str) and name in NAMED:
        return str(NAMED[name].get(value, value))
    return str(value)


def _render(sentence: LazyString, params: Mapping[str, object]) -> str:
    if not params:
        return str(sentence)
    return str(sentence) % {name: _shown(name, value) for name, value in params.items()}


def sentence(code: str | None, params: Mapping[str, object]) -> str | None:
    """The sentence of ``code`` with ``params``; None when the catalog has none."""
    found = REFUSAL.get(code) if code is not None else None
    return None if found is None else _render(found, params)


def said(code: str, **params: object) -> str:
    """The sentence of a code the caller names itself (KeyError if the catalog lacks it)."""
    return _render(REFUSAL[code], params)


def say(error: DomainError) -> str | None:
    """The refusal's sentence in the reader's language; None when its code has none."""
    return sentence(error.code, error.params)


def say_fields(error: InvalidInput) -> dict[str, str | None]:
    """Each field's refusal in the reader's language (None where its code has no sentence)."""
    return {name: sentence(error.code_of(name), error.params) for name in error.fields}
