"""POST /api/collect on SQLite and PostgreSQL: consent, schema, enrichment, visits, no loss."""

import contextlib
import dataclasses
import datetime
import json
import sqlite3
import time
import uuid

import peewee
import psycopg2
import pytest

from analytics.enrich import scrub_label
from analytics.models import DroppedCount, Event, Visit
from tests.conftest import POSTGRES_URL, postgres_schema
from tests.geoip import write_test_mmdb
from winlas_site import db

ORIGIN = {"Origin": "http://localhost"}
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
STOCKHOLM = "81.2.69.160"  # in the test GeoIP database: SE / AB / Stockholm


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "GEOIP_DATABASE": str(write_test_mmdb(tmp_path / "test-city.mmdb"))}


@pytest.fixture
def consented(client):
    """A client that accepted statistics (and marketing) in the banner."""
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    return client


def event(kind="pageview", url="http://localhost/produkter/winlas-bibliotek", **fields):
    return {
        "type": kind,
        "url": url,
        "id": str(uuid.uuid4()),
        "ts": int(time.time() * 1000),
        **fields,
    }


def send(
    client, events=None, body=None, content_type="application/json", headers=None, address=STOCKHOLM
):
    data = body if body is not None else json.dumps({"events": events})
    return client.post(
        "/api/collect",
        data=data,
        content_type=content_type,
        headers={**ORIGIN, "User-Agent": CHROME, **(headers or {})},
        environ_base={"REMOTE_ADDR": address},
    )


def count(app, model=Event):
    with app.app_context():
        return model.select().count()


def test_without_statistics_consent_nothing_is_stored(app, client):
    response = send(client, [event()])
    assert response.status_code == 403
    assert "consent" in response.json["error"]
    assert count(app) == 0 and count(app, Visit) == 0
    assert client.get_cookie("winlas_vid") is None


def test_a_page_view_is_stored_enriched_and_with_the_ip_anonymised(app, consented):
    response = send(
        consented,
        [
            event(
                url="http://localhost/produkter/winlas-bibliotek?utm_source=nyhetsbrev&"
                "utm_campaign=host&email=anna@skola.se#top",
                referrer="https://www.google.se/search?q=bibliotekssystem",
                screen="1920x1080",
                viewport="1280x720",
                tz="Europe/Stockholm",
                lang="sv-SE,sv,en",
                platform="Windows",
                ip="1.2.3.4",
                userAgent="curl/8",
            )
        ],
    )
    assert response.status_code == 202 and response.json == {"accepted": 1}
    assert consented.get_cookie("winlas_vid") is not None
    with app.app_context():
        visit = Visit.get()
        stored = Event.get()
    assert (visit.country, visit.region, visit.city) == ("SE", "AB", "Stockholm")
    assert visit.ip_anonymised == "81.2.69.0"
    assert (visit.browser, visit.browser_version, visit.os, visit.device) == (
        "Chrome",
        "126",
        "Windows",
        "desktop",
    )
    assert (visit.referrer_source, visit.referrer_host) == ("campaign", "google.se")
    assert (visit.utm_source, visit.utm_campaign) == ("nyhetsbrev", "host")
    assert (visit.screen, visit.timezone, visit.language, visit.platform) == (
        "1920x1080",
        "Europe/Stockholm",
        "sv-SE,sv,en",
        "Windows",
    )
    assert visit.entry_path == stored.path == "/produkter/winlas-bibliotek"
    assert stored.viewport == "1280x720" and stored.visitor_id == visit.visitor_id
    # nothing of the full address, the query or the payload's own ip/userAgent was kept
    with app.app_context():
        dump = json.dumps(
            [list(Visit.select().tuples()), list(Event.select().tuples())], default=str
        )
    for secret in (STOCKHOLM, "1.2.3.4", "anna@skola.se", "curl", "q=biblioteks"):
        assert secret not in dump


def test_clicks_and_engagement(app, consented):
    send(
        consented,
        [
            event(),
            event("click", target="https://skolverket.se/a?b=c", name="outbound"),
            event("click", target="http://localhost/produkter/winlas-skola", name="prod"),
            event("engagement", ms=15000),
        ],
    )
    with app.app_context():
        rows = {(e.type, e.target, e.name, e.engaged_ms) for e in Event.select()}
    assert ("click", "skolverket.se/a", "outbound", 0) in rows
    assert ("click", "/produkter/winlas-skola", "prod", 0) in rows
    assert ("engagement", "", "", 15000) in rows


