"""Email through the outbox and the queue to a real SMTP server on loopback."""

from __future__ import annotations

import datetime
import email
import email.policy
import signal
import smtplib
import stat
import time
from pathlib import Path

import pytest

from winlas_site import create_app
from winlas_site import queue as site_tasks
from winlas_site.clock import now
from winlas_site.links import external_url
from winlas_site.mail import OutboxMessage, queue_email, retry_due
from winlas_site.mail.models import SENDING_LEASE
from winlas_site.mail.service import backoff, describe

ANNA = "anna.berg@exempel.se"
UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://www.winlas.se/nyhetsbrev/avsluta/abc>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


@pytest.fixture(autouse=True)
def immediate_queue(monkeypatch):
    """The queue runs tasks in the caller, whatever WINLAS_ENV the test run has."""
    monkeypatch.setattr(site_tasks.huey, "immediate", True)


def send(app, to=ANNA, name="Anna Berg", message="Hej!", **options):
    """Queue the test message as a view would, within a request."""
    options.setdefault("kind", "administrative")
    with app.test_request_context("/kontakt"):
        return queue_email(to, "test_message", {"name": name, "message": message}, **options)


def stored(app, message_id=None):
    with app.app_context():
        if message_id is None:
            return list(OutboxMessage.select().order_by(OutboxMessage.id))
        return OutboxMessage.get_by_id(message_id)


def make_due(app):
    """Pretend the backoff has passed."""
    with app.app_context():
        past = now() - datetime.timedelta(hours=2)
        OutboxMessage.update(next_attempt_at=past).execute()


@pytest.mark.parametrize(
    ("language", "subject", "label"),
    [("sv", "Kontakt: Anna Berg", "Namn:"), ("en", "Contact: Anna Berg", "Name:")],
)
def test_a_message_reaches_the_smtp_server_with_text_and_html_in_its_language(
    smtp_server, app, language, subject, label
):  # noqa: F811
    queued = send(app, language=language, related="lead:12")
    [received] = smtp_server.messages
    assert received["From"] == "WinLas <noreply@winlas.se>"
    assert received["To"] == ANNA
    assert received["Subject"] == subject
    assert received["Content-Language"] == language
    assert received["Date"] and received["Message-ID"] == queued.message_id
    assert smtp_server.envelopes == [("noreply@winlas.se", [ANNA])]
    text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = received.get_body(("html",)).get_content()
    assert text.startswith(f"{label} Anna Berg\n\nHej!\n\n-- \nWinLas – ")
    assert f'<html lang="{language}">' in html and f"<title>{subject}</title>" in html
    message = stored(app, queued.id)
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None and message.related == "lead:12"
    assert message.kind == "administrative" and message.language == language


def test_html_in_the_context_is_escaped_in_the_html_part_and_kept_as_text(smtp_server, app):  # noqa: F811
    send(app, name="<script>alert(1)</script>", message='<a href="https://evil.example">x</a>\x00')
    [received] = smtp_server.messages
    html = received.get_body(("html",)).get_content()
    text = received.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="https://evil.example"' not in html
    assert "<script>alert(1)</script>" in text


@pytest.mark.parametrize(
    "address",
    [
        "a@b.se\r\nBcc: x@evil.example",
        "a@b.se\nBcc: x@evil.example",
        "a@b.se\rBcc: x@evil.example",
        "a@b.se%0d%0aBcc: x@evil.example",
        "a@b.se, x@evil.example",
        "Anna <a@b.se>",
        "a@b.se\x00",
        "inte-en-adress",
        "",
        "a" * 250 + "@b.se",
    ],
)
def test_a_bad_or_injected_address_is_refused_and_nothing_is_stored_or_sent(
    smtp_server, app, address
):  # noqa: F811
    with pytest.raises(ValueError):
        send(app, to=address)
    assert stored(app) == [] and smtp_server.messages == []


