"""The person's own pages: feed links with copy buttons, the personal feed token,
and the scheduler service's notifications."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from calendars import export
from calendars.models import FeedToken
from editorial import accounts, people
from editorial.models import Level, Notification, Role
from tests.scheduler.test_service import (  # noqa: F401  (the fixture)
    ServiceDb,
    service_db_fixture,
)
from tests.web.conftest import csrf_token, sign_in
from web import create_app
from web.db import session_factory, unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PUBLIC = "https://tv.example.cn"
PERSONAL = re.compile(r'value="(https://tv\.example\.cn/feeds/people/(tvf_[^"]+)\.ics)"')


@pytest.fixture
def folks(app: Flask) -> dict[str, int]:
    """Two people of the city column, each with notifications."""
    return make_folks(app)


def make_folks(app: Flask) -> dict[str, int]:
    app.config["PUBLIC_URL"] = PUBLIC
    with unit_of_work(app) as s:
        city = people.create_column(
            s, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台", channel="一套"
        )
        people.create_column(
            s,
            NOW,
            slug="linjiang",
            name="临江先锋",
            level=Level.COUNTY,
            station="县台",
            channel="综合",
        )
        ids = {}
        for username, name in (("pr", "黄莉"), ("rv", "陈红")):
            p = people.create_person(s, NOW, username=username, display_name=name)
            people.grant_role(s, p, city, Role.PRODUCER, NOW)
            accounts.set_password(s, p, "correct-horse", NOW)
            ids[username] = p.id
        for i, (who, message) in enumerate(
            (
                ("pr", "《红船》初审将于今天到期"),
                ("pr", "《先锋》初审已逾期"),
                ("rv", "《别人的》复审已逾期"),
            )
        ):
            s.add(
                Notification(
                    person_id=ids[who],
                    kind="review_due",
                    message=message,
                    dedupe_key=f"k{i}",
                    created_at=NOW + timedelta(hours=i),
                )
            )
        s.flush()
        ids["other_notification"] = s.scalars(
            select(Notification.id).where(Notification.person_id == ids["rv"])
        ).one()
    return ids


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def live_tokens(app: Flask) -> int:
    with unit_of_work(app) as s:
        return s.scalar(select(func.count()).where(FeedToken.revoked_at.is_(None))) or 0


# --- feeds ----------------------------------------------------------------------------------------


def test_every_public_feed_has_webcal_and_https_links_and_a_copy_button(
    app: Flask, folks: dict[str, int]
) -> None:
    client = signed_in(app, "pr")
    body = client.get("/me/feeds").get_data(as_text=True)
    for path in ("all.ics", "columns/city.ics", "columns/linjiang.ics", "liaison.ics"):
        assert f'value="{PUBLIC}/feeds/{path}"' in body
        assert f'value="webcal://tv.example.cn/feeds/{path}"' in body
        assert f'href="webcal://tv.example.cn/feeds/{path}"' in body
    assert body.count("data-copy=") == 8
    script = re.search(r'<script src="(/static/[^"]+\.js)"', body)
    assert script is not None and "cdn" not in body.lower()
    with client.get(script.group(1)) as served:
        assert served.status_code == 200 and b"clipboard" in served.data


def test_the_personal_link_is_shown_once_and_rotating_stops_the_old_one(
    app: Flask, folks: dict[str, int]
) -> None:
    client = signed_in(app, "pr")
    assert "您还没有个人订阅链接" in client.get("/me/feeds").get_data(as_text=True)
    first = client.post("/me/feeds/token", data={"csrf_token": csrf_token(client, "/me/feeds")})
    assert first.status_code == 303 and first.headers["Location"] == "/me/feeds"
    body = client.get("/me/feeds").get_data(as_text=True)  # where the redirect leads
    found = PERSONAL.search(body)
    assert found is not None and "只显示这一次" in body and "之前的个人订阅链接已经停止工作" in body
    old = found.group(2)
    assert "webcal://tv.example.cn/feeds/people/" + old in body
    later = client.get("/me/feeds").get_data(as_text=True)
    assert old not in later and "您已有个人订阅链接" in later  # shown once
    assert app.test_client().get(f"/feeds/people/{old}.ics").status_code == 200
    assert live_tokens(app) == 1  # reloading the page issued nothing
    second = client.post(
        "/me/feeds/token",
        data={"csrf_token": csrf_token(client, "/me/feeds")},
        follow_redirects=True,
    )
    new = PERSONAL.search(second.get_data(as_text=True))
    assert new is not None and new.group(2) != old
    assert app.test_client().get(f"/feeds/people/{old}.ics").status_code == 404
    assert app.test_client().get(f"/feeds/people/{new.group(2)}.ics").status_code == 200
    assert live_tokens(app) == 1


@pytest.fixture
def two_web_processes(service_db: ServiceDb, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two applications on one database (SQLite or PostgreSQL) and one feeds folder, each
    with its own feed cache, and the people of ``folks``."""
    config = {
        "DATABASE_URL": service_db.url,
        "INSTANCE_PATH": str(tmp_path),
        "FEEDS_DIR": str(tmp_path / "feeds"),
        "MEDIA_DIR": str(tmp_path / "media"),
        "TESTING": True,
    }
    first, second = create_app(dict(config)), create_app(dict(config))
    make_folks(first)
    second.config["PUBLIC_URL"] = PUBLIC
    yield first, second
    for web in (first, second):
        session_factory(web).kw["bind"].dispose()


