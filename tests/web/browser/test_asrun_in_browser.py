"""In a real browser, the city's scheduler opens 「导入播后记录」 from the schedule report and
uploads the station's GB18030 log of last week: without its encoding it is refused naming
how to declare it, with it the page shows the late and the missing airing. The screenshots
(Chinese and English) go with the test output."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import screenshot, sign_in

SCHEDULER = "he.jing"


def demo_log(app: Flask, tmp_path: Path) -> Path:
    """The demo's log with one more row of the station's own (a new file, not yet imported)."""
    (found,) = (Path(app.config["INSTANCE_PATH"]) / "demo").glob("asrun-*.csv")
    data = found.read_bytes()
    last_day = data.decode("gb18030").strip().splitlines()[-1].split(",")[0]
    extra = f"{last_day},23:30:00,00:10:00:00,晚间天气预报,TQ2330,已播\r\n".encode("gb18030")
    path = tmp_path / "播后记录-上周.csv"
    path.write_bytes(data + extra)
    return path


def upload(page: Page, path: Path, encoding: str) -> None:
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=encoding]", encoding)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def test_the_scheduler_imports_last_weeks_log_from_the_report(
    page: Page, live_app: Flask, tmp_path: Path
) -> None:
    path = demo_log(live_app, tmp_path)
    sign_in(page, SCHEDULER)
    page.goto("/schedule/report")
    page.click("text=导入播后记录")
    expect(page.locator("h1")).to_have_text("导入播后记录")
    upload(page, path, "")
    expect(page.locator("p.error")).to_contain_text("无法确定文件的编码")
    screenshot(page, "asrun-refused-zh")
    upload(page, path, "gb18030")
    counts = page.locator("p.asrun-counts")
    expect(counts).to_contain_text("迟播 1 次")
    expect(counts).to_contain_text("漏播 1 次")
    expect(page.locator("table.asrun-problems tbody tr")).to_have_count(2)
    expect(page.locator("table.asrun-unplanned")).to_contain_text("晚间天气预报")
    screenshot(page, "asrun-imported-zh")
    page.goto("/lang/en")
    page.goto("/schedule/asrun/import/")
    upload(page, path, "gb18030")
    expect(page.locator("p.flash")).to_contain_text("imported on")
    expect(page.locator("p.asrun-counts")).to_contain_text("late 1")
    screenshot(page, "asrun-again-en")
