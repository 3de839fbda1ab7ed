"""Password reset by a signed, expiring, single-use email link; the same answer for every
address, links on the configured site address only."""

from __future__ import annotations

import datetime
import logging
import re
from urllib.parse import urlsplit

import pytest
import time_machine

from tests.conftest import csrf_from, log_in
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.auth import tokens
from winlas_site.auth.models import User, UserSession
from winlas_site.mail.models import OutboxMessage

SITE = "http://www.winlas.example"
EMAIL = "kund@exempel.se"
NEW = "ett nytt och långt lösenord"


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_SITE_URL"] = SITE
    return app_config


def ask_for_link(client, email=EMAIL, **extra):
    page = client.get("/glomt-losenord", **extra)
    return client.post(
        "/glomt-losenord",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email},
        **extra,
    )


def reset_mails(app, email=EMAIL) -> list[OutboxMessage]:
    with app.app_context():
        return list(
            OutboxMessage.select()
            .where(OutboxMessage.related.startswith("password-reset:"))
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id)
        )


def reset_path(app, email=EMAIL) -> str:
    text = reset_mails(app, email)[-1].body_text
    match = re.search(rf"{re.escape(SITE)}/aterstall-losenord/\S+", text)
    assert match, "no reset link in the message"
    return urlsplit(match.group(0)).path


def choose(client, path, password=NEW, again=None):
    page = client.get(path)
    return client.post(
        path,
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "password": password,
            "password_again": password if again is None else again,
        },
    )


def test_a_reset_link_sets_a_new_password_and_ends_every_session(
    smtp_server,
    app,
    client,
    create_user,
    auth,  # noqa: F811
):
    create_user()
    auth.login()  # a session somewhere else, e.g. a forgotten browser
    assert client.get("/kundsidor").status_code == 200

    visitor = app.test_client()
    response = ask_for_link(visitor)
    assert response.status_code == 303 and response.headers["Location"] == "/glomt-losenord/skickat"
    assert "Om adressen har ett konto" in visitor.get("/glomt-losenord/skickat").get_data(
        as_text=True
    )
    [message] = smtp_server.messages
    assert message["To"] == EMAIL and "List-Unsubscribe" not in message
    text = message.get_body(("plain",)).get_content()
    url = re.search(rf"{re.escape(SITE)}/aterstall-losenord/\S+", text).group(0)
    assert url in message.get_body(("html",)).get_content()

    page = visitor.get(urlsplit(url).path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    response = choose(visitor, urlsplit(url).path)
    assert response.status_code == 303 and response.headers["Location"] == "/logga-in"

    assert client.get("/kundsidor").status_code == 302  # the old session is over
    with app.app_context():
        assert UserSession.select().count() == 0
    assert log_in(app.test_client(), EMAIL).status_code == 401  # the old password no longer works
    assert log_in(app.test_client(), EMAIL, NEW).status_code == 302
    changed = smtp_server.wait_for(2)[1]
    assert changed["To"] == EMAIL and "bytt" in changed["Subject"]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, client, create_user):
    create_user()
    known = ask_for_link(client, EMAIL)
    unknown = ask_for_link(app.test_client(), "okand@exempel.se")
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert len(reset_mails(app)) == 1
    assert reset_mails(app, "okand@exempel.se") == []
    with app.app_context():
        assert OutboxMessage.select().count() == 1


def test_a_deactivated_account_gets_no_link(app, client, create_user):
    user = create_user()
    with app.app_context():
        User.update(active=False).where(User.id == user.id).execute()
    assert ask_for_link(client).status_code == 303
    assert reset_mails(app) == []


def test_a_reset_link_works_only_once(app, client, create_user):
    create_user()
    ask_for_link(client)
    path = reset_path(app)
    assert choose(app.test_client(), path).status_code == 303
    again = app.test_client().get(path)
    assert again.status_code == 410 and "redan använd" in again.get_data(as_text=True)
    token = csrf_from(client.get("/glomt-losenord").get_data(as_text=True))
    response = client.post(
        path, data={"csrf_token": token, "password": "ett tredje lösenord", "password_again": "x"}
    )
    assert response.status_code == 410
    assert log_in(app.test_client(), EMAIL, NEW).status_code == 302


