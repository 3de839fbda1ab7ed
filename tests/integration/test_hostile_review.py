"""A hostile review of the forms, the CRM, course sign-up, the newsletter and mail.

Every route of those features is driven with docs/HOSTILE_INPUTS.md: the contract is a clear
4xx (never a 500), nothing stored or changed on a refusal, no evil host or live markup in the
output, and no line break from a form in a mail header. Runs on both backends.
"""

from __future__ import annotations

import datetime
import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import csrf_from
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.cookies import declared
from winlas_site.courses.models import Course, CourseSession, Registration, SeminarSlot
from winlas_site.courses.signup import CANCEL_SALT, cancel_token
from winlas_site.leads.models import Contact, Lead, LeadNote
from winlas_site.mail import OutboxMessage, queue_email
from winlas_site.newsletter import tokens
from winlas_site.newsletter.models import NewsletterIssue, Preference, Subscription

XSS = '"><svg onload=alert(1)>'
# A product no page can show by chance (7*7 = 49 collided with a course time at xx:49).
SSTI = "{{7*191919}}"
SSTI_RESULT = "1343433"
SQLI = "' OR 1=1--"
HOSTILE_TEXT = [
    "Anna\r\nBcc: x@evil.example",
    "Anna%0d%0aBcc: x@evil.example",
    "a" * 10_000,
    "Anna\x00",
    XSS,
    SSTI,
    SQLI,
]
HOSTILE_IDS = ["0", "-1", "99999999999999999999", "abc", SQLI.replace(" ", "%20"), "1e3", "²"]
EVIL = "evil.example"
STAFF = "salj@winlas.se"


def no_live_markup(html: str) -> None:
    assert "<svg onload" not in html
    assert SSTI_RESULT not in html


