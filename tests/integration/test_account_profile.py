"""Mitt konto (issue 17): the phone number the CRM contact holds is the one the form shows
and saves; a course sign-up's dietary choices are said in words, in the page's language."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import csrf_from, log_in
from winlas_site.auth.models import User
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.leads.models import Contact, submit_inquiry

EMAIL = "ingrid.inkop@exempelkommun.se"
PHONE = "08-555 12 34"


def work_phone_value(html: str) -> str:
    """The value of the form's work phone field."""
    start = html.index('id="work_phone"')
    tag = html[html.rindex("<input", 0, start) : html.index(">", start)]
    marker = 'value="'
    return tag[tag.index(marker) + len(marker) :].split('"', 1)[0] if marker in tag else ""


@pytest.fixture
def person(app, client, create_user):
    """An account without a phone number whose CRM contact has one (from an inquiry sent
    before the account existed)."""
    with app.app_context():
        submit_inquiry(
            "question",
            "phone-first",
            {
                "email": EMAIL,
                "first_name": "Ingrid",
                "last_name": "Inköp",
                "organisation_name": "Exempelkommun",
                "work_phone": PHONE,
            },
            {"message": "Ring mig gärna."},
        )
    user = create_user(EMAIL, first_name="Ingrid")
    with app.app_context():
        assert User.get_by_id(user.id).work_phone == ""
    assert log_in(client, EMAIL).status_code == 302
    return user


def test_the_form_shows_the_number_the_contact_record_holds(person, client):
    html = client.get("/konto/").get_data(as_text=True)
    assert work_phone_value(html) == PHONE


def test_the_accounts_own_number_comes_first(app, person, client):
    with app.app_context():
        User.update(work_phone="070-111 22 33").where(User.id == person.id).execute()
    assert work_phone_value(client.get("/konto/").get_data(as_text=True)) == "070-111 22 33"


def test_saving_keeps_the_number_on_the_account_and_the_contact(app, person, client):
    html = client.get("/konto/").get_data(as_text=True)
    response = client.post(
        "/konto/uppgifter",
        data={
            "csrf_token": csrf_from(html),
            "first_name": "Ingrid",
            "last_name": "Inköp",
            "email": EMAIL,
            "work_phone": work_phone_value(html),
        },
    )
    assert response.status_code == 303
    with app.app_context():
        assert User.get_by_id(person.id).work_phone == PHONE
        assert Contact.get(Contact.email == EMAIL).work_phone == PHONE
    assert work_phone_value(client.get("/konto/").get_data(as_text=True)) == PHONE
    exported = client.get("/konto/export.json").get_json()
    assert exported["account"]["work_phone"] == exported["contact"]["work_phone"] == PHONE


def test_the_export_page_shows_where_the_number_is_kept(person, client):
    html = client.get("/konto/export").get_data(as_text=True)
    contact_part = html.split("Kontaktuppgifter i kundregistret</h2>", 1)[1]
    assert PHONE in contact_part.split("</dl>", 1)[0]


@pytest.fixture
def signed_up(app, person):
    """The person's sign-up with three dietary choices, one of them in their own words."""
    now = datetime.datetime(2026, 12, 3, 9, 0)
    with app.app_context():
        course = Course.create(slug="kostkurs", title_sv="Kostkurs", summary_sv="s", body_sv="b")
        session = CourseSession.create(
            course=course,
            starts_at=now + datetime.timedelta(days=60),
            ends_at=now + datetime.timedelta(days=60, hours=6),
            place_sv="Göteborg",
        )
        Registration.create(
            course_session=session,
            contact=Contact.get(Contact.email == EMAIL),
            user=person.id,
            dietary_choices="vegetarian,gluten,other",
            dietary_other="inga svampar",
        )
    return person


def registrations_part(html: str) -> str:
    return html.split('id="my-registrations-heading"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sv", ("Kostavvikelser", "Vegetarisk, Glutenfri, inga svampar")),
        ("en", ("Dietary requirements", "Vegetarian, Gluten-free, inga svampar")),
    ],
    ids=["swedish", "english"],
)
def test_the_dietary_choices_of_a_sign_up_are_shown_in_words(signed_up, client, language, words):
    client.get(f"/sprak/{language}")
    part = registrations_part(client.get("/konto/").get_data(as_text=True))
    heading, choices = words
    assert heading in part
    assert choices in " ".join(part.split())
    assert "vegetarian" not in part and "gluten," not in part


def test_a_sign_up_without_dietary_needs_says_so_plainly(app, signed_up, client):
    with app.app_context():
        Registration.update(dietary_choices="", dietary_other="").execute()
    part = registrations_part(client.get("/konto/").get_data(as_text=True))
    assert '<td class="dietary">–</td>' in part