def test_sendbeacon_text_plain_is_accepted_and_other_types_are_415(app, consented):
    assert send(consented, [event()], content_type="text/plain;charset=UTF-8").status_code == 202
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data", "text/html"):
        response = send(consented, [event()], content_type=content_type)
        assert response.status_code == 415, content_type
    assert count(app) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "", "Referer": "https://evil.example/"},
    ],
)
def test_cross_origin_posts_are_refused(app, consented, headers):
    assert send(consented, [event()], headers=headers).status_code == 403
    assert count(app) == 0


def body_with(field, value):
    return json.dumps({"events": [{**event(), field: value}]})


@pytest.mark.parametrize(
    "body,field",
    [
        ("not json", "body"),
        ("[]", "body"),
        ('{"events": {}}', "events"),
        ('{"events": []}', "events"),
        ('{"events": [1]}', "events[0]"),
        ('{"events": [{"type": "pageview", "url": "x", "ts": NaN}]}', "body"),
        ('{"events": [{"type": "pageview", "url": "x", "ts": Infinity}]}', "body"),
        ('{"events": [{"type": "pageview", "url": "x", "ts": 1e999999}]}', "body"),
        ('{"events": [{"type": "pageview", "url": "x", "ts": ' + "9" * 5000 + "}]}", "body"),
        (json.dumps({"events": [{"url": "http://localhost/"}]}), "events[0].type"),
        (
            json.dumps({"events": [{"type": "purchase", "url": "http://localhost/"}]}),
            "events[0].type",
        ),
        (json.dumps({"events": [{"type": "pageview"}]}), "events[0].url"),
        (body_with("url", 42), "events[0].url"),
        (body_with("url", "http://localhost/" + "a" * 10_000), "events[0].url"),
        (body_with("referrer", "x" * 16_000), "events[0].referrer"),
        (body_with("ts", "yesterday"), "events[0].ts"),
        (body_with("ts", True), "events[0].ts"),
        (body_with("screen", "big"), "events[0].screen"),
        (body_with("name", {"nested": ["deep"]}), "events[0].name"),
        (body_with("id", "not-a-uuid"), "events[0].id"),
        (body_with("name", "a\x00b"), "events[0].name"),
        ("[" * 5000 + "]" * 5000, "body"),
        (json.dumps({"events": [event() for _ in range(51)]}), "events"),
    ],
)
def test_bad_payloads_are_400_naming_the_field_and_store_nothing(app, consented, body, field):
    response = send(consented, body=body)
    assert response.status_code == 400
    assert response.json["field"] == field and response.json["error"]
    assert count(app) == 0


def test_invalid_utf8_is_400(app, consented):
    response = send(consented, body=b'{"events": [{"type": "pageview", "url": "\xff\xfe"}]}')
    assert response.status_code == 400 and response.json["field"] == "body"


def test_100000_levels_of_nesting_are_400_not_500(app_config, consented):
    from winlas_site import create_app

    app = create_app({**app_config, "ANALYTICS_MAX_BODY": 1024 * 1024})
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    response = send(client, body="[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400 and "nested" in response.json["error"]


def test_a_body_over_the_limit_is_413(app, consented):
    response = send(consented, [event() for _ in range(10_000)])
    assert response.status_code == 413
    assert response.is_json and count(app) == 0


@pytest.mark.parametrize("offset_ms", [10 * 365 * 24 * 3600 * 1000, -10 * 365 * 24 * 3600 * 1000])
def test_timestamps_far_from_server_time_are_clamped(app, consented, offset_ms):
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    send(consented, [event(ts=int(time.time() * 1000) + offset_ms)])
    with app.app_context():
        stored = Event.get().occurred_at
    assert abs((stored - before).total_seconds()) < 60


def test_a_resent_batch_is_stored_once(app, consented):
    batch = [event(), event("click", target="http://localhost/kontakt")]
    assert send(consented, batch).status_code == 202
    assert send(consented, batch).status_code == 202
    assert count(app) == 2


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/126.0.0.0 Safari/537.36",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ],
)
def test_bots_get_202_are_dropped_and_counted(app, consented, agent):
    response = send(consented, [event()], headers={"User-Agent": agent})
    assert response.status_code == 202 and response.json == {"dropped": "bot"}
    assert count(app) == 0 and count(app, Visit) == 0
    with app.app_context():
        assert DroppedCount.get().count == 1