def started_and_submission(html: str) -> dict:
    fields = {"csrf_token": csrf_from(html)}
    for name in ("started", "submission", "source"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
        if match:
            fields[name] = match.group(1)
    return fields


def count(app, model) -> int:
    with app.app_context():
        return model.select().count()


def assert_no_injected_header(server) -> None:
    for message in server.messages:
        assert message["Bcc"] is None and message["Cc"] is None
        for name, value in message.items():
            assert EVIL not in name
            assert "\n" not in str(value) or name.lower() in ("list-unsubscribe",)
    for _sender, recipients in server.envelopes:
        assert not any(EVIL in rcpt for rcpt in recipients)


def assert_not_500(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]


# --- the contact forms (leads) ----------------------------------------------------------------

LEAD_PATHS = {"question": "/kontakt/fraga", "quote": "/kontakt/offert", "demo": "/kontakt/visning"}


def lead_data(kind: str, **fields) -> dict:
    data = {
        "first_name": "Anna",
        "last_name": "Berg",
        "organisation": "Exempelkommun",
        "email": "anna.berg@exempel.se",
        "work_phone": "08-123 45 67",
        "message": "Hur fungerar fjärrlån?",
    }
    if kind == "quote":
        data.update(organisation_type="municipal_library", sites="4", users="25")
    if kind == "demo":
        data.update(meeting_mode="online", preferred_times="Tisdagar förmiddag")
    data.update(fields)
    return data


def post_lead(client, kind="question", **fields):
    page = client.get(LEAD_PATHS[kind]).get_data(as_text=True)
    data = {**started_and_submission(page), **lead_data(kind)}
    data.update(fields)
    return client.post(LEAD_PATHS[kind], data=data)


LEAD_FIELDS = {
    "question": ["first_name", "last_name", "organisation", "email", "work_phone", "message"],
    "quote": ["organisation_type", "sites", "users", "message"],
    "demo": ["meeting_mode", "preferred_times"],
}


@pytest.mark.parametrize("value", HOSTILE_TEXT, ids=lambda v: repr(v[:12]))
@pytest.mark.parametrize(
    "kind,field", [(kind, field) for kind, fields in LEAD_FIELDS.items() for field in fields]
)
def test_lead_forms_take_hostile_values_without_a_500_or_an_injected_header(
    smtp_server,  # noqa: F811
    app,
    client,
    demo,
    kind,
    field,
    value,
):
    response = post_lead(client, kind, **{field: value})
    assert response.status_code in (303, 400), response.status_code
    no_live_markup(response.get_data(as_text=True))
    if response.status_code == 400:
        assert count(app, Lead) == 0 and count(app, Contact) == 0
        assert smtp_server.messages == []
    else:
        with app.app_context():
            lead = Lead.get()
            stored = {**lead.__data__, **lead.contact.__data__}
        assert "\x00" not in str(stored)
    assert_no_injected_header(smtp_server)


@pytest.mark.parametrize(
    "submission", ["\x00", "s" * 10_000, XSS, SQLI, "ä" * 64, "\r\n" * 40], ids=repr
)
def test_a_hostile_submission_id_is_not_a_500(app, client, demo, submission):
    response = post_lead(client, submission=submission)
    assert response.status_code in (303, 400)
    assert count(app, Lead) <= 1
    if response.status_code == 303:
        with app.app_context():
            key = Lead.get().idempotency_key
        assert "\x00" not in key and len(key) <= 64


@pytest.mark.parametrize("path", list(LEAD_PATHS.values()))
def test_invalid_utf8_form_bodies_are_a_400(app, client, demo, path):
    page = client.get(path).get_data(as_text=True)
    token = csrf_from(page)
    body = f"csrf_token={token}&first_name=%FF%FE&email=a%C0%AF@b.se&message=%ED%A0%80".encode()
    response = client.post(
        path, data=body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )
    assert response.status_code == 400
    assert count(app, Lead) == 0


@pytest.mark.parametrize("path", list(LEAD_PATHS.values()))
def test_lead_forms_without_csrf_or_by_get_store_nothing(app, client, demo, path):
    data = lead_data("question")
    assert client.post(path, data=data).status_code == 400
    assert client.get(path, query_string=data).status_code == 200
    assert client.head(path).status_code == 200
    assert count(app, Lead) == 0


@pytest.mark.parametrize("typ", ["", "x", XSS, SQLI, "question\r\n", "a" * 5000])
def test_the_thanks_page_with_a_bad_type_is_404(client, typ):
    response = client.get("/kontakt/tack", query_string={"typ": typ})
    assert response.status_code == 404
    no_live_markup(response.get_data(as_text=True))


def test_a_refused_lead_form_keeps_every_value(app, client, demo):
    response = post_lead(
        client, "quote", email="inte-en-adress", sites="7", users="30", message="Hej där"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for expected in ('value="Anna"', 'value="Exempelkommun"', 'value="7"', 'value="30"', "Hej där"):
        assert expected in html


def test_no_optional_cookie_is_set_before_consent(client, demo, app):
    names = set()
    for path in [*LEAD_PATHS.values(), "/nyhetsbrev", "/installningar", "/utbildningar"]:
        response = client.get(path)
        for header in response.headers.getlist("Set-Cookie"):
            names.add(header.split("=", 1)[0])
    post_lead(client)
    for name in names:
        assert declared(name) is not None and declared(name).category == "necessary", name


# --- the CRM ----------------------------------------------------------------------------------


@pytest.fixture
def a_lead(app, client, demo):
    assert post_lead(client).status_code == 303
    client.delete_cookie("session")
    with app.app_context():
        return Lead.get()


@pytest.mark.parametrize(
    "role,status", [(None, 302), ("customer", 403), ("marketer", 200), ("staff", 200)]
)
def test_crm_and_participant_pages_by_role(app, client, login_as, a_lead, role, status):
    with app.app_context():
        course = Course.create(slug="kurs", title_sv="Kurs", summary_sv="s", body_sv="b")
    if role:
        login_as(f"{role}@winlas.se", role)
    for path in (
        "/crm/",
        "/crm/leads.csv",
        f"/crm/leads/{a_lead.id}",
        f"/utbildningar/{course.slug}/deltagare",
        f"/utbildningar/{course.slug}/deltagare.csv",
        "/nyhetsbrev/utskick",
        "/nyhetsbrev/utskick/nytt",
    ):
        response = client.get(path)
        assert response.status_code == status, path
        if status != 200:
            assert "anna.berg@exempel.se" not in response.get_data(as_text=True)


@pytest.mark.parametrize("param", ["typ", "status", "q", "ansvarig", "sida"])
@pytest.mark.parametrize(
    "value", [XSS, SQLI, SSTI, "\x00", "a" * 10_000, "²", "٣", "-1", "0", "99999999999999999999"]
)
def test_crm_filters_take_hostile_values_without_a_500(app, client, login_as, a_lead, param, value):
    login_as(STAFF, "staff")
    for path in ("/crm/", "/crm/leads.csv"):
        response = client.get(path, query_string={param: value})
        assert_not_500(response)
        assert response.status_code in (200, 400)
        no_live_markup(response.get_data(as_text=True))


@pytest.mark.parametrize("lead_id", HOSTILE_IDS)
def test_crm_lead_ids_that_name_nothing_are_404(app, client, login_as, a_lead, lead_id):
    login_as(STAFF, "staff")
    response = client.get(f"/crm/leads/{lead_id}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"u-status": "vunnen\r\n"},
        {"u-status": SQLI},
        {"u-status": "ny", "u-owner": "99999999999999999999"},
        {"u-status": "ny", "u-owner": "abc"},
        {"u-status": "ny", "u-owner": "-1"},
        {"u-status": "ny", "u-organisation": "99999999999999999999"},
        {"u-status": "ny", "u-organisation": "²"},
        {"n-text": "x" * 10_000},
        {"n-text": "note\x00"},
        {"n-text": ""},
    ],
    ids=lambda f: repr(f)[:40],
)
def test_crm_updates_with_hostile_values_are_400_and_change_nothing(
    app, client, login_as, a_lead, fields
):
    login_as(STAFF, "staff")
    path = f"/crm/leads/{a_lead.id}"
    token = csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **fields})
    assert response.status_code == 400
    with app.app_context():
        lead = Lead.get_by_id(a_lead.id)
        assert (lead.status, lead.owner_id) == ("ny", None)
        assert LeadNote.select().count() == 0


def test_crm_changes_need_a_post_with_a_csrf_token(app, client, login_as, a_lead):
    login_as(STAFF, "staff")
    path = f"/crm/leads/{a_lead.id}"
    client.get(path, query_string={"u-status": "vunnen", "n-text": "get"})
    client.post(path, data={"u-status": "vunnen", "n-text": "no csrf"})
    with app.app_context():
        assert Lead.get_by_id(a_lead.id).status == "ny"
        assert LeadNote.select().count() == 0


def test_a_note_with_markup_is_shown_escaped(app, client, login_as, a_lead):
    login_as(STAFF, "staff")
    path = f"/crm/leads/{a_lead.id}"
    token = csrf_from(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token, "n-text": XSS + SSTI}).status_code == 303
    no_live_markup(client.get(path).get_data(as_text=True))


