"""Signing in and out: argon2 passwords, CSRF on every form, a limit on failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from editorial import accounts, people
from editorial.models import Level, Person, Role
from tests.web.conftest import csrf_token, sign_in
from web.db import unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def person(app: Flask) -> str:
    with app.app_context(), unit_of_work(app) as s:
        column = people.create_column(
            s, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        p = people.create_person(s, NOW, username="ed", display_name="编导甲")
        people.grant_role(s, p, column, Role.EDITOR_DIRECTOR, NOW)
        accounts.set_password(s, p, "correct-horse")
    return "ed"


def attempt(app: Flask, username: str, password: str) -> tuple[int, str]:
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client), "username": username, "password": password},
    )
    return response.status_code, response.get_data(as_text=True)


def test_pages_need_a_sign_in_and_a_good_password_gives_one(app: Flask, person: str) -> None:
    client = app.test_client()
    assert client.get("/").headers["Location"].startswith("/sign-in")
    sign_in(client, person)
    assert "编导甲" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(app: Flask, person: str) -> None:
    wrong = attempt(app, person, "not-the-password")
    unknown = attempt(app, "nobody", "not-the-password")
    assert wrong[0] == unknown[0] == 401
    assert "用户名或密码不正确" in wrong[1] and "用户名或密码不正确" in unknown[1]


def test_five_failures_lock_the_account_for_a_while_even_for_the_right_password(
    app: Flask, person: str
) -> None:
    for _ in range(accounts.MAX_FAILURES):
        assert attempt(app, person, "guess")[0] == 401
    status, body = attempt(app, person, "correct-horse")
    assert status == 401 and "连续输错密码次数过多" in body
    with app.app_context(), unit_of_work(app) as s:
        locked = people.get_person(s, person)
        assert locked.locked_until is not None


def test_a_form_without_its_csrf_token_is_refused(app: Flask, person: str) -> None:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": person, "password": "correct-horse"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still signed out
    sign_in(client, person)
    assert client.post("/sign-out").status_code == 400  # sign-out is a form too
    assert client.get("/").status_code == 200


def test_sign_out_ends_the_session(app: Flask, person: str) -> None:
    client = app.test_client()
    sign_in(client, person)
    token = csrf_token(client, "/")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_next_never_leaves_the_site(app: Flask, person: str) -> None:
    client = app.test_client()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            f"/sign-in?next={target}",
            data={
                "csrf_token": csrf_token(client),
                "username": person,
                "password": "correct-horse",
            },
        )
        assert response.headers["Location"] == "/", target


def test_an_inactive_person_cannot_sign_in(app: Flask, person: str) -> None:
    with app.app_context(), unit_of_work(app) as s:
        people.get_person(s, person).active = False
    assert attempt(app, person, "correct-horse")[0] == 401


def test_passwords_are_argon2_hashes_and_short_ones_are_refused(app: Flask, person: str) -> None:
    with app.app_context(), unit_of_work(app) as s:
        stored: Person = people.get_person(s, person)
        assert stored.password_hash is not None and stored.password_hash.startswith("$argon2id$")
        with pytest.raises(accounts.InvalidInput, match="至少 8 个字符"):
            accounts.set_password(s, stored, "short")


def test_session_cookies_are_http_only_and_same_site(app: Flask, person: str) -> None:
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client), "username": person, "password": "correct-horse"},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
