"""What counts as visible text: one rule for every reason, comment and name."""

from __future__ import annotations

import pytest

from editorial.text import visible_text

INVISIBLE = [
    "",
    "   ",
    "\u200b",  # zero-width space
    "\u3000\u3000",  # ideographic space
    "\ufeff",  # byte-order mark
    "\u200c\u200d",  # zero-width non-joiner and joiner
    "\u2060",  # word joiner
    "\u00a0",  # no-break space
    "\u202f\u2007\u205f",  # narrow, figure and medium mathematical spaces
    "\u180e",  # Mongolian vowel separator
    "\u3164\u2800",  # Hangul filler, braille blank
    "\ufe0f\u034f",  # variation selector, combining grapheme joiner
    "\u2028\u2029\t\r\n",  # line and paragraph separators, controls
    " \u200b\u3000\ufeff\u2060\u00a0 ",
]


@pytest.mark.parametrize("value", INVISIBLE)
def test_text_made_only_of_invisible_characters_is_empty(value: str) -> None:
    assert visible_text(value) == ""


def test_none_is_empty() -> None:
    assert visible_text(None) == ""


def test_invisible_characters_are_trimmed_at_the_ends_only() -> None:
    assert visible_text("\u200b\u3000字幕 有误\u200b\ufeff") == "字幕 有误"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert visible_text(f" {family} ") == family
