"""Chinese by default, English one click away; the committed catalog is compiled."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

CATALOG = Path(__file__).resolve().parents[2] / "web" / "translations" / "en" / "LC_MESSAGES"


def test_pages_are_chinese_by_default_and_english_on_request(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "<h1>登录</h1>" in page and 'lang="zh-CN"' in page
    assert client.get("/lang/en").status_code == 302
    english = client.get("/sign-in").get_data(as_text=True)
    assert "<h1>Sign in</h1>" in english and 'lang="en"' in english
    client.get("/lang/zh")
    assert "<h1>登录</h1>" in client.get("/sign-in").get_data(as_text=True)


def test_the_compiled_english_catalog_matches_its_source() -> None:
    with (CATALOG / "messages.po").open("rb") as po, (CATALOG / "messages.mo").open("rb") as mo:
        source = {m.id: m.string for m in read_po(po) if m.id}
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    assert compiled == {k: v for k, v in source.items() if v}, "run `make translations`"
