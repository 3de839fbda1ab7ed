"""The CRM's working tools: sorting, search by phone and message, links, status from the list,
the timeline, follow-ups (the due view and the emails), leads taken by phone, merging contacts
and the contact's real course sign-ups on the lead page."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine

from tests.conftest import csrf_from, log_in
from tests.mailserver import smtp_server  # noqa: F401
from winlas_site.account import data as person_data
from winlas_site.auth.models import Organisation, User
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.crm import merge as merging
from winlas_site.crm import notify, tasks
from winlas_site.leads.models import Contact, Lead, LeadEvent, submit_inquiry
from winlas_site.newsletter.models import Subscription

LEAD_LINK = re.compile(r'<td><a href="/crm/leads/(\d+)">')


@pytest.fixture
def staff(create_user, auth):
    user = create_user("salj@winlas.se", role="staff", first_name="Sara")
    auth.login("salj@winlas.se")
    return user


def add_lead(app, n=0, kind="question", message=None, **contact):
    with app.app_context():
        fields = {
            "email": f"person{n}@exempel.se",
            "first_name": f"Person{n}",
            "last_name": "Test",
            "organisation_name": "Exempelkommun",
            **contact,
        }
        lead, _created = submit_inquiry(
            kind, f"sub-{n}", fields, {"message": message or f"Fråga {n}"}
        )
        return lead


def ids_in(html: str) -> list[int]:
    return [int(i) for i in LEAD_LINK.findall(html)]


# -- the list: sorting ------------------------------------------------------------------------

SORT_ROWS = [
    # n, kind, last name, organisation, status, owner (index into owners or None), follow-up,
    # days ago
    (1, "demo", "Ek", "Borås stad", "vunnen", 0, datetime.date(2026, 5, 3), 3),
    (2, "question", "Berg", "Alingsås", "ny", None, None, 1),
    (3, "quote", "Dahl", "Cederby", "kontaktad", 1, datetime.date(2026, 5, 1), 2),
]


@pytest.fixture
def sortable(app, staff, create_user):
    owners = [
        staff,
        create_user("anders@winlas.se", role="staff", first_name="Anders"),
    ]
    ids = {}
    with app.app_context():
        for n, kind, last, org, status, owner, follow_up, days in SORT_ROWS:
            lead = add_lead(app, n, kind=kind, last_name=last, organisation_name=org)
            Lead.update(
                status=status,
                owner=owners[owner].id if owner is not None else None,
                follow_up_on=follow_up,
                created_at=datetime.datetime(2026, 4, 20, 12) - datetime.timedelta(days=days),
            ).where(Lead.id == lead.id).execute()
            ids[n] = lead.id
    return ids


# expected orders of the rows by n: (ascending, descending); empty values last both ways
EXPECTED = {
    "inkom": ([1, 3, 2], [2, 3, 1]),
    "typ": ([2, 3, 1], [1, 3, 2]),  # Fråga, Offert, Visning
    "namn": ([2, 3, 1], [1, 3, 2]),
    "organisation": ([2, 1, 3], [3, 1, 2]),
    "status": ([2, 3, 1], [1, 3, 2]),  # the pipeline's order
    "ansvarig": ([3, 1, 2], [1, 3, 2]),  # Anders, Sara, nobody
    "uppfoljning": ([3, 1, 2], [1, 3, 2]),
}


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("column", list(EXPECTED))
def test_the_list_sorts_by_every_column_both_ways(client, sortable, column, order):
    response = client.get(f"/crm/?sortera={column}&ordning={order}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    want = EXPECTED[column][0 if order == "asc" else 1]
    assert ids_in(html) == [sortable[n] for n in want]
    # the header of the sorted column says so; a click on it turns the order round
    other = "desc" if order == "asc" else "asc"
    header = re.search(r"<th scope=\"col\" aria-sort=\"(\w+)\">\s*<a href=\"([^\"]+)\"", html)
    assert header.group(1) == ("ascending" if order == "asc" else "descending")
    assert f"sortera={column}" in header.group(2) and f"ordning={other}" in header.group(2)
    assert html.count("aria-sort=") == 1


def test_the_default_is_newest_first_and_the_csv_has_the_lists_rows(client, sortable):
    assert ids_in(client.get("/crm/").get_data(as_text=True)) == [
        sortable[2],
        sortable[3],
        sortable[1],
    ]
    listed = ids_in(client.get("/crm/?sortera=namn&ordning=desc&status=").get_data(as_text=True))
    csv = client.get("/crm/leads.csv?sortera=namn&ordning=desc").get_data(as_text=True)
    assert [int(line.split(";")[0]) for line in csv.splitlines()[1:]] == listed
    filtered = client.get("/crm/leads.csv?sortera=inkom&ordning=asc&typ=quote")
    rows = filtered.get_data(as_text=True).splitlines()[1:]
    assert [int(line.split(";")[0]) for line in rows] == [sortable[3]]


def test_pagination_keeps_the_filters_and_the_sort(app, client, staff):
    for n in range(30):
        add_lead(app, n, last_name=f"Namn{n:02d}")
    html = client.get("/crm/?sortera=namn&ordning=asc&q=Namn").get_data(as_text=True)
    assert "Sida 1 av 2" in html
    nxt = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "sortera=namn" in nxt and "ordning=asc" in nxt and "q=Namn" in nxt
    second = client.get(nxt).get_data(as_text=True)
    assert "Namn25" in second and "Namn04" not in second
    assert 'href="/crm/leads.csv?' in html and "sortera=namn" in html.split("leads.csv?")[1][:80]


@pytest.mark.parametrize(
    "query", ["sortera=pris", "sortera=namn&ordning=upp", "ordning=", "sortera=%00"]
)
def test_an_unknown_sort_is_400(client, staff, query):
    assert client.get(f"/crm/?{query}").status_code == 400
    assert client.get(f"/crm/leads.csv?{query}").status_code == 400


# -- the list: search and links ---------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["0812345678", "08-123 456 78", "+46 8 123 456 78", "08 12 34 56 78", "123 456"]
)
def test_a_search_finds_the_contacts_phone_however_it_is_written(app, client, staff, typed):
    add_lead(app, 1, work_phone="08-123 456 78")
    add_lead(app, 2, work_phone="031-99 88 77")
    html = client.get("/crm/", query_string={"q": typed}).get_data(as_text=True)
    assert "person1@exempel.se" in html and "person2@" not in html


def test_a_search_finds_the_phone_typed_on_the_lead_and_the_message(app, client, staff):
    first = add_lead(app, 1, work_phone="070-111 22 33")
    # the same address sent again anonymously: the contact keeps its number, the lead the new
    second = add_lead(app, 2, email="person1@exempel.se", work_phone="+46 70 999 88 77")
    add_lead(app, 3, message="Vi undrar över fjärrlån och RFID-bågar.")
    found = ids_in(client.get("/crm/", query_string={"q": "0709998877"}).get_data(as_text=True))
    assert found == [second.id]
    found = ids_in(client.get("/crm/", query_string={"q": "rfid-BÅGAR"}).get_data(as_text=True))
    assert len(found) == 1 and found[0] not in (first.id, second.id)


def test_addresses_and_numbers_are_mailto_and_tel_links(app, client, staff):
    lead = add_lead(app, 1, work_phone="08-123 456 78")
    add_lead(app, 2, work_phone="+46 (0)31 99 88")
    html = client.get("/crm/").get_data(as_text=True)
    assert 'href="mailto:person1@exempel.se"' in html
    assert 'href="tel:+46812345678"' in html and ">08-123 456 78</a>" in html
    assert 'href="tel:+4603199' in html  # + and digits only
    page = client.get(f"/crm/leads/{lead.id}").get_data(as_text=True)
    assert 'href="tel:+46812345678"' in page and 'href="mailto:person1@exempel.se"' in page


# -- the list: status from a row --------------------------------------------------------------


def test_staff_change_a_status_from_the_list_and_come_back_to_the_same_list(app, client, staff):
    lead = add_lead(app, 1)
    add_lead(app, 2)
    here = "/crm/?typ=question&sortera=namn&ordning=asc"
    html = client.get(here).get_data(as_text=True)
    assert f'action="/crm/leads/{lead.id}/status"' in html
    assert f'<label for="status-{lead.id}"' in html
    back = re.search(r'name="back" value="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert back == "/crm/?typ=question&sortera=namn&ordning=asc"
    response = client.post(
        f"/crm/leads/{lead.id}/status",
        data={"csrf_token": csrf_from(html), "status": "kontaktad", "back": back},
    )
    assert response.status_code == 303 and response.headers["Location"] == back
    with app.app_context():
        assert Lead.get_by_id(lead.id).status == "kontaktad"
        event = LeadEvent.get(LeadEvent.lead == lead.id)
        assert (event.kind, event.author_id, event.detail) == (
            "status",
            staff.id,
            {"from": "ny", "to": "kontaktad"},
        )
    # a bad status is a 400; a foreign "back" goes to the plain list
    token = csrf_from(html)
    bad = client.post(f"/crm/leads/{lead.id}/status", data={"csrf_token": token, "status": "x"})
    assert bad.status_code == 400
    away = client.post(
        f"/crm/leads/{lead.id}/status",
        data={"csrf_token": token, "status": "vunnen", "back": "https://evil.example/crm/"},
    )
    assert away.status_code == 303 and away.headers["Location"] == "/crm/"
    assert client.post(f"/crm/leads/{lead.id}/status", data={"status": "ny"}).status_code == 400


def test_a_marketer_sees_the_status_as_text_and_may_not_change_it(app, client, login_as):
    lead = add_lead(app, 1)
    login_as("marknad@winlas.se", "marketer")
    html = client.get("/crm/").get_data(as_text=True)
    assert "/status" not in html and 'name="status"' not in html.split("<table")[1]
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert re.search(r"<td>\s*Ny\s*</td>", row)
    token = csrf_from(client.get("/logga-ut").get_data(as_text=True))
    response = client.post(
        f"/crm/leads/{lead.id}/status", data={"csrf_token": token, "status": "vunnen"}
    )
    assert response.status_code == 403
    with app.app_context():
        assert Lead.get_by_id(lead.id).status == "ny" and LeadEvent.select().count() == 0


# -- the timeline -----------------------------------------------------------------------------


def test_every_change_is_on_the_timeline_with_who_and_when_in_swedish_time(
    app, client, staff, create_user, auth
):
    colleague = create_user("anders@winlas.se", role="staff", first_name="Anders")
    lead = add_lead(app, 1)
    with app.app_context():
        organisation = Organisation.create(name="Exempelkommun", customer_number="K-9")
    url = f"/crm/leads/{lead.id}"
    # 10:15 UTC in July is 12:15 in Stockholm (summer time); 09:30 UTC in January is 10:30
    # (the login inside: a session from another time has run out)
    with time_machine.travel(datetime.datetime(2027, 7, 1, 10, 15, tzinfo=datetime.UTC)):
        auth.login("salj@winlas.se")
        token = csrf_from(client.get(url).get_data(as_text=True))
        client.post(
            url,
            data={
                "csrf_token": token,
                "u-status": "kontaktad",
                "u-owner": str(colleague.id),
                "u-organisation": str(organisation.id),
            },
        )
    with time_machine.travel(datetime.datetime(2028, 1, 12, 9, 30, tzinfo=datetime.UTC)):
        auth.login("salj@winlas.se")
        token = csrf_from(client.get(url).get_data(as_text=True))
        client.post(url, data={"csrf_token": token, "n-text": "Ringde, återkommer"})
        client.post(
            url,
            data={
                "csrf_token": token,
                "f-follow_up_on": "2028-01-20",
                "f-follow_up_note": "Skicka offert",
            },
        )
    with app.app_context():
        kinds = [e.kind for e in LeadEvent.select().where(LeadEvent.lead == lead.id)]
        assert sorted(kinds) == ["follow_up", "organisation", "owner", "status"]
        assert {e.author_id for e in LeadEvent.select()} == {staff.id}
        stored = Lead.get_by_id(lead.id)
        assert stored.follow_up_on == datetime.date(2028, 1, 20)
        assert stored.follow_up_note == "Skicka offert"
    auth.login("salj@winlas.se")
    html = client.get(url).get_data(as_text=True)
    timeline = html.split('class="timeline"')[1].split("</ol>")[0]
    assert "Status ändrad från Ny till Kontaktad" in timeline
    assert "Ansvarig ändrad från ingen till Anders Person" in timeline
    assert "Kundorganisation ändrad från ingen till Exempelkommun" in timeline
    assert "Uppföljning satt till 2028-01-20: Skicka offert" in timeline
    assert "Ringde, återkommer" in timeline and "Förfrågan kom in via webbplatsen" in timeline
    assert "2027-07-01 12:15</time> · Sara Person" in timeline
    assert "2028-01-12 10:30</time> · Sara Person" in timeline
    # newest first: the follow-up, the note, the three changes, then the form arriving
    order = [
        timeline.index(text)
        for text in (
            "Uppföljning satt",
            "Ringde, återkommer",
            "Status ändrad",
            "Förfrågan kom in",
        )
    ]
    assert order == sorted(order)
    # the same form sent again unchanged adds nothing
    token = csrf_from(client.get(url).get_data(as_text=True))
    client.post(
        url,
        data={
            "csrf_token": token,
            "u-status": "kontaktad",
            "u-owner": str(colleague.id),
            "u-organisation": str(organisation.id),
        },
    )
    with app.app_context():
        assert LeadEvent.select().count() == 4


def test_a_bad_follow_up_date_is_a_400_shown_at_the_field(app, client, staff):
    lead = add_lead(app, 1)
    url = f"/crm/leads/{lead.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "f-follow_up_on": "31/02/2026"})
    assert response.status_code == 400
    assert 'id="f-follow_up_on-error"' in response.get_data(as_text=True)
    long = client.post(
        url,
        data={"csrf_token": token, "f-follow_up_on": "2026-03-01", "f-follow_up_note": "x" * 501},
    )
    assert long.status_code == 400


# -- follow-ups -------------------------------------------------------------------------------


def _follow_up(app, lead, on, owner):
    with app.app_context():
        Lead.update(follow_up_on=on, owner=owner.id if owner else None).where(
            Lead.id == lead.id
        ).execute()


def test_the_due_view_lists_todays_and_overdue_follow_ups_of_the_user_or_everyone(
    app, client, staff, create_user, auth
):
    other = create_user("anders@winlas.se", role="staff", first_name="Anders")
    today = datetime.date(2027, 7, 2)
    mine_today = add_lead(app, 1, last_name="Idag")
    mine_late = add_lead(app, 2, last_name="Sent")
    mine_later = add_lead(app, 3, last_name="Senare")
    theirs = add_lead(app, 4, last_name="Andras")
    _follow_up(app, mine_today, today, staff)
    _follow_up(app, mine_late, today - datetime.timedelta(days=3), staff)
    _follow_up(app, mine_later, today + datetime.timedelta(days=1), staff)
    _follow_up(app, theirs, today, other)
    add_lead(app, 5, last_name="Utan")
    # 23:30 UTC on 1 July is already 2 July in Sweden
    with time_machine.travel(datetime.datetime(2027, 7, 1, 23, 30, tzinfo=datetime.UTC)):
        auth.login("salj@winlas.se")
        assert 'href="/crm/att-gora"' in client.get("/crm/").get_data(as_text=True)
        html = client.get("/crm/att-gora").get_data(as_text=True)
        everyone = client.get("/crm/att-gora?alla=1").get_data(as_text=True)
        assert client.get("/crm/att-gora?alla=ja").status_code == 400
    today_part, late_part = html.split("<h2>Försenade</h2>")
    assert "Person1 Idag" in today_part and "Person2 Sent" in late_part
    assert "Senare" not in html and "Andras" not in html and "Utan" not in html
    assert "Person4 Andras" in everyone and "Person1 Idag" in everyone
    assert "Senare" not in everyone


def test_a_lead_given_to_someone_else_is_mailed_to_them_without_the_message(
    smtp_server, app, client, staff, create_user
):  # noqa: F811
    colleague = create_user("anders@winlas.se", role="staff", first_name="Anders")
    lead = add_lead(app, 1, message="Hemligt: vår budget är 2 miljoner")
    url = f"/crm/leads/{lead.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    # to oneself: no email
    client.post(url, data={"csrf_token": token, "u-status": "ny", "u-owner": str(staff.id)})
    client.post(url, data={"n-text": "x", "csrf_token": token})
    assert smtp_server.messages == []
    client.post(url, data={"csrf_token": token, "u-status": "ny", "u-owner": str(colleague.id)})
    [message] = smtp_server.messages
    assert message["To"] == "anders@winlas.se"
    assert message["Subject"] == "Du är ansvarig för ett lead: Person1 Test"
    text = message.get_body(("plain",)).get_content()
    assert "Sara Person har gjort dig ansvarig för ett lead." in text
    assert f"http://localhost/crm/leads/{lead.id}" in text or f"/crm/leads/{lead.id}" in text
    assert "Exempelkommun" in text and "Fråga" in text
    html = message.get_body(("html",)).get_content()
    assert "budget" not in text and "budget" not in html


def test_at_seven_in_stockholm_follows_summer_and_winter_time():
    assert tasks.at_seven_in_stockholm(datetime.datetime(2026, 7, 1, 5, 0))
    assert tasks.at_seven_in_stockholm(datetime.datetime(2026, 1, 15, 6, 0))
    assert not tasks.at_seven_in_stockholm(datetime.datetime(2026, 7, 1, 6, 0))
    assert not tasks.at_seven_in_stockholm(datetime.datetime(2026, 1, 15, 6, 1))


def test_the_morning_email_lists_each_owners_follow_ups_once_a_day(smtp_server, app, create_user):  # noqa: F811
    sara = create_user("salj@winlas.se", role="staff", first_name="Sara")
    anders = create_user("anders@winlas.se", role="staff", first_name="Anders")
    today = datetime.date(2026, 7, 2)
    due_sara = add_lead(app, 1, message="Hemligt meddelande", organisation_name="Borås stad")
    late_sara = add_lead(app, 2)
    later_sara = add_lead(app, 3)
    due_anders = add_lead(app, 4)
    nobody = add_lead(app, 5)
    _follow_up(app, due_sara, today, sara)
    _follow_up(app, late_sara, today - datetime.timedelta(days=2), sara)
    _follow_up(app, later_sara, today + datetime.timedelta(days=1), sara)
    _follow_up(app, due_anders, today, anders)
    _follow_up(app, nobody, today, None)
    morning = datetime.datetime(2026, 7, 2, 5, 0, tzinfo=datetime.UTC)  # 07:00 in Stockholm
    with time_machine.travel(morning, tick=False), app.app_context():
        tasks.morning_follow_ups()
        tasks.morning_follow_ups()  # a second run the same day sends nothing more
        assert notify.send_due_follow_ups() == 0
    assert sorted(m["To"] for m in smtp_server.messages) == ["anders@winlas.se", "salj@winlas.se"]
    [to_sara] = [m for m in smtp_server.messages if m["To"] == "salj@winlas.se"]
    assert to_sara["Subject"] == "2 uppföljningar att göra i dag"
    text = to_sara.get_body(("plain",)).get_content()
    assert "Person1 Test, Borås stad (Fråga)" in text and "Person2 Test" in text
    assert "sedan 2026-06-30" in text and f"/crm/leads/{due_sara.id}" in text
    assert "Person3" not in text and "Hemligt" not in text
    with app.app_context():
        assert Lead.get_by_id(due_sara.id).follow_up_reminded_on == today
    # the next morning the overdue ones come again
    with time_machine.travel(morning + datetime.timedelta(days=1), tick=False), app.app_context():
        tasks.morning_follow_ups()
    assert len(smtp_server.messages) == 4
    assert "3 uppföljningar" in smtp_server.messages[-1]["Subject"] or any(
        "3 uppföljningar" in m["Subject"] for m in smtp_server.messages[2:]
    )


# -- a lead taken by phone --------------------------------------------------------------------


def _new_lead_form(client) -> tuple[str, dict]:
    html = client.get("/crm/ny").get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([0-9a-f]{32})"', html)
    return html, {"csrf_token": csrf_from(html), "submission": submission.group(1)}


def test_staff_register_a_lead_from_a_call_once_however_often_the_form_is_sent(app, client, staff):
    existing = add_lead(app, 1, work_phone="")  # the caller wrote before
    html, hidden = _new_lead_form(client)
    assert f'<option selected value="{staff.id}">' in html or f'value="{staff.id}" selected' in html
    data = {
        **hidden,
        "first_name": "Person1",
        "last_name": "Testsson",
        "email": "Person1@Exempel.se",
        "work_phone": "08-555 66 77",
        "organisation": "Exempelkommun",
        "organisation_type": "municipal_library",
        "type": "demo",
        "message": "Vill se en visning av katalogen",
        "owner": str(staff.id),
        "follow_up_on": "2026-08-01",
        "follow_up_note": "Boka tid",
    }
    first = client.post("/crm/ny", data=data)
    again = client.post("/crm/ny", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    with app.app_context():
        lead = Lead.get(Lead.source == "telefon")
        assert Lead.select().where(Lead.source == "telefon").count() == 1
        assert first.headers["Location"] == f"/crm/leads/{lead.id}"
        assert lead.contact_id == existing.contact_id  # the contact is reused ...
        assert lead.contact.last_name == "Testsson"  # ... and staff may update it
        assert lead.contact.work_phone == "08-555 66 77"
        assert (lead.type, lead.owner_id, lead.follow_up_on) == (
            "demo",
            staff.id,
            datetime.date(2026, 8, 1),
        )
        assert len(lead.idempotency_key) == 32
        [event] = LeadEvent.select().where(LeadEvent.lead == lead.id)
        assert (event.kind, event.author_id) == ("created", staff.id)
    page = client.get(f"/crm/leads/{lead.id}").get_data(as_text=True)
    assert "Registrerat från samtal" in page and "Sara Person" in page
    # a second form is a second lead
    _html, hidden = _new_lead_form(client)
    assert client.post("/crm/ny", data={**data, **hidden}).status_code == 303
    with app.app_context():
        assert Lead.select().where(Lead.source == "telefon").count() == 2


def test_a_bad_manual_lead_is_a_400_and_marketers_may_not(app, client, staff, create_user):
    _html, hidden = _new_lead_form(client)
    response = client.post(
        "/crm/ny",
        data={
            **hidden,
            "first_name": "A",
            "last_name": "B",
            "email": "inte-en-adress",
            "type": "x",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="type-error"' in html
    with app.app_context():
        assert Lead.select().count() == 0
    create_user("marknad@winlas.se", role="marketer")
    client.post(
        "/logga-ut", data={"csrf_token": csrf_from(client.get("/logga-ut").get_data(as_text=True))}
    )
    log_in(client, "marknad@winlas.se")
    assert client.get("/crm/ny").status_code == 403


# -- merging contacts -------------------------------------------------------------------------


def _session(n: int, capacity: int = 10) -> CourseSession:
    course = Course.create(
        slug=f"kurs-{n}", kind="course", title_sv=f"Kurs {n}", summary_sv="K", body_sv="K"
    )
    start = datetime.datetime(2030, 3, n, 9, 0)
    return CourseSession.create(
        course=course, starts_at=start, ends_at=start, place_sv="Stockholm", capacity=capacity
    )


@pytest.fixture
def two_contacts(app, staff):
    """Anna twice: kept (anna@…) and the duplicate (anna.berg@…), with sign-ups on a shared
    session and one of her own, and a newsletter subscription each."""
    kept = add_lead(
        app, 1, email="anna@exempelkommun.se", first_name="Anna", last_name="Berg", work_phone=""
    )
    dup_first = add_lead(
        app,
        2,
        email="anna.berg@exempelkommun.se",
        first_name="Anna",
        last_name="Berg",
        work_phone="070-123 45 67",
    )
    dup_second = add_lead(app, 3, email="anna.berg@exempelkommun.se", kind="quote")
    with app.app_context():
        shared, own = _session(1, capacity=1), _session(2)
        kept_contact = Contact.get_by_id(kept.contact_id)
        dup_contact = Contact.get_by_id(dup_first.contact_id)
        # the kept contact signed up first and got the only place; the duplicate waits
        early = Registration.create(
            course_session=shared,
            contact=kept_contact,
            status="confirmed",
            created_at=datetime.datetime(2026, 1, 1),
        )
        late = Registration.create(
            course_session=shared,
            contact=dup_contact,
            status="waitlisted",
            position=1,
            created_at=datetime.datetime(2026, 1, 2),
        )
        waiting = Registration.create(
            course_session=shared,
            contact=Contact.create(email="other@exempel.se", first_name="O", last_name="T"),
            status="waitlisted",
            position=2,
        )
        moving = Registration.create(course_session=own, contact=dup_contact, status="confirmed")
        pending = Subscription.create(email=kept_contact.email, status="pending")
        confirmed = Subscription.create(
            email=dup_contact.email,
            contact=dup_contact,
            status="confirmed",
            confirmed_at=datetime.datetime(2026, 2, 1),
        )
    return {
        "kept": kept_contact,
        "dup": dup_contact,
        "kept_lead": kept,
        "dup_leads": [dup_first, dup_second],
        "early": early,
        "late": late,
        "waiting": waiting,
        "moving": moving,
        "pending": pending,
        "confirmed": confirmed,
    }


def test_staff_find_the_duplicate_and_see_what_a_merge_moves(app, client, two_contacts):
    kept, dup = two_contacts["kept"], two_contacts["dup"]
    lead_page = client.get(f"/crm/leads/{two_contacts['kept_lead'].id}").get_data(as_text=True)
    assert f'href="/crm/kontakter/{kept.id}/sammanfoga"' in lead_page
    found = client.get(f"/crm/kontakter/{kept.id}/sammanfoga?q=anna.berg").get_data(as_text=True)
    assert f"/crm/kontakter/{kept.id}/sammanfoga?med={dup.id}" in found
    assert "other@exempel.se" not in found
    preview = client.get(f"/crm/kontakter/{kept.id}/sammanfoga?med={dup.id}")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Leads som flyttas (2)" in html and "Kursanmälningar som flyttas (2)" in html
    assert "Båda är anmälda till samma tillfälle" in html and "Kurs 1" in html
    assert "Flyttas: anna.berg@exempelkommun.se · Prenumererar" in html
    assert "anna@exempelkommun.se · Väntar på bekräftelse" in html  # dropped
    assert "<td>–</td><td>070-123 45 67</td><td>070-123 45 67</td>" in html
    assert f'name="duplicate" type="hidden" value="{dup.id}"' in html
    with app.app_context():  # nothing changed yet
        assert Contact.get_or_none(Contact.id == dup.id) is not None
    assert client.get(f"/crm/kontakter/{kept.id}/sammanfoga?med={kept.id}").status_code == 400
    assert client.get(f"/crm/kontakter/{kept.id}/sammanfoga?med=999999").status_code == 404
    assert client.get(f"/crm/kontakter/{kept.id}/sammanfoga?med=x").status_code == 400


def test_a_merge_moves_everything_handles_conflicts_and_is_on_every_timeline(
    app, client, staff, two_contacts
):
    kept, dup = two_contacts["kept"], two_contacts["dup"]
    url = f"/crm/kontakter/{kept.id}/sammanfoga"
    html = client.get(f"{url}?med={dup.id}").get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(html), "duplicate": str(dup.id)})
    assert response.status_code == 303
    with app.app_context():
        assert Contact.get_or_none(Contact.id == dup.id) is None
        leads = list(Lead.select().where(Lead.contact == kept.id))
        assert len(leads) == 3
        assert (
            response.headers["Location"]
            == f"/crm/leads/{max(leads, key=lambda lead: (lead.created_at, lead.id)).id}"
        )
        regs = {r.id: r for r in Registration.select()}
        assert {r.contact_id for r in regs.values() if r.id != two_contacts["waiting"].id} == {
            kept.id
        }
        # the confirmed, earlier one stays; the duplicate's waitlist place is cancelled
        assert regs[two_contacts["early"].id].status == "confirmed"
        assert regs[two_contacts["late"].id].status == "cancelled"
        assert regs[two_contacts["moving"].id].status == "confirmed"
        # the confirmed subscription is kept (moved), the unconfirmed request dropped
        subs = list(Subscription.select())
        assert [(s.email, s.contact_id, s.status) for s in subs] == [
            ("anna.berg@exempelkommun.se", kept.id, "confirmed")
        ]
        merged = Contact.get_by_id(kept.id)
        assert merged.work_phone == "070-123 45 67" and merged.email == "anna@exempelkommun.se"
        events = list(LeadEvent.select().where(LeadEvent.kind == "merged"))
        assert sorted(e.lead_id for e in events) == sorted(lead.id for lead in leads)
        assert all(e.author_id == staff.id for e in events)
        assert events[0].detail["removed_email"] == "anna.berg@exempelkommun.se"
        assert events[0].detail["moved_leads"] == 2
    page = client.get(f"/crm/leads/{two_contacts['kept_lead'].id}").get_data(as_text=True)
    assert "Kontakten Anna Berg (anna.berg@exempelkommun.se) sammanfogades hit" in page
    # the merge cannot run twice
    again = client.post(url, data={"csrf_token": csrf_from(html), "duplicate": str(dup.id)})
    assert again.status_code == 404


def test_a_merge_frees_a_place_for_the_waitlist_when_both_had_one(app, staff):
    with app.app_context():
        session = _session(5, capacity=2)
        kept = Contact.create(email="k@exempel.se", first_name="K", last_name="K")
        dup = Contact.create(email="d@exempel.se", first_name="D", last_name="D")
        Lead.create(contact=kept, type="question", idempotency_key="m-1")
        first = Registration.create(
            course_session=session,
            contact=dup,
            status="confirmed",
            created_at=datetime.datetime(2026, 1, 1),
        )
        second = Registration.create(
            course_session=session,
            contact=kept,
            status="confirmed",
            created_at=datetime.datetime(2026, 1, 3),
        )
        other = Registration.create(
            course_session=session,
            contact=Contact.create(email="w@exempel.se", first_name="W", last_name="W"),
            status="waitlisted",
            position=1,
        )
        merging.merge(kept.id, dup.id, None)
        assert Registration.get_by_id(first.id).status == "confirmed"  # the earlier one
        assert Registration.get_by_id(second.id).status == "cancelled"
        assert Registration.get_by_id(other.id).status == "confirmed"  # promoted


def test_the_later_newsletter_decision_wins_a_merge(app, staff):
    with app.app_context():
        kept = Contact.create(email="k@exempel.se", first_name="K", last_name="K")
        dup = Contact.create(email="d@exempel.se", first_name="D", last_name="D")
        Lead.create(contact=kept, type="question", idempotency_key="m-1")
        Subscription.create(
            email=kept.email,
            contact=kept,
            status="confirmed",
            confirmed_at=datetime.datetime(2026, 1, 1),
        )
        Subscription.create(
            email=dup.email,
            contact=dup,
            status="unsubscribed",
            unsubscribed_at=datetime.datetime(2026, 3, 1),
        )
        merging.merge(kept.id, dup.id, None)
        [left] = Subscription.select()
        assert (left.email, left.status, left.contact_id) == (dup.email, "unsubscribed", kept.id)


def test_erasure_removes_the_events_naming_the_person(app, client, staff, two_contacts):
    kept, dup = two_contacts["kept"], two_contacts["dup"]
    html = client.get(f"/crm/kontakter/{kept.id}/sammanfoga?med={dup.id}").get_data(as_text=True)
    client.post(
        f"/crm/kontakter/{kept.id}/sammanfoga",
        data={"csrf_token": csrf_from(html), "duplicate": str(dup.id)},
    )
    with app.app_context():
        # the removed address still asks: only the merge events naming it go
        other = Lead.create(
            contact=Contact.create(email="x@exempel.se", first_name="X", last_name="Y"),
            type="question",
            idempotency_key="other",
        )
        LeadEvent.record(other, "status", None, {"from": "ny", "to": "vunnen"})
        exported = person_data.person_data(kept.email)
        events = [e for lead in exported["leads"] for e in lead["events"]]
        assert any(e["kind"] == "merged" for e in events)
        counts = person_data.erase_person("anna.berg@exempelkommun.se")
        assert counts.get("lead_event") == 3
        assert LeadEvent.select().where(LeadEvent.kind == "merged").count() == 0
        assert Lead.select().where(Lead.contact == kept.id).count() == 3
        # the kept person's own erasure takes their leads and every event on them
        LeadEvent.record(
            Lead.select().where(Lead.contact == kept.id).first(),
            "status",
            None,
            {"from": "ny", "to": "kontaktad"},
        )
        person_data.erase_person(kept.email)
        assert Lead.select().where(Lead.contact == kept.id).count() == 0
        assert [e.lead_id for e in LeadEvent.select()] == [other.id]


def test_erasing_a_staff_account_takes_it_out_of_the_history(app, staff, create_user):
    colleague = create_user("anders@winlas.se", role="staff")
    lead = add_lead(app, 1)
    with app.app_context():
        Lead.get_by_id(lead.id).assign(colleague.id, User.get_by_id(staff.id))
        Lead.get_by_id(lead.id).set_status("kontaktad", User.get_by_id(colleague.id))
        person_data.erase_person("anders@winlas.se")
        owner_event = LeadEvent.get(LeadEvent.kind == "owner")
        assert owner_event.detail == {"from": None, "to": None}
        assert owner_event.author_id == staff.id
        assert LeadEvent.get(LeadEvent.kind == "status").author_id is None


# -- the lead page's course sign-ups ----------------------------------------------------------


def test_the_lead_page_lists_the_contacts_real_course_sign_ups(app, client, staff):
    lead = add_lead(app, 1)
    with app.app_context():
        session = _session(7)
        Registration.create(course_session=session, contact=lead.contact_id, status="waitlisted")
    html = client.get(f"/crm/leads/{lead.id}").get_data(as_text=True)
    assert "Du har inga kursanmälningar" not in html
    part = html.split('id="crm-registrations-heading"')[1].split("</section>")[0]
    assert "Kurs 7" in part and "2030-03-07 09:00" in part and "På väntelistan" in part
    assert 'href="/utbildningar/kurs-7/deltagare"' in part
    empty = add_lead(app, 2)
    assert "Inga kursanmälningar." in client.get(f"/crm/leads/{empty.id}").get_data(as_text=True)


def test_crm_pages_are_not_stored(client, staff):
    for url in ("/crm/", "/crm/att-gora", "/crm/ny"):
        assert "no-store" in client.get(url).headers["Cache-Control"]
