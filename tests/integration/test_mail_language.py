"""Links in email open in the email's language, even in a browser that never chose one (issue 17).

Every email template on disk is rendered in English through the outbox's own ``render`` (what
``queue_email`` stores), with its links built by the features' real builders (signed tokens and
all). Every link to the site in the text and the HTML carries ``lang=en``, and a fresh browser
(no cookie, ``Accept-Language: sv``) following it gets an English page, a login page in front of
a staff page included. Bad ``lang`` values are ignored, never an error, and the page cache never
answers one language with the other. Both backends.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from winlas_site.auth import tokens as auth_tokens
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.courses.signup import cancel_url
from winlas_site.digest.mailing import _dashboard_url
from winlas_site.digest.mailing import unsubscribe_url as digest_unsubscribe_url
from winlas_site.digest.models import DigestSubscription
from winlas_site.leads.models import Contact
from winlas_site.links import external_url, with_language
from winlas_site.mail.service import render
from winlas_site.newsletter import mailing, tokens
from winlas_site.newsletter.models import NewsletterIssue, Preference, Subscription
from winlas_site.retention import keep_token

SITE = "http://www.winlas.example"
MAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
LINK = re.compile(re.escape(SITE) + r"[^\s\"'<>]*")


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_SITE_URL"] = SITE
    app_config["WINLAS_TRUSTED_HOSTS"] = ["www.winlas.example", "localhost"]
    return app_config


def every_mail_template() -> list[str]:
    """Every email the site can send: the templates with a subject under templates/mail/."""
    return sorted(
        str(path.relative_to(MAIL_TEMPLATES)).removesuffix(".subject.txt")
        for path in MAIL_TEMPLATES.rglob("*.subject.txt")
    )


@pytest.fixture
def contexts(app, create_user):
    """The context of every template, its links made as the feature that sends it makes them."""
    user = create_user("reader@exempel.se", role="marketer")
    with app.test_request_context("/"):
        contact = Contact.upsert("deltagare@exempel.se", first_name="Ada", last_name="Deltagare")
        course = Course.create(
            slug="grundkurs",
            kind="course",
            title_sv="Grundkurs",
            title_en="Basic course",
            summary_sv="En dag.",
            body_sv="Text.",
        )
        start = datetime.datetime(2027, 5, 19, 9, 0)
        session = CourseSession.create(
            course=course,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=7),
            place_sv="Stockholm",
            capacity=10,
        )
        registration = Registration.create(
            course_session=session, contact=contact, status="confirmed", language="en"
        )
        subscription, _confirmed = Subscription.request("las@exempel.se", "/nyheter", "en")
        preference = Preference.for_email(subscription.email)
        Preference.update(email_tracking_consent=True).where(
            Preference.id == preference.id
        ).execute()
        issue = NewsletterIssue.create(subject="Nytt", body="Text.", subject_en="New", body_en="T.")
        issue.replace_links([("Courses", f"{SITE}/utbildningar")])
        digest = DigestSubscription.choose(user, True, "en")
        lead = SimpleNamespace(
            id=1,
            type="question",
            name="Ada Deltagare",
            organisation="Kommunen",
            url=external_url("crm.lead", lead_id=1),
            follow_up_on=datetime.date(2027, 5, 18),
            message="Hej",
            first_name="Ada",
            last_name="Deltagare",
            organisation_name="Kommunen",
            products="",
            product_list=lambda: [],
            preferred_times="",
        )
        course_context = {
            "first_name": "Ada",
            "course": course,
            "session": session,
            "registration": registration,
            "seminars": [],
            "course_url": external_url("courses.detail", slug=course.slug),
            "cancel_url": cancel_url(registration),
            "rank": None,
            "message_body": "Välkommen.",
        }
        login_url = external_url("auth.login")
        forgot_url = external_url("auth.forgot_password")
        first, last = datetime.date(2027, 5, 10), datetime.date(2027, 5, 16)
        newsletter_confirm = external_url(
            "newsletter.confirm",
            token=tokens.make(tokens.CONFIRM, subscription.id, subscription.digest),
        )
        return {
            "account/erased": {"reason": "request"},
            "account/reminder": {
                "first_name": "Ada",
                "deadline": datetime.date(2027, 6, 1),
                "keep_url": external_url("account.keep", token=keep_token(user)),
                "login_url": login_url,
            },
            "auth/already_registered": {"login_url": login_url, "reset_url": forgot_url},
            "auth/approved": {"first_name": "Ada", "login_url": login_url},
            "auth/confirm": {
                "first_name": "Ada",
                "confirm_url": auth_tokens.url(auth_tokens.CONFIRM, user),
                "hours": 72,
            },
            "auth/new_request": {"requests_url": external_url("auth.requests")},
            "auth/password_changed": {"first_name": "Ada", "reset_url": forgot_url},
            "auth/refused": {"first_name": "Ada", "contact_url": external_url("public.contact")},
            "auth/reset": {
                "first_name": "Ada",
                "reset_url": auth_tokens.url(auth_tokens.RESET, user),
                "minutes": 60,
            },
            **{
                f"courses/{name}": course_context
                for name in (
                    "cancelled",
                    "confirmation",
                    "message",
                    "promoted",
                    "reminder",
                    "upcoming",
                    "waitlisted",
                )
            },
            "crm/assigned": {"lead": lead, "by_name": "Sara"},
            "crm/follow_ups": {"leads": [lead], "today": datetime.date(2027, 5, 19)},
            "digest/weekly": {
                "week_number": 19,
                "first": first,
                "last": last,
                "previous_first": first - datetime.timedelta(days=7),
                "previous_last": last - datetime.timedelta(days=7),
                "figures": [],
                "movers": [],
                "leads": [],
                "new_leads": 0,
                "previous_leads": 0,
                "dashboard_url": _dashboard_url(first, last),
                "account_url": external_url("account.index") + "#veckosammanfattning",
                "unsubscribe_url": digest_unsubscribe_url(digest),
            },
            "leads/confirmation": {"lead": lead, "contact": lead},
            "leads/notification": {"lead": lead, "contact": SimpleNamespace(email="a@b.se")},
            "newsletter/already_subscribed": {
                "preferences_url": mailing.preferences_url(preference)
            },
            "newsletter/confirm": {"confirm_url": newsletter_confirm, "days": 7},
            "newsletter/issue": mailing.issue_context(issue, subscription, preference, True),
            "newsletter/preferences_link": {"preferences_url": mailing.preferences_url(preference)},
            "test_message": {"name": "Ada", "message": "Hej"},
        }


def site_links(body: str) -> list[str]:
    return [link.rstrip(".,;:!?)]") for link in LINK.findall(body.replace("&amp;", "&"))]


def is_page(link: str) -> bool:
    """A page, not the open pixel (an image: no language)."""
    return not urlsplit(link).path.endswith(".gif")


def open_fresh(app, link: str):
    """``link`` in a browser that never chose a language and prefers Swedish."""
    parts = urlsplit(link)
    return app.test_client().get(
        f"{parts.path}?{parts.query}",
        base_url=SITE,
        headers={"Accept-Language": "sv-SE,sv;q=0.9"},
        follow_redirects=True,
    )


def test_the_table_covers_every_email_the_site_sends(contexts):
    assert sorted(contexts) == every_mail_template()


@pytest.mark.parametrize("template", every_mail_template())
def test_every_site_link_in_an_english_email_opens_in_english(app, contexts, template):
    with app.app_context():
        subject, text, html = render(template, contexts[template], "en")
    links = site_links(text) + site_links(html)
    assert links, "every email links to the site (the footer at least)"
    for link in links:
        if is_page(link):
            assert parse_qs(urlsplit(link).query).get("lang") == ["en"], link
    for link in sorted({link.split("#")[0] for link in links if is_page(link)}):
        response = open_fresh(app, link)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, (link, response.status_code)
        assert '<html lang="en"' in page, link
        assert "winlas_lang" not in response.headers.get("Set-Cookie", ""), link


def test_a_swedish_email_links_in_swedish_and_keeps_its_signed_links_valid(app, contexts):
    with app.app_context():
        _subject, text, _html = render("newsletter/issue", contexts["newsletter/issue"], "sv")
    unsubscribe = next(link for link in site_links(text) if "/avregistrera/" in link)
    assert unsubscribe.endswith("?lang=sv")
    response = open_fresh(app, unsubscribe)
    assert response.status_code == 200 and '<html lang="sv"' in response.get_data(as_text=True)


def test_the_unsubscribe_button_answers_in_the_emails_language(app, contexts):
    with app.app_context():
        _subject, text, _html = render("newsletter/issue", contexts["newsletter/issue"], "en")
    link = next(link for link in site_links(text) if "/avregistrera/" in link)
    client = app.test_client()
    page = client.get(urlsplit(link).path + "?lang=en").get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]*/avregistrera/[^"]+)"', page).group(1)
    assert action.endswith("?lang=en")
    response = client.post(action.replace("&amp;", "&"))
    assert response.status_code == 200
    assert '<html lang="en"' in response.get_data(as_text=True)
    with app.app_context():
        assert Subscription.get(Subscription.email == "las@exempel.se").status == "unsubscribed"


def test_a_changed_token_beside_the_language_is_still_refused(app, contexts):
    link = contexts["newsletter/confirm"]["confirm_url"]
    path = urlsplit(link).path
    response = app.test_client().get(path[:-2] + "xx?lang=en")
    assert response.status_code == 400
    assert '<html lang="en"' in response.get_data(as_text=True)


def test_a_chosen_language_wins_over_the_links(app):
    client = app.test_client()
    client.get("/sprak/sv?next=/utbildningar?lang=en")
    page = client.get("/utbildningar?lang=en").get_data(as_text=True)
    assert '<html lang="sv"' in page


@pytest.mark.parametrize(
    "value",
    ["", "EN", "de", "en-GB", "sv,en", "en%00", "%ff", "x" * 300, "../en"],
    ids=["empty", "upper", "unknown", "region", "list", "nul", "latin1", "long", "path"],
)
def test_a_bad_lang_is_ignored_never_an_error(app, value):
    response = app.test_client().get(f"/utbildningar?lang={value}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert '<html lang="sv"' in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/konto/?lang=de", "http://[", "/konto/?lang=en&lang=sv"])
def test_a_login_takes_the_language_of_its_next_page_only_when_valid(app, target):
    response = app.test_client().get("/logga-in", query_string={"next": target})
    assert response.status_code == 200
    expected = "en" if target.endswith("lang=en&lang=sv") else "sv"
    assert f'<html lang="{expected}"' in response.get_data(as_text=True)


def test_the_page_cache_never_answers_one_language_with_the_other(app):
    assert app.config["WINLAS_PAGE_CACHE_SECONDS"] > 0
    client = app.test_client()
    for _ in range(2):  # the second round comes from the cache
        assert '<html lang="sv"' in client.get("/utbildningar").get_data(as_text=True)
        english = client.get("/utbildningar?lang=en").get_data(as_text=True)
        assert '<html lang="en"' in english
        assert '<html lang="sv"' in client.get("/utbildningar?lang=sv").get_data(as_text=True)
    client.set_cookie("winlas_lang", "sv")
    assert '<html lang="sv"' in client.get("/utbildningar?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "html", "expected"),
    [
        (f"{SITE}/nyheter", False, f"{SITE}/nyheter?lang=en"),
        (f"{SITE}", False, f"{SITE}/?lang=en"),
        (f"Läs: {SITE}/nyheter.", False, f"Läs: {SITE}/nyheter?lang=en."),
        (f"{SITE}/d?a=1&b=2#x", False, f"{SITE}/d?a=1&b=2&lang=en#x"),
        (f'<a href="{SITE}/d?a=1&amp;b=2">', True, f'<a href="{SITE}/d?a=1&amp;b=2&amp;lang=en">'),
        (f"{SITE}/konto/#veckosammanfattning", False, f"{SITE}/konto/?lang=en#veckosammanfattning"),
        (f"{SITE}/x?lang=sv", False, f"{SITE}/x?lang=sv"),
        (f"{SITE}/static/site.css", False, f"{SITE}/static/site.css"),
        (f"{SITE}/nyhetsbrev/o/abc.gif", False, f"{SITE}/nyhetsbrev/o/abc.gif"),
        (f"{SITE}.evil.example/x", False, f"{SITE}.evil.example/x"),
        (f"{SITE}0/x", False, f"{SITE}0/x"),
        ("https://winlas.se/nyheter", False, "https://winlas.se/nyheter"),
        (f"<{SITE}/a>", False, f"<{SITE}/a?lang=en>"),
    ],
    ids=[
        "path",
        "root",
        "sentence",
        "query-fragment",
        "html-ampersand",
        "fragment",
        "has-language",
        "static",
        "pixel",
        "longer-host",
        "longer-port",
        "other-site",
        "angle-brackets",
    ],
)
def test_with_language(app, body, html, expected):
    with app.app_context():
        assert with_language(body, "en", html=html) == expected


@pytest.mark.parametrize("template", every_mail_template())
def test_a_form_on_a_page_an_email_opens_posts_back_in_the_emails_language(app, contexts, template):
    """A page that answers its own form (cancel a place, confirm an account, set a password,
    stop the digest…) keeps the email's language in the form's address, so the answer after the
    button is in that language too."""
    with app.app_context():
        _subject, text, html = render(template, contexts[template], "en")
    for link in sorted({link.split("#")[0] for link in site_links(text + html) if is_page(link)}):
        response = open_fresh(app, link)
        page = response.get_data(as_text=True)
        here = response.request.path
        for action in re.findall(r'<form method="post" action="([^"]*)"', page):
            address = urlsplit(action.replace("&amp;", "&"))
            if address.path == here:
                assert parse_qs(address.query).get("lang") == ["en"], (link, action)