def test_a_line_break_in_the_subject_context_never_becomes_a_header(smtp_server, app):  # noqa: F811
    send(app, name="Anna\r\nBcc: x@evil.example\n\nX-Injected: yes")
    [received] = smtp_server.messages
    assert received["Bcc"] is None and received["X-Injected"] is None
    assert received["Subject"] == "Kontakt: Anna Bcc: x@evil.example X-Injected: yes"
    assert smtp_server.envelopes[0][1] == [ANNA]
    assert "\n" not in stored(app)[0].subject


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Note": "a\r\nBcc: x@evil.example"},
        {"X-Note": "a\nb"},
        {"Bcc": "x@evil.example"},
        {"To": "x@evil.example"},
        {"from": "x@evil.example"},
        {"Bad Name": "x"},
        {"X-Bad:Name": "x"},
        {"Reply-To": "x@evil.example\r\nBcc: y@evil.example"},
        {"Reply-To": "inte-en-adress"},
    ],
)
def test_injected_or_reserved_extra_headers_are_refused(smtp_server, app, headers):  # noqa: F811
    with pytest.raises(ValueError):
        send(app, headers=headers)
    assert stored(app) == [] and smtp_server.messages == []


def test_extra_headers_such_as_reply_to_are_sent(smtp_server, app):  # noqa: F811
    send(app, to="salj@winlas.se", headers={"Reply-To": ANNA, "X-WinLas-Lead": "12"})
    [received] = smtp_server.messages
    assert received["Reply-To"] == ANNA and received["X-WinLas-Lead"] == "12"


def test_a_marketing_message_needs_one_click_unsubscribe_headers(smtp_server, app):  # noqa: F811
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        send(app, kind="marketing")
    send(app, kind="marketing", headers=UNSUBSCRIBE)
    [received] = smtp_server.messages
    assert received["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert stored(app)[0].kind == "marketing"


@pytest.mark.parametrize(
    "options", [{"kind": "newsletter"}, {"language": "de"}, {"related": "lead:1\nX: y"}]
)
def test_unknown_kinds_and_languages_are_refused(app, options):
    with pytest.raises(ValueError):
        send(app, **options)


def test_smtp_down_keeps_the_message_and_delivers_it_once_after_the_retry(smtp_server, app):  # noqa: F811
    smtp_server.stop()
    before = now()
    queued = send(app)
    message = stored(app, queued.id)
    assert (message.status, message.attempts) == ("retrying", 1)
    assert "refused the connection" in message.last_error
    assert before + backoff(1) <= message.next_attempt_at <= now() + backoff(1)
    with app.app_context():
        assert retry_due() == 0  # not due yet: nothing is tried early
    assert stored(app, queued.id).attempts == 1

    smtp_server.start()
    make_due(app)
    with app.app_context():
        assert retry_due() == 1
        assert retry_due() == 0
    message = stored(app, queued.id)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0]["To"] == ANNA


def test_a_451_answer_is_temporary_and_the_message_is_sent_later(smtp_server, app):  # noqa: F811
    smtp_server.fail_with = 451
    queued = send(app)
    message = stored(app, queued.id)
    assert (message.status, message.attempts) == ("retrying", 1)
    assert "451" in message.last_error
    smtp_server.fail_with = None
    make_due(app)
    with app.app_context():
        retry_due()
    assert stored(app, queued.id).status == "sent" and len(smtp_server.messages) == 1


def test_a_550_answer_fails_at_once_and_shows_in_mail_status(smtp_server, app):  # noqa: F811
    smtp_server.fail_with = 550
    queued = send(app, related="lead:7")
    message = stored(app, queued.id)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "550" in message.last_error and "Mailbox unavailable" in message.last_error
    make_due(app)
    with app.app_context():
        assert retry_due() == 0  # a failed message waits for a person
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0, result.output
    assert "failed    1" in result.output and "sent      0" in result.output
    assert f"{queued.id}" in result.output and "lead:7" in result.output
    assert "550 5.1.1 Mailbox unavailable" in result.output

    smtp_server.fail_with = None
    result = runner.invoke(args=["mail", "retry", str(queued.id)])
    assert result.exit_code == 0 and f"{queued.id}: sent" in result.output
    assert len(smtp_server.messages) == 1
    assert runner.invoke(args=["mail", "retry", str(queued.id)]).exit_code != 0  # already sent


