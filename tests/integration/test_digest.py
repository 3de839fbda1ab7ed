"""The weekly digest (issue 16, part 4): the switch in Mitt konto, the figures of a seeded week,
the email through the real SMTP server on loopback, its unsubscribe link, the Monday schedule,
one mail per reader and week, and ``winlas analytics digest``.

The fixture (UTC days; the digest's week is Monday 2026-11-09 to Sunday 11-15, the week before
11-02 to 11-08, "today" Monday 2026-11-16):

| week   | visitor | start        | page views (source, campaign)                      |
|--------|---------|--------------|----------------------------------------------------|
| before | A       | 11-03 10:00  | /, /produkter at 10:01 (search)                    |
| before | B       | 11-04 12:00  | /kontakt (direct) — a bounce                       |
| before | C       | 11-05 09:00  | / (social, campaign host-2026) — a bounce          |
| this   | A       | 11-10 10:00  | /, /produkter 10:01, /priser 10:02 (search)        |
| this   | D       | 11-11 08:00  | /produkter (campaign vinter-2026) — a bounce       |
| this   | E       | 11-12 14:00  | /produkter (search) — a bounce                     |
| this   | B       | 11-13 09:00  | /produkter, /kontakt at 09:05 (direct)             |
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import uuid

import pytest
import time_machine

import analytics
from analytics import rollups
from analytics.host import SiteLead, Touch
from analytics.store import write_lines
from tests.conftest import PASSWORD, csrf_from, log_in
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.account import data as person
from winlas_site.auth.models import User
from winlas_site.digest import mailing, tasks
from winlas_site.digest.models import DigestSubscription
from winlas_site.mail.models import OutboxMessage
from winlas_site.newsletter import tokens as newsletter_tokens

WEEK = datetime.date(2026, 11, 9)
TODAY = datetime.date(2026, 11, 16)
# Monday 2026-11-16 07:00 in Stockholm (winter time: UTC+1)
MONDAY_MORNING = datetime.datetime(2026, 11, 16, 6, 0, tzinfo=datetime.UTC)
A, B, C, D, E = ("a" * 32, "b" * 32, "c" * 32, "d" * 32, "e" * 32)
CLIENT = {"geo": ["SE", "AB", "Stockholm"], "ua": ["Chrome", "126", "Windows", "10", "desktop"]}
MARKETER = "marknad@winlas.se"
BAD_TOKENS = [
    "ogiltig-lank",
    "x" * 5000,
    "abc\x00def",
    "..%2F..%2Fetc",
    "ÅÄÖ-€",
    "1.2.3",
    "\u202e",
]


def ms(moment: datetime.datetime) -> int:
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def view(moment: datetime.datetime, path: str, ref=("internal", ""), **extra) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "pageview",
        "ts": ms(moment),
        "path": path,
        "ref": list(ref),
        "screen": "1920x1080",
        "tz": "Europe/Stockholm",
        "lang": "sv-SE",
        **extra,
    }


def line(visitor: str, events: list[dict]) -> dict:
    return {
        "r": max(event["ts"] for event in events),
        "v": visitor,
        "u": None,
        "ip": "192.0.2.0",
        "geo": CLIENT["geo"],
        "ua": CLIENT["ua"],
        "events": events,
    }


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute)


def traffic_lines() -> list[dict]:
    return [
        # the week before
        line(
            A,
            [view(at(3, 10), "/", ("search", "google.com")), view(at(3, 10, 1), "/produkter")],
        ),
        line(B, [view(at(4, 12), "/kontakt", ("direct", ""))]),
        line(
            C,
            [
                view(
                    at(5, 9),
                    "/",
                    ("social", "linkedin.com"),
                    utm={"utm_source": "linkedin", "utm_campaign": "host-2026"},
                )
            ],
        ),
        # the week
        line(
            A,
            [
                view(at(10, 10), "/", ("search", "google.com")),
                view(at(10, 10, 1), "/produkter"),
                view(at(10, 10, 2), "/priser"),
            ],
        ),
        line(
            D,
            [
                view(
                    at(11, 8),
                    "/produkter",
                    ("campaign", "nyhetsbrev"),
                    utm={"utm_source": "nyhetsbrev", "utm_campaign": "vinter-2026"},
                )
            ],
        ),
        line(E, [view(at(12, 14), "/produkter", ("search", "bing.com"))]),
        line(B, [view(at(13, 9), "/produkter", ("direct", "")), view(at(13, 9, 5), "/kontakt")]),
    ]


def touch(source: str, campaign: str = "") -> Touch:
    return Touch(
        at=at(10, 9),
        source=source,
        host="",
        medium="",
        campaign=campaign,
        landing="/",
        country="SE",
        device="desktop",
        browser="Chrome",
    )


def fake_leads(first: datetime.date, last: datetime.date) -> list[SiteLead]:
    """Two leads from search and one unknown in the week, one from social the week before."""
    if first == WEEK:
        return [
            SiteLead("quote", at(10, 11), "c1", "ny", last_touch=touch("search")),
            SiteLead("demo", at(12, 15), "c2", "ny", last_touch=touch("search")),
            SiteLead("contact", at(13, 8), None, "ny"),
        ]
    if first == WEEK - datetime.timedelta(days=7):
        return [SiteLead("course", at(5, 10), "c0", "vunnen", last_touch=touch("social"))]
    return []


@pytest.fixture
def app_config(app_config, smtp_server):  # noqa: F811
    app_config.update(
        WINLAS_SMTP_HOST=smtp_server.host,
        WINLAS_SMTP_PORT=smtp_server.port,
        WINLAS_SMTP_STARTTLS=False,
        WINLAS_SITE_URL="http://www.winlas.example",
    )
    return app_config


@pytest.fixture
def week(app, monkeypatch):
    """The fixture's traffic stored, and the site's leads of the two weeks."""
    state = app.extensions["analytics"]
    monkeypatch.setattr(state, "host", dataclasses.replace(state.host, site_leads=fake_leads))
    with app.app_context():
        write_lines(traffic_lines())
    return app


def subscribe(app, email: str, language: str = "sv", role: str = "marketer") -> int:
    with app.app_context():
        user = User.get_or_none(User.email == email) or User.create_account(
            email, PASSWORD, role=role, first_name="Mia", last_name="Marknad"
        )
        return DigestSubscription.choose(user, True, language).id


def send(app, monday=WEEK, today=TODAY) -> int:
    with app.app_context():
        return mailing.queue_week(monday, today)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def unsubscribe_path(message) -> str:
    url = re.search(r"<(http://www\.winlas\.example/[^>]+)>", message["List-Unsubscribe"])[1]
    assert url in text_of(message)
    return url.removeprefix("http://www.winlas.example")


# -- the figures ----------------------------------------------------------------------------


@pytest.mark.parametrize("rolled", [False, True], ids=["raw", "rolled-up"])
def test_the_figures_of_the_week_against_the_week_before(week, rolled):
    with week.app_context():
        if rolled:
            rollups.run(datetime.datetime(2026, 11, 16, 4, 0))
        figures = analytics.weekly_figures(WEEK, TODAY)
    assert (figures.week.first, figures.week.last) == (WEEK, datetime.date(2026, 11, 15))
    assert figures.previous_week.first == datetime.date(2026, 11, 2)
    by_name = {figure.name: figure for figure in figures.figures}
    assert [name for name in by_name] == [
        "visitors",
        "visits",
        "pageviews",
        "bounce_rate",
        "avg_visit_seconds",
    ]
    assert (by_name["visitors"].current, by_name["visitors"].previous) == (4, 3)
    assert (by_name["visits"].current, by_name["visits"].previous) == (4, 3)
    assert (by_name["pageviews"].current, by_name["pageviews"].previous) == (7, 4)
    assert by_name["bounce_rate"].current == 0.5
    assert by_name["bounce_rate"].previous == pytest.approx(2 / 3)
    # (120 + 0 + 0 + 300) / 4 against 60 / 3
    assert (by_name["avg_visit_seconds"].current, by_name["avg_visit_seconds"].previous) == (
        105,
        20,
    )
    assert by_name["visits"].change == pytest.approx(1 / 3)
    movers = {group.dimension: group for group in figures.movers}
    assert [(m.key, m.current, m.previous, m.status) for m in movers["page"].up] == [
        ("/produkter", 4, 1, ""),
        ("/priser", 1, 0, "new"),
    ]
    # /kontakt viewed once in each week: not a mover
    assert [(m.key, m.difference) for m in movers["page"].down] == [("/", -1)]
    assert [(m.key, m.difference, m.status) for m in movers["source"].up] == [
        ("campaign", 1, "new"),
        ("search", 1, ""),
    ]
    assert [(m.key, m.status) for m in movers["source"].down] == [("social", "gone")]
    # visits without a campaign are no campaign
    assert [(m.key, m.status) for m in movers["campaign"].up] == [("vinter-2026", "new")]
    assert [(m.key, m.status) for m in movers["campaign"].down] == [("host-2026", "gone")]
    assert [(c.key, c.current, c.previous) for c in figures.leads] == [
        ("search", 2, 0),
        ("", 1, 0),
        ("social", 0, 1),
    ]
    assert (figures.new_leads, figures.previous_leads) == (3, 1)


def test_only_a_complete_week_starting_on_a_monday_is_counted(week):
    with week.app_context():
        for monday, today in [
            (datetime.date(2026, 11, 10), TODAY),  # a Tuesday
            (datetime.date(2026, 11, 16), TODAY),  # this week, not over
            (WEEK, datetime.date(2026, 11, 15)),  # its Sunday is today
            (datetime.date(1999, 12, 27), TODAY),  # before anything was measured
        ]:
            with pytest.raises(ValueError):
                analytics.weekly_figures(monday, today)
            with pytest.raises(ValueError):
                mailing.queue_week(monday, today)


# -- the email ------------------------------------------------------------------------------


def test_the_digest_reaches_a_swedish_reader_through_smtp_with_the_figures(
    week,
    smtp_server,  # noqa: F811
):
    subscribe(week, MARKETER)
    assert send(week) == 1
    [message] = smtp_server.messages
    assert message["To"] == MARKETER
    assert message["Subject"] == "WinLas veckosammanfattning, vecka 46"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "mailto:" not in message["List-Unsubscribe"]
    text = text_of(message)
    nbsp = "\u00a0"
    assert "9 november 2026 – 15 november 2026" in text
    assert "- Unika besökare: 4 (veckan före 3, +33" in text
    assert "- Sidvisningar: 7 (veckan före 4, +75" in text
    assert f"- Avvisningsfrekvens: 50{nbsp}% (veckan före 67{nbsp}%" in text
    assert "- Genomsnittlig besökstid: 1 min 45 s (veckan före 20 s" in text
    assert "- /produkter: 4 (+3)" in text and "- /priser: 1 (+1, ny)" in text
    assert "- Kampanj: 1 (+1, ny)" in text and "- Sociala medier: 0 (-1, borta)" in text
    assert "- vinter-2026: 1 (+1, ny)" in text and "- host-2026: 0 (-1, borta)" in text
    assert "- Sökmotor: 2 (veckan före 0)" in text and "- (okänt): 1 (veckan före 0)" in text
    assert "Totalt: 3 (veckan före 1)" in text
    assert (
        "http://www.winlas.example/dashboard/?period=custom&first=2026-11-09&last=2026-11-15"
        in text
    )
    html = html_of(message)
    assert '<th scope="row" style="padding:4px 8px' in html and "vinter-2026" in html
    assert "<li>/priser: 1 (+1, ny)</li>" in html
    assert 'lang="sv"' in html
    with week.app_context():
        stored = OutboxMessage.get()
        assert (stored.kind, stored.language, stored.related) == (
            "administrative",
            "sv",
            "digest:2026-11-09",
        )


def test_an_english_reader_gets_english_and_a_swedish_reader_swedish(
    week,
    smtp_server,  # noqa: F811
):
    subscribe(week, MARKETER, "sv")
    subscribe(week, "admin@winlas.se", "en", role="admin")
    assert send(week) == 2
    by_reader = {message["To"]: text_of(message) for message in smtp_server.messages}
    english, swedish = by_reader["admin@winlas.se"], by_reader[MARKETER]
    assert "Unique visitors: 4" in english and "Unika besökare" not in english
    assert "Page views: 7" in english and "Search engine: 2" in english
    assert "9 November 2026" in english and "November 9" not in english
    assert "Unika besökare: 4" in swedish and "Unique visitors" not in swedish
    # the digest's own sentences (their English comes with the catalogue)
    subjects = {message["To"]: message["Subject"] for message in smtp_server.messages}
    assert subjects[MARKETER] == "WinLas veckosammanfattning, vecka 46"
    assert "46" in subjects["admin@winlas.se"]


def test_each_reader_gets_a_week_once_however_often_it_runs(week, smtp_server):  # noqa: F811
    subscribe(week, MARKETER)
    assert send(week) == 1
    assert send(week) == 0  # a doubled run
    # a run that read the list before another claimed it sends nothing either
    with week.app_context():
        stale = DigestSubscription.get()
        DigestSubscription.update(last_sent_week=None).execute()
        assert DigestSubscription.get().claim_week(WEEK)
        assert not stale.claim_week(WEEK)
        # an older week is not sent after a later one
        assert not DigestSubscription.get().claim_week(WEEK - datetime.timedelta(days=7))
    assert len(smtp_server.messages) == 1
    # the next week comes
    assert send(week, WEEK + datetime.timedelta(days=7), TODAY + datetime.timedelta(days=7)) == 1
    assert len(smtp_server.messages) == 2


def test_only_active_marketers_and_admins_get_it(week, smtp_server):  # noqa: F811
    subscribe(week, MARKETER)
    subscribe(week, "f.d.marknad@winlas.se")
    subscribe(week, "avstangd@winlas.se")
    with week.app_context():
        # a reader who became staff, and one whose account was switched off
        User.update(role="staff").where(User.email == "f.d.marknad@winlas.se").execute()
        User.update(active=False).where(User.email == "avstangd@winlas.se").execute()
        off = User.create_account("av@winlas.se", PASSWORD, role="marketer")
        DigestSubscription.choose(off, False, "sv")
    assert send(week) == 1
    assert [message["To"] for message in smtp_server.messages] == [MARKETER]


def test_nobody_subscribed_means_nothing_is_counted_or_sent(week, smtp_server, monkeypatch):  # noqa: F811
    def fail(*args, **kwargs):
        raise AssertionError("counted for nobody")

    monkeypatch.setattr(analytics, "weekly_figures", fail)
    assert send(week) == 0
    assert smtp_server.messages == []


# -- the unsubscribe link -------------------------------------------------------------------


def test_the_unsubscribe_link_works_without_login_and_stops_the_next_week(
    week,
    client,
    smtp_server,  # noqa: F811
):
    subscribe(week, MARKETER)
    send(week)
    path = unsubscribe_path(smtp_server.messages[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"] or "private" in page.headers["Cache-Control"]
    html = page.get_data(as_text=True)
    assert "Sluta skicka den" in html and "winlas_vid" not in html
    with week.app_context():
        assert DigestSubscription.get().active  # a GET changes nothing (mail scanners)
    done = client.post(path)  # the button, or a one-click client: no CSRF token, no login
    assert done.status_code == 200
    assert "Veckosammanfattningen är avstängd" in done.get_data(as_text=True)
    with week.app_context():
        assert not DigestSubscription.get().active
    assert send(week, WEEK + datetime.timedelta(days=7), TODAY + datetime.timedelta(days=7)) == 0
    assert len(smtp_server.messages) == 1
    # the link still answers, saying it is off
    again = client.get(path)
    assert again.status_code == 200 and "redan avstängd" in again.get_data(as_text=True)


def test_a_one_click_unsubscribe_post_works(week, client, smtp_server):  # noqa: F811
    subscribe(week, MARKETER)
    send(week)
    path = unsubscribe_path(smtp_server.messages[0])
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with week.app_context():
        assert not DigestSubscription.get().active


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_a_bad_unsubscribe_token_is_a_400_page(app, client, token):
    for method in (client.get, client.post):
        response = method(f"/veckosammanfattning/avsluta/{token}")
        assert response.status_code in (400, 404)
        assert "Traceback" not in response.get_data(as_text=True)


def test_a_token_of_another_kind_or_a_remade_row_is_refused(week, client, smtp_server):  # noqa: F811
    subscription_id = subscribe(week, MARKETER)
    with week.test_request_context():
        subscription = DigestSubscription.get_by_id(subscription_id)
        good = mailing.unsubscribe_token(subscription)
        # a newsletter unsubscribe token with the same values is not a digest token
        forged = newsletter_tokens.make(
            newsletter_tokens.UNSUBSCRIBE, subscription.id, subscription.key
        )
        # the row deleted and made again: the old link names a row that is gone
        subscription.delete_instance()
        DigestSubscription.choose(User.get(User.email == MARKETER), True, "sv")
    assert client.get(f"/veckosammanfattning/avsluta/{forged}").status_code == 400
    assert client.post(f"/veckosammanfattning/avsluta/{good}").status_code == 400
    with week.app_context():
        assert DigestSubscription.get().active


# -- the switch in Mitt konto ---------------------------------------------------------------


def _switch(client, active: bool, language: str = "sv"):
    page = client.get("/konto/")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "digest_language": language}
    if active:
        data["digest_active"] = "y"
    return client.post("/konto/veckosammanfattning", data=data)


@pytest.mark.parametrize("role", ["marketer", "admin"])
def test_marketers_and_admins_turn_it_on_and_off_in_mitt_konto(app, client, login_as, role):
    login_as("lasare@winlas.se", role)
    page = client.get("/konto/").get_data(as_text=True)
    assert 'id="veckosammanfattning"' in page and 'name="digest_active"' in page
    response = _switch(client, True, "en")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/konto/#veckosammanfattning")
    with app.app_context():
        subscription = DigestSubscription.get()
        assert (subscription.active, subscription.language) == (True, "en")
    page = client.get("/konto/").get_data(as_text=True)
    assert "Du får veckosammanfattningen varje måndag morgon." in page
    assert re.search(r'name="digest_active"[^>]*checked|checked[^>]*name="digest_active"', page)
    assert _switch(client, False).status_code == 303
    with app.app_context():
        assert DigestSubscription.select().count() == 1
        assert not DigestSubscription.get().active


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_customers_and_staff_cannot_turn_it_on(app, client, login_as, role):
    login_as("annan@exempel.se", role)
    page = client.get("/konto/").get_data(as_text=True)
    assert "veckosammanfattning" not in page
    token = csrf_from(page)
    response = client.post(
        "/konto/veckosammanfattning",
        data={"csrf_token": token, "digest_active": "y", "digest_language": "sv"},
    )
    assert response.status_code == 403
    with app.app_context():
        assert DigestSubscription.select().count() == 0


def test_anonymous_is_sent_to_login(app, client):
    response = client.post("/konto/veckosammanfattning", data={"digest_active": "y"})
    assert response.status_code in (302, 303, 403)
    with app.app_context():
        assert DigestSubscription.select().count() == 0


@pytest.mark.parametrize(
    "language",
    ["de", "", "sv\x00", "x" * 5000, "../en", "<script>"],
)
def test_hostile_switch_values_are_refused(app, client, login_as, language):
    login_as(MARKETER, "marketer")
    response = _switch(client, True, language)
    assert response.status_code == 400
    with app.app_context():
        assert DigestSubscription.select().count() == 0


def test_the_switch_needs_the_csrf_token(app, client, login_as):
    login_as(MARKETER, "marketer")
    response = client.post(
        "/konto/veckosammanfattning", data={"digest_active": "y", "digest_language": "sv"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert DigestSubscription.select().count() == 0


# -- the schedule ---------------------------------------------------------------------------


def test_the_task_sends_last_week_on_monday_morning_in_stockholm(week, smtp_server):  # noqa: F811
    subscribe(week, MARKETER)
    with time_machine.travel(MONDAY_MORNING, tick=False), week.app_context():
        # the schedule huey checks every minute (naive UTC)
        assert tasks.weekly_digest.task_class().validate_datetime(
            MONDAY_MORNING.replace(tzinfo=None)
        )
        tasks.weekly_digest()
        tasks.weekly_digest()  # a restarted consumer runs it again: nothing more
    assert len(smtp_server.messages) == 1
    assert "vecka 46" in smtp_server.messages[0]["Subject"]


def test_the_task_consumer_knows_the_weekly_task():
    # huey_consumer imports winlas_site.worker: a task module missing there never runs
    from winlas_site import worker

    assert tasks in worker.TASK_MODULES


# -- winlas analytics digest ----------------------------------------------------------------


def test_dry_run_prints_the_digest_and_sends_nothing(week, runner, smtp_server):  # noqa: F811
    subscribe(week, MARKETER)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        result = runner.invoke(args=["analytics", "digest", "--dry-run"])
        english = runner.invoke(
            args=["analytics", "digest", "--dry-run", "--week", "2026-11-09", "--lang", "en"]
        )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Subject: WinLas veckosammanfattning, vecka 46\n")
    assert "Unika besökare: 4 (veckan före 3" in result.output
    assert "/veckosammanfattning/avsluta/" not in result.output  # nobody's link
    assert english.exit_code == 0, english.output
    assert "Unique visitors: 4" in english.output
    assert smtp_server.messages == []
    with week.app_context():
        assert OutboxMessage.select().count() == 0
        assert DigestSubscription.get().last_sent_week is None


def test_without_dry_run_it_queues_to_every_reader_once(week, runner, smtp_server):  # noqa: F811
    subscribe(week, MARKETER)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        first = runner.invoke(args=["analytics", "digest", "--week", "2026-11-09"])
        second = runner.invoke(args=["analytics", "digest"])
    assert first.exit_code == 0 and "to 1 reader(s)" in first.output
    assert second.exit_code == 0 and "to 0 reader(s)" in second.output
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--week", "2026-11-10"],  # a Tuesday
        ["--week", "2026-11-16"],  # not over yet
        ["--week", "2026-13-01"],
        ["--week", "igår"],
        ["--week", "2026-11-09\x00"],
        ["--week", "9" * 500],
        ["--week", "0001-01-01"],
        ["--lang", "de"],
    ],
)
def test_bad_options_are_refused_with_a_message(week, runner, smtp_server, args):  # noqa: F811
    subscribe(week, MARKETER)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        result = runner.invoke(args=["analytics", "digest", "--dry-run", *args])
        sent = runner.invoke(args=["analytics", "digest", *args])
    for outcome in (result, sent):
        assert outcome.exit_code == 2, outcome.output
        assert "Traceback" not in outcome.output
    assert smtp_server.messages == []


# -- personal data --------------------------------------------------------------------------


def test_the_subscription_is_exported_and_erased_with_the_person(app):
    subscribe(app, MARKETER, "en")
    with app.app_context():
        exported = person.person_data(MARKETER)
        assert exported["weekly_digest"][0]["language"] == "en"
        assert exported["weekly_digest"][0]["active"] is True
        counts = person.erase_person(MARKETER)
        assert counts.get("digest_subscription") == 1
        assert DigestSubscription.select().count() == 0


def test_log_in_helper_is_the_real_form(app, client, create_user):
    # the switch is behind the real login: a marketer logged in with the form sees it
    create_user(MARKETER, role="marketer")
    assert log_in(client, MARKETER).status_code == 302
    assert 'action="/konto/veckosammanfattning"' in client.get("/konto/").get_data(as_text=True)
