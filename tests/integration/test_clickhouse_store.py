"""ClickHouse (chDB) as the event store of a running site: ingest through the collector,
a person's export and erasure (gone at once, reports included), retention, the profiles'
input, the profile timeline and objection, the outage rule, the commands, and moving events
between stores with export-events / import-events.

chDB opens one data directory per process: every test here uses this process's directory
(under pytest's base temporary directory, so each xdist worker has its own) and a database
of its own, dropped afterwards.
"""

from __future__ import annotations

import datetime
import json
import time
import uuid

import pytest

pytest.importorskip("chdb")  # the "clickhouse" extra: installed wherever `make test` runs

import analytics  # noqa: E402
from analytics import profiles, reports, subjects, synthetic  # noqa: E402
from analytics.clickhouse import client as ch  # noqa: E402
from analytics.clickhouse import reports as clickhouse_reports  # noqa: E402
from analytics.clickhouse import schema  # noqa: E402
from analytics.clickhouse import writer as clickhouse_writer  # noqa: E402
from analytics.models import Event, Visit  # noqa: E402
from analytics.profile_models import InterestProfile, InterestScore, ProfileState  # noqa: E402
from analytics.querying import Filters, Period  # noqa: E402
from analytics.state import current  # noqa: E402
from analytics.store import purge, write_lines  # noqa: E402
from tests.geoip import write_test_mmdb  # noqa: E402

ORIGIN = {"Origin": "http://localhost"}
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
ALICE, BERIT = "a" * 32, "b" * 32


def chdb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.getbasetemp() / "chdb"
    return f"chdb://{path}?database=t_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def clickhouse_url(tmp_path_factory):
    url = chdb_url(tmp_path_factory)
    yield url
    # whatever the test left configured: drop its database, leave the process on SQL
    ch.configure(url)
    ch.drop_database()
    ch.configure("")


@pytest.fixture
def app_config(app_config, tmp_path, clickhouse_url):
    return {
        **app_config,
        "ANALYTICS_STORE": clickhouse_url,
        "GEOIP_DATABASE": str(write_test_mmdb(tmp_path / "test-city.mmdb")),
        "ANALYTICS_PROFILE_SETTLE_SECONDS": 0,
    }


@pytest.fixture
def app(app, database):
    with app.app_context():
        applied = analytics.migrate(database)
    assert "clickhouse:create event" in applied and "clickhouse:create visit" in applied
    return app


def ms(moment: datetime.datetime) -> int:
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def ev(kind: str, path: str, when: datetime.datetime, **extra) -> dict:
    item = {"id": str(uuid.uuid4()), "type": kind, "ts": ms(when), "path": path, **extra}
    if kind == "pageview":
        item.setdefault("ref", ["direct", ""])
    return item


def line(visitor: str, events: list[dict], user=None, profiling=True) -> dict:
    found = {
        "r": max(e["ts"] for e in events),
        "v": visitor,
        "u": user,
        "ip": "81.2.69.0",
        "geo": ["SE", "AB", "Stockholm"],
        "ua": ["Chrome", "126", "Windows", "10", "desktop"],
        "events": events,
    }
    if profiling:
        found["p"] = 1
    return found


def now() -> datetime.datetime:
    """The clock to the millisecond, what an event's time holds."""
    moment = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def stored() -> tuple[int, int]:
    return (
        int(ch.scalar("SELECT count() FROM event")),
        int(ch.scalar("SELECT count() FROM visit FINAL")),
    )


# the store ------------------------------------------------------------------------------------


def test_a_wrong_store_url_stops_the_app_with_the_reason(app_config):
    from winlas_site import create_app

    for url, reason in [
        ("postgres://x/y", "is no store"),
        ("chdb://relative/path", "three slashes"),
        ("clickhouse:///db", "names its host"),
        ("clickhouse://h:8123/bad-name", "plain database name"),
    ]:
        with pytest.raises(ValueError, match=reason):
            create_app({**app_config, "ANALYTICS_STORE": url})
    ch.configure("")


