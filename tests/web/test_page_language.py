"""Every page speaks the reader's language: an English page shows no Chinese and a Chinese
page no English, except what the users themselves typed.

A crawler signs in as each working role of the demo, switches the language, and follows
every same-site link from the home page (bounded: at most ``PER_SHAPE`` pages per shape
of address, e.g. ``/episodes/N``), skipping feeds, downloads, media files and the language
switch. Of each page it reads what a person sees or hears: the text outside scripts,
styles and text areas, and the ``title``, ``placeholder``, ``aria-label`` and ``alt``
attributes and the labels of buttons.

User data is taken out before the check: the strings of the database columns named in
``USER_DATA`` (titles, names, synopses, notes, reasons people typed, …) are removed from
the page's text, longest first. Then:

- English: no CJK character (ideographs, CJK and full-width punctuation) may remain;
- Chinese: no word of Latin letters may remain but those of ``ENGLISH_ON_CHINESE_PAGES``
  (units, formats and protocol names a Chinese broadcast engineer writes that way too)
  and what is written alike in both (``ADDRESS``: URLs, e-mail addresses, file names,
  recurrence rules, keys);
- either: no code on show (``in_production``, ``liaison_behind``).

Every episode page worth telling apart (one per state, and each with media), every
airing page and every series page is read too, in both languages. One demo per backend
for the whole module (loading it takes seconds), with what the scheduler service would
have done (reminders sent, a run missed); the crawl only reads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

import migrations
from calendars.models import ExternalAiring, FeedSource
from cli import cli
from editorial.db import make_engine
from editorial.demo import DEMO_PASSWORD
from editorial.models import (
    ApiToken,
    Column,
    Comment,
    Episode,
    HistoryEntry,
    HolidayDay,
    Person,
    PriorityTag,
    ReviewNote,
    Series,
    SignOff,
)
from liaison.models import Attendance, Meeting, Priority
from media.models import MediaJob, MediaVersion
from schedule.models import Airing, AsRunEntry, AsRunLog, BroadcastChannel, Slot, SlotDate
from scheduler import jobs
from station.asrun_report import week_label, week_of
from tests.conftest import PG_URL
from tests.station.asrun_rows import local
from tests.web.conftest import PostgresSchema, sign_in
from web import create_app
from web.db import session_factory, unit_of_work

# One demo person per role (``tvcolumn users list``).
ROLES = {
    "producer": "liu.yang",
    "editor_director": "zhang.wei",
    "reviewer": "li.jianguo",
    "final_approver": "zhao.guoqiang",
    "liaison": "zhou.min",
    "scheduler": "he.jing",
    "admin": "ma.lin",
}
PER_SHAPE = 1  # pages per shape of address (digits and query values aside)
MAX_PAGES = 250  # per crawl: a guard against a link that makes new addresses forever

# What people typed (or imported from a county's feed): shown as typed, in any language.
USER_DATA: tuple[InstrumentedAttribute[Any], ...] = (
    Column.name,
    Column.slug,
    Column.station,
    Column.channel,
    Person.display_name,
    Person.username,
    Person.email,
    ApiToken.label,
    Series.title,
    Episode.title,
    Episode.topic,
    Episode.synopsis,
    Episode.genre,
    PriorityTag.tag,
    SignOff.note,
    Comment.body,
    ReviewNote.body,
    HistoryEntry.reason,
    HolidayDay.name,
    Slot.name,
    Slot.station,
    Slot.channel,
    BroadcastChannel.station,
    BroadcastChannel.name,
    SlotDate.reason,
    Meeting.place,
    Meeting.minutes,
    Attendance.attendees,
    Attendance.notes,
    Priority.theme,
    Priority.tag,
    Priority.description,
    FeedSource.name,
    ExternalAiring.summary,
    ExternalAiring.location,
    ExternalAiring.description,
    MediaVersion.original_name,
    MediaJob.log,  # what the worker wrote (English), shown as written
    BroadcastChannel.station,
    BroadcastChannel.name,
    BroadcastChannel.code,
    AsRunLog.file_name,
    AsRunEntry.title,
    AsRunEntry.house_id,
    AsRunEntry.status,
)
SKIPPED = re.compile(
    r"^/(feeds/.|lang/|static/|favicon|api/)"  # feeds, the switch, files, the JSON API
    r"|\.(ics|xlsx|csv|json|mp4|jpg|png|svg)$"  # downloads
    r"|/media/jobs/\d+/"  # proxies, contact sheets, packages
)
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")
# What a Chinese page writes in Latin letters too, each because a Chinese page uses it:
ENGLISH_ON_CHINESE_PAGES = frozenset(
    {
        *("s", "fps", "dB", "dBTP", "LKFS", "LU", "MB", "GB", "A4"),  # units, paper
        *("HH", "MM", "SS", "FF", "ID"),  # the timecode's pattern, an ID
        *("MP4", "aac", "CSV", "XLSX", "Excel", "GBK", "ZIP"),  # formats, codecs (as ffprobe says)
        "ISO",  # ISO 周次: the week numbering the order sheet (播出单) goes by
        *("UTF-8", "GB18030"),  # text encodings (the as-run upload's), named so in Chinese too
        *("iCalendar", "RFC", "RRULE", "URL", "API", "Webhook", "SEC"),  # standards, and
        # the words WeCom's and DingTalk's own Chinese pages use (a secret starts with SEC)
        *("Outlook", "Thunderbird"),  # calendar programs' names
        *("XMLTV", "EPG"),  # the programme guide's format, and what stations call a guide
    }
)
# Written the same in every language: addresses, file names, recurrence rules, keys,
# time zones, formulas and commands.
ADDRESS = re.compile(
    r"\b[a-z]+://\S*"  # a URL, or its scheme alone ("webcal:// 链接")
    r"|[\w.+-]+@[\w-]+(\.[\w-]+)+"  # an e-mail address
    r"|[\w.-]+\.(mp4|mov|mxf|ics|csv|xlsx|json|jpg|png)\b"  # a file name
    r"|\b(FREQ|BYDAY)=[\w,;=+-]*"  # an RFC 5545 recurrence rule (FREQ=WEEKLY;BYDAY=FR)
    r"|\bCtrl\+\w|\b[A-Z](/[A-Z])+\b"  # keys: Ctrl+P, J/K/L
    r"|\bAsia/Shanghai\b|\bmin\(|\btvcolumn( [a-z-]+)+"  # a zone, min(a, b), a command
    r"|\b\d{4}-W\d{2}\b",  # an ISO week (2026-W10)
    re.IGNORECASE,
)
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # a code on show: in_production, liaison_behind
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")


class Page(HTMLParser):
    """What a person sees or hears of a page, and where its links go."""

    SILENT = frozenset({"script", "style", "template", "textarea"})
    SPOKEN = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._silent: list[str] = []  # the open elements whose text nobody sees

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "a" and found.get("href"):
            self.links.append(found["href"])
        if tag in self.SILENT or (tag == "a" and found.get("href", "").startswith("/lang/")):
            self._silent.append(tag)  # the switch names each language in that language
            return
        if self._silent:
            return
        self.texts.extend(found[name] for name in self.SPOKEN if found.get(name))
        if tag == "input" and found.get("type") in {"submit", "button", "reset"}:
            self.texts.append(found.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if self._silent and self._silent[-1] == tag:
            self._silent.pop()

    def handle_data(self, data: str) -> None:
        if not self._silent:
            self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


def shape(path: str) -> str:
    """``/episodes/12?week=2026-W10`` → ``/episodes/N?week``: the pages of one template."""
    parts = urlsplit(path)
    keys = sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def read(client: FlaskClient, path: str) -> Page | None:
    """The page at ``path``, or None if it is not an HTML page the person may see."""
    response = client.get(path)
    assert response.status_code < 500, f"{path}: {response.status_code}"
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    page = Page()
    page.feed(response.get_data(as_text=True))
    return page


def crawl(client: FlaskClient) -> Iterator[tuple[str, str]]:
    """(address, visible text) of every HTML page reachable from the home page."""
    queue, seen, shapes = ["/"], {"/"}, Counter[str]()
    while queue and len(seen) <= MAX_PAGES:
        path = queue.pop(0)
        if shapes[shape(path)] >= PER_SHAPE:
            continue
        shapes[shape(path)] += 1
        if (page := read(client, path)) is None:
            continue
        yield path, page.text
        for href in page.links:
            target = urlsplit(urljoin(f"http://localhost{path}", href))
            if target.netloc != "localhost" or SKIPPED.search(target.path):
                continue
            address = target.path + (f"?{target.query}" if target.query else "")
            if address not in seen:
                seen.add(address)
                queue.append(address)


def user_data(session: Session) -> list[str]:
    """Every string people typed, longest first (so a title goes before a word in it)."""
    found: set[str] = set()
    for attribute in USER_DATA:
        found.update(v.strip() for v in session.scalars(select(attribute)) if v and v.strip())
    for agenda in session.scalars(select(Meeting.agenda)):
        found.update(item["title"] for item in agenda if item.get("title"))
    return sorted(found, key=len, reverse=True)


def samples(session: Session) -> set[int]:
    """Episodes whose pages differ: the first of each state, and each with media."""
    first = select(func.min(Episode.id)).group_by(Episode.state)
    return set(session.scalars(first)) | set(session.scalars(select(MediaVersion.episode_id)))


class Demo:
    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.typed = user_data(session)
        self.details = (
            [f"/episodes/{n}" for n in sorted(samples(session))]
            + [f"/schedule/airings/{n}" for n in session.scalars(select(Airing.id))]
            + [f"/series/{n}" for n in session.scalars(select(Series.id))]
            + [
                f"/schedule/asrun/?channel={code}&week={week}"
                for code in session.scalars(select(BroadcastChannel.code))
                for week in _asrun_weeks(session)
            ]
        )

    def foreign(self, language: str, text: str) -> list[str]:
        """The words of ``text`` in the other language, user data aside."""
        for value in self.typed:
            text = text.replace(value, " ")
        text = ADDRESS.sub(" ", text)
        codes = RAW_CODE.findall(text)
        if language == "en":
            return codes + CJK.findall(text)
        words = WORD.findall(text)
        return codes + [w for w in words if w not in ENGLISH_ON_CHINESE_PAGES]

    def client(self, role: str, language: str) -> FlaskClient:
        client = self.app.test_client()
        sign_in(client, ROLES[role], DEMO_PASSWORD)
        assert client.get(f"/lang/{language}").status_code == 302
        return client


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo, with what the scheduler service would have done by now."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL not configured: set TVCOLUMN_TEST_DATABASE_URL")
    folder = tmp_path_factory.mktemp(f"language-{request.param}")
    schema = PostgresSchema() if request.param == "postgresql" else None
    url = schema.url if schema else f"sqlite:///{folder / 'app.sqlite3'}"
    if schema is None:
        engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            "FEEDS_DIR": str(folder / "feeds"),
            "MEDIA_DIR": str(folder / "media"),
            "TESTING": True,
        }
    )
    loaded = CliRunner().invoke(cli, ["demo", "load"], obj=ScriptInfo(create_app=lambda: app))
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        run_the_service(app)
        with unit_of_work(app) as session:
            assert session.scalar(select(func.count(AsRunLog.id))), "the demo imports an as-run log"
            site = Demo(app, session)
    yield site
    session_factory(app).kw["bind"].dispose()
    if schema:
        schema.drop()


def _asrun_weeks(session: Session) -> list[str]:
    """The weeks of the as-run logs (the as-run report's pages worth reading)."""
    return sorted(
        {week_label(week_of(local(day, 12))) for day in session.scalars(select(AsRunLog.first_day))}
    )


def run_the_service(app: Flask) -> None:
    """The service's reminders, sent; and a run it missed, for the admin's service page."""
    jobs.configure(session_factory(app))
    try:
        assert jobs.remind() and jobs.remind_liaison()
        jobs.record_missed("publish-frozen", datetime.now(UTC), "its previous run had not ended")
    finally:
        jobs.configure(None)


def leaks(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}: {', '.join(sorted(set(words)))}" for path, words in found.items())


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("role", ROLES)
def test_pages_a_role_reaches_speak_one_language(demo: Demo, role: str, language: str) -> None:
    found: dict[str, list[str]] = {}
    for path, text in crawl(demo.client(role, language)):
        if words := demo.foreign(language, text):
            found[path] = words
    assert not found, f"the other language on {language} pages:\n{leaks(found)}"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_episode_and_airing_page_speaks_one_language(demo: Demo, language: str) -> None:
    client, found = demo.client("reviewer", language), {}
    for path in demo.details:
        page = read(client, path)
        if page is not None and (words := demo.foreign(language, page.text)):
            found[path] = words
    assert not found, f"the other language on {language} pages:\n{leaks(found)}"


def test_the_check_sees_a_chinese_word_on_an_english_page() -> None:
    page = Page()
    page.feed(
        '<p title="标题">Hello <script>var s = "脚本";</script><a href="/lang/zh">中文</a></p>'
    )
    assert CJK.findall(page.text) == ["标题"]


def test_the_check_sees_an_english_word_on_a_chinese_page() -> None:
    page = Page()
    page.feed('<p>您好 first <input type="submit" value="Save"> <a href="/lang/en">English</a></p>')
    assert WORD.findall(page.text) == ["first", "Save"]