def test_a_newer_password_voids_an_older_link_too(app, client, create_user):
    create_user()
    ask_for_link(client)
    first = reset_path(app)
    ask_for_link(client)
    second = reset_path(app)
    assert choose(app.test_client(), second).status_code == 303
    assert app.test_client().get(first).status_code == 410


def test_an_expired_reset_link_is_refused(app, client, create_user):
    create_user()
    ask_for_link(client)
    path = reset_path(app)
    minutes = app.config.get("WINLAS_PASSWORD_RESET_MINUTES", 60)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=minutes + 1)
    with time_machine.travel(later, tick=False):
        response = app.test_client().get(path)
        assert response.status_code == 410 and "har gått ut" in response.get_data(as_text=True)
    assert log_in(app.test_client(), EMAIL).status_code == 302  # the password is unchanged


def test_a_link_just_before_expiry_still_works(app, client, create_user):
    create_user()
    ask_for_link(client)
    path = reset_path(app)
    minutes = app.config.get("WINLAS_PASSWORD_RESET_MINUTES", 60)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=minutes - 1)
    with time_machine.travel(later, tick=False):
        assert choose(app.test_client(), path).status_code == 303


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t[:15],
        lambda t: t + "x" * 400,
        lambda t: "%00" + t,
        lambda t: "' OR 1=1--",
    ],
)
def test_a_tampered_reset_link_is_a_400_page(app, client, create_user, damage):
    create_user()
    ask_for_link(client)
    token = reset_path(app).rsplit("/", 1)[1]
    response = app.test_client().get("/aterstall-losenord/" + damage(token))
    assert response.status_code in (400, 404)
    assert log_in(app.test_client(), EMAIL).status_code == 302


def test_a_confirmation_token_is_not_a_reset_token(app, client, create_user):
    user = create_user()
    with app.test_request_context():
        token = tokens.make(tokens.CONFIRM, User.get_by_id(user.id))
    assert app.test_client().get("/aterstall-losenord/" + token).status_code == 400


def test_a_link_for_a_deleted_user_is_invalid(app, client, create_user):
    user = create_user()
    ask_for_link(client)
    path = reset_path(app)
    with app.app_context():
        User.delete_by_id(user.id)
    assert app.test_client().get(path).status_code == 400


@pytest.mark.parametrize(
    "password,again,message",
    [
        ("kort", None, "minst 12 tecken"),
        (EMAIL, None, "inte vara din e-postadress"),
        ("  KUND@exempel.se ", None, "inte vara din e-postadress"),
        (NEW, "något annat helt", "inte likadana"),
        ("p" * 100_000, None, "högst 1024 tecken"),
        ("ett\x00lösenord med nul", None, "otillåtna tecken"),
    ],
)
def test_the_new_password_must_follow_the_policy(
    app, client, create_user, password, again, message
):
    create_user()
    ask_for_link(client)
    path = reset_path(app)
    response = choose(app.test_client(), path, password, again)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    # unchanged, and the link still works
    assert log_in(app.test_client(), EMAIL).status_code == 302
    assert choose(app.test_client(), path).status_code == 303


def test_reset_mails_are_capped_per_account(app, create_user):
    create_user()
    for _ in range(5):
        assert ask_for_link(app.test_client()).status_code == 303
    assert len(reset_mails(app)) == 3


def test_asking_for_links_is_throttled_per_client(app_config, create_user):
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_PASSWORD_RESET_LIMIT": "2 per hour"})
    client = app.test_client()
    statuses = [ask_for_link(client, f"person{i}@exempel.se").status_code for i in range(3)]
    assert statuses == [303, 303, 429]


