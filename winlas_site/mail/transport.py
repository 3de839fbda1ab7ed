"""Turning an outbox row into a MIME message and handing it to SMTP or to the outbox folder."""

from __future__ import annotations

import datetime
import email
import email.policy
import email.utils
import logging
import os
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from email_validator import EmailNotValidError, validate_email


class OutboxMessage(Protocol):
    """What a transport reads of an outbox row (``models.OutboxMessage``), named here rather
    than imported: the model deletes its files through this module."""

    to_address: str
    subject: str
    created_at: datetime.datetime
    message_id: str
    body_text: str
    body_html: str
    language: str

    def header_items(self) -> Iterable[tuple[str, str]]: ...

    def attachment_items(self) -> Iterable[tuple[str, str, bytes]]: ...


log = logging.getLogger("winlas.mail")


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
    """The MIME message of an outbox row: text, and HTML as an alternative when there is one,
    then the attached files (multipart/mixed).

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
    for filename, content_type, data in message.attachment_items():
        maintype, subtype, params = split_content_type(content_type)
        mime.add_attachment(data, maintype, subtype, filename=filename, params=params)
    # after the body: set_content drops, and add_alternative moves, every Content-* header
    mime["Content-Language"] = message.language
    for name, value in message.header_items():
        mime[name] = value
    return mime


def split_content_type(content_type: str) -> tuple[str, str, dict[str, str]]:
    """``"text/calendar; method=PUBLISH; charset=utf-8"`` → ("text", "calendar", {...})."""
    kind, *rest = (part.strip() for part in content_type.split(";"))
    maintype, _slash, subtype = kind.partition("/")
    params = {}
    for item in rest:
        name, _equals, value = item.partition("=")
        if name:
            params[name.strip().lower()] = value.strip().strip('"')
    return maintype.lower(), subtype.lower(), params


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
        day = email.utils.parsedate_to_datetime(str(mime["Date"]))
        return self._path(day, str(mime["Message-ID"]))

    def path_of(self, message: OutboxMessage) -> Path:
        """The file of an outbox row, found from the row alone: ``build_mime`` takes the Date
        from ``created_at`` and the Message-ID from ``message_id``, so this is the name
        ``path_for`` gave it when it was delivered."""
        return self._path(message.created_at, message.message_id)

    def _path(self, moment: datetime.datetime, message_id: str) -> Path:
        local_part = message_id.strip().strip("<>").split("@", 1)[0]
        # a Message-ID is ours (make_msgid), but a file name must never leave the folder
        local_part = "".join(ch for ch in local_part if ch.isalnum() or ch in "._-")
        return self.directory / f"{moment.strftime('%Y%m%d-%H%M%S')}-{local_part}.eml"

    def remove(self, messages: Iterable[OutboxMessage]) -> int:
        """Delete the files of these outbox rows (and a half-written one); return how many."""
        removed = 0
        for message in messages:
            path = self.path_of(message)
            for candidate in (path, path.with_suffix(".tmp")):
                try:
                    candidate.unlink()
                    removed += 1
                except FileNotFoundError:
                    pass
        return removed

    def remove_mentioning(self, *needles: str) -> int:
        """Delete every file whose headers or decoded body mention one of ``needles`` (case
        ignored): files whose row is already gone (purged before files were deleted with it,
        or written by an older version under another name). Returns how many."""
        wanted = [needle.lower() for needle in needles if needle]
        if not wanted or not self.directory.is_dir():
            return 0
        removed = 0
        for path in [*self.directory.glob("*.eml"), *self.directory.glob("*.tmp")]:
            try:
                raw = path.read_bytes()
            except OSError:
                continue
            if any(needle in _readable_text(raw) for needle in wanted):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

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


def _readable_text(raw: bytes) -> str:
    """The raw message and every decoded part (base64, quoted-printable, encoded words),
    lower-cased: an address may be in any of them."""
    texts = [raw.decode("utf-8", "replace")]
    try:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        texts += [str(value) for value in parsed.values()]
        for part in parsed.walk():
            if not part.is_multipart():
                content = part.get_content()
                texts.append(content if isinstance(content, str) else "")
    except Exception:  # noqa: BLE001 - a broken file is searched as raw text only
        log.warning("outbox file could not be parsed; searched as raw text")
    return "\n".join(texts).lower()


def outbox_files(instance_path: str) -> FileTransport:
    """The development outbox folder of an instance (whether or not SMTP is configured now:
    files written before still hold personal data)."""
    return FileTransport(Path(instance_path) / "outbox")


def transport_for(config: dict[str, Any], instance_path: str) -> Transport:
    """SMTP when ``WINLAS_SMTP_HOST`` is set, else the ``outbox/`` folder of the instance."""
    if config["WINLAS_SMTP_HOST"]:
        return SMTPTransport(
            config["WINLAS_SMTP_HOST"],
            int(config["WINLAS_SMTP_PORT"]),
            config["WINLAS_SMTP_USER"],
            config["WINLAS_SMTP_PASSWORD"],
            bool(config["WINLAS_SMTP_STARTTLS"]),
            float(config["WINLAS_SMTP_TIMEOUT"]),
        )
    return outbox_files(instance_path)
