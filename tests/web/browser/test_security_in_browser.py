"""In a real browser: the Content-Security-Policy refuses what an injection would add, and
Chromium reports it (the ``page`` fixture fails any test whose pages hit the policy)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.web.browser.conftest import sign_in


def test_an_injected_inline_script_and_style_are_refused_and_reported(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(base_url=live_server)
    try:
        page = context.new_page()
        reported: list[str] = []
        page.on("console", lambda message: reported.append(message.text))
        page.goto("/sign-in")
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injected = true";
                document.body.append(script);
                const div = document.createElement("div");
                div.innerHTML = '<img src="/static/app.css" onerror="window.injected = true">'
                    + '<p id="styled" style="color: rgb(1, 2, 3)">x</p>';
                document.body.append(div);
            }"""
        )
        page.wait_for_timeout(300)  # the image's error event, had its handler been allowed
        assert page.evaluate("() => window.injected === undefined")
        colour = page.locator("#styled").evaluate("e => getComputedStyle(e).color")
        assert colour != "rgb(1, 2, 3)"
        violations = [text for text in reported if "Content Security Policy" in text]
        assert len(violations) >= 3, reported
    finally:
        context.close()


def test_the_pages_people_use_most_run_within_the_policy(page: Page) -> None:
    """Scripts, styles, the slot preview and the copy buttons: no violation on the way."""
    sign_in(page, "ma.lin")
    for path in (
        "/",
        "/schedule/week",
        "/schedule/month",
        "/me/feeds",
        "/admin/people",
        "/admin/columns/shidai-fengcai/slots",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
