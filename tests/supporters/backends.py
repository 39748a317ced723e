"""Test-only email backends: a mail server that drops the connection after N emails."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class CrashingEmailBackend(EmailBackend):
    """Delivers to ``mail.outbox`` like locmem until ``allowed`` emails have gone, then fails
    the way a dropped SMTP connection does. Set ``CrashingEmailBackend.allowed`` first."""

    allowed = 0

    def send_messages(self, messages):
        sent = 0
        for message in messages:
            if CrashingEmailBackend.allowed <= 0:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            CrashingEmailBackend.allowed -= 1
            sent += super().send_messages([message])
        return sent


class RefusingEmailBackend(EmailBackend):
    """Refuses any address at ``refused.example.org`` (a permanent 550), delivers the rest."""

    def send_messages(self, messages):
        for message in messages:
            refused = [to for to in message.to if to.endswith("@refused.example.org")]
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    {to: (550, b"No such mailbox") for to in refused}
                )
        return super().send_messages(messages)
