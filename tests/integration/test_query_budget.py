"""Every dashboard and interest-profile query runs within ANALYTICS_QUERY_BUDGET_MS.

Past the budget the database itself stops the statement (PostgreSQL: ``SET LOCAL
statement_timeout`` in a transaction; SQLite: a progress handler), the page answers 503 saying
the question is too heavy with links to lighter ones, and the worker and its connection serve
the next request. A filter value that matches nothing is answered from the rollups' index
instead of a scan of the raw tables (docs/HOSTILE_INPUTS.md #36: ``?page=/finns-inte`` ran
past 30 s on PostgreSQL). No test here reads a clock: the budget is the judge.
"""

from __future__ import annotations

import datetime
import re

import peewee
import pytest

from analytics import reports, rollups
from analytics.db import TooHeavy, time_budget
from analytics.profile_models import InterestProfile, InterestScore
from analytics.store import write_lines
from analytics.synthetic import synthetic_lines

HEAVY_MESSAGE = "Frågan är för tung"
DENSE_VISITS = 3000
DENSE_VIEWS = 100
SMALL_BUDGET_MS = 150
VISITS_ZERO = (
    r'data-figure="visits">\s*<span class="figure-label">[^<]*</span>'
    r'\s*<span class="figure-value">0<'
)


def is_postgres(database) -> bool:
    return isinstance(database, peewee.PostgresqlDatabase)


def slow_statement(database) -> str:
    """A statement that runs for tens of seconds unless it is stopped."""
    if is_postgres(database):
        return "SELECT pg_sleep(60)"
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000000)"
        " SELECT COUNT(*) FROM n"
    )


def traffic(events: int, days: int = 60) -> None:
    """Synthetic visits over the last ``days`` days, stored and rolled up as in production."""
    lines = synthetic_lines(events, days, seed=7)
    for start in range(0, len(lines), 500):
        write_lines(lines[start : start + 500])
    rollups.run()


@pytest.fixture
def marketer(client, create_user, auth):
    create_user("marknad@exempel.se", role="marketer")
    assert auth.login("marknad@exempel.se").status_code == 302
    return client


def links(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', html)]


# ------------------------------------------------------------------------------ the mechanism


def test_a_statement_past_the_budget_is_stopped_by_the_database_and_the_connection_lives(
    app, database
):
    with app.app_context():
        with pytest.raises(TooHeavy), time_budget(200):
            database.execute_sql(slow_statement(database))
        # the same pooled connection answers at once, without the budget
        assert database.execute_sql("SELECT 1").fetchone()[0] == 1
        if is_postgres(database):
            # SET LOCAL ended with the budget's transaction: nothing leaks to the next request
            assert database.execute_sql("SHOW statement_timeout").fetchone()[0] == "0"
        else:
            # the progress handler is gone: a statement of a few million steps runs to its end
            counted = database.execute_sql(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)"
                " SELECT COUNT(*) FROM n"
            ).fetchone()[0]
            assert counted == 300000


def test_a_budget_spent_between_statements_stops_the_next_report_query(app, database):
    with app.app_context():
        traffic(1500)
        period = reports.Period.parse("30d", None, None, datetime.date.today())
        two_filters = reports.Filters(page="/produkter", country="SE")
        with pytest.raises(TooHeavy), time_budget(1):
            # two filters read the cube and the raw tail, statement by statement: the spent
            # budget stops the next one
            reports.dashboard(period, two_filters)
        assert reports.dashboard(period, two_filters)["summary"].visits >= 0


# ------------------------------------------------------------------------------ the pages


def test_a_dashboard_past_its_budget_answers_503_with_lighter_questions_and_the_next_works(
    app, marketer, database
):
    with app.app_context():
        traffic(1500)
    app.config["ANALYTICS_QUERY_BUDGET_MS"] = 1
    url = "/dashboard/?period=30d&page=/produkter&country=SE"
    response = marketer.get(url)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert HEAVY_MESSAGE in html
    assert "Välj en kortare period eller färre filter." in html
    offered = links(html)
    # a shorter period with the same filters, each filter dropped, and no filter at all
    assert "/dashboard/?period=7d&page=/produkter&country=SE" in offered
    assert "/dashboard/?period=30d&country=SE" in offered
    assert "/dashboard/?period=30d&page=/produkter" in offered
    assert "/dashboard/?period=30d" in offered
    assert response.headers["Cache-Control"] == "no-store"
    for table_url in ("/dashboard/table/page?period=30d&page=/produkter&country=SE",):
        assert marketer.get(table_url).status_code == 503
    # the same worker and connection answer the next request once the budget allows it
    app.config["ANALYTICS_QUERY_BUDGET_MS"] = 10_000
    again = marketer.get(url)
    assert again.status_code == 200
    assert HEAVY_MESSAGE not in again.get_data(as_text=True)
    if is_postgres(database):
        with app.app_context():
            assert database.execute_sql("SHOW statement_timeout").fetchone()[0] == "0"


def test_a_csv_export_past_its_budget_answers_503_not_a_broken_file(app, marketer):
    with app.app_context():
        traffic(1500)
    app.config["ANALYTICS_QUERY_BUDGET_MS"] = 1
    response = marketer.get("/dashboard/export/page.csv?period=30d&page=/produkter&country=SE")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert HEAVY_MESSAGE in response.get_data(as_text=True)


