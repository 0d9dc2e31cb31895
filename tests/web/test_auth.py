"""Signing in and out: argon2 passwords, CSRF on every form, a limit on failures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from editorial import accounts, people
from editorial.models import Level, Person, Role, SignIn
from tests.web.conftest import csrf_token, sign_in
from web.db import unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CSRF_VALUE = re.compile(r'name="csrf_token" type="hidden" value="[^"]*"')


@pytest.fixture
def person(app: Flask) -> str:
    with app.app_context(), unit_of_work(app) as s:
        column = people.create_column(
            s, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        p = people.create_person(s, NOW, username="ed", display_name="编导甲")
        people.grant_role(s, p, column, Role.EDITOR_DIRECTOR, NOW)
        accounts.set_password(s, p, "correct-horse", NOW)
    return "ed"


def attempt(
    app: Flask, username: str, password: str, address: str = "127.0.0.1", forwarded_for: str = ""
) -> tuple[int, str]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client), "username": username, "password": password},
        headers={"X-Forwarded-For": forwarded_for} if forwarded_for else {},
    )
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def clock(app: Flask) -> list[datetime]:
    """The sign-in clock, stopped at NOW; a test moves it by assigning ``clock[0]``."""
    stopped = [NOW]
    app.config["SIGN_IN_CLOCK"] = lambda: stopped[0]
    return stopped


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


def test_failures_are_answered_with_a_wait_not_a_lock_the_same_for_an_unknown_user(
    app: Flask, person: str, clock: list[datetime]
) -> None:
    answers = {}
    for username, address in ((person, "192.0.2.1"), ("nobody", "192.0.2.2")):
        for _ in range(accounts.FREE_PAIR):
            assert attempt(app, username, "guess", address)[0] == 401
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        response = client.post(
            "/sign-in",
            data={"csrf_token": csrf_token(client), "username": username, "password": "guess"},
        )
        answers[username] = (
            response.status_code,
            response.headers["Retry-After"],
            CSRF_VALUE.sub("", response.get_data(as_text=True)).replace(f'value="{username}"', ""),
        )
    assert answers[person] == answers["nobody"]
    assert answers[person][:2] == (429, "1")
    assert "尝试次数过多，请 1 秒后再试" in answers[person][2]
    clock[0] = NOW + timedelta(seconds=1)
    assert attempt(app, person, "correct-horse", "192.0.2.1")[0] == 302


def test_failures_from_another_address_do_not_keep_the_person_out(
    app: Flask, person: str, clock: list[datetime]
) -> None:
    for _ in range(accounts.FREE_PAIR + 3):
        attempt(app, person, "guess", "198.51.100.7")
    assert attempt(app, person, "correct-horse", "198.51.100.7")[0] == 429
    assert attempt(app, person, "correct-horse", "203.0.113.5")[0] == 302


def test_the_address_comes_from_x_forwarded_for_only_when_nginx_sends_it(
    app: Flask, person: str, clock: list[datetime]
) -> None:
    for _ in range(accounts.FREE_PAIR):
        attempt(app, person, "guess", "127.0.0.1", forwarded_for="198.51.100.7")
    behind_nginx = attempt(app, person, "correct-horse", "127.0.0.1", forwarded_for="203.0.113.5")
    assert behind_nginx[0] == 302
    for _ in range(accounts.FREE_PAIR):
        attempt(app, person, "guess", "198.51.100.9", forwarded_for="203.0.113.5")
    spoofed = attempt(app, person, "correct-horse", "198.51.100.9", forwarded_for="203.0.113.9")
    assert spoofed[0] == 429  # a client's own header is no new address


def test_a_star_trusts_every_proxy_as_gunicorn_does(
    app: Flask, person: str, clock: list[datetime]
) -> None:
    app.config["FORWARDED_ALLOW_IPS"] = ["*"]
    for _ in range(accounts.FREE_PAIR):
        attempt(app, person, "guess", "10.0.0.2", forwarded_for="198.51.100.7")
    assert attempt(app, person, "correct-horse", "10.0.0.2", "203.0.113.5")[0] == 302


def test_addresses_of_one_ipv6_64_count_as_one(
    app: Flask, person: str, clock: list[datetime]
) -> None:
    for n in range(accounts.FREE_PAIR):
        attempt(app, person, "guess", f"2001:db8:1:2::{n + 1}")
    assert attempt(app, person, "correct-horse", "2001:db8:1:2:ffff::9")[0] == 429
    assert attempt(app, person, "correct-horse", "2001:db8:1:3::1")[0] == 302


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


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def with_cookie(app: Flask, value: str) -> FlaskClient:
    """A fresh browser holding a copy of someone's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(
    app: Flask, person: str
) -> None:
    client = app.test_client()
    sign_in(client, person)
    copied = session_cookie(client)
    assert with_cookie(app, copied).get("/").status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert with_cookie(app, copied).get("/").status_code == 302


def test_signing_out_one_browser_keeps_the_others_signed_in(app: Flask, person: str) -> None:
    office, phone = app.test_client(), app.test_client()
    sign_in(office, person)
    sign_in(phone, person)
    office.post("/sign-out", data={"csrf_token": csrf_token(office, "/")})
    assert phone.get("/").status_code == 200


def test_sign_out_everywhere_ends_every_session_of_the_person(app: Flask, person: str) -> None:
    office, phone = app.test_client(), app.test_client()
    sign_in(office, person)
    sign_in(phone, person)
    copied = session_cookie(phone)
    page = office.get("/me/feeds").get_data(as_text=True)
    assert "/sign-out/everywhere" in page
    response = office.post(
        "/sign-out/everywhere", data={"csrf_token": csrf_token(office, "/me/feeds")}
    )
    assert response.status_code == 302
    for client in (office, phone, with_cookie(app, copied)):
        assert client.get("/").status_code == 302


def test_a_new_password_ends_every_session_signed_in_with_the_old_one(
    app: Flask, person: str
) -> None:
    client = app.test_client()
    sign_in(client, person)
    with app.app_context(), unit_of_work(app) as s:
        accounts.set_password(s, people.get_person(s, person), "battery-staple", NOW)
    assert client.get("/").status_code == 302
    sign_in(client, person, "battery-staple")
    assert client.get("/").status_code == 200


def test_the_session_cookie_names_no_person_id(app: Flask, person: str) -> None:
    client = app.test_client()
    sign_in(client, person)
    with app.app_context(), unit_of_work(app) as s:
        person_id = people.get_person(s, person).id
        row = s.scalars(select(SignIn)).one()
    with client.session_transaction() as cookie_session:
        key = cookie_session["_user_id"]
    assert key != str(person_id) and len(key) >= 40
    assert client.get_cookie("remember_token") is None  # no second cookie to outlive it
    assert row.person_id == person_id and row.key_hash != key and row.ended_at is None


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
        with pytest.raises(accounts.InvalidInput, match="at least 8 characters"):
            accounts.set_password(s, stored, "short", NOW)


def test_session_cookies_are_http_only_and_same_site(app: Flask, person: str) -> None:
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client), "username": person, "password": "correct-horse"},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
