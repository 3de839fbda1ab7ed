"""The access table, checked against the app's own URL map (issue 10, hostile input 35).

Every rule of the URL map is asked by every role (anonymous, customer, marketer, staff, admin)
with GET and POST, its URL variables filled with real demo objects so the route resolves, and the
answer must be the table's: the login page for an anonymous visitor where only logged-in roles
may come, 403 for a logged-in role that may not, anything else (never 500) for a role that may.
A route without an entry fails here and is refused to everyone in the running site. HEAD and
OPTIONS on every state-changing route must change nothing in the database, whoever sends them.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from flask import Blueprint

from analytics.models import MODELS as ANALYTICS_MODELS
from tests.conftest import PASSWORD, AuthActions
from winlas_site import access
from winlas_site.models import MODELS

# the demo users of each role (winlas_site/demo/load.py)
DEMO_LOGINS = {
    "customer": "bibliotekarie@exempelkommun.se",
    "marketer": "marknad@winlas.se",
    "staff": "support@winlas.se",
    "admin": "admin@winlas.se",
}
ORIGIN = "http://localhost"
# written by reading a page (throttled "last seen" stamps), not by changing anything
VOLATILE_COLUMNS = {"last_seen_at", "last_active_at"}


def _media_examples(app) -> dict[str, dict[str, object]]:
    """A stored image (row and file) for the library's delete button and /media/<name>."""
    import io

    from PIL import Image as PILImage

    from winlas_site.media import storage
    from winlas_site.media.processing import process

    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 6), (200, 40, 40)).save(buffer, "PNG")
    with app.test_request_context():
        image, _created = storage.add(
            process(buffer.getvalue(), max_bytes=10**6, max_width=100),
            original_name="rod.png",
            alt_sv="En röd ruta",
            alt_en="",
            uploaded_by=None,
        )
    return {
        "media.delete": {"image_id": image.id},
        "media.file": {"name": image.file_name},
    }


def _courses_examples(app) -> dict[str, dict[str, object]]:
    """The staff endpoints of course administration: a real session, slot and sign-up."""
    from winlas_site.courses.models import (
        Course,
        CourseSession,
        Participant,
        Registration,
        SeminarSlot,
    )

    with app.test_request_context():
        course_session = (
            CourseSession.select().join(Course).order_by(CourseSession.starts_at.desc()).first()
        )
        slot = SeminarSlot.create(
            course_session=course_session,
            title_sv="Access-tabellens seminarium",
            starts_at=course_session.starts_at,
        )
        registration = Registration.sign_up(
            course_session,
            Participant("access.tabell@exempel.se", "Acke", "Tabell", "Exempelkommun"),
            by_staff=True,
        )
    session_id = {"session_id": course_session.id}
    registration_id = {"registration_id": registration.id}
    return {
        "courses.admin_session_new": {"slug": course_session.course.slug},
        "courses.admin_session": session_id,
        "courses.admin_session_edit": session_id,
        "courses.admin_session_open": session_id,
        "courses.admin_session_close": session_id,
        "courses.admin_session_email": session_id,
        "courses.admin_participant_add": session_id,
        "courses.admin_slot_new": session_id,
        "courses.admin_slot_edit": {"slot_id": slot.id},
        "courses.admin_slot_delete": {"slot_id": slot.id},
        "courses.admin_registration_cancel": registration_id,
        "courses.admin_registration_promote": registration_id,
        "courses.admin_registration_move": registration_id,
    }


def _publishing_examples(app) -> dict[str, dict[str, object]]:
    """Each editor kind's first demo row and its first revision (demo/load.py writes one)."""
    from winlas_site.content import Revision
    from winlas_site.editor.kinds import KINDS, VIEWS

    values: dict[str, dict[str, object]] = {}
    with app.test_request_context():
        for kind in KINDS.values():
            row = kind.model.select().order_by(kind.model.id).first()
            revision = Revision.latest(kind.name, row.id)
            for view in VIEWS:
                if view in ("list", "new"):
                    continue
                values[kind.endpoint(view)] = {"row_id": row.id}
            values[kind.endpoint("restore")] = {"row_id": row.id, "revision_id": revision.id}
    return values


FUNNEL_VIEWS = ("edit", "delete", "report", "export")


