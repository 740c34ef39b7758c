"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives."""

from __future__ import annotations

import email
import time
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from bench.common import free_port


class Inbox:
    """aiosmtpd handler: parses and stores each delivered message."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self._sessions: set[int] = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append(message)
        self._sessions.add(id(session))
        return "250 Message accepted for delivery"

    @property
    def connections(self) -> int:
        """How many SMTP connections delivered messages (aiosmtpd: one session each)."""
        return len(self._sessions)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp_server(app, monkeypatch):
    """Start aiosmtpd on a free loopback port and point the app's mail settings at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        yield inbox
    finally:
        controller.stop()
