"""Real destinations on 127.0.0.1 for the notification tests: an SMTP server
(aiosmtpd) that keeps every envelope, and an HTTP server that plays a chat
robot, records every request and answers as it is told. Plus small builders."""

from __future__ import annotations

import contextlib
import email
import email.message
import email.policy
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from duban.notify import services
from duban.notify.models import ChatHook
from duban.org.models import Person, Unit


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (a dead destination)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a chat robot -----------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""


OK = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class Robot:
    """What the server received, and what it answers next: each request takes
    the first of `answers` (status, JSON or text); when none are left it says ok."""

    port: int = 0
    requests: list[Seen] = field(default_factory=list)
    answers: list[tuple[int, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/robot/send?access_token=tok1") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def bodies(self) -> list[Any]:
        return [seen.body for seen in self.requests]


def _handler(robot: Robot) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urllib.parse.urlsplit(self.path)
            try:
                body: Any = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = raw
            with robot.lock:
                robot.requests.append(
                    Seen(
                        self.command,
                        parts.path,
                        parts.query,
                        urllib.parse.parse_qs(parts.query),
                        body,
                        {k.lower(): v for k, v in self.headers.items()},
                        raw,
                    )
                )
                status, answer = robot.answers.pop(0) if robot.answers else OK
            data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


class RobotServer:
    def __init__(self) -> None:
        self.robot = Robot()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.robot))
        self.server.daemon_threads = True
        self.robot.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Robot:
        self.thread.start()
        return self.robot

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# --- a mail server -------------------------------------------------------------------


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: Any  # email.message.EmailMessage

    @property
    def subject(self) -> str:
        # Django folds a long encoded subject onto the next line ("Subject:\r\n =?utf-8?…"),
        # which the parser reads back with the folding space in front.
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        return self.message.get_content().replace("\r\n", "\n")  # as sent: CRLF lines


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[Mail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class MailServer:
    """aiosmtpd on 127.0.0.1; `start()` (again) listens on a fresh port and
    points Django's EMAIL_PORT at it, `stop()` leaves nothing listening there."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    @property
    def mails(self) -> list[Mail]:
        return self.mailbox.mails

    def start(self) -> None:
        port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)
        self.controller.start()
        self.settings.EMAIL_PORT = port

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- builders ----------------------------------------------------------------------------


def give_email(person: Person, address: str, **changes: Any) -> Person:
    """Give a persona an address (and e.g. language=, email_notifications=)."""
    Person.objects.filter(pk=person.pk).update(email=address, **changes)
    person.refresh_from_db()
    return person


def add_hook(
    office: Person,
    unit: Unit,
    url: str,
    *,
    kind: str = "dingtalk",
    secret: str = "",
    language: str = "zh-hans",
    name: str = "",
) -> ChatHook:
    """A unit's chat robot, added the way the office adds one (the address is validated)."""
    return services.hook_create(
        actor=office, unit=unit, kind=kind, url=url, secret=secret, language=language, name=name
    )
