"""The XMLTV guide of a channel: valid for the XMLTV project's validator, and value by value
what the station's EPG reads (times with offsets, Chinese text, series numbers, reruns)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from xml.etree.ElementTree import Element

import pytest
from sqlalchemy.orm import Session

from calendars import feeds, xmltv
from editorial.models import Episode, Series
from schedule import channels
from schedule.models import Airing, AiringStatus, BroadcastChannel, Slot, SlotKind
from tests.conftest import NOW, Crew
from tests.xmltv_check import checked, parse

FRIDAY = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # Friday 6 March 2026, 20:00 in Shanghai
HOSTILE = "<b>党建&\"引领\"</b> 'x' \x01\x0b\x85\ufffe 🎉 ]]> &amp;"


@dataclass
class Guide:
    session: Session
    channel: BroadcastChannel
    slot: Slot
    rerun_slot: Slot
    premiere: Airing
    rerun: Airing
    part: Airing

    def render(self, now: datetime = NOW) -> bytes:
        return xmltv.render(self.session, self.channel, feeds.window(now)).body


def air(
    session: Session,
    slot: Slot,
    episode: Episode,
    starts_at: datetime,
    status: AiringStatus = AiringStatus.PUBLISHED,
    premiere: Airing | None = None,
) -> Airing:
    airing = Airing(
        slot=slot,
        episode=episode,
        kind=SlotKind.RERUN if premiere else SlotKind.PREMIERE,
        premiere=premiere,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(airing)
    session.flush()
    return airing


@pytest.fixture
def guide(
    session: Session,
    crew: Crew,
    make_slot: Callable[..., Slot],
    propose: Callable[..., Episode],
) -> Guide:
    slot = make_slot()
    rerun_slot = make_slot(
        name="周六重播", kind=SlotKind.RERUN, rerun_of=slot, rrule="FREQ=WEEKLY;BYDAY=SA"
    )
    first = propose(
        title="先锋工程纪实：第一书记",
        synopsis="记录第一书记带领村民发展产业的一年。",
        genre="专题",
        priority_tags=("先锋工程",),
    )
    series = Series(
        column=crew.column, title="乡村振兴连续报道", parts=4, start_by=date(2026, 4, 1)
    )
    series.created_at = NOW
    session.add(series)
    session.flush()
    third = propose(title="村务公开促和谐", series=series, part_number=3)
    premiere = air(session, slot, first, FRIDAY)
    rerun = air(session, rerun_slot, first, FRIDAY + timedelta(days=1), premiere=premiere)
    part = air(session, slot, third, FRIDAY + timedelta(days=7))
    channel = channels.channel_of(session, slot)
    return Guide(session, channel, slot, rerun_slot, premiere, rerun, part)


def programmes(root: Element) -> list[Element]:
    return root.findall("programme")


def test_the_guide_is_valid_xmltv_with_one_channel(guide: Guide) -> None:
    root = checked(guide.render())
    assert root.tag == "tv"
    assert root.get("source-info-name") == xmltv.SOURCE_NAME
    assert root.get("generator-info-name") == "tvcolumn"
    (channel,) = root.findall("channel")
    assert channel.get("id") == f"{guide.channel.code}.tvcolumn"
    names = channel.findall("display-name")
    assert [n.text for n in names] == [guide.channel.name, "县电视台 综合频道"]
    assert {n.get("lang") for n in names} == {"zh"}
    assert {p.get("channel") for p in programmes(root)} == {channel.get("id")}


def test_times_carry_the_local_offset(guide: Guide) -> None:
    first = programmes(parse(guide.render()))[0]
    assert first.get("start") == "20260306200000 +0800"
    assert first.get("stop") == "20260306203000 +0800"


def test_a_premiere_is_new_and_a_rerun_previously_shown_at_the_premiere(guide: Guide) -> None:
    premiere, rerun, _part = programmes(parse(guide.render()))
    assert premiere.find("new") is not None and premiere.find("previously-shown") is None
    assert rerun.find("new") is None
    shown = rerun.find("previously-shown")
    assert shown is not None and shown.get("start") == "20260306200000 +0800"
    assert rerun.get("start") == "20260307200000 +0800"


def test_chinese_text_with_lang_and_categories(guide: Guide) -> None:
    premiere = programmes(parse(guide.render()))[0]
    title, desc = premiere.find("title"), premiere.find("desc")
    assert title is not None and title.text == "先锋工程纪实：第一书记"
    assert desc is not None and desc.text == "记录第一书记带领村民发展产业的一年。"
    assert title.get("lang") == desc.get("lang") == "zh"
    assert [(c.text, c.get("lang")) for c in premiere.findall("category")] == [
        ("专题", "zh"),
        ("先锋工程", "zh"),
    ]
    length = premiere.find("length")
    assert length is not None and (length.get("units"), length.text) == ("minutes", "30")


def test_a_series_part_is_numbered_for_the_guide_and_on_screen(guide: Guide) -> None:
    premiere, _rerun, part = programmes(parse(guide.render()))
    sub = part.find("sub-title")
    assert sub is not None and (sub.text, sub.get("lang")) == ("乡村振兴连续报道", "zh")
    numbers = {n.get("system"): n.text for n in part.findall("episode-num")}
    assert numbers == {"xmltv_ns": ".2/4.", "onscreen": "连续报道（三）"}
    assert "连续报道" in [c.text for c in part.findall("category")]
    assert part.find("desc") is None  # no synopsis: no empty desc (the validator refuses one)
    assert premiere.find("episode-num") is None and premiere.find("sub-title") is None


def test_only_published_and_aired_airings_of_the_channel_in_the_window(
    guide: Guide, crew: Crew, make_slot: Callable[..., Slot], propose: Callable[..., Episode]
) -> None:
    session = guide.session
    guide.part.status = AiringStatus.AIRED
    for status in (AiringStatus.DRAFT, AiringStatus.CANCELLED):
        air(
            session,
            guide.slot,
            propose(title=f"不该出现{status}"),
            FRIDAY + timedelta(days=14),
            status,
        )
    elsewhere = make_slot(name="另一频道", channel="公共频道", rrule="FREQ=WEEKLY;BYDAY=MO")
    air(session, elsewhere, propose(title="另一频道的节目"), FRIDAY + timedelta(days=3))
    far = feeds.window(NOW).ends_at + timedelta(days=1)
    air(session, guide.slot, propose(title="窗口之外"), far)
    titles = [p.findtext("title") for p in programmes(checked(guide.render()))]
    assert titles == ["先锋工程纪实：第一书记", "先锋工程纪实：第一书记", "村务公开促和谐"]


def test_hostile_text_is_escaped_and_still_valid(guide: Guide) -> None:
    episode = guide.premiere.episode
    episode.title = HOSTILE
    episode.synopsis = "简介\x02：" + HOSTILE
    episode.genre = "a<b>&c"
    guide.session.flush()
    body = guide.render()
    premiere = programmes(checked(body))[0]
    clean = "<b>党建&\"引领\"</b> 'x'  🎉 ]]> &amp;"
    assert premiere.findtext("title") == clean
    assert premiere.findtext("desc") == "简介：" + clean
    assert premiere.findtext("category") == "a<b>&c"
    assert b"<b>" not in body and "🎉".encode() in body


def test_a_blank_title_falls_back_to_the_column(guide: Guide) -> None:
    guide.premiere.episode.title = "\x01 "
    guide.session.flush()
    premiere = programmes(checked(guide.render()))[0]
    assert premiere.findtext("title") == guide.slot.column.name


def test_the_channel_id_domain_is_configurable_and_checked(guide: Guide) -> None:
    span = feeds.window(NOW)
    body = xmltv.render(guide.session, guide.channel, span, domain="tv.example.cn").body
    root = checked(body)
    assert root.find("channel").get("id") == f"{guide.channel.code}.tv.example.cn"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="id domain"):
        xmltv.channel_id(guide.channel, "bad domain")


def test_last_modified_follows_the_airings(guide: Guide) -> None:
    later = NOW + timedelta(hours=3)
    guide.part.updated_at = later
    guide.session.flush()
    rendered = xmltv.render(guide.session, guide.channel, feeds.window(NOW))
    assert rendered.last_modified == later and rendered.programmes == 3
