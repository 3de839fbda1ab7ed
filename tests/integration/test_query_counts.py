"""SQL statements per page, pinned for the main page types.

A page's statements are counted at the database (every statement peewee sends goes through
``execute_sql``), on a full render: the page cache is off. Each page is counted twice, over the
demo content and again with twenty more leads (the rows of the CRM list and of the dashboard's
lead series), and must send the same number of statements both times: a count that grows with
the rows is an N+1. A change of a pinned number is a decision: lower it when a query goes away,
raise it only with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import peewee
import pytest

from winlas_site.leads.models import submit_inquiry

from ..conftest import log_in

# (who, path or a pattern of a link to follow, statements per request). Where they go: a
# logged-in page's first is the session with its user; the start and product pages read the
# products and the latest news (the start page also its customer quotes, issue 17); a course
# page the course, the products, its dates and their seat counts (one grouped query for all
# dates); the CRM list a count, the owners, one page of
# leads; the dashboard the rollups' state and the raw tail (twice: two reports), then
# the site's series (leads, registrations, consents), the period's notes (its own, sent
# newsletters, published news), the request count (its first day, the period's sum), the saved
# views, and the campaign summary (touches waiting for leads and sign-ups, the period's leads,
# their status history, its sign-ups).
PAGES = {
    "start page": ("anonymous", "/", 3),
    "product page": ("anonymous", r"/produkter/[a-z0-9-]+", 2),
    "news list": ("anonymous", "/nyheter", 1),
    "course page": ("anonymous", r"/utbildningar/[a-z0-9-]+", 4),
    "contact page": ("anonymous", "/kontakt", 0),
    "contact form": ("anonymous", "/kontakt/fraga", 1),
    "customer pages": ("bibliotekarie@exempelkommun.se", "/kundsidor", 2),
    "Mitt konto": ("bibliotekarie@exempelkommun.se", "/konto/", 9),
    "CRM list": ("support@winlas.se", "/crm/", 4),
    "dashboard": ("marknad@winlas.se", "/dashboard/", 23),
}
# PostgreSQL: the dashboard's time budget starts with its own ``SET LOCAL statement_timeout``
POSTGRES_EXTRA = {"dashboard": 1}
LINK_SOURCE = {"/produkter/": "/produkter", "/utbildningar/": "/utbildningar"}


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_PAGE_CACHE_SECONDS"] = 0  # every request renders its page
    return app_config


@contextmanager
def counted(database) -> Iterator[list[str]]:
    """The statements sent to ``database`` inside the block."""
    statements: list[str] = []
    execute_sql = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return execute_sql(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        yield statements
    finally:
        del database.execute_sql  # the class's method again


def resolve(client, path: str) -> str:
    """``path``, or the first link on its list page that matches it as a pattern."""
    if "[" not in path:
        return path
    source = next(page for prefix, page in LINK_SOURCE.items() if path.startswith(prefix))
    html = client.get(source).get_data(as_text=True)
    match = re.search(f'href="({path})"', html)
    assert match, f"no link matching {path} on {source}"
    return match.group(1)


def more_rows(app) -> None:
    """Twenty leads for the CRM list: a per-row query would show as twenty more."""
    with app.app_context():
        for n in range(20):
            submit_inquiry(
                "quote" if n % 2 else "question",
                f"sub-{n}",
                {
                    "email": f"person{n}@exempel.se",
                    "first_name": f"Person{n}",
                    "last_name": "Test",
                    "organisation_name": f"Kommun {n % 4}",
                },
                {"message": f"Fråga {n}"},
            )


def statements_of(app, database, who: str, path: str) -> list[str]:
    client = app.test_client()
    if who != "anonymous":
        assert log_in(client, who).status_code == 302
    url = resolve(client, path)
    # the first request may do once-a-day work (the user's last activity): not the page's cost
    assert client.get(url).status_code == 200, url
    with counted(database) as statements:
        assert client.get(url).status_code == 200, url
    return statements


def test_statements_per_page_are_pinned_and_do_not_grow_with_rows(app, demo, database):
    before = {
        name: statements_of(app, database, who, path) for name, (who, path, _) in PAGES.items()
    }
    more_rows(app)
    after = {
        name: statements_of(app, database, who, path) for name, (who, path, _) in PAGES.items()
    }
    counts = {name: (len(before[name]), len(after[name])) for name in PAGES}
    extra = POSTGRES_EXTRA if isinstance(database, peewee.PostgresqlDatabase) else {}
    pinned = {name: count + extra.get(name, 0) for name, (_, _, count) in PAGES.items()}
    assert counts == {name: (count, count) for name, count in pinned.items()}