def example_values(app) -> dict[str, dict[str, object]]:
    """URL variables per endpoint, naming objects that exist (call after the demo is loaded).

    Token routes get a real token where one is cheap to make and a made-up one otherwise: the
    access decision comes before the token is read, and a bad link is the view's own answer.
    """
    from analytics.dashboard.data import TABLES
    from analytics.funnels.models import Funnel, Step
    from winlas_site.auth import tokens as auth_tokens
    from winlas_site.auth.models import Organisation, User
    from winlas_site.courses.models import Course, CourseSession
    from winlas_site.customer.models import CustomerResource
    from winlas_site.leads.models import submit_inquiry
    from winlas_site.news.models import Article
    from winlas_site.newsletter.models import NewsletterIssue
    from winlas_site.products.models import Product

    with app.test_request_context():
        lead, _created = submit_inquiry(
            "question",
            "access-table",
            {
                "email": "karin.kund@exempelkommun.se",
                "first_name": "Karin",
                "last_name": "Kund",
                "organisation_name": "Exempelkommun",
            },
            {"message": "Hur fungerar fjärrlån?"},
        )
        course_session = CourseSession.select().join(Course).first()
        customer = User.get(User.email == DEMO_LOGINS["customer"])
        issue = NewsletterIssue.create(subject="Nyheter i december", body="Hej!")
        funnel = Funnel.make(
            "Access-tabellens tratt", [Step("page", "/"), Step("conversion", "quote")], "visit"
        )
        return {
            "crm.lead": {"lead_id": lead.id},
            "products.detail": {"slug": Product.select().first().slug},
            "courses.detail": {"slug": course_session.course.slug},
            "courses.participants": {"slug": course_session.course.slug},
            "courses.participants_csv": {"slug": course_session.course.slug},
            "courses.thanks": {"slug": course_session.course.slug},
            "courses.signup": {
                "slug": course_session.course.slug,
                "session_id": course_session.id,
            },
            "courses.cancel": {"token": "ogiltig-lank"},
            "news.detail": {"slug": Article.select().first().slug},
            "customer.detail": {"slug": CustomerResource.select().first().slug},
            "newsletter.edit_issue": {"issue_id": issue.id},
            "newsletter.issue_detail": {"issue_id": issue.id},
            "newsletter.send_issue": {"issue_id": issue.id},
            "newsletter.confirm": {"token": "ogiltig-lank"},
            "newsletter.unsubscribe": {"token": "ogiltig-lank"},
            "newsletter.preferences": {"token": "ogiltig-lank"},
            "newsletter.click": {"token": "ogiltig-lank"},
            "newsletter.open_pixel": {"token": "ogiltig-lank"},
            "auth.confirm": {"token": auth_tokens.make(auth_tokens.CONFIRM, customer)},
            "auth.reset_password": {"token": auth_tokens.make(auth_tokens.RESET, customer)},
            "auth.approve": {"user_id": customer.id},
            "auth.refuse": {"user_id": customer.id},
            "account.keep": {"token": "ogiltig-lank"},
            "dashboard.table": {"name": TABLES[0]},
            "dashboard.export": {"name": TABLES[0]},
            "profiles.person": {"user_id": customer.id},
            "profiles.organisation": {"organisation_id": Organisation.select().first().id},
            "profiles.visitor": {"visitor_id": "0123456789abcdef0123456789abcdef"},
            "public.set_language": {"code": "en"},
            "static": {"filename": "css/site.css"},
            "analytics.static": {"filename": "track.js"},
            # -- publishing examples --
            **_publishing_examples(app),
            # -- media examples --
            **_media_examples(app),
            # -- course administration examples --
            **_courses_examples(app),
            # -- crm examples --
            "crm.set_status": {"lead_id": lead.id},
            "crm.merge": {"contact_id": lead.contact_id},
            # -- issue 16 examples: a missing note or view is the view's own 404 --
            "dashboard.delete_annotation": {"annotation_id": 1},
            "dashboard.delete_view": {"view_id": 1},
            "dashboard.open_view": {"view_id": 1},
            **{f"funnels.{name}": {"funnel_id": funnel.id} for name in FUNNEL_VIEWS},
            "digest.unsubscribe": {"token": "ogiltig-lank"},
        }


def example_urls(app) -> dict[str, str]:
    """One resolvable URL per rule of the URL map, keyed on the endpoint."""
    values = example_values(app)
    adapter = app.url_map.bind("localhost")
    urls = {}
    for rule in app.url_map.iter_rules():
        missing = set(rule.arguments) - set(values.get(rule.endpoint, {}))
        assert not missing, f"example_values() has no {missing} for {rule.endpoint}"
        urls[rule.endpoint] = adapter.build(rule.endpoint, values.get(rule.endpoint, {}))
    return urls


def client_as(app, role: str):
    """A test client of ``role``, logged in through the real login form."""
    client = app.test_client()
    if role != access.ANONYMOUS:
        response = AuthActions(client).login(DEMO_LOGINS[role], PASSWORD)
        assert response.status_code == 302, f"the demo {role} could not log in"
    return client


def matched_endpoint(app, url: str, method: str) -> str | None:
    """The endpoint ``method url`` reaches, or None when the method is not allowed there."""
    from werkzeug.exceptions import MethodNotAllowed

    try:
        endpoint, _values = app.url_map.bind("localhost").match(urlsplit(url).path, method=method)
    except MethodNotAllowed:
        return None
    return endpoint


def is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and urlsplit(
        response.headers.get("Location", "")
    ).path.startswith("/logga-in")


def expected(rule: access.Rule, role: str, method: str) -> str:
    """What the table promises: "login", "403" or "allowed"."""
    if rule.allows(role, method):
        return "allowed"
    if role == access.ANONYMOUS and rule.allows("admin", method):
        return "login"
    return "403"


