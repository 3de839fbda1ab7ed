"""Turning an outbox row into a MIME message and handing it to SMTP or to the outbox folder."""

from __future__ import annotations

import datetime
import email.policy
import email.utils
import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from email_validator import EmailNotValidError, validate_email

from .models import OutboxMessage


class Transport(Protocol):
    def send(self, mime: EmailMessage, sender: str, recipient: str) -> None:
        """Deliver ``mime`` from ``sender`` to ``recipient`` (the envelope), or raise."""


def envelope_address(address: str) -> str:
    """The address as SMTP wants it: an internationalised domain in its ASCII (IDNA) form."""
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return address
    return checked.ascii_email or checked.normalized


def build_mime(message: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message of an outbox row: text, and HTML as an alternative when there is one.

    Built at send time from stored parts, so a change of sender address applies to the queue.
    """
    recipient = envelope_address(message.to_address)
    # only a non-ASCII local part needs SMTPUTF8; every other message stays plain 7-bit headers
    policy = email.policy.SMTP if recipient.isascii() else email.policy.SMTPUTF8
    mime = EmailMessage(policy=policy)
    mime["From"] = sender
    mime["To"] = recipient
    mime["Subject"] = message.subject
    # the time the person did what the mail is about, not the time a retry finally worked
    mime["Date"] = email.utils.format_datetime(message.created_at.replace(tzinfo=datetime.UTC))
    mime["Message-ID"] = message.message_id
    mime.set_content(message.body_text)
    if message.body_html:
        mime.add_alternative(message.body_html, subtype="html")
    # after the body: set_content drops, and add_alternative moves, every Content-* header
    mime["Content-Language"] = message.language
    for name, value in message.header_items():
        mime[name] = value
    return mime


class SMTPTransport:
    """Delivery to an SMTP server (a relay of the mail provider), one connection per message."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        user: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = 10,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, mime: EmailMessage, sender: str, recipient: str) -> None:
        """Send one message; smtplib's exceptions tell temporary from permanent failures."""
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if self.port == 465:
            # port 465 speaks TLS from the first byte (RFC 8314), STARTTLS does not apply
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with connection as smtp:
            if self.starttls and self.port != 465:
                # raises SMTPNotSupportedError when the server offers no TLS: never fall back
                # to sending the message and the password in clear text.
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password)
            # explicit envelope: whatever the headers say, the message goes to this one address
            smtp.send_message(mime, from_addr=sender, to_addrs=[recipient])


class FileTransport:
    """Development delivery: each message becomes an .eml file in the outbox folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, mime: EmailMessage) -> Path:
        """One file per message (a retry overwrites it): ``<date>-<message id>.eml``."""
        local_part = str(mime["Message-ID"]).strip("<>").split("@", 1)[0]
        day = email.utils.parsedate_to_datetime(str(mime["Date"])).strftime("%Y%m%d-%H%M%S")
        return self.directory / f"{day}-{local_part}.eml"

    def send(self, mime: EmailMessage, sender: str, recipient: str) -> None:
        """Write the message as the SMTP server would receive it."""
        # the files hold personal data: readable by the site's user only
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.path_for(mime)
        partial = path.with_suffix(".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(mime.as_bytes(policy=mime.policy))
        os.replace(partial, path)  # a reader never sees half a message


def transport_for(config: dict[str, Any], instance_path: str) -> Transport:
    """SMTP when ``WINLAS_SMTP_HOST`` is set, else the ``outbox/`` folder of the instance."""
    if config.get("WINLAS_SMTP_HOST"):
        return SMTPTransport(
            config["WINLAS_SMTP_HOST"],
            int(config["WINLAS_SMTP_PORT"]),
            config["WINLAS_SMTP_USER"],
            config["WINLAS_SMTP_PASSWORD"],
            bool(config["WINLAS_SMTP_STARTTLS"]),
            float(config["WINLAS_SMTP_TIMEOUT"]),
        )
    return FileTransport(Path(instance_path) / "outbox")
