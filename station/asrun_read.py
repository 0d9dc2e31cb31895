"""Reading a station's as-run log (播后记录) as playout systems export it: CSV or XLSX.

The columns are found by their heads, in Chinese or English (``HEADS``): the day
(日期), the start (开始时间; or one column with day and time together), the
duration (时长: ``HH:MM:SS``, ``HH:MM:SS:FF`` at 25 frames a second, or seconds),
the title (节目名称) and/or the house id (节目编号), and optionally the status
(状态) and the channel (频道). Times are local (Asia/Shanghai); a start of
``24:10:00`` or later belongs to the next day, as playout broadcast days run past
midnight. The header may follow a few title lines; rows are numbered as the file
numbers them (a header on the first line is row 1).

A CSV's encoding is UTF-8 (with or without BOM) unless declared: a file that is not
UTF-8 is refused unless the caller names its encoding (``gb18030``, ``gbk``), and a
declaration is checked too (a declared GBK file that is really UTF-8 is refused, as
is a declared one that does not decode), so a log is never read with the wrong one.

Everything wrong is refused with ``InvalidInput``: a code (``web.refusals``), the row
and the problem; nothing is read half.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from xml.parsers.expat import ExpatError
from zoneinfo import ZoneInfo

from editorial.errors import InvalidInput
from editorial.workdays import SHANGHAI

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # of the file
MAX_ROWS = 100_000  # a year of a busy channel is some 30,000 rows
FPS = 25  # frames per second in HH:MM:SS:FF (PAL, as Chinese playout runs)
HEADER_SEARCH = 10  # rows a header may follow (a title line or two)
MAX_HOUSE_ID = 64
MAX_STATUS = 40
FIRST_YEAR, LAST_YEAR = 1990, 2200  # a log's days; outside, a typing error
OVERLAP_SLACK_MS = 1000  # durations rounded to seconds may touch the next start

ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "gb18030": "gb18030",
    "gbk": "gb18030",  # GB18030 is a superset of GBK and GB2312: one decoder reads all three
    "gb2312": "gb18030",
    "cp936": "gb18030",
}

# Normalised head (``_head``) -> field.
HEADS: dict[str, str] = {}
for _field, _names in {
    "date": "日期 播出日期 播放日期 播出日 date airdate day",
    "start": "开始时间 播出时间 播放时间 开播时间 起始时间 时间 start starttime time airtime begin",
    "datetime": "开始日期时间 播出日期时间 日期时间 datetime startdatetime",
    "duration": "时长 播出时长 节目时长 长度 duration length dur",
    "title": "节目名称 节目 标题 名称 题目 title programme program programtitle programname name",
    "house_id": "节目编号 素材编号 编号 节目代码 节目id 素材id houseid materialid id clipid",
    "status": "状态 播出状态 status state result",
    "channel": "频道 播出频道 channel",
}.items():
    for _name in _names.split():
        HEADS[_name] = _field

NOT_AIRED = frozenset(
    {"未播", "未播出", "漏播", "取消", "已取消", "跳过", "失败", "停播"}
    | {"skipped", "skip", "failed", "fail", "cancelled", "canceled", "notaired", "missed"}
)

_BRACKETS = re.compile(r"\(.*?\)|\[.*?\]")
_SPACE = re.compile(r"[\s_\-./]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_PACKED = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[:;](\d{1,2})|[.,](\d{1,3}))?)?")
_SECONDS = re.compile(r"\d{1,6}(?:\.\d{1,3})?")


@dataclass(frozen=True)
class Row:
    """One row of the log, read: its start in UTC and what it says."""

    row: int
    starts_at: datetime
    duration_ms: int
    title: str
    house_id: str
    status: str
    channel: str  # as the file's channel column names it; "" without one

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(milliseconds=self.duration_ms)

    @property
    def aired(self) -> bool:
        return aired(self.status)


def aired(status: str) -> bool:
    """False when the playout's status says the row did not air (未播, skipped, …)."""
    return _head(status) not in NOT_AIRED


@dataclass(frozen=True)
class ReadLog:
    file_format: str  # "csv" or "xlsx"
    encoding: str  # a CSV's, "" for XLSX
    rows: list[Row]
    first_day: date
    last_day: date


class LogRefused(InvalidInput):
    """An as-run log that cannot be read: the problem of the field ``file``."""

    def __init__(self, message: str, *, code: str, **params: Any) -> None:
        super().__init__(message, {"file": message}, code=code, **params)