def test_rotating_or_revoking_stops_the_old_link_at_once_in_every_process_whatever_the_folder(
    two_web_processes: tuple[Flask, Flask], read_only: Callable[[Path], None]
) -> None:
    app, other = two_web_processes
    client = signed_in(app, "pr")
    issued = client.post(
        "/me/feeds/token",
        data={"csrf_token": csrf_token(client, "/me/feeds")},
        follow_redirects=True,
    )
    found = PERSONAL.search(issued.get_data(as_text=True))
    assert found is not None
    old = f"/feeds/people/{found.group(2)}.ics"
    for web in (app, other):  # each process has the link's bytes in its cache
        assert [web.test_client().get(old).status_code for _ in range(2)] == [200, 200]
    read_only(Path(app.config["FEEDS_DIR"]))  # no stamp can be written
    rotated = client.post(
        "/me/feeds/token",
        data={"csrf_token": csrf_token(client, "/me/feeds")},
        follow_redirects=True,
    )
    assert rotated.status_code == 200
    new = PERSONAL.search(rotated.get_data(as_text=True))
    assert new is not None
    newest = f"/feeds/people/{new.group(2)}.ics"
    for web in (app, other):
        assert web.test_client().get(old).status_code == 404
        assert web.test_client().get(newest).status_code == 200
    revoked = client.post(
        "/me/feeds/token/revoke", data={"csrf_token": csrf_token(client, "/me/feeds")}
    )
    assert revoked.status_code == 302 and live_tokens(app) == 0
    for web in (app, other):
        assert web.test_client().get(newest).status_code == 404


def test_rotating_without_the_csrf_token_is_refused_and_issues_nothing(
    app: Flask, folks: dict[str, int]
) -> None:
    client = signed_in(app, "pr")
    assert client.post("/me/feeds/token").status_code == 400
    assert live_tokens(app) == 0
    assert not (Path(app.config["FEEDS_DIR"]) / export.STAMP).exists()


def test_the_personal_link_can_be_revoked(app: Flask, folks: dict[str, int]) -> None:
    client = signed_in(app, "pr")
    client.post("/me/feeds/token", data={"csrf_token": csrf_token(client, "/me/feeds")})
    response = client.post(
        "/me/feeds/token/revoke", data={"csrf_token": csrf_token(client, "/me/feeds")}
    )
    assert response.status_code == 302 and live_tokens(app) == 0
    assert "个人订阅链接已停用" in client.get("/me/feeds").get_data(as_text=True)


def test_the_feeds_page_needs_a_sign_in(app: Flask, folks: dict[str, int]) -> None:
    assert app.test_client().get("/me/feeds").headers["Location"].startswith("/sign-in")


# --- notifications --------------------------------------------------------------------------------


def test_notifications_are_the_persons_own_newest_first(app: Flask, folks: dict[str, int]) -> None:
    body = signed_in(app, "pr").get("/me/notifications").get_data(as_text=True)
    assert body.index("《先锋》初审已逾期") < body.index("《红船》初审将于今天到期")
    assert "《别人的》复审已逾期" not in body and "审片提醒" in body


def test_a_notification_is_marked_read_by_its_owner_and_kept(
    app: Flask, folks: dict[str, int]
) -> None:
    client = signed_in(app, "pr")
    with unit_of_work(app) as s:
        mine = s.scalars(
            select(Notification.id).where(Notification.person_id == folks["pr"])
        ).first()
    response = client.post(
        f"/me/notifications/{mine}/read",
        data={"csrf_token": csrf_token(client, "/me/notifications")},
    )
    assert response.status_code == 302
    listed = client.get("/me/notifications?unread=1").get_data(as_text=True)
    assert "已标为已读" in listed and listed.count('class="notice"') == 1
    everything = client.get("/me/notifications").get_data(as_text=True)
    assert everything.count('class="notice dismissed"') == 1
    assert everything.count('class="notice"') == 1


def test_nobody_marks_anothers_notification_read(app: Flask, folks: dict[str, int]) -> None:
    client = signed_in(app, "pr")
    other = folks["other_notification"]
    response = client.post(
        f"/me/notifications/{other}/read",
        data={"csrf_token": csrf_token(client, "/me/notifications")},
    )
    assert response.status_code == 404
    assert client.post(f"/me/notifications/{other}/read").status_code == 400  # no CSRF
    with unit_of_work(app) as s:
        found = s.get(Notification, other)
        assert found is not None and found.dismissed_at is None


def test_no_notifications_say_so(app: Flask, folks: dict[str, int]) -> None:
    with unit_of_work(app) as s:
        people.create_person(s, NOW, username="new", display_name="新人")
        accounts.set_password(s, people.get_person(s, "new"), "correct-horse", NOW)
    assert "没有通知" in signed_in(app, "new").get("/me/notifications").get_data(as_text=True)
