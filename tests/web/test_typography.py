"""Punctuation that differs between the languages: 《》 and “”, （） and ( ), the value
put into it escaped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import force_locale
from markupsafe import Markup

from web import i18n
from web.typography import paren, work


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    app = Flask("web")  # the package's translations
    i18n.init_app(app)
    with app.app_context():
        yield app


def test_a_works_name_is_in_title_marks_in_chinese_and_quotes_in_english(app: Flask) -> None:
    with force_locale("zh"):
        assert work("时代风采") == "《时代风采》"
    with force_locale("en"):
        assert work("时代风采") == "“时代风采”"


def test_a_remark_is_in_full_width_brackets_in_chinese_only(app: Flask) -> None:
    with force_locale("zh"):
        assert paren("估算") == "（估算）"
    with force_locale("en"):
        assert paren("estimated") == " (estimated)"


def test_the_value_is_escaped_and_markup_kept(app: Flask) -> None:
    with force_locale("zh"):
        assert work("<b>&") == "《&lt;b&gt;&amp;》"
        assert paren(Markup("<em>x</em>")) == "（<em>x</em>）"
