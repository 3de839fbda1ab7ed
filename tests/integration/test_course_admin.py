"""Course administration over HTTP: staff create and change sessions, add, cancel, move and
promote participants and write to them; the reminder with the programme. Real CSRF tokens, a
real SMTP server, both backends."""

from __future__ import annotations

import datetime
import logging

import icalendar
import pytest

from tests.conftest import csrf_from, log_in
from tests.integration.test_course_signup import add_course, mails_to, submit, text_of
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.courses.cli import group as courses_group
from winlas_site.courses.models import (
    Course,
    CourseSession,
    Participant,
    Registration,
    SeminarSlot,
)
from winlas_site.courses.reminders import send_reminders
from winlas_site.mail import OutboxMessage

STAFF = "kursansvarig@winlas.se"
ADMIN = "/personal/utbildningar"


@pytest.fixture
def staff(client, login_as):
    login_as(STAFF, "staff")
    return client


def session_values(**fields) -> dict:
    start = (datetime.datetime.now() + datetime.timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    data = {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": start.replace(hour=16).strftime("%Y-%m-%dT%H:%M"),
        "place_sv": "Göteborg, Stadsbiblioteket",
        "place_en": "Gothenburg, City Library",
        "capacity": "2",
        "price_sek": "",
        "dietary_options": ["vegetarian", "other"],
        "signup_open": "y",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def post_form(client, page_url: str, data: dict, action: str | None = None):
    """GET the page for its CSRF token, then POST ``data`` to ``action`` (default: the page)."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    token = csrf_from(page.get_data(as_text=True))
    return client.post(action or page_url, data={"csrf_token": token, **data})


def post_action(client, session_id: int, action: str, data: dict | None = None):
    """A row button of the session page (cancel, promote, move, open/close)."""
    return post_form(client, f"{ADMIN}/tillfallen/{session_id}", data or {}, action)


def sign_up(app, session, email, first_name="Anna", language="sv"):
    with app.test_request_context():
        return Registration.sign_up(
            session,
            Participant(email, first_name, "Berg", "Exempelkommun"),
            language=language,
        )


def fresh(model, row):
    return model.get_by_id(row.id)


def ics_of(message) -> icalendar.Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content())


# --- sessions ---------------------------------------------------------------------------------


def test_staff_create_a_session_and_the_public_form_offers_its_dietary_choices(app, staff):
    course, _sessions = add_course(app, sessions=())
    page = staff.get(f"{ADMIN}/{course.slug}/nytt-tillfalle")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'for="starts_at"' in html and 'for="capacity"' in html
    response = post_form(staff, f"{ADMIN}/{course.slug}/nytt-tillfalle", session_values())
    assert response.status_code == 303
    with app.app_context():
        [session] = CourseSession.select().where(CourseSession.course == course)
    assert session.capacity == 2 and session.signup_open and not session.online
    assert session.place_en == "Gothenburg, City Library"
    assert session.starts_at.hour == 9 and session.ends_at.hour == 16
    assert session.dietary_options == "vegetarian,other" and session.price_sek is None
    assert response.headers["Location"] == f"{ADMIN}/tillfallen/{session.id}"
    form = staff.get(f"/utbildningar/{course.slug}/anmalan/{session.id}").get_data(as_text=True)
    assert 'value="vegetarian"' in form and 'value="other"' in form
    assert 'value="gluten"' not in form and 'value="vegan"' not in form
    overview = staff.get(ADMIN).get_data(as_text=True)
    assert "0 av 2" in overview and "Öppen" in overview


def test_a_session_without_dietary_choices_asks_nothing_about_food(app, staff, smtp_server):  # noqa: F811
    course, _sessions = add_course(app, sessions=())
    post_form(
        staff,
        f"{ADMIN}/{course.slug}/nytt-tillfalle",
        session_values(dietary_options=None, price_sek="1200"),
    )
    with app.app_context():
        session = CourseSession.get(CourseSession.course == course)
    assert session.dietary_options == "" and session.price == 1200
    path = f"/utbildningar/{course.slug}/anmalan/{session.id}"
    assert 'name="dietary' not in staff.get(path).get_data(as_text=True)
    # a forged dietary value is ignored, nothing is stored
    submit(staff, path, dietary=["vegan"], dietary_other=None)
    [registration] = Registration.select()
    assert registration.dietary_choices == ""


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"ends_at": "2020-01-01T10:00"}, "ends_at"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "-3"}, "capacity"),
        ({"capacity": "många"}, "capacity"),
        ({"capacity": "99999999999999999999999"}, "capacity"),
        ({"starts_at": "2026-13-45T10:00"}, "starts_at"),
        ({"starts_at": "20266-01-01T10:00"}, "starts_at"),
        ({"starts_at": "0202-01-01T10:00"}, "starts_at"),
        ({"starts_at": ""}, "starts_at"),
        ({"starts_at": "2001-01-01T10:00", "ends_at": "2001-01-01T12:00"}, "starts_at"),
        ({"place_sv": "Kontoret\x00"}, "place_sv"),
        ({"place_sv": "x" * 201}, "place_sv"),
        ({"price_sek": "-1"}, "price_sek"),
        ({"dietary_options": ["caviar"]}, "dietary_options"),
    ],
)
def test_bad_session_fields_are_a_400_next_to_the_field(app, staff, fields, field):
    course, _sessions = add_course(app, sessions=())
    response = post_form(staff, f"{ADMIN}/{course.slug}/nytt-tillfalle", session_values(**fields))
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert CourseSession.select().count() == 0


@pytest.mark.parametrize(
    "path",
    [
        f"{ADMIN}/tillfallen/987654",
        f"{ADMIN}/tillfallen/99999999999",
        f"{ADMIN}/tillfallen/abc",
        f"{ADMIN}/tillfallen/-1",
        f"{ADMIN}/tillfallen/987654/andra",
        f"{ADMIN}/tillfallen/987654/mejl",
        f"{ADMIN}/tillfallen/987654/ny-deltagare",
        f"{ADMIN}/tillfallen/987654/nytt-seminarium",
        f"{ADMIN}/seminarier/987654",
        f"{ADMIN}/finns-inte/nytt-tillfalle",
    ],
)
def test_unknown_ids_are_404(app, staff, path):
    assert staff.get(path).status_code == 404


def test_unknown_registrations_are_404_on_post(app, staff):
    _course, [session] = add_course(app)
    for action in ("avboka", "bekrafta", "flytta"):
        url = f"{ADMIN}/anmalningar/987654/{action}"
        assert post_action(staff, session.id, url).status_code == 404


def test_a_post_without_csrf_is_400_and_changes_nothing(app, staff):
    _course, [session] = add_course(app)
    registration = sign_up(app, session, "anna@exempel.se")
    for url in (
        f"{ADMIN}/tillfallen/{session.id}/stang",
        f"{ADMIN}/anmalningar/{registration.id}/avboka",
        f"{ADMIN}/anmalningar/{registration.id}/bekrafta",
    ):
        assert staff.post(url).status_code == 400
    assert fresh(CourseSession, session).signup_open
    assert fresh(Registration, registration).status == "confirmed"


def test_staff_close_and_reopen_the_signup(app, staff):
    course, [session] = add_course(app)
    signup = f"/utbildningar/{course.slug}/anmalan/{session.id}"
    response = post_action(staff, session.id, f"{ADMIN}/tillfallen/{session.id}/stang")
    assert response.status_code == 303
    assert not fresh(CourseSession, session).signup_open
    assert staff.get(signup).status_code == 410
    assert "Anmälan stängd" in staff.get(f"/utbildningar/{course.slug}").get_data(as_text=True)
    # staff still take a sign-up by phone while the form is closed
    add = post_form(
        staff,
        f"{ADMIN}/tillfallen/{session.id}/ny-deltagare",
        {
            "first_name": "Per",
            "last_name": "Telefon",
            "email": "per@exempel.se",
            "organisation": "Exempelkommun",
            "language": "sv",
        },
    )
    assert add.status_code == 303
    post_action(staff, session.id, f"{ADMIN}/tillfallen/{session.id}/oppna")
    assert fresh(CourseSession, session).signup_open
    assert staff.get(signup).status_code == 200


def test_lowering_the_capacity_below_the_confirmed_is_refused(app, staff):
    _course, [session] = add_course(app, sessions=((20, 3),))
    for n in range(3):
        sign_up(app, session, f"person{n}@exempel.se")
    edit = f"{ADMIN}/tillfallen/{session.id}/andra"
    values = session_values(
        starts_at=session.starts_at.strftime("%Y-%m-%dT%H:%M"),
        ends_at=session.ends_at.strftime("%Y-%m-%dT%H:%M"),
        capacity="2",
    )
    response = post_form(staff, edit, values)
    assert response.status_code == 400
    assert "3 deltagare har redan bekräftade platser" in response.get_data(as_text=True)
    assert fresh(CourseSession, session).capacity == 3
    assert Registration.select().where(Registration.status == "confirmed").count() == 3


def test_raising_the_capacity_promotes_from_the_waitlist_with_an_email(
    smtp_server,  # noqa: F811
    app,
    staff,
):
    _course, [session] = add_course(app, sessions=((20, 1),))
    sign_up(app, session, "forst@exempel.se")
    waiting = sign_up(app, session, "vantar@exempel.se")
    assert waiting.status == "waitlisted"
    values = session_values(
        starts_at=session.starts_at.strftime("%Y-%m-%dT%H:%M"),
        ends_at=session.ends_at.strftime("%Y-%m-%dT%H:%M"),
        capacity="2",
    )
    assert post_form(staff, f"{ADMIN}/tillfallen/{session.id}/andra", values).status_code == 303
    assert fresh(Registration, waiting).status == "confirmed"
    [mail] = mails_to(smtp_server, "vantar@exempel.se")
    assert "fått en plats" in mail["Subject"]
    assert ics_of(mail).walk("VEVENT")[0]["UID"].startswith(f"registration-{waiting.id}-")


def test_a_new_start_time_resets_the_reminder(app, staff):
    _course, [session] = add_course(app)
    registration = sign_up(app, session, "anna@exempel.se")
    Registration.update(reminded_at=datetime.datetime(2026, 1, 1)).execute()
    later = session.starts_at + datetime.timedelta(days=1)
    values = session_values(
        starts_at=later.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(later + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        capacity="16",
    )
    assert post_form(staff, f"{ADMIN}/tillfallen/{session.id}/andra", values).status_code == 303
    assert fresh(Registration, registration).reminded_at is None


def test_seminar_slots_are_created_edited_and_refused_outside_the_session(app, staff):
    _course, [session] = add_course(app)
    new = f"{ADMIN}/tillfallen/{session.id}/nytt-seminarium"
    start = (session.starts_at + datetime.timedelta(hours=2)).replace(second=0)
    outside = (session.starts_at - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    refused = post_form(staff, new, {"title_sv": "Fjärrlån", "starts_at": outside})
    assert refused.status_code == 400 and 'id="starts_at-error"' in refused.get_data(as_text=True)
    made = post_form(
        staff,
        new,
        {"title_sv": "Fjärrlån", "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "capacity": "5"},
    )
    assert made.status_code == 303
    slot = SeminarSlot.get()
    assert (slot.title_sv, slot.capacity, slot.starts_at) == ("Fjärrlån", 5, start)
    edit = f"{ADMIN}/seminarier/{slot.id}"
    changed = post_form(
        staff,
        edit,
        {"title_sv": "Fjärrlån i praktiken", "starts_at": start.strftime("%Y-%m-%dT%H:%M")},
    )
    assert changed.status_code == 303
    assert fresh(SeminarSlot, slot).title_sv == "Fjärrlån i praktiken"
    assert fresh(SeminarSlot, slot).capacity is None
    removed = post_form(staff, edit, {}, f"{ADMIN}/seminarier/{slot.id}/ta-bort")
    assert removed.status_code == 303 and SeminarSlot.select().count() == 0


# --- participants -----------------------------------------------------------------------------


def participant(**fields) -> dict:
    data = {
        "first_name": "Per",
        "last_name": "Telefon",
        "email": "Per.Telefon@Exempel.se",
        "organisation": "Exempelkommun",
        "work_phone": "08-1234",
        "dietary": ["gluten"],
        "language": "en",
    }
    data.update(fields)
    return data


def test_staff_add_a_participant_by_hand_with_capacity_and_waitlist(
    smtp_server,  # noqa: F811
    app,
    staff,
    caplog,
):
    _course, [session] = add_course(app, sessions=((20, 1),))
    add = f"{ADMIN}/tillfallen/{session.id}/ny-deltagare"
    page = staff.get(add).get_data(as_text=True)
    assert 'for="email"' in page and 'for="language-0"' in page
    with caplog.at_level(logging.INFO, logger="winlas.courses"):
        assert post_form(staff, add, participant()).status_code == 303
    assert post_form(staff, add, participant(email="andra@exempel.se")).status_code == 303
    first, second = Registration.select().order_by(Registration.id)
    assert (first.status, first.language, first.dietary_choices) == ("confirmed", "en", "gluten")
    assert first.contact.email == "per.telefon@exempel.se"
    assert second.status == "waitlisted" and second.position == 1
    [confirmation] = mails_to(smtp_server, "per.telefon@exempel.se")
    assert confirmation["Subject"].startswith("Confirmation")
    assert mails_to(smtp_server, "andra@exempel.se")
    assert any(
        "action=participant_add" in record.getMessage()
        and f"registration={first.id}" in record.getMessage()
        and "per.telefon" not in record.getMessage()
        for record in caplog.records
    )
    again = post_form(staff, add, participant())
    assert again.status_code == 400
    assert "redan anmäld" in again.get_data(as_text=True)
    bad = post_form(staff, add, participant(email="inte-en-adress", language="fi"))
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="language-error"' in html
    assert Registration.select().count() == 2


def test_staff_cancel_a_participant_and_the_waitlist_moves_up(smtp_server, app, staff):  # noqa: F811
    _course, [session] = add_course(app, sessions=((20, 1),))
    placed = sign_up(app, session, "plats@exempel.se")
    waiting = sign_up(app, session, "vantar@exempel.se")
    url = f"{ADMIN}/anmalningar/{placed.id}/avboka"
    assert post_action(staff, session.id, url).status_code == 303
    assert fresh(Registration, placed).status == "cancelled"
    assert fresh(Registration, waiting).status == "confirmed"
    [cancelled] = mails_to(smtp_server, "plats@exempel.se")
    assert ics_of(cancelled)["METHOD"] == "CANCEL"
    [promoted] = mails_to(smtp_server, "vantar@exempel.se")
    assert ics_of(promoted)["METHOD"] == "PUBLISH"
    page = staff.get(f"{ADMIN}/tillfallen/{session.id}").get_data(as_text=True)
    assert "Avbokad" in page and "1 bekräftade av 1 platser, 0 på väntelistan" in page


def test_staff_move_a_participant_to_another_session(smtp_server, app, staff):  # noqa: F811
    _course, [here, there] = add_course(app, sessions=((20, 1), (40, 1)))
    mover = sign_up(app, here, "flyttar@exempel.se", language="en")
    waiting = sign_up(app, here, "vantar@exempel.se")
    page = staff.get(f"{ADMIN}/tillfallen/{here.id}").get_data(as_text=True)
    assert f'<label for="move-{mover.id}">' in page
    url = f"{ADMIN}/anmalningar/{mover.id}/flytta"
    assert post_action(staff, here.id, url, {"target": str(there.id)}).status_code == 303
    assert fresh(Registration, mover).status == "cancelled"
    moved = Registration.get(
        (Registration.course_session == there) & (Registration.contact == mover.contact_id)
    )
    assert moved.status == "confirmed" and moved.language == "en"
    assert fresh(Registration, waiting).status == "confirmed"
    [confirmation] = mails_to(smtp_server, "flyttar@exempel.se")
    event = ics_of(confirmation).walk("VEVENT")[0]
    assert event["DTSTART"].dt.replace(tzinfo=None) == there.starts_at
    # the other session is now full: a second move lands on its waitlist
    other = sign_up(app, here, "tredje@exempel.se")
    url = f"{ADMIN}/anmalningar/{other.id}/flytta"
    assert post_action(staff, here.id, url, {"target": str(there.id)}).status_code == 303
    assert (
        Registration.get(
            (Registration.course_session == there) & (Registration.contact == other.contact_id)
        ).status
        == "waitlisted"
    )


def test_a_move_to_a_bad_target_is_refused(app, staff):
    course, [here, there] = add_course(app, sessions=((20, 2), (40, 2)))
    _other_course, [elsewhere] = add_course(app, slug="annan")
    mover = sign_up(app, here, "flyttar@exempel.se")
    sign_up(app, there, "flyttar@exempel.se")
    url = f"{ADMIN}/anmalningar/{mover.id}/flytta"
    for target in (str(elsewhere.id), str(here.id), "abc", "", "99999999999"):
        assert post_action(staff, here.id, url, {"target": target}).status_code == 400
    taken = post_action(staff, here.id, url, {"target": str(there.id)})
    assert taken.status_code == 409
    assert "redan anmäld" in taken.get_data(as_text=True)
    assert fresh(Registration, mover).status == "confirmed"


def test_staff_promote_by_hand_a_free_place_or_an_extra_one(smtp_server, app, staff):  # noqa: F811
    _course, [session] = add_course(app, sessions=((20, 1),))
    sign_up(app, session, "plats@exempel.se")
    first = sign_up(app, session, "forst@exempel.se")
    second = sign_up(app, session, "andra@exempel.se")
    # a full session: refused without the "extra place" box
    url = f"{ADMIN}/anmalningar/{second.id}/bekrafta"
    refused = post_action(staff, session.id, url)
    assert refused.status_code == 409 and "extra plats" in refused.get_data(as_text=True)
    assert fresh(Registration, second).status == "waitlisted"
    # with it: the capacity grows by one and the chosen person (not the first) gets the place
    assert post_action(staff, session.id, url, {"extra_place": "y"}).status_code == 303
    assert fresh(Registration, second).status == "confirmed"
    assert fresh(Registration, first).status == "waitlisted"
    assert fresh(CourseSession, session).capacity == 2
    [promoted] = mails_to(smtp_server, "andra@exempel.se")
    assert ics_of(promoted).walk("VEVENT")
    # a free place (here made behind the form's back) is given without the box
    CourseSession.update(capacity=3).where(CourseSession.id == session.id).execute()
    url = f"{ADMIN}/anmalningar/{first.id}/bekrafta"
    assert post_action(staff, session.id, url).status_code == 303
    assert fresh(Registration, first).status == "confirmed"
    # promoting someone who is not waiting changes nothing
    assert post_action(staff, session.id, url).status_code == 409


def test_actions_on_a_started_session_are_refused(app, staff):
    _course, [session] = add_course(app)
    registration = sign_up(app, session, "anna@exempel.se")
    CourseSession.update(starts_at=datetime.datetime.now() - datetime.timedelta(hours=1)).where(
        CourseSession.id == session.id
    ).execute()
    url = f"{ADMIN}/anmalningar/{registration.id}/avboka"
    assert post_action(staff, session.id, url).status_code == 409
    assert fresh(Registration, registration).status == "confirmed"


# --- email to all participants ------------------------------------------------------------------


def test_staff_email_the_participants_each_in_their_language(smtp_server, app, staff, caplog):  # noqa: F811
    _course, [session] = add_course(app, sessions=((20, 2),))
    sign_up(app, session, "svensk@exempel.se", first_name="Sven")
    english = sign_up(app, session, "english@example.com", first_name="Emma", language="en")
    sign_up(app, session, "vantar@exempel.se")
    smtp_server.messages.clear()
    form = f"{ADMIN}/tillfallen/{session.id}/mejl"
    message = {
        "recipients": "confirmed",
        "subject_sv": "Ändrad lokal",
        "body_sv": "Vi ses i sal B.\n\nVälkomna!",
        "subject_en": "New room",
        "body_en": "See you in room B.",
    }
    with caplog.at_level(logging.INFO, logger="winlas.courses"):
        assert post_form(staff, form, message).status_code == 303
    assert len(smtp_server.messages) == 2
    [sv] = mails_to(smtp_server, "svensk@exempel.se")
    [en] = mails_to(smtp_server, "english@example.com")
    assert sv["Subject"] == "Ändrad lokal" and "Vi ses i sal B." in text_of(sv)
    assert en["Subject"] == "New room" and "See you in room B." in text_of(en)
    assert en["Content-Language"] == "en" and "Emma" in text_of(en)
    assert ics_of(en).walk("VEVENT")[0]["SUMMARY"] == "The course grundkurs"
    assert ics_of(sv).walk("VEVENT")[0]["SUMMARY"] == "Kursen grundkurs"
    assert "/utbildningar/avboka/" in text_of(sv)
    assert OutboxMessage.for_related(f"registration:{english.id}").count() == 1
    assert any("action=email_participants" in r.getMessage() for r in caplog.records)


def test_without_english_text_everyone_gets_the_swedish_and_the_waitlist_when_chosen(
    smtp_server,  # noqa: F811
    app,
    staff,
):
    _course, [session] = add_course(app, sessions=((20, 1),))
    sign_up(app, session, "english@example.com", language="en")
    sign_up(app, session, "vantar@exempel.se")
    smtp_server.messages.clear()
    message = {"recipients": "active", "subject_sv": "Parkering", "body_sv": "Parkera på baksidan."}
    assert post_form(staff, f"{ADMIN}/tillfallen/{session.id}/mejl", message).status_code == 303
    [en] = mails_to(smtp_server, "english@example.com")
    [waiting] = mails_to(smtp_server, "vantar@exempel.se")
    assert en["Subject"] == "Parkering" and en["Content-Language"] == "sv"
    assert waiting["Subject"] == "Parkering"
    # the waitlist gets the message but no calendar entry: they have no place yet
    assert not [p for p in waiting.iter_attachments()]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"subject_sv": ""}, "subject_sv"),
        ({"body_sv": ""}, "body_sv"),
        ({"subject_en": "Only a subject"}, "body_en"),
        ({"recipients": "everyone"}, "recipients"),
        ({"subject_sv": "Rad\nbrytning"}, "subject_sv"),
    ],
)
def test_a_bad_email_form_is_a_400_and_sends_nothing(smtp_server, app, staff, fields, field):  # noqa: F811
    _course, [session] = add_course(app)
    sign_up(app, session, "anna@exempel.se")
    smtp_server.messages.clear()
    message = {"recipients": "confirmed", "subject_sv": "Hej", "body_sv": "Text.", **fields}
    response = post_form(staff, f"{ADMIN}/tillfallen/{session.id}/mejl", message)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert smtp_server.messages == []


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "customer", "marketer"])
def test_only_staff_may_use_course_administration(app, client, create_user, role):
    course, [session] = add_course(app)
    registration = sign_up(app, session, "anna@exempel.se")
    if role != "anonymous":
        create_user(f"{role}@winlas.se", role=role)
        assert log_in(client, f"{role}@winlas.se").status_code == 302
    posts = [
        f"{ADMIN}/{course.slug}/nytt-tillfalle",
        f"{ADMIN}/tillfallen/{session.id}/andra",
        f"{ADMIN}/tillfallen/{session.id}/stang",
        f"{ADMIN}/tillfallen/{session.id}/mejl",
        f"{ADMIN}/tillfallen/{session.id}/ny-deltagare",
        f"{ADMIN}/anmalningar/{registration.id}/avboka",
        f"{ADMIN}/anmalningar/{registration.id}/bekrafta",
        f"{ADMIN}/anmalningar/{registration.id}/flytta",
    ]
    for url in [ADMIN, *posts]:
        response = client.get(url) if url == ADMIN else client.post(url, data=session_values())
        if role == "anonymous":
            assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
        else:
            assert response.status_code == 403, url
    assert fresh(Registration, registration).status == "confirmed"
    assert fresh(CourseSession, session).signup_open
    assert CourseSession.select().count() == 1


# --- the reminder with the programme -----------------------------------------------------------


def test_reminders_go_once_to_confirmed_participants_of_sessions_in_the_window(
    smtp_server,  # noqa: F811
    app,
):
    _course, [soon, later] = add_course(app, sessions=((2, 1), (10, 5)))
    with app.app_context():
        started = CourseSession.create(
            course=Course.get(),
            starts_at=datetime.datetime.now() - datetime.timedelta(hours=1),
            ends_at=datetime.datetime.now() + datetime.timedelta(hours=5),
            place_sv="Kontoret",
        )
        with app.test_request_context():
            Registration.create(
                course_session=started,
                contact=sign_up(app, later, "startad@exempel.se").contact,
            )
    placed = sign_up(app, soon, "plats@exempel.se")
    sign_up(app, soon, "vantar@exempel.se")  # waitlisted: no reminder
    cancelled = sign_up(app, later, "avbokad@exempel.se")
    with app.app_context():
        cancelled.cancel()
    smtp_server.messages.clear()
    with app.app_context():
        assert send_reminders() == 1
        assert send_reminders() == 0
    [mail] = smtp_server.messages
    assert mail["To"] == "plats@exempel.se"
    assert mail["Subject"] == "Snart dags: Kursen grundkurs"
    text = text_of(mail)
    assert "/utbildningar/grundkurs" in text and "/utbildningar/avboka/" in text
    assert ics_of(mail).walk("VEVENT")[0]["UID"].startswith(f"registration-{placed.id}-")
    assert fresh(Registration, placed).reminded_at is not None


def test_the_reminder_lists_the_chosen_seminars_and_the_command_sends_it(
    smtp_server,  # noqa: F811
    app,
    runner,
):
    _course, [session] = add_course(app, sessions=((1, 5),))
    with app.app_context():
        slot = SeminarSlot.create(
            course_session=session, title_sv="Läsfrämjande", starts_at=session.starts_at
        )
        with app.test_request_context():
            Registration.sign_up(
                session,
                Participant("anna@exempel.se", "Anna", "Berg", "Exempelkommun"),
                slots=[slot],
            )
    smtp_server.messages.clear()
    result = runner.invoke(courses_group, ["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "queued 1 reminder(s)" in result.output
    [mail] = smtp_server.messages
    assert "Läsfrämjande" in text_of(mail)
    assert runner.invoke(courses_group, ["send-reminders"]).output.startswith("queued 0")


def test_the_reminder_window_follows_the_setting(smtp_server, app_config):  # noqa: F811
    from winlas_site import create_app

    app_config["WINLAS_COURSE_REMINDER_DAYS"] = 12
    app = create_app(app_config)
    add_course(app, sessions=((10, 5),))
    with app.app_context():
        sign_up(app, CourseSession.get(), "anna@exempel.se")
        smtp_server.messages.clear()
        assert send_reminders() == 1


def test_the_reminder_task_is_known_to_the_worker():
    from winlas_site import worker
    from winlas_site.courses import reminders

    assert reminders in worker.TASK_MODULES