def test_a_forged_host_is_refused_and_links_use_the_site_address(app, client, create_user):
    create_user()
    response = client.get("/glomt-losenord", headers={"Host": "evil.example"})
    assert response.status_code == 400
    response = client.post(
        "/glomt-losenord", data={"email": EMAIL}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 400
    assert reset_mails(app) == []
    ask_for_link(client)
    text = reset_mails(app)[-1].body_text
    assert f"{SITE}/aterstall-losenord/" in text and "localhost" not in text


def test_the_link_and_the_mail_never_carry_the_address_or_the_password(app, client, create_user):
    create_user()
    ask_for_link(client)
    path = reset_path(app)
    assert "kund" not in path and "exempel" not in path
    choose(app.test_client(), path)
    with app.app_context():
        for message in OutboxMessage.select():
            assert NEW not in message.body_text and NEW not in message.body_html


def test_following_a_reset_link_confirms_an_unconfirmed_address(app, client, create_user):
    from winlas_site.auth.models import Organisation

    with app.app_context():
        organisation = Organisation.create(name="Kund", customer_number="K-1")
    create_user(organisation=organisation, confirmed=False)
    assert log_in(app.test_client(), EMAIL).status_code == 403
    ask_for_link(client)
    assert choose(app.test_client(), reset_path(app)).status_code == 303
    assert log_in(app.test_client(), EMAIL, NEW).status_code == 302


def test_the_reset_page_logs_out_a_logged_in_visitor(app, client, create_user, auth):
    create_user()
    create_user("annan@exempel.se")
    auth.login("annan@exempel.se")
    ask_for_link(client)
    assert choose(client, reset_path(app)).status_code == 303
    assert client.get("/kundsidor").status_code == 302


# the same work for every address -------------------------------------------------------------


@pytest.fixture
def queue(tmp_path, monkeypatch):
    """A real (non-immediate) huey queue on SQLite, as production runs it with a consumer."""
    from huey.storage import SqliteStorage

    from winlas_site import queue as site_tasks

    huey = site_tasks.huey
    monkeypatch.setattr(huey, "immediate_use_memory", False)
    monkeypatch.setattr(huey, "immediate", False)
    monkeypatch.setattr(huey, "storage", SqliteStorage("winlas", filename=str(tmp_path / "q.db")))
    return huey


def statements_of(caplog, action) -> list[str]:
    """The SQL statements ``action`` runs (peewee logs each one at DEBUG)."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        action()
    return [
        record.getMessage().split("', [")[0] for record in caplog.records if record.name == "peewee"
    ]


def test_a_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(
    app, create_user, queue, caplog
):
    create_user()
    answers, work = {}, {}
    with app.app_context():  # the probe sees queries: a lookup shows up
        assert statements_of(caplog, lambda: User.by_email(EMAIL))
    for email in (EMAIL, "okand@exempel.se", "kund+x@exempel.se"):
        client = app.test_client()
        page = client.get("/glomt-losenord")
        data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email}
        response = None

        def post(client=client, data=data):
            nonlocal response
            response = client.post("/glomt-losenord", data=data)

        statements = statements_of(caplog, post)
        answers[email] = (response.status_code, response.headers["Location"])
        # the request ran no query at all, and left exactly one task on the queue
        work[email] = (statements, queue.pending_count())
        queue.flush()
    assert len(set(answers.values())) == 1 and answers[EMAIL][0] == 303
    assert set(map(repr, work.values())) == {repr(([], 1))}
    with app.app_context():
        assert OutboxMessage.select().count() == 0  # no per-address work before the answer


def test_the_queued_reset_request_mails_only_a_known_address(app, create_user, queue):
    from winlas_site import queue as site_tasks

    create_user()
    ask_for_link(app.test_client(), EMAIL)
    ask_for_link(app.test_client(), "okand@exempel.se")
    assert queue.pending_count() == 2 and reset_mails(app) == []
    site_tasks.use_app(app)  # the worker's app; a real consumer process calls create_app()
    try:
        while queue.pending_count():
            queue.execute(queue.dequeue())
    finally:
        site_tasks.use_app(None)
    assert len(reset_mails(app)) == 1
    with app.app_context():
        assert OutboxMessage.select().count() == 1


@pytest.mark.parametrize(
    "look_alike", ["ｋｕｎｄ@exempel.se", "k\u0443nd@exempel.se", "kund@exempel.test"]
)
def test_a_look_alike_address_is_a_form_error_and_mails_nobody(
    app, client, create_user, look_alike
):
    create_user()
    response = ask_for_link(client, look_alike)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    with app.app_context():
        assert OutboxMessage.select().count() == 0
