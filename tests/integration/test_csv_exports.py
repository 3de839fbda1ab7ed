"""Every CSV export opens in columns in a Swedish Excel and says things in words (issue 17):
``;`` between cells, a BOM, decimals with the reader's decimal mark, Ja/Nej, the labels the
HTML pages show instead of codes, staff times in Swedish local time (summer and winter)."""

from __future__ import annotations

import csv
import datetime
import io
import uuid

import pytest
import time_machine

from analytics.funnels.models import Funnel, Step
from analytics.store import write_lines
from winlas_site.account.models import AuditEntry
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.leads.models import Contact, Lead

# summer time (UTC+2) and winter time (UTC+1) in Sweden, stored as naive UTC
SUMMER = datetime.datetime(2026, 7, 1, 10, 5, 9)
WINTER = datetime.datetime(2026, 1, 15, 10, 5, 9)
RAW_CODES = {
    "True",
    "False",
    "confirmed",
    "waitlisted",
    "cancelled",
    "municipal_library",
    "kvalificerad",
    "quote",
    "web",
    "page",
    "conversion",
    "first",
    "last",
    "mobile",
    "desktop",
    "search",
    "direct",
}


def read(response) -> list[list[str]]:
    """The rows of a CSV answer, read as a Swedish Excel splits it."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so Excel reads å, ä, ö
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def by_header(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    assert all(len(row) == len(header) for row in body)
    return [dict(zip(header, row, strict=True)) for row in body]


def no_raw_codes(rows: list[list[str]]) -> None:
    assert not {cell for row in rows[1:] for cell in row} & RAW_CODES


def in_english(client) -> None:
    assert client.get("/sprak/en").status_code in (302, 303)


# ---------------------------------------------------------------------------- the site's


@pytest.fixture
def staff(create_user, auth):
    user = create_user("salj@winlas.se", role="staff", first_name="Sara")
    assert auth.login("salj@winlas.se").status_code == 302
    return user


def add_leads(app) -> None:
    """A quote from a municipal library by phone in summer, with marketing consent; a
    question from the web in winter without."""
    with app.app_context():
        summer = Contact.create(email="anna@exempel.se", first_name="Anna", last_name="Berg")
        winter = Contact.create(email="bo@exempel.se", first_name="Bo", last_name="Ek")
        Lead.create(
            contact=summer,
            type="quote",
            status="kvalificerad",
            organisation_type="municipal_library",
            marketing_consent=True,
            source="telefon",
            idempotency_key="csv-summer",
            created_at=SUMMER,
            follow_up_on=datetime.date(2026, 12, 24),
            message="Pris; och leverans?\nSnart.",
        )
        Lead.create(
            contact=winter,
            type="question",
            status="ny",
            marketing_consent=False,
            source="web",
            idempotency_key="csv-winter",
            created_at=WINTER,
        )


def test_the_lead_list_says_it_in_words_and_swedish_time(app, client, staff):
    add_leads(app)
    rows = read(client.get("/crm/leads.csv?sortera=inkom&ordning=desc"))
    assert rows[0][:4] == ["id", "created", "type", "status"]
    summer, winter = by_header(rows)
    assert summer["created"] == "2026-07-01 12:05"  # UTC+2
    assert winter["created"] == "2026-01-15 11:05"  # UTC+1
    assert (summer["type"], summer["status"]) == ("Offert", "Kvalificerad")
    assert summer["organisation_type"] == "Kommunalt bibliotek"
    assert (summer["marketing_consent"], winter["marketing_consent"]) == ("Ja", "Nej")
    assert (summer["source"], winter["source"]) == ("telefon", "webbformulär")
    assert summer["follow_up_on"] == "2026-12-24"
    # a ";" and a line break inside a cell stay inside it
    assert summer["message"] == "Pris; och leverans?\nSnart."
    assert (winter["type"], winter["status"]) == ("Fråga", "Ny")
    assert winter["organisation_type"] == ""
    no_raw_codes(rows)


def test_the_lead_list_in_english(app, client, staff):
    add_leads(app)
    in_english(client)
    summer, winter = by_header(read(client.get("/crm/leads.csv?sortera=inkom&ordning=desc")))
    assert (summer["type"], summer["status"]) == ("Quote", "Qualified")
    assert summer["organisation_type"] == "Municipal library"
    assert (summer["marketing_consent"], winter["marketing_consent"]) == ("Yes", "No")
    # staff work in Sweden whatever the page's language
    assert summer["created"] == "2026-07-01 12:05"


def add_participants(app) -> str:
    with app.app_context():
        course = Course.create(
            slug="csvkurs", kind="course", title_sv="Kursen", summary_sv="Om", body_sv="Text."
        )
        start = datetime.datetime(2026, 12, 10, 9, 0)  # course times are local already
        session = CourseSession.create(
            course=course,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=7),
            place_sv="Stockholm",
            place_en="Stockholm (English)",
            capacity=10,
        )
        for number, (status, made, cancelled, diets) in enumerate(
            [
                ("confirmed", SUMMER, None, "vegetarian,gluten"),
                ("waitlisted", WINTER, None, ""),
                ("cancelled", WINTER, SUMMER, "other"),
            ]
        ):
            contact = Contact.create(
                email=f"p{number}@exempel.se", first_name=f"P{number}", last_name="Son"
            )
            Registration.create(
                course_session=session,
                contact=contact,
                status=status,
                position=1 if status == "waitlisted" else None,
                dietary_choices=diets,
                created_at=made,
                cancelled_at=cancelled,
            )
        return course.slug


def test_the_participants_say_it_in_words_and_swedish_time(app, client, staff):
    slug = add_participants(app)
    rows = read(client.get(f"/utbildningar/{slug}/deltagare.csv"))
    assert rows[0][:3] == ["session", "status", "waitlist_position"]
    cells = {row["email"]: row for row in by_header(rows)}
    confirmed, waiting = cells["p0@exempel.se"], cells["p1@exempel.se"]
    assert confirmed["session"] == "2026-12-10 09:00 Stockholm"
    assert confirmed["status"] == "Bekräftad"
    assert confirmed["dietary"] == "Vegetarisk, Glutenfri"
    assert confirmed["registered_at"] == "2026-07-01 12:05"
    assert (waiting["status"], waiting["waitlist_position"]) == ("Väntelista", "1")
    assert waiting["registered_at"] == "2026-01-15 11:05"
    no_raw_codes(rows)
    in_english(client)
    english = {
        row["email"]: row
        for row in by_header(read(client.get(f"/utbildningar/{slug}/deltagare.csv")))
    }
    assert english["p0@exempel.se"]["status"] == "Confirmed"
    assert english["p0@exempel.se"]["dietary"] == "Vegetarian, Gluten-free"
    assert english["p0@exempel.se"]["session"] == "2026-12-10 09:00 Stockholm (English)"


def test_the_audit_log_has_swedish_local_time_to_the_second(app, client, staff):
    # the log is append-only: the entries are made at those times
    with app.app_context():
        with time_machine.travel(SUMMER.replace(tzinfo=datetime.UTC), tick=False):
            summer = AuditEntry.record("retention", details={"n": -2})
        with time_machine.travel(WINTER.replace(tzinfo=datetime.UTC), tick=False):
            winter = AuditEntry.record("retention", details={"n": 1})
    rows = read(client.get("/dataskydd/logg.csv"))
    assert rows[0][:2] == ["id", "at"]
    times = {row["id"]: row["at"] for row in by_header(rows)}
    assert times[str(summer.id)] == "2026-07-01 12:05:09"
    assert times[str(winter.id)] == "2026-01-15 11:05:09"


# ---------------------------------------------------------------------------- analytics'


NOW = datetime.datetime(2026, 11, 20, 12, 0)


def ms(moment: datetime.datetime) -> int:
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def event(kind: str, when: datetime.datetime, path: str, **fields) -> dict:
    item = {"id": str(uuid.uuid4()), "type": kind, "ts": ms(when), "path": path}
    if kind == "pageview":
        item.update(ref=["search", "google.se"], screen="390x844", tz="Europe/Stockholm")
    return {**item, **fields}


@pytest.fixture
def marketer(app, client, create_user, auth):
    """A marketer at NOW, with two visits of a phone from a search engine the hour before:
    one of two pages, one bounce (1,5 pages a visit, a bounce rate of 0,5)."""
    with time_machine.travel(NOW.replace(tzinfo=datetime.UTC), tick=False):
        hour = NOW - datetime.timedelta(hours=1)
        with app.app_context():
            write_lines(
                [
                    {
                        "r": ms(NOW),
                        "v": visitor * 32,
                        "u": None,
                        "ip": "192.0.2.0",
                        "geo": ["SE", "Stockholm", "Stockholm"],
                        "ua": ["Firefox", "130", "Android", "14", "mobile"],
                        "events": events,
                    }
                    for visitor, events in (
                        (
                            "a",
                            [
                                event("pageview", hour, "/produkter"),
                                event("pageview", hour + datetime.timedelta(minutes=1), "/kontakt"),
                            ],
                        ),
                        ("b", [event("pageview", hour, "/produkter")]),
                    )
                ]
            )
        create_user("marknad@exempel.se", role="marketer")
        assert auth.login("marknad@exempel.se").status_code == 302
        yield client


@pytest.mark.parametrize(
    ("language", "pages", "bounce", "visitors", "device", "source"),
    [
        ("sv", "1,5", "0,5", "Unika besökare", "Mobil", "Sökmotor"),
        ("en", "1.5", "0.5", "Unique visitors", "Mobile", "Search engine"),
    ],
    ids=["swedish", "english"],
)
def test_the_dashboard_files_have_words_and_the_readers_decimals(
    marketer, language, pages, bounce, visitors, device, source
):
    if language == "en":
        in_english(marketer)
    summary = read(marketer.get("/dashboard/export/summary.csv?period=7d"))
    assert summary[0] == ["figure", "current", "previous", "change"]
    figures = {row[0]: row[1:] for row in summary[1:]}
    assert figures[visitors][0] == "2"
    assert pages in {cells[0] for cells in figures.values()}
    devices = read(marketer.get("/dashboard/export/device.csv?period=7d"))
    assert [row[0] for row in devices[1:]] == [device]
    assert by_header(devices)[0]["bounce_rate"] == bounce
    sources = read(marketer.get("/dashboard/export/source.csv?period=7d"))
    assert [row[0] for row in sources[1:]] == [source]
    no_raw_codes(summary + devices + sources)


@pytest.mark.parametrize(
    ("language", "kinds", "conversion"),
    [
        ("sv", ["Sida", "Konvertering"], "Offertförfrågan"),
        ("en", ["Page", "Conversion"], "Quote request"),
    ],
    ids=["swedish", "english"],
)
def test_the_funnel_file_names_the_steps_in_words(app, marketer, language, kinds, conversion):
    with app.app_context():
        funnel = Funnel.make(
            "Offert", [Step("page", "/produkter"), Step("conversion", "quote")], "visit"
        )
    if language == "en":
        in_english(marketer)
    with time_machine.travel(NOW.replace(tzinfo=datetime.UTC), tick=False):
        rows = read(marketer.get(f"/dashboard/funnels/{funnel.id}.csv?period=7d"))
    assert [row[1] for row in rows[1:]] == kinds
    assert [row[2] for row in rows[1:]] == ["/produkter", conversion]
    assert rows[1][3] == "2"
    no_raw_codes(rows)


@pytest.mark.parametrize(
    ("language", "first", "unknown", "search"),
    [
        ("sv", "Första kontakt", "okänd", "Sökmotor"),
        ("en", "First touch", "unknown", "Search engine"),
    ],
    ids=["swedish", "english"],
)
def test_the_attribution_file_names_models_and_keys_in_words(
    app, marketer, language, first, unknown, search
):
    touch = {
        "at": (NOW - datetime.timedelta(days=2)).isoformat(),
        "source": "search",
        "host": "google.se",
        "medium": "",
        "campaign": "",
        "landing": "/produkter",
        "country": "SE",
        "device": "mobile",
        "browser": "Firefox",
    }
    with app.app_context():
        for number, touches in enumerate(
            [
                {
                    "converted_at": NOW.isoformat(),
                    "first": touch,
                    "last": touch,
                    "visits": 1,
                    "days": 0,
                },
                None,
            ]
        ):
            Lead.create(
                contact=Contact.create(
                    email=f"k{number}@exempel.se", first_name="K", last_name=str(number)
                ),
                type="quote",
                status="vunnen",
                idempotency_key=f"csv-attribution-{number}",
                conversion_id=str(uuid.uuid4()) if touches else None,
                created_at=NOW - datetime.timedelta(days=2),
                touches=touches,
            )
    if language == "en":
        in_english(marketer)
    with time_machine.travel(NOW.replace(tzinfo=datetime.UTC), tick=False):
        rows = read(marketer.get("/dashboard/kunder/export.csv?period=7d&dimension=source"))
    keys = {(row[0], row[1]) for row in rows[1:]}
    assert (first, search) in keys and (first, unknown) in keys
    no_raw_codes(rows)
