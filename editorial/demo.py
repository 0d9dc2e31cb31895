"""Demo data: the city column 《时代风采》, six county sister columns, their people
and about eighty episodes in every workflow state.

Everything is created through the service functions (``people`` and
``workflow``), so every history chain is a real one: each act passes the
episode's current version, obeys the four-eyes rule and happens at a working
moment (Asia/Shanghai office hours on a working day) before ``now``. The same
``now`` always loads the same data: randomness comes from a fixed seed and the
wall clock is never read. The caller owns the transaction; this module only
flushes.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from editorial import accounts, people, workflow
from editorial.models import (
    Column,
    Episode,
    Level,
    Notification,
    Person,
    Role,
    Series,
    Stage,
    State,
)
from editorial.workdays import REVIEW_STAGE, SHANGHAI, WorkCalendar, local_date

SEED = 20030701  # fixed: the same ``now`` always loads the same demo
CITY_SLUG = "shidai-fengcai"
ALL_COLUMNS = "*"  # a grant in every column (the city e-education centre's staff)
SETUP_DAYS = 120  # columns, people and series exist this long before ``now``
MAX_GAP_HOURS = 18 * 24  # an episode's last act is at most this long before ``now``
REVIEW_GAP_HOURS = 4 * 24  # ... or this, if it awaits a review (so only a few are overdue)
STEP_HOURS = (3, 56)  # hours between two acts on one episode, before snapping to office hours
OFFICE_HOURS = (9, 18)  # acts happen from 09:00 to 17:59 in Shanghai


# --- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    slug: str
    name: str
    level: Level
    station: str
    channel: str
    has_fixed_slot: bool = True


@dataclass(frozen=True)
class PersonSpec:
    username: str
    display_name: str
    unit: str
    grants: tuple[tuple[str, Role], ...]  # (column slug or ALL_COLUMNS, role)
    featured: bool = False  # listed by ``tvcolumn serve`` as a demo sign-in


@dataclass(frozen=True)
class EpisodeSpec:
    column: str  # slug
    plan: str  # a key of PLANS: the acts that bring the episode to its state
    genre: str
    duration_s: int  # target duration
    tags: tuple[str, ...]  # reporting priorities (宣传报道重点)
    air_by: int | str | None  # days after ``now``, or "MM-DD" (the next such day)
    title: str
    synopsis: str


@dataclass(frozen=True)
class SeriesSpec:
    title: str
    start_in_days: int  # start_by, in days after ``now``
    parts: tuple[EpisodeSpec, ...]  # part 1 first


COLUMNS = (
    ColumnSpec(CITY_SLUG, "时代风采", Level.CITY, "市广播电视台", "新闻综合频道"),
    ColumnSpec("linjiang-xianfeng", "临江先锋", Level.COUNTY, "临江县广播电视台", "综合频道"),
    ColumnSpec("qingshan-dangjian", "青山党建", Level.COUNTY, "青山区广播电视台", "新闻频道"),
    ColumnSpec("shiqiao-hongqi", "石桥红旗", Level.COUNTY, "石桥县广播电视台", "综合频道"),
    ColumnSpec("nanhu-dangyuan", "南湖党员之家", Level.COUNTY, "南湖区广播电视台", "公共频道"),
    ColumnSpec("yunxi-fengcai", "云溪风采", Level.COUNTY, "云溪县广播电视台", "综合频道"),
    ColumnSpec(
        "liuhe-jizhong",
        "柳河县党员电化教育集中播放",
        Level.COUNTY,
        "柳河县广播电视台",
        "综合频道",
        has_fixed_slot=False,  # no fixed column: a planned concentrated broadcast (集中播放)
    ),
)

CENTRE = "市委组织部党员电化教育中心"
DEMO_PASSWORD = "shidai-demo"  # the demo only: every demo person signs in with it
DEMO_MAIL_DOMAIN = "example.org"  # reserved for examples (RFC 2606): demo mail reaches nobody
CITY_TEAM = "《时代风采》栏目组"
FEATURED_COUNTY = "linjiang-xianfeng"  # whose team ``tvcolumn serve`` lists

CITY_PEOPLE = (
    PersonSpec("ma.lin", "马林", CENTRE + "信息科", ((ALL_COLUMNS, Role.ADMIN),), True),
    PersonSpec("zhou.min", "周敏", CENTRE + "通联办公室", ((ALL_COLUMNS, Role.LIAISON),), True),
    PersonSpec("li.jianguo", "李建国", CENTRE + "审片室", ((ALL_COLUMNS, Role.REVIEWER),), True),
    PersonSpec("chen.hong", "陈红", CENTRE + "审片室", ((ALL_COLUMNS, Role.REVIEWER),)),
    PersonSpec("zhao.guoqiang", "赵国强", CENTRE, ((ALL_COLUMNS, Role.FINAL_APPROVER),), True),
    PersonSpec("he.jing", "何静", CITY_TEAM, ((CITY_SLUG, Role.SCHEDULER),), True),
    PersonSpec("liu.yang", "刘洋", CITY_TEAM, ((CITY_SLUG, Role.PRODUCER),), True),
    PersonSpec("huang.li", "黄莉", CITY_TEAM, ((CITY_SLUG, Role.PRODUCER),)),
    PersonSpec("zhang.wei", "张伟", CITY_TEAM, ((CITY_SLUG, Role.EDITOR_DIRECTOR),), True),
    PersonSpec("wang.fang", "王芳", CITY_TEAM, ((CITY_SLUG, Role.EDITOR_DIRECTOR),)),
)

# Each county's e-education centre: (column, unit, its producer, its editor-director).
# The producer also keeps the county column's air schedule.
COUNTY_TEAMS = (
    ("linjiang-xianfeng", "临江县", ("xu.gang", "徐刚"), ("guo.xiaoli", "郭晓丽")),
    ("qingshan-dangjian", "青山区", ("lin.hai", "林海"), ("song.jie", "宋杰")),
    ("shiqiao-hongqi", "石桥县", ("tang.ming", "唐明"), ("feng.yu", "冯宇")),
    ("nanhu-dangyuan", "南湖区", ("cao.yan", "曹燕"), ("deng.lei", "邓磊")),
    ("yunxi-fengcai", "云溪县", ("peng.tao", "彭涛"), ("xie.na", "谢娜")),
    ("liuhe-jizhong", "柳河县", ("luo.bin", "罗斌"), ("han.xue", "韩雪")),
)


def _county_people(
    slug: str, county: str, producer: tuple[str, str], director: tuple[str, str]
) -> tuple[PersonSpec, PersonSpec]:
    unit, featured = f"{county}委组织部电教中心", slug == FEATURED_COUNTY
    grants = ((slug, Role.PRODUCER), (slug, Role.SCHEDULER))
    return (
        PersonSpec(*producer, unit, grants, featured),
        PersonSpec(*director, unit, ((slug, Role.EDITOR_DIRECTOR),), featured),
    )


PEOPLE = CITY_PEOPLE + tuple(p for team in COUNTY_TEAMS for p in _county_people(*team))


class Step(enum.StrEnum):
    """One act (or comment) of a plan, after the proposal."""

    APPROVE = "approve"
    REJECT = "reject"
    START = "start"
    MASTER = "master"  # the editor-director uploads the (next) master (上传成片)
    SUBMIT = "submit"
    SIGN = "sign"  # the stage the episode awaits, by that stage's signer
    RETURN = "return"  # at the stage the episode awaits, by that stage's signer
    WITHDRAW = "withdraw"
    PULL = "pull"
    HAND_OVER = "hand_over"  # the responsible producer hands over to the other producer
    ADMIN_HAND_OVER = "admin_hand_over"  # an admin hands over (the producer is away)
    NOTE = "note"  # the second-review reviewer comments
    REPLY = "reply"  # the editor-director answers
    LIAISON = "liaison"  # the liaison officer comments


_AP, _ST, _SU, _SG, _RT = Step.APPROVE, Step.START, Step.SUBMIT, Step.SIGN, Step.RETURN
_MA = Step.MASTER
_MADE = (_AP, _ST, _MA, _SU)  # approved topic, produced, its master uploaded, submitted
_SIGNED = (*_MADE, _SG, _SG, _SG)

PLANS: dict[str, tuple[Step, ...]] = {
    "proposed": (),
    "proposed_noted": (Step.LIAISON,),
    "topic_approved": (_AP,),
    "topic_rejected": (Step.REJECT,),
    "withdrawn_proposal": (Step.WITHDRAW,),
    "withdrawn_in_production": (_AP, _ST, Step.WITHDRAW),
    "in_production": (_AP, _ST),
    "first_review": _MADE,
    "second_review": (*_MADE, _SG),
    "final_review": (*_MADE, _SG, _SG),
    "final_review_noted": (*_MADE, _SG, Step.NOTE, _SG),
    "approved": _SIGNED,
    "pulled": (*_SIGNED, Step.PULL),
    "returned_first": (*_MADE, _RT),
    "returned_second": (*_MADE, _SG, _RT, Step.REPLY),
    "returned_final": (*_MADE, _SG, _SG, _RT),
    "resubmitted": (*_MADE, _RT, Step.REPLY, _MA, _SU),
    "approved_after_return": (*_MADE, _SG, _RT, Step.REPLY, _MA, _SU, _SG, _SG, _SG),
    "approved_after_final_return": (*_MADE, _SG, _SG, _RT, Step.REPLY, _MA, _SU, _SG, _SG, _SG),
    "handed_over": (_AP, Step.HAND_OVER, _ST, _MA, _SU, _SG),
    "handed_over_in_review": (*_MADE, Step.HAND_OVER, _SG, _SG),
    "approved_admin_hand_over": (
        _AP,
        _ST,
        Step.ADMIN_HAND_OVER,
        _MA,
        _SU,
        _SG,
        Step.NOTE,
        _SG,
        _SG,
    ),
}

THEME_TOPICS = {
    "三个代表": "学习贯彻“三个代表”重要思想",
    "先锋工程": "“先锋工程”建设",
    "科技富民": "党员电教科技富民",
    "七一": "纪念中国共产党成立",
    "基层党建": "基层党组织建设",
    "警示教育": "反面典型警示教育",
}
DEFAULT_TOPIC = "党员电化教育"

JULY_FIRST = "07-01"
_C, _LJ, _QS, _SQ = CITY_SLUG, "linjiang-xianfeng", "qingshan-dangjian", "shiqiao-hongqi"
_NH, _YX, _LH = "nanhu-dangyuan", "yunxi-fengcai", "liuhe-jizhong"
_TOPIC, _DOC, _TALK, _NEWS = "专题片", "纪实", "访谈", "新闻专题"

# fmt: off
EPISODES = (
    # 《时代风采》 (city)
    EpisodeSpec(_C, "approved", _TOPIC, 1500, ("三个代表",), 20,
        "与时俱进 开拓创新——学习“三个代表”重要思想纪实",
        "全市各级党组织兴起学习贯彻“三个代表”重要思想新高潮的做法与成效。"),
    EpisodeSpec(_C, "final_review", _TOPIC, 1800, ("七一",), JULY_FIRST,
        "七一特别节目：党旗在基层高高飘扬",
        "纪念建党，展示全市基层党组织和优秀共产党员的风采。"),
    EpisodeSpec(_C, "approved_after_return", _DOC, 900, ("基层党建",), 7,
        "村支书的一天",
        "跟拍一位村党支部书记从清晨到深夜的工作，记录村级组织的日常。"),
    EpisodeSpec(_C, "approved", _TALK, 1200, ("先锋工程",), None,
        "访市委组织部负责同志：谈“先锋工程”建设",
        "市委组织部负责同志解读市第九次党代会关于“先锋工程”建设的部署。"),
    EpisodeSpec(_C, "second_review", _DOC, 1080, ("科技富民",), 12,
        "科技示范户的致富经",
        "党员科技示范户如何带动周边农户调整产业结构、共同致富。"),
    EpisodeSpec(_C, "in_production", _TOPIC, 1200, ("基层党建",), None,
        "非公企业里的党组织",
        "已建党组织的非公有制企业怎样发挥党组织的政治核心作用。"),
    EpisodeSpec(_C, "first_review", _NEWS, 720, ("基层党建",), 15,
        "社区党员电教网点建设巡礼",
        "城市社区党员电教播放网点建点率达到百分之百的过程。"),
    EpisodeSpec(_C, "returned_final", _TOPIC, 1500, ("警示教育",), None,
        "警钟长鸣——一起违纪案件的警示",
        "以一起违纪案件为反面典型，开展警示教育。"),
    EpisodeSpec(_C, "pulled", _NEWS, 600, (), None,
        "远程教育进农家",
        "农村党员通过电教播放网点收看党员电教片的见闻。"),
    EpisodeSpec(_C, "approved_admin_hand_over", _DOC, 1200, ("先锋工程",), 5,
        "党员先锋岗：在抗洪一线",
        "抗洪抢险中党员先锋岗冲在一线的感人事迹。"),
    EpisodeSpec(_C, "topic_approved", _NEWS, 900, ("三个代表",), None,
        "学理论 强党性——机关党员学习“三个代表”侧记",
        "市直机关党员学习“三个代表”重要思想的生动场景。"),
    EpisodeSpec(_C, "proposed", _TOPIC, 1200, ("基层党建",), 40,
        "新社团组织党建工作探索",
        "新社团组织中建立党组织、开展党的工作的探索。"),
    EpisodeSpec(_C, "topic_rejected", _DOC, 900, (), None,
        "老党员的新课堂",
        "离退休老党员参加电教学习的故事。"),
    EpisodeSpec(_C, "topic_approved", _TALK, 1200, ("七一",), JULY_FIRST,
        "七一前夕访优秀共产党员",
        "走访全市表彰的优秀共产党员，听他们讲入党初心。"),
    EpisodeSpec(_C, "handed_over", _NEWS, 780, (), None,
        "网上党员教育试点见闻",
        "下半年开展的网上党员教育试点：开设网页、建立网站的新路子。"),
    EpisodeSpec(_C, "resubmitted", _NEWS, 900, ("基层党建",), None,
        "从“上面热闹”到“下面热乎”——播放收看工作调查",
        "乡镇电教站制订月度播放收看计划、提高电教片利用率的调查。"),
    EpisodeSpec(_C, "approved", _DOC, 960, ("科技富民",), None,
        "大棚里的党员示范基地",
        "市级党员电教科技示范基地落实责任制、提供技术指导的做法。"),
    EpisodeSpec(_C, "returned_second", _TOPIC, 1320, ("警示教育",), None,
        "廉政之声：一位局长的忏悔",
        "一名落马局长的忏悔录，剖析权力失控的思想根源。"),
    EpisodeSpec(_C, "in_production", _TOPIC, 1800, ("七一",), JULY_FIRST,
        "七一献礼：我市党员电化教育二十年",
        "回顾全市党员电化教育网络从无到有、不断延伸的历程。"),
    EpisodeSpec(_C, "withdrawn_proposal", _DOC, 1080, ("先锋工程",), None,
        "第一书记的承诺",
        "下派第一书记兑现承诺、带领村民修路的故事。"),
    EpisodeSpec(_C, "approved_after_final_return", _TALK, 1200, ("科技富民",), 10,
        "富裕小康路上的带头人",
        "对话三位党员致富带头人，谈全面建设富裕小康社会。"),
    EpisodeSpec(_C, "final_review_noted", _TALK, 900, (), None,
        "党员电教片制作经验谈",
        "栏目编导谈精心选题、认真制作、严格把关的体会。"),
    EpisodeSpec(_C, "returned_first", _NEWS, 720, ("基层党建",), None,
        "城市社区党建“网格”新探索",
        "城市社区把党组织建在网格上的新做法。"),
    EpisodeSpec(_C, "withdrawn_in_production", _DOC, 1200, ("基层党建",), None,
        "民营企业家的入党志愿书",
        "一位民营企业家向党组织靠拢、递交入党申请书的经历。"),
    EpisodeSpec(_C, "approved", _DOC, 1080, (), None,
        "政治上靠得住 业务上有本事——记电教战线的一名老兵",
        "一位从事党员电教工作二十年的老同志的敬业故事。"),
    EpisodeSpec(_C, "proposed_noted", _NEWS, 840, ("三个代表", "基层党建"), 30,
        "三个代表在基层：村级组织活动场所建设",
        "各地建设村级组织活动场所、巩固农村基层阵地的实践。"),
    # 《临江先锋》
    EpisodeSpec(_LJ, "approved", _TOPIC, 1200, ("先锋工程",), 9,
        "临江县“先锋工程”建设纪实",
        "临江县推进“先锋工程”建设、争创先进基层党组织的做法。"),
    EpisodeSpec(_LJ, "pulled", _DOC, 900, ("科技富民",), None,
        "江畔党员科技示范户",
        "沿江党员养殖户引进新品种、带动乡亲致富。"),
    EpisodeSpec(_LJ, "second_review", _DOC, 840, ("基层党建",), None,
        "渔村党支部的新班子",
        "渔村党支部换届后新班子理思路、办实事。"),
    EpisodeSpec(_LJ, "first_review", _TOPIC, 1500, ("七一",), JULY_FIRST,
        "七一特辑：临江县优秀共产党员风采",
        "临江县表彰的优秀共产党员群像。"),
    EpisodeSpec(_LJ, "approved", _NEWS, 600, ("三个代表",), None,
        "学习“三个代表” 争当时代先锋",
        "临江县农村党员学习“三个代表”重要思想的热潮。"),
    EpisodeSpec(_LJ, "topic_rejected", _TOPIC, 1200, ("警示教育",), None,
        "一位乡镇干部的警示录",
        "一名乡镇干部违纪违法的教训。"),
    EpisodeSpec(_LJ, "in_production", _NEWS, 720, (), None,
        "党员电教进渔家",
        "电教播放网点延伸到渔船码头。"),
    EpisodeSpec(_LJ, "proposed", _TALK, 1080, ("先锋工程",), 25,
        "访临江县委组织部长",
        "县委组织部长谈全县“先锋工程”建设目标。"),
    # 《青山党建》
    EpisodeSpec(_QS, "approved", _TOPIC, 1200, ("基层党建",), 6,
        "青山区社区党建工作纪实",
        "青山区社区党组织服务群众、凝聚人心的经验。"),
    EpisodeSpec(_QS, "returned_second", _DOC, 900, ("基层党建",), None,
        "楼宇里的党支部",
        "商务楼宇联合党支部把流动党员凝聚起来。"),
    EpisodeSpec(_QS, "approved_after_return", _DOC, 1080, (), None,
        "下岗党员再就业",
        "下岗党员自强不息、带头再就业的故事。"),
    EpisodeSpec(_QS, "topic_approved", _NEWS, 600, ("七一",), JULY_FIRST,
        "七一走访困难党员",
        "七一前夕，区委走访慰问生活困难党员。"),
    EpisodeSpec(_QS, "final_review", _TALK, 1200, ("基层党建",), None,
        "非公企业党建的“青山经验”",
        "非公有制企业党组织负责人座谈党建工作。"),
    EpisodeSpec(_QS, "withdrawn_in_production", _TOPIC, 1320, ("警示教育",), None,
        "以案为鉴 警钟长鸣",
        "以身边案例开展警示教育。"),
    EpisodeSpec(_QS, "first_review", _NEWS, 720, (), None,
        "社区党员志愿服务队",
        "社区党员志愿者为孤寡老人送温暖。"),
    EpisodeSpec(_QS, "proposed", _TALK, 1800, ("三个代表",), None,
        "学习“三个代表”重要思想辅导讲座",
        "区委党校教授辅导“三个代表”重要思想。"),
    # 《石桥红旗》
    EpisodeSpec(_SQ, "approved", _TOPIC, 1200, ("科技富民",), None,
        "石桥县党员科技示范基地巡礼",
        "县级党员电教科技示范基地建设成果。"),
    EpisodeSpec(_SQ, "final_review", _DOC, 900, ("科技富民",), 14,
        "蘑菇村里的党员能人",
        "党员种植大户手把手教乡亲种食用菌。"),
    EpisodeSpec(_SQ, "returned_first", _NEWS, 720, ("基层党建",), None,
        "村级组织活动场所建设回眸",
        "全县村级组织活动场所建设的变化。"),
    EpisodeSpec(_SQ, "in_production", _NEWS, 600, ("七一",), JULY_FIRST,
        "七一前夕的入党宣誓",
        "新党员在党旗下庄严宣誓。"),
    EpisodeSpec(_SQ, "approved", _DOC, 1080, ("三个代表",), None,
        "“三个代表”进农家",
        "宣讲小分队把“三个代表”重要思想送到田间地头。"),
    EpisodeSpec(_SQ, "second_review", _TOPIC, 1500, ("警示教育",), None,
        "警示教育片：贪欲之害",
        "剖析贪欲膨胀走上犯罪道路的典型案例。"),
    EpisodeSpec(_SQ, "proposed", _DOC, 960, ("科技富民",), None,
        "老支书和他的养猪场",
        "老支书办起科学养猪场，带动全村发展。"),
    EpisodeSpec(_SQ, "withdrawn_proposal", _NEWS, 600, (), None,
        "党员远程教育站点建设",
        "乡镇党员远程教育站点的建设情况。"),
    # 《南湖党员之家》
    EpisodeSpec(_NH, "approved", _TOPIC, 1200, ("基层党建",), None,
        "南湖区机关党建新风",
        "区直机关转变作风、服务基层的新气象。"),
    EpisodeSpec(_NH, "approved_after_final_return", _DOC, 900, ("先锋工程",), 8,
        "窗口单位的党员示范岗",
        "窗口单位党员亮身份、树形象、作表率。"),
    EpisodeSpec(_NH, "first_review", _DOC, 840, ("基层党建",), None,
        "社区里的“红色管家”",
        "社区党员担任楼道长，为居民排忧解难。"),
    EpisodeSpec(_NH, "second_review", _TOPIC, 1500, ("七一",), JULY_FIRST,
        "七一专题：入党誓词的力量",
        "不同年代入党的党员讲述誓词对自己的影响。"),
    EpisodeSpec(_NH, "in_production", _TALK, 1200, (), None,
        "对话优秀党务工作者",
        "优秀党务工作者谈基层党务工作方法。"),
    EpisodeSpec(_NH, "returned_final", _TOPIC, 1320, ("警示教育",), None,
        "警示教育：权力的边界",
        "从典型案例看权力运行的边界与监督。"),
    EpisodeSpec(_NH, "topic_rejected", _NEWS, 600, ("三个代表",), None,
        "“三个代表”学习交流会侧记",
        "区委中心组学习交流会现场。"),
    EpisodeSpec(_NH, "topic_approved", _DOC, 900, (), None,
        "湖畔党员护绿队",
        "退休党员自发组成护绿队保护湿地。"),
    # 《云溪风采》
    EpisodeSpec(_YX, "approved", _TOPIC, 1200, ("基层党建",), None,
        "云溪山区党员电教网点建设",
        "把电教网点延伸到山区自然村的做法。"),
    EpisodeSpec(_YX, "approved", _DOC, 1080, ("科技富民",), 11,
        "茶山上的科技致富路",
        "党员茶农推广良种和新工艺，带领群众增收。"),
    EpisodeSpec(_YX, "returned_second", _DOC, 960, (), None,
        "大山深处的党员教师",
        "扎根山村小学二十年的党员教师。"),
    EpisodeSpec(_YX, "proposed", _DOC, 1500, ("七一",), JULY_FIRST,
        "七一特辑：云溪老党员口述历史",
        "老党员口述云溪县党组织的发展历程。"),
    EpisodeSpec(_YX, "final_review", _NEWS, 720, ("先锋工程",), None,
        "“先锋工程”在云溪",
        "云溪县“先锋工程”建设阶段性成果。"),
    EpisodeSpec(_YX, "resubmitted", _DOC, 1080, ("先锋工程",), None,
        "扶贫路上的驻村干部",
        "驻村干部与贫困户结对帮扶的日日夜夜。"),
    EpisodeSpec(_YX, "in_production", _TOPIC, 1200, ("警示教育",), None,
        "山乡警示录",
        "山区乡镇干部违纪案例的警示。"),
    EpisodeSpec(_YX, "second_review", _TALK, 1200, ("三个代表",), None,
        "学习“三个代表” 建设富裕云溪",
        "县委负责同志谈学习贯彻“三个代表”与县域发展。"),
    # 柳河县集中播放
    EpisodeSpec(_LH, "approved", _TOPIC, 1800, ("先锋工程",), 21,
        "柳河县党员电化教材集中播放：先锋工程专辑",
        "集中播放期间的先锋工程专辑。"),
    EpisodeSpec(_LH, "approved", _DOC, 1200, ("科技富民",), 21,
        "柳河县科技富民典型事迹",
        "县级党员科技示范户的典型事迹汇编。"),
    EpisodeSpec(_LH, "final_review", _TOPIC, 1800, ("警示教育",), 21,
        "党员电教集中播放：警示教育专辑",
        "集中播放期间的警示教育专辑。"),
    EpisodeSpec(_LH, "in_production", _TOPIC, 1500, ("七一",), JULY_FIRST,
        "七一专辑：柳河儿女心向党",
        "柳河县各界党员群众喜迎七一。"),
    EpisodeSpec(_LH, "returned_first", _TALK, 1500, (), None,
        "农村党员冬训辅导",
        "农村党员冬训的政策辅导。"),
    EpisodeSpec(_LH, "topic_approved", _NEWS, 900, ("基层党建",), None,
        "基层党建工作经验交流",
        "各乡镇党委交流基层党建工作经验。"),
    EpisodeSpec(_LH, "proposed", _TALK, 1800, ("三个代表",), None,
        "“三个代表”学习辅导",
        "县委宣讲团辅导“三个代表”重要思想。"),
)

SERIES = (
    SeriesSpec(
        "先锋工程连续报道",
        14,
        (
            EpisodeSpec(_C, "approved", _DOC, 900, ("先锋工程",), None,
                "先锋工程连续报道之一：支部建在产业链上",
                "把党支部建在产业链上，党员在产业发展中当先锋。"),
            EpisodeSpec(_C, "handed_over_in_review", _DOC, 900, ("先锋工程",), None,
                "先锋工程连续报道之二：党员致富带头人",
                "党员致富带头人“一带一、一帮一”。"),
            EpisodeSpec(_C, "first_review", _DOC, 900, ("先锋工程", "基层党建"), None,
                "先锋工程连续报道之三：村务公开促和谐",
                "村务公开、民主管理带来的新变化。"),
            EpisodeSpec(_C, "topic_approved", _NEWS, 900, ("先锋工程",), None,
                "先锋工程连续报道之四：群众评说先锋工程",
                "听群众说说身边的先进基层党组织。"),
        ),
    ),
    SeriesSpec(
        "科技富民系列",
        30,
        (
            EpisodeSpec(_C, "approved", _DOC, 960, ("科技富民",), None,
                "科技富民系列（一）：果园里的科技示范基地",
                "市级党员电教科技示范基地里的果树新技术。"),
            EpisodeSpec(_C, "in_production", _DOC, 960, ("科技富民",), None,
                "科技富民系列（二）：养殖能手的电教课堂",
                "党员养殖能手办起电教课堂，传授养殖技术。"),
            EpisodeSpec(_C, "proposed", _DOC, 960, ("科技富民",), None,
                "科技富民系列（三）：加工户闯市场",
                "党员加工户对接市场、带动农户增收。"),
        ),
    ),
)

# fmt: on

REJECT_REASONS = (
    "与上季度已播节目选题重复，建议换一个角度再报。",
    "典型事迹尚未经组织部门核实，暂缓申报。",
    "题材时效性不足，不列入本季度宣传报道计划。",
)
RETURN_REASONS = {
    Stage.FIRST: (
        "解说词与画面不同步，第三段需重新配音。",
        "片长超出栏目时长，请压缩到规定时长以内。",
    ),
    Stage.SECOND: (
        "个别数据未注明出处，请核实后修改字幕。",
        "采访对象职务表述有误，请更正后再送审。",
    ),
    Stage.FINAL: (
        "片尾政策表述需与市委文件原文一致，请修改后再送审。",
        "案例涉及人员的姓名和面部需作技术处理。",
    ),
}
WITHDRAW_REASONS = (
    "采访对象调离，选题无法继续。",
    "与市台新闻专题撞题，改为配合报道。",
)
PULL_REASONS = (
    "片中典型人物情况发生变化，经研究撤播。",
    "上级通知调整播出安排，暂停播出。",
)
HAND_OVER_REASONS = (
    "制片人分工调整，本片移交另一位制片人负责。",
    "原制片人参加市委党校培训，移交期间由另一位制片人负责。",
)
REVIEW_NOTES = (
    "第二部分同期声偏小，建议终审前再核一下音频电平。",
    "示范基地的产量数据请与县农业局的通报核对一致。",
    "整体节奏较好，结尾可再突出党员的先锋模范作用。",
)
REPLIES = (
    "已按意见修改，重新配音并调整了第三段字幕，请再审。",
    "数据已与县委组织部核对，出处补在片尾字幕。",
    "已补拍两个镜头，片长压缩到栏目规定时长以内。",
)
LIAISON_NOTES = (
    "已列入本季度宣传报道重点，请在通联会上交流制作经验。",
    "此选题可与各县（市、区）栏目联合制作，请通联办协调。",
)


# --- the result and the sign-in lines ------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    """What ``load`` created."""

    columns: int
    people: int
    episodes: int
    series: int

    def summary(self) -> str:
        return (
            f"{self.columns} columns, {self.people} people, "
            f"{self.episodes} episodes, {self.series} series"
        )


def holders(slug: str, role: Role) -> tuple[str, ...]:
    """Usernames holding ``role`` in the column ``slug`` once the demo is loaded."""
    return tuple(
        p.username for p in PEOPLE if (slug, role) in p.grants or (ALL_COLUMNS, role) in p.grants
    )


def _roles_text(spec: PersonSpec) -> str:
    """E.g. "producer, scheduler of 《临江先锋》" or "reviewer in all 7 columns"."""
    by_column: dict[str, list[str]] = {}
    for column, role in spec.grants:
        by_column.setdefault(column, []).append(role.value)
    names = {c.slug: f"of 《{c.name}》" for c in COLUMNS} | {
        ALL_COLUMNS: f"in all {len(COLUMNS)} columns"
    }
    return "; ".join(f"{', '.join(roles)} {names[column]}" for column, roles in by_column.items())


def sign_in_lines() -> list[str]:
    """The demo sign-ins ``tvcolumn serve`` prints: the key people ``load`` creates."""
    lines = ["Demo sign-ins (after `tvcolumn demo load`):"]
    for spec in PEOPLE:
        if spec.featured:
            name = spec.display_name.ljust(3, "\u3000")  # align two- and three-character names
            lines.append(f"  {spec.username:<14} {name}  {_roles_text(spec)}  ({spec.unit})")
    lines.append(f"Every demo person's password: {DEMO_PASSWORD}")
    return lines


# --- loading -------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """One episode to play: its data, its people and the moment of every act."""

    spec: EpisodeSpec
    column: Column
    director: Person
    producer: Person
    reviewer: Person
    final_approver: Person
    moments: list[datetime]  # the proposal, then one per step
    series: Series | None = None
    part: int | None = None
    episode: Episode | None = None

    @property
    def steps(self) -> tuple[Step, ...]:
        return PLANS[self.spec.plan]


@dataclass
class _Loader:
    session: Session
    now: datetime
    rng: random.Random
    calendar: WorkCalendar
    columns: dict[str, Column] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)


def load(session: Session, now: datetime) -> LoadResult | None:
    """Load the demo unless the city column exists (then add nothing, return None)."""
    if now.tzinfo is None:
        raise ValueError("load needs an aware `now` (UTC)")
    if session.scalar(select(Column.id).where(Column.slug == CITY_SLUG)) is not None:
        return None
    loader = _Loader(session, now, random.Random(SEED), WorkCalendar.load(session))
    setup_at = now - timedelta(days=SETUP_DAYS)
    _create_columns(loader, setup_at)
    _create_people(loader, setup_at)
    plans = _plan_episodes(loader, setup_at)
    _play(loader, plans)
    # The demo's past is not news: its hand-offs are shown on the pages, never mailed.
    session.execute(
        update(Notification).where(Notification.routed_at.is_(None)).values(routed_at=now)
    )
    return LoadResult(len(COLUMNS), len(PEOPLE), len(plans), len(SERIES))


def _create_columns(loader: _Loader, at: datetime) -> None:
    for spec in COLUMNS:
        loader.columns[spec.slug] = people.create_column(
            loader.session,
            at,
            slug=spec.slug,
            name=spec.name,
            level=spec.level,
            station=spec.station,
            channel=spec.channel,
            has_fixed_slot=spec.has_fixed_slot,
        )


def _create_people(loader: _Loader, at: datetime) -> None:
    shared = accounts.hash_password(DEMO_PASSWORD)  # one argon2 hash: a second, not twenty
    for spec in PEOPLE:
        person = people.create_person(
            loader.session,
            at,
            username=spec.username,
            display_name=spec.display_name,
            email=f"{spec.username}@{DEMO_MAIL_DOMAIN}",
            password_hash=shared,
        )
        loader.people[spec.username] = person
        for slug, role in spec.grants:
            targets = loader.columns.values() if slug == ALL_COLUMNS else [loader.columns[slug]]
            for column in targets:
                people.grant_role(loader.session, person, column, role, at)


def _plan_episodes(loader: _Loader, setup_at: datetime) -> list[_Plan]:
    plans = [_plan(loader, spec) for spec in EPISODES]
    for series_spec in SERIES:
        series = people.create_series(
            loader.session,
            loader.columns[CITY_SLUG],
            setup_at,
            title=series_spec.title,
            parts=len(series_spec.parts),
            start_by=local_date(loader.now) + timedelta(days=series_spec.start_in_days),
        )
        for number, spec in enumerate(series_spec.parts, start=1):
            plans.append(_plan(loader, spec, series, number))
    return plans


def _plan(
    loader: _Loader, spec: EpisodeSpec, series: Series | None = None, part: int | None = None
) -> _Plan:
    def pick(role: Role) -> Person:
        return loader.people[loader.rng.choice(holders(spec.column, role))]

    return _Plan(
        spec=spec,
        column=loader.columns[spec.column],
        director=pick(Role.EDITOR_DIRECTOR),
        producer=pick(Role.PRODUCER),
        reviewer=pick(Role.REVIEWER),
        final_approver=pick(Role.FINAL_APPROVER),
        moments=_timeline(loader, PLANS[spec.plan]),
        series=series,
        part=part,
    )


# --- time ----------------------------------------------------------------------------------------


def _awaits_review(steps: tuple[Step, ...]) -> bool:
    """Whether the plan leaves the episode waiting at a review stage."""
    if Step.SUBMIT not in steps:
        return False
    since = steps[len(steps) - steps[::-1].index(Step.SUBMIT) :]
    return since.count(Step.SIGN) < 3 and not {Step.RETURN, Step.WITHDRAW} & set(since)


def _timeline(loader: _Loader, steps: tuple[Step, ...]) -> list[datetime]:
    """Strictly increasing working moments (the proposal, then one per step) before ``now``."""
    rng = loader.rng
    gap = REVIEW_GAP_HOURS if _awaits_review(steps) else MAX_GAP_HOURS
    moment = _on_duty(loader, loader.now - timedelta(hours=rng.randint(1, gap)))
    moments = [moment]
    for _ in steps:
        moment = _on_duty(loader, moment - timedelta(hours=rng.randint(*STEP_HOURS)))
        moments.append(moment)
    return moments[::-1]


def _on_duty(loader: _Loader, moment: datetime) -> datetime:
    """The latest moment in office hours on a working day that is not after ``moment``."""
    moment = moment.replace(second=0, microsecond=0)
    local = moment.astimezone(SHANGHAI)
    day = local.date()
    opens, closes = OFFICE_HOURS
    if loader.calendar.is_workday(day)[0]:
        if opens <= local.hour < closes:
            return moment
        if local.hour >= closes:
            return _office_moment(loader, day)
    day -= timedelta(days=1)
    while not loader.calendar.is_workday(day)[0]:
        day -= timedelta(days=1)
    return _office_moment(loader, day)


def _office_moment(loader: _Loader, day: date) -> datetime:
    opens, closes = OFFICE_HOURS
    clock = time(loader.rng.randrange(opens, closes), loader.rng.randrange(60))
    return datetime.combine(day, clock, SHANGHAI).astimezone(UTC)


def _air_by(loader: _Loader, spec: EpisodeSpec, proposed_at: datetime) -> date | None:
    """The air-by date: relative to ``now``, never before the proposal's day."""
    if spec.air_by is None:
        return None
    today = local_date(loader.now)
    if isinstance(spec.air_by, int):
        day = today + timedelta(days=spec.air_by)
    else:
        month, dom = (int(part) for part in spec.air_by.split("-"))
        day = date(today.year, month, dom)
        day = day if day >= today else date(today.year + 1, month, dom)
    return max(day, local_date(proposed_at))


