"""Course and event sign-up over HTTP: real CSRF tokens, a real SMTP server, both backends."""

from __future__ import annotations

import csv
import datetime
import io
import re
import threading

import pytest
from flask import render_template

from tests.conftest import csrf_from
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site import create_app
from winlas_site.courses.models import (
    Course,
    CourseSession,
    Participant,
    Registration,
    RegistrationSeminar,
    SeminarSlot,
    waitlist_rank,
)
from winlas_site.courses.signup import cancel_token
from winlas_site.db import database
from winlas_site.leads.models import Contact

XSS = '"><svg onload=alert(1)>'


def add_course(app, slug="grundkurs", kind="course", sessions=((20, 16),)):
    """A course with sessions ``(days from now, capacity)``; returns (course, [sessions])."""
    with app.app_context():
        course = Course.create(
            slug=slug,
            kind=kind,
            title_sv=f"Kursen {slug}",
            title_en=f"The course {slug}",
            summary_sv="En dag om grunderna.",
            body_sv="Text.",
        )
        made = []
        for days, capacity in sessions:
            start = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(days=days)
            made.append(
                CourseSession.create(
                    course=course,
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=7),
                    place_sv="Stockholm, WinLas kontor",
                    capacity=capacity,
                )
            )
        return course, made


def add_slots(app, session, groups):
    """Seminar slots: ``groups`` is a list of (hour, [(title, capacity), ...])."""
    slots = []
    with app.app_context():
        for hour, items in groups:
            start = session.starts_at.replace(hour=hour, minute=0)
            for position, (title, capacity) in enumerate(items):
                slots.append(
                    SeminarSlot.create(
                        course_session=session,
                        title_sv=title,
                        starts_at=start,
                        capacity=capacity,
                        position=position,
                    )
                )
    return slots


@pytest.fixture
def course(app):
    return add_course(app, sessions=((20, 2), (60, 16)))


def signup_path(course_and_sessions, index=0):
    course, sessions = course_and_sessions
    return f"/utbildningar/{course.slug}/anmalan/{sessions[index].id}"


def hidden_fields(html: str) -> dict:
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)
    submission = re.search(r'name="submission" type="hidden" value="([^"]*)"', html).group(1)
    return {"csrf_token": csrf_from(html), "started": started, "submission": submission}


def valid(**fields) -> dict:
    data = {
        "first_name": "Anna",
        "last_name": "Berg",
        "email": "Anna.Berg@Exempel.se",
        "organisation": "Exempelkommun",
        "work_phone": "08-123 45 67",
        "dietary": ["vegetarian", "gluten"],
        "dietary_other": "",
        "acknowledge": "y",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, path, **fields):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={**hidden_fields(page.get_data(as_text=True)), **valid(**fields)})


def registrations(app):
    with app.app_context():
        return list(Registration.select().order_by(Registration.id))


def mails_to(server, address):
    return [m for m in server.messages if m["To"] == address]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def cancel_link(message) -> str:
    return re.search(r"https?://\S+/utbildningar/avboka/\S+", text_of(message)).group(0)


def neutral(response) -> tuple[int, str]:
    """Status and page without what differs on every rendering (CSRF and form tokens)."""
    html = re.sub(r'value="[^"]*"', 'value=""', response.get_data(as_text=True))
    return response.status_code, html


# --- the happy path ---------------------------------------------------------------------------


def test_the_course_page_links_each_session_to_its_signup(app, client, course):
    html = client.get("/utbildningar/grundkurs").get_data(as_text=True)
    assert f'href="{signup_path(course, 0)}"' in html
    assert f'href="{signup_path(course, 1)}"' in html
    assert "2 av 2 lediga" in html


