"""The plain episode list page and error pages."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from editorial import accounts, people, workflow
from editorial.models import Level, Role
from tests.web.conftest import sign_in
from web.db import unit_of_work


def test_the_home_page_lists_the_columns_episodes_with_chinese_states(app: Flask) -> None:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with app.app_context(), unit_of_work(app) as s:
        column = people.create_column(
            s, now, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        ed = people.create_person(s, now, username="ed", display_name="编导甲")
        pr = people.create_person(s, now, username="pr", display_name="制片乙")
        people.grant_role(s, ed, column, Role.EDITOR_DIRECTOR, now)
        people.grant_role(s, pr, column, Role.PRODUCER, now)
        workflow.propose(s, ed, column, now, workflow.Proposal("七一特别节目", 900, pr))
        accounts.set_password(s, ed, "correct-horse", now)
    client = app.test_client()
    sign_in(client, "ed")
    page = client.get("/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "七一特别节目" in body and "选题申报" in body and "制片乙" in body


def test_unknown_page_is_a_plain_404(app: Flask) -> None:
    response = app.test_client().get("/nowhere")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "sqlalchemy" not in body.lower()


def test_every_page_names_its_icon_and_favicon_ico_leads_to_it(app: Flask) -> None:
    client = app.test_client()
    sign_in_page = client.get("/sign-in").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in sign_in_page
    moved = client.get("/favicon.ico")
    assert moved.status_code == 301 and moved.headers["Location"] == "/static/favicon.svg"
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.data.startswith(b"<svg")