def test_values_are_bound_never_spliced(app):
    nasty = ["it's", 'a "quote"', "back\\slash", "tab\there", "new\nline", "åäö ✓", "{x:String}"]
    with app.app_context():
        ch.insert(
            "event",
            [
                (i + 1, text, 1, now(), "v", None, "click", now(), now(), text, text, "", 0, "")
                for i, text in enumerate(nasty)
            ],
            clickhouse_writer.INSERTED_EVENT_COLUMNS,
        )
        for text in nasty:
            rows = ch.query(
                "SELECT path, target FROM event WHERE event_id = {id:String}", {"id": text}
            )
            assert rows == [(text, text)]
        found = ch.query(
            "SELECT count() FROM event WHERE path IN {paths:Array(String)}", {"paths": nasty}
        )
        assert found == [(len(nasty),)]


def test_the_collector_writes_into_clickhouse_and_a_resent_batch_is_stored_once(app, client):
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    event = {
        "type": "pageview",
        "url": "http://localhost/produkter/winlas-skola",
        "id": str(uuid.uuid4()),
        "ts": int(time.time() * 1000),
    }
    for _ in range(2):
        response = client.post(
            "/api/collect",
            json={"events": [event]},
            headers={**ORIGIN, "User-Agent": CHROME},
            environ_base={"REMOTE_ADDR": "81.2.69.160"},
        )
        assert response.status_code == 202
    with app.app_context():
        assert stored() == (1, 1)
        assert Event.select().count() == 0 and Visit.select().count() == 0  # not in SQL
        (row,) = ch.query("SELECT path, visitor_id FROM event")
        assert row == ("/produkter/winlas-skola", client.get_cookie("winlas_vid").value)


def test_the_visit_rule_and_later_changes_of_a_visit(app):
    t0 = datetime.datetime(2026, 11, 2, 10, 0)
    minute = datetime.timedelta(minutes=1)
    with app.app_context():
        write_lines([line(ALICE, [ev("pageview", "/a", t0)], profiling=True)])
        # a later batch: same visit (10 minutes later), logged in, consent withdrawn
        write_lines([line(ALICE, [ev("pageview", "/b", t0 + 10 * minute)], 5, profiling=False)])
        # 30 minutes later: a new visit
        write_lines([line(ALICE, [ev("pageview", "/c", t0 + 41 * minute)])])
        visits = ch.query(
            "SELECT entry_path, exit_path, user_id, profiling, started_at, last_seen_at"
            " FROM visit FINAL ORDER BY started_at"
        )
        assert visits == [
            ("/a", "/b", 5, False, t0, t0 + 10 * minute),
            ("/c", "/c", None, True, t0 + 41 * minute, t0 + 41 * minute),
        ]


# a person's rights ----------------------------------------------------------------------------


def test_export_then_erasure_is_complete_at_once(app, create_user):
    user = create_user("kund@exempel.se")
    today = now().replace(microsecond=0) - datetime.timedelta(hours=1)
    with app.app_context():
        write_lines(
            [
                line(ALICE, [ev("pageview", "/produkter", today)]),
                line(ALICE, [ev("click", "/produkter", today, target="/x.pdf", name="X")], user.id),
                line(BERIT, [ev("pageview", "/kontakt", today)]),
            ]
        )
        data = subjects.personal_data(user.id)
        (visit,) = data["visits"]
        assert visit["visitor_id"] == ALICE and visit["started_at"] == today.isoformat()
        assert [e["type"] for e in visit["events"]] == ["pageview", "click"]
        assert visit["events"][1]["target"] == "/x.pdf"
        period = Period.parse("7d", None, None, today.date())
        assert clickhouse_reports.summary(period, Filters()).visits == 2

        counts = subjects.erase_user(user.id)
        assert counts["events"] == 2 and counts["visits"] == 1
        # at once: no read sees them, the reports included
        assert subjects.personal_data(user.id)["visits"] == []
        assert ch.query(
            "SELECT count() FROM event WHERE visitor_id = {v:String}", {"v": ALICE}
        ) == [(0,)]
        summary = clickhouse_reports.summary(period, Filters())
        assert (summary.visits, summary.visitors, summary.pageviews) == (1, 1, 1)
        # a late line of the erased browser is dropped by its tombstone
        write_lines([line(ALICE, [ev("pageview", "/sen", today)])])
        assert stored() == (1, 1)