def many_profiles(count: int) -> None:
    """``count`` browser profiles, each interested in one of a few topics."""
    now = datetime.datetime(2026, 11, 1, 12, 0)
    for start in range(0, count, 500):
        batch = range(start, min(start + 500, count))
        InterestProfile.insert_many(
            [
                {"visitor_id": f"{n:032x}", "first_event_at": now, "last_event_at": now}
                for n in batch
            ]
        ).execute()
    ids = [row[0] for row in InterestProfile.select(InterestProfile.id).tuples()]
    for start in range(0, len(ids), 500):
        InterestScore.insert_many(
            [
                {
                    "profile": profile,
                    "topic": f"produkt:{profile % 7}",
                    "score": 3.0,
                    "pageviews": 3,
                    "first_event_at": now,
                    "last_event_at": now,
                }
                for profile in ids[start : start + 500]
            ]
        ).execute()


def test_a_profile_page_past_its_budget_answers_503_and_the_next_request_works(app, marketer):
    with app.app_context():
        many_profiles(30_000)
    app.config["ANALYTICS_QUERY_BUDGET_MS"] = 1
    response = marketer.get("/dashboard/profiler/segment?amne=produkt:1&dagar=90")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert HEAVY_MESSAGE in html
    assert "/dashboard/profiler/segment?amne=produkt:1&dagar=7&minst=0" in links(html)
    assert "/dashboard/profiler/" in links(html)
    app.config["ANALYTICS_QUERY_BUDGET_MS"] = 10_000
    assert marketer.get("/dashboard/profiler/segment?amne=produkt:1&dagar=90").status_code == 200
    assert marketer.get("/dashboard/profiler/").status_code == 200


# ------------------------------------------------------------------------------ the plan

NOTHING = [
    "page=/finns-inte",
    "country=XX",
    "device=tablet",
    "browser=Finns-inte",
    "source=nothing",
    "campaign=finns-inte",
    "page=/finns-inte&country=SE",
    "country=SE&campaign=finns-inte",
    "device=desktop&browser=Finns-inte",
]


def dense_traffic(visits: int, views_per_visit: int, days: int = 60) -> None:
    """Many raw events cheaply: ``visits`` long visits spread over ``days`` days, rolled up.

    The raw reports' cost grows with the events they read; the rollups' with the visits, so
    long visits give a large event table without a long rollup run.
    """
    from analytics.models import Visit

    today = datetime.datetime.combine(datetime.date.today(), datetime.time())
    places = [("SE", "Chrome", "desktop", "search"), ("NO", "Firefox", "mobile", "direct")]
    rows = []
    for n in range(visits):
        started = today - datetime.timedelta(days=n % days, hours=n % 7 + 1)
        country, browser, device, source = places[n % 2]
        rows.append(
            {
                "visitor_id": f"{n:032x}",
                "started_at": started,
                "last_seen_at": started + datetime.timedelta(minutes=20),
                "entry_path": "/",
                "exit_path": "/kontakt",
                "referrer_source": source,
                "country": country,
                "browser": browser,
                "device": device,
                "utm_campaign": "host-2026" if n % 3 == 0 else "",
            }
        )
    for start in range(0, len(rows), 500):
        Visit.insert_many(rows[start : start + 500]).execute()
    # every visit's page views in one statement: the store's speed is not what is tested here
    later = (
        "v.started_at + k.n * INTERVAL '10 seconds'"
        if is_postgres(Visit._meta.database.obj)
        else "datetime(v.started_at, '+' || (k.n * 10) || ' seconds')"
    )
    Visit._meta.database.obj.execute_sql(
        "INSERT INTO event (event_id, visit_id, visitor_id, type, occurred_at, received_at,"  # noqa: S608
        " path, target, name, engaged_ms, viewport)"
        " WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < ?)"
        f" SELECT v.id || '-' || k.n, v.id, v.visitor_id, 'pageview', {later}, {later},"
        " CASE k.n - k.n / 5 * 5 WHEN 0 THEN '/' WHEN 1 THEN '/produkter'"
        " WHEN 2 THEN '/utbildningar' WHEN 3 THEN '/kontakt' ELSE '/om-oss' END, '', '', 0, ''"
        " FROM visit v CROSS JOIN k".replace("?", Visit._meta.database.obj.param),
        (views_per_visit - 1,),
    )
    rollups.run()


NOTHING = [
    "page=/finns-inte",
    "country=XX",
    "device=tablet",
    "browser=Finns-inte",
    "source=nothing",
    "campaign=finns-inte",
    "page=/finns-inte&country=SE",
    "country=SE&campaign=finns-inte",
    "device=desktop&browser=Finns-inte",
]


def test_a_filter_value_that_matches_nothing_answers_200_within_a_small_budget(
    app, marketer, database
):
    with app.app_context():
        dense_traffic(DENSE_VISITS, DENSE_VIEWS)
        if is_postgres(database):
            # what autovacuum does soon after a bulk load; this schema's tables only (a bare
            # ANALYZE measures every schema of the database, another test process's too, and
            # there records its emptied tables as holding no rows: one-row plans for its next
            # bulk load)
            for (name,) in database.execute_sql(
                "SELECT relname FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = current_schema()::regnamespace"
            ).fetchall():
                database.execute_sql(f'ANALYZE "{name}"')
    # far below what the raw reports of these rows take (hostile input 36): a value that matches
    # nothing is settled by the rollups' index and a probe of the raw tail, nothing else
    app.config["ANALYTICS_QUERY_BUDGET_MS"] = SMALL_BUDGET_MS
    for filters in NOTHING:
        for url in (
            f"/dashboard/?period=30d&{filters}",
            f"/dashboard/table/page?period=90d&{filters}",
        ):
            response = marketer.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            assert HEAVY_MESSAGE not in html, url
            if "/table/" not in url:
                assert re.search(VISITS_ZERO, html), url