def test_a_forged_consent_cookie_stores_nothing(app, client):
    client.set_cookie("winlas_consent", "eyJpZCI6ImFhYSJ9.forged")
    assert send(client, [event()]).status_code == 403
    assert count(app) == 0


def test_a_consent_of_an_older_revision_stores_nothing(app, consented, monkeypatch):
    from winlas_site import cookies
    from winlas_site.consent import core

    monkeypatch.setattr(core, "REVISION", cookies.REVISION + 1)
    assert send(consented, [event()]).status_code == 403
    assert count(app) == 0


def test_withdrawn_statistics_stop_collection(app, consented):
    assert send(consented, [event()]).status_code == 202
    consented.post("/samtycke", data={"action": "reject_all"}, headers=ORIGIN)
    assert send(consented, [event()]).status_code == 403
    assert count(app) == 1


def minutes_ago(minutes):
    return int((time.time() - minutes * 60) * 1000)


def test_visits_follow_the_30_minute_rule(app, consented):
    send(consented, [event(ts=minutes_ago(100)), event(ts=minutes_ago(90))])  # one visit
    send(consented, [event(ts=minutes_ago(50))])  # 40 minutes later: a new visit
    send(consented, [event(ts=minutes_ago(45), referrer="http://localhost/")])  # internal: same
    send(consented, [event(url="http://localhost/?utm_campaign=vinter", ts=minutes_ago(40))])
    send(consented, [event(referrer="https://www.linkedin.com/feed", ts=minutes_ago(35))])
    with app.app_context():
        visits = list(Visit.select().order_by(Visit.started_at))
    assert len(visits) == 4
    assert [v.referrer_source for v in visits] == ["direct", "direct", "campaign", "social"]
    assert len({v.visitor_id for v in visits}) == 1


def test_a_logged_in_users_visits_are_linked_to_the_user(app, consented, create_user, auth):
    user = create_user()
    consented.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    auth.login()
    send(consented, [event()])
    with app.app_context():
        assert Visit.get().user_id == user.id and Event.get().user_id == user.id