def read_log(
    file_name: str,
    data: bytes,
    *,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    tz: ZoneInfo = SHANGHAI,
) -> ReadLog:
    """The rows of an as-run log, checked: refuses (``InvalidInput``) what cannot be read."""
    check_size(len(data), max_bytes)
    if not data.strip():
        raise LogRefused("the file is empty", code="asrun_empty")
    lower = file_name.lower()
    if data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
        records, used = _xlsx_records(data), ""
        file_format = "xlsx"
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or lower.endswith(".xls"):
        raise LogRefused(
            "the file is an old Excel workbook (.xls): save it as .xlsx or CSV",
            code="asrun_old_excel",
        )
    else:
        text, used = decode(data, encoding)
        records, file_format = _csv_records(text), "csv"
    rows = _rows(records, tz)
    check_order(rows)
    days = [r.starts_at.astimezone(tz).date() for r in rows]
    return ReadLog(file_format, used, rows, min(days), max(days))


def check_size(size: int, max_bytes: int) -> None:
    """Refuse a file over ``max_bytes`` (before reading it, where the size is known)."""
    if size > max_bytes:
        raise LogRefused(
            f"the file is {megabytes(size)} MB, over the limit of {megabytes(max_bytes)} MB",
            code="asrun_too_large",
            size=megabytes(size),
            limit=megabytes(max_bytes),
        )


def megabytes(size: int) -> str:
    """A size in MB as people write it: 10, 0.5, 100."""
    return f"{size / (1024 * 1024):.3g}"


# --- encodings --------------------------------------------------------------------------------


