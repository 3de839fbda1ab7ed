"""The marketers' dashboard at /dashboard/: who may see it, what it shows for known traffic,
its CSV files, and the answers to bad query strings."""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import re
import uuid

import pytest
import time_machine

from analytics.dashboard.data import TABLES
from analytics.store import write_lines
from tests.conftest import ms
from winlas_site.dashboard_data import site_series

NOW = datetime.datetime(2026, 11, 20, 12, 0)
TODAY = NOW.date()
# the default period is the last 30 days: 2026-10-22 … 2026-11-20
URLS = ["/dashboard/", "/dashboard/table/page", "/dashboard/?period=7d&country=SE"] + [
    f"/dashboard/export/{name}.csv" for name in TABLES
]


@pytest.fixture(autouse=True)
def frozen_clock():
    """Everything happens at NOW (UTC): the period, the live window, created_at defaults."""
    with time_machine.travel(NOW.replace(tzinfo=datetime.UTC), tick=False):
        yield


def line(visitor, events, *, geo=("SE", "Stockholm", "Stockholm"), ua=None, user=None):
    """A spooled request line as the collector writes it."""
    return {
        "r": ms(NOW),
        "v": visitor,
        "u": user,
        "ip": "192.0.2.0",
        "geo": list(geo),
        "ua": list(ua or ("Chrome", "120", "Windows", "10", "desktop")),
        "events": events,
    }


def ev(kind, when, path, **fields):
    item = {"id": str(uuid.uuid4()), "type": kind, "ts": ms(when), "path": path}
    if kind == "pageview":
        item.setdefault("ref", ["direct", ""])
        item.update(screen="1920x1080", tz="Europe/Stockholm", lang="sv-SE")
    item.update(fields)
    return item


A, B, C = "a" * 32, "b" * 32, "c" * 32
DAY1 = datetime.datetime(2026, 11, 19, 10, 0)


def known_traffic():
    """Hand-made traffic. In the 7-day period (11-14 … 11-20):

    - A's first visit (11-19 10:00, from google.se): /produkter, /kontakt, a click on a PDF;
      2 page views, lasts 120 s, no bounce.
    - B's visit (11-19 11:00, direct, Norway, Firefox on a phone): /produkter only: a bounce, 0 s.
    - A's second visit (11-20 11:50, ten minutes ago): / and a click on an outbound link; 60 s.
    Before it (11-12), in the previous 7 days: C's visit from campaign "vinter", converted.
    """
    minute = datetime.timedelta(minutes=1)
    write_lines(
        [
            line(
                A,
                [
                    ev("pageview", DAY1, "/produkter", ref=["search", "google.se"]),
                    ev("pageview", DAY1 + minute, "/kontakt"),
                    ev("engagement", DAY1 + minute, "/produkter", ms=30000),
                    ev("click", DAY1 + 2 * minute, "/kontakt", target="/filer/broschyr.pdf"),
                ],
            ),
            line(
                B,
                [ev("pageview", DAY1 + 60 * minute, "/produkter")],
                geo=("NO", "Oslo", "Oslo"),
                ua=("Firefox", "130", "Android", "14", "mobile"),
            ),
            line(
                C,
                [
                    ev(
                        "pageview",
                        datetime.datetime(2026, 11, 12, 9, 0),
                        "/produkter",
                        ref=["campaign", ""],
                        utm={"utm_source": "nyhetsbrev", "utm_campaign": "vinter"},
                    ),
                    ev(
                        "conversion",
                        datetime.datetime(2026, 11, 12, 9, 3),
                        "/kontakt",
                        name="contact",
                    ),
                ],
            ),
            line(
                A,
                [
                    ev("pageview", NOW - 10 * minute, "/"),
                    ev("click", NOW - 9 * minute, "/", target="example.org/partner"),
                ],
            ),
        ]
    )


@pytest.fixture
def traffic(app):
    with app.app_context():
        known_traffic()


@pytest.fixture
def marketer(client, create_user, auth):
    create_user("marknad@exempel.se", role="marketer")
    response = auth.login("marknad@exempel.se")
    assert response.status_code == 302
    return client


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    # issue 17: ";" between cells, decimals with a comma (the default language is Swedish)
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def number(cell: str) -> float:
    """A Swedish CSV number ("0,3333") as a float."""
    assert "." not in cell
    return float(cell.replace(",", "."))