def test_the_rate_limit_answers_429(app_config):
    from winlas_site import create_app

    app = create_app({**app_config, "ANALYTICS_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    statuses = [send(client, [event()]).status_code for _ in range(5)]
    assert statuses == [202, 202, 202, 429, 429]


def test_a_broken_geoip_file_degrades_to_unknown(app_config, tmp_path, caplog):
    from winlas_site import create_app

    broken = tmp_path / "broken.mmdb"
    broken.write_bytes(b"not a database")
    app = create_app({**app_config, "GEOIP_DATABASE": str(broken)})
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    assert send(client, [event()]).status_code == 202
    with app.app_context():
        assert Visit.get().country == ""


@pytest.fixture
def impatient_database(database, worker_id):
    """The test database again, through a connection that gives up on a lock within 0.2 s."""
    if isinstance(database, peewee.SqliteDatabase):
        impatient = db.make_database(
            f"sqlite:///{database.database}", pragmas={**db.SQLITE_PRAGMAS, "busy_timeout": 200}
        )
    else:
        options = f"-c search_path={postgres_schema(worker_id)} -c lock_timeout=200"
        impatient = db.make_database(POSTGRES_URL, options=options)
    yield impatient
    impatient.close_all()


@contextlib.contextmanager
def locked(database, worker_id):
    """Hold a lock that makes every write of the app fail until the block ends."""
    if isinstance(database, peewee.SqliteDatabase):
        holder = sqlite3.connect(database.database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
    else:
        holder = psycopg2.connect(POSTGRES_URL)
        cursor = holder.cursor()
        cursor.execute(f"SET search_path TO {postgres_schema(worker_id)}")
        cursor.execute("LOCK TABLE event, visit, dropped_count IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


def test_nothing_acknowledged_is_lost_when_the_database_fails(
    app_config, impatient_database, worker_id
):
    from winlas_site import create_app

    app = create_app({**app_config, "DATABASE": impatient_database})
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    accepted = 0
    with locked(impatient_database, worker_id):
        for _ in range(5):
            response = send(client, [event(), event("engagement", ms=1000)])
            assert response.status_code == 202
            accepted += response.json["accepted"]
    state = app.extensions["analytics"]
    assert state.spool.pending_lines() == 5
    assert count(app) == 0
    result = app.test_cli_runner().invoke(args=["analytics", "replay"])
    assert result.exit_code == 0, result.output
    assert count(app) == accepted == 10
    assert state.spool.pending_lines() == 0


def test_stats_classify_generate_and_purge_commands(app, consented):
    send(consented, [event()])
    runner = app.test_cli_runner()
    stats = json.loads(runner.invoke(args=["analytics", "stats", "--json"]).output)
    assert stats == {
        "events": 1,
        "visits": 1,
        "visitors": 1,
        "dropped_bots": 0,
        "spooled_lines": 0,
        "quarantined_lines": 0,
        # the tests store inline: no writer process, and none is needed
        "write_mode": "inline",
        "writer_running": False,
        "writer_pid": None,
        "writer_seconds_since_drain": None,
    }
    result = runner.invoke(args=["analytics", "classify"], input=f"{CHROME}\ncurl/8.5.0\n")
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first == {
        "browser": "Chrome",
        "browser_version": "126",
        "os": "Windows",
        "device": "desktop",
        "is_bot": False,
    }
    assert second["is_bot"] is True
    result = runner.invoke(args=["analytics", "generate", "--events", "500", "--days", "30"])
    assert "generated 500 event(s)" in result.output
    assert json.loads(runner.invoke(args=["analytics", "stats", "--json"]).output)["events"] == 501
    later = (datetime.date.today() + datetime.timedelta(days=450)).isoformat()
    result = runner.invoke(args=["analytics", "purge", "--as-of", later])
    assert "removed 501 event(s)" in result.output


def test_the_background_writer_stores_what_was_acknowledged(app_config):
    # production's path: the request only spools; a writer thread of the worker stores
    from winlas_site import create_app

    app = create_app(
        {**app_config, "ANALYTICS_WRITE_MODE": "background", "ANALYTICS_FLUSH_SECONDS": 0.05}
    )
    try:
        client = app.test_client()
        client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
        sent = send(client, [event(), event("click", target="http://localhost/kontakt")])
        assert sent.json == {"accepted": 2}
        spool = app.extensions["analytics"].spool
        # the writer commits the rows, then removes the segment: wait for both steps
        deadline = time.monotonic() + 5
        while (count(app) < 2 or spool.pending_lines()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert count(app) == 2
        assert spool.pending_lines() == 0
    finally:
        # the writer works on the global database binding, which the next test rebinds
        app.extensions["analytics"].stop()


def test_a_stopped_writer_thread_ends_and_leaves_what_is_spooled_on_disk(app_config):
    from winlas_site import create_app

    app = create_app(
        {**app_config, "ANALYTICS_WRITE_MODE": "background", "ANALYTICS_FLUSH_SECONDS": 3600}
    )
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    assert send(client, [event()]).status_code == 202
    state = app.extensions["analytics"]
    writer = state._writer
    assert writer is not None and writer.is_alive()
    state.stop()
    assert not writer.is_alive()
    assert state.spool.pending_lines() == 1
    assert count(app) == 0


def test_maintenance_replays_abandoned_segments_and_purges_old_events(app, consented, tmp_path):
    state = app.extensions["analytics"]
    old = int((time.time() - 500 * 24 * 3600) * 1000)
    line = {
        "r": old,
        "v": "e" * 32,
        "u": None,
        "ip": "192.0.2.0",
        "geo": ["", "", ""],
        "ua": ["Chrome", "126", "Windows", "10", "desktop"],
        "events": [
            {
                "id": str(uuid.uuid4()),
                "type": "pageview",
                "ts": old,
                "path": "/",
                "ref": ["direct", ""],
            }
        ],
    }
    dead = 2**22 + 4321
    state.spool.folder.mkdir(parents=True, exist_ok=True)
    (state.spool.folder / f"{dead}-1.open").write_text(json.dumps(line) + "\n")
    send(consented, [event()])
    with app.app_context():
        state.maintain()
        assert Event.select().count() == 1  # the old one was replayed, then purged
        assert Event.get().occurred_at.year >= datetime.date.today().year
    assert state.spool.pending_lines() == 0


def test_huge_or_broken_headers_are_no_500(app, consented):
    huge_agent = CHROME + " " + "x" * 16_000
    assert send(consented, [event()], headers={"User-Agent": huge_agent}).status_code == 202
    response = send(
        consented, [event()], headers={"Origin": "", "Referer": "http://localhost/" + "r" * 16_000}
    )
    assert response.status_code == 202
    response = send(
        consented,
        [event()],
        headers={"User-Agent": "\udcff\udcfe".encode("utf-8", "surrogateescape").decode("latin-1")},
    )
    assert response.status_code in (202, 400)
    with app.app_context():
        assert all(len(v.browser) <= 50 for v in Visit.select())


def test_a_bot_without_consent_is_dropped_too(app, client):
    response = send(client, [event()], headers={"User-Agent": "curl/8.5.0"})
    assert response.status_code == 202 and response.json == {"dropped": "bot"}
    assert count(app) == 0


def test_behind_a_trusted_proxy_the_real_client_is_located_and_anonymised(app_config):
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_TRUSTED_PROXIES": ["10.0.0.0/8"]})
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    response = send(
        client, [event()], address="10.0.0.5", headers={"X-Forwarded-For": f"1.1.1.1, {STOCKHOLM}"}
    )
    assert response.status_code == 202
    with app.app_context():
        visit = Visit.get()
    assert (visit.ip_anonymised, visit.city) == ("81.2.69.0", "Stockholm")


def test_collect_responses_carry_security_headers(consented):
    response = send(consented, [event()])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert send(consented, [event()], headers={"Host": "evil.example"}).status_code == 400


def test_an_anonymous_request_never_asks_the_host_whether_its_user_is_internal(
    app, consented, create_user, auth, monkeypatch
):
    # the hot path: without a login cookie there is no user to load, so no query is made to
    # tell staff apart (issue 11); the host's own check is wrapped to count its calls
    state = app.extensions["analytics"]
    asked = []
    host_check = state.host.internal_user
    monkeypatch.setattr(
        state,
        "host",
        dataclasses.replace(
            state.host, internal_user=lambda req: asked.append(req.path) or host_check(req)
        ),
    )
    assert send(consented, [event()]).json == {"accepted": 1}
    assert asked == []
    create_user()
    auth.login()
    assert send(consented, [event()]).json == {"accepted": 1}  # a customer: asked, and kept
    assert asked == ["/api/collect"]
    assert count(app) == 2


def test_staff_logged_in_are_left_out_and_counted_as_internal(app, consented, create_user, auth):
    create_user("support@winlas.se", role="staff")
    auth.login("support@winlas.se")
    response = send(consented, [event(), event(kind="click", target="/kontakt", name="Kontakt")])
    assert response.status_code == 202 and response.json == {"dropped": "internal"}
    assert count(app) == 0 and count(app, Visit) == 0
    with app.app_context():
        assert [(d.reason, d.count) for d in DroppedCount.select()] == [("internal", 1)]


@pytest.mark.parametrize(
    "name",
    ['Säg "hej", då', "a,b;c\tq", "back\\slash \\N", "line\r\nbreak", "emoji \U0001f600"]
    + ["", "NULL"],
)
def test_what_is_stored_reads_back_exactly_as_sent(app, consented, name):
    # PostgreSQL stores a batch through COPY's CSV: quotes, separators, backslashes, line
    # breaks, "" and the word NULL must come back as they went in (and a missing user as NULL)
    sent = [event("click", target="http://localhost/kontakt", name=name), event(), event()]
    sent[2]["id"] = sent[1]["id"]  # the same id twice in one batch: stored once
    assert send(consented, sent).json == {"accepted": 3}
    with app.app_context():
        app.extensions["analytics"].flush()
        click = Event.get(Event.event_id == sent[0]["id"])
        assert (click.name, click.target, click.user_id) == (scrub_label(name), "/kontakt", None)
        assert Event.select().where(Event.event_id == sent[1]["id"]).count() == 1
        assert count(app) == 2


def test_two_visitors_side_by_side_keep_their_own_cookies(app, client):
    # the fast path parses each distinct Cookie header once and shares the result: requests
    # of two browsers, interleaved, must still each be read with their own visitor and consent
    other = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    other.post("/samtycke", data={"action": "reject_all"}, headers=ORIGIN)
    first = uuid.uuid4().hex
    client.set_cookie("winlas_vid", first)
    for _ in range(3):
        assert send(client, [event()]).status_code == 202
        assert send(other, [event()]).status_code == 403  # no statistics consent
    client.set_cookie("winlas_vid", uuid.uuid4().hex)  # a new header: read anew
    assert send(client, [event()]).status_code == 202
    with app.app_context():
        app.extensions["analytics"].flush()
        visitors = [e.visitor_id for e in Event.select().order_by(Event.id)]
    assert visitors[:3] == [first] * 3 and visitors[3] != first and len(visitors) == 4