# --- courses ----------------------------------------------------------------------------------


def add_course(app, slug="grundkurs", days=20, capacity=2):
    with app.app_context():
        course = Course.create(
            slug=slug, title_sv=f"Kursen {slug}", summary_sv="Sammanfattning.", body_sv="Text."
        )
        start = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(days=days)
        session = CourseSession.create(
            course=course,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=7),
            place_sv="Stockholm",
            capacity=capacity,
        )
        return course, session


def signup_data(**fields) -> dict:
    data = {
        "first_name": "Anna",
        "last_name": "Berg",
        "email": "anna.berg@exempel.se",
        "organisation": "Exempelkommun",
        "work_phone": "08-123 45 67",
        "dietary": ["vegetarian"],
        "dietary_other": "",
        "acknowledge": "y",
    }
    data.update(fields)
    return data


def post_signup(client, path, **fields):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={**started_and_submission(page), **signup_data(**fields)})


@pytest.fixture
def course(app):
    return add_course(app)


def signup_path(course) -> str:
    return f"/utbildningar/{course[0].slug}/anmalan/{course[1].id}"


COURSE_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "organisation",
    "work_phone",
    "dietary_other",
    "dietary",
    "seminar_1",
    "acknowledge",
]


@pytest.mark.parametrize("value", HOSTILE_TEXT, ids=lambda v: repr(v[:12]))
@pytest.mark.parametrize("field", COURSE_FIELDS)
def test_course_signup_takes_hostile_values_without_a_500(
    smtp_server,  # noqa: F811
    app,
    client,
    course,
    field,
    value,
):
    with app.app_context():
        SeminarSlot.create(
            course_session=course[1], title_sv="Seminarium", starts_at=course[1].starts_at
        )
    response = post_signup(client, signup_path(course), **{field: value})
    assert response.status_code in (303, 400), response.status_code
    no_live_markup(response.get_data(as_text=True))
    if response.status_code == 400:
        assert count(app, Registration) == 0 and count(app, Contact) == 0
        assert smtp_server.messages == []
        # the values sent are kept (except the one refused)
        html = response.get_data(as_text=True)
        if field != "organisation":
            assert 'value="Exempelkommun"' in html
    assert_no_injected_header(smtp_server)


@pytest.mark.parametrize("submission", ["\x00", "s" * 10_000, XSS, "A" * 32], ids=repr)
def test_course_signup_with_a_hostile_submission_id(app, client, course, submission):
    response = post_signup(client, signup_path(course), submission=submission)
    assert response.status_code == 303
    [registration] = registrations(app)
    assert registration.submission is None


def registrations(app):
    with app.app_context():
        return list(Registration.select().order_by(Registration.id))


@pytest.mark.parametrize("session_id", HOSTILE_IDS)
def test_course_session_ids_that_name_nothing_are_404(app, client, course, session_id):
    path = f"/utbildningar/{course[0].slug}/anmalan/{session_id}"
    assert client.get(path).status_code == 404, session_id
    token = csrf_from(client.get(signup_path(course)).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **signup_data()})
    assert response.status_code == 404, session_id
    assert registrations(app) == []


def test_another_courses_session_id_is_404(app, client, course):
    other = add_course(app, slug="annan")
    response = client.get(f"/utbildningar/{course[0].slug}/anmalan/{other[1].id}")
    assert response.status_code == 404


@pytest.mark.parametrize("slug", [XSS, SQLI, "a" * 5000, "%00", "%FF"])
def test_hostile_course_slugs_are_404(client, slug):
    for path in (
        f"/utbildningar/{slug}",
        f"/utbildningar/{slug}/anmalan/1",
        f"/utbildningar/{slug}/anmalan/tack",
    ):
        response = client.get(path)
        assert response.status_code in (400, 404), path


