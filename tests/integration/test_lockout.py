"""Per-address lockout after repeated failed logins (the same for every address, registered or
not), and the last-activity record kept at login and on requests (once a UTC day)."""

from __future__ import annotations

import datetime
import logging
import re

import pytest
import time_machine

from tests.conftest import PASSWORD, AuthActions, csrf_from
from winlas_site.auth.models import User

EMAIL = "kund@exempel.se"
LOCKED = "För många misslyckade inloggningar med den här adressen"
WRONG_PASSWORD = "fel lösenord"


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_LOCKOUT_ATTEMPTS"] = 3
    app_config["WINLAS_LOCKOUT_MINUTES"] = 15
    return app_config


def attempt(app, email=EMAIL, password=WRONG_PASSWORD, client_address="192.0.2.1"):
    """One login from its own browser and network address (the per-client limit stays out)."""
    return AuthActions(app.test_client()).login(
        email, password, environ_base={"REMOTE_ADDR": client_address}
    )


def statuses(app, email, passwords) -> list[int]:
    return [
        attempt(app, email, password, f"198.51.100.{i}").status_code
        for i, password in enumerate(passwords)
    ]


def test_repeated_failures_lock_the_address_even_for_the_right_password(app, create_user):
    create_user()
    assert statuses(app, EMAIL, ["fel"] * 3) == [401, 401, 401]
    response = attempt(app, password=PASSWORD, client_address="203.0.113.9")
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and LOCKED in html and "15 minuter" in html
    assert "Glömt lösenordet?" in html  # the way out is on the page


def test_an_unknown_address_locks_the_same_way_so_the_lock_reveals_nothing(app, create_user):
    create_user()
    known = statuses(app, EMAIL, ["fel"] * 4)
    unknown = statuses(app, "okand@exempel.se", ["fel"] * 4)
    assert known == unknown == [401, 401, 401, 429]

    def message(email):
        html = attempt(app, email).get_data(as_text=True)
        return re.search(r'<div class="error-summary" role="alert">(.*?)</div>', html, re.S)[1]

    assert message(EMAIL) == message("okand@exempel.se")


def test_while_locked_the_password_is_not_even_checked(app, create_user):
    from argon2 import PasswordHasher, profiles

    calls = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash, password):
            calls.append(hash)
            return super().verify(hash, password)

    app.extensions["password_hasher"] = CountingHasher.from_parameters(profiles.CHEAPEST)
    create_user()
    statuses(app, EMAIL, ["fel"] * 3)
    before = len(calls)
    assert attempt(app, password=PASSWORD).status_code == 429
    assert len(calls) == before


def test_the_lock_ends_after_the_configured_minutes(app, create_user):
    create_user()
    statuses(app, EMAIL, ["fel"] * 3)
    assert attempt(app, password=PASSWORD).status_code == 429
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        assert attempt(app, password=PASSWORD).status_code == 302


def test_a_successful_login_starts_the_count_again(app, create_user):
    create_user()
    assert statuses(app, EMAIL, ["fel", "fel", PASSWORD, "fel", "fel"]) == [
        401,
        401,
        302,
        401,
        401,
    ]
    assert attempt(app, password=PASSWORD).status_code == 302


def test_a_lock_is_per_address(app, create_user):
    create_user()
    create_user("annan@exempel.se")
    statuses(app, EMAIL, ["fel"] * 3)
    assert attempt(app, "annan@exempel.se", PASSWORD).status_code == 302
    assert attempt(app, EMAIL, PASSWORD).status_code == 429


def test_variants_of_the_address_share_one_lock(app, create_user):
    create_user()
    statuses(app, EMAIL, ["fel"])
    statuses(app, "  KUND@Exempel.se", ["fel"])
    statuses(app, "ｋｕｎｄ@exempel.se", ["fel"])  # fullwidth letters: the same mailbox
    assert attempt(app, password=PASSWORD).status_code == 429