def test_a_signup_stores_contact_and_registration_and_mails_a_confirmation(
    smtp_server, app, client, course
):  # noqa: F811
    path = signup_path(course)
    page = client.get(path)
    assert page.headers["Cache-Control"] == "no-store"
    response = submit(client, path)
    assert response.status_code == 303
    assert response.headers["Location"] == "/utbildningar/grundkurs/anmalan/tack"
    [registration] = registrations(app)
    with app.app_context():
        contact = Contact.get()
        assert registration.course_session_id == course[1][0].id
    assert contact.email == "anna.berg@exempel.se"
    assert (contact.first_name, contact.last_name) == ("Anna", "Berg")
    assert contact.organisation_name == "Exempelkommun" and contact.work_phone == "08-123 45 67"
    assert registration.status == "confirmed" and registration.position is None
    assert registration.dietary_choices == "vegetarian,gluten"
    assert registration.user_id is None

    thanks = client.get(response.headers["Location"])
    assert thanks.headers["Cache-Control"] == "no-store"
    text = thanks.get_data(as_text=True)
    # the page is the same for every sign-up; the email tells the place
    assert "Tack för din anmälan" in text and "Tack, du har en plats" not in text
    assert "anna.berg@exempel.se" not in text

    [mail] = smtp_server.messages
    assert mail["To"] == "anna.berg@exempel.se"
    assert mail["Subject"] == "Bekräftelse: Kursen grundkurs"
    link = cancel_link(mail)
    assert link.startswith(app.config["WINLAS_SITE_URL"])
    assert link in html_of(mail)
    with app.app_context():
        from winlas_site.mail import OutboxMessage

        [outbox] = OutboxMessage.select().where(
            OutboxMessage.related == f"registration:{registration.id}"
        )
    assert outbox.kind == "administrative" and outbox.to_address == "anna.berg@exempel.se"


def test_an_english_visitor_gets_the_email_in_english(smtp_server, app, client, course):  # noqa: F811
    client.get("/sprak/en")
    submit(client, signup_path(course))
    [registration] = registrations(app)
    assert registration.language == "en"
    [mail] = smtp_server.messages
    assert "The course grundkurs" in mail["Subject"]


def test_when_full_the_signup_lands_on_the_waitlist_and_is_told_so(
    smtp_server, app, client, course
):  # noqa: F811
    path = signup_path(course)
    for n in range(3):
        assert submit(client, path, email=f"person{n}@exempel.se").status_code == 303
    statuses = [(r.status, r.position) for r in registrations(app)]
    assert statuses == [("confirmed", None), ("confirmed", None), ("waitlisted", 1)]
    text = client.get("/utbildningar/grundkurs/anmalan/tack").get_data(as_text=True)
    assert "Tack för din anmälan" in text and "nummer" not in text
    [mail] = mails_to(smtp_server, "person2@exempel.se")
    assert "väntelistan" in mail["Subject"]
    assert "Du har ännu ingen plats" in text_of(mail)
    assert "Du är nummer 1 i kön" in text_of(mail) and "nummer 1" in html_of(mail)
    page = client.get(path).get_data(as_text=True)
    assert "fullbokat" in page
    assert "Fullbokat" in client.get("/utbildningar/grundkurs").get_data(as_text=True)


def test_concurrent_signups_for_the_last_places_confirm_no_more_than_capacity(app, course):
    session = course[1][0]
    count = 8
    barrier = threading.Barrier(count)
    errors = []

    def sign_up(n):
        try:
            with database.connection_context():
                barrier.wait()
                Registration.sign_up(
                    session,
                    Participant(f"p{n}@exempel.se", "P", str(n), "Kommun"),
                )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with app.app_context():
        threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    rows = registrations(app)
    assert [r.status for r in rows].count("confirmed") == 2
    waiting = sorted(r.position for r in rows if r.status == "waitlisted")
    assert waiting == list(range(1, count - 1))


# --- cancellation -------------------------------------------------------------------------------


def test_get_on_the_cancel_link_changes_nothing(smtp_server, app, client, course):  # noqa: F811
    submit(client, signup_path(course))
    link = cancel_link(smtp_server.messages[0])
    path = link.split("://", 1)[1].split("/", 1)[1]
    for _ in range(3):
        page = client.get("/" + path)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Avbryt anmälan" in html and 'method="post"' in html
    assert [r.status for r in registrations(app)] == ["confirmed"]
    assert len(smtp_server.messages) == 1