def test_course_signup_double_submit_is_one_registration(app, client, course):
    path = signup_path(course)
    page = client.get(path).get_data(as_text=True)
    data = {**started_and_submission(page), **signup_data()}
    first = client.post(path, data=data)
    second = client.post(path, data=data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert len(registrations(app)) == 1


def test_course_signup_by_get_or_without_csrf_stores_nothing(app, client, course):
    path = signup_path(course)
    client.get(path, query_string=signup_data())
    client.head(path)
    page = client.get(path).get_data(as_text=True)
    data = {**started_and_submission(page), **signup_data()}
    del data["csrf_token"]
    assert client.post(path, data=data).status_code == 400
    assert registrations(app) == []


def test_invalid_utf8_in_the_signup_body_is_a_400(app, client, course):
    path = signup_path(course)
    token = csrf_from(client.get(path).get_data(as_text=True))
    body = f"csrf_token={token}&first_name=%FF%FE&email=a%C0%AF@b.se&acknowledge=y".encode()
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert registrations(app) == []


def signed_up(app, client, course, email="anna.berg@exempel.se") -> Registration:
    assert post_signup(client, signup_path(course), email=email).status_code == 303
    with app.app_context():
        return Registration.select().join(Contact).where(Contact.email == email).get()


def cancel_path(app, registration) -> str:
    with app.test_request_context():
        return "/utbildningar/avboka/" + cancel_token(registration)


def tamper(token: str) -> str:
    """The token with one character of its signature changed (not the last one: its low bits
    are base64 padding, so changing them may leave the same signature bytes)."""
    index = len(token) - 5
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


def old_token(app, salt, payload, age_seconds):
    class OldSigner(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - age_seconds

    return URLSafeTimedSerializer(app.secret_key, salt=salt, signer=OldSigner).dumps(payload)


def bad_cancel_tokens(app, registration, other) -> dict:
    with app.test_request_context():
        good = cancel_token(registration)
        stamp = registration.created_at.strftime("%Y%m%d%H%M%S%f")
        foreign = URLSafeTimedSerializer("another-key", salt=CANCEL_SALT).dumps(
            [registration.id, stamp]
        )
        return {
            "garbage": "garbage",
            "5kb": "A" * 5000,
            "truncated": good[:-3],
            "tampered": tamper(good),
            "other salt": tokens.make(tokens.UNSUBSCRIBE, registration.id, stamp),
            "newsletter confirm": tokens.make(tokens.CONFIRM, registration.id, stamp),
            "another key": foreign,
            "wrong stamp": URLSafeTimedSerializer(app.secret_key, salt=CANCEL_SALT).dumps(
                [registration.id, "20000101000000000000"]
            ),
            "other id, own stamp": URLSafeTimedSerializer(app.secret_key, salt=CANCEL_SALT).dumps(
                [other.id, stamp]
            ),
            "huge id": URLSafeTimedSerializer(app.secret_key, salt=CANCEL_SALT).dumps(
                [10**30, stamp]
            ),
            "bool id": URLSafeTimedSerializer(app.secret_key, salt=CANCEL_SALT).dumps(
                [True, stamp]
            ),
            "dict": URLSafeTimedSerializer(app.secret_key, salt=CANCEL_SALT).dumps({"id": 1}),
            "expired": old_token(app, CANCEL_SALT, [registration.id, stamp], 3 * 366 * 86400),
            "non-ascii": "äöå.ÄÖ.é",
            "percent": "%FF%FE",
            "dots": "...",
            "xss": XSS,
        }


def test_bad_cancellation_links_are_a_400_page_and_cancel_nothing(app, client, course):
    registration = signed_up(app, client, course)
    other = signed_up(app, client, course, email="bo@exempel.se")
    client.delete_cookie("session")
    for name, token in bad_cancel_tokens(app, registration, other).items():
        path = "/utbildningar/avboka/" + token
        get = client.get(path)
        assert get.status_code in (400, 404), name
        no_live_markup(get.get_data(as_text=True))
        assert "anna.berg" not in get.get_data(as_text=True).lower(), name
        assert "Berg" not in get.get_data(as_text=True), name
        page = client.get(cancel_path(app, registration)).get_data(as_text=True)
        response = client.post(path, data={"csrf_token": csrf_from(page)})
        assert response.status_code in (400, 404), name
    assert [r.status for r in registrations(app)] == ["confirmed", "confirmed"]


def test_a_cancellation_link_needs_a_post_with_a_csrf_token(app, client, course):
    registration = signed_up(app, client, course)
    path = cancel_path(app, registration)
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200
    assert client.post(path, data={}).status_code == 400
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 400
    other = app.test_client()  # a token of another session
    token = csrf_from(other.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 400
    assert [r.status for r in registrations(app)] == ["confirmed"]


def test_a_cancellation_link_of_a_started_session_is_refused(app, client, course):
    registration = signed_up(app, client, course)
    path = cancel_path(app, registration)
    with app.app_context():
        CourseSession.update(
            starts_at=datetime.datetime.now() - datetime.timedelta(hours=1)
        ).execute()
    page_token = csrf_from(
        client.get(signup_path(add_course(app, slug="x"))).get_data(as_text=True)
    )
    assert client.get(path).status_code == 400
    assert client.post(path, data={"csrf_token": page_token}).status_code == 400
    assert [r.status for r in registrations(app)] == ["confirmed"]


def test_the_thanks_page_shows_only_the_own_sign_up(app, client, course, demo):
    signed_up(app, client, course)
    other_client = app.test_client()
    html = other_client.get(f"/utbildningar/{course[0].slug}/anmalan/tack", follow_redirects=True)
    assert "anna.berg" not in html.get_data(as_text=True)


def test_a_participant_name_with_markup_is_escaped_everywhere(app, client, login_as, course):
    registration = signed_up(app, client, course)
    with app.app_context():
        Contact.update(first_name=XSS + SSTI, last_name=XSS).execute()
    no_live_markup(client.get(cancel_path(app, registration)).get_data(as_text=True))
    login_as(STAFF, "staff")
    no_live_markup(client.get(f"/utbildningar/{course[0].slug}/deltagare").get_data(as_text=True))
    csv_text = client.get(f"/utbildningar/{course[0].slug}/deltagare.csv").get_data(as_text=True)
    assert SSTI in csv_text  # stored as text


# --- newsletter -------------------------------------------------------------------------------


def nl_page(client, path="/nyhetsbrev") -> dict:
    return started_and_submission(client.get(path).get_data(as_text=True))


def nl_signup(client, **fields):
    data = {**nl_page(client), "email": "anna.berg@exempel.se", "consent": "y"}
    data.update(fields)
    return client.post("/nyhetsbrev", data=data)


@pytest.mark.parametrize("value", HOSTILE_TEXT + ["a@b.se\r\nBcc: x@evil.example"], ids=repr)
@pytest.mark.parametrize("field", ["email", "source", "consent", "started", "website"])
def test_newsletter_signup_takes_hostile_values_without_a_500(
    smtp_server,  # noqa: F811
    app,
    client,
    field,
    value,
):
    response = nl_signup(client, **{field: value})
    assert response.status_code in (303, 400)
    no_live_markup(response.get_data(as_text=True))
    if response.status_code == 400:
        assert count(app, Subscription) == 0
    else:
        with app.app_context():
            source = Subscription.get().source
        assert "\x00" not in source and "\n" not in source and len(source) <= 200
    assert_no_injected_header(smtp_server)


def test_invalid_utf8_in_the_newsletter_body_is_a_400(app, client):
    token = nl_page(client)["csrf_token"]
    body = f"csrf_token={token}&email=%FF%FE@b.se&consent=y".encode()
    response = client.post(
        "/nyhetsbrev", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert count(app, Subscription) == 0


def make_subscriber(app, email="anna.berg@exempel.se", confirm=True) -> Subscription:
    with app.app_context():
        subscription, _ = Subscription.request(email, "/nyhetsbrev", "sv")
        if confirm:
            subscription.confirm()
        return Subscription.get_by_id(subscription.id)


def bad_newsletter_tokens(app, kind, record, other) -> dict:
    with app.app_context():
        good = tokens.make(kind, record.id, record.digest)
        others = [k for k in (tokens.CONFIRM, tokens.UNSUBSCRIBE, tokens.PREFERENCES) if k != kind]
        result = {
            "garbage": "garbage",
            "5kb": "A" * 5000,
            "truncated": good[:-3],
            "tampered": tamper(good),
            "another key": URLSafeTimedSerializer("another-key", salt=kind).dumps(
                [record.id, record.digest]
            ),
            "other id": tokens.make(kind, other.id, record.digest),
            "huge id": tokens.make(kind, 10**30, record.digest),
            "str id": tokens.make(kind, str(record.id), record.digest),
            "float id": URLSafeTimedSerializer(app.secret_key, salt=kind).dumps(
                [float(record.id), record.digest]
            ),
            "arity": tokens.make(kind, record.id),
            "non-ascii": "äöå.ÄÖ.é",
            "percent": "%FF%FE",
            "xss": XSS,
            "course cancel": URLSafeTimedSerializer(app.secret_key, salt=CANCEL_SALT).dumps(
                [record.id, record.digest]
            ),
        }
        for other_kind in others:
            result[f"salt {other_kind}"] = tokens.make(other_kind, record.id, record.digest)
        if tokens.MAX_AGE[kind]:
            result["expired"] = old_token(
                app, kind, [record.id, record.digest], tokens.MAX_AGE[kind] + 60
            )
        return result


def newsletter_state(app):
    with app.app_context():
        return (
            [(s.id, s.status) for s in Subscription.select().order_by(Subscription.id)],
            [
                (p.email, p.newsletter, p.profiling_objection, p.email_tracking_consent)
                for p in Preference.select().order_by(Preference.id)
            ],
        )


@pytest.mark.parametrize(
    "kind,path",
    [
        (tokens.CONFIRM, "/nyhetsbrev/bekrafta/"),
        (tokens.UNSUBSCRIBE, "/nyhetsbrev/avregistrera/"),
        (tokens.PREFERENCES, "/installningar/"),
    ],
)
def test_bad_newsletter_links_are_a_400_page_and_change_nothing(app, client, kind, path):
    anna = make_subscriber(app, confirm=kind != tokens.CONFIRM)
    bo = make_subscriber(app, "bo@exempel.se", confirm=False)
    record = anna
    if kind == tokens.PREFERENCES:
        with app.app_context():
            record = Preference.for_email(anna.email)
            Preference.for_email(bo.email)
    before = newsletter_state(app)
    form_token = nl_page(client)["csrf_token"]
    for name, token in bad_newsletter_tokens(app, kind, record, bo).items():
        get = client.get(path + token)
        assert get.status_code in (400, 404), name
        html = get.get_data(as_text=True)
        no_live_markup(html)
        assert "anna.berg" not in html, name
        post = client.post(
            path + token,
            data={"csrf_token": form_token, "newsletter": "y", "email_tracking": "y"},
        )
        assert post.status_code in (400, 404), name
        assert newsletter_state(app) == before, name


def test_link_gets_and_heads_change_nothing(app, client):
    anna = make_subscriber(app)
    pending = make_subscriber(app, "bo@exempel.se", confirm=False)
    with app.app_context():
        preference = Preference.for_email(anna.email)
        paths = [
            "/nyhetsbrev/avregistrera/" + tokens.make(tokens.UNSUBSCRIBE, anna.id, anna.digest),
            "/nyhetsbrev/bekrafta/" + tokens.make(tokens.CONFIRM, pending.id, pending.digest),
            "/installningar/" + tokens.make(tokens.PREFERENCES, preference.id, preference.digest),
        ]
    before = newsletter_state(app)
    for path in paths:
        assert (
            client.get(path, query_string={"newsletter": "", "email_tracking": "y"}).status_code
            == 200
        )
        assert client.head(path).status_code == 200
    assert newsletter_state(app) == before


def test_confirm_and_preferences_posts_need_a_csrf_token(app, client):
    pending = make_subscriber(app, confirm=False)
    with app.app_context():
        preference = Preference.for_email(pending.email)
        confirm = "/nyhetsbrev/bekrafta/" + tokens.make(tokens.CONFIRM, pending.id, pending.digest)
        prefs = "/installningar/" + tokens.make(
            tokens.PREFERENCES, preference.id, preference.digest
        )
    before = newsletter_state(app)
    assert client.post(confirm, data={}).status_code == 400
    assert client.post(prefs, data={"newsletter": "y", "email_tracking": "y"}).status_code == 400
    assert newsletter_state(app) == before


def test_one_click_unsubscribe_needs_the_signed_link_of_that_subscription(app, client):
    anna = make_subscriber(app)
    bo = make_subscriber(app, "bo@exempel.se")
    with app.app_context():
        anna_link = tokens.make(tokens.UNSUBSCRIBE, anna.id, anna.digest)
        # bo's id with anna's digest: refused
        forged = tokens.make(tokens.UNSUBSCRIBE, bo.id, anna.digest)
    one_click = {"List-Unsubscribe": "One-Click"}
    assert client.post("/nyhetsbrev/avregistrera/" + forged, data=one_click).status_code == 400
    response = client.post("/nyhetsbrev/avregistrera/" + anna_link, data=one_click)
    assert response.status_code == 200
    assert newsletter_state(app)[0] == [(anna.id, "unsubscribed"), (bo.id, "confirmed")]


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%2F%2Fevil.example",
        "javascript:alert(1)",
        "\t/evil.example",
        "\n//evil.example",
        " //evil.example",
    ],
)
def test_the_account_preferences_next_is_never_an_open_redirect(app, client, login_as, next_url):
    login_as("kund@exempel.se", "customer")
    token = csrf_from(client.get("/installningar").get_data(as_text=True))
    response = client.post(
        "/installningar", data={"csrf_token": token, "newsletter": "", "next": next_url}
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    # a same-site path only ("/%2F%2Fevil.example" is a path on our own host, not a host)
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert urlsplit(location).netloc == "" and not location.startswith("javascript")
    assert location in ("/installningar", "/%2F%2Fevil.example")


@pytest.mark.parametrize("value", HOSTILE_TEXT + ["a@b.se\r\nBcc: x@evil.example"], ids=repr)
def test_the_link_request_takes_hostile_addresses_without_a_500(
    smtp_server,  # noqa: F811
    app,
    client,
    value,
):
    make_subscriber(app)
    data = {**nl_page(client, "/installningar"), "email": value}
    response = client.post("/installningar", data=data)
    assert response.status_code in (303, 400)
    no_live_markup(response.get_data(as_text=True))
    assert_no_injected_header(smtp_server)


@pytest.mark.parametrize(
    "token", ["garbage", "A" * 5000, "äöå", "%FF", XSS, "..", "x" * 301], ids=lambda t: t[:10]
)
def test_bad_tracking_tokens_are_404(app, client, token):
    for path in (f"/nyhetsbrev/l/{token}", f"/nyhetsbrev/o/{token}.gif"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert EVIL not in response.headers.get("Location", "")


def test_tracking_tokens_of_another_kind_or_with_odd_ids_are_404(app, client):
    anna = make_subscriber(app)
    with app.app_context():
        issue = NewsletterIssue.create(subject="S", body="B")
        made = [
            tokens.make(tokens.OPEN, issue.id, anna.id, anna.digest),  # an open token to click
            tokens.make(tokens.CLICK, 10**30, anna.id, anna.digest),
            tokens.make(tokens.CLICK, 1, 10**30, anna.digest),
            tokens.make(tokens.CLICK, True, anna.id, anna.digest),
            tokens.make(tokens.CLICK, "1", anna.id, anna.digest),
            tokens.make(tokens.UNSUBSCRIBE, 1, anna.id, anna.digest),
        ]
        opens = [
            tokens.make(tokens.OPEN, 10**30, anna.id, anna.digest),
            tokens.make(tokens.OPEN, issue.id, 10**30, anna.digest),
            tokens.make(tokens.CLICK, issue.id, anna.id, anna.digest),
        ]
    for token in made:
        assert client.get(f"/nyhetsbrev/l/{token}").status_code == 404
    for token in opens:
        response = client.get(f"/nyhetsbrev/o/{token}.gif")
        assert_not_500(response)
        assert response.status_code in (200, 404)


@pytest.mark.parametrize("issue_id", HOSTILE_IDS)
def test_issue_ids_that_name_nothing_are_404(app, client, login_as, issue_id):
    login_as(STAFF, "marketer")
    for suffix in ("", "/andra", "/skicka"):
        response = client.get(f"/nyhetsbrev/utskick/{issue_id}{suffix}")
        assert response.status_code == 404, suffix


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Hej\r\nBcc: x@evil.example", "body": "b"},
        {"subject": "s" * 10_000, "body": "b"},
        {"subject": "Hej\x00", "body": "b"},
        {"subject": "Hej", "body": "b\x00"},
        {"subject": "Hej", "body": "b" * 30_000},
        {"subject": "Hej", "body": "b", "links": "javascript:alert(1)"},
        {"subject": "Hej", "body": "b", "links": "x | https://evil.example/\x00"},
        {"subject": "Hej", "body": "b", "links": "https://a.se\n" * 30},
    ],
    ids=lambda f: repr(f)[:40],
)
def test_issue_forms_refuse_hostile_values(app, client, login_as, fields):
    login_as(STAFF, "marketer")
    token = csrf_from(client.get("/nyhetsbrev/utskick/nytt").get_data(as_text=True))
    response = client.post("/nyhetsbrev/utskick/nytt", data={"csrf_token": token, **fields})
    assert response.status_code == 400
    assert count(app, NewsletterIssue) == 0


def test_sending_needs_a_post_with_csrf_and_happens_once(
    smtp_server,  # noqa: F811
    app,
    client,
    login_as,
):
    make_subscriber(app)
    login_as(STAFF, "marketer")
    with app.app_context():
        issue = NewsletterIssue.create(subject="S", body="B")
    path = f"/nyhetsbrev/utskick/{issue.id}/skicka"
    client.get(path, query_string={"csrf_token": "x"})
    client.head(path)
    assert client.post(path, data={}).status_code == 400
    with app.app_context():
        assert NewsletterIssue.get_by_id(issue.id).sent_at is None
    token = csrf_from(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    assert len(smtp_server.messages) == 1


# --- mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "a@b.se\r\nBcc: x@evil.example",
        "a@b.se\nBcc: x@evil.example",
        "a@b.se%0d%0aBcc: x@evil.example",
        "a@b.se\x00",
        "a@b.se, x@evil.example",
        "Anna <x@evil.example>",
        "",
        "a" * 10_000 + "@b.se",
    ],
    ids=repr,
)
def test_queue_email_refuses_addresses_that_could_inject(app, address):
    with app.test_request_context():
        with pytest.raises(ValueError):
            queue_email(address, "test_message", {}, kind="administrative")
        assert OutboxMessage.select().count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Note": "a\r\nBcc: x@evil.example"},
        {"Bcc": "x@evil.example"},
        {"X-Bad\r\nBcc": "x"},
        {"Reply-To": "a@b.se\r\nBcc: x@evil.example"},
        {"X-Long": "x" * 5000},
    ],
    ids=repr,
)
def test_queue_email_refuses_injecting_headers(app, headers):
    with app.test_request_context():
        with pytest.raises(ValueError):
            queue_email("a@b.se", "test_message", {}, kind="administrative", headers=headers)