def test_a_temporary_failure_gives_up_after_the_last_attempt(smtp_server, app_config):  # noqa: F811
    app_config["WINLAS_MAIL_MAX_ATTEMPTS"] = 2
    app = create_app(app_config)
    smtp_server.fail_with = 421
    queued = send(app)
    assert stored(app, queued.id).status == "retrying"
    make_due(app)
    with app.app_context():
        retry_due()
    message = stored(app, queued.id)
    assert (message.status, message.attempts) == ("failed", 2)
    assert message.last_error.startswith("gave up after 2 attempts: recipient refused: 421")


def test_starttls_required_but_not_offered_never_sends_in_clear_text(smtp_server, app_config):  # noqa: F811
    app_config["WINLAS_SMTP_STARTTLS"] = True
    app_config["WINLAS_SMTP_USER"] = "winlas"
    app_config["WINLAS_SMTP_PASSWORD"] = "hemligt-lösenord"
    app = create_app(app_config)
    queued = send(app)
    message = stored(app, queued.id)
    assert message.status == "retrying" and "STARTTLS" in message.last_error
    assert "hemligt" not in message.last_error
    assert smtp_server.messages == []


def test_a_message_stuck_in_sending_is_tried_again_after_its_lease(smtp_server, app):  # noqa: F811
    smtp_server.stop()
    queued = send(app)
    with app.app_context():  # as if a worker died in the middle of sending
        OutboxMessage.update(status="sending", next_attempt_at=now() + SENDING_LEASE).execute()
        assert retry_due() == 0  # within the lease: maybe still sending
    smtp_server.start()
    make_due(app)
    with app.app_context():
        assert retry_due() == 1
    message = stored(app, queued.id)
    assert (message.status, message.attempts) == ("sent", 3)
    assert len(smtp_server.messages) == 1


def test_two_tasks_for_one_message_send_it_once(smtp_server, app):  # noqa: F811
    from winlas_site.mail.service import deliver

    queued = send(app)
    with app.app_context():
        deliver(queued.id)
        deliver(queued.id)
    assert len(smtp_server.messages) == 1


def test_a_queue_that_is_away_leaves_the_message_queued_for_the_periodic_check(
    smtp_server, app, monkeypatch
):  # noqa: F811
    def broken(task):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(site_tasks.huey, "enqueue", broken)
    queued = send(app)  # no exception: the caller's page still answers
    assert stored(app, queued.id).status == "queued" and smtp_server.messages == []
    monkeypatch.undo()
    with app.app_context():
        assert retry_due() == 0  # within QUEUED_GRACE the original task may still come
    make_due(app)
    with app.app_context():
        assert retry_due() == 1
    assert stored(app, queued.id).status == "sent" and len(smtp_server.messages) == 1


def test_without_an_smtp_host_messages_are_written_to_the_instance_outbox(app):
    assert not app.config["WINLAS_SMTP_HOST"]
    queued = send(app, language="en")
    assert stored(app, queued.id).status == "sent"
    files = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
    written = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert written["To"] == ANNA and written["Subject"] == "Contact: Anna Berg"
    assert written["Message-ID"] == queued.message_id
    assert "Name: Anna Berg" in written.get_body(("plain",)).get_content()


def test_external_links_use_the_public_site_address_not_the_request_host(app):
    with app.test_request_context("/", base_url="http://intern.example:8080"):
        assert external_url("public.home") == "http://127.0.0.1:5000/"


def test_mail_cli_test_retry_due_and_purge(smtp_server, app):  # noqa: F811
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "test", "drift@winlas.se", "--language", "en"])
    assert result.exit_code == 0 and ": sent" in result.output, result.output
    assert smtp_server.messages[0]["To"] == "drift@winlas.se"
    assert runner.invoke(args=["mail", "test", "a@b.se\r\nBcc: x@y.se"]).exit_code != 0
    assert "enqueued 0 message(s)" in runner.invoke(args=["mail", "retry-due"]).output
    with app.app_context():
        old = now() - datetime.timedelta(days=91)
        OutboxMessage.update(created_at=old).execute()
    send(app)
    result = runner.invoke(args=["mail", "purge"])
    assert "removed 1 message(s) older than 90 days" in result.output
    assert [m.status for m in stored(app)] == ["sent"]


