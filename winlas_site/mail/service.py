"""Queueing, delivering and retrying email: the outbox row first, SMTP afterwards."""

from __future__ import annotations

import base64
import datetime
import email.utils
import json
import logging
import re
import smtplib
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Config, current_app
from flask_babel import force_locale

from ..clock import now
from ..db import database
from ..i18n import LANGUAGES
from ..links import external_url, with_language
from ..queue import huey, task
from .models import FAILED, KINDS, QUEUED, RETRYING, SENDING, OutboxMessage
from .transport import build_mime, envelope_address, transport_for

log = logging.getLogger("winlas.mail")

# Where a reply goes, by the feature a template belongs to (its folder under templates/mail/):
# the From address is noreply@, which nobody reads. Anything not listed (account, auth, the
# test email) is administrative and goes to support. A caller may name another address (a lead
# notification to staff: Reply-To the person who wrote); an empty setting sends no Reply-To.
REPLY_TO_SETTINGS = {
    "leads": "WINLAS_STAFF_EMAIL",
    "courses": "WINLAS_COURSE_EMAIL",
    "newsletter": "WINLAS_MARKETING_EMAIL",
}
DEFAULT_REPLY_TO_SETTING = "WINLAS_SUPPORT_EMAIL"


def settings() -> Config:
    """The settings of the current app (their defaults are in ``config.SETTINGS``)."""
    return current_app.config


# headers the outbox sets itself: a caller cannot add recipients or change the sender
RESERVED_HEADERS = frozenset(
    {
        "bcc",
        "cc",
        "content-transfer-encoding",
        "content-type",
        "date",
        "from",
        "message-id",
        "mime-version",
        "resent-bcc",
        "resent-cc",
        "resent-to",
        "return-path",
        "sender",
        "subject",
        "to",
    }
)
HEADER_NAME = re.compile(r"[!-9;-~]{1,76}")  # RFC 5322 field-name: printable ASCII but ":"
MAX_HEADER_VALUE = 2000
MAX_SUBJECT = 255
# P18 and RFC 8058: every marketing email can be left with one click
MARKETING_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")

# attachments: a plain file name (no folder, no control character, no leading dot), a
# type/subtype with simple parameters, and a size no mailbox refuses
ATTACHMENT_NAME = re.compile(r"[\w][\w .()+-]{0,99}")
CONTENT_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]+(; *[a-z-]+=[a-z0-9._-]+)*", re.IGNORECASE)
MAX_ATTACHMENTS_SIZE = 2_000_000

FIRST_RETRY = datetime.timedelta(seconds=30)
LONGEST_RETRY = datetime.timedelta(hours=1)


def _has_control_characters(text: str) -> bool:
    # CR and LF above all: in a header they start a new header (injection); NUL and the other C0
    # and C1 controls, DEL and the Unicode line separators have no business there either.
    return any(ord(ch) < 32 or 127 <= ord(ch) < 160 or ch in "\u2028\u2029" for ch in text)


def checked_address(address: str) -> str:
    """The address, normalised; ValueError when it is invalid or holds a line break."""
    if not isinstance(address, str) or _has_control_characters(address):
        raise ValueError("the email address holds control characters")
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"invalid email address: {exc}") from None


def checked_headers(headers: dict[str, str] | None, kind: str) -> dict[str, str]:
    """Extra headers, refused (ValueError) when a name or value could inject another header."""
    headers = dict(headers or {})
    for name, value in headers.items():
        if not isinstance(name, str) or not HEADER_NAME.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"the header {name} is set by the outbox itself")
        if not isinstance(value, str) or _has_control_characters(value):
            raise ValueError(f"the value of the header {name} holds control characters")
        if len(value) > MAX_HEADER_VALUE:
            raise ValueError(f"the value of the header {name} is too long")
        if name.lower() == "reply-to":
            headers[name] = checked_address(value)
    if kind == "marketing":
        present = {name.lower() for name in headers}
        missing = [name for name in MARKETING_HEADERS if name.lower() not in present]
        if missing:
            raise ValueError(f"a marketing email needs the headers {', '.join(missing)}")
    return headers


Attachment = tuple[str, str, bytes]


def checked_attachments(attachments: list[Attachment] | None) -> list[dict[str, str]]:
    """The files as stored in the outbox; ValueError for a name that is a path, holds a
    control character or is too long, a malformed content type, or too many bytes."""
    stored, total = [], 0
    for item in attachments or []:
        filename, content_type, data = item
        if not isinstance(filename, str) or not ATTACHMENT_NAME.fullmatch(filename):
            raise ValueError(f"invalid attachment file name {filename!r}")
        if not isinstance(content_type, str) or not CONTENT_TYPE.fullmatch(content_type):
            raise ValueError(f"invalid attachment content type {content_type!r}")
        if not isinstance(data, bytes):
            raise ValueError("attachment data must be bytes")
        total += len(data)
        if total > MAX_ATTACHMENTS_SIZE:
            raise ValueError("the attachments are too large")
        stored.append(
            {
                "filename": filename,
                "content_type": content_type,
                "data": base64.b64encode(data).decode("ascii"),
            }
        )
    return stored


