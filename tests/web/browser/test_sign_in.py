"""In a real browser: signing in, the home page in Chinese, Chinese glyphs really drawn, and
the sign-in page at phone width. Each test leaves a screenshot with the test output."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import PHONE, screenshot, sign_in

BRAND = "《时代风采》节目统筹与播出编排"  # base.html: on every page
EDITOR_DIRECTOR = ("wang.fang", "王芳")  # the demo's editor-director of 《时代风采》


def test_an_editor_director_signs_in_and_sees_the_home_page_in_chinese(
    page: Page, live_server: str
) -> None:
    username, name = EDITOR_DIRECTOR
    sign_in(page, username)
    assert page.url == f"{live_server}/"
    expect(page.locator("header.top")).to_contain_text(name)
    expect(page.locator("header.top .brand")).to_have_text(BRAND)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    screenshot(page, "home-editor-director")


def platform_fonts(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium drew the element's text with, and how many glyphs each (DevTools)."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    cdp.send("CSS.enable")
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def test_chinese_text_is_drawn_with_a_cjk_font(page: Page) -> None:
    page.goto("/sign-in")
    fonts = platform_fonts(page, "header.top .brand")
    assert fonts, "Chromium reported no font for the brand"
    assert all("CJK" in family for family in fonts), fonts
    assert sum(fonts.values()) == len(BRAND)
    screenshot(page, "sign-in")


def test_chinese_characters_are_not_missing_glyph_boxes(page: Page) -> None:
    """A run of Chinese characters is as wide as full-width glyphs (one em each), not as a
    run of as many boxes for a character no font has (U+F0000, private use)."""
    page.goto("/sign-in")
    chinese, boxes, em = page.evaluate(
        """() => {
            const style = getComputedStyle(document.body);
            const ctx = document.createElement("canvas").getContext("2d");
            ctx.font = style.font;
            return [
                ctx.measureText("时代风采节目统筹").width,
                ctx.measureText("\\u{F0000}".repeat(8)).width,
                parseFloat(style.fontSize),
            ];
        }"""
    )
    assert abs(chinese - boxes) > em
    assert abs(chinese - 8 * em) < 0.05 * 8 * em


def test_the_sign_in_page_fits_a_phone(phone_page: Page) -> None:
    phone_page.goto("/sign-in")
    expect(phone_page.locator("h1")).to_have_text("登录")
    expect(phone_page.locator("form.stack button[type=submit]")).to_be_in_viewport()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px wide"
    screenshot(phone_page, "sign-in-phone")