def as_dict(table: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *body = table
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


# ---------------------------------------------------------------------------- access control


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_dashboard_url(client):
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/logga-in?next=" in response.headers["Location"], url


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_customers_and_staff_get_403_on_every_dashboard_url(client, create_user, auth, role):
    create_user("person@exempel.se", role=role)
    auth.login("person@exempel.se")
    for url in URLS:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["marketer", "admin"])
def test_marketers_and_admins_see_every_dashboard_url(client, create_user, auth, role):
    create_user("person@exempel.se", role=role)
    auth.login("person@exempel.se")
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_the_header_links_the_dashboard_and_profiles_for_marketers_only(client, create_user, auth):
    create_user("staff@exempel.se", role="staff")
    create_user("marknad@exempel.se", role="marketer")
    auth.login("staff@exempel.se")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/dashboard/"' not in html and "/dashboard/profiler/" not in html
    auth.logout()
    auth.login("marknad@exempel.se")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/dashboard/"' in html and 'href="/dashboard/profiler/"' in html


# ---------------------------------------------------------------------------- known numbers


def test_key_figures_match_the_hand_computed_traffic_and_compare_with_before(marketer, traffic):
    # the figures by the names the page gives them (issue 17: words, not codes)
    figures = as_dict(rows(marketer.get("/dashboard/export/summary.csv?period=7d")))
    assert figures["Unika besökare"]["current"] == "2"
    assert figures["Besök"]["current"] == "3"
    assert figures["Sidvisningar"]["current"] == "4"
    assert number(figures["Sidor per besök"]["current"]) == pytest.approx(4 / 3, abs=1e-4)
    assert number(figures["Avvisningsfrekvens"]["current"]) == pytest.approx(1 / 3, abs=1e-4)
    # (120 + 0 + 60) s over 3 visits
    assert number(figures["Genomsnittlig besökstid"]["current"]) == 60
    # 30 s of engagement over 4 page views
    assert number(figures["Engagerad tid per sida"]["current"]) == 7.5
    # the previous 7 days: C alone, one page view
    assert figures["Unika besökare"]["previous"] == "1"
    assert number(figures["Unika besökare"]["change"]) == 1.0  # +100 %
    assert number(figures["Sidvisningar"]["change"]) == 3.0
    # a negative change is a number, not a neutralised formula
    assert number(figures["Avvisningsfrekvens"]["change"]) == pytest.approx(-2 / 3, abs=1e-4)


def test_the_page_shows_the_figures_the_change_and_each_definition(marketer, traffic):
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    visitors = re.search(r'data-figure="visitors">(.*?)</li>', html, re.S).group(1)
    assert '<span class="figure-value">2</span>' in visitors
    assert "+100,0" in visitors
    assert "<details" in visitors and "samtycke till statistik" in visitors
    assert 'class="change change-better">+100,0' in visitors
    bounce = re.search(r'data-figure="bounce_rate">(.*?)</li>', html, re.S).group(1)
    assert "33,3" in bounce
    # the bounce rate fell from 100 %: down, and better
    assert 'class="change change-better">-66,7' in bounce
    assert 'id="definitioner"' in html
    # the visitor of ten minutes ago is "now"
    assert re.search(r'id="live-visitors">[^<]*<strong data-value="1">', html)


def test_the_dashboard_speaks_english_after_a_swedish_page(marketer, traffic):
    assert "Unika besökare" in marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    marketer.get("/sprak/en")
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    assert "Unique visitors" in html and "Unika besökare" not in html
    assert "+100.0" in html  # numbers in the reader's language too


