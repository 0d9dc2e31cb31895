"""The series caption (连续报道（三）) in Chinese numerals: drawn on the packaged master's
opening (``media.render``) and written on the broadcast order sheet (``station.sheets``).

Light on purpose: no moviepy, so the web and the sheet import it freely.
"""

from __future__ import annotations

_NUMERALS = "零一二三四五六七八九"


def series_caption(part: int) -> str:
    """The caption of part ``part`` of a series: 3 → 「连续报道（三）」."""
    return f"连续报道（{chinese_number(part)}）"


def chinese_number(number: int) -> str:
    """1 to 9999 in Chinese numerals: 3 → 三, 12 → 十二, 105 → 一百零五."""
    if not 1 <= number <= 9999:
        raise ValueError(f"a part number must be between 1 and 9999, not {number}")
    if number < 20:  # 十, 十一 … 十九: no leading 一
        return _NUMERALS[number] if number < 10 else "十" + _NUMERALS[number - 10].strip("零")
    words: list[str] = []
    gap = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, value)
        if digit:
            if gap and words:
                words.append("零")
            words.append(_NUMERALS[digit] + unit)
            gap = False
        else:
            gap = True
    return "".join(words)
