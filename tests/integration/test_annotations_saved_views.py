"""Issue 16, parts 3 and 5: notes on the dashboard's time charts and saved views.

Marketers add and delete dated notes (shown on every time chart, with a text alternative, and
in the time-series table and its CSV); a sent newsletter and a published news article note
themselves. A period with filters is saved under a name, listed for every marketer, opened with
one click, deleted; what is stored is the dashboard's own validated query, so a saved view is
exactly the selection it was saved from. Other roles are refused, unknown ids are 404, and
hostile input is a form error or a 400, never a 500.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine

import analytics
from analytics.dashboard.data import Selection
from analytics.dashboard_models import Annotation, SavedView
from tests.conftest import csrf_from
from winlas_site.dashboard_data import site_annotations

NOW = datetime.datetime(2026, 11, 20, 12, 0)
TODAY = NOW.date()
DAY = datetime.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW.replace(tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def marketer(client, create_user, auth):
    create_user("marknad@exempel.se", role="marketer", first_name="Maja")
    assert auth.login("marknad@exempel.se").status_code == 302
    return client


def token(client, url: str = "/dashboard/annotations") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def add_note(client, day: str, text: str, **extra: str):
    data = {"csrf_token": token(client), "day": day, "text": text, **extra}
    return client.post("/dashboard/annotations", data=data)


def save_view(client, name: str, **selection: str):
    data = {"csrf_token": token(client, "/dashboard/views"), "name": name, **selection}
    return client.post("/dashboard/views", data=data)


def timeseries_chart(html: str) -> str:
    return re.search(r'<svg[^>]*data-chart="chart-timeseries".*?</svg>', html, re.S).group(0)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:]), delimiter=";"))


# ---------------------------------------------------------------------------- notes


def test_a_note_added_through_the_form_shows_on_the_charts_in_the_table_and_the_csv(marketer, app):
    response = add_note(marketer, DAY.isoformat(), "  Kampanj skolbibliotek startar  ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/annotations"
    with app.app_context():
        notes = list(Annotation.select())
    assert [(n.day, n.text, n.created_at) for n in notes] == [
        (DAY, "Kampanj skolbibliotek startar", NOW)
    ]
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    chart = timeseries_chart(html)
    # the marker sits on its day, with a tooltip, and the chart's description says it too
    assert f'data-note-label="{DAY.isoformat()}" data-notes="1"' in chart
    assert f"<title>{DAY.isoformat()}: Kampanj skolbibliotek startar</title>" in chart
    desc = re.search(r'<desc id="chart-timeseries-desc">(.*?)</desc>', chart, re.S).group(1)
    assert f"Anteckningar: {DAY.isoformat()}: Kampanj skolbibliotek startar." in desc
    # every time chart: the conversions and consent bars too
    for other in ("chart-conversions", "chart-consent"):
        svg = re.search(rf'<svg[^>]*data-chart="{other}".*?</svg>', html, re.S).group(0)
        assert f'data-note-label="{DAY.isoformat()}"' in svg
    # the time-series table names the note on its row, and only there
    table = re.search(r'data-table="timeseries".*?</table>', html, re.S).group(0)
    row = re.search(rf"<th scope=\"row\">{DAY.isoformat()}</th>.*?</tr>", table, re.S).group(0)
    assert 'data-column="notes"' in row and "Kampanj skolbibliotek startar" in row
    assert table.count("Kampanj skolbibliotek startar") == 1
    exported = csv_rows(marketer.get("/dashboard/export/timeseries.csv?period=7d"))
    assert exported[0][-1] == "notes"
    by_day = {row[0]: row[-1] for row in exported[1:]}
    assert by_day[DAY.isoformat()] == "Kampanj skolbibliotek startar"
    assert by_day[TODAY.isoformat()] == ""


def test_the_overview_form_leads_back_to_the_same_view(marketer):
    response = add_note(
        marketer,
        TODAY.isoformat(),
        "Mässa",
        period="custom",
        first="2026-11-01",
        last=TODAY.isoformat(),
        country="SE",
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/dashboard/" and location.fragment == "timeseries-title"
    assert dict(parse_qsl(location.query)) == {
        "period": "custom",
        "first": "2026-11-01",
        "last": TODAY.isoformat(),
        "country": "SE",
    }


def test_notes_are_per_month_in_twelve_months_and_on_the_first_hour_of_today(marketer, app):
    with app.app_context():
        Annotation.add(datetime.date(2026, 10, 3), "Oktoberkampanj", None)
        Annotation.add(TODAY, "Ny startsida", None)
    months = csv_rows(marketer.get("/dashboard/export/timeseries.csv?period=12m"))
    by_month = {row[0]: row[-1] for row in months[1:]}
    assert by_month["2026-10"] == "Oktoberkampanj"
    assert by_month["2026-11"] == "Ny startsida"
    hours = csv_rows(marketer.get("/dashboard/export/timeseries.csv?period=today"))
    assert hours[1][0] == "00:00" and hours[1][-1] == "Ny startsida"
    assert all(row[-1] == "" for row in hours[2:])
    html = marketer.get("/dashboard/?period=today").get_data(as_text=True)
    assert 'data-note-label="00:00"' in timeseries_chart(html)


def test_a_note_is_listed_with_its_author_and_deleted(marketer, app):
    add_note(marketer, DAY.isoformat(), "Webbinarium om fjärrlån")
    html = marketer.get("/dashboard/annotations").get_data(as_text=True)
    assert "Webbinarium om fjärrlån" in html and "Maja Person" in html
    with app.app_context():
        note = Annotation.get()
    response = marketer.post(
        f"/dashboard/annotations/{note.id}/delete", data={"csrf_token": token(marketer)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert Annotation.select().count() == 0
    assert "Webbinarium om fjärrlån" not in marketer.get("/dashboard/?period=7d").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("day", "text"),
    [
        ("", "Kampanj"),
        ("2026-13-01", "Kampanj"),
        ("20.11.2026", "Kampanj"),
        ("1999-01-01", "Kampanj"),  # more than five years back
        ("2028-01-01", "Kampanj"),  # more than a year ahead
        ("99999-01-01", "Kampanj"),
        ("2026-11-18", ""),
        ("2026-11-18", "   "),
        ("2026-11-18", "x" * 201),
        ("2026-11-18", "Kampanj\x00start"),
        ("2026-11-18", "Kampanj\x1b[31m"),
        ("2026-11-18", "Rad ett\nrad två"),
        ("2026-11-18", "Kampanj\u202etrats"),  # a bidirectional override
        ("2026-11-18", "Kamp\x85anj"),  # a C1 control (at the ends, strip() takes it as space)
    ],
)
def test_bad_notes_are_refused_with_a_form_error(marketer, app, day, text):
    response = add_note(marketer, day, text)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    with app.app_context():
        assert Annotation.select().count() == 0


def test_the_longest_note_and_the_edges_of_the_date_range_are_accepted(marketer, app):
    assert add_note(marketer, "2021-11-20", "x" * 200).status_code == 302
    assert add_note(marketer, "2027-11-21", "Planerad kampanj").status_code == 302
    with app.app_context():
        assert Annotation.select().count() == 2


def test_hostile_note_text_is_escaped_everywhere(marketer):
    hostile = '<script>alert(1)</script>"><svg onload=alert(2)>'
    assert add_note(marketer, DAY.isoformat(), hostile).status_code == 302
    for url in ("/dashboard/?period=7d", "/dashboard/annotations", "/dashboard/table/timeseries"):
        html = marketer.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<svg onload" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_a_form_without_its_csrf_token_is_refused(marketer, app):
    response = marketer.post("/dashboard/annotations", data={"day": "2026-11-18", "text": "x"})
    assert response.status_code == 400
    with app.app_context():
        note = Annotation.add(DAY, "Kvar", None)
    assert marketer.post(f"/dashboard/annotations/{note.id}/delete").status_code == 400
    with app.app_context():
        assert Annotation.select().count() == 1


def test_unknown_and_bad_note_ids_are_404(marketer):
    data = {"csrf_token": token(marketer)}
    assert marketer.post("/dashboard/annotations/999999/delete", data=data).status_code == 404
    assert marketer.post("/dashboard/annotations/abc/delete", data=data).status_code == 404
    assert marketer.post("/dashboard/annotations/-1/delete", data=data).status_code == 404
    assert marketer.get("/dashboard/annotations/1/delete").status_code == 405


def test_a_bad_selection_beside_a_note_is_400(marketer, app):
    response = add_note(marketer, DAY.isoformat(), "Kampanj", period="custom", first="x")
    assert response.status_code == 400
    with app.app_context():
        assert Annotation.select().count() == 0


# ---------------------------------------------------------------------------- the site's own


def test_a_sent_newsletter_and_a_published_article_note_themselves(marketer, app):
    from winlas_site.content import DRAFT
    from winlas_site.news.models import Article
    from winlas_site.newsletter.models import NewsletterIssue

    def article(slug: str, title: str, **fields):
        return Article.create(
            slug=slug, title_sv=title, summary_sv="Kort.", body_sv="Text.", **fields
        )

    with app.app_context():
        NewsletterIssue.create(
            subject="Nyheter i november", body="Hej!", sent_at=datetime.datetime(2026, 11, 17, 7)
        )
        NewsletterIssue.create(subject="Utkast till december", body="Hej!")  # not sent
        article("winlas-9", "WinLas 9 är här", published=datetime.date(2026, 11, 16))
        article("utkast", "Ett utkast", published=DAY, status=DRAFT)
        # scheduled: public tomorrow, not news yet
        article(
            "planerad",
            "Planerad nyhet",
            published=TODAY,
            publish_at=NOW + datetime.timedelta(days=1),
        )
        # scheduled earlier and public since 11-19 09:00: noted on the day it went public
        article(
            "publicerad-senare",
            "Användardagarna 2027",
            published=datetime.date(2026, 11, 10),
            publish_at=datetime.datetime(2026, 11, 19, 9),
        )
        found = site_annotations(datetime.date(2026, 11, 14), TODAY)
    assert [(item.day.isoformat(), item.kind, item.text) for item in found] == [
        ("2026-11-16", "news", "WinLas 9 är här"),
        ("2026-11-17", "newsletter", "Nyheter i november"),
        ("2026-11-19", "news", "Användardagarna 2027"),
    ]
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    chart = timeseries_chart(html)
    assert "<title>2026-11-17: Nyhetsbrev skickat: Nyheter i november</title>" in chart
    assert "<title>2026-11-16: Nyhet publicerad: WinLas 9 är här</title>" in chart
    assert "Utkast" not in chart and "Planerad nyhet" not in chart and "Ett utkast" not in chart
    table = re.search(r'data-table="timeseries".*?</table>', html, re.S).group(0)
    assert 'data-note-kind="newsletter">Nyhetsbrev skickat: Nyheter i november' in table
    # the site's own are not the marketers' to delete: not in the list of notes
    assert "Nyheter i november" not in marketer.get("/dashboard/annotations").get_data(as_text=True)
    exported = csv_rows(marketer.get("/dashboard/export/timeseries.csv?period=7d"))
    # the CSV says it in the table's words (issue 17)
    assert {row[0]: row[-1] for row in exported[1:]}["2026-11-17"] == (
        "Nyhetsbrev skickat: Nyheter i november"
    )


# ---------------------------------------------------------------------------- saved views


SELECTION = {
    "period": "custom",
    "first": "2026-11-01",
    "last": "2026-11-15",
    "country": "SE",
    "page": "/produkter",
    "source": "search",
}


def test_a_saved_view_is_the_selection_it_was_saved_from(marketer, app):
    original = Selection.from_args(SELECTION, TODAY)
    response = save_view(marketer, "Sökning i Sverige, produkter", **SELECTION)
    assert response.status_code == 302
    assert dict(parse_qsl(urlsplit(response.headers["Location"]).query)) == original.query()
    with app.app_context():
        view = SavedView.get()
    assert Selection.from_args(dict(parse_qsl(view.query)), TODAY) == original
    assert view.created_at == NOW
    # one click: the overview with the same period and filters
    opened = marketer.get(f"/dashboard/views/{view.id}")
    assert opened.status_code == 302
    location = urlsplit(opened.headers["Location"])
    assert location.path == "/dashboard/"
    assert Selection.from_args(dict(parse_qsl(location.query)), TODAY) == original
    html = marketer.get(opened.headers["Location"]).get_data(as_text=True)
    assert "2026-11-01 – 2026-11-15" in html
    assert html.count('class="filter-chip"') == 3


def test_a_relative_period_stays_relative(marketer, app):
    assert save_view(marketer, "Senaste veckan", period="7d").status_code == 302
    with app.app_context():
        view = SavedView.get()
    assert view.query == "period=7d"
    # opened, it is the last seven days of the day it is opened on, not of the day it was saved
    location = marketer.get(f"/dashboard/views/{view.id}").headers["Location"]
    assert location == "/dashboard/?period=7d"


def test_saved_views_are_listed_for_every_marketer_with_who_and_when(
    app, client, create_user, auth
):
    create_user("maja@exempel.se", role="marketer", first_name="Maja")
    create_user("admin@exempel.se", role="admin", first_name="Ada")
    auth.login("maja@exempel.se")
    save_view(client, "Kampanjer i Norge", period="30d", country="NO")
    auth.logout()
    auth.login("admin@exempel.se")
    listing = client.get("/dashboard/views").get_data(as_text=True)
    row = re.search(r'<tr data-view="\d+">.*?</tr>', listing, re.S).group(0)
    assert "Kampanjer i Norge" in row and "Maja Person" in row
    assert "30 dagar, Land: Norge" in row and "2026-11-20 12:00 UTC" in row
    overview = client.get("/dashboard/").get_data(as_text=True)
    assert re.search(
        r'<a href="/dashboard/views/\d+" data-view="\d+">Kampanjer i Norge</a>', overview
    )


def test_a_saved_view_is_deleted(marketer, app):
    save_view(marketer, "Tillfällig", period="7d")
    with app.app_context():
        view = SavedView.get()
    response = marketer.post(
        f"/dashboard/views/{view.id}/delete", data={"csrf_token": token(marketer)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert SavedView.select().count() == 0
    assert marketer.get(f"/dashboard/views/{view.id}").status_code == 404


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 101, "Vy\x00namn", "Vy\x07", "Vy\nnamn", "\u202eevil"],
)
def test_bad_view_names_are_refused_with_a_form_error(marketer, app, name):
    response = save_view(marketer, name, period="7d")
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    with app.app_context():
        assert SavedView.select().count() == 0


def test_a_name_in_use_is_refused(marketer, app):
    assert save_view(marketer, "Kampanjer", period="7d").status_code == 302
    response = save_view(marketer, "Kampanjer", period="30d")
    assert response.status_code == 400
    assert "Det finns redan en sparad vy med det namnet." in response.get_data(as_text=True)
    with app.app_context():
        assert [view.query for view in SavedView.select()] == ["period=7d"]


@pytest.mark.parametrize(
    "selection",
    [
        {},  # no period at all
        {"period": "yesterday"},
        {"period": "custom", "first": "2026-11-10"},
        {"period": "custom", "first": "2026-11-10", "last": "2026-11-21"},
        {"period": "7d", "country": "SWE"},
        {"period": "7d", "device": "phone"},
        {"period": "7d", "page": "produkter"},
        {"period": "7d", "campaign": "a\x00b"},
        {"period": "7d", "browser": "x" * 600},
    ],
)
def test_a_view_of_something_the_dashboard_refuses_cannot_be_saved(marketer, app, selection):
    assert save_view(marketer, "Ogiltig", **selection).status_code == 400
    with app.app_context():
        assert SavedView.select().count() == 0


def test_hostile_view_names_are_shown_escaped(marketer, app):
    hostile = '<img src=x onerror=alert(1)>"'
    assert save_view(marketer, hostile, period="7d", campaign="<b>vinter</b>").status_code == 302
    for url in ("/dashboard/", "/dashboard/views"):
        html = marketer.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "<b>vinter" not in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;&#34;" in html, url


def test_unknown_and_bad_view_ids_are_404(marketer):
    data = {"csrf_token": token(marketer)}
    for url in ("/dashboard/views/999999", "/dashboard/views/abc", "/dashboard/views/1.5"):
        assert marketer.get(url).status_code == 404, url
    assert marketer.post("/dashboard/views/999999/delete", data=data).status_code == 404
    assert marketer.post("/dashboard/views/abc/delete", data=data).status_code == 404


# ---------------------------------------------------------------------------- who may


ENDPOINTS = [
    ("GET", "/dashboard/annotations"),
    ("POST", "/dashboard/annotations"),
    ("POST", "/dashboard/annotations/1/delete"),
    ("GET", "/dashboard/views"),
    ("POST", "/dashboard/views"),
    ("POST", "/dashboard/views/1/delete"),
    ("GET", "/dashboard/views/1"),
]


@pytest.fixture
def one_of_each(app):
    with app.app_context():
        Annotation.add(DAY, "Kvar", None)
        SavedView.save_as("Kvar", "period=7d", None)


def test_anonymous_visitors_are_sent_to_the_login_page(client, one_of_each):
    for method, url in ENDPOINTS:
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/logga-in" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_customers_and_staff_are_refused(client, create_user, auth, app, one_of_each, role):
    create_user("person@exempel.se", role=role)
    auth.login("person@exempel.se")
    for method, url in ENDPOINTS:
        # the access table answers before the CSRF check: no token needed to be refused
        data = {"day": "2026-11-18", "text": "x", "name": "y", "period": "7d"}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 403, (method, url)
    with app.app_context():
        assert [n.text for n in Annotation.select()] == ["Kvar"]
        assert [v.name for v in SavedView.select()] == ["Kvar"]


# ---------------------------------------------------------------------------- the author


def test_the_authors_export_and_erasure(marketer, app):
    from winlas_site.auth.models import User

    add_note(marketer, DAY.isoformat(), "Min anteckning")
    save_view(marketer, "Min vy", period="7d")
    with app.app_context():
        user_id = User.get(User.email == "marknad@exempel.se").id
        written = analytics.dashboard_authored(user_id)
        assert [n["text"] for n in written["annotations"]] == ["Min anteckning"]
        assert [(v["name"], v["query"]) for v in written["saved_views"]] == [
            ("Min vy", "period=7d")
        ]
        assert analytics.forget_dashboard_author(user_id) == {"annotations": 1, "saved_views": 1}
        assert analytics.dashboard_authored(user_id) == {"annotations": [], "saved_views": []}
        # the team's notes stay, without an author
        assert [(n.text, n.created_by) for n in Annotation.select()] == [("Min anteckning", None)]
    listing = marketer.get("/dashboard/annotations").get_data(as_text=True)
    assert "Min anteckning" in listing


def test_demo_notes_are_added_once(app):
    with app.app_context():
        assert analytics.demo_annotations(TODAY) == 5
        assert analytics.demo_annotations(TODAY) == 0
        texts = [n.text for n in Annotation.select()]
    assert "Kampanj skolbibliotek startar (Facebook)" in texts


# ---------------------------------------------------------------------------- panels


def test_every_panel_row_has_a_bar_as_long_as_its_share_of_the_top_row(marketer, app):
    from tests.integration.test_dashboard import known_traffic

    with app.app_context():
        known_traffic()
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    pages = re.search(r'<div class="panel" id="table-page">.*?</table>', html, re.S).group(0)
    # /produkter 2 page views, /kontakt and / one each
    shares = re.findall(r'<rect width="([\d.]+)" height="10" data-share="([\d.]+)"', pages)
    assert shares == [("100.0", "1.000"), ("50.0", "0.500"), ("50.0", "0.500")]
    # the panel shows a few columns; the full table and the CSV have them all
    assert 'data-column="bounce_rate"' not in re.search(
        r'<div class="panel" id="table-source">.*?</table>', html, re.S
    ).group(0)
    assert "/dashboard/table/source?period=7d" in html
    assert "/dashboard/export/source.csv?period=7d" in html
