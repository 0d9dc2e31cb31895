"""Sending (editorial.channels) to real servers on this machine: an SMTP server
(aiosmtpd) receives the mails; an HTTP server stands in for the WeCom and DingTalk
robots, and DingTalk's signature is checked by the test's own reckoning. Every dead
endpoint (refused, silent, HTTP 500, errcode ≠ 0, not JSON) is a readable reason."""

from __future__ import annotations

import time
import urllib.parse
from datetime import timedelta

import pytest

from editorial import channels, outbox
from editorial.models import Channel
from tests.conftest import NOW
from tests.delivery_servers import (  # noqa: F401  (the fixtures)
    Inbox,
    Robots,
    dingtalk_sign,
    free_port,
    robots_fixture,
    silent_port_fixture,
    smtp_inbox_fixture,
    smtp_with_login_fixture,
)

FROM = "《时代风采》栏目组 <tv@example.org>"
SUBJECT = "【时代风采】王芳在复审退回了《初心》：字幕有错别字"
BODY = "李明，您好：\n\n王芳在复审退回了《初心》\n\n查看节目：https://tv.example.cn/episodes/7\n"


def settings(smtp_url: str = "", timeout_s: float = 5.0) -> outbox.Settings:
    return outbox.Settings(smtp_url=smtp_url, mail_from=FROM, timeout_s=timeout_s)


def a_mail(delivery_id: int = 7, to: str = "li.ming@example.org") -> outbox.Outgoing:
    return outbox.Outgoing(delivery_id, Channel.EMAIL, to, SUBJECT, BODY, "")


def a_robot_message(channel: Channel, url: str, secret: str = "") -> outbox.Outgoing:
    return outbox.Outgoing(
        11, channel, "3", SUBJECT, "**标题**\n> 原因：字幕有错别字", "", url, secret
    )


def test_a_mail_arrives_with_its_recipient_chinese_subject_and_body_and_stable_id(
    smtp_inbox: Inbox,
) -> None:
    with channels.Sender(settings(smtp_inbox.url)) as sender:
        assert sender.send(a_mail(7), NOW) is None
        assert sender.send(a_mail(8, "wang.fang@example.org"), NOW) is None  # one connection
    first, second = smtp_inbox.wait_for(2)
    assert not first.authenticated
    assert first.sender == "tv@example.org" and first.recipients == ["li.ming@example.org"]
    assert first.message["Subject"] == SUBJECT
    assert first.message["To"] == "li.ming@example.org"
    assert first.message["From"].addresses[0].display_name == "《时代风采》栏目组"
    assert first.message["Message-ID"] == "<tvcolumn.delivery.7@example.org>"
    body = first.message.get_content()
    assert "王芳在复审退回了《初心》" in body
    assert "https://tv.example.cn/episodes/7" in body
    assert second.recipients == ["wang.fang@example.org"]


def test_a_mail_server_asking_for_a_login_gets_the_urls_user_and_password(
    smtp_with_login: Inbox,
) -> None:
    with channels.Sender(settings(smtp_with_login.url)) as sender:
        assert sender.send(a_mail(), NOW) is None
    [mail] = smtp_with_login.wait_for(1)
    assert mail.authenticated
    wrong = smtp_with_login.url.replace("p%40ss", "nope")
    with channels.Sender(settings(wrong)) as sender:
        error = sender.send(a_mail(), NOW)
    assert error is not None and "535" in error


def test_an_smtp_url_gives_host_port_tls_and_the_decoded_login() -> None:
    server = channels.parse_smtp_url("smtp://user%40x:p%2Fw@mail.example.org:587")
    assert server == channels.SmtpServer("mail.example.org", 587, False, "user@x", "p/w")
    assert channels.parse_smtp_url("smtps://mail.example.org").port == 465
    assert channels.parse_smtp_url("smtps://mail.example.org").implicit_tls
    with pytest.raises(ValueError):
        channels.parse_smtp_url("http://mail.example.org")


def test_a_mail_server_refusing_connections_is_a_reason_and_not_tried_again_this_run() -> None:
    port = free_port()
    with channels.Sender(settings(f"smtp://127.0.0.1:{port}")) as sender:
        first = sender.send(a_mail(1), NOW)
        second = sender.send(a_mail(2), NOW)
    assert first is not None and "unreachable" in first and "refused" in first.lower()
    assert second == f"not tried: {first}"


def test_a_silent_mail_server_times_out_once_per_run(silent_port: int) -> None:
    started = time.monotonic()
    with channels.Sender(settings(f"smtp://127.0.0.1:{silent_port}", timeout_s=0.3)) as sender:
        first = sender.send(a_mail(1), NOW)
        second = sender.send(a_mail(2), NOW)
    assert first is not None and "timed out" in first
    assert second is not None and second.startswith("not tried:")
    assert time.monotonic() - started < 2