def test_a_course_name_with_line_breaks_never_splits_the_subject(
    smtp_server,  # noqa: F811
    app,
    client,
):
    course = add_course(app)
    with app.app_context():
        Course.update(title_sv="Kurs\r\nBcc: x@evil.example").execute()
    assert post_signup(client, signup_path(course)).status_code == 303
    [mail] = smtp_server.wait_for(1)
    assert "\n" not in mail["Subject"]
    assert_no_injected_header(smtp_server)


# --- double submits and the CSRF-exempt endpoints ---------------------------------------------


def test_a_double_submitted_note_is_stored_once(app, client, login_as, a_lead):
    login_as(STAFF, "staff")
    path = f"/crm/leads/{a_lead.id}"
    token = csrf_from(client.get(path).get_data(as_text=True))
    data = {"csrf_token": token, "n-text": "Ringde, återkommer på fredag."}
    assert client.post(path, data=data).status_code == 303
    assert client.post(path, data=data).status_code == 303
    assert count(app, LeadNote) == 1


def test_a_double_submitted_issue_is_one_draft(app, client, login_as):
    login_as(STAFF, "marketer")
    token = csrf_from(client.get("/nyhetsbrev/utskick/nytt").get_data(as_text=True))
    data = {"csrf_token": token, "subject": "Nytt i WinLas 8", "body": "Hej!"}
    first = client.post("/nyhetsbrev/utskick/nytt", data=data)
    second = client.post("/nyhetsbrev/utskick/nytt", data=data)
    assert first.status_code == second.status_code == 303
    assert count(app, NewsletterIssue) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/?http://localhost/"},
        {"Origin": "http://localhost.evil.example"},
        {"Origin": "http://localhost@evil.example"},
    ],
    ids=repr,
)
def test_the_consent_endpoint_refuses_other_origins(app, client, headers):
    response = client.post("/samtycke", data={"action": "accept_all"}, headers=headers)
    assert response.status_code == 403
    assert not response.headers.getlist("Set-Cookie")


