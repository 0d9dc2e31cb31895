"""Notifications on the pages: the header's unread count, the list with its links, who
acted and why, marking one or all read (redirected after the POST); each person's
e-mail choices on the account page; each column's group robots on its admin page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from editorial import handoffs, notifications, people, workflow
from editorial.models import Channel, ColumnRobot, Level, Notification, Role, State
from tests.web.conftest import csrf_token
from tests.web.test_episode_pages import (
    NOW,
    Crew,
    add_person,
    client_for,
    make_crew,
    make_episode,
    text,
)
from tests.web.test_page_queries import counted
from web import account, admin_robots, notices
from web.db import unit_of_work

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
DING_SECRET = "SEC0123456789abcdef0123456789abcdef"
COUNT = re.compile(r'<span class="count" id="unread-count">([^<]+)</span>')
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account, "_now", lambda: NOW)
    monkeypatch.setattr(admin_robots, "_now", lambda: NOW)


@dataclass(frozen=True)
class Returned:
    crew: Crew
    episode_id: int
    admin: str


@pytest.fixture
def returned(app: Flask) -> Returned:
    """An episode the reviewer returned at the second review: its editor-director and
    producer are told (each also had earlier hand-offs); an admin of the column."""
    crew = make_crew(app, "city", Level.CITY)
    episode_id = make_episode(app, crew, State.SECOND_REVIEW, title="红船精神")
    with app.app_context(), unit_of_work(app) as s:
        reviewer = people.get_person(s, crew.reviewer)
        episode = people.get_episode(s, episode_id)
        workflow.return_for_changes(
            s, reviewer, episode, episode.version, NOW, reason="片头字幕有错别字"
        )
    return Returned(crew, episode_id, add_person(app, crew, "city-admin", Role.ADMIN))


def unread_in_header(client: FlaskClient, path: str = "/") -> str | None:
    found = COUNT.search(text(client.get(path)))
    return None if found is None else found.group(1)


def unread_of(app: Flask, username: str) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return notifications.unread_count(s, people.get_person(s, username))


def main_text(html: str) -> str:
    """What a reader sees in the page's main part (no tags, no attributes)."""
    main = html.split("<main>", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<script.*?</script>", "", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


# --- the header and the list ----------------------------------------------------------------------


def test_the_header_counts_the_unread_notifications_of_who_is_signed_in(
    app: Flask, returned: Returned
) -> None:
    crew = returned.crew
    producer = client_for(app, crew.producer)
    assert unread_in_header(producer) == str(unread_of(app, crew.producer))
    assert unread_of(app, crew.producer) >= 1
    assert unread_in_header(client_for(app, crew.final_approver)) is None  # none: no badge
    assert "通知" in text(producer.get("/"))


def test_the_header_count_is_read_with_the_roles_in_one_statement(
    app: Flask, returned: Returned
) -> None:
    client = client_for(app, returned.crew.producer)
    with counted(app) as statements:
        assert client.get("/me/").status_code == 200
    counts = [s for s in statements if "count(" in s.lower() and "notifications" in s]
    assert len(counts) == 1 and "memberships" in counts[0], statements


def test_the_list_shows_the_episode_link_who_when_and_why(app: Flask, returned: Returned) -> None:
    body = text(client_for(app, returned.crew.producer).get("/me/notifications"))
    assert f'href="/episodes/{returned.episode_id}"' in body
    assert "citydirector 已将《红船精神》送审，请您初审。" in body
    assert "已初审通过《红船精神》" not in body  # told the reviewer, not the producer
    assert "cityreviewer 在复审退回了《红船精神》。" in body
    assert "来自 cityreviewer" in body and "理由：片头字幕有错别字" in body
    assert "2026-03-02 09:00" in body  # Asia/Shanghai
    assert "退回修改" in body and "未读" in body and "标为已读" in body
    assert "全部标为已读" in body


def test_marking_one_read_redirects_back_and_lowers_the_count(
    app: Flask, returned: Returned
) -> None:
    crew = returned.crew
    client = client_for(app, crew.producer)
    before = unread_of(app, crew.producer)
    with app.app_context(), unit_of_work(app) as s:
        mine = s.scalars(
            select(Notification.id).where(
                Notification.person_id == people.get_person(s, crew.producer).id,
                Notification.kind == "returned",
            )
        ).one()
    token = csrf_token(client, "/me/notifications")
    response = client.post(
        f"/me/notifications/{mine}/read", data={"csrf_token": token, "unread": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/notifications?unread=1"
    assert unread_of(app, crew.producer) == before - 1
    again = client.post(f"/me/notifications/{mine}/read", data={"csrf_token": token})
    assert again.status_code == 302 and unread_of(app, crew.producer) == before - 1
    page = text(client.get("/me/notifications"))
    assert f'data-notification="{mine}"' in page and "已读" in page


def test_marking_all_read_clears_the_count_and_keeps_the_list(
    app: Flask, returned: Returned
) -> None:
    crew = returned.crew
    client = client_for(app, crew.producer)
    listed = text(client.get("/me/notifications")).count("<article")
    response = client.post(
        "/me/notifications/read-all", data={"csrf_token": csrf_token(client, "/me/notifications")}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/me/notifications"
    after = client.get("/me/notifications")
    page = text(after)
    assert "条通知已标为已读" in page and unread_of(app, crew.producer) == 0
    assert page.count("<article") == listed and "全部标为已读" not in page
    assert unread_in_header(client) is None
    assert "没有未读的通知" in text(client.get("/me/notifications?unread=1"))
    assert unread_of(app, crew.director) > 0  # the others' stay unread


def test_nobody_reads_anothers_notification_nor_without_the_form_token(
    app: Flask, returned: Returned
) -> None:
    crew = returned.crew
    with app.app_context(), unit_of_work(app) as s:
        theirs = s.scalars(
            select(Notification.id).where(
                Notification.person_id == people.get_person(s, crew.director).id
            )
        ).first()
    client = client_for(app, crew.producer)
    token = csrf_token(client, "/me/notifications")
    before = unread_of(app, crew.director)
    assert (
        client.post(f"/me/notifications/{theirs}/read", data={"csrf_token": token}).status_code
        == 404
    )
    assert client.post("/me/notifications/read-all").status_code == 400
    assert client.post(f"/me/notifications/{theirs}/read").status_code == 400
    assert unread_of(app, crew.director) == before
    assert app.test_client().get("/me/notifications").status_code == 302  # signed out


def test_the_list_in_english_has_no_chinese_but_the_titles(app: Flask, returned: Returned) -> None:
    client = client_for(app, returned.crew.producer)
    client.get("/lang/en")
    body = text(client.get("/me/notifications"))
    assert "returned" in body.lower() and "Mark all read" in body
    seen = main_text(body).replace("红船精神", "").replace("片头字幕有错别字", "")
    assert not CJK.search(seen), CJK.findall(seen)
    header = body.split("<header", 1)[1].split("</header>", 1)[0]
    assert "Notifications" in header


def test_the_chinese_list_has_no_english(app: Flask, returned: Returned) -> None:
    body = text(client_for(app, returned.crew.producer).get("/me/notifications"))
    seen = re.sub(r"city[a-z_-]*", "", main_text(body))  # the people's names
    assert not LATIN_WORD.search(seen), LATIN_WORD.findall(seen)


# --- the account page: e-mail choices -------------------------------------------------------------


def test_the_account_page_shows_the_address_and_that_there_is_no_smtp(
    app: Flask, returned: Returned
) -> None:
    with app.app_context(), unit_of_work(app) as s:
        people.get_person(s, returned.crew.producer).email = "huangli@example.cn"
    client = client_for(app, returned.crew.producer)
    body = text(client.get("/me/"))
    assert "通知方式" in body and "huangli@example.cn" in body
    assert 'id="no-smtp"' in body and 'id="email-all" checked' in body
    assert body.count('name="kind"') == len(notifications.KINDS)
    assert body.count("checked") == len(notifications.KINDS) + 1  # on by default
    app.config["SMTP_URL"] = "smtp://mail.example.cn:587"
    assert 'id="no-smtp"' not in text(client.get("/me/"))
    nobody = client_for(app, returned.crew.reviewer)
    assert 'id="no-address"' in text(nobody.get("/me/"))


def test_e_mail_is_turned_off_per_kind_and_for_everything(app: Flask, returned: Returned) -> None:
    crew = returned.crew
    client = client_for(app, crew.producer)
    kept = [k for k in notifications.KINDS if k != "review_due"]
    response = client.post(
        "/me/channels",
        data={"csrf_token": csrf_token(client, "/me/"), "email": "1", "kind": kept},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/me/#channels"
    with app.app_context(), unit_of_work(app) as s:
        choices = notifications.choices_of(s, people.get_person(s, crew.producer))
    assert not notifications.wants(choices, Channel.EMAIL, "review_due")
    assert notifications.wants(choices, Channel.EMAIL, "returned")
    page = text(client.get("/me/"))
    assert "通知方式已保存" in page and 'value="review_due">' in page
    assert 'value="review_due" checked' not in page
    client.post("/me/channels", data={"csrf_token": csrf_token(client, "/me/"), "kind": kept})
    with app.app_context(), unit_of_work(app) as s:
        choices = notifications.choices_of(s, people.get_person(s, crew.producer))
        other = notifications.choices_of(s, people.get_person(s, crew.director))
    assert not notifications.wants(choices, Channel.EMAIL, "returned")
    assert other == {}  # nobody else's choices changed


def test_the_account_page_in_english_has_no_chinese(app: Flask, returned: Returned) -> None:
    client = client_for(app, returned.crew.producer)
    client.get("/lang/en")
    body = text(client.get("/me/"))
    assert "How you are notified" in body
    seen = main_text(body)
    assert not CJK.search(seen), CJK.findall(seen)


def test_the_chinese_account_page_has_no_english(app: Flask, returned: Returned) -> None:
    body = text(client_for(app, returned.crew.producer).get("/me/"))
    seen = re.sub(r"city[a-z_-]*", "", main_text(body))
    assert not LATIN_WORD.search(seen), LATIN_WORD.findall(seen)


# --- the column's robots --------------------------------------------------------------------------


def robot_rows(app: Flask) -> dict[Channel, tuple[str, str, bool]]:
    with app.app_context(), unit_of_work(app) as s:
        return {
            r.channel: (r.webhook_url, r.secret, r.active) for r in s.scalars(select(ColumnRobot))
        }


def post_robot(client: FlaskClient, name: str, **data: str) -> tuple[int, str]:
    form = {"csrf_token": csrf_token(client, "/admin/columns/city/robots"), **data}
    response = client.post(f"/admin/columns/city/robots/{name}", data=form)
    return response.status_code, text(response)


def test_the_columns_admin_sets_both_robots_and_the_secret_is_never_shown(
    app: Flask, returned: Returned
) -> None:
    client = client_for(app, returned.admin)
    assert "通知机器人" in text(client.get("/admin/"))
    assert post_robot(client, "wecom", webhook_url=WECOM, active="1")[0] == 302
    status, _ = post_robot(client, "dingtalk", webhook_url=DINGTALK, secret=DING_SECRET, active="1")
    assert status == 302
    assert robot_rows(app) == {
        Channel.WECOM: (WECOM, "", True),
        Channel.DINGTALK: (DINGTALK, DING_SECRET, True),
    }
    page = text(client.get("/admin/columns/city/robots"))
    assert DING_SECRET not in page and "已设置加签密钥（SEC…cdef）" in page
    assert WECOM in page and "已启用" in page and "发送测试消息" not in page
    # An empty secret field keeps the secret; switched off, it stays set.
    assert post_robot(client, "dingtalk", webhook_url=DINGTALK)[0] == 302
    assert robot_rows(app)[Channel.DINGTALK] == (DINGTALK, DING_SECRET, False)
    assert post_robot(client, "dingtalk", webhook_url=DINGTALK, clear_secret="1")[0] == 302
    assert robot_rows(app)[Channel.DINGTALK] == (DINGTALK, "", False)


def test_a_refused_robot_shows_why_and_keeps_the_one_there(app: Flask, returned: Returned) -> None:
    client = client_for(app, returned.admin)
    post_robot(client, "dingtalk", webhook_url=DINGTALK, secret=DING_SECRET, active="1")
    before = robot_rows(app)
    for data, message in (
        ({"webhook_url": "http://oapi.dingtalk.com/robot/send?access_token=x"}, "https://"),
        (
            {"webhook_url": "https://evil.example.com/robot/send?access_token=x"},
            "钉钉机器人的地址应为",
        ),
        ({"webhook_url": DINGTALK, "secret": "not-a-secret"}, "以 SEC 开头"),
        ({"webhook_url": ""}, "请填写机器人的 Webhook 地址"),
    ):
        status, body = post_robot(client, "dingtalk", **data)
        assert status == 422 and message in body, data
        assert "not-a-secret" not in body and DING_SECRET not in body
        assert robot_rows(app) == before
    status, body = post_robot(client, "wecom", webhook_url=DINGTALK)
    assert status == 422 and "企业微信机器人的地址应为" in body
    assert f'value="{DINGTALK}"' in body  # what was typed comes back


def test_a_robot_is_removed_and_its_secret_forgotten(app: Flask, returned: Returned) -> None:
    client = client_for(app, returned.admin)
    post_robot(client, "dingtalk", webhook_url=DINGTALK, secret=DING_SECRET, active="1")
    token = csrf_token(client, "/admin/columns/city/robots")
    response = client.post("/admin/columns/city/robots/dingtalk/remove", data={"csrf_token": token})
    assert response.status_code == 302
    assert robot_rows(app)[Channel.DINGTALK] == ("", "", False)
    page = text(client.get("/admin/columns/city/robots"))
    assert "已移除" in page and DINGTALK not in page
    again = client.post("/admin/columns/city/robots/dingtalk/remove", data={"csrf_token": token})
    assert again.status_code == 404


def test_only_the_columns_admins_set_its_robots(app: Flask, returned: Returned) -> None:
    crew = returned.crew
    with app.app_context(), unit_of_work(app) as s:
        other = people.create_column(
            s,
            NOW,
            slug="county",
            name="临江先锋",
            level=Level.COUNTY,
            station="县台",
            channel="综合",
        )
        person = people.get_person(s, crew.producer)
        people.grant_role(s, person, other, Role.ADMIN, NOW)  # an admin, of another column
    producer = client_for(app, crew.producer)
    assert producer.get("/admin/columns/city/robots").status_code == 403
    token = csrf_token(producer, "/admin/columns/county/robots")
    refused = producer.post(
        "/admin/columns/city/robots/wecom", data={"csrf_token": token, "webhook_url": WECOM}
    )
    assert refused.status_code == 403 and robot_rows(app) == {}
    director = client_for(app, crew.director)
    assert director.get("/admin/columns/city/robots").status_code == 403
    assert client_for(app, returned.admin).get("/admin/columns/nowhere/robots").status_code == 404
    assert client_for(app, returned.admin).get("/admin/columns/city/robots/x").status_code == 405


def test_the_robots_page_in_english_has_no_chinese_but_the_columns_name(
    app: Flask, returned: Returned
) -> None:
    client = client_for(app, returned.admin)
    client.get("/lang/en")
    post_robot(client, "dingtalk", webhook_url=DINGTALK, secret=DING_SECRET, active="1")
    body = text(client.get("/admin/columns/city/robots"))
    assert "WeCom" in body and "DingTalk" in body
    seen = main_text(body).replace("city栏目", "")
    assert not CJK.search(seen), CJK.findall(seen)


def test_the_chinese_robots_page_says_webhook_and_nothing_else_in_english(
    app: Flask, returned: Returned
) -> None:
    body = text(client_for(app, returned.admin).get("/admin/columns/city/robots"))
    seen = main_text(body).replace("Webhook", "").replace("SEC", "").replace("city", "")
    assert not LATIN_WORD.search(seen), LATIN_WORD.findall(seen)


def test_every_kind_a_hand_off_writes_is_known_and_has_a_label() -> None:
    assert set(handoffs.KIND.values()) <= set(notifications.KINDS)
    assert set(notices.KIND) == set(notifications.KINDS)
