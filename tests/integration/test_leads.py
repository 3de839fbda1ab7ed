"""The contact, quote and demo forms over HTTP into the CRM, with real CSRF tokens and mail."""

import re
import time

import pytest

from tests.conftest import csrf_from
from winlas_site.leads.models import Contact, Lead

PATHS = {"question": "/kontakt/fraga", "quote": "/kontakt/offert", "demo": "/kontakt/visning"}


def form_page(client, kind):
    html = client.get(PATHS[kind]).get_data(as_text=True)
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)
    submission = re.search(r'name="submission" type="hidden" value="([^"]*)"', html).group(1)
    return {"csrf_token": csrf_from(html), "started": started, "submission": submission}


def valid(kind="question", **fields):
    data = {
        "first_name": "Anna",
        "last_name": "Berg",
        "organisation": "Exempelkommun",
        "email": "Anna.Berg@Exempel.se",
        "work_phone": "08-123 45 67",
        "message": "Hur fungerar fjärrlån?",
        "products": ["winlas-bibliotek"],
    }
    if kind == "quote":
        data.update(organisation_type="municipal_library", sites="4", users="25")
    if kind == "demo":
        data.update(meeting_mode="online", preferred_times="Tisdagar förmiddag")
    data.update(fields)
    return data


def submit(client, kind="question", **fields):
    data = {**form_page(client, kind), **valid(kind, **fields)}
    return client.post(PATHS[kind], data=data)


def leads(app):
    with app.app_context():
        return list(Lead.select().order_by(Lead.id))


@pytest.mark.parametrize("kind", ["question", "quote", "demo"])
def test_each_form_stores_a_lead_and_mails_staff_and_the_sender(
    smtp_server, app, client, demo, kind
):  # noqa: F811
    response = submit(client, kind)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/kontakt/tack?typ={kind}"
    [lead] = leads(app)
    assert lead.type == kind and lead.status == "ny"
    with app.app_context():
        contact = Contact.get()
    assert contact.email == "anna.berg@exempel.se" and contact.organisation_name == "Exempelkommun"
    assert lead.products == "winlas-bibliotek" and lead.marketing_consent is False
    assert lead.legal_basis == "legitimate_interest"
    recipients = sorted(message["To"] for message in smtp_server.messages)
    assert recipients == ["anna.berg@exempel.se", app.config["WINLAS_STAFF_EMAIL"]]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>" in page


def test_marketing_consent_is_unticked_and_stored_with_its_version(app, client, demo):
    html = client.get("/kontakt/fraga").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="marketing_consent"[^>]*>', html).group(0)
    assert "checked" not in box
    submit(client, marketing_consent="y")
    [lead] = leads(app)
    assert lead.marketing_consent and lead.legal_basis == "consent"
    assert lead.consent_text_version


def test_an_anonymous_submission_never_overwrites_an_existing_contact(app, client, demo):
    submit(client, first_name="Anna")
    # a stranger types Anna's address (in another case) with other details
    stranger = app.test_client()
    submit(
        stranger,
        "quote",
        email="  ANNA.berg@exempel.se ",
        first_name="Mallory",
        last_name="Falsk",
        organisation="Fel AB",
        work_phone="070-000 00 00",
    )
    with app.app_context():
        [contact] = Contact.select()
        assert (contact.first_name, contact.last_name, contact.organisation_name) == (
            "Anna",
            "Berg",
            "Exempelkommun",
        )
        assert contact.work_phone == "08-123 45 67" and contact.leads.count() == 2
    first, second = leads(app)
    # each lead keeps what was typed into its form, for staff to read
    assert (first.first_name, first.organisation_name) == ("Anna", "Exempelkommun")
    assert (second.first_name, second.last_name, second.organisation_name) == (
        "Mallory",
        "Falsk",
        "Fel AB",
    )
    assert second.work_phone == "070-000 00 00"
    with app.app_context():
        assert Lead.get_by_id(second.id).typed_differs()
        assert not Lead.get_by_id(first.id).typed_differs()


@pytest.mark.parametrize(
    ("sender", "updates"),
    [("owner", True), ("staff", True), ("other customer", False), ("anonymous", False)],
)
def test_only_the_contacts_owner_or_staff_update_it(app, create_user, sender, updates):
    from winlas_site.leads.models import submit_inquiry

    owner = create_user("anna.berg@exempel.se")
    users = {
        "owner": owner,
        "staff": create_user("support@winlas.se", role="staff"),
        "other customer": create_user("annan@exempel.se"),
        "anonymous": None,
    }
    fields = {"email": "anna.berg@exempel.se", "first_name": "Anna", "last_name": "Berg"}
    with app.test_request_context():
        submit_inquiry("question", "a" * 32, fields, {"message": "Hej"})
        by = users[sender]
        if by is not None:
            by = type(by).get_by_id(by.id)
        submit_inquiry("question", "b" * 32, {**fields, "last_name": "Lund"}, {}, by=by)
        [contact] = Contact.select()
        assert contact.last_name == ("Lund" if updates else "Berg")
        assert [lead.last_name for lead in Lead.select().order_by(Lead.id)] == ["Berg", "Lund"]


