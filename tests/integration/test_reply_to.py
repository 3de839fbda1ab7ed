"""Each kind of email has a fitting Reply-To (issue 10).

Before, no email had one, so a reply to a lead notification or a course email went to
noreply@. Now: a lead notification to staff answers the person who wrote (a checked address,
never a header injection), the person's own lead confirmation answers sales, course emails the
course team, newsletter emails marketing, and everything administrative support; each address
is a WINLAS_… setting. Real SMTP server on loopback, both backends.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import csrf_from
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site import create_app
from winlas_site.mail import OutboxMessage, queue_email
from winlas_site.mail.service import reply_to_for

MAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"


def hidden(html: str) -> dict:
    data = {"csrf_token": csrf_from(html)}
    for name in ("started", "submission"):
        data[name] = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)
    return data


def send_question(client, email="Anna.Berg@Exempel.se"):
    data = hidden(client.get("/kontakt/fraga").get_data(as_text=True))
    data.update(
        first_name="Anna",
        last_name="Berg",
        organisation="Exempelkommun",
        email=email,
        message="Hur fungerar fjärrlån?",
    )
    return client.post("/kontakt/fraga", data=data)


def test_a_lead_notification_replies_to_the_person_and_the_confirmation_to_sales(
    smtp_server, app, client
):  # noqa: F811
    assert send_question(client).status_code == 303
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    staff = app.config["WINLAS_STAFF_EMAIL"]
    assert by_recipient[staff]["Reply-To"] == "anna.berg@exempel.se"
    assert by_recipient["anna.berg@exempel.se"]["Reply-To"] == staff


def test_a_line_break_in_the_address_never_reaches_the_reply_to(smtp_server, app, client):  # noqa: F811
    response = send_question(client, email="a@b.se\r\nBcc: x@evil.example")
    assert response.status_code == 400
    assert smtp_server.messages == []
    with app.test_request_context("/"):
        for address in ("a@b.se\r\nBcc: x@evil.example", "a@b.se\nBcc: x@evil.example", "nej"):
            with pytest.raises(ValueError):
                queue_email(
                    "salj@winlas.se",
                    "test_message",
                    {"name": "x", "message": "y"},
                    kind="administrative",
                    reply_to=address,
                )
        assert OutboxMessage.select().count() == 0


@pytest.mark.parametrize(
    ("template", "setting"),
    [
        ("courses/confirmation", "WINLAS_COURSE_EMAIL"),
        ("courses/waitlisted", "WINLAS_COURSE_EMAIL"),
        ("newsletter/confirm", "WINLAS_MARKETING_EMAIL"),
        ("newsletter/issue", "WINLAS_MARKETING_EMAIL"),
        ("leads/confirmation", "WINLAS_STAFF_EMAIL"),
        ("account/erased", "WINLAS_SUPPORT_EMAIL"),
        ("auth/password_reset", "WINLAS_SUPPORT_EMAIL"),
        ("test_message", "WINLAS_SUPPORT_EMAIL"),
    ],
)
def test_each_feature_has_its_configured_reply_to(app, template, setting):
    with app.app_context():
        assert reply_to_for(template) == app.config[setting] != ""


def test_every_mail_template_folder_has_a_reply_to_that_is_not_noreply(app):
    folders = [p.name for p in MAIL_TEMPLATES.iterdir() if p.is_dir()]
    assert folders
    with app.app_context():
        for folder in folders:
            address = reply_to_for(f"{folder}/x")
            assert address and "noreply" not in address, folder


def test_the_addresses_are_settings_and_an_empty_one_sends_no_reply_to(smtp_server, app_config):  # noqa: F811
    app = create_app(
        {**app_config, "WINLAS_SUPPORT_EMAIL": "hjalp@exempel.se", "WINLAS_MARKETING_EMAIL": ""}
    )
    with app.test_request_context("/"):
        queue_email(
            "anna@exempel.se", "test_message", {"name": "A", "message": "B"}, kind="administrative"
        )
        queue_email(
            "anna@exempel.se",
            "newsletter/preferences_link",
            {"site_url": "http://127.0.0.1:5000", "preferences_url": "http://127.0.0.1:5000/x"},
            kind="administrative",
        )
    first, second = smtp_server.messages
    assert first["Reply-To"] == "hjalp@exempel.se"
    assert second["Reply-To"] is None


def test_an_invalid_reply_to_setting_stops_the_app_at_start(app_config):
    with pytest.raises(ValueError, match="WINLAS_COURSE_EMAIL"):
        create_app({**app_config, "WINLAS_COURSE_EMAIL": "kurs@x.se\r\nBcc: y@evil.example"})


def test_a_course_confirmation_replies_to_the_course_team(smtp_server, app, client):  # noqa: F811
    import datetime

    from winlas_site.courses.models import Course, CourseSession

    with app.app_context():
        course = Course.create(slug="k", kind="course", title_sv="K", summary_sv="K", body_sv="K")
        start = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(days=9)
        session = CourseSession.create(
            course=course,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            place_sv="Stockholm",
            capacity=5,
        )
    path = f"/utbildningar/k/anmalan/{session.id}"
    data = hidden(client.get(path).get_data(as_text=True))
    data.update(
        first_name="Anna",
        last_name="Berg",
        organisation="Kommun",
        email="anna@exempel.se",
        acknowledge="y",
    )
    assert client.post(path, data=data).status_code == 303
    [mail] = smtp_server.messages
    assert mail["Reply-To"] == app.config["WINLAS_COURSE_EMAIL"] == "utbildning@winlas.se"
