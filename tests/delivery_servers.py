"""Stand-ins for the world notifications go to, all on this machine: a real SMTP server
(aiosmtpd) that keeps what it receives, one HTTP server that answers as a WeCom or a
DingTalk robot would (or as a broken one), a port nobody listens on and a server that
accepts and never answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SMTPSession

SMTP_USER, SMTP_PASSWORD = "mailer", "p@ss:word"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    at: float  # time.monotonic() when the server had it
    authenticated: bool


@dataclass
class Inbox:
    """The SMTP server's mailbox: every message it accepted, in order."""

    url: str
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(
        self, _server: SMTPServer, session: SMTPSession, envelope: Envelope
    ) -> str:
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                message,
                time.monotonic(),
                bool(session.authenticated),
            )
        )
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received


def _authenticate(
    _server: SMTPServer, _session: SMTPSession, _envelope: Envelope, _mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == SMTP_USER.encode()
        and data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(name="smtp_inbox")
def smtp_inbox_fixture() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 (no TLS, so no STARTTLS offered)."""
    port = free_port()
    inbox = Inbox(f"smtp://127.0.0.1:{port}")
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture(name="smtp_with_login")
def smtp_with_login_fixture() -> Iterator[Inbox]:
    """The same, offering AUTH over plain text (which the sender allows on loopback only)."""
    port = free_port()
    user = urllib.parse.quote(SMTP_USER, safe="")
    password = urllib.parse.quote(SMTP_PASSWORD, safe="")
    inbox = Inbox(f"smtp://{user}:{password}@127.0.0.1:{port}")
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox
    controller.stop()


@dataclass
class Posted:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    at: float


class Robots:
    """One HTTP server standing in for every robot; the path says how it answers:
    ``/ok…`` errcode 0, ``/errcode…`` errcode 310000, ``/http500…`` HTTP 500,
    ``/notjson…`` a page of HTML."""

    def __init__(self) -> None:
        self.posted: list[Posted] = []
        robots = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                assert self.headers["Content-Type"].startswith("application/json")
                robots.posted.append(
                    Posted(
                        parts.path,
                        dict(urllib.parse.parse_qsl(parts.query)),
                        json.loads(raw.decode("utf-8")),
                        time.monotonic(),
                    )
                )
                if parts.path.startswith("/http500"):
                    self._answer(500, b"oops", "text/plain")
                elif parts.path.startswith("/notjson"):
                    self._answer(200, b"<html></html>", "text/html")
                elif parts.path.startswith("/errcode"):
                    self._json({"errcode": 310000, "errmsg": "sign not match"})
                else:
                    self._json({"errcode": 0, "errmsg": "ok"})

            def _json(self, answer: dict[str, Any]) -> None:
                self._answer(200, json.dumps(answer).encode(), "application/json")

            def _answer(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str, **query: str) -> str:
        tail = f"?{urllib.parse.urlencode(query)}" if query else ""
        return f"{self.base}{path}{tail}"


@pytest.fixture(name="robots")
def robots_fixture() -> Iterator[Robots]:
    stand_in = Robots()
    stand_in.thread.start()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


@pytest.fixture(name="silent_port")
def silent_port_fixture() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield int(listener.getsockname()[1])
    listener.close()


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's signature as its documentation defines it (the test's own reckoning)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()