@pytest.mark.parametrize(
    "look_alike",
    [
        "ａｎｎａ@exempel.se",  # fullwidth letters
        "\u0430nna@exempel.se",  # a Cyrillic а
        "anna@ex\u0435mpel.se",  # a Cyrillic е in the domain
        "anna@exempel.test",  # a special-use domain: no mail can reach it
    ],
)
def test_a_look_alike_address_is_refused_and_never_merged_into_the_real_contact(
    app, client, demo, look_alike
):
    submit(client, email="anna@exempel.se")
    response = submit(app.test_client(), email=look_alike, first_name="Mallory")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    with app.app_context():
        assert [(c.email, c.first_name) for c in Contact.select()] == [("anna@exempel.se", "Anna")]
    assert len(leads(app)) == 1


def test_case_and_the_punycode_form_of_a_domain_are_one_contact(app, client, demo):
    submit(client, email="Anna@Åre-Bibliotek.se")
    submit(app.test_client(), email="anna@XN--RE-BIBLIOTEK-SCB.SE")
    with app.app_context():
        assert [c.email for c in Contact.select()] == ["anna@åre-bibliotek.se"]
    assert len(leads(app)) == 2


def test_errors_are_per_field_and_values_are_kept(app, client, demo):
    response = submit(client, email="inte-en-adress", first_name="Åsa", message="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html and 'value="Åsa"' in html
    assert leads(app) == []


def test_a_double_submit_creates_one_lead(app, client, demo):
    data = {**form_page(client, "question"), **valid()}
    assert client.post(PATHS["question"], data=data).status_code == 303
    assert client.post(PATHS["question"], data=data).status_code == 303
    assert len(leads(app)) == 1


@pytest.mark.parametrize("field", ["first_name", "last_name", "organisation", "message"])
def test_html_in_any_field_is_stored_as_text_and_shown_escaped(
    app, client, demo, auth, create_user, field
):
    attack = '"><svg onload=alert(1)>{{7*7}}'
    submit(client, **{field: attack})
    [lead] = leads(app)
    create_user("salj@winlas.se", role="staff")
    auth.login("salj@winlas.se")
    for path in ("/crm/", f"/crm/leads/{lead.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<svg onload" not in html


@pytest.mark.parametrize(
    "fields",
    [
        {"first_name": "a" * 10_000},
        {"message": "m" * 10_000},
        {"email": "a@b.se\r\nBcc: x@evil.example"},
        {"email": "a@b.se%0d%0aBcc: x@evil.example"},
        {"first_name": "Anna\r\nBcc: x@evil.example"},
        {"organisation": "Org\x00"},
        {"work_phone": "=cmd|' /C calc'!A0"},
        {"products": ["finns-inte"]},
    ],
)
def test_hostile_fields_are_a_clear_400_and_store_nothing(smtp_server, app, client, demo, fields):  # noqa: F811
    response = submit(client, **fields)
    assert response.status_code == 400
    assert leads(app) == [] and smtp_server.messages == []


def test_the_honeypot_refuses_politely_and_stores_nothing(app, client, demo, caplog):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 400 and "kunde inte tas emot" in response.get_data(as_text=True)
    assert leads(app) == [] and "spam refused" in caplog.text


def test_a_submit_faster_than_a_person_is_refused(app_config):
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_MIN_FILL_SECONDS": 3})
    client = app.test_client()
    data = {**form_page(client, "question"), **valid()}
    assert client.post(PATHS["question"], data=data).status_code == 400
    assert leads(app) == []


def test_a_forged_start_time_is_refused(app, client, demo):
    data = {**form_page(client, "question"), **valid(), "started": str(int(time.time()) - 60)}
    assert client.post(PATHS["question"], data=data).status_code == 400


def test_a_replayed_csrf_token_from_another_session_is_refused(app, demo):
    other = app.test_client()
    data = {**form_page(other, "question"), **valid()}
    assert app.test_client().post(PATHS["question"], data=data).status_code == 400
    assert leads(app) == []


def test_too_many_submissions_from_one_address_are_429(app_config):
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_FORM_EMAIL_LIMIT": "2 per hour"})
    client = app.test_client()
    statuses = [submit(client, products=[]).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]


def test_smtp_down_keeps_the_lead_and_the_mail_arrives_after_a_retry(
    smtp_server, app, client, demo
):  # noqa: F811
    from winlas_site.mail.models import OutboxMessage

    smtp_server.stop()
    assert submit(client).status_code == 303
    assert len(leads(app)) == 1
    with app.app_context():
        assert {m.status for m in OutboxMessage.select()} == {"retrying"}
    smtp_server.start()
    with app.app_context():
        from winlas_site.mail import retry_due

        OutboxMessage.update(next_attempt_at=OutboxMessage.created_at).execute()
        retry_due()
        assert {m.status for m in OutboxMessage.select()} == {"sent"}
    assert len(smtp_server.messages) == 2


def test_a_product_chosen_twice_is_stored_once(app, client, demo):
    submit(client, products=["winlas-bibliotek", "winlas-bibliotek", "winlas-skola"])
    [lead] = leads(app)
    assert lead.products.splitlines() == ["winlas-bibliotek", "winlas-skola"]


def test_a_logged_in_owner_updates_their_own_contact_through_the_form(
    app, client, demo, create_user
):
    from tests.conftest import AuthActions

    create_user("anna.berg@exempel.se")
    submit(app.test_client())  # anonymous: creates the contact Anna Berg
    submit(app.test_client(), last_name="Fel")  # anonymous again: changes nothing
    with app.app_context():
        assert Contact.get().last_name == "Berg"
    AuthActions(client).login("anna.berg@exempel.se")
    submit(client, last_name="Berg-Lund")
    with app.app_context():
        assert Contact.get().last_name == "Berg-Lund"