def test_cancelling_promotes_the_first_on_the_waitlist_who_gets_an_email(
    smtp_server, app, client, course
):  # noqa: F811
    path = signup_path(course)
    for n in range(4):
        submit(client, path, email=f"person{n}@exempel.se")
    [first_mail] = mails_to(smtp_server, "person0@exempel.se")
    cancel_path = "/" + cancel_link(first_mail).split("://", 1)[1].split("/", 1)[1]
    other = app.test_client()  # the link is opened from the mail, in another browser
    page = other.get(cancel_path)
    response = other.post(cancel_path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 303
    rows = {r.contact.email: r for r in _with_contacts(app)}
    assert rows["person0@exempel.se"].status == "cancelled"
    assert rows["person0@exempel.se"].cancelled_at is not None
    assert rows["person2@exempel.se"].status == "confirmed"
    assert rows["person2@exempel.se"].promoted_at is not None
    assert rows["person3@exempel.se"].status == "waitlisted"
    [promoted_mail] = [
        m for m in mails_to(smtp_server, "person2@exempel.se") if "fått en plats" in m["Subject"]
    ]
    assert "/utbildningar/avboka/" in text_of(promoted_mail)
    assert any("Avbokad" in m["Subject"] for m in mails_to(smtp_server, "person0@exempel.se"))
    after = other.get(cancel_path).get_data(as_text=True)
    assert "Anmälan är avbokad" in after and "Avbryt anmälan" not in after


def _with_contacts(app):
    with app.app_context():
        return list(Registration.select(Registration, Contact).join(Contact))


def cancel_by_post(app, registration, times=1):
    """Open the cancellation link and press the button ``times`` times (a double click)."""
    client = app.test_client()
    with app.test_request_context():
        path = f"/utbildningar/avboka/{cancel_token(registration)}"
    page = client.get(path)
    token = csrf_from(page.get_data(as_text=True))
    return [client.post(path, data={"csrf_token": token}) for _ in range(times)][-1]


def test_cancelling_twice_changes_nothing_the_second_time(smtp_server, app, client, course):  # noqa: F811
    path = signup_path(course)
    for n in range(4):
        submit(client, path, email=f"person{n}@exempel.se")
    first = registrations(app)[0]
    sent = len(smtp_server.messages)
    assert cancel_by_post(app, first, times=2).status_code == 303
    # one "cancelled" mail, one "promoted" mail: the second press did nothing
    assert len(smtp_server.messages) == sent + 2
    statuses = [r.status for r in registrations(app)]
    assert statuses == ["cancelled", "confirmed", "confirmed", "waitlisted"]


def test_cancelling_a_place_on_the_waitlist_promotes_no_one(app, client, course):
    path = signup_path(course)
    for n in range(4):
        submit(client, path, email=f"person{n}@exempel.se")
    cancel_by_post(app, registrations(app)[2])
    assert [r.status for r in registrations(app)] == [
        "confirmed",
        "confirmed",
        "cancelled",
        "waitlisted",
    ]
    with app.app_context():
        assert waitlist_rank(registrations(app)[3]) == 1  # person3 moved up


def test_a_cancelled_person_can_sign_up_again(app, client, course):
    path = signup_path(course)
    submit(client, path)
    cancel_by_post(app, registrations(app)[0])
    assert submit(client, path).status_code == 303
    assert [r.status for r in registrations(app)] == ["cancelled", "confirmed"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "not-a-token",
        lambda token: "a" * 1000,
        lambda token: token.split(".")[0],
    ],
    ids=["altered-signature", "altered-payload", "garbage", "very-long", "unsigned"],
)
def test_a_tampered_cancel_link_is_a_clear_400(app, client, course, mangle):
    submit(client, signup_path(course))
    [registration] = registrations(app)
    with app.test_request_context():
        token = cancel_token(registration)
    response = client.get(f"/utbildningar/avboka/{mangle(token)}")
    assert response.status_code == 400
    assert "Länken fungerar inte" in response.get_data(as_text=True)
    assert client.post(f"/utbildningar/avboka/{mangle(token)}").status_code == 400
    assert registrations(app)[0].status == "confirmed"


def test_a_token_for_another_purpose_or_row_is_refused(app, client, course):
    from itsdangerous import URLSafeTimedSerializer

    submit(client, signup_path(course))
    [registration] = registrations(app)
    other_salt = URLSafeTimedSerializer(app.secret_key, salt="form-started").dumps(
        [registration.id, registration.created_at.strftime("%Y%m%d%H%M%S%f")]
    )
    wrong_row = URLSafeTimedSerializer(app.secret_key, salt="course-cancel").dumps(
        [registration.id, "20200101000000000000"]
    )
    for token in (other_salt, wrong_row):
        assert client.get(f"/utbildningar/avboka/{token}").status_code == 400


