"""The box "Ja, jag vill få nyheter…" on the inquiry forms starts the newsletter's double opt-in.

Before, the consent was stored on the lead and nothing else happened: no sign-up, no
confirmation email, though that is what the person asked for. Now the same function as the
newsletter's own form runs: a pending subscription and a confirmation email, and nothing is
subscribed until the address confirms. Both backends, a real SMTP server on loopback.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.leads.models import Lead
from winlas_site.newsletter.models import Subscription

PATHS = {"question": "/kontakt/fraga", "quote": "/kontakt/offert", "demo": "/kontakt/visning"}
EXTRA = {
    "question": {},
    "quote": {"organisation_type": "school"},
    "demo": {"meeting_mode": "online", "preferred_times": "Tisdag fm"},
}


def send(client, kind="question", **fields):
    html = client.get(PATHS[kind]).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html)}
    for name in ("started", "submission"):
        data[name] = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)
    data.update(
        first_name="Anna",
        last_name="Berg",
        organisation="Exempelkommun",
        email="Anna.Berg@Exempel.se",
        message="Hur fungerar fjärrlån?",
        **EXTRA[kind],
        **fields,
    )
    response = client.post(PATHS[kind], data=data)
    assert response.status_code == 303
    return data


def confirmation_link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/nyhetsbrev/bekrafta/\S+", text).group(0)


@pytest.mark.parametrize("kind", ["question", "quote", "demo"])
def test_the_newsletter_box_starts_the_double_opt_in_with_a_confirmation_email(
    smtp_server, app, client, kind
):  # noqa: F811
    send(client, kind, marketing_consent="y")
    with app.app_context():
        subscription = Subscription.get(Subscription.email == "anna.berg@exempel.se")
        assert subscription.status == "pending"  # nothing subscribed before the confirmation
        assert subscription.source == PATHS[kind]
        assert Lead.get().marketing_consent
    [confirmation] = [m for m in smtp_server.messages if "/nyhetsbrev/bekrafta/" in str(m)]
    assert confirmation["To"] == "anna.berg@exempel.se"
    # pressing the button of the link confirms it, exactly as for the newsletter's own form
    path = "/" + confirmation_link(confirmation).split("://", 1)[1].split("/", 1)[1]
    page = client.get(path).get_data(as_text=True)
    assert client.post(path, data={"csrf_token": csrf_from(page)}).status_code == 200
    with app.app_context():
        assert Subscription.get().status == "confirmed"


def test_without_the_box_there_is_no_sign_up_and_no_newsletter_email(smtp_server, app, client):  # noqa: F811
    send(client)
    with app.app_context():
        assert Subscription.select().count() == 0
    assert not [m for m in smtp_server.messages if "/nyhetsbrev/" in str(m)]


def test_a_double_submit_with_the_box_mails_one_confirmation(smtp_server, app, client):  # noqa: F811
    data = send(client, marketing_consent="y")
    assert client.post(PATHS["question"], data=data).status_code == 303
    confirmations = [m for m in smtp_server.messages if "/nyhetsbrev/bekrafta/" in str(m)]
    assert len(confirmations) == 1


def test_an_address_already_confirmed_gets_the_already_subscribed_note_not_a_new_link(
    smtp_server, app, client
):  # noqa: F811
    with app.app_context():
        Subscription.create(email="anna.berg@exempel.se", status="confirmed")
    send(client, marketing_consent="y")
    assert not [m for m in smtp_server.messages if "/nyhetsbrev/bekrafta/" in str(m)]
    with app.app_context():
        assert Subscription.get().status == "confirmed"