def test_tables_list_pages_sources_places_technology_and_clicks(marketer, traffic):
    assert as_dict(rows(marketer.get("/dashboard/export/page.csv?period=7d"))) == {
        "/produkter": {
            "key": "/produkter",
            "pageviews": "2",
            "visits": "2",
            "avg_engaged_seconds": "15,0",
        },
        "/kontakt": {
            "key": "/kontakt",
            "pageviews": "1",
            "visits": "1",
            "avg_engaged_seconds": "0,0",
        },
        "/": {"key": "/", "pageviews": "1", "visits": "1", "avg_engaged_seconds": "0,0"},
    }
    sources = as_dict(rows(marketer.get("/dashboard/export/source.csv?period=7d")))
    # sources and devices in words, countries by name, as on the page (issue 17)
    assert {key: row["visits"] for key, row in sources.items()} == {"Direkt": "2", "Sökmotor": "1"}
    countries = as_dict(rows(marketer.get("/dashboard/export/country.csv?period=7d")))
    assert {key: row["visits"] for key, row in countries.items()} == {"Sverige": "2", "Norge": "1"}
    devices = as_dict(rows(marketer.get("/dashboard/export/device.csv?period=7d")))
    assert devices["Mobil"]["bounce_rate"] == "1,0"
    downloads = rows(marketer.get("/dashboard/export/download.csv?period=7d"))
    assert downloads == [["target", "clicks"], ["/filer/broschyr.pdf", "1"]]
    outbound = rows(marketer.get("/dashboard/export/outbound.csv?period=7d"))
    assert outbound == [["target", "clicks"], ["example.org/partner", "1"]]
    assert len(rows(marketer.get("/dashboard/export/click.csv?period=7d"))) == 3
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    # countries by name, sources and devices in words
    assert "Norge" in html and "Sökmotor" in html and "Mobil" in html


def test_conversion_rate_per_landing_page_and_campaign(marketer, traffic):
    entry = as_dict(rows(marketer.get("/dashboard/export/entry.csv?period=30d")))
    assert entry["/produkter"]["conversions"] == "1"
    assert number(entry["/produkter"]["conversion_rate"]) == pytest.approx(1 / 3, abs=1e-4)
    campaigns = as_dict(rows(marketer.get("/dashboard/export/campaign.csv?period=30d")))
    assert campaigns["vinter"]["conversions"] == "1"
    assert campaigns["vinter"]["conversion_rate"] == "1,0"


def test_the_time_series_chart_and_its_table_show_the_same_numbers(marketer, traffic):
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    chart = re.search(r'<svg[^>]*data-chart="chart-timeseries".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
    points = dict(
        re.findall(r'data-series="visits" data-label="([^"]+)" data-value="([^"]+)"', chart)
    )
    assert points == {
        "2026-11-14": "0",
        "2026-11-15": "0",
        "2026-11-16": "0",
        "2026-11-17": "0",
        "2026-11-18": "0",
        "2026-11-19": "2",
        "2026-11-20": "1",
    }
    table = re.search(r'data-table="timeseries".*?</table>', html, re.S).group(0)
    cells = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="num" data-column="visitors">'
        r'[^<]*</td>\s*<td class="num" data-column="visits">([^<]+)</td>',
        table,
    )
    assert dict(cells) == points


def test_today_is_shown_per_hour_and_twelve_months_per_month(marketer, traffic):
    hours = rows(marketer.get("/dashboard/export/timeseries.csv?period=today"))
    assert len(hours) == 1 + 24
    assert ["11:00", "1", "1", "1"] == hours[1 + 11][:4]
    months = rows(marketer.get("/dashboard/export/timeseries.csv?period=12m"))
    assert [row[0] for row in months[1:]][-2:] == ["2026-10", "2026-11"]
    assert months[-1][1:3] == ["3", "4"]  # A, B, C; four visits in November


def test_a_filter_applies_to_every_report_and_can_be_removed(marketer, traffic):
    figures = as_dict(rows(marketer.get("/dashboard/export/summary.csv?period=7d&country=no")))
    assert figures["Besök"]["current"] == "1"
    pages = as_dict(rows(marketer.get("/dashboard/export/page.csv?period=7d&device=mobile")))
    assert list(pages) == ["/produkter"]
    # the page filter keeps visits that viewed the page
    by_page = as_dict(rows(marketer.get("/dashboard/export/summary.csv?period=7d&page=/kontakt")))
    assert by_page["Besök"]["current"] == "1"
    html = marketer.get("/dashboard/?period=7d&country=NO&device=mobile").get_data(as_text=True)
    assert "filter-chip" in html
    removal = re.findall(r'<li class="filter-chip">.*?<a href="([^"]+)"', html, re.S)
    assert sorted(removal) == [
        "/dashboard/?period=7d&amp;country=NO",
        "/dashboard/?period=7d&amp;device=mobile",
    ]
    # a row's key is a link adding its filter to the current view
    assert (
        'href="/dashboard/?period=7d&amp;country=NO&amp;device=mobile&amp;page=/produkter"' in html
    )


