"""Mitt konto: see everything, edit every field (P13), newsletter and profiling switches (P19)."""

from __future__ import annotations

import pytest

from analytics.profile_models import InterestProfile, InterestScore
from tests.conftest import PASSWORD, csrf_from, log_in
from tests.integration.test_export_erase import EMAIL, SURNAME, give_consent, seed_person
from winlas_site.account.models import AuditEntry
from winlas_site.auth.models import User
from winlas_site.leads.models import Contact
from winlas_site.newsletter.models import Preference, Subscription


def profile_data(client, **changes) -> dict:
    html = client.get("/konto/").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(html),
        "first_name": "Greta",
        "last_name": SURNAME,
        "email": EMAIL,
        "work_phone": "08-123 45 67",
    }
    data.update(changes)
    return data


@pytest.fixture
def customer(app, client):
    seed_person(app)
    assert log_in(client, EMAIL).status_code == 302
    return client


def test_the_account_page_needs_a_login(client):
    for path in ("/konto/", "/konto/export", "/konto/export.json", "/konto/radera"):
        response = client.get(path)
        assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    assert client.post("/konto/uppgifter", data={}).status_code in (302, 400)


def test_the_account_page_shows_everything_stored(customer):
    give_consent(customer)
    response = customer.get("/konto/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert f'value="{EMAIL}"' in html and f'value="{SURNAME}"' in html
    assert "Grundkurs" in html  # course sign-up
    assert f"Greta {SURNAME}" in html  # the lead's message
    assert "Accepterade alla" in html  # this browser's consent record
    assert "Exempelkommun" in html  # organisation
    # the interest profile in plain language
    assert "Varför vi tror att du är intresserad av" in html
    assert "3 gånger" in html


@pytest.mark.parametrize("role", ["customer", "staff", "marketer", "admin"])
def test_every_role_has_an_account_page(app, client, create_user, role):
    create_user("person@exempel.se", role=role)
    log_in(client, "person@exempel.se")
    assert client.get("/konto/").status_code == 200


def test_every_personal_field_can_be_changed(app, customer):
    response = customer.post(
        "/konto/uppgifter",
        data=profile_data(
            customer,
            first_name="Margareta",
            last_name="Noggrann",
            work_phone="+46 70 111 22 33",
            email="margareta.noggrann@exempelkommun.se",
            password=PASSWORD,
        ),
    )
    assert response.status_code == 303
    with app.app_context():
        user = User.by_email("margareta.noggrann@exempelkommun.se")
        assert (user.first_name, user.last_name, user.work_phone) == (
            "Margareta",
            "Noggrann",
            "+46 70 111 22 33",
        )
        # the CRM contact and the newsletter choices follow the person to the new address
        contact = Contact.by_email("margareta.noggrann@exempelkommun.se")
        assert contact is not None and contact.last_name == "Noggrann"
        assert Subscription.by_email("margareta.noggrann@exempelkommun.se") is not None
        assert Preference.get_or_none(Preference.email == EMAIL) is None
    assert "Dina uppgifter är sparade" in customer.get("/konto/").get_data(as_text=True)


def test_a_new_email_address_needs_the_current_password(app, customer):
    for password in ("", "fel-lösenord-123"):
        response = customer.post(
            "/konto/uppgifter",
            data=profile_data(customer, email="ny@exempel.se", password=password),
        )
        assert response.status_code == 400
        assert "nuvarande lösenord" in response.get_data(as_text=True)
    with app.app_context():
        assert User.by_email(EMAIL) is not None


def test_an_address_of_another_account_cannot_be_taken(app, customer, create_user):
    create_user("upptagen@exempel.se")
    response = customer.post(
        "/konto/uppgifter",
        data=profile_data(customer, email="upptagen@exempel.se", password=PASSWORD),
    )
    assert response.status_code == 400
    assert "kan inte användas" in response.get_data(as_text=True)


def test_role_and_organisation_cannot_be_posted(app, customer):
    response = customer.post(
        "/konto/uppgifter",
        data=profile_data(customer, role="admin", organisation="99", organisation_id="99"),
    )
    assert response.status_code == 303
    with app.app_context():
        user = User.by_email(EMAIL)
        assert user.role == "customer" and user.organisation.name == "Exempelkommun"


@pytest.mark.parametrize(
    "field,value",
    [
        ("first_name", ""),
        ("first_name", "Gre\x00ta"),
        ("last_name", "x" * 101),
        ("email", "inte-en-adress"),
        ("email", "a@b.se\r\nBcc: x@evil.example"),
        ("work_phone", "ring mig"),
        ("work_phone", "' OR 1=1--"),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(app, customer, field, value):
    response = customer.post("/konto/uppgifter", data=profile_data(customer, **{field: value}))
    assert response.status_code == 400
    with app.app_context():
        user = User.by_email(EMAIL)
        assert (user.first_name, user.last_name, user.work_phone) == (
            "Greta",
            SURNAME,
            "08-123 45 67",
        )


def test_the_profile_form_needs_its_csrf_token(customer):
    data = profile_data(customer, first_name="Ny")
    del data["csrf_token"]
    assert customer.post("/konto/uppgifter", data=data).status_code == 400


def preferences(client, **switches):
    html = client.get("/konto/").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html)}
    data.update({name: "y" for name, on in switches.items() if on})
    return client.post("/konto/installningar", data=data)


def test_objecting_to_profiling_deletes_the_profile_at_once(app, customer):
    response = preferences(customer, newsletter=True, object_to_profiling=True)
    assert response.status_code == 303
    with app.app_context():
        assert Preference.objects_to_profiling(EMAIL)
        assert InterestProfile.select().count() == 0
        assert InterestScore.select().count() == 0
        assert AuditEntry.select().where(AuditEntry.action == "self_objection").count() == 1
    html = customer.get("/konto/").get_data(as_text=True)
    assert "Vi har ingen intresseprofil om dig." in html


def test_turning_the_newsletter_off_unsubscribes(app, customer):
    preferences(customer, newsletter=False, email_tracking=False)
    with app.app_context():
        assert Subscription.by_email(EMAIL).status == "unsubscribed"
        assert not Preference.allows_tracking(EMAIL)
        assert not Preference.objects_to_profiling(EMAIL)


def test_withdrawing_the_objection_allows_profiling_again(app, customer):
    preferences(customer, object_to_profiling=True)
    preferences(customer, object_to_profiling=False)
    with app.app_context():
        assert not Preference.objects_to_profiling(EMAIL)
        assert Preference.get(Preference.email == EMAIL).objected_at is None


def test_a_customer_without_data_sees_empty_sections(app, client, create_user):
    create_user("tom@exempel.se")
    log_in(client, "tom@exempel.se")
    html = client.get("/konto/").get_data(as_text=True)
    assert "Du har inga kursanmälningar." in html
    assert "Du har inte skickat några förfrågningar till oss." in html
    assert "Vi har ingen intresseprofil om dig." in html


def test_account_pages_are_never_cached(customer):
    for path in ("/konto/", "/konto/export", "/konto/export.json", "/konto/radera"):
        assert customer.get(path).headers["Cache-Control"] == "no-store"


def test_the_last_activity_is_in_the_export(app, customer):
    data = customer.get("/konto/export.json").get_json()
    with app.app_context():
        recorded = User.by_email(EMAIL).last_active_at
    assert recorded is not None  # the login counts as activity
    assert data["account"]["last_active_at"] == recorded.isoformat()


def test_the_account_pages_render_in_english(customer):
    customer.get("/sprak/en?next=/")
    for path in ("/konto/", "/konto/export", "/konto/radera"):
        response = customer.get(path)
        assert response.status_code == 200
        assert 'lang="en"' in response.get_data(as_text=True)