# --- playing the acts ----------------------------------------------------------------------------


def _play(loader: _Loader, plans: list[_Plan]) -> None:
    """Play every act of every episode in the order of their moments."""
    events = sorted(
        (moment, number, index)
        for number, plan in enumerate(plans)
        for index, moment in enumerate(plan.moments)
    )
    for moment, number, index in events:
        plan = plans[number]
        if index == 0:
            plan.episode = _propose(loader, plan, moment)
        else:
            assert plan.episode is not None
            ACTS[plan.steps[index - 1]](loader, plan, plan.episode, moment)


def _propose(loader: _Loader, plan: _Plan, at: datetime) -> Episode:
    spec = plan.spec
    theme = spec.tags[0] if spec.tags else None
    proposal = workflow.Proposal(
        title=spec.title,
        target_duration_s=spec.duration_s,
        responsible_producer=plan.producer,
        topic=THEME_TOPICS.get(theme, DEFAULT_TOPIC) if theme else DEFAULT_TOPIC,
        synopsis=spec.synopsis,
        genre=spec.genre,
        air_by=_air_by(loader, spec, at),
        series=plan.series,
        part_number=plan.part,
        priority_tags=spec.tags,
    )
    return workflow.propose(loader.session, plan.director, plan.column, at, proposal)