def test_a_custom_period_is_kept_in_every_link(marketer, traffic):
    html = marketer.get("/dashboard/?period=custom&first=2026-11-19&last=2026-11-19").get_data(
        as_text=True
    )
    assert "2026-11-19 – 2026-11-19" in html
    assert (
        "/dashboard/export/page.csv?period=custom&amp;first=2026-11-19&amp;last=2026-11-19" in html
    )
    figures = as_dict(
        rows(
            marketer.get(
                "/dashboard/export/summary.csv?period=custom&first=2026-11-19&last=2026-11-19"
            )
        )
    )
    assert figures["Besök"]["current"] == "2"


def test_the_full_table_page_lists_every_row(marketer, traffic):
    html = marketer.get("/dashboard/table/entry?period=30d").get_data(as_text=True)
    assert "<h1>Ingångssidor</h1>" in html
    assert html.count('<th scope="row">') == 2  # /produkter and /


def test_conversions_and_consent_decisions_per_day_come_from_the_site(marketer, app, demo):
    from winlas_site.consent.models import ConsentRecord
    from winlas_site.courses.models import CourseSession, Registration
    from winlas_site.leads.models import Contact, Lead

    with app.app_context():
        contact = Contact.create(email="a@exempel.se", first_name="A", last_name="B")
        for kind, key in [("question", "q1"), ("quote", "q2"), ("quote", "q3"), ("demo", "q4")]:
            Lead.create(contact=contact, type=kind, idempotency_key=key)
        Registration.create(course_session=CourseSession.select().first(), contact=contact)
        for action in ["accept_all", "accept_all", "reject_all", "custom", "withdraw"]:
            ConsentRecord.create(
                consent_id=uuid.uuid4().hex,
                action=action,
                statistics=action == "accept_all",
                marketing=False,
                revision=1,
                texts_sha256="0" * 64,
                language="sv",
                path="/",
                ua_family="Chrome",
            )
        series = site_series(TODAY - datetime.timedelta(days=1), TODAY)
    assert series["contact"] == {TODAY: 1}
    assert series["quote"] == {TODAY: 2}
    assert series["demo"] == {TODAY: 1}
    assert series["course"] == {TODAY: 1}
    assert series["consent_accept_all"] == {TODAY: 2}
    assert series["consent_reject_all"] == {TODAY: 1}
    assert series["consent_custom"] == {TODAY: 1}
    conversions = as_dict(rows(marketer.get("/dashboard/export/conversions.csv?period=7d")))
    assert conversions[TODAY.isoformat()] == {
        "period": TODAY.isoformat(),
        "contact": "1",
        "quote": "2",
        "demo": "1",
        "course": "1",
        "total": "5",
    }
    assert conversions["2026-11-19"]["total"] == "0"
    consent = as_dict(rows(marketer.get("/dashboard/export/consent.csv?period=7d")))
    assert consent[TODAY.isoformat()] == {
        "period": TODAY.isoformat(),
        "accept_all": "2",
        "reject_all": "1",
        "custom": "1",
        "accept_all_rate": "0,5",
        "reject_all_rate": "0,25",
        "custom_rate": "0,25",
    }
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    chart = re.search(r'data-chart="chart-conversions".*?</svg>', html, re.S).group(0)
    assert f'data-series="quote" data-label="{TODAY.isoformat()}" data-value="2"' in chart


# ---------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("name", TABLES)
def test_every_table_downloads_as_csv(marketer, traffic, name):
    response = marketer.get(f"/dashboard/export/{name}.csv?period=30d")
    table = rows(response)
    assert table[0] and all(re.fullmatch(r"[a-z_]+", column) for column in table[0])
    assert all(len(row) == len(table[0]) for row in table)
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename={name}-2026-10-22-2026-11-20.csv"


