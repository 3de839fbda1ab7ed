"""The forms' fill token is good for one submission and a few hours (issue 10).

Before, a token fetched once could be posted again and again, forever. Now a second use with
other content, or a use past ``WINLAS_FORM_TOKEN_HOURS``, gets the form back (400) with a clear
message and what was typed; the same content sent twice (a double click) is still one lead.
The record of used tokens is in the database, so it holds across workers. Both backends.
"""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from itsdangerous import URLSafeSerializer

from tests.conftest import csrf_from
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site import create_app
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.leads.models import Lead
from winlas_site.newsletter.models import Subscription
from winlas_site.spam import FormToken

REUSED_TEXT = "Det här formuläret har redan skickats"
EXPIRED_TEXT = "Formuläret har varit öppet för länge"


def hidden(html: str) -> dict:
    found = {"csrf_token": csrf_from(html)}
    for name in ("started", "submission", "source"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
        if match:
            found[name] = match.group(1)
    return found


def inquiry(**fields) -> dict:
    return {
        "first_name": "Anna",
        "last_name": "Berg",
        "organisation": "Exempelkommun",
        "email": "anna.berg@exempel.se",
        "message": "Hur fungerar fjärrlån?",
        **fields,
    }


def count(app, model) -> int:
    with app.app_context():
        return model.select().count()


# --- the contact forms --------------------------------------------------------------------------


def test_a_token_sent_again_with_other_content_gets_the_form_back_with_what_was_typed(app, client):
    data = {**hidden(client.get("/kontakt/fraga").get_data(as_text=True)), **inquiry()}
    assert client.post("/kontakt/fraga", data=data).status_code == 303
    # the same token and id, another message: a bot replaying a form, or back-and-edit
    again = client.post("/kontakt/fraga", data={**data, "message": "Något helt annat"})
    html = again.get_data(as_text=True)
    assert again.status_code == 400
    assert REUSED_TEXT in html
    assert 'value="Anna"' in html and "Något helt annat" in html
    assert count(app, Lead) == 1
    # the page carries a fresh token and a fresh id: sent again, it is a new inquiry
    fresh = hidden(html)
    assert fresh["started"] != data["started"] and fresh["submission"] != data["submission"]
    resent = client.post("/kontakt/fraga", data={**data, **fresh, "message": "Något helt annat"})
    assert resent.status_code == 303
    assert count(app, Lead) == 2


def test_a_bot_changing_the_submission_id_cannot_reuse_one_token(app, client):
    data = {**hidden(client.get("/kontakt/offert").get_data(as_text=True))}
    fields = inquiry(organisation_type="school")
    assert client.post("/kontakt/offert", data={**data, **fields}).status_code == 303
    for n in range(3):
        forged = {**data, **fields, "submission": f"{n:032x}"}
        assert client.post("/kontakt/offert", data=forged).status_code == 400
    assert count(app, Lead) == 1


def test_a_double_click_is_still_one_lead_and_one_pair_of_emails(smtp_server, app, client):  # noqa: F811
    data = {**hidden(client.get("/kontakt/visning").get_data(as_text=True))}
    data.update(inquiry(meeting_mode="online", preferred_times="Tisdag fm"))
    first = client.post("/kontakt/visning", data=data)
    second = client.post("/kontakt/visning", data=data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, Lead) == 1
    assert len(smtp_server.messages) == 2  # staff and the sender, once


def test_a_token_older_than_its_lifetime_gets_the_form_back(app, client):
    shown = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(shown, tick=False):
        data = {**hidden(client.get("/kontakt/fraga").get_data(as_text=True)), **inquiry()}
    hours = app.config["WINLAS_FORM_TOKEN_HOURS"]
    with time_machine.travel(shown + datetime.timedelta(hours=hours, minutes=1), tick=False):
        response = client.post("/kontakt/fraga", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED_TEXT in html and "Hur fungerar fjärrlån?" in html
    assert count(app, Lead) == 0
    # within its lifetime the same kind of token is accepted
    with time_machine.travel(shown + datetime.timedelta(hours=hours - 1), tick=False):
        fresh = {**hidden(client.get("/kontakt/fraga").get_data(as_text=True)), **inquiry()}
        assert client.post("/kontakt/fraga", data=fresh).status_code == 303


def test_a_token_of_the_old_kind_without_an_id_is_renewed_not_accepted(app, client):
    # built with itsdangerous as the site did before fill tokens had ids
    data = {**hidden(client.get("/kontakt/fraga").get_data(as_text=True)), **inquiry()}
    data["started"] = URLSafeSerializer(app.secret_key, salt="form-started").dumps(1)
    response = client.post("/kontakt/fraga", data=data)
    assert response.status_code == 400 and EXPIRED_TEXT in response.get_data(as_text=True)
    assert count(app, Lead) == 0


def test_a_token_used_on_one_worker_is_refused_on_another(app_config, database):
    """Two apps on one database stand for two gunicorn workers (or two machines)."""
    first, second = create_app(app_config), create_app(app_config)
    browser = first.test_client()
    data = {**hidden(browser.get("/kontakt/fraga").get_data(as_text=True)), **inquiry()}
    assert browser.post("/kontakt/fraga", data=data).status_code == 303
    # the same browser (its session cookie carries the CSRF token) lands on the other worker
    other = second.test_client()
    for cookie in browser._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    response = other.post("/kontakt/fraga", data={**data, "message": "Igen"})
    assert response.status_code == 400 and REUSED_TEXT in response.get_data(as_text=True)
    assert count(first, Lead) == 1


def nonce_of(app, started: str) -> str:
    # read as itsdangerous itself reads it: the token's format is what browsers hold
    return URLSafeSerializer(app.secret_key, salt="form-started").loads(started)[1]


def recorded(app, nonce: str) -> FormToken | None:
    with app.app_context():
        return FormToken.get_or_none(FormToken.nonce == nonce)


def test_used_tokens_are_recorded_until_they_expire_and_then_purged(app, client):
    data = {**hidden(client.get("/kontakt/fraga").get_data(as_text=True)), **inquiry()}
    client.post("/kontakt/fraga", data=data)
    first = recorded(app, nonce_of(app, data["started"]))
    assert first is not None and len(first.fingerprint) == 64  # a digest, not the content
    later = first.expires_at + datetime.timedelta(seconds=1)
    with time_machine.travel(later.replace(tzinfo=datetime.UTC), tick=False):
        fresh = {**hidden(client.get("/kontakt/fraga").get_data(as_text=True)), **inquiry()}
        assert client.post("/kontakt/fraga", data=fresh).status_code == 303
    # the expired record went with the next use; the new one stays
    assert recorded(app, nonce_of(app, data["started"])) is None
    assert recorded(app, nonce_of(app, fresh["started"])) is not None


# --- course sign-up and the newsletter ----------------------------------------------------------


@pytest.fixture
def session_path(app):
    with app.app_context():
        course = Course.create(
            slug="grundkurs", kind="course", title_sv="Grundkurs", summary_sv="En dag.", body_sv="."
        )
        starts = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(days=20)
        session = CourseSession.create(
            course=course,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=6),
            place_sv="Stockholm",
            capacity=10,
        )
    return f"/utbildningar/grundkurs/anmalan/{session.id}"


def signup(**fields) -> dict:
    return {
        "first_name": "Anna",
        "last_name": "Berg",
        "email": "anna.berg@exempel.se",
        "organisation": "Exempelkommun",
        "acknowledge": "y",
        **fields,
    }


def test_a_course_signup_token_sent_again_with_another_address_is_refused(
    app, client, session_path
):
    data = {**hidden(client.get(session_path).get_data(as_text=True)), **signup()}
    assert client.post(session_path, data=data).status_code == 303
    assert client.post(session_path, data=data).status_code == 303  # a double click
    again = client.post(session_path, data={**data, "email": "annan@exempel.se"})
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    assert REUSED_TEXT in html and "annan@exempel.se" in html
    assert count(app, Registration) == 1


def test_a_newsletter_token_sent_again_is_refused_but_a_double_click_is_one_mail(
    smtp_server, app, client
):  # noqa: F811
    data = {**hidden(client.get("/nyhetsbrev").get_data(as_text=True))}
    data.update(email="ja@exempel.se", consent="y")
    assert client.post("/nyhetsbrev", data=data).status_code == 303
    assert client.post("/nyhetsbrev", data=data).status_code == 303
    assert len(smtp_server.messages) == 1
    again = client.post("/nyhetsbrev", data={**data, "email": "nej@exempel.se"})
    assert again.status_code == 400 and REUSED_TEXT in again.get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    with app.app_context():
        assert [s.email for s in Subscription.select()] == ["ja@exempel.se"]