def test_the_wecom_robot_gets_markdown_json(robots: Robots) -> None:
    with channels.Sender(settings()) as sender:
        assert (
            sender.send(a_robot_message(Channel.WECOM, robots.url("/ok/wecom", key="K")), NOW)
            is None
        )
    [posted] = robots.posted
    assert posted.query == {"key": "K"}
    assert posted.body == {
        "msgtype": "markdown",
        "markdown": {"content": "**标题**\n> 原因：字幕有错别字"},
    }


def test_the_dingtalk_robot_gets_markdown_json_signed_with_timestamp_and_sign(
    robots: Robots,
) -> None:
    secret = "SECabc+/="
    url = robots.url("/ok/dingtalk", access_token="T")
    with channels.Sender(settings()) as sender:
        assert sender.send(a_robot_message(Channel.DINGTALK, url, secret), NOW) is None
    [posted] = robots.posted
    assert posted.body == {
        "msgtype": "markdown",
        "markdown": {"title": SUBJECT, "text": "**标题**\n> 原因：字幕有错别字"},
    }
    assert posted.query["access_token"] == "T"
    assert posted.query["timestamp"] == str(int(NOW.timestamp() * 1000))
    assert posted.query["sign"] == dingtalk_sign(secret, posted.query["timestamp"])
    # URL-encoded on the wire: base64's + / = would not survive otherwise.
    signed = channels.dingtalk_signed(url, secret, NOW)
    raw_sign = urllib.parse.urlsplit(signed).query.rpartition("sign=")[2]
    assert raw_sign == urllib.parse.quote_plus(posted.query["sign"])
    assert "+" not in raw_sign and "/" not in raw_sign and "=" not in raw_sign


def test_a_dingtalk_robot_without_a_secret_is_not_signed(robots: Robots) -> None:
    with channels.Sender(settings()) as sender:
        assert sender.send(a_robot_message(Channel.DINGTALK, robots.url("/ok/d")), NOW) is None
    assert robots.posted[0].query == {}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/errcode", "errcode 310000: sign not match"),
        ("/http500", "HTTP 500"),
        ("/notjson", "not JSON"),
    ],
)
def test_a_robot_answering_an_error_is_a_failure_with_its_reason(
    robots: Robots, path: str, expected: str
) -> None:
    with channels.Sender(settings()) as sender:
        error = sender.send(a_robot_message(Channel.WECOM, robots.url(path)), NOW)
    assert error is not None and expected in error and "WeCom" in error


def test_a_robot_refusing_or_silent_is_a_reason_and_not_tried_again_this_run(
    silent_port: int,
) -> None:
    refused = f"http://127.0.0.1:{free_port()}/send"
    silent = f"http://127.0.0.1:{silent_port}/send"
    started = time.monotonic()
    with channels.Sender(settings(timeout_s=0.3)) as sender:
        first = sender.send(a_robot_message(Channel.DINGTALK, refused), NOW)
        timed_out = sender.send(outbox.Outgoing(12, Channel.WECOM, "4", "s", "b", "", silent), NOW)
        again = sender.send(outbox.Outgoing(13, Channel.WECOM, "4", "s", "b", "", silent), NOW)
    assert first is not None and "unreachable" in first and "refused" in first.lower()
    assert timed_out is not None and "timed out" in timed_out
    assert again == f"not tried: {timed_out}"
    assert time.monotonic() - started < 2


def test_a_webhook_that_is_not_http_is_refused_unsent() -> None:
    with channels.Sender(settings()) as sender:
        error = sender.send(a_robot_message(Channel.WECOM, "file:///etc/passwd"), NOW)
    assert error == "the robot's webhook is not an http(s) URL"


def test_without_smtp_a_mail_is_a_reason_not_an_exception() -> None:
    with channels.Sender(settings()) as sender:
        assert sender.send(a_mail(), NOW + timedelta(0)) == (
            "no SMTP server is configured (TVCOLUMN_SMTP_URL)"
        )


def test_an_address_no_mail_header_can_hold_is_a_reason_and_the_next_mail_goes(
    smtp_inbox: Inbox,
) -> None:
    with channels.Sender(settings(smtp_inbox.url)) as sender:
        error = sender.send(a_mail(1, "li.ming@example.org\nBcc: x@example.org"), NOW)
        assert sender.send(a_mail(2), NOW) is None
    assert error is not None and error.startswith("cannot be sent")
    assert [m.recipients for m in smtp_inbox.wait_for(1)] == [["li.ming@example.org"]]


def test_a_mail_asks_for_no_automatic_replies(smtp_inbox: Inbox) -> None:
    with channels.Sender(settings(smtp_inbox.url)) as sender:
        assert sender.send(a_mail(), NOW) is None
    assert smtp_inbox.wait_for(1)[0].message["Auto-Submitted"] == "auto-generated"
