"""A real SMTP server for tests: aiosmtpd on a free 127.0.0.1 port, collecting what it receives.

``smtp_server`` gives a running :class:`SmtpTestServer`. Tests read
``smtp_server.received`` (parsed messages with their envelope), make it
refuse (``refuse[address] = "550 …"``, ``data_reply = "451 …"``), or
``stop()`` and ``start()`` it on the same port to play a mail server that
is down, then back. ``smtp_server.settings`` is the mapping
``transport_from_settings`` reads.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Callable

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server got it: the SMTP envelope and the parsed message."""

    envelope_from: str
    envelope_to: tuple[str, ...]
    message: EmailMessage


class _Handler:
    def __init__(self, server: SmtpTestServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        refusal = self.server.refuse.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        if self.server.data_reply:
            return self.server.data_reply
        # SMTP carries CRLF; a mailbox stores LF, and that is what the parsed text should show.
        raw = (envelope.original_content or envelope.content).replace(b"\r\n", b"\n")
        message = BytesParser(policy=policy.default).parsebytes(raw)
        self.server.received.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 2.0.0 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpTestServer:
    """An aiosmtpd server that can be stopped and started again on the same port."""

    host = "127.0.0.1"

    def __init__(self, authenticator: Callable[..., Any] | None = None):
        self.port = free_port()
        self.received: list[ReceivedMail] = []
        self.refuse: dict[str, str] = {}   # lower-case address → SMTP reply to its RCPT TO
        self.data_reply: str | None = None  # a reply to DATA instead of accepting the message
        self._authenticator = authenticator
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def settings(self) -> dict[str, Any]:
        return {"SMTP_HOST": self.host, "SMTP_PORT": self.port, "SMTP_TLS": "none"}

    def start(self) -> None:
        if self._controller is not None:
            return
        options: dict[str, Any] = {}
        if self._authenticator is not None:
            # Plain-text AUTH is fine on loopback; production always has TLS.
            options.update(authenticator=self._authenticator, auth_require_tls=False)
        controller = Controller(_Handler(self), hostname=self.host, port=self.port, ready_timeout=10, **options)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1, stopped after the test."""
    server = SmtpTestServer()
    server.start()
    yield server
    server.stop()