# --- hostile inputs 5, 32 and 35 (docs/HOSTILE_INPUTS.md) on every public form (issue 10) -------
#
# Werkzeug keeps a percent-encoded byte run that is not UTF-8 (``%FF%FE``, an encoded surrogate
# ``%ED%A0%80``) as the literal text, so no lone surrogate can reach a form; JSON is where they
# arrive, and /api/collect is the only endpoint that reads JSON (its own tests). Raw bytes that
# are not UTF-8 in the query string, though, broke ``request.args`` and even the error page.

PERSONAL = (Contact, Lead, Registration, Subscription, OutboxMessage)


@pytest.fixture
def public_forms(app) -> dict:
    """Every public form: path and a valid submission (with its spam guards filled in later)."""
    course = add_course(app, slug="hostil")
    forms = {kind: (path, lead_data(kind)) for kind, path in LEAD_PATHS.items()}
    forms["course"] = (signup_path(course), signup_data())
    forms["newsletter"] = ("/nyhetsbrev", {"email": "anna.berg@exempel.se", "consent": "y"})
    forms["link"] = ("/installningar", {"email": "anna.berg@exempel.se"})
    return forms


def stored_text(app) -> list[str]:
    with app.app_context():
        return [
            value
            for model in PERSONAL
            for row in model.select().dicts()
            for value in row.values()
            if isinstance(value, str)
        ]


