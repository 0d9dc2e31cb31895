"""Reading as-run logs as playout systems export them, and refusing what cannot be read,
each refusal naming the row and the problem."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from editorial.errors import InvalidInput
from station.asrun_read import read_log
from tests.station.asrun.conftest import HEADER, csv_bytes

ROWS = [
    ["2026-02-23", "20:00:00", "00:20:00:12", "《节目1》", "E000001", "已播"],
    ["2026-02-23", "20:30:00", "1800", "广告", "", "正常"],
]


def utc(day: int, hour: int, minute: int, second: int = 0, ms: int = 0) -> datetime:
    local = datetime(2026, 2, day, hour, minute, second) + timedelta(milliseconds=ms)
    return (local - timedelta(hours=8)).replace(tzinfo=UTC)


def refusal(data: bytes, name: str = "log.csv", **kw: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        read_log(name, data, **kw)  # type: ignore[arg-type]
    return caught.value


def test_a_utf8_csv_is_read_with_frames_and_seconds_as_durations() -> None:
    log = read_log("log.csv", csv_bytes(ROWS))
    first, second = log.rows
    assert (log.file_format, log.encoding) == ("csv", "utf-8")
    assert (first.row, first.starts_at, first.duration_ms) == (2, utc(23, 20, 0), 1_200_480)
    assert (first.title, first.house_id, first.status) == ("《节目1》", "E000001", "已播")
    assert (second.row, second.duration_ms) == (3, 1_800_000)
    assert (log.first_day, log.last_day) == (date(2026, 2, 23), date(2026, 2, 23))


def test_a_utf8_csv_with_a_bom_reads_its_first_head() -> None:
    log = read_log("log.csv", csv_bytes(ROWS, bom=True))
    assert log.rows[0].starts_at == utc(23, 20, 0)


def test_a_gb18030_csv_is_read_when_declared() -> None:
    log = read_log("log.csv", csv_bytes(ROWS, encoding="gb18030"), encoding="GBK")
    assert log.encoding == "gb18030"
    assert log.rows[0].title == "《节目1》"


def test_a_gbk_csv_without_declaration_is_refused_naming_the_option() -> None:
    error = refusal(csv_bytes(ROWS, encoding="gbk"))
    assert error.code == "asrun_encoding_undeclared"
    assert error.params["hint"] == "gb18030"
    assert "--encoding gb18030" in error.message


def test_a_utf8_file_declared_gbk_is_refused_instead_of_read_wrong() -> None:
    error = refusal(csv_bytes(ROWS), encoding="gb18030")
    assert error.code == "asrun_encoding_is_utf8"


def test_a_declared_encoding_that_does_not_decode_names_the_row() -> None:
    data = csv_bytes(ROWS[:1]) + b"2026-02-23,21:00:00,10,\xff\xfe\xfd,,\r\n"
    error = refusal(data, encoding="utf-8")
    assert (error.code, error.params["row"]) == ("asrun_encoding_wrong", 3)


def test_english_heads_tabs_and_one_column_with_day_and_time() -> None:
    data = (
        b"Start Time\tDuration\tTitle\tHouse ID\tStatus\r\n"
        b"2026-02-23 20:00:05\t00:20:00\tSpring\tE000001\tAired\r\n"
    )
    (row,) = read_log("log.tsv", data).rows
    assert (row.starts_at, row.duration_ms, row.title) == (utc(23, 20, 0, 5), 1_200_000, "Spring")


def test_a_start_after_midnight_of_the_broadcast_day_is_the_next_day() -> None:
    (row,) = read_log("log.csv", csv_bytes([["2026-02-23", "24:10:00", "60", "夜间", "", ""]])).rows
    assert row.starts_at == utc(24, 0, 10)


def test_title_lines_before_the_header_keep_the_file_row_numbers() -> None:
    data = "县电视台综合频道播出记录\r\n\r\n".encode() + csv_bytes(ROWS)
    log = read_log("log.csv", data)
    assert [r.row for r in log.rows] == [4, 5]


def xlsx(rows: list[list[object]], header: tuple[str, ...] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    for cell in sheet["C"][1:]:
        if isinstance(cell.value, timedelta):
            cell.number_format = "[h]:mm:ss"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_with_real_dates_times_and_durations_is_read() -> None:
    data = xlsx(
        [
            [date(2026, 2, 23), time(20, 0, 3), timedelta(minutes=20), "节目1", "E000001", "已播"],
            [datetime(2026, 2, 23), "20:30:00", "00:10:00:05", "节目2", None, None],
            [date(2026, 2, 23), time(21, 0), 600, "节目3", "", ""],
        ]
    )
    log = read_log("log.xlsx", data)
    assert (log.file_format, log.encoding) == ("xlsx", "")
    assert [(r.row, r.starts_at, r.duration_ms) for r in log.rows] == [
        (2, utc(23, 20, 0, 3), 1_200_000),
        (3, utc(23, 20, 30), 600_200),
        (4, utc(23, 21, 0), 600_000),
    ]
    assert log.rows[1].house_id == ""


@pytest.mark.parametrize(
    ("header", "missing", "found"),
    [
        (("日期", "时长", "节目名称"), "开始时间/Start", "日期、时长、节目名称"),
        (("日期", "开始时间", "时长", "备注"), "节目名称/Title", "日期、开始时间、时长、备注"),
        (("a", "b"), "时长/Duration", "a、b"),
    ],
)
def test_missing_columns_are_named_with_the_columns_found(
    header: tuple[str, ...], missing: str, found: str
) -> None:
    error = refusal(csv_bytes([["x"] * len(header)], header=header))
    assert error.code == "asrun_columns_missing"
    assert missing in str(error.params["missing"])
    assert error.params["found"] == found


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (["2026-02-30", "20:00:00", "60", "节目", "", ""], "asrun_bad_date"),
        (["0001-01-01", "00:00:00", "60", "节目", "", ""], "asrun_bad_date"),
        (["9999-12-31", "23:00:00", "60", "节目", "", ""], "asrun_bad_date"),
        (["昨天", "20:00:00", "60", "节目", "", ""], "asrun_bad_date"),
        (["2026-02-23", "20:61:00", "60", "节目", "", ""], "asrun_bad_time"),
        (["2026-02-23", "晚上八点", "60", "节目", "", ""], "asrun_bad_time"),
        (["2026-02-23", "20:00:00", "半小时", "节目", "", ""], "asrun_bad_duration"),
        (["2026-02-23", "20:00:00", "00:20:00:25", "节目", "", ""], "asrun_bad_duration"),
        (["2026-02-23", "20:00:00", "-5", "节目", "", ""], "asrun_bad_duration"),
        (["2026-02-23", "20:00:00", "60", "", "", ""], "asrun_row_unnamed"),
    ],
)
def test_an_unreadable_value_is_refused_naming_its_row(row: list[str], code: str) -> None:
    error = refusal(csv_bytes([ROWS[0], row]))
    assert (error.code, error.params["row"]) == (code, 3)
    assert "row 3" in error.message


def test_two_rows_at_one_start_are_refused_naming_both() -> None:
    error = refusal(csv_bytes([ROWS[0], ROWS[1], ROWS[0]]))
    assert error.code == "asrun_duplicate_rows"
    assert (error.params["other"], error.params["row"]) == (2, 4)


def test_a_row_starting_before_the_last_one_ends_is_refused() -> None:
    overlapping = ["2026-02-23", "20:15:00", "600", "插播", "", ""]
    error = refusal(csv_bytes([ROWS[0], overlapping]))
    assert error.code == "asrun_overlap"
    assert (error.params["row"], error.params["other"]) == (3, 2)
    assert "row 3 starts before row 2 ends" in error.message


def test_a_row_the_playout_did_not_air_may_overlap_what_replaced_it() -> None:
    skipped = ["2026-02-23", "20:00:00", "00:20:00:00", "节目1", "", "未播"]
    instead = ["2026-02-23", "20:00:30", "600", "应急节目", "", "已播"]
    log = read_log("log.csv", csv_bytes([skipped, instead]))
    assert [r.aired for r in log.rows] == [False, True]


def test_a_truncated_xlsx_is_refused_plainly() -> None:
    data = xlsx([[date(2026, 2, 23), time(20), 60, "节目1", "", ""]])
    error = refusal(data[: len(data) // 2], name="log.xlsx")
    assert error.code == "asrun_xlsx_corrupt"
    assert "truncated or corrupt" in error.message


def test_an_xlsx_with_a_broken_sheet_is_refused_plainly() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([]))) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                body = body[: len(body) // 2]
            target.writestr(item, body)
    assert refusal(out.getvalue(), name="log.xlsx").code == "asrun_xlsx_corrupt"


def test_a_file_over_the_limit_is_refused_with_both_sizes() -> None:
    error = refusal(csv_bytes(ROWS), max_bytes=100)
    assert error.code == "asrun_too_large"


@pytest.mark.parametrize("data", [b"", b"  \r\n", "日期,开始时间,时长,节目名称\r\n".encode()])
def test_an_empty_file_or_a_header_alone_is_refused(data: bytes) -> None:
    assert refusal(data).code in {"asrun_empty", "asrun_no_rows"}


def test_an_old_excel_workbook_is_refused_asking_for_xlsx() -> None:
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "log.xls").code == (
        "asrun_old_excel"
    )


def test_an_xlsx_moment_of_an_impossible_year_is_refused_not_overflowed() -> None:
    data = xlsx([[None, datetime(9999, 12, 31, 23), 60, "节目1", "", ""]])
    error = refusal(xlsx_without_day(data), name="log.xlsx")
    assert (error.code, error.params["row"]) == ("asrun_bad_date", 2)


def xlsx_without_day(data: bytes) -> bytes:
    """The workbook with its day column's head renamed, so the start holds the day."""
    book = load_workbook(io.BytesIO(data))
    book.active["A1"] = "备注"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