def test_the_cancel_link_expires_when_the_session_has_started(app, client, course):
    submit(client, signup_path(course))
    [registration] = registrations(app)
    with app.test_request_context():
        token = cancel_token(registration)
        CourseSession.update(
            starts_at=datetime.datetime.now() - datetime.timedelta(minutes=5)
        ).execute()
    response = client.get(f"/utbildningar/avboka/{token}")
    assert response.status_code == 400
    assert "Länken gäller inte längre" in response.get_data(as_text=True)
    assert registrations(app)[0].status == "confirmed"


# --- refusals ---------------------------------------------------------------------------------


def test_the_same_mailbox_cannot_sign_up_twice_for_one_session(smtp_server, app, client, course):  # noqa: F811
    path = signup_path(course)
    first = submit(client, path)
    stranger = app.test_client()
    response = submit(stranger, path, email="  ANNA.berg@exempel.SE ", first_name="Annika")
    # the same answer as a new sign-up: the form does not tell whether an address is signed up
    assert response.status_code == first.status_code == 303
    assert response.headers["Location"] == first.headers["Location"]
    assert neutral(stranger.get(response.headers["Location"])) == neutral(
        client.get(first.headers["Location"])
    )
    assert len(registrations(app)) == 1
    with app.app_context():
        assert Contact.get().first_name == "Anna"  # a second sign-up changes nothing
    # the mailbox's owner hears about it, with the way to cancel
    reminder = smtp_server.messages[-1]
    assert len(smtp_server.messages) == 2
    assert "redan anmäld" in reminder["Subject"]
    assert "/utbildningar/avboka/" in text_of(reminder)
    # repeated attempts cannot flood the mailbox: one reminder a day
    submit(stranger, path)
    assert len(smtp_server.messages) == 2
    # another session of the course is fine
    assert submit(client, signup_path(course, 1)).status_code == 303


def test_a_double_submit_is_one_signup_with_the_same_answer(smtp_server, app, client, course):  # noqa: F811
    path = signup_path(course)
    data = {**hidden_fields(client.get(path).get_data(as_text=True)), **valid()}
    first = client.post(path, data=data)
    second = app.test_client().post(path, data=data)  # the replay need not share the cookie
    assert first.status_code == 303
    assert client.post(path, data=data).headers["Location"] == first.headers["Location"]
    assert second.status_code == 400  # a CSRF token replayed from another session
    assert len(registrations(app)) == 1
    assert len(smtp_server.messages) == 1
    # a new form with the same address gets the same answer, and the owner a reminder
    response = submit(client, path)
    assert response.headers["Location"] == first.headers["Location"]
    assert len(registrations(app)) == 1
    assert len(smtp_server.messages) == 2


def test_the_honeypot_refuses_politely_and_stores_nothing(smtp_server, app, client, course, caplog):  # noqa: F811
    response = submit(client, signup_path(course), website="http://spam.example")
    assert response.status_code == 400
    assert "kunde inte tas emot" in response.get_data(as_text=True)
    assert registrations(app) == []
    with app.app_context():
        assert Contact.select().count() == 0
    assert smtp_server.messages == []
    assert "spam refused form=course_signup reason=honeypot" in caplog.text


def test_a_submit_faster_than_a_person_is_refused(app_config):
    app = create_app({**app_config, "WINLAS_MIN_FILL_SECONDS": 3})
    course = add_course(app)
    client = app.test_client()
    response = submit(client, signup_path(course))
    assert response.status_code == 400
    assert "kunde inte tas emot" in response.get_data(as_text=True)
    assert registrations(app) == []


def test_a_missing_or_forged_start_time_is_refused(app, client, course):
    path = signup_path(course)
    html = client.get(path).get_data(as_text=True)
    for started in ("", "1700000000000", "eyJhIjoxfQ.forged"):
        data = {**valid(), "csrf_token": csrf_from(html), "started": started}
        assert client.post(path, data=data).status_code == 400
    assert registrations(app) == []


