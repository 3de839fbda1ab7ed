"""The database away: pages answer 503 with Retry-After in the visitor's language, and a form
that cannot be stored comes back with what was typed, ready to be sent again with one click.

Taken away for real: PostgreSQL by pointing the app's connections at a closed port; SQLite by
another connection holding an exclusive lock (past the retries of a short busy timeout), or by
a database file that cannot be opened.
"""

from __future__ import annotations

import html as htmllib
import logging
import re
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import csrf_from, postgres_database, postgres_schema
from winlas_site import db
from winlas_site.leads.models import Lead

QUOTE = "/kontakt/offert"


def is_sqlite(database) -> bool:
    return "sqlite" in database.__class__.__name__.lower()


class Outage:
    """The app's own database object, and a switch that takes it away and brings it back."""

    def __init__(self, database, worker_id: str):
        self.holder: sqlite3.Connection | None = None
        self.away = False
        if is_sqlite(database):
            self.path = Path(database.database)
            # a short busy timeout: the lock holder below outlasts it and all the retries
            pragmas = {**db.SQLITE_PRAGMAS, "busy_timeout": 100}
            self.db = db.make_database(f"sqlite:///{self.path}", pragmas=pragmas)
        else:
            self.path = None
            self.db = postgres_database(postgres_schema(worker_id))
            self.port = self.db.connect_params.get("port", 5432)

    def take_away(self) -> None:
        self.away = True
        self.db.close_all()  # pooled connections would otherwise outlive the outage
        if self.path is not None:
            self.holder = sqlite3.connect(self.path, isolation_level=None)
            # in WAL mode only an exclusive locking mode keeps readers out as well
            self.holder.execute("PRAGMA locking_mode=EXCLUSIVE")
            self.holder.execute("BEGIN EXCLUSIVE")
        else:
            self.db.connect_params["port"] = 1  # nothing listens there: connection refused

    def bring_back(self) -> None:
        if not self.away:
            return
        self.away = False
        if self.holder is not None:
            self.holder.execute("ROLLBACK")
            self.holder.close()
            self.holder = None
        else:
            self.db.connect_params["port"] = self.port
        self.db.close_all()


@pytest.fixture
def outage(database, worker_id):
    switch = Outage(database, worker_id)
    yield switch
    switch.bring_back()


@pytest.fixture
def app_config(app_config, outage):
    app_config["DATABASE"] = outage.db
    return app_config


def hidden_inputs(page: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        fields.setdefault(htmllib.unescape(name), []).append(htmllib.unescape(value))
    return fields


def quote_form(client) -> dict:
    page = client.get(QUOTE).get_data(as_text=True)

    def hidden(name):
        return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)

    return {
        "csrf_token": csrf_from(page),
        "started": hidden("started"),
        "submission": hidden("submission"),
        "website": "",
        "first_name": "Åsa",
        "last_name": "Avbrottsson",
        "organisation": "Exempelkommun <Bibliotek>",
        "email": "asa.avbrott@exempelkommun.se",
        "work_phone": "08-765 43 21",
        "organisation_type": "school",
        "sites": "2",
        "users": "9",
        "message": 'Vi vill ha en offert, "snarast".\nRad två.',
    }


def assert_no_traceback(caplog) -> None:
    assert [r for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text


def test_pages_answer_503_with_retry_after_in_the_visitors_language_when_the_database_is_away(
    app, client, outage, caplog
):
    outage.take_away()
    swedish = client.get("/produkter")
    assert swedish.status_code == 503
    assert int(swedish.headers["Retry-After"]) > 0
    assert swedish.headers["Cache-Control"] == "no-store"
    body = swedish.get_data(as_text=True)
    assert '<html lang="sv"' in body and "Tillfälligt otillgänglig" in body
    assert "Traceback" not in body and "OperationalError" not in body
    client.set_cookie("winlas_lang", "en")
    english = client.get("/")
    assert english.status_code == 503 and "Retry-After" in english.headers
    assert '<html lang="en"' in english.get_data(as_text=True)
    assert "Temporarily unavailable" in english.get_data(as_text=True)
    assert_no_traceback(caplog)
    assert "database unavailable on GET /produkter" in caplog.text
    # back again: the same app answers normally, no restart needed
    outage.bring_back()
    assert client.get("/produkter").status_code == 200


def test_a_form_that_cannot_be_stored_answers_503_keeps_what_was_typed_and_sends_it_again(
    app, client, outage, caplog
):
    typed = quote_form(client)
    outage.take_away()
    response = client.post(QUOTE, data=typed)
    assert response.status_code == 503 and "Retry-After" in response.headers
    page = response.get_data(as_text=True)
    assert "Vi kunde inte spara det du skickade" in page
    assert f'action="{QUOTE}"' in page
    kept = hidden_inputs(page)
    # everything typed comes back, escaped, ready to be posted again
    for name in ("first_name", "last_name", "organisation", "email", "message", "sites"):
        assert kept[name] == [typed[name]], name
    assert kept["submission"] == [typed["submission"]]  # the same one-time id: never twice
    assert kept["website"] == [""]
    assert "<Bibliotek>" not in page and "&lt;Bibliotek&gt;" in page
    assert kept["csrf_token"] and kept["csrf_token"][0]  # a token of its own for the retry
    assert_no_traceback(caplog)
    with app.app_context():
        outage.bring_back()
        assert Lead.select().count() == 0
    # one click: the kept form goes to the same address and the inquiry is stored once
    again = {name: values if len(values) > 1 else values[0] for name, values in kept.items()}
    retried = client.post(QUOTE, data=again)
    assert retried.status_code == 303, retried.get_data(as_text=True)
    assert client.post(QUOTE, data=again).status_code == 303  # a second click: still one
    with app.app_context():
        leads = list(Lead.select())
        assert len(leads) == 1
        assert leads[0].contact.last_name == "Avbrottsson"
        assert leads[0].message == typed["message"]


def test_passwords_and_honeypot_values_are_never_written_back_into_the_page(app, client, outage):
    login_page = client.get("/logga-in").get_data(as_text=True)
    typed = quote_form(client)
    outage.take_away()
    secret = "hemligt-lösenord-987"
    login = client.post(
        "/logga-in",
        data={"csrf_token": csrf_from(login_page), "email": "a@exempel.se", "password": secret},
    )
    assert login.status_code == 503
    page = login.get_data(as_text=True)
    assert secret not in page
    assert 'type="password" name="password"' in page  # asked for again instead
    assert hidden_inputs(page)["email"] == ["a@exempel.se"]
    bot = client.post(QUOTE, data={**typed, "website": "http://spam.example/honeypot"})
    assert bot.status_code == 503
    assert "spam.example" not in bot.get_data(as_text=True)


def test_an_unopenable_sqlite_file_answers_503_not_500(app_config, tmp_path, caplog):
    from winlas_site import create_app

    missing = tmp_path / "finns-inte" / "winlas.db"  # its folder does not exist
    app_config["DATABASE"] = db.make_database(f"sqlite:///{missing}")
    client = create_app(app_config).test_client()
    with caplog.at_level(logging.ERROR, "winlas"):
        response = client.get("/produkter")
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert_no_traceback(caplog)