@pytest.mark.parametrize(
    ("exc", "temporary", "text"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True, "refused the connection"),
        (TimeoutError("timed out"), True, "did not answer"),
        (smtplib.SMTPServerDisconnected("gone"), True, "disconnected"),
        (smtplib.SMTPConnectError(421, b"busy"), True, "421 busy"),
        (smtplib.SMTPDataError(452, b"full"), True, "452 full"),
        (smtplib.SMTPDataError(554, b"spam"), False, "554 spam"),
        (smtplib.SMTPRecipientsRefused({"a@b.se": (550, b"no such user")}), False, "550"),
        (smtplib.SMTPRecipientsRefused({"a@b.se": (450, b"greylisted")}), True, "450"),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), True, "login refused"),
        (smtplib.SMTPSenderRefused(553, b"not yours", "noreply@winlas.se"), True, "sender"),
        (UnicodeEncodeError("ascii", "å", 0, 1, "x"), False, "UnicodeEncodeError"),
    ],
)
def test_failures_are_told_apart_as_temporary_or_permanent(exc, temporary, text):
    assert describe(exc)[0] is temporary and text in describe(exc)[1]


def test_the_backoff_doubles_from_30_seconds_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_a_message_queued_by_the_site_is_delivered_by_a_real_worker(
    smtp_server, app, tmp_path, monkeypatch
):  # noqa: F811
    """Not immediate mode: the request only stores and enqueues; a huey consumer (threads, as
    `huey_consumer winlas_site.worker.huey -k thread` runs it) sends."""
    from huey.consumer import Consumer
    from huey.storage import SqliteStorage

    huey = site_tasks.huey
    monkeypatch.setattr(huey, "immediate_use_memory", False)
    monkeypatch.setattr(huey, "immediate", False)
    monkeypatch.setattr(huey, "storage", SqliteStorage("winlas", filename=str(tmp_path / "q.db")))
    monkeypatch.setattr(huey, "_timeout_handler", None)  # the consumer sets it; undo afterwards

    queued = send(app)
    assert stored(app, queued.id).status == "queued"
    assert huey.pending_count() == 1 and smtp_server.messages == []

    site_tasks.use_app(app)  # the worker's app; a real consumer process calls create_app()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    if hasattr(signal, "SIGHUP"):
        handlers[signal.SIGHUP] = signal.getsignal(signal.SIGHUP)
    consumer = Consumer(huey, workers=2, periodic=False, check_worker_health=False, max_delay=0.2)
    consumer.start()
    try:
        smtp_server.wait_for(1)
        deadline = time.monotonic() + 10
        while stored(app, queued.id).status != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        site_tasks.use_app(None)
    message = stored(app, queued.id)
    assert (message.status, message.attempts) == ("sent", 1)
    assert [m["To"] for m in smtp_server.messages] == [ANNA]
    assert huey.pending_count() == 0


@pytest.mark.parametrize(
    ("address", "envelope"),
    [("åsa@skola.se", "åsa@skola.se"), ("anna@bibliotek.åre.se", "anna@bibliotek.xn--re-xia.se")],
)
def test_internationalised_addresses_are_delivered(smtp_server, app, address, envelope):  # noqa: F811
    queued = send(app, to=address)
    assert stored(app, queued.id).status == "sent"
    assert smtp_server.envelopes[0][1] == [envelope]
    assert smtp_server.messages[0]["To"] == envelope


@pytest.mark.parametrize(
    ("environ", "immediate", "kind"),
    [
        ({}, True, "SqliteHuey"),
        ({"WINLAS_ENV": "production"}, False, "SqliteHuey"),
        ({"WINLAS_ENV": "production", "WINLAS_HUEY_IMMEDIATE": "1"}, True, "SqliteHuey"),
        ({"WINLAS_HUEY_IMMEDIATE": "0"}, False, "SqliteHuey"),
        ({"WINLAS_ENV": "production", "REDIS_URL": "redis://127.0.0.1:1/0"}, False, "RedisHuey"),
    ],
)
def test_the_queue_follows_the_environment(tmp_path, environ, immediate, kind):
    queue = site_tasks.make_huey({"WINLAS_INSTANCE_PATH": str(tmp_path), **environ})
    assert (queue.immediate, type(queue).__name__) == (immediate, kind)
    assert (tmp_path / "huey.db").exists() == (kind == "SqliteHuey" and not immediate)
