"""Erasure is complete, also for what is still on its way (P14).

A logged-in customer with statistics consent sends a tracked line through the real collect
endpoint; it waits in the spool (the writer is not draining) while the person erases the
account. Then the spool is drained, and every table of the database and every file of the
instance folder (and the SQLite file with its WAL) is searched for the address and the surname.

Seen before: the line was written after the erasure (a visit with the user's id), `strings`
found the address in the SQLite file's free pages and in its WAL, and the outbox folder kept
the person's .eml files.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import pytest

from analytics.models import Event, Visit
from tests.conftest import PASSWORD, csrf_from, log_in
from tests.integration.test_export_erase import (
    CHROME,
    EMAIL,
    SURNAME,
    VISITOR,
    give_consent,
    seed_person,
    traces,
)
from winlas_site.leads.models import Lead
from winlas_site.mail.models import OutboxMessage

ORIGIN = {"Origin": "http://localhost"}
BROWSER = "b" * 32  # the visitor id of the browser the person erases from


@pytest.fixture
def app_config(app_config):
    app_config.update(
        # the spool is not drained within the request: the line waits, as in production
        ANALYTICS_WRITE_MODE="background",
        # and the background writer sleeps through the test; the test drains by hand
        ANALYTICS_FLUSH_SECONDS=3600,
        ANALYTICS_MAINTENANCE_SECONDS=3600,
        # no SMTP host: every email is written to instance/outbox/ as an .eml file
        WINLAS_SMTP_HOST="",
        WINLAS_FORM_EMAIL_LIMIT="100 per hour",
    )
    return app_config


def is_sqlite(database) -> bool:
    return "sqlite" in database.__class__.__name__.lower()


def files_holding(paths: list[Path], *needles: str) -> list[str]:
    """Every file under ``paths`` whose bytes hold one of ``needles`` (UTF-8, any case)."""
    wanted = [needle.lower().encode() for needle in needles]
    hits = []
    for root in paths:
        candidates = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in candidates:
            content = path.read_bytes().lower()
            hits += [f"{path.name}: {n.decode()}" for n in wanted if n in content]
    return hits


def send_inquiry(client) -> None:
    """The person asks a question through the public form: a lead, and two emails."""
    page = client.get("/kontakt/fraga").get_data(as_text=True)

    def hidden(name):
        return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)

    response = client.post(
        "/kontakt/fraga",
        data={
            "csrf_token": csrf_from(page),
            "started": hidden("started"),
            "submission": hidden("submission"),
            "website": "",
            "first_name": "Greta",
            "last_name": SURNAME,
            "organisation": "Exempelkommun",
            "email": EMAIL,
            "message": f"Hej! Hälsningar Greta {SURNAME}",
        },
    )
    assert response.status_code == 303


def collect_click(client) -> None:
    """A click the tracker sends just before the erasure: accepted, spooled, not yet stored."""
    response = client.post(
        "/api/collect",
        data=json.dumps(
            {
                "events": [
                    {
                        "type": "click",
                        "url": "http://localhost/produkter",
                        "target": "http://localhost/konto/radera",
                        "name": "Radera mitt konto",
                        "id": str(uuid.uuid4()),
                        "ts": int(time.time() * 1000),
                    }
                ]
            }
        ),
        content_type="application/json",
        headers={**ORIGIN, "User-Agent": CHROME},
    )
    assert response.status_code == 202, response.get_data(as_text=True)


def test_erasure_leaves_nothing_in_any_table_or_file_even_of_a_line_still_in_the_spool(
    app, client, database
):
    user_id = seed_person(app)
    give_consent(client)
    # this browser has no stored row yet: all it sent is still in the spool
    client.set_cookie("winlas_vid", BROWSER)
    send_inquiry(client)
    outbox = Path(app.instance_path) / "outbox"
    assert files_holding([outbox], EMAIL, SURNAME)  # the lead's emails are on disk
    collect_click(client)  # logged out: a line with the visitor id only
    assert log_in(client, EMAIL).status_code == 302
    collect_click(client)  # logged in: a line with the user id
    spool = Path(app.instance_path) / "analytics-spool"
    with app.app_context():
        assert Event.select().where(Event.name == "Radera mitt konto").count() == 0  # waiting
    assert [p for p in spool.rglob("*") if p.is_file() and p.stat().st_size]

    page = client.get("/konto/radera")
    erased = client.post(
        "/konto/radera",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "password": PASSWORD,
            "confirm": "y",
        },
    )
    assert erased.status_code == 303
    # the browser forgets the visitor id (and the remember-me cookie and tracker queue) too
    cookies = erased.headers.getlist("Set-Cookie")
    assert any(c.startswith("winlas_vid=;") and "Expires=Thu, 01 Jan 1970" in c for c in cookies)
    assert erased.headers["Clear-Site-Data"] == '"storage"'
    assert client.get_cookie("winlas_vid") is None

    # now the writer gets to the line that was accepted before the erasure
    with app.app_context():
        app.extensions["analytics"].flush()
        assert Event.select().where(Event.user_id == user_id).count() == 0
        assert Visit.select().where(Visit.user_id == user_id).count() == 0
        assert Visit.select().where(Visit.visitor_id.in_([VISITOR, BROWSER])).count() == 0
        assert Event.select().where(Event.visitor_id.in_([VISITOR, BROWSER])).count() == 0
        assert Event.select().where(Event.name == "Radera mitt konto").count() == 0
        assert Lead.select().count() == 0
        assert OutboxMessage.select().count() == 0  # the confirmation too, once delivered

    assert traces(database, EMAIL, SURNAME) == []
    places = [Path(app.instance_path)]
    if is_sqlite(database):
        # the test database lives beside the instance folder; in production it is inside
        main = Path(database.database)
        places += [p for p in main.parent.glob(main.name + "*") if p.is_file()]
    assert files_holding(places, EMAIL, SURNAME) == []


# SQLite only: PostgreSQL's files are the server's; the tables are searched above
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_sqlite_file_and_its_wal_keep_no_bytes_of_an_erased_address(app, database):
    """secure_delete zeroes what a DELETE frees, and the checkpoint after an erasure empties the
    WAL, where the pages as they were before the erasure would otherwise remain."""
    seed_person(app)
    main = Path(database.database)
    files = [p for p in main.parent.glob(main.name + "*") if p.is_file()]
    assert files_holding(files, EMAIL)  # it is there before
    from winlas_site.account import data as person

    with app.test_request_context():
        with database.connection_context():
            assert database.execute_sql("PRAGMA secure_delete").fetchone()[0] == 1
        person.erase_person(EMAIL)
    files = [p for p in main.parent.glob(main.name + "*") if p.is_file()]
    assert files_holding(files, EMAIL, SURNAME) == []


def test_the_outbox_files_of_an_erased_person_are_deleted_with_their_rows(app, client, database):
    """Each .eml file is found from its outbox row (date and Message-ID); files whose row is
    already gone are found by their content."""
    seed_person(app)
    send_inquiry(client)
    outbox = Path(app.instance_path) / "outbox"
    other = outbox / "20200101-000000-gammal.eml"  # an old file whose row was purged long ago
    other.write_bytes(f"To: {EMAIL}\r\nSubject: gammalt\r\n\r\nHej\r\n".encode())
    bystander = outbox / "20200101-000000-annan.eml"
    bystander.write_bytes(b"To: annan@exempel.se\r\nSubject: annat\r\n\r\nHej\r\n")
    assert len(files_holding([outbox], EMAIL)) == 3
    from winlas_site.account import data as person

    with app.test_request_context():
        counts = person.erase_person(EMAIL)
        assert counts["outbox_message"] >= 2 and counts["outbox_files"] == 1
        person.send_confirmation(EMAIL, "sv", "request")  # delivered at once, then scrubbed
        assert OutboxMessage.select().count() == 0
    assert files_holding([outbox], EMAIL, SURNAME) == []
    assert bystander.exists()


def test_a_line_sent_logged_out_from_the_erasing_browser_is_dropped_when_it_arrives(app, client):
    """Only the visitor id ties this line to the person (it was sent before the login), and
    nothing of that browser is stored yet: the erasure names the browser from its cookie."""
    user_id = seed_person(app)
    give_consent(client)
    client.set_cookie("winlas_vid", BROWSER)
    collect_click(client)
    assert log_in(client, EMAIL).status_code == 302
    page = client.get("/konto/radera")
    erased = client.post(
        "/konto/radera",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "password": PASSWORD,
            "confirm": "y",
        },
    )
    assert erased.status_code == 303
    with app.app_context():
        app.extensions["analytics"].flush()
        assert Visit.select().where(Visit.visitor_id == BROWSER).count() == 0
        assert Event.select().where(Event.visitor_id == BROWSER).count() == 0
        assert Event.select().where(Event.user_id == user_id).count() == 0