def outcome(response) -> str:
    if is_login_redirect(response):
        return "login"
    if response.status_code == 403:
        return "403"
    return "allowed"


def snapshot(database) -> dict[str, list]:
    """Every row of every table (without "last seen" stamps), to see whether anything changed."""
    state = {}
    with database.connection_context():
        for model in MODELS + ANALYTICS_MODELS:
            columns = [
                field.column_name
                for field in model._meta.sorted_fields
                if field.column_name not in VOLATILE_COLUMNS
            ]
            rows = model.select(*(getattr(model, name) for name in columns)).tuples()
            state[model._meta.table_name] = sorted(map(repr, rows))
    return state


def test_every_route_of_the_url_map_has_an_entry_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(access.TABLE)) == [], (
        "add these endpoints to winlas_site/access.py"
    )
    assert sorted(set(access.TABLE) - endpoints) == [], "entries without a route"


def test_a_route_without_an_entry_is_refused_to_everyone(app, demo, caplog):
    blueprint = Blueprint("unlisted", __name__)

    @blueprint.route("/ny-sida", methods=["GET", "POST"])
    def new_page():
        return "secret"

    app.register_blueprint(blueprint)
    for role in access.ROLES:
        client = client_as(app, role)
        with caplog.at_level(logging.ERROR, logger="winlas.auth"):
            assert client.get("/ny-sida").status_code == 403, role
        assert "no access rule for endpoint=unlisted.new_page" in caplog.text


@pytest.mark.parametrize("role", access.ROLES)
def test_every_route_answers_each_role_with_each_method_as_the_access_table_says(app, demo, role):
    urls = example_urls(app)
    client = client_as(app, role)
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "analytics.collect":
            continue  # answered before Flask (WSGI fast path): see test_collect.py
        for method in ("GET", "POST"):
            # the endpoint that really answers (POST /installningar/skickad is the preference
            # link of token "skickad", not the GET-only page)
            endpoint = matched_endpoint(app, urls[rule.endpoint], method)
            response = client.open(urls[rule.endpoint], method=method, headers={"Origin": ORIGIN})
            response.close()  # a static file holds its file open until then
            if endpoint is None:
                if response.status_code != 405:
                    wrong.append((method, rule.rule, "405 expected", response.status_code))
                continue
            want = expected(access.TABLE[endpoint], role, method)
            got = outcome(response)
            if want != got or response.status_code >= 500:
                wrong.append((method, rule.rule, want, response.status_code))
            # the login redirect must come back here, and only to this site
            if got == "login":
                assert "next=" in response.headers["Location"]
            # a role was logged out by something it may not do: the rest would be misread
            assert role == access.ANONYMOUS or client.get("/konto/").status_code == 200, (
                f"{role} lost the login at {method} {rule.rule}"
            )
    assert not wrong, "\n".join(map(str, wrong))


@pytest.mark.parametrize("role", access.ROLES)
def test_head_and_options_change_nothing_on_any_state_changing_route(app, demo, database, role):
    """docs/HOSTILE_INPUTS.md #35: HEAD /logga-ut once logged the user out without a CSRF token."""
    urls = example_urls(app)
    client = client_as(app, role)
    changed = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "analytics.collect":
            continue
        before = snapshot(database)
        for method in ("HEAD", "OPTIONS"):
            response = client.open(urls[rule.endpoint], method=method, headers={"Origin": ORIGIN})
            response.close()
            assert response.status_code < 500, (method, rule.rule)
            endpoint = matched_endpoint(app, urls[rule.endpoint], method)
            if endpoint is not None:
                want = expected(access.TABLE[endpoint], role, method)
                if outcome(response) != want:
                    changed.append((method, rule.rule, f"{want} expected", response.status_code))
            session_cookie = app.config["SESSION_COOKIE_NAME"]
            cleared = [
                header
                for header in response.headers.getlist("Set-Cookie")
                if header.startswith(f"{session_cookie}=;")
            ]
            if cleared:
                changed.append((method, rule.rule, "cleared the session cookie"))
        after = snapshot(database)
        tables = sorted(name for name in before if before[name] != after[name])
        if tables:
            changed.append(("HEAD/OPTIONS", rule.rule, tables))
    assert not changed, "\n".join(map(str, changed))


@pytest.mark.parametrize(
    "path,tracked",
    [
        ("/produkter", True),
        ("/nyheter?utm_source=x", True),
        ("/crm/", False),
        ("/crm/leads/1", False),
        ("/konto/", False),
        ("/dataskydd/logg", False),
        ("/logga-in", False),
        ("/samtycke/kvitto", False),
        ("/kundsidor", False),
        ("/finns-inte", False),
    ],
)
def test_only_public_pages_are_marked_for_the_tracker(app, path, tracked):
    with app.test_request_context("/"):
        assert access.tracked_path(path) is tracked
