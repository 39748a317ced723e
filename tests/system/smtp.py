"""A real SMTP server on loopback that keeps what it is sent, for reading in a test.

Built on ``aiosmtpd``: the server speaks SMTP on 127.0.0.1 in a thread of its own, so the
site's ordinary SMTP email backend talks to it exactly as to a mail relay.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.system.servers import free_port


class Mailbox:
    """Every message the server accepted, in order, parsed; safe to read from the test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    def messages(self, *, to: str | None = None) -> list[EmailMessage]:
        with self._lock:
            found = list(self._messages)
        return [m for m in found if to is None or to in str(m["To"])]

    def wait_for(self, count: int, *, to: str | None = None, timeout: float = 10) -> list:
        """The messages (to ``to``) once there are ``count`` of them; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while len(found := self.messages(to=to)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} messages expected, {len(found)} arrived")
            time.sleep(0.05)
        return found


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A running SMTP server and the port it listens on, stopped afterwards."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