Act = Callable[[_Loader, _Plan, Episode, datetime], object]


def _approve(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    return workflow.approve_topic(loader.session, e.responsible_producer, e, e.version, at)


def _reject(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    reason = loader.rng.choice(REJECT_REASONS)
    return workflow.reject_topic(
        loader.session, e.responsible_producer, e, e.version, at, reason=reason
    )


def _start(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    return workflow.start_production(loader.session, plan.director, e, e.version, at)


def _master(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    """The next master, recorded without a file and without QC (the media demo adds one
    real master with its QC report)."""
    number = (e.media_version or 0) + 1
    return workflow.new_media_version(
        loader.session, plan.director, e, e.version, at, number=number
    )


def _submit(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    return workflow.submit(loader.session, plan.director, e, e.version, at)


def _signer(plan: _Plan, episode: Episode) -> tuple[Stage, Person]:
    """The stage the episode awaits and who acts at it in this demo."""
    stage = REVIEW_STAGE[episode.state]
    signer = {
        Stage.FIRST: episode.responsible_producer,
        Stage.SECOND: plan.reviewer,
        Stage.FINAL: plan.final_approver,
    }[stage]
    return stage, signer


def _sign(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    stage, signer = _signer(plan, e)
    ok = workflow.Checklist.all_confirmed()
    return workflow.sign_off(loader.session, signer, e, e.version, at, stage=stage, checklist=ok)


def _return(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    stage, signer = _signer(plan, e)
    reason = loader.rng.choice(RETURN_REASONS[stage])
    return workflow.return_for_changes(loader.session, signer, e, e.version, at, reason=reason)


def _withdraw(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    actor = plan.director if e.state is State.PROPOSED else e.responsible_producer
    reason = loader.rng.choice(WITHDRAW_REASONS)
    return workflow.withdraw(loader.session, actor, e, e.version, at, reason=reason)


def _pull(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    reason = loader.rng.choice(PULL_REASONS)
    return workflow.pull_from_air(
        loader.session, plan.final_approver, e, e.version, at, reason=reason
    )


def _hand_over_by(actor: Person, loader: _Loader, e: Episode, at: datetime) -> object:
    successor = next(
        loader.people[name]
        for name in holders(e.column.slug, Role.PRODUCER)
        if loader.people[name].id != e.responsible_producer_id
    )
    reason = loader.rng.choice(HAND_OVER_REASONS)
    return workflow.hand_over(loader.session, actor, e, e.version, at, to=successor, reason=reason)


def _hand_over(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    return _hand_over_by(e.responsible_producer, loader, e, at)


def _admin_hand_over(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    admin = loader.people[holders(e.column.slug, Role.ADMIN)[0]]
    return _hand_over_by(admin, loader, e, at)


def _add_comment(
    loader: _Loader, author: Person, e: Episode, at: datetime, bodies: tuple[str, ...]
) -> object:
    return workflow.add_comment(loader.session, author, e, at, loader.rng.choice(bodies))


def _note(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    return _add_comment(loader, plan.reviewer, e, at, REVIEW_NOTES)


def _reply(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    return _add_comment(loader, plan.director, e, at, REPLIES)


def _liaison(loader: _Loader, plan: _Plan, e: Episode, at: datetime) -> object:
    liaison = loader.people[holders(e.column.slug, Role.LIAISON)[0]]
    return _add_comment(loader, liaison, e, at, LIAISON_NOTES)


ACTS: dict[Step, Act] = {
    Step.APPROVE: _approve,
    Step.REJECT: _reject,
    Step.START: _start,
    Step.MASTER: _master,
    Step.SUBMIT: _submit,
    Step.SIGN: _sign,
    Step.RETURN: _return,
    Step.WITHDRAW: _withdraw,
    Step.PULL: _pull,
    Step.HAND_OVER: _hand_over,
    Step.ADMIN_HAND_OVER: _admin_hand_over,
    Step.NOTE: _note,
    Step.REPLY: _reply,
    Step.LIAISON: _liaison,
}