def single_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """``text`` on one line: every run of whitespace (line breaks included) becomes one space,
    other control characters go, and it is cut to ``limit`` characters."""
    text = " ".join(text.split())
    text = "".join(ch for ch in text if not _has_control_characters(ch))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def tidy_text(text: str) -> str:
    """A rendered text body without trailing spaces or runs of blank lines from template tags."""
    # "-- " (with its space) is the signature separator mail clients recognise (RFC 3676)
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of ``templates/mail/<template>.*`` in ``language``."""
    env = current_app.jinja_env
    values = {
        "site_url": current_app.config["WINLAS_SITE_URL"].rstrip("/"),
        "external_url": external_url,
        "language": language,
        **context,
    }
    # the Jinja environment directly, not render_template: a mail must not depend on the
    # request that happens to queue it (context processors read cookies, consent, the user).
    with force_locale(language):
        subject = single_line(env.get_template(f"mail/{template}.subject.txt").render(values))
        values["subject"] = subject
        text = tidy_text(env.get_template(f"mail/{template}.txt").render(values))
        html = env.get_template(f"mail/{template}.html").render(values)
    # -- issue 17: language -- every link to the site opens in the mail's language
    text = with_language(text, language, html=False)
    html = with_language(html, language, html=True)
    # PostgreSQL refuses NUL in text, and no mail needs one
    return subject, text.replace("\x00", ""), html.replace("\x00", "")


def reply_to_for(template: str) -> str:
    """The configured Reply-To address of the feature ``template`` belongs to ('' for none)."""
    feature = template.partition("/")[0]
    return settings()[REPLY_TO_SETTINGS.get(feature, DEFAULT_REPLY_TO_SETTING)]


def sender() -> tuple[str, str]:
    """The From header and the envelope sender address."""
    header = settings()["WINLAS_MAIL_FROM"]
    return header, email.utils.parseaddr(header)[1]


def queue_email(
    to_address: str,
    template: str,
    context: dict[str, Any],
    *,
    kind: str,
    language: str = "sv",
    headers: dict[str, str] | None = None,
    related: str = "",
    reply_to: str | None = None,
    attachments: list[Attachment] | None = None,
) -> OutboxMessage:
    """Store an email in the outbox (committed) and enqueue its delivery.

    ``template`` names ``templates/mail/<template>.subject.txt``, ``.txt`` and ``.html``.
    ValueError for an invalid address, a line break in an address or header, an unknown kind
    or language, or a marketing email without unsubscribe headers. ``reply_to`` overrides the
    feature's configured Reply-To (``reply_to_for``); it is checked like any address, so a line
    break typed into a form never reaches the header. ``attachments`` are files sent along,
    ``(filename, content_type, bytes)`` each (``checked_attachments``). Call it after the
    transaction that stores what the mail is about: the outbox commits on its own, and a
    delivery problem never touches the caller's data.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    if not isinstance(related, str) or len(related) > 50 or _has_control_characters(related):
        raise ValueError("related must be a short single-line text")
    address = checked_address(to_address)
    extra = checked_headers(headers, kind)
    files = checked_attachments(attachments)
    if not any(name.lower() == "reply-to" for name in extra):
        replies = reply_to if reply_to is not None else reply_to_for(template)
        if replies:
            extra["Reply-To"] = checked_address(replies)
    subject, text, html = render(template, context, language)
    _header, sender_address = sender()
    domain = sender_address.rpartition("@")[2] or "localhost"
    with database.atomic():
        message = OutboxMessage.create(
            kind=kind,
            to_address=address,
            subject=subject,
            body_text=text,
            body_html=html,
            headers=json.dumps(extra, ensure_ascii=False),
            attachments=json.dumps(files),
            related=related,
            language=language,
            message_id=email.utils.make_msgid(domain=domain),
        )
    enqueue(message.id)
    # in immediate mode it is already sent (or retrying): hand back the row as it is now
    return OutboxMessage.get_by_id(message.id)


