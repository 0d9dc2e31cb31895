"""Text people type into the system, and what of it is visible.

A reason, a comment or a name made only of characters nobody can see — spaces
of any kind (NBSP, the ideographic space U+3000), zero-width spaces and joiners,
the byte-order mark, word joiners, fillers — says nothing and is refused like
an empty one. Every such field goes through :func:`visible_text`.
"""

from __future__ import annotations

import unicodedata

# Default-ignorable or blank-looking characters whose Unicode category is not
# already a space, control or format character.
_BLANK_LOOKING = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u180b\u180c\u180d\u180e\u180f"  # Mongolian variation selectors and vowel separator
    "\u2800"  # braille pattern blank
)
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _invisible(char: str) -> bool:
    code = ord(char)
    return (
        char.isspace()
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        or char in _BLANK_LOOKING
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
    )


def visible_text(value: str | None) -> str:
    """``value`` without invisible characters at either end; ``""`` when nothing is visible.

    Invisible characters inside the text (a zero-width joiner in an emoji, a
    space between words) are kept.
    """
    text = value or ""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]
