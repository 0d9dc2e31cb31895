"""The schedule's reasons on the pages: in Chinese as they are stored, in English with
nothing Chinese but what people named (titles, tags, columns, names, typed reasons)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import force_locale

from schedule.reasons import PATTERNS, reason
from tests.schedule.test_reasons import GIVEN
from web import i18n
from web.schedule_reasons import SAY, said

CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")
SAID_OTHERWISE = {"not_approved", "episode_pulled"}  # the page names the state by its label


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    app = Flask("web")  # the package's translations
    i18n.init_app(app)
    with app.app_context():
        yield app


def test_every_code_is_said_on_the_pages() -> None:
    assert set(SAY) == set(PATTERNS)


@pytest.mark.parametrize("code", sorted(set(PATTERNS) - SAID_OTHERWISE))
def test_a_reason_reads_in_chinese_as_it_is_stored(app: Flask, code: str) -> None:
    made = reason(code, **GIVEN[code])
    with force_locale("zh"):
        assert said(made.text) == said(made) == made.text


@pytest.mark.parametrize("code", sorted(PATTERNS))
def test_a_reason_reads_in_english_but_for_what_people_named(app: Flask, code: str) -> None:
    made = reason(code, **GIVEN[code])
    with force_locale("en"):
        text = said(made.text)
    for name in ("title", "tag", "column", "name", "why"):
        text = text.replace(str(made.params.get(name, "")) or "\0", "")
    assert not CJK.search(text), text


def test_the_state_an_episode_is_in_is_named_by_its_label(app: Flask) -> None:
    with force_locale("en"):
        assert said(reason("not_approved", state="returned")) == (
            "The episode is “Returned for changes”: please pull this airing"
        )
    with force_locale("zh"):
        assert said(reason("not_approved", state="withdrawn")) == "节目状态为“已撤销”，请撤下"
        assert said(reason("episode_pulled", state="pulled")) == "节目状态为“已撤播”，已取消"


def test_a_reason_a_person_typed_shows_as_typed(app: Flask) -> None:
    with force_locale("en"):
        assert said("国庆直播") == "国庆直播"
        assert said("") == said(None) == ""


def test_a_length_is_said_in_minutes_and_seconds(app: Flask) -> None:
    with force_locale("en"):
        made = reason("no_fitting_slot", duration=1530, slots=[900, 1800])
        assert said(made) == (
            "Its length 25 min 30 s fits none of the column's premiere slots (15 min, 30 min)"
        )