def test_a_password_reset_lifts_the_lock(app, create_user):
    from winlas_site.auth import registration

    user = create_user()
    statuses(app, EMAIL, ["fel"] * 3)
    assert attempt(app, password=PASSWORD).status_code == 429
    with app.test_request_context():
        registration.reset_password(User.get_by_id(user.id), "ett nytt bra lösenord", "sv")
    assert attempt(app, password="ett nytt bra lösenord").status_code == 302


def test_the_lockout_is_logged_without_the_address(app, create_user, caplog):
    create_user()
    caplog.set_level(logging.INFO, logger="winlas.auth")
    statuses(app, EMAIL, ["fel"] * 4)
    assert "lockout account=" in caplog.text and "login locked account=" in caplog.text
    assert EMAIL not in caplog.text and WRONG_PASSWORD not in caplog.text


def test_the_default_lockout_leaves_the_existing_throttle_as_it_was(app_config):
    # ten wrong passwords from one address are answered 401, as before the lockout existed
    from winlas_site import create_app

    config = {k: v for k, v in app_config.items() if not k.startswith("WINLAS_LOCKOUT")}
    app = create_app(config)
    with app.app_context():
        User.create_account(EMAIL, PASSWORD)
    auth = AuthActions(app.test_client())
    results = [auth.login(password="fel").status_code for _ in range(11)]
    assert results == [401] * 10 + [429]


# last activity -------------------------------------------------------------------------------


def last_active(app, user_id) -> datetime.datetime | None:
    with app.app_context():
        return User.get_by_id(user_id).last_active_at


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, 0, tzinfo=datetime.UTC)


def naive(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(tzinfo=None)


def test_last_activity_is_written_at_login_and_then_at_most_once_a_day(app, client, create_user):
    with time_machine.travel(at(1, 9), tick=False):
        user = create_user()
        assert last_active(app, user.id) is None
        AuthActions(client).login(remember=True)  # a remember-me session lasts for days
        assert last_active(app, user.id) == naive(at(1, 9))
    with time_machine.travel(at(1, 23), tick=False):
        assert client.get("/kundsidor").status_code == 200
        assert last_active(app, user.id) == naive(at(1, 9))  # the same UTC day: no write
    with time_machine.travel(at(2, 8), tick=False):
        assert client.get("/kundsidor").status_code == 200
        assert last_active(app, user.id) == naive(at(2, 8))  # a new day: written once
    with time_machine.travel(at(2, 17), tick=False):
        client.get("/")
        client.get("/kundsidor")
        assert last_active(app, user.id) == naive(at(2, 8))


def test_a_same_day_request_costs_no_write(app, client, create_user):
    from winlas_site.db import database

    create_user()
    AuthActions(client).login()
    writes = []
    original = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith("UPDATE") and '"last_active_at"' in sql:
            writes.append(sql)
        return original(sql, params, *args, **kwargs)

    database.obj.execute_sql = counting
    try:
        for _ in range(3):
            assert client.get("/kundsidor").status_code == 200
    finally:
        database.obj.execute_sql = original
    assert writes == []


def test_a_login_on_a_new_day_records_it(app, client, create_user):
    with time_machine.travel(at(1, 9), tick=False):
        user = create_user()
        AuthActions(client).login()
        AuthActions(client).logout()
    with time_machine.travel(at(5, 12), tick=False):
        assert AuthActions(client).login().status_code == 302
        assert last_active(app, user.id) == naive(at(5, 12))


def test_anonymous_visits_and_failed_logins_record_no_activity(app, client, create_user):
    user = create_user()
    client.get("/")
    client.get("/logga-in")
    AuthActions(client).login(password="fel")
    assert last_active(app, user.id) is None


def test_a_refused_login_records_no_activity(app, create_user):
    user = create_user(confirmed=False)
    page = app.test_client()
    response = AuthActions(page).login()
    assert response.status_code == 403
    assert last_active(app, user.id) is None
    assert csrf_from(response.get_data(as_text=True))  # the form is shown again