def test_csv_cells_that_look_like_formulas_are_neutralised(marketer, app):
    with app.app_context():
        write_lines(
            [
                line(
                    A,
                    [
                        ev(
                            "pageview",
                            DAY1,
                            "/=HYPERLINK",
                            utm={"utm_campaign": '=HYPERLINK("http://evil.example")'},
                        ),
                        ev("click", DAY1, "/", target="@SUM(1)"),
                    ],
                )
            ]
        )
    campaigns = rows(marketer.get("/dashboard/export/campaign.csv?period=7d"))
    assert campaigns[1][0] == '\'=HYPERLINK("http://evil.example")'
    clicks = rows(marketer.get("/dashboard/export/click.csv?period=7d"))
    assert clicks[1][0] == "'@SUM(1)"
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in html


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "query",
    [
        "period=yesterday",
        "period=custom",
        "period=custom&first=2026-11-10",
        "period=custom&first=2026-11-12&last=2026-11-10",
        "period=custom&first=2026-11-10&last=2026-11-21",  # ends in the future
        "period=custom&first=2023-01-01&last=2026-11-20",  # more than 731 days
        "period=custom&first=10/11/2026&last=2026-11-20",
        "period=custom&first=2026-02-30&last=2026-11-20",
        "period=custom&first=%EF%BC%92026-11-10&last=2026-11-20",  # a fullwidth digit
        "country=SWE",
        "country=%C3%85%C3%84",
        "device=phone",
        "page=produkter",
        "source=%27%20OR%201%3D1--",
        "campaign=a%00b",
        "browser=" + "x" * 600,
        "page=/%0d%0aSet-Cookie:x",
        "period=%FF%FE",
    ],
)
def test_bad_query_values_are_400_never_500(marketer, query):
    for url in ["/dashboard/", "/dashboard/table/page", "/dashboard/export/page.csv"]:
        response = marketer.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert response.headers["Cache-Control"] == "no-store"


def test_unknown_tables_are_404(marketer):
    for url in [
        "/dashboard/table/nope",
        "/dashboard/export/nope.csv",
        "/dashboard/export/page.txt",
    ]:
        assert marketer.get(url).status_code == 404, url


def test_unknown_query_keys_are_ignored(marketer):
    assert marketer.get("/dashboard/?utm_source=x&sida=2").status_code == 200


def test_hostile_text_is_shown_escaped(marketer, app):
    with app.app_context():
        write_lines([line(B, [ev("pageview", DAY1, '/"><svg onload=alert(1)>')])])
    html = marketer.get("/dashboard/?period=7d").get_data(as_text=True)
    assert "<svg onload" not in html
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html


def test_the_page_uses_no_inline_style_or_script(marketer, traffic):
    response = marketer.get("/dashboard/?period=7d")
    html = response.get_data(as_text=True)
    assert " style=" not in html and "<style" not in html
    assert "<script>" not in html and " on" + "load=" not in html
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert html.count('role="img"') == 3


def test_the_numbers_are_the_same_once_the_days_are_rolled_up(marketer, app, traffic):
    from analytics import rollups

    urls = [
        f"/dashboard/export/{name}.csv?{query}"
        for name in TABLES
        for query in ("period=7d", "period=12m", "period=7d&country=SE")
    ]
    before = {url: marketer.get(url).get_data(as_text=True) for url in urls}
    with app.app_context():
        assert rollups.run(now=NOW) > 0
    after = {url: marketer.get(url).get_data(as_text=True) for url in urls}
    assert after == before


# -- compression (issue 17: the statistics pages are the site's heaviest HTML) ------------------


STATISTICS_PAGES = [
    "/dashboard/",
    "/dashboard/table/page",
    "/dashboard/kunder/",
    "/dashboard/funnels/",
]


@pytest.mark.parametrize("url", STATISTICS_PAGES)
def test_statistics_pages_are_compressed_for_a_browser_that_accepts_it(marketer, traffic, url):
    plain = marketer.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = marketer.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert packed.headers["Cache-Control"] == "no-store"
    # the same page (a second rendering differs only in per-request details such as the
    # CSRF token), a fraction of the size
    unpacked = gzip.decompress(packed.get_data()).decode()
    title = re.search(r"<title>(.*?)</title>", plain.get_data(as_text=True)).group(1)
    assert f"<title>{title}</title>" in unpacked and unpacked.rstrip().endswith("</html>")
    assert abs(len(unpacked) - len(plain.get_data(as_text=True))) < 200
    assert len(packed.get_data()) < len(plain.get_data()) / 3


def test_csv_and_the_public_pages_are_never_compressed(marketer, traffic, app):
    """A CSV is a download, and a public page may come from the page cache: neither is touched
    (a compressed body kept in the cache would reach a browser that cannot read it)."""
    csv_answer = marketer.get("/dashboard/export/page.csv", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in csv_answer.headers
    visitor = app.test_client()
    for url in ("/", "/produkter", "/om-oss"):
        page = visitor.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert page.status_code == 200 and "Content-Encoding" not in page.headers, url