def encoded_body(fields: dict, hostile: str) -> bytes:
    """A urlencoded body whose free-text values end in ``hostile``, sent as it stands."""
    from urllib.parse import quote

    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            text = quote(str(item), safe="")
            if name in {"first_name", "last_name", "organisation", "message", "dietary_other"}:
                text += hostile
            elif name == "email":
                text = quote(str(item).replace("@", hostile + "@"), safe="%@")
            parts.append(f"{name}={text}")
    return "&".join(parts).encode()


@pytest.mark.parametrize("hostile", ["%FF%FE", "%ED%A0%80", "%ED%BF%BF", "%C0%AF", "%F4%90%80%80"])
@pytest.mark.parametrize("form", ["question", "quote", "demo", "course", "newsletter", "link"])
def test_invalid_utf8_and_encoded_surrogates_in_every_form_field_store_only_valid_text(
    app, client, public_forms, form, hostile
):
    path, fields = public_forms[form]
    hidden = started_and_submission(client.get(path).get_data(as_text=True))
    body = encoded_body({**hidden, **fields}, hostile)
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 400)
    for value in stored_text(app):
        value.encode("utf-8")  # a lone surrogate would raise here
        assert "\x00" not in value


@pytest.mark.parametrize("form", ["question", "course", "newsletter"])
def test_raw_bytes_that_are_not_utf8_in_a_form_body_are_refused_or_stored_as_valid_text(
    app, client, public_forms, form
):
    path, fields = public_forms[form]
    hidden = started_and_submission(client.get(path).get_data(as_text=True))
    # urlencoded: werkzeug drops the undecodable pairs, the CSRF token with them
    raw = b"csrf_token=" + hidden["csrf_token"].encode() + b"&first_name=\xff\xfe\xed\xa0\x80"
    response = client.post(path, data=raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    # multipart: werkzeug puts U+FFFD in their place; never a 500, never a surrogate stored
    boundary = "grans"
    chunks = []
    for name, value in {**hidden, **fields}.items():
        for item in value if isinstance(value, list) else [value]:
            data = str(item).encode()
            if name in ("first_name", "email"):
                data = b"\xff\xfe\xed\xa0\x80" + data
            chunks.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    response = client.post(
        path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code in (303, 400)
    for value in stored_text(app):
        value.encode("utf-8")


RAW_QUERIES = [b"typ=\xed\xa0\x80", b"next=\xff\xfe", b"email=a\xc0\xaf@b.se", b"\xf4\x90\x80\x80"]


@pytest.mark.parametrize("query", RAW_QUERIES, ids=repr)
@pytest.mark.parametrize(
    "path",
    [
        "/kontakt/fraga",
        "/kontakt/offert",
        "/kontakt/visning",
        "/kontakt/tack",
        "/nyhetsbrev",
        "/installningar",
        "/registrera",
        "/glomt-losenord",
        "/logga-in",
        "/utbildningar",
    ],
)
def test_raw_bytes_that_are_not_utf8_in_a_query_string_are_a_400_page_not_a_500(
    client, path, query
):
    """Servers hand the raw query bytes on; before, reading ``request.args`` (and the error
    page, which links the current address) raised UnicodeDecodeError: a 500 on every page."""
    for method in ("GET", "POST"):
        response = client.open(
            path, method=method, environ_overrides={"QUERY_STRING": query.decode("latin-1")}
        )
        assert response.status_code == 400, (method, response.status_code)
        assert "<html" in response.get_data(as_text=True).lower()  # the site's own page


def test_raw_bytes_in_a_course_signup_query_string_are_a_400(client, public_forms):
    path, _fields = public_forms["course"]
    response = client.get(path, environ_overrides={"QUERY_STRING": "a=\xed\xa0\x80"})
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
@pytest.mark.parametrize("form", ["question", "quote", "demo", "course", "newsletter", "link"])
def test_head_and_options_on_a_form_with_a_full_valid_body_change_nothing(
    smtp_server,  # noqa: F811
    app,
    client,
    public_forms,
    form,
    method,
):
    path, fields = public_forms[form]
    hidden = started_and_submission(client.get(path).get_data(as_text=True))
    data = {**hidden, **fields}
    response = client.open(path, method=method, data=data, query_string=fields)
    assert response.status_code < 500
    assert stored_text(app) == []
    assert smtp_server.messages == []
    # the token is still good: HEAD and OPTIONS did not use it up
    assert client.post(path, data=data).status_code == 303


@pytest.mark.parametrize("form", ["question", "quote", "demo", "course", "newsletter", "link"])
def test_two_visitors_never_share_a_form_token_and_both_can_send(app, public_forms, form):
    """A form page must never come from the page cache: its CSRF and fill tokens are one
    visitor's, and a fill token is good for one submission."""
    path, fields = public_forms[form]
    first, second = app.test_client(), app.test_client()
    # the second visitor has made a cookie choice, the first has not
    second.post("/samtycke", data={"action": "accept_all"}, headers={"Origin": "http://localhost"})
    pages = [started_and_submission(v.get(path).get_data(as_text=True)) for v in (first, second)]
    assert pages[0]["started"] != pages[1]["started"]
    assert pages[0]["csrf_token"] != pages[1]["csrf_token"]
    fields_second = {**fields, "email": "bertil@exempel.se"}
    assert first.post(path, data={**pages[0], **fields}).status_code == 303
    assert second.post(path, data={**pages[1], **fields_second}).status_code == 303


@pytest.mark.parametrize(
    "path",
    ["/kontakt/fraga", "/nyhetsbrev", "/installningar", "/registrera", "/samtycke", "/logga-in"],
)
def test_a_json_body_with_a_lone_surrogate_at_a_form_endpoint_is_a_4xx(app, client, path):
    """No endpoint but /api/collect reads JSON; the others refuse it before reading it."""
    body = b'{"email": "\\ud800", "first_name": "\\udfff", "csrf_token": "\\ud800"}'
    response = client.post(
        path, data=body, content_type="application/json", headers={"Origin": "http://localhost"}
    )
    assert 400 <= response.status_code < 500
    assert stored_text(app) == []