def enqueue(message_id: int) -> None:
    """Hand a message to the queue; if the queue is away, the periodic check finds it later."""
    try:
        deliver(message_id)
    except Exception:
        # the row is committed and stays queued: Redis being down must not turn a saved lead
        # into an error page. retry_due enqueues it again once QUEUED_GRACE has passed.
        log.exception("could not enqueue mail %s; it stays queued", message_id)


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before the next try after ``attempts`` failed ones: 30 s, 1, 2, 4 … min, at most 1 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def describe(exc: BaseException) -> tuple[bool, str]:
    """(temporary?, a short description without secrets) of a delivery failure.

    Temporary: the server is away, slow or busy (4xx), or our own account is refused (login,
    sender, TLS: fixed in the settings, after which the queue carries on). Permanent: the server
    refuses this message or this recipient (5xx).
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        details = "; ".join(f"{code} {_text_of(text)}" for code, text in exc.recipients.values())
        return any(code < 500 for code in codes), f"recipient refused: {details}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return True, f"SMTP login refused ({exc.smtp_code}): check WINLAS_SMTP_USER/PASSWORD"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return True, f"sender refused: {exc.smtp_code} {_text_of(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500, f"SMTP {exc.smtp_code} {_text_of(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return True, f"SMTP server lacks a needed extension (STARTTLS or SMTPUTF8): {exc}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True, f"SMTP server disconnected: {exc}"
    if isinstance(exc, ConnectionRefusedError):
        return True, "SMTP server refused the connection (down?)"
    if isinstance(exc, TimeoutError):
        return True, "SMTP server did not answer in time"
    if isinstance(exc, OSError):  # DNS, TLS, network unreachable, other smtplib errors
        return True, f"{type(exc).__name__}: {exc}"
    return False, f"could not be sent: {type(exc).__name__}: {exc}"


def _text_of(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _scrub(error: str) -> str:
    password = settings()["WINLAS_SMTP_PASSWORD"]
    if password:
        error = error.replace(password, "***")
    return single_line(error, 500)


def deliver_message(message_id: int) -> str | None:
    """Try to send one message now; return its new status (None when it was not ours to send).

    The claim is one UPDATE, so two tasks for the same message (a retry and the periodic check)
    never send it twice.
    """
    if not OutboxMessage.claim(message_id, now()):
        return None
    message = OutboxMessage.get_by_id(message_id)
    config = settings()
    header, sender_address = sender()
    try:
        mime = build_mime(message, header)
        transport = transport_for(config, current_app.instance_path)
        transport.send(mime, sender_address, envelope_address(message.to_address))
    except Exception as exc:
        temporary, error = describe(exc)
        error = _scrub(error)
        if not isinstance(exc, OSError):
            # not a delivery problem but a bug or bad stored data: keep the traceback
            log.exception("mail %s could not be built or sent", message.id)
        if temporary and message.attempts + 1 < config["WINLAS_MAIL_MAX_ATTEMPTS"]:
            delay = backoff(message.attempts + 1)
            message.mark_retrying(error, now() + delay)
            log.warning("mail %s: attempt %d failed: %s", message.id, message.attempts, error)
            _schedule_retry(message.id, delay)
        else:
            if temporary:
                error = _scrub(f"gave up after {message.attempts + 1} attempts: {error}")
            message.mark_failed(error)
            log.error("mail %s failed: %s", message.id, error)
    else:
        message.mark_sent(now())
        log.info("mail %s sent (%s, %s)", message.id, message.kind, message.related or "-")
    return message.status


def _schedule_retry(message_id: int, delay: datetime.timedelta) -> None:
    if huey.immediate:
        # immediate mode keeps a schedule nobody runs: retry_due (the CLI) takes over
        return
    try:
        deliver.schedule(args=(message_id,), delay=delay.total_seconds())
    except Exception:
        log.exception("could not schedule the retry of mail %s", message_id)


def retry_due() -> int:
    """Enqueue every message whose delivery is due but whose task may be lost; return how many.

    Runs every minute in the consumer; ``winlas mail retry-due`` runs it by hand (immediate
    mode has no consumer). A message stuck in "sending" past its lease counts one attempt.
    """
    at = now()
    ids = []
    for message in OutboxMessage.due(at):
        if message.status == SENDING:
            stale = (OutboxMessage.id == message.id) & (OutboxMessage.status == SENDING)
            OutboxMessage.update(
                status=RETRYING,
                attempts=OutboxMessage.attempts + 1,
                last_error="interrupted while sending (worker stopped?)",
                next_attempt_at=at,
            ).where(stale).execute()
        ids.append(message.id)
    for message_id in ids:
        enqueue(message_id)
    return len(ids)


def retry(message: OutboxMessage) -> str | None:
    """Send a failed or waiting message again now, with fresh attempts; return its status."""
    if message.status not in (FAILED, RETRYING, QUEUED):
        raise ValueError(f"message {message.id} is {message.status}, not failed or waiting")
    message.reset_for_retry(now())
    enqueue(message.id)
    return OutboxMessage.get_by_id(message.id).status


def purge(days: int) -> int:
    """Delete sent and failed messages older than ``days`` days; return how many."""
    return OutboxMessage.purge(now() - datetime.timedelta(days=days))


@task()
def deliver(message_id: int) -> None:
    """Send one outbox message (a retry is scheduled by the delivery itself)."""
    deliver_message(message_id)