def decode(data: bytes, declared: str | None) -> tuple[str, str]:
    """The text of a CSV and the encoding it was read in (``utf-8`` or ``gb18030``)."""
    if declared:
        name = ENCODINGS.get(declared.strip().lower().replace("_", "-"))
        if name is None:
            raise LogRefused(
                f"unknown encoding {declared!r}: give utf-8 or gb18030 (gbk)",
                code="asrun_encoding_unknown",
                encoding=declared,
            )
        if name == "gb18030" and _is_utf8(data) and not data.isascii():
            raise LogRefused(
                f"the file is UTF-8, not {declared}: import it without an encoding",
                code="asrun_encoding_is_utf8",
                encoding=declared,
            )
        return _strict(data, name, declared), name
    if _is_utf8(data):
        return _strict(data, "utf-8", "utf-8"), "utf-8"
    hint = "gb18030" if _looks_chinese(data) else ""
    raise LogRefused(
        "cannot tell the file's encoding: it is not UTF-8"
        + (" (it reads as GBK/GB18030)" if hint else "")
        + "; save it as UTF-8 or give its encoding (--encoding gb18030)",
        code="asrun_encoding_undeclared",
        hint=hint,
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _strict(data: bytes, name: str, declared: str) -> str:
    if data.startswith(codecs.BOM_UTF8) and name == "utf-8":
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode(name)
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        raise LogRefused(
            f"row {row} is not {declared}: the file is in another encoding",
            code="asrun_encoding_wrong",
            row=row,
            encoding=declared,
        ) from None


def _looks_chinese(data: bytes) -> bool:
    """Whether the bytes read strictly as GB18030 into text that is mostly CJK."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 0x7F]
    cjk = [c for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"]
    return bool(wide) and len(cjk) >= 0.8 * len(wide)


# --- records: CSV and XLSX ---------------------------------------------------------------------


def _csv_records(text: str) -> Iterator[tuple[int, list[Any]]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise LogRefused(
            f"row {reader.line_num} cannot be read as CSV: {error}",
            code="asrun_csv_broken",
            row=reader.line_num,
        ) from None


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    # openpyxl is imported here only by need: it is slow to import and CSV needs none of it.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ExpatError, EOFError) as error:
        raise _corrupt(error) from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ExpatError, EOFError) as error:
        raise _corrupt(error) from None
    except Exception as error:  # lxml's and zlib's own errors: any failure is a corrupt file
        if type(error).__module__.split(".")[0] in {"lxml", "zlib", "openpyxl", "xml"}:
            raise _corrupt(error) from None
        raise
    finally:
        book.close()


def _corrupt(error: BaseException) -> InvalidInput:
    return LogRefused(
        f"the XLSX file is truncated or corrupt and cannot be opened ({type(error).__name__}): "
        "export it again",
        code="asrun_xlsx_corrupt",
    )


# --- the header --------------------------------------------------------------------------------


def _head(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().casefold()
    text = _BRACKETS.sub("", text)
    return _SPACE.sub("", text)


def _columns(cells: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = HEADS.get(_head(cell))
        if field is not None and field not in found:
            found[field] = index
    if "datetime" in found and "start" not in found:
        found["start"] = found.pop("datetime")
    found.pop("datetime", None)
    return found


def _missing(found: dict[str, int]) -> list[str]:
    missing = [f for f in ("start", "duration") if f not in found]
    if "title" not in found and "house_id" not in found:
        missing.append("title")
    return missing


HEAD_NAMES = {
    "date": "日期/Date",
    "start": "开始时间/Start",
    "duration": "时长/Duration",
    "title": "节目名称/Title 或/or 节目编号/House ID",
}


def _rows(records: Iterable[tuple[int, list[Any]]], tz: ZoneInfo) -> list[Row]:
    it = iter(records)
    header: tuple[int, dict[str, int]] | None = None
    first_seen: list[str] | None = None
    for number, cells in it:
        if not any(_text(c) for c in cells):
            continue
        columns = _columns(cells)
        if first_seen is None:
            first_seen = [_text(c) for c in cells if _text(c)]
        if not _missing(columns):
            header = number, columns
            break
        if number >= HEADER_SEARCH:
            break
    if header is None:
        if first_seen is None:
            raise LogRefused("the file is empty", code="asrun_empty")
        missing = _missing(_columns(first_seen))
        names = ", ".join(HEAD_NAMES[m] for m in missing)
        raise LogRefused(
            f"missing columns: {names}; the file's columns are: {', '.join(first_seen)}",
            code="asrun_columns_missing",
            missing="、".join(HEAD_NAMES[m] for m in missing),
            found="、".join(first_seen),
        )
    columns = header[1]
    rows: list[Row] = []
    for number, cells in it:
        if not any(_text(c) for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise LogRefused(
                f"the file has more than {MAX_ROWS} rows: split it by weeks",
                code="asrun_too_many_rows",
                limit=MAX_ROWS,
            )
        rows.append(_row(number, cells, columns, tz))
    if not rows:
        raise LogRefused("the file has a header but no rows", code="asrun_no_rows")
    return rows


# --- one row ------------------------------------------------------------------------------------


def _cell(cells: Sequence[Any], columns: dict[str, int], field: str) -> Any:
    index = columns.get(field)
    if index is None or index >= len(cells):
        return None
    value = cells[index]
    return value.strip() if isinstance(value, str) else value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL.sub("", str(value)).strip()


def _row(number: int, cells: Sequence[Any], columns: dict[str, int], tz: ZoneInfo) -> Row:
    start_value = _cell(cells, columns, "start")
    start = _start(number, _cell(cells, columns, "date"), start_value, "date" in columns)
    duration_ms = _duration(number, _cell(cells, columns, "duration"))
    title = _text(_cell(cells, columns, "title"))
    house_id = _text(_cell(cells, columns, "house_id"))
    if not title and not house_id:
        raise LogRefused(
            f"row {number} has neither a title nor a house id",
            code="asrun_row_unnamed",
            row=number,
        )
    if len(house_id) > MAX_HOUSE_ID:
        raise LogRefused(
            f"row {number}: the house id is longer than {MAX_HOUSE_ID} characters",
            code="asrun_bad_house_id",
            row=number,
            limit=MAX_HOUSE_ID,
        )
    return Row(
        row=number,
        starts_at=start.replace(tzinfo=tz).astimezone(UTC),
        duration_ms=duration_ms,
        title=title,
        house_id=house_id,
        status=_text(_cell(cells, columns, "status"))[:MAX_STATUS],
        channel=_text(_cell(cells, columns, "channel")),
    )


def _bad(number: int, what: str, value: object) -> InvalidInput:
    shown = _text(value)[:40]
    return LogRefused(
        f"row {number}: unreadable {what} {shown!r}",
        code="asrun_bad_date"
        if what == "date"
        else "asrun_bad_time"
        if what == "time"
        else "asrun_bad_duration",
        row=number,
        value=shown,
    )


def _start(number: int, day_value: Any, start_value: Any, has_day: bool) -> datetime:
    """The local start (naive) from the day and the start, or a start with both."""
    if isinstance(start_value, datetime):  # a spreadsheet's moment
        if FIRST_YEAR <= start_value.year <= LAST_YEAR:
            return start_value.replace(tzinfo=None, microsecond=_ms(start_value.microsecond))
        if not has_day:
            raise _bad(number, "date", start_value)
        start_value = start_value.time()  # a time of day on Excel's day zero (1899-12-30)
    text = _text(start_value)
    day = _day(text)
    if day is None:
        if not has_day:
            raise _bad(number, "date", start_value)
        day = _parse_day(number, day_value)
        clock_text = text
    else:
        clock_text = _DATE.sub("", text, count=1) if _DATE.search(text) else text[8:]
        clock_text = clock_text.lstrip("T ").strip()
    offset = _clock(start_value) if not isinstance(start_value, str) else None
    if offset is None:
        offset = _clock_text(clock_text)
    if offset is None or offset >= timedelta(hours=30):
        raise _bad(number, "time", start_value)
    return datetime.combine(day, time()) + offset


def _ms(microsecond: int) -> int:
    return microsecond // 1000 * 1000


def _day(text: str) -> date | None:
    match = _DATE.match(text) or _DATE_PACKED.fullmatch(text) or _DATE_PACKED.match(text[:8])
    if match is None:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def _parse_day(number: int, value: Any) -> date:
    if isinstance(value, date):  # a spreadsheet's day (or moment)
        given = value.date() if isinstance(value, datetime) else value
        if not FIRST_YEAR <= given.year <= LAST_YEAR:
            raise _bad(number, "date", value)
        return given
    text = _text(value)
    day = _day(text)
    rest = _DATE.sub("", text, count=1) if _DATE.match(text) else text[8:]
    if day is None or rest.strip() not in ("", "0:00", "00:00", "0:00:00", "00:00:00"):
        raise _bad(number, "date", value)
    return day


def _clock(value: Any) -> timedelta | None:
    """A spreadsheet's time of day (a time, a timedelta or a fraction of a day)."""
    if isinstance(value, time):
        return timedelta(
            hours=value.hour,
            minutes=value.minute,
            seconds=value.second,
            milliseconds=value.microsecond // 1000,
        )
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1.25:
        return timedelta(milliseconds=round(value * 86_400_000))
    return None


def _clock_text(text: str) -> timedelta | None:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    seconds = int(match[3] or 0)
    frames = int(match[4] or 0)
    fraction = match[5]
    if minutes > 59 or seconds > 59 or frames >= FPS:
        return None
    ms = int(fraction.ljust(3, "0")) if fraction else frames * 1000 // FPS
    return timedelta(hours=hours, minutes=minutes, seconds=seconds, milliseconds=ms)


def _duration(number: int, value: Any) -> int:
    if isinstance(value, bool) or value is None:
        raise _bad(number, "duration", value)
    if isinstance(value, timedelta | time):
        offset = _clock(value)
        assert offset is not None
        return int(offset / timedelta(milliseconds=1))
    if isinstance(value, int | float):
        if value < 0 or value > 86_400:
            raise _bad(number, "duration", value)
        return round(value * 1000)
    text = _text(value)
    if _SECONDS.fullmatch(text) and float(text) <= 86_400:
        return round(float(text) * 1000)
    if text.count(":") >= 2:
        offset = _clock_text(text)
        if offset is not None and offset <= timedelta(days=1):
            return int(offset / timedelta(milliseconds=1))
    raise _bad(number, "duration", value)


# --- the rows together ----------------------------------------------------------------------


def check_order(rows: list[Row]) -> None:
    """Refuse two rows starting at one moment, and a row starting before the one before it
    ends (rows the playout says did not air are left out: what replaced them overlaps)."""
    aired = sorted((r for r in rows if r.aired), key=lambda r: (r.starts_at, r.row))
    for before, after in itertools.pairwise(aired):
        first, second = sorted((before.row, after.row))
        if before.starts_at == after.starts_at:
            raise LogRefused(
                f"rows {first} and {second} start at the same moment: a duplicated row",
                code="asrun_duplicate_rows",
                row=second,
                other=first,
            )
        if after.starts_at < before.ends_at - timedelta(milliseconds=OVERLAP_SLACK_MS):
            raise LogRefused(
                f"row {after.row} starts before row {before.row} ends: overlapping entries",
                code="asrun_overlap",
                row=after.row,
                other=before.row,
            )