def test_retention_purge_removes_old_rows(app):
    old = now() - datetime.timedelta(days=100)
    recent = now() - datetime.timedelta(days=3)
    with app.app_context():
        write_lines(
            [
                line(ALICE, [ev("pageview", "/gammal", old)]),
                line(BERIT, [ev("pageview", "/ny", recent)]),
            ]
        )
        assert stored() == (2, 2)
        assert purge(now() - datetime.timedelta(days=50)) == (1, 1)
        assert ch.query("SELECT path FROM event") == [("/ny",)]
        assert ch.query("SELECT visitor_id FROM visit FINAL") == [(BERIT,)]
        assert purge(now() - datetime.timedelta(days=50)) == (0, 0)


def test_the_tables_expire_by_ttl_at_the_retention(app):
    with app.app_context():
        create = dict(
            ch.query(
                "SELECT name, create_table_query FROM system.tables WHERE database = {d:String}",
                {"d": ch.database()},
            )
        )
        assert "toIntervalDay(425)" in create["event"] and "toIntervalDay(425)" in create["visit"]
        assert sorted(schema.migrate(30)) == [
            "clickhouse:ttl event 30 days",
            "clickhouse:ttl visit 30 days",
        ]
        assert schema.migrate(30) == []


# the interest profiles -----------------------------------------------------------------------


def profile_snapshot() -> dict:
    return {
        (p.visitor_id, p.user_id, s.topic): (
            round(s.score, 9),
            s.pageviews,
            s.clicks,
            s.conversions,
        )
        for s in InterestScore.select()
        for p in [s.profile]
    }


def test_profiles_from_clickhouse_equal_profiles_from_sql(app, clickhouse_url):
    moment = datetime.datetime(2026, 11, 5, 12, 0)
    lines = synthetic.synthetic_lines(6000, 40, seed=3, now_ms=ms(moment))
    with app.app_context():
        ch.configure("")
        for start in range(0, len(lines), 500):
            write_lines(lines[start : start + 500])
        folded = profiles.update(now=moment)
        expected = profile_snapshot()
        assert folded > 100 and len(expected) > 20
        InterestScore.delete().execute()
        InterestProfile.delete().execute()
        ProfileState.delete().execute()

        ch.configure(clickhouse_url)
        for start in range(0, len(lines), 500):
            write_lines(lines[start : start + 500])
        assert profiles.update(now=moment, batch=700) == folded
        assert profile_snapshot() == expected
        # idempotent: the cursor moved past every event
        assert profiles.update(now=moment) == 0


def test_forget_stops_profiling_and_the_timeline_reads_clickhouse(app):
    t0 = now() - datetime.timedelta(days=1)
    with app.app_context():
        write_lines(
            [
                line(ALICE, [ev("pageview", "/produkter/winlas-skola", t0)]),
                line(ALICE, [ev("click", "/produkter/winlas-skola", t0, target="/kontakt")]),
            ]
        )
        (item,) = profiles.timeline([ALICE])
        assert item["visit"].entry_path == "/produkter/winlas-skola"
        assert [e.type for e in item["events"]] == ["pageview", "click"]
        profiles.update()
        assert InterestProfile.select().count() == 1
        result = profiles.forget(visitor_ids=[ALICE])
        assert result == {"profiles": 1, "visits_unflagged": 1, "opted_out": 1}
        assert ch.query("SELECT profiling FROM visit FINAL") == [(False,)]
        assert profiles.timeline([ALICE]) == []


def test_sent_conversions_and_stats_read_clickhouse(app, runner):
    t0 = now() - datetime.timedelta(hours=2)
    with app.app_context():
        write_lines(
            [
                line(
                    ALICE,
                    [
                        ev("pageview", "/kontakt", t0),
                        ev("conversion", "/kontakt", t0, name="contact"),
                    ],
                )
            ]
        )
        assert analytics.sent_conversions(["contact"]) == [("contact", t0)]
    result = runner.invoke(args=["analytics", "stats", "--json"])
    figures = json.loads(result.output)
    assert (figures["events"], figures["visits"], figures["visitors"]) == (2, 1, 1)
    result = runner.invoke(args=["analytics", "rollup"])
    assert "no rollups on ClickHouse" in result.output


# an outage ------------------------------------------------------------------------------------


def test_clickhouse_away_gives_the_segment_back(app, database):
    t0 = now() - datetime.timedelta(minutes=5)
    state_lines = [line(ALICE, [ev("pageview", "/", t0)])]
    with app.app_context():
        ch.command(f"DROP DATABASE `{ch.database()}`")  # as good as a server away
        state = current()
        state.spool.append(json.dumps(state_lines[0]))
        state.flush()
        assert state.spool.pending_lines() == 1 and state.spool.quarantined_lines() == 0
        analytics.migrate(database)  # back
        state.flush()
        assert state.spool.pending_lines() == 0
        assert stored() == (1, 1)


