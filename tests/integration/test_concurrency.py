"""Many people sending forms at the same moment: nothing lost on the embedded SQLite default.

A real server (werkzeug, one thread per request) in front of the app, real sessions and CSRF
tokens, the forms' spam guard passed as a person passes it (the form's own fill token, with
the minimum fill time set to 0 for the test). Seen before the fix: 4 threads x 15 quote forms,
27 of 60 answered 500 "database is locked" and were lost, because a transaction that reads
before it writes cannot wait for SQLite's write lock.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import csrf_from
from winlas_site.leads.models import Contact, Lead

SUBMITTERS = 8
FORMS_EACH = 15
PATHS = {"question": "/kontakt/fraga", "quote": "/kontakt/offert"}


@pytest.fixture
def app_config(app_config):
    # every submission comes from the same loopback address: the per-client limit would
    # (rightly) stop a real single client long before this
    app_config.update(
        WINLAS_FORM_LIMIT="100000 per hour",
        WINLAS_FORM_EMAIL_LIMIT="100000 per hour",
        WINLAS_MIN_FILL_SECONDS=0,
    )
    return app_config


@pytest.fixture
def served(app):
    """The app behind a real threaded HTTP server on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def submitter(base: str, number: int, start: threading.Barrier, answers: list) -> None:
    """One person: fetch a form, fill it in, send it; FORMS_EACH times, quote and question."""
    with requests.Session() as http:
        pages = []
        for round_ in range(FORMS_EACH):
            kind = "quote" if round_ % 2 == 0 else "question"
            html = http.get(base + PATHS[kind], timeout=30).text
            pages.append((kind, round_, html))
        start.wait(30)  # everybody sends at the same moment
        for kind, round_, html in pages:
            data = {
                "csrf_token": csrf_from(html),
                "started": hidden(html, "started"),
                "submission": hidden(html, "submission"),
                "website": "",
                "first_name": "Samtidig",
                "last_name": f"Person{number}",
                "organisation": "Exempelkommun",
                "email": f"person{number}.form{round_}@exempelkommun.se",
                "message": f"Fråga nummer {round_} från {number}",
            }
            if kind == "quote":
                data.update(organisation_type="municipal_library", sites="3", users="12")
            response = http.post(base + PATHS[kind], data=data, allow_redirects=False, timeout=60)
            answers.append((data["email"], response.status_code))


def test_eight_people_sending_fifteen_forms_each_at_once_lose_nothing(app, served):
    answers: list[tuple[str, int]] = []
    start = threading.Barrier(SUBMITTERS)
    threads = [
        threading.Thread(target=submitter, args=(served, number, start, answers))
        for number in range(SUBMITTERS)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    elapsed = time.monotonic() - began
    statuses = [status for _email, status in answers]
    assert len(answers) == SUBMITTERS * FORMS_EACH
    failures = [s for s in statuses if s >= 500]
    assert not failures, f"{len(failures)} of {len(statuses)} answered 5xx: {failures}"
    assert set(statuses) == {303}, statuses  # every one went on to the thank-you page
    with app.app_context():
        stored = {lead.contact.email for lead in Lead.select(Lead, Contact).join(Contact)}
        assert stored == {email for email, _status in answers}
        assert Lead.select().count() == SUBMITTERS * FORMS_EACH
    print(f"{len(answers)} concurrent submissions in {elapsed:.1f} s, 0 lost")


# SQLite only: PostgreSQL takes row locks; the problem is SQLite's deferred transactions
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_sqlite_transaction_that_reads_before_it_writes_waits_for_another_writer(app, database):
    """The root cause, without HTTP: a transaction reads (and so holds a snapshot), another
    connection commits a write, then the first writes. Deferred, SQLite refuses that write at
    once with "database is locked" (busy_timeout cannot help); IMMEDIATE, the second writer
    waits for the first instead."""
    read_done, other_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with app.app_context(), database.connection_context(), database.atomic():
                Contact.get_or_none(Contact.email == "a@exempel.se")  # the read
                read_done.set()
                other_done.wait(2)  # the other writer tries meanwhile (and must wait)
                Contact.create(email="a@exempel.se", first_name="A", last_name="A")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            read_done.set()

    def second():
        read_done.wait(5)
        try:
            with app.app_context(), database.connection_context(), database.atomic():
                Contact.create(email="b@exempel.se", first_name="B", last_name="B")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            other_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        assert {c.email for c in Contact.select()} == {"a@exempel.se", "b@exempel.se"}
