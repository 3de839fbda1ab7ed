"""A real SMTP server on loopback (aiosmtpd) for the tests, and the ``smtp_server`` fixture.

Use it before ``app`` in a test's arguments, so the app is built with its address::

    from tests.mailserver import smtp_server  # noqa: F401

    def test_x(smtp_server, client): ...  # noqa: F811
        assert smtp_server.messages[0]["To"] == "anna@exempel.se"

``server.fail_with = 451`` (or 550) answers every RCPT with that code; ``server.stop()`` and
``server.start()`` take it away and bring it back on the same port (a server that is down).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

REPLIES = {
    421: "421 4.3.2 Service not available, try again later",
    450: "450 4.2.1 Mailbox busy, try again later",
    451: "451 4.3.0 Local error in processing, try again later",
    550: "550 5.1.1 Mailbox unavailable",
    552: "552 5.3.4 Message too big",
    553: "553 5.1.3 Mailbox name not allowed",
    554: "554 5.7.1 Transaction failed",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: LoopbackSMTPServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        code = self.server.fail_with
        if code:
            return REPLIES.get(code, f"{code} refused by the test server")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server.record(message, envelope.mail_from, list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class LoopbackSMTPServer:
    """Collects every message it accepts in ``messages`` (``EmailMessage`` objects)."""

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        # (MAIL FROM, [RCPT TO, …]) of each accepted message: what the envelope really said
        self.envelopes: list[tuple[str, list[str]]] = []
        self.fail_with: int | None = None
        self._controller: Controller | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def record(self, message: EmailMessage, mail_from: str, rcpt_tos: list[str]) -> None:
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((mail_from, rcpt_tos))

    def start(self) -> None:
        """Listen (again) on the same port."""
        if self._controller is None:
            # a stopped Controller has closed its event loop: a new one each time
            controller = Controller(_Handler(self), hostname=self.host, port=self.port)
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        """Stop listening: connections are refused, as when the mail server is down."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until ``count`` messages have arrived (for deliveries by a worker thread)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server(app_config):
    """A running loopback SMTP server; the app built after it sends its mail there."""
    server = LoopbackSMTPServer()
    server.start()
    app_config["WINLAS_SMTP_HOST"] = server.host
    app_config["WINLAS_SMTP_PORT"] = server.port
    app_config["WINLAS_SMTP_STARTTLS"] = False
    app_config["WINLAS_SMTP_TIMEOUT"] = 5
    yield server
    server.stop()