# moving events between stores ---------------------------------------------------------------


def test_export_from_sql_import_into_clickhouse_gives_the_same_reports(
    app, runner, tmp_path, clickhouse_url
):
    moment = now().replace(microsecond=0)
    lines = synthetic.synthetic_lines(5000, 30, seed=5, now_ms=ms(moment))
    dump = tmp_path / "events.jsonl"
    with app.app_context():
        ch.configure("")
        for start in range(0, len(lines), 500):
            write_lines(lines[start : start + 500])
        app.config["ANALYTICS_STORE"] = ""
    result = runner.invoke(args=["analytics", "export-events", "--output", str(dump)])
    assert result.exit_code == 0, result.output
    ch.configure(clickhouse_url)
    for _ in range(2):  # twice: stored once
        result = runner.invoke(args=["analytics", "import-events", str(dump)])
        assert result.exit_code == 0, result.output
    assert "imported 0 new visit(s) and 0 new event(s)" in result.output
    with app.app_context():
        assert stored() == (5000, Visit.select().count())
        period = Period.parse("30d", None, None, moment.date())
        for filters in (Filters(), Filters(device="mobile"), Filters(page="/")):
            found = clickhouse_reports.dashboard(period, filters, now=moment)
            ch.configure("")
            expected = reports.dashboard(period, filters, now=moment, raw=True)
            ch.configure(clickhouse_url)
            for key in ("summary", "previous", "timeseries", "tables", "clicks", "visitors_now"):
                assert found[key] == expected[key], key


def test_export_from_clickhouse_import_into_sql(app, tmp_path, clickhouse_url):
    from analytics.clickhouse import transfer

    moment = now().replace(microsecond=0)
    lines = synthetic.synthetic_lines(1500, 10, seed=9, now_ms=ms(moment))
    with app.app_context():
        for start in range(0, len(lines), 500):
            write_lines(lines[start : start + 500])
        exported = [json.loads(json.dumps(item)) for item in transfer.export_lines()]
        assert sum(len(item["events"]) for item in exported) == 1500
        ch.configure("")
        assert transfer.import_lines(exported) == (len(exported), 1500)
        assert transfer.import_lines(exported) == (0, 0)
        assert Event.select().count() == 1500
        period = Period.parse("7d", None, None, moment.date())
        expected = reports.dashboard(period, Filters(), now=moment, raw=True)
        ch.configure(clickhouse_url)
        found = clickhouse_reports.dashboard(period, Filters(), now=moment)
        for key in ("summary", "timeseries", "tables", "clicks"):
            assert found[key] == expected[key], key


# the time budget ------------------------------------------------------------------------------


def test_the_dashboard_runs_within_the_time_budget(app):
    from analytics.db import TooHeavy, time_budget

    today = now().date()
    with app.app_context():
        write_lines([line(ALICE, [ev("pageview", "/", now() - datetime.timedelta(hours=1))])])
        period = Period.parse("7d", None, None, today)
        with time_budget(60_000):
            found = clickhouse_reports.dashboard(period, Filters(device="desktop"))
        assert found["summary"].visits == 1 and found["tables"]["country"][0].key == "SE"
        with time_budget(1):
            time.sleep(0.01)  # the budget is spent before the statement: it never runs
            with pytest.raises(TooHeavy):
                clickhouse_reports.summary(period, Filters())


def test_the_dashboard_page_reads_clickhouse(app, client, auth, create_user):
    create_user("marknad@winlas.se", role="marketer")
    auth.login("marknad@winlas.se")
    with app.app_context():
        write_lines(
            [
                line(
                    ALICE,
                    [ev("pageview", "/produkter/unik-sida", now() - datetime.timedelta(hours=1))],
                )
            ]
        )
    for url in ("/dashboard/?period=7d", "/dashboard/?period=7d&country=SE&device=desktop"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "/produkter/unik-sida" in response.get_data(as_text=True), url
    response = client.get("/dashboard/?period=7d&country=NO")
    assert response.status_code == 200
    assert "/produkter/unik-sida" not in response.get_data(as_text=True)