def test_a_post_without_a_csrf_token_is_400(app, client, course):
    path = signup_path(course)
    html = client.get(path).get_data(as_text=True)
    data = {**hidden_fields(html), **valid()}
    del data["csrf_token"]
    assert client.post(path, data=data).status_code == 400
    assert registrations(app) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"first_name": "A" * 10_000},
        {"last_name": "B" * 10_000},
        {"organisation": "C" * 10_000},
        {"email": "a" * 10_000 + "@exempel.se"},
        {"work_phone": "1" * 10_000},
        {"dietary_other": "D" * 10_000},
        {"first_name": "Anna\r\nBcc: x@evil.example"},
        {"last_name": "Berg%0d%0aBcc: x@evil.example", "first_name": "Anna\nX"},
        {"email": "a@b.se\r\nBcc: x@evil.example"},
        {"email": "a@b.se%0d%0aBcc:x@evil.example"},
        {"email": "inte-en-adress"},
        {"email": "anna@"},
        {"first_name": "Nul\x00byte"},
        {"dietary_other": "rad ett\nrad två"},
        {"first_name": ""},
        {"acknowledge": None},
        {"dietary": ["vegetarian", "bacon"]},
        {"dietary": ["other"], "dietary_other": ""},
        {"work_phone": "ring mig"},
    ],
    ids=lambda fields: ",".join(fields)[:40],
)
def test_bad_fields_are_a_clear_400_with_the_values_kept_and_store_nothing(
    smtp_server, app, client, course, fields
):  # noqa: F811
    response = submit(client, signup_path(course), **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    assert 'value="Exempelkommun"' in html or "organisation" in fields
    assert registrations(app) == []
    with app.app_context():
        assert Contact.select().count() == 0
    assert smtp_server.messages == []


def test_the_acknowledgement_is_required_and_links_the_privacy_policy(app, client, course):
    path = signup_path(course)
    html = client.get(path).get_data(as_text=True)
    assert 'href="/integritetspolicy"' in html
    box = re.search(r'<input[^>]*name="acknowledge"[^>]*>', html).group(0)
    assert "checked" not in box
    response = submit(client, path, acknowledge=None)
    assert "Bekräfta att du har läst" in response.get_data(as_text=True)


def test_html_in_every_field_is_stored_as_text_and_shown_escaped(
    smtp_server, app, client, course, create_user, auth
):  # noqa: F811
    path = signup_path(course)
    response = submit(
        client,
        path,
        first_name=XSS,
        last_name=XSS,
        organisation=XSS,
        dietary=["other"],
        dietary_other=XSS,
    )
    assert response.status_code == 303
    [registration] = registrations(app)
    with app.app_context():
        contact = Contact.get()
    assert contact.first_name == XSS and contact.organisation_name == XSS
    assert registration.dietary_other == XSS
    [mail] = smtp_server.messages
    assert XSS not in html_of(mail) and "&lt;svg" in html_of(mail)
    # the email field cannot hold it: a clear error, the value shown escaped
    refused = submit(client, path, email=XSS + "@exempel.se")
    assert refused.status_code == 400
    assert XSS not in refused.get_data(as_text=True)
    assert "&lt;svg onload=alert(1)&gt;" in refused.get_data(as_text=True)
    # and the staff view shows it as text
    create_user("personal@winlas.se", role="staff")
    auth.login("personal@winlas.se")
    staff_html = client.get("/utbildningar/grundkurs/deltagare").get_data(as_text=True)
    assert XSS not in staff_html and "&lt;svg onload=alert(1)&gt;" in staff_html
    cancel = client.get(cancel_link(mail).split(app.config["WINLAS_SITE_URL"])[1])
    assert XSS not in cancel.get_data(as_text=True)


def test_mass_assignment_fields_are_ignored(app, client, course, create_user):
    path = signup_path(course)
    for n in range(2):
        submit(client, path, email=f"person{n}@exempel.se")
    staff = create_user("personal@winlas.se", role="admin")
    response = submit(
        client,
        path,
        status="confirmed",
        position="0",
        user="1",
        user_id=str(staff.id),
        course_session=str(course[1][1].id),
    )
    assert response.status_code == 303
    last = registrations(app)[-1]
    assert last.status == "waitlisted" and last.user_id is None
    assert last.course_session_id == course[1][0].id


@pytest.mark.parametrize(
    "path",
    [
        "/utbildningar/grundkurs/anmalan/999999",
        "/utbildningar/grundkurs/anmalan/99999999999999999999",
        "/utbildningar/grundkurs/anmalan/-1",
        "/utbildningar/grundkurs/anmalan/abc",
        "/utbildningar/finns-inte/anmalan/1",
        "/utbildningar/grundkurs/deltagare/x",
    ],
)
def test_unknown_sessions_are_404(app, client, course, path):
    assert client.get(path).status_code == 404
    assert client.post(path, data={}).status_code in (400, 404)


def test_another_courses_session_is_404(app, client, course):
    other_course, other_sessions = add_course(app, slug="annan-kurs")
    response = client.get(f"/utbildningar/grundkurs/anmalan/{other_sessions[0].id}")
    assert response.status_code == 404


def test_a_session_that_has_started_is_closed_for_signup(app, client):
    course = add_course(app, sessions=((-1, 10),))
    response = client.get(signup_path(course))
    assert response.status_code == 410
    assert "Anmälan är stängd" in response.get_data(as_text=True)


def test_too_many_signups_from_one_address_are_429(app_config):
    app = create_app({**app_config, "WINLAS_COURSE_SIGNUP_LIMIT": "2 per hour"})
    course = add_course(app, sessions=((20, 50),))
    client = app.test_client()
    path = signup_path(course)
    statuses = [submit(client, path, email=f"p{n}@exempel.se").status_code for n in range(3)]
    assert statuses == [303, 303, 429]


def test_the_thank_you_page_needs_a_signup_of_this_course(app, client, course):
    response = client.get("/utbildningar/grundkurs/anmalan/tack")
    assert response.status_code == 302
    other = add_course(app, slug="annan-kurs")
    submit(client, signup_path(other))
    assert client.get("/utbildningar/grundkurs/anmalan/tack").status_code == 302
    assert client.get("/utbildningar/annan-kurs/anmalan/tack").status_code == 200


def test_a_sign_up_survives_an_smtp_server_that_is_down(smtp_server, app, client, course):  # noqa: F811
    smtp_server.stop()
    response = submit(client, signup_path(course))
    assert response.status_code == 303
    [registration] = registrations(app)
    assert registration.status == "confirmed"
    with app.app_context():
        from winlas_site.mail import OutboxMessage

        [message] = OutboxMessage.select().where(
            OutboxMessage.related == f"registration:{registration.id}"
        )
    assert message.status != "sent" and message.to_address == "anna.berg@exempel.se"


# --- seminars ---------------------------------------------------------------------------------


@pytest.fixture
def event(app):
    event = add_course(app, slug="anvandardagar", kind="event", sessions=((40, 100),))
    slots = add_slots(
        app,
        event[1][0],
        [(13, [("Skolbibliotek", 60), ("Katalogisering", 1)]), (15, [("Statistik", None)])],
    )
    return event, slots


def test_seminar_choices_are_stored_one_per_time(smtp_server, app, client, event):  # noqa: F811
    (course, sessions), slots = event
    path = signup_path((course, sessions))
    html = client.get(path).get_data(as_text=True)
    assert "Skolbibliotek" in html and "Statistik" in html and "Inget seminarium" in html
    response = submit(client, path, seminar_1=str(slots[0].id), seminar_2=str(slots[2].id))
    assert response.status_code == 303
    [registration] = registrations(app)
    with app.app_context():
        chosen = [c.slot_id for c in RegistrationSeminar.select().order_by(RegistrationSeminar.id)]
    assert chosen == [slots[0].id, slots[2].id]
    assert "Skolbibliotek" in text_of(smtp_server.messages[0])
    # a repeated field still means one choice for that time
    submit(
        client,
        path,
        email="tva@exempel.se",
        seminar_1=[str(slots[0].id), str(slots[1].id)],
    )
    with app.app_context():
        second = Registration.select().order_by(Registration.id.desc()).get()
        assert [s.id for s in second.seminar_slots()] == [slots[0].id]


@pytest.mark.parametrize("value", ["other-session", "999999", "abc", "-1", "' OR 1=1--"])
def test_an_invalid_seminar_slot_is_a_form_error(app, client, event, value):
    (course, sessions), slots = event
    other = add_course(app, slug="annat-event", kind="event", sessions=((40, 10),))
    [foreign] = add_slots(app, other[1][0], [(13, [("Främmande", None)])])
    if value == "other-session":
        value = str(foreign.id)
    response = submit(client, signup_path((course, sessions)), seminar_1=value)
    assert response.status_code == 400
    assert "Välj ett av seminariepassen" in response.get_data(as_text=True)
    assert registrations(app) == []


def test_a_full_seminar_is_refused_with_a_form_error(app, client, event):
    (course, sessions), slots = event
    path = signup_path((course, sessions))
    assert submit(client, path, seminar_1=str(slots[1].id)).status_code == 303
    html = client.get(path).get_data(as_text=True)
    assert "Katalogisering (fullt)" in html
    response = submit(client, path, email="tva@exempel.se", seminar_1=str(slots[1].id))
    assert response.status_code == 400
    assert "Seminariet blev fullt" in response.get_data(as_text=True)
    assert len(registrations(app)) == 1


# --- staff view and CSV -----------------------------------------------------------------------


def test_the_participant_list_is_for_staff_and_marketers(app, client, course, create_user, auth):
    for path in ("/utbildningar/grundkurs/deltagare", "/utbildningar/grundkurs/deltagare.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    create_user("kund@exempel.se", role="customer")
    auth.login("kund@exempel.se")
    assert client.get("/utbildningar/grundkurs/deltagare").status_code == 403
    assert client.get("/utbildningar/grundkurs/deltagare.csv").status_code == 403
    auth.logout()
    for role in ("staff", "marketer", "admin"):
        create_user(f"{role}@winlas.se", role=role)
        auth.login(f"{role}@winlas.se")
        response = client.get("/utbildningar/grundkurs/deltagare")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        auth.logout()


def test_the_participant_list_summarises_diets_and_seminars(app, client, event, create_user, auth):
    (course, sessions), slots = event
    path = signup_path((course, sessions))
    submit(client, path, email="a@exempel.se", dietary=["vegan"], seminar_1=str(slots[0].id))
    submit(
        client,
        path,
        email="b@exempel.se",
        dietary=["vegan", "nuts", "other"],
        dietary_other="Inga svampar",
        seminar_1=str(slots[0].id),
        seminar_2=str(slots[2].id),
    )
    submit(client, path, email="c@exempel.se", dietary=[])
    create_user("personal@winlas.se", role="staff")
    auth.login("personal@winlas.se")
    html = client.get("/utbildningar/anvandardagar/deltagare").get_data(as_text=True)
    assert re.search(r"<td>Vegansk</td><td>2</td>", html)
    assert re.search(r"<td>Nötallergi</td><td>1</td>", html)
    assert re.search(r"<td>Glutenfri</td><td>0</td>", html)
    assert "Inga svampar" in html
    assert re.search(r"<td>Skolbibliotek</td><td>2</td><td>0</td>", html)
    assert re.search(r"<td>Statistik</td><td>1</td><td>0</td>", html)
    assert "3 bekräftade av 100 platser" in html


def test_the_csv_lists_participants_and_neutralises_formulas(
    app, client, course, create_user, auth
):
    path = signup_path(course)
    submit(
        client,
        path,
        first_name='=HYPERLINK("http://evil.example")',
        last_name="+SUM(A1)",
        organisation="@kommun",
        work_phone="-123",
        dietary=["other"],
        dietary_other="-laktos",
    )
    submit(client, path, email="b@exempel.se", first_name="\tTab")
    submit(client, path, email="c@exempel.se")
    create_user("personal@winlas.se", role="marketer")
    auth.login("personal@winlas.se")
    response = client.get("/utbildningar/grundkurs/deltagare.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    header, first = rows[0], rows[1]
    assert header[:4] == ["session", "status", "waitlist_position", "first_name"]
    cells = dict(zip(header, first, strict=True))
    assert cells["first_name"] == '\'=HYPERLINK("http://evil.example")'
    assert cells["last_name"] == "'+SUM(A1)"
    assert cells["organisation"] == "'@kommun"
    assert cells["work_phone"] == "'-123"
    assert cells["dietary_other"] == "'-laktos"
    assert cells["email"] == "anna.berg@exempel.se"
    # statuses and diets in the participants page's words (issue 17)
    assert [row[1] for row in rows[1:]] == ["Bekräftad", "Bekräftad", "Väntelista"]
    assert cells["dietary"] == "Annat"
    assert rows[3][2] == "1"


# --- logged-in customer contacts --------------------------------------------------------------


def test_a_logged_in_customer_is_prefilled_and_sees_the_signup_in_the_account_list(
    app, client, course, create_user, auth
):
    from winlas_site.auth.models import Organisation

    with app.app_context():
        organisation = Organisation.create(name="Exempelkommun, kultur", customer_number="K-9")
    user = create_user("karin@exempelkommun.se", first_name="Karin", organisation=organisation)
    auth.login("karin@exempelkommun.se")
    path = signup_path(course)
    page = client.get(path)
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'value="Karin"' in html and 'value="Person"' in html
    assert 'value="karin@exempelkommun.se"' in html
    assert 'value="Exempelkommun, kultur"' in html
    response = client.post(
        path,
        data={
            **hidden_fields(html),
            **valid(
                first_name="Karin",
                last_name="Person",
                email="karin@exempelkommun.se",
                organisation="Exempelkommun, kultur",
            ),
        },
    )
    assert response.status_code == 303
    [registration] = registrations(app)
    assert registration.user_id == user.id
    # a colleague signed up by the same account is not linked to it
    submit(client, signup_path(course, 1), email="kollega@exempelkommun.se")
    with app.app_context():
        user = type(user).get_by_id(user.id)
        mine = list(Registration.for_user(user))
        assert [r.id for r in mine] == [registration.id]
        assert [r.id for r in Registration.for_email("KARIN@exempelkommun.se ")] == [
            registration.id
        ]
    with app.test_request_context():
        rendered = render_template("courses/_my_registrations.html", registrations=mine)
    assert "Kursen grundkurs" in rendered and "Bekräftad plats" in rendered
    assert "/utbildningar/avboka/" in rendered


def test_the_account_list_says_so_when_there_are_no_signups(app):
    with app.test_request_context():
        rendered = render_template("courses/_my_registrations.html", registrations=[])
    assert "Du har inga kursanmälningar" in rendered


def test_registrations_declare_their_personal_data():
    assert {"dietary_choices", "dietary_other", "course_session"} <= set(Registration.PERSONAL_DATA)
    assert "slot" in RegistrationSeminar.PERSONAL_DATA


# --- the answer reveals nothing (issue 10) -----------------------------------------------------


def test_a_full_course_answers_every_address_alike_whatever_its_state(
    smtp_server, app, client, course
):  # noqa: F811
    """Before: a new address got "väntelistan, nummer 2", one signed up before "Tack, du har en
    plats". Now the POST, the redirect and the page are the same for a new address, a confirmed
    one, a waitlisted one, on a full session and on one with places; the email tells which."""
    path = signup_path(course)
    answers = []

    def answer(email):
        visitor = app.test_client()
        response = submit(visitor, path, email=email)
        page = visitor.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"], neutral(page)))

    answer("plats1@exempel.se")  # a place, places still free
    answer("plats2@exempel.se")  # the last place
    answer("ko1@exempel.se")  # full: the waitlist, number 1
    answer("ko2@exempel.se")  # number 2
    answer("plats1@exempel.se")  # signed up before, confirmed
    answer("ko1@exempel.se")  # signed up before, waitlisted
    assert all(one == answers[0] for one in answers), "the answer depends on the address"
    assert answers[0][0] == 303
    assert "Tack för din anmälan" in answers[0][2][1]
    for text in ("Tack, du har en plats", "väntelistan, nummer", "Du står på väntelistan"):
        assert text not in answers[0][2][1]
    assert [(r.status, r.position) for r in registrations(app)] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    # the owner of each address learns the details by email
    [ko2] = mails_to(smtp_server, "ko2@exempel.se")
    assert "Du är nummer 2 i kön" in text_of(ko2)
    reminder = mails_to(smtp_server, "ko1@exempel.se")[-1]
    assert "redan anmäld" in reminder["Subject"] and "nummer 1" in text_of(reminder)


def test_a_full_seminar_is_refused_alike_for_a_new_address_and_one_signed_up_before(app, course):
    """The seminar check comes before the "signed up before" check, so both get the form back."""
    session = course[1][1]
    [slot] = add_slots(app, session, [(10, [("Fullt pass", 1)])])
    path = signup_path(course, 1)
    field = "seminar_1"
    first = submit(app.test_client(), path, email="forst@exempel.se", **{field: str(slot.id)})
    assert first.status_code == 303
    again = submit(app.test_client(), path, email="forst@exempel.se", **{field: str(slot.id)})
    new = submit(app.test_client(), path, email="ny@exempel.se", **{field: str(slot.id)})
    assert again.status_code == new.status_code == 400
    for response in (again, new):
        assert "Seminariet blev fullt" in response.get_data(as_text=True)
    # the refused form carries a fresh fill token: another choice is accepted at once
    visitor = app.test_client()
    refused = submit(visitor, path, email="tredje@exempel.se", **{field: str(slot.id)})
    data = {**hidden_fields(refused.get_data(as_text=True)), **valid(email="tredje@exempel.se")}
    assert visitor.post(path, data={**data, field: ""}).status_code == 303
