"""Hostile input at the ingest path, on SQLite and PostgreSQL (issue 10, hostile inputs 5, 6,
25, 33 and 34 of docs/HOSTILE_INPUTS.md): what cannot be stored is refused at the door, no
spooled line blocks another, an erased person's late lines are dropped, bots do not skip the
rate limit, and no address or phone number reaches the analytics tables."""

import datetime
import json
import re
import time
import uuid

import pytest

from analytics.models import DroppedCount, ErasureTombstone, Event, Visit
from analytics.store import MAX_TRIES
from tests.geoip import write_test_mmdb
from tests.integration.test_collect import (
    ORIGIN,
    count,
    event,
    impatient_database,  # noqa: F401 - a fixture
    locked,
    send,
)

# the probe of issue 10 item 1, verbatim
SURROGATE_PROBE = (
    '{"events":[{"type":"click","url":"http://127.0.0.1:5000/",'
    '"target":"http://127.0.0.1:5000/x","name":"\\ud800"}]}'
)
TEXT_FIELDS = ("url", "referrer", "target", "name", "tz", "lang", "platform")


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "GEOIP_DATABASE": str(write_test_mmdb(tmp_path / "test-city.mmdb"))}


@pytest.fixture
def consented(client):
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    return client


def good_line(visitor="a" * 32, user=None, **event_fields):
    """A spool line as the collector writes it."""
    now = int(time.time() * 1000)
    return {
        "r": now,
        "v": visitor,
        "u": user,
        "ip": "192.0.2.0",
        "geo": ["SE", "AB", "Stockholm"],
        "ua": ["Chrome", "126", "Windows", "10", "desktop"],
        "events": [
            {
                "id": str(uuid.uuid4()),
                "type": "pageview",
                "ts": now,
                "path": "/",
                "ref": ["direct", ""],
                **event_fields,
            }
        ],
    }


def spool_segment(state, *lines):
    """A closed segment holding ``lines`` (dicts, or raw text for unreadable ones)."""
    for line in lines:
        state.spool.append(line if isinstance(line, str) else json.dumps(line))
    state.spool.rotate()


def stored_ids(app):
    with app.app_context():
        return {e.event_id for e in Event.select(Event.event_id)}


