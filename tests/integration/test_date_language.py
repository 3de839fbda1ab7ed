"""English dates read "19 May 2027", day before month, and times on a 24-hour clock (issue 17).

Swedish stays "19 maj 2027". Checked on the pages and in the emails that show dates: a course
page, a news article, a course confirmation and the weekly digest, in both languages; and the
filters themselves. Both backends.
"""

from __future__ import annotations

import datetime

import pytest

from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.courses.signup import send_email
from winlas_site.leads.models import Contact
from winlas_site.mail.service import render
from winlas_site.news.models import Article
from winlas_site.templating import dateformat, datetimeformat, timeformat

DAY = datetime.date(2027, 5, 19)
START = datetime.datetime(2027, 5, 19, 14, 5)
EXPECTED = {"sv": "19 maj 2027", "en": "19 May 2027"}
AMERICAN = ("May 19", "5/19/27", "PM")


@pytest.fixture
def course(app):
    with app.app_context():
        course = Course.create(
            slug="grundkurs",
            kind="course",
            title_sv="Grundkurs",
            title_en="Basic course",
            summary_sv="En dag.",
            body_sv="Text.",
        )
        session = CourseSession.create(
            course=course,
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=3),
            place_sv="Stockholm",
            capacity=10,
        )
        return course, session


def page(client, path: str, language: str) -> str:
    client.get(f"/sprak/{language}")
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_course_page_dates_its_sessions_in_the_visitors_language(app, client, course, language):
    html = page(client, "/utbildningar/grundkurs", language)
    assert EXPECTED[language] in html
    assert "14:05" in html
    assert not any(american in html for american in AMERICAN)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_news_article_is_dated_in_the_visitors_language(app, client, language):
    with app.app_context():
        Article.create(
            slug="version-8",
            title_sv="Version 8",
            title_en="Version 8",
            summary_sv="Kort.",
            body_sv="Text.",
            published=DAY,
        )
    assert EXPECTED[language] in page(client, "/nyheter/version-8", language)
    assert EXPECTED[language] in page(client, "/nyheter", language)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_course_confirmation_is_dated_in_the_readers_language(smtp_server, app, course, language):  # noqa: F811
    _course, session = course
    with app.test_request_context("/"):
        contact = Contact.upsert("ada@exempel.se", first_name="Ada", last_name="Berg")
        registration = Registration.create(
            course_session=session, contact=contact, status="confirmed", language=language
        )
        assert send_email(registration, "confirmation")
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert EXPECTED[language] in body and "14:05" in body
        assert not any(american in body for american in AMERICAN)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sv", "Så gick veckan 10 maj 2027 – 16 maj 2027"),
        ("en", "10 May 2027 – 16 May 2027"),
    ],
    ids=["sv", "en"],
)
def test_the_weekly_digest_is_dated_in_the_readers_language(app, language, expected):
    first, last = datetime.date(2027, 5, 10), datetime.date(2027, 5, 16)
    context = {
        "week_number": 19,
        "new_leads": 0,
        "previous_leads": 0,
        "first": first,
        "last": last,
        "previous_first": first - datetime.timedelta(days=7),
        "previous_last": last - datetime.timedelta(days=7),
        "figures": [],
        "movers": [],
        "leads": [],
    }
    with app.app_context():
        _subject, text, _html = render("digest/weekly", context, language)
    assert expected in text


@pytest.mark.parametrize(
    ("language", "filter_", "value", "format_", "expected"),
    [
        ("sv", dateformat, DAY, "long", "19 maj 2027"),
        ("en", dateformat, DAY, "long", "19 May 2027"),
        ("en", dateformat, DAY, None, "19 May 2027"),
        ("en", dateformat, START, "long", "19 May 2027"),
        ("en", dateformat, DAY, "short", "19/05/2027"),
        ("sv", dateformat, DAY, "short", "2027-05-19"),
        ("en", dateformat, DAY, "full", "Wednesday, 19 May 2027"),
        ("sv", datetimeformat, START, None, "19 maj 2027 14:05"),
        ("en", datetimeformat, START, None, "19 May 2027, 14:05"),
        ("en", datetimeformat, START, "short", "19/05/2027, 14:05"),
        ("en", timeformat, START, None, "14:05"),
        ("sv", timeformat, START, None, "14:05"),
    ],
    ids=[
        "sv-date-long",
        "en-date-long",
        "en-date-default",
        "en-datetime-as-date",
        "en-date-short",
        "sv-date-short",
        "en-date-full",
        "sv-datetime",
        "en-datetime",
        "en-datetime-short",
        "en-time",
        "sv-time",
    ],
)
def test_the_filters(app, language, filter_, value, format_, expected):
    with app.test_request_context(f"/?lang={language}"):
        assert filter_(value, format_) == expected
