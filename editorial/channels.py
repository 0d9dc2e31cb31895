"""Sending claimed deliveries (``editorial.outbox``): by e-mail through SMTP, and to the
columns' 企业微信 (WeCom) and 钉钉 (DingTalk) group robots.

The scheduler service sends outside any transaction and records each outcome. A
``Sender`` serves one run: one SMTP connection for all its mails, and a mail server
or robot that cannot be reached (refused, timed out) is not tried again in the same
run, so a dead endpoint costs one timeout per run, not one per message. Every
failure comes back as a readable reason, never as an exception: a refused recipient,
a non-2xx answer, a robot's ``errcode`` other than 0, a timeout.

Only the standard library: smtplib and urllib.request do all this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from types import TracebackType

from editorial.models import Channel
from editorial.outbox import Outgoing, Settings

WECOM_MAX_BYTES = 4096  # WeCom refuses longer markdown content
ANSWER_MAX_BYTES = 64 * 1024


class Unreachable(Exception):
    """The mail server or robot could not be reached at all (no point trying again now)."""


@dataclass(frozen=True)
class SmtpServer:
    """``smtp://user:pw@host:587`` (STARTTLS) or ``smtps://…:465`` (TLS from the start)."""

    host: str
    port: int
    implicit_tls: bool
    user: str = ""
    password: str = ""


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"not an SMTP URL (smtp://host:port or smtps://host:port): {url!r}")
    implicit = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 25),
        implicit_tls=implicit,
        user=urllib.parse.unquote(parts.username or ""),
        password=urllib.parse.unquote(parts.password or ""),
    )


def message_id(delivery_id: int, mail_from: str) -> str:
    """The same for every attempt of a delivery, so a re-send after a crash is known."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<tvcolumn.delivery.{delivery_id}@{domain}>"


def mail(message: Outgoing, mail_from: str, now: datetime) -> EmailMessage:
    """The e-mail of a delivery: UTF-8 subject and text, a stable Message-ID."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = mail_from
    email["To"] = message.target
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id(message.id, mail_from)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    email.set_content(message.body, charset="utf-8")
    return email


def dingtalk_signed(webhook_url: str, secret: str, now: datetime) -> str:
    """The webhook URL with DingTalk's ``timestamp`` (ms) and ``sign``: HMAC-SHA256 of
    "timestamp\\nsecret" keyed with the secret, base64, URL-encoded."""
    timestamp = str(int(now.timestamp() * 1000))
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if urllib.parse.urlsplit(webhook_url).query else "?"
    return f"{webhook_url}{joiner}timestamp={timestamp}&sign={sign}"


def robot_payload(message: Outgoing) -> dict[str, object]:
    """The JSON both robots take: Markdown (WeCom's ``content``, DingTalk's ``title`` and
    ``text``)."""
    if message.channel is Channel.WECOM:
        content = message.body.encode("utf-8")[:WECOM_MAX_BYTES].decode("utf-8", "ignore")
        return {"msgtype": "markdown", "markdown": {"content": content}}
    return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": message.body}}


class Sender:
    """Sends one run's deliveries; ``send`` answers None when sent, else why not."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: dict[str, str] = {}  # endpoint → why, for the rest of the run

    def __enter__(self) -> Sender:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: Outgoing, now: datetime) -> str | None:
        endpoint = "smtp" if message.channel is Channel.EMAIL else f"robot:{message.target}"
        if endpoint in self._unreachable:
            return f"not tried: {self._unreachable[endpoint]}"
        try:
            if message.channel is Channel.EMAIL:
                return self._mail(message, now)
            return self._post(message, now)
        except Unreachable as error:
            self._unreachable[endpoint] = str(error)
            return str(error)
        except (ValueError, UnicodeError) as error:  # an address or header no server takes
            return f"cannot be sent: {type(error).__name__}: {error}"

    # --- e-mail ---------------------------------------------------------------------------

    def _mail(self, message: Outgoing, now: datetime) -> str | None:
        if not self.settings.mails:
            return "no SMTP server is configured (TVCOLUMN_SMTP_URL)"
        smtp = self._connection()
        envelope_from = parseaddr(self.settings.mail_from)[1] or self.settings.mail_from
        try:
            refused = smtp.send_message(
                mail(message, self.settings.mail_from, now),
                from_addr=envelope_from,
                to_addrs=[message.target],
            )
        except smtplib.SMTPRecipientsRefused as error:
            return f"the mail server refused {message.target}: {_smtp_reply(error.recipients)}"
        except smtplib.SMTPResponseException as error:
            return f"the mail server answered {error.smtp_code}: {_text(error.smtp_error)}"
        except (smtplib.SMTPException, OSError) as error:
            self._drop()  # the next mail connects again
            return f"sending to the mail server failed: {_describe(error)}"
        if refused:
            return f"the mail server refused {message.target}: {_smtp_reply(refused)}"
        return None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        try:
            server = parse_smtp_url(self.settings.smtp_url)
        except ValueError as error:
            raise Unreachable(str(error)) from None
        where = f"{server.host}:{server.port}"
        timeout = self.settings.timeout_s
        try:
            if server.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
        except (smtplib.SMTPException, OSError) as error:
            raise Unreachable(f"mail server {where} unreachable: {_describe(error)}") from None
        try:
            self._secure_and_log_in(smtp, server)
        except (smtplib.SMTPException, OSError, Unreachable) as error:
            smtp.close()
            raise Unreachable(f"mail server {where}: {_describe(error)}") from None
        self._smtp = smtp
        return smtp

    @staticmethod
    def _secure_and_log_in(smtp: smtplib.SMTP, server: SmtpServer) -> None:
        if not server.implicit_tls:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif server.user and not _loopback(server.host):
                raise Unreachable("offers no STARTTLS: the password is not sent in clear")
        if server.user:
            smtp.login(server.user, server.password)

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    # --- robots ---------------------------------------------------------------------------

    def _post(self, message: Outgoing, now: datetime) -> str | None:
        url = message.webhook_url
        if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
            return "the robot's webhook is not an http(s) URL"
        if message.channel is Channel.DINGTALK and message.secret:
            url = dingtalk_signed(url, message.secret, now)
        request = urllib.request.Request(
            url,
            data=json.dumps(robot_payload(message), ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        robot = "WeCom" if message.channel is Channel.WECOM else "DingTalk"
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as answer:
                raw = answer.read(ANSWER_MAX_BYTES)
        except urllib.error.HTTPError as error:
            with error:
                return f"the {robot} robot answered HTTP {error.code} {error.reason}"
        except (urllib.error.URLError, OSError) as error:
            why = error.reason if isinstance(error, urllib.error.URLError) else error
            raise Unreachable(f"the {robot} robot is unreachable: {_describe(why)}") from None
        return _robot_answer(robot, raw)


def _robot_answer(robot: str, raw: bytes) -> str | None:
    """Both robots answer ``{"errcode": 0, "errmsg": "ok"}``; anything else failed."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return f"the {robot} robot's answer is not JSON: {raw[:200]!r}"
    if not isinstance(answer, dict) or "errcode" not in answer:
        return f"the {robot} robot's answer has no errcode: {raw[:200]!r}"
    if answer["errcode"] != 0:
        return f"the {robot} robot answered errcode {answer['errcode']}: {answer.get('errmsg', '')}"
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _describe(error: object) -> str:
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        return f"timed out ({error})"
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return str(error)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _smtp_reply(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{code} {_text(text)}" for code, text in refused.values())