def stats(app):
    result = app.test_cli_runner().invoke(args=["analytics", "stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- 0. lines spooled by an older version -------------------------------------------------


def test_lines_spooled_before_the_line_type_existed_are_still_stored(app):
    # the exact text the collector and the bot tally wrote before analytics.line: a worker
    # upgraded with lines still in its spool must store them, not quarantine them
    now = int(time.time() * 1000)
    today = datetime.date.today().isoformat()
    event_id = str(uuid.uuid4())
    state = app.extensions["analytics"]
    old_request = (
        '{"r":NOW,"v":"VISITOR","u":null,"ip":"192.0.2.0","geo":["SE","AB","Stockholm"],'
        '"ua":["Firefox","128","Linux","","desktop"],"events":[{"id":"EVENT","type":"pageview",'
        '"ts":NOW,"path":"/produkter","ref":["search","google.com"],"lang":"sv-SE"}],"p":1}'
    )
    for text in (
        old_request.replace("NOW", str(now))
        .replace("VISITOR", "f" * 32)
        .replace("EVENT", event_id),
        '{"bot": "TODAY", "n": 4}'.replace("TODAY", today),
        '{"bot": "TODAY", "n": 2, "reason": "internal"}'.replace("TODAY", today),
    ):
        state.spool.append(text)
    result = app.test_cli_runner().invoke(args=["analytics", "replay"])
    assert result.exit_code == 0, result.output
    assert stored_ids(app) == {event_id}
    assert stats(app)["quarantined_lines"] == 0 and stats(app)["spooled_lines"] == 0
    with app.app_context():
        visit = Visit.get()
        assert (visit.visitor_id, visit.referrer_source, visit.city, visit.browser) == (
            "f" * 32,
            "search",
            "Stockholm",
            "Firefox",
        )
        assert visit.profiling is True
        assert {(d.reason, d.count) for d in DroppedCount.select()} == {
            ("bot", 4),
            ("internal", 2),
        }


# --- 1. refused at the door ----------------------------------------------------------------


def test_the_lone_surrogate_probe_of_issue_10_is_400_naming_the_field(app, consented):
    response = send(consented, body=SURROGATE_PROBE)
    assert response.status_code == 400
    assert response.json["field"] == "events[0].name"
    assert app.extensions["analytics"].spool.pending_lines() == 0
    assert count(app) == 0


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("bad", ["\\ud800", "\\udfff", "x\\udc80"])
def test_a_lone_surrogate_in_any_text_field_is_refused_with_400(app, consented, field, bad):
    # in url and target it was a 500 (quote() could not encode it), elsewhere a 202 that
    # blocked the spool segment
    fields = {"type": "click", "url": "http://localhost/", "target": "http://localhost/x"}
    raw = json.dumps({"events": [event(**fields)]})[:-3] + f', "{field}": "{bad}"}}]}}'
    response = send(consented, body=raw)
    assert response.status_code == 400, response.data
    assert response.json["field"] == f"events[0].{field}"
    assert count(app) == 0 and app.extensions["analytics"].spool.pending_lines() == 0


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_a_nul_in_any_text_field_is_refused_on_both_backends(app, consented, field):
    fields = {"type": "click", "url": "http://localhost/", "target": "http://localhost/x"}
    response = send(consented, [event(**{**fields, field: "a\x00b"})])
    assert response.status_code == 400 and response.json["field"] == f"events[0].{field}"
    assert count(app) == 0


def test_a_valid_surrogate_pair_and_other_scripts_are_stored(app, consented):
    name = "Läs mer 😀 عربي 𝔘"
    response = send(consented, [event("click", target="http://localhost/x", name=name)])
    assert response.status_code == 202
    with app.app_context():
        assert Event.get().name == name


def test_control_characters_in_the_user_agent_do_not_reach_the_visit(app, consented):
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0\x01\x7f Safari/537.36"
    assert send(consented, [event()], headers={"User-Agent": agent}).status_code == 202
    with app.app_context():
        visit = Visit.get()
    for value in (visit.browser, visit.browser_version, visit.os, visit.os_version, visit.device):
        assert value.isprintable()


# --- 2. no line blocks another -------------------------------------------------------------


def test_a_good_event_sharing_a_segment_with_an_unstorable_line_is_stored(app):
    # an unstorable line in the spool (written before the door refused surrogates, or by hand)
    state = app.extensions["analytics"]
    before, after = good_line(), good_line(visitor="b" * 32)
    bad = good_line(visitor="c" * 32, type="click", target="/", name="\ud800")
    spool_segment(state, before, bad, after)
    wanted = {before["events"][0]["id"], after["events"][0]["id"]}
    with app.app_context():
        for attempt in range(1, MAX_TRIES + 1):
            state.flush()
            assert stored_ids(app) == wanted  # the good ones at the first attempt
            assert state.spool.pending_lines() == (0 if attempt == MAX_TRIES else 1)
    [entry] = [json.loads(x) for x in state.spool.quarantine_path.read_text().splitlines()]
    assert entry["tries"] == MAX_TRIES and "UnicodeEncodeError" in entry["error"]
    assert json.loads(entry["line"]) == bad  # the original line, without the try counter
    assert stats(app)["quarantined_lines"] == 1 and stats(app)["spooled_lines"] == 0
    with app.app_context():
        assert not Visit.select().where(Visit.visitor_id == "c" * 32).exists()


def test_lines_of_the_wrong_shape_and_torn_lines_go_to_quarantine_and_replay_does_not_crash(app):
    state = app.extensions["analytics"]
    good = good_line()
    spool_segment(
        state,
        '{"r": 1, "v": "torn',  # a crash mid-write
        "[1, 2, 3]",  # JSON, but not a line
        {"r": 1, "v": "d" * 32},  # no "u", no "events"
        {"bot": "not-a-day", "n": 3},
        {"bot": datetime.date.today().isoformat(), "n": -5},
        good,
    )
    runner = app.test_cli_runner()
    for _ in range(MAX_TRIES):
        result = runner.invoke(args=["analytics", "replay"])
        assert result.exit_code == 0, result.output
    assert stored_ids(app) == {good["events"][0]["id"]}
    assert stats(app)["quarantined_lines"] == 5 and stats(app)["spooled_lines"] == 0
    assert "5 line(s) in quarantine" in result.output
    with app.app_context():
        assert DroppedCount.select().count() == 0


def test_an_outage_quarantines_nothing_and_keeps_every_line(
    app_config, impatient_database, worker_id
):
    from winlas_site import create_app

    app = create_app({**app_config, "DATABASE": impatient_database})
    state = app.extensions["analytics"]
    good = good_line()
    bad = good_line(visitor="c" * 32, type="click", target="/", name="\ud800")
    spool_segment(state, good, bad)
    with locked(impatient_database, worker_id):
        for _ in range(MAX_TRIES + 2):  # more attempts than a bad line gets
            result = app.test_cli_runner().invoke(args=["analytics", "replay"])
            assert result.exit_code == 0, result.output
        assert "2 line(s) still wait in the spool" in result.output
    assert state.spool.quarantined_lines() == 0
    assert state.spool.pending_lines() == 2
    with app.app_context():
        for _ in range(MAX_TRIES):
            state.replay()
    assert stored_ids(app) == {good["events"][0]["id"]}
    assert state.spool.quarantined_lines() == 1 and state.spool.pending_lines() == 0


def test_a_line_too_long_for_a_column_is_quarantined_on_postgresql_and_stored_on_sqlite(
    app, database
):
    import peewee

    state = app.extensions["analytics"]
    long_path = good_line(path="/" + "p" * 2000)
    spool_segment(state, long_path, good := good_line(visitor="b" * 32))
    with app.app_context():
        for _ in range(MAX_TRIES):
            state.flush()
    expected = {good["events"][0]["id"]}
    if isinstance(database, peewee.SqliteDatabase):  # SQLite does not enforce a length
        expected.add(long_path["events"][0]["id"])
    assert stored_ids(app) == expected
    assert state.spool.quarantined_lines() == 2 - len(expected)
    assert state.spool.pending_lines() == 0


# --- 3. erasure tombstones -----------------------------------------------------------------


@pytest.fixture
def waiting_app(app_config):
    """The production write path, whose writer does not wake up during the test: accepted
    lines wait in the spool until the test flushes."""
    from winlas_site import create_app

    app = create_app(
        {**app_config, "ANALYTICS_WRITE_MODE": "background", "ANALYTICS_FLUSH_SECONDS": 3600}
    )
    yield app
    app.extensions["analytics"].stop()
    app.extensions["analytics"].spool.close()


def test_lines_of_an_erased_user_and_browser_waiting_in_the_spool_are_never_stored(
    waiting_app, create_user
):
    from analytics import subjects
    from tests.conftest import AuthActions

    app = waiting_app
    state = app.extensions["analytics"]
    with app.app_context():
        from winlas_site.auth.models import User

        user = User.create_account(
            "karin.kund@exempelkommun.se", "korrekt-hast-batteri-häftstift", role="customer"
        )
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    assert send(client, [event()]).status_code == 202  # anonymous, same browser
    visitor = client.get_cookie("winlas_vid").value
    AuthActions(client).login("karin.kund@exempelkommun.se")
    click = event("click", url="http://localhost/konto/", name="Radera mitt konto")
    assert send(client, [click]).status_code == 202  # accepted just before the erasure
    assert state.spool.pending_lines() == 2
    with app.app_context():
        subjects.erase_user(user.id)  # nothing of hers is stored yet: the lines wait
    # and a page view of the same browser that arrives after the erasure
    other = app.test_client()
    other.set_cookie("winlas_consent", client.get_cookie("winlas_consent").value)
    other.set_cookie("winlas_vid", visitor)
    assert send(other, [event(url="http://localhost/")]).status_code == 202
    with app.app_context():
        state.flush()
        assert state.spool.pending_lines() == 0
        assert (
            not Event.select()
            .where((Event.user_id == user.id) | (Event.visitor_id == visitor))
            .exists()
        )
        assert (
            not Visit.select()
            .where((Visit.user_id == user.id) | (Visit.visitor_id == visitor))
            .exists()
        )
        # later anonymous lines of that browser are dropped too
        state.spool.append(json.dumps(good_line(visitor=visitor)))
        state.flush()
        assert Event.select().count() == 0
        # the tombstones name nobody: keyed digests only
        digests = [t.digest for t in ErasureTombstone.select()]
    assert len(digests) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", d) for d in digests)
    assert visitor not in digests


def test_an_erasure_does_not_drop_other_peoples_lines(app, create_user):
    from analytics import subjects

    user = create_user()
    state = app.extensions["analytics"]
    spool_segment(state, mine := good_line(user=user.id), theirs := good_line(visitor="b" * 32))
    with app.app_context():
        subjects.erase_user(user.id)
        state.flush()
    assert stored_ids(app) == {theirs["events"][0]["id"]}
    assert mine["events"][0]["id"] not in stored_ids(app)


def test_erase_user_tombstones_a_browser_given_by_the_site(app, create_user):
    from analytics import subjects

    user = create_user()
    state = app.extensions["analytics"]
    with app.app_context():
        subjects.erase_user(user.id, visitor_ids=["e" * 32, "not a visitor id"])
        spool_segment(state, good_line(visitor="e" * 32))
        state.flush()
        assert Event.select().count() == 0 and ErasureTombstone.select().count() == 2


def test_tombstones_expire_after_the_configured_days_and_are_purged(app_config, create_user):
    from analytics import subjects
    from winlas_site import create_app

    app = create_app({**app_config, "ANALYTICS_TOMBSTONE_DAYS": 2})
    user = create_user()
    with app.app_context():
        subjects.erase_user(user.id)
        [tombstone] = ErasureTombstone.select()
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        assert abs((tombstone.expires_at - now) - datetime.timedelta(days=2)).total_seconds() < 60
        app.extensions["analytics"].maintain()
        assert ErasureTombstone.select().count() == 1  # not expired yet
        ErasureTombstone.update(expires_at=now - datetime.timedelta(seconds=1)).execute()
        app.extensions["analytics"].maintain()
        assert ErasureTombstone.select().count() == 0


# --- 4. bots do not skip the limit, and cost no spool line each ----------------------------


def test_a_bot_user_agent_does_not_skip_the_rate_limit(app_config):
    from winlas_site import create_app

    app = create_app({**app_config, "ANALYTICS_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    statuses = [
        send(client, [event()], headers={"User-Agent": "curl/8.5.0"}).status_code for _ in range(5)
    ]
    assert statuses == [202, 202, 202, 429, 429]
    with app.app_context():
        assert DroppedCount.get().count == 3


def test_300_bot_requests_in_a_second_add_no_spool_line_each_and_are_all_counted(waiting_app):
    app = waiting_app
    state = app.extensions["analytics"]
    client = app.test_client()
    statuses = [
        send(client, [event()], headers={"User-Agent": "curl/8.5.0"}).status_code
        for _ in range(300)
    ]
    assert statuses.count(202) == 240 and statuses.count(429) == 60  # 240 per minute
    # the tally is spooled every few seconds, not per request
    assert state.spool.pending_lines() <= 2
    with app.app_context():
        state.flush()  # what a clean shutdown does (atexit)
        total = sum(row.count for row in DroppedCount.select())
    assert total == 240 and count(app, Visit) == 0 and count(app) == 0


def test_a_cross_origin_bot_is_refused_before_it_is_counted(app):
    client = app.test_client()
    response = send(
        client, [event()], headers={"User-Agent": "curl/8.5.0", "Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    with app.app_context():
        assert DroppedCount.select().count() == 0


# --- 5. no personal data by accident --------------------------------------------------------

EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
PHONE = re.compile(r"\+?\d[\d \-()]{6,}\d")


def test_addresses_and_phone_numbers_in_what_the_tracker_sends_are_not_stored(app, consented):
    response = send(
        consented,
        [
            event(
                url="http://localhost/crm/leads/1?email=karin.kund@exempelkommun.se&tel=0701234567",
                referrer="https://mail.example/?to=karin.kund@exempelkommun.se",
            ),
            event(
                "click",
                target="mailto:karin.kund@exempelkommun.se?subject=x",
                name="Karin Kund karin.kund@exempelkommun.se",
            ),
            event("click", target="tel:+46701234567", name="Ring 070-123 45 67"),
            event("click", target="sms:+46812345678", name="+46 8 123 456 78"),
            event("click", target="/kontakt?namn=Karin", name="Kundnummer 1234567"),
        ],
    )
    assert response.status_code == 202
    with app.app_context():
        # every free-text column of the analytics tables (ids and times are no one's text)
        rows = [
            *Visit.select(
                Visit.entry_path,
                Visit.exit_path,
                Visit.referrer_host,
                Visit.utm_source,
                Visit.utm_medium,
                Visit.utm_campaign,
                Visit.utm_term,
                Visit.utm_content,
            ).tuples(),
            *Event.select(Event.path, Event.target, Event.name).tuples(),
        ]
        clicks = {(e.target, e.name) for e in Event.select().where(Event.type == "click")}
    text = json.dumps(rows)
    assert not EMAIL.search(text), text
    assert not PHONE.search(text), text
    assert "karin.kund" not in text and "0701234567" not in text
    assert clicks == {
        ("mailto:", "Karin Kund"),
        ("tel:", "Ring"),
        ("sms:", ""),
        ("/kontakt", "Kundnummer"),
    }


def test_an_erasure_also_removes_the_persons_quarantined_lines(app, create_user):
    from analytics import subjects

    user = create_user()
    state = app.extensions["analytics"]
    theirs = good_line(visitor="e" * 32, user=user.id, type="click", target="/", name="\ud800")
    others = good_line(visitor="f" * 32, type="click", target="/", name="\udfff")
    spool_segment(state, theirs, others)
    with app.app_context():
        for _ in range(MAX_TRIES):
            state.flush()
        assert state.spool.quarantined_lines() == 2
        subjects.erase_user(user.id)
    [left] = [json.loads(x) for x in state.spool.quarantine_path.read_text().splitlines()]
    assert json.loads(left["line"])["v"] == "f" * 32
    assert "e" * 32 not in state.spool.quarantine_path.read_text()


def test_a_writer_racing_an_erasure_waits_for_it_and_then_drops_the_line(app, create_user):
    # the writer's transaction must not read "no tombstone" while the erasure is still
    # uncommitted and then store the line after it (PostgreSQL: an advisory lock; SQLite:
    # the write lock taken at BEGIN IMMEDIATE)
    import threading

    from analytics import db as analytics_db
    from analytics import subjects

    user = create_user()
    state = app.extensions["analytics"]
    spool_segment(state, line := good_line(visitor="e" * 32, user=user.id))

    def write():
        with app.app_context():
            state.flush()

    writer = threading.Thread(target=write)
    with app.app_context():
        with analytics_db.database.atomic():
            subjects.erase_user(user.id)
            writer.start()
            writer.join(0.5)
            assert writer.is_alive()  # waits for the erasure to commit
    writer.join(10)
    assert not writer.is_alive()
    assert line["events"][0]["id"] not in stored_ids(app)
    assert state.spool.pending_lines() == 0 and state.spool.quarantined_lines() == 0
