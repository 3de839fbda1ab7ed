"""Retention (P10): the reminder 30 days before two years without activity, erasure on the
day, the one-click "keep my account" link, purges of expired data, idempotency, the command."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine

from analytics.models import Event, Visit
from tests.conftest import csrf_from, log_in
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site import retention
from winlas_site.account.models import AuditEntry, RetentionNotice
from winlas_site.auth.models import User
from winlas_site.consent.models import ConsentRecord
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.leads.models import Contact, Lead, LeadNote
from winlas_site.newsletter.models import Subscription

SITE = "http://www.winlas.example"
LAST_ACTIVE = datetime.datetime(2024, 1, 10, 12, 0)
DEADLINE = datetime.date(2026, 1, 9)  # 730 days later
REMINDER_DAY = datetime.date(2025, 12, 10)  # 30 days before
CUSTOMER = "sovande@exempelkommun.se"


@pytest.fixture
def app_config(app_config, smtp_server):  # noqa: F811
    app_config.update(
        WINLAS_SMTP_HOST=smtp_server.host,
        WINLAS_SMTP_PORT=smtp_server.port,
        WINLAS_SMTP_STARTTLS=False,
        WINLAS_SITE_URL=SITE,
    )
    return app_config


def at(day: datetime.date, hour: int = 3) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour))


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def sleeper(app, create_user):
    """A customer last active on LAST_ACTIVE, and a staff member as idle."""
    create_user(CUSTOMER)
    create_user("personal@winlas.se", role="staff")
    with app.app_context():
        User.update(last_active_at=LAST_ACTIVE).execute()
        return User.by_email(CUSTOMER).id


def run(app, moment: datetime.datetime) -> dict:
    with time_machine.travel(moment, tick=False), app.app_context():
        return retention.run(moment)


def test_nothing_happens_before_the_reminder_day(app, sleeper, smtp_server):  # noqa: F811
    counts = run(app, at(REMINDER_DAY - days(1)))
    assert counts["reminders_sent"] == 0 and counts["accounts_erased"] == 0
    assert smtp_server.messages == []


def test_the_reminder_goes_out_30_days_before_and_only_once(app, sleeper, smtp_server):  # noqa: F811
    assert run(app, at(REMINDER_DAY))["reminders_sent"] == 1
    assert run(app, at(REMINDER_DAY, hour=15))["reminders_sent"] == 0
    assert run(app, at(REMINDER_DAY + days(1)))["reminders_sent"] == 0
    assert [message["To"] for message in smtp_server.messages] == [CUSTOMER]
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "9 januari 2026" in text
    assert f"{SITE}/konto/behall/" in text
    with app.app_context():
        assert RetentionNotice.select().count() == 1


def test_the_account_is_erased_on_the_day_two_years_pass(app, sleeper, smtp_server):  # noqa: F811
    run(app, at(REMINDER_DAY))
    assert run(app, at(DEADLINE - days(1)))["accounts_erased"] == 0
    with app.app_context():
        assert User.by_email(CUSTOMER) is not None
    assert run(app, at(DEADLINE))["accounts_erased"] == 1
    with app.app_context():
        assert User.by_email(CUSTOMER) is None
        assert User.by_email("personal@winlas.se") is not None  # staff accounts are kept
        entry = AuditEntry.select().where(AuditEntry.action == "retention_erase").get()
        assert entry.actor_id is None and entry.actor_role == "system"
    assert [message["To"] for message in smtp_server.messages] == [CUSTOMER, CUSTOMER]
    assert "inte använts på två år" in smtp_server.messages[1].get_body(("plain",)).get_content()
    # the same day again: nothing more
    again = run(app, at(DEADLINE, hour=20))
    assert again["accounts_erased"] == 0 and again["reminders_sent"] == 0
    assert len(smtp_server.messages) == 2


def test_a_late_reminder_still_gives_30_days(app, sleeper, smtp_server):  # noqa: F811
    late = DEADLINE + days(10)  # the job did not run for weeks
    counts = run(app, at(late))
    assert counts == {**counts, "reminders_sent": 1, "accounts_erased": 0}
    assert run(app, at(late + days(29)))["accounts_erased"] == 0
    assert run(app, at(late + days(30)))["accounts_erased"] == 1


def keep_link(smtp_server) -> str:  # noqa: F811
    text = smtp_server.messages[-1].get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(SITE)}(/konto/behall/\S+)", text).group(1)


def test_the_keep_link_keeps_the_account(app, client, sleeper, smtp_server):  # noqa: F811
    run(app, at(REMINDER_DAY))
    path = keep_link(smtp_server)
    with time_machine.travel(at(REMINDER_DAY + days(3)), tick=False):
        page = client.get(path)
        assert page.status_code == 200  # only a button: a mail scanner changes nothing
        with app.app_context():
            assert User.by_email(CUSTOMER).last_active_at == LAST_ACTIVE
        response = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
        assert response.status_code == 200
        assert "Ditt konto finns kvar" in response.get_data(as_text=True)
    assert run(app, at(DEADLINE))["accounts_erased"] == 0
    with app.app_context():
        assert User.by_email(CUSTOMER).last_active_at.date() == REMINDER_DAY + days(3)
        assert AuditEntry.select().where(AuditEntry.action == "keep_account").count() == 1
    # two years after the new activity, a new reminder for the new deadline
    assert run(app, at(REMINDER_DAY + days(3 + 700)))["reminders_sent"] == 1


def test_logging_in_also_keeps_the_account(app, client, sleeper):
    run(app, at(REMINDER_DAY))
    with time_machine.travel(at(REMINDER_DAY + days(5)), tick=False):
        assert log_in(client, CUSTOMER).status_code == 302
    assert run(app, at(DEADLINE))["accounts_erased"] == 0


@pytest.mark.parametrize("token", ["x", "a" * 400, "WzEsImFiYyJd.bad.sig"])
def test_a_bad_keep_link_is_refused(client, token):
    response = client.get(f"/konto/behall/{token}")
    assert response.status_code == 400
    assert "Länken fungerar inte" in response.get_data(as_text=True)


def test_a_keep_link_of_an_erased_account_is_refused(app, client, sleeper, smtp_server):  # noqa: F811
    run(app, at(REMINDER_DAY))
    path = keep_link(smtp_server)
    run(app, at(DEADLINE))
    with time_machine.travel(at(DEADLINE + days(1)), tick=False):
        assert client.get(path).status_code == 400


def test_a_keep_link_expires(app, client, sleeper, smtp_server):  # noqa: F811
    run(app, at(REMINDER_DAY))
    path = keep_link(smtp_server)
    with time_machine.travel(at(REMINDER_DAY + days(61)), tick=False):
        assert client.get(path).status_code == 400


# purges --------------------------------------------------------------------------------------


def seed_expiring(app, today: datetime.date):
    old, recent = at(today - days(800)), at(today - days(10))
    with app.app_context():
        for n, moment in enumerate((old, recent)):
            visit = Visit.create(
                visitor_id=f"{n}" * 32,
                started_at=moment,
                last_seen_at=moment,
                entry_path="/",
                exit_path="/",
            )
            Event.create(
                event_id=f"ev-{n}",
                visit=visit,
                visitor_id=f"{n}" * 32,
                type="pageview",
                occurred_at=moment,
                received_at=moment,
                path="/",
            )
            ConsentRecord.create(
                consent_id=f"c{n}",
                created_at=moment,
                action="accept_all",
                statistics=True,
                marketing=True,
                revision=1,
                texts_sha256="0" * 64,
                language="sv",
                path="/",
                ua_family="Chrome",
            )
            Subscription.create(
                email=f"pending{n}@exempel.se", status="pending", requested_at=moment
            )
            contact = Contact.create(
                email=f"lead{n}@exempel.se", first_name="L", last_name="L", updated_at=moment
            )
            lead = Lead.create(
                contact=contact, type="question", idempotency_key=f"k{n}", created_at=moment
            )
            LeadNote.create(lead=lead, text="anteckning")
            course = Course.create(slug=f"kurs-{n}", title_sv="K", summary_sv="s", body_sv="b")
            session = CourseSession.create(
                course=course, starts_at=moment, ends_at=moment, place_sv="P"
            )
            participant = Contact.create(
                email=f"deltagare{n}@exempel.se",
                first_name="D",
                last_name="D",
                updated_at=moment,
            )
            Registration.create(course_session=session, contact=participant)
        Subscription.create(email="confirmed@exempel.se", status="confirmed", requested_at=old)


def test_a_run_purges_what_has_expired_and_keeps_the_rest(app):
    today = datetime.date(2027, 6, 1)
    seed_expiring(app, today)
    counts = run(app, at(today))
    assert counts == {
        "reminders_sent": 0,
        "accounts_erased": 0,
        "analytics_events": 1,
        "analytics_visits": 1,
        "consent_records": 1,
        "unconfirmed_subscriptions": 1,
        "unconfirmed_accounts": 0,
        "leads": 1,
        "course_registrations": 1,
        "contacts": 2,
        "erasure_confirmations": 0,
    }
    with app.app_context():
        assert [v.visitor_id for v in Visit.select()] == ["1" * 32]
        assert Event.select().count() == 1
        assert [r.consent_id for r in ConsentRecord.select()] == ["c1"]
        assert sorted(s.email for s in Subscription.select()) == [
            "confirmed@exempel.se",
            "pending1@exempel.se",
        ]
        assert [lead.idempotency_key for lead in Lead.select()] == ["k1"]
        assert LeadNote.select().count() == 1
        assert Registration.select().count() == 1
        assert sorted(c.email for c in Contact.select()) == [
            "deltagare1@exempel.se",
            "lead1@exempel.se",
        ]
        entry = AuditEntry.select().where(AuditEntry.action == "retention").get()
        assert entry.details_dict()["leads"] == 1 and entry.details_dict()["as_of"] == "2027-06-01"
    # idempotent: the same day again deletes nothing more
    again = run(app, at(today, hour=22))
    assert all(n == 0 for n in again.values())
    with app.app_context():
        assert AuditEntry.select().where(AuditEntry.action == "retention").count() == 2


def test_the_command_runs_as_of_a_day(app, runner, sleeper, smtp_server):  # noqa: F811
    result = runner.invoke(args=["retention", "run", "--as-of", REMINDER_DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "reminders_sent=1" in result.output
    assert len(smtp_server.messages) == 1
    result = runner.invoke(args=["retention", "run", "--as-of", REMINDER_DAY.isoformat()])
    assert "reminders_sent=0" in result.output
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("value", ["2026-13-01", "igår", "' OR 1=1--"])
def test_the_command_refuses_a_bad_date(runner, value):
    result = runner.invoke(args=["retention", "run", "--as-of", value])
    assert result.exit_code == 2


def test_the_daily_task_is_registered():
    from winlas_site.queue import huey

    names = {task.__name__ for task in huey._registry._periodic_tasks}
    assert any("daily_retention" in name for name in names)
    assert any("scrub_erasure_confirmations" in name for name in names)


def test_registrations_never_confirmed_go_after_30_days(app, create_user, smtp_server):  # noqa: F811
    create_user("obekraftad@exempelkommun.se", confirmed=False)
    create_user("bekraftad@exempelkommun.se")
    with app.app_context():
        User.update(created_at=LAST_ACTIVE).execute()
    assert run(app, LAST_ACTIVE + days(29))["unconfirmed_accounts"] == 0
    assert run(app, LAST_ACTIVE + days(31))["unconfirmed_accounts"] == 1
    with app.app_context():
        assert [u.email for u in User.select()] == ["bekraftad@exempelkommun.se"]
