"""English subscribers get the English edition of an issue when one is written (issue 17).

An issue has a Swedish edition and, optionally, an English one (subject and text). A subscriber
whose language is English gets the English edition when both its parts are written, else the
Swedish one (with the English frame: footer, links); a Swedish subscriber always gets Swedish.
The editor writes both on one page, sees both in the preview and is told who gets which; the
dashboard still shows one note per issue. Real SMTP server on loopback, both backends.
"""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import csrf_from
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.dashboard_data import site_annotations
from winlas_site.newsletter.models import NewsletterIssue, Subscription

SITE = "http://www.winlas.example"
STAFF = "redaktor@winlas.se"
SWEDISH = {"subject": "Nytt i WinLas 8", "body": "Hej!\n\nVersion 8 är här."}
ENGLISH = {"subject_en": "News in WinLas 8", "body_en": "Hello!\n\nVersion 8 is here."}


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_SITE_URL"] = SITE
    return app_config


def subscriber(app, email: str, language: str) -> None:
    with app.app_context():
        subscription, _confirmed = Subscription.request(email, "/nyhetsbrev", language)
        subscription.confirm()


def compose(client, **fields):
    page = client.get("/nyhetsbrev/utskick/nytt").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), **SWEDISH, "links": "", **fields}
    return client.post("/nyhetsbrev/utskick/nytt", data=data)


def compose_and_send(client, **fields) -> str:
    response = compose(client, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    issue_path = response.headers["Location"]
    page = client.get(issue_path + "/skicka").get_data(as_text=True)
    sent = client.post(issue_path + "/skicka", data={"csrf_token": csrf_from(page)})
    assert sent.status_code == 303
    return issue_path


def received(smtp_server) -> dict:  # noqa: F811
    return {
        message["To"]: (
            message["Subject"],
            message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content(),
        )
        for message in smtp_server.messages
    }


@pytest.fixture
def readers(app, login_as):
    subscriber(app, "svensk@exempel.se", "sv")
    subscriber(app, "engelsk@exempel.se", "en")
    login_as(STAFF, "marketer")


def test_an_english_subscriber_gets_the_english_edition_a_swedish_one_the_swedish(
    smtp_server, app, client, readers
):  # noqa: F811
    compose_and_send(client, **ENGLISH)
    mails = received(smtp_server)
    subject, text, html = mails["engelsk@exempel.se"]
    assert subject == "News in WinLas 8"
    assert "Version 8 is here." in text and "Version 8 is here." in html
    assert "Version 8 är här" not in text + html
    assert '<html lang="en">' in html and "Unsubscribe" in text
    subject, text, html = mails["svensk@exempel.se"]
    assert subject == "Nytt i WinLas 8"
    assert "Version 8 är här." in text and "Version 8 är här." in html
    assert "Version 8 is here" not in text + html
    with app.app_context():
        assert NewsletterIssue.get().recipient_count == 2


def test_without_an_english_edition_everyone_gets_the_swedish_one(
    smtp_server, app, client, readers
):  # noqa: F811
    compose_and_send(client)
    mails = received(smtp_server)
    subject, text, html = mails["engelsk@exempel.se"]
    assert subject == "Nytt i WinLas 8" and "Version 8 är här." in text
    # the frame is the reader's; the Swedish content says it is Swedish
    assert '<html lang="en">' in html and '<div lang="sv">' in html
    assert mails["svensk@exempel.se"][0] == "Nytt i WinLas 8"


def test_an_english_edition_needs_both_its_subject_and_its_text(app, client, readers):
    for half in ({"subject_en": "Only a subject"}, {"body_en": "Only a text."}):
        response = compose(client, **half)
        assert response.status_code == 400
    with app.app_context():
        assert NewsletterIssue.select().count() == 0


def test_the_editor_writes_and_previews_both_editions_and_is_told_who_gets_which(
    app, client, readers
):
    form = client.get("/nyhetsbrev/utskick/nytt").get_data(as_text=True)
    assert 'name="subject_en"' in form and 'name="body_en"' in form
    assert "får den engelska versionen när både ämnesrad och text är skrivna" in form
    issue_path = compose(client).headers["Location"]
    preview = client.get(issue_path).get_data(as_text=True)
    assert "Ingen engelsk version är skriven" in preview
    edit = client.get(issue_path + "/andra").get_data(as_text=True)
    response = client.post(
        issue_path + "/andra",
        data={"csrf_token": csrf_from(edit), **SWEDISH, **ENGLISH, "links": ""},
    )
    assert response.status_code == 303
    preview = client.get(issue_path).get_data(as_text=True)
    assert "Prenumeranter som har valt engelska får den engelska versionen" in preview
    assert 'lang="en"' in preview and "News in WinLas 8" in preview
    edit = client.get(issue_path + "/andra").get_data(as_text=True)
    assert "News in WinLas 8" in edit and "Version 8 is here." in edit


def test_the_dashboard_keeps_one_note_per_issue(smtp_server, app, client, readers):  # noqa: F811
    compose_and_send(client, **ENGLISH)
    with app.app_context():
        day = datetime.timedelta(days=1)
        today = datetime.date.today()
        notes = site_annotations(today - day, today + day)
    assert [note.text for note in notes if note.kind == "newsletter"] == ["Nytt i WinLas 8"]
