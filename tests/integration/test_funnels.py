"""Funnels against stored events: the counts for hand-made traffic (order, window, filters,
period bounds, literal values), a property test against a brute-force reference for random
traffic and funnels, the same answers from ClickHouse (chDB), and the pages: who may see them,
the editor and its refusals, unknown ids, the CSV file and the query budget."""

from __future__ import annotations

import csv
import datetime
import io
import random
import re
import uuid

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import synthetic
from analytics.clickhouse import client as clickhouse_client
from analytics.clickhouse import schema as clickhouse_schema
from analytics.funnels.models import DEMO_FUNNELS, Funnel, InvalidFunnel, Step, demo
from analytics.funnels.report import report, step_events
from analytics.models import Event, Visit
from analytics.querying import Filters, Period
from analytics.store import write_lines
from tests.conftest import csrf_from, ms
from tests.unit.test_funnels import reference

NOW = datetime.datetime(2026, 11, 20, 12, 0)
TODAY = NOW.date()
MINUTE = datetime.timedelta(minutes=1)
PERIOD_30D = Period.parse("30d", None, None, TODAY)  # 10-22 … 11-20
PERIOD_7D = Period.parse("7d", None, None, TODAY)  # 11-14 … 11-20
QUOTE = [Step("page", "/produkter/*"), Step("page", "/kontakt/offert"), Step("conversion", "quote")]
SE = ("SE", "AB", "Stockholm")
NO = ("NO", "03", "Oslo")
PHONE = ("Firefox", "130", "Android", "14", "mobile")
DESKTOP = ("Chrome", "120", "Windows", "10", "desktop")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW.replace(tzinfo=datetime.UTC), tick=False):
        yield


def line(visitor, events, *, geo=SE, ua=DESKTOP):
    return {
        "r": ms(NOW),
        "v": visitor,
        "u": None,
        "ip": "192.0.2.0",
        "geo": list(geo),
        "ua": list(ua),
        "events": events,
    }


def ev(kind, when, path, **fields):
    item = {"id": str(uuid.uuid4()), "type": kind, "ts": ms(when), "path": path}
    if kind == "pageview":
        item.setdefault("ref", ["direct", ""])
        item.update(screen="1920x1080", tz="Europe/Stockholm", lang="sv-SE")
    item.update(fields)
    return item


def visit(start, *steps):
    """Events one minute apart: a path is a page view, ("click", name, target) a click,
    ("conversion", name) a conversion at the last page's address."""
    events, path = [], "/"
    for index, step in enumerate(steps):
        when = start + index * MINUTE
        if isinstance(step, str):
            path = step
            events.append(ev("pageview", when, step))
        elif step[0] == "click":
            events.append(ev("click", when, path, name=step[1], target=step[2]))
        else:
            events.append(ev("conversion", when, path, name=step[1]))
    return events


A, B, C, D, E = ("a" * 32, "b" * 32, "c" * 32, "d" * 32, "e" * 32)
DAY = datetime.datetime(2026, 11, 19, 10, 0)


def known_traffic():
    """- A (SE): one visit on 11-19 with a product page, a click on a product sheet, the quote
      form and its conversion: every step, in order.
    - B (SE): one visit on 11-19, the quote form first and a product page after: step 1 only.
    - C (NO, phone): a product page on 11-10, the quote form and its conversion on 11-12: in
      one visit only step 1, within 30 days all three.
    - D (SE): on 11-19 the paths "/100%_rabatt" and "/100xxrabatt" (the first only literally).
    - E (SE): every step on 10-01, before the 30 days.
    """
    write_lines(
        [
            line(
                E,
                visit(
                    datetime.datetime(2026, 10, 1, 9),
                    "/produkter/a",
                    "/kontakt/offert",
                    ("conversion", "quote"),
                ),
            ),
            line(C, visit(datetime.datetime(2026, 11, 10, 9), "/produkter/x"), geo=NO, ua=PHONE),
            line(
                C,
                visit(
                    datetime.datetime(2026, 11, 12, 9), "/kontakt/offert", ("conversion", "quote")
                ),
                geo=NO,
                ua=PHONE,
            ),
            line(
                A,
                visit(
                    DAY,
                    "/produkter/winlas-skola",
                    ("click", "produktblad", "/static/dokument/skola.pdf"),
                    "/kontakt/offert",
                    ("conversion", "quote"),
                ),
            ),
            line(B, visit(DAY + 60 * MINUTE, "/kontakt/offert", "/produkter/b")),
            line(D, visit(DAY + 120 * MINUTE, "/100xxrabatt", "/100%_rabatt", "/produkter")),
        ]
    )


@pytest.fixture
def traffic(app):
    with app.app_context():
        known_traffic()


def counted(steps, within="visit", period=PERIOD_30D, filters=None):
    filters = filters or Filters()
    funnel = Funnel.make("Test", steps, within)
    try:
        return [row.visitors for row in report(funnel, period, filters).rows]
    finally:
        funnel.delete_instance()


# ------------------------------------------------------------------------------ the counts


def test_every_step_in_order_within_one_visit(app, traffic):
    with app.app_context():
        # A all three; B has a product page only after the form; C's steps are in two visits
        assert counted(QUOTE) == [3, 1, 1]
        assert counted(QUOTE[:2]) == [3, 1]


def test_within_30_days_the_steps_may_span_visits(app, traffic):
    with app.app_context():
        assert counted(QUOTE, "30d") == [3, 2, 2]


def test_order_matters(app, traffic):
    with app.app_context():
        reversed_steps = [Step("page", "/kontakt/offert"), Step("page", "/produkter/*")]
        # A and C never view a product page after the form; B does
        assert counted(reversed_steps) == [3, 1]
        assert counted(reversed_steps, "30d") == [3, 1]


def test_the_period_bounds_count_visits_by_their_start(app, traffic):
    with app.app_context():
        assert counted(QUOTE, "30d", PERIOD_7D) == [2, 1, 1]
        only_c = Period(datetime.date(2026, 11, 10), datetime.date(2026, 11, 12))
        assert counted(QUOTE, "30d", only_c) == [1, 1, 1]
        first_day = Period(datetime.date(2026, 11, 10), datetime.date(2026, 11, 10))
        assert counted(QUOTE, "30d", first_day) == [1, 0, 0]
        october = Period(datetime.date(2026, 10, 1), datetime.date(2026, 10, 1))
        assert counted(QUOTE, "visit", october) == [1, 1, 1]
        assert counted(QUOTE, "visit", Period(TODAY, TODAY)) == [0, 0, 0]


def test_filters_narrow_the_visits_that_count(app, traffic):
    with app.app_context():
        assert counted(QUOTE, "30d", filters=Filters(country="NO")) == [1, 1, 1]
        assert counted(QUOTE, "visit", filters=Filters(country="NO")) == [1, 0, 0]
        assert counted(QUOTE, "30d", filters=Filters(device="desktop")) == [2, 1, 1]
        # the visits that viewed the form: C's first visit (the product page) is out
        assert counted(QUOTE, "30d", filters=Filters(page="/kontakt/offert")) == [2, 1, 1]
        assert counted(QUOTE, "30d", filters=Filters(country="DE")) == [0, 0, 0]


def test_clicks_match_their_label_or_their_target(app, traffic):
    with app.app_context():
        by_name = [Step("page", "/produkter/*"), Step("click", "produktblad")]
        by_target = [Step("page", "/produkter/*"), Step("click", "/static/dokument/skola.pdf")]
        assert counted(by_name) == [3, 1]
        assert counted(by_target) == [3, 1]
        assert counted([Step("page", "/produkter/*"), Step("click", "produkt")]) == [3, 0]


def test_values_are_literal_percent_and_underscore_are_no_patterns(app, traffic):
    with app.app_context():
        literal = [Step("page", "/100%_rabatt"), Step("page", "/produkter")]
        assert counted(literal) == [1, 1]
        assert counted([Step("page", "/100%*"), Step("page", "/produkter")]) == [1, 1]
        assert counted([Step("page", "/100_*"), Step("page", "/produkter")]) == [0, 0]
        # a wildcard is a prefix: /produkter itself is not under /produkter/
        assert counted([Step("page", "/produkter/*"), Step("page", "/produkter*")]) == [3, 0]
        hostile = [Step("page", "/'; DROP TABLE event; --"), Step("click", "' OR 1=1 --")]
        assert counted(hostile) == [0, 0]
        assert Event.select().count() == 15


def test_the_query_fetches_only_the_events_of_some_step_in_visitor_and_time_order(app, traffic):
    with app.app_context():
        rows = step_events(QUOTE, PERIOD_30D, Filters())
        assert [(who[0], bits) for who, _visit, _at, bits in rows] == [
            ("a", 1),
            ("a", 2),
            ("a", 4),
            ("b", 2),
            ("b", 1),
            ("c", 1),
            ("c", 2),
            ("c", 4),
        ]


def test_the_model_refuses_a_bad_funnel_and_stores_nothing(app):
    with app.app_context():
        with pytest.raises(InvalidFunnel) as refused:
            Funnel.make("Trasig", [Step("page", "/a\x00"), Step("conversion", "nej")], "1y")
        assert refused.value.problems == [
            (None, "unknown_window"),
            (0, "control"),
            (1, "unknown_conversion"),
        ]
        assert Funnel.select().count() == 0
        funnel = Funnel.make("  Offert  ", QUOTE, "visit")
        with pytest.raises(InvalidFunnel):
            funnel.change("Offert", QUOTE[:1], "visit")
        assert Funnel.get_by_id(funnel.id).steps == QUOTE
        assert Funnel.get_by_id(funnel.id).name == "Offert"
        assert Funnel.find(funnel.id) == funnel
        for bad in (0, -1, 2**31, 2**64, 10**30):
            assert Funnel.find(bad) is None


def test_the_demo_funnels_are_stored_once_and_show_drop_off_on_synthetic_traffic(app):
    with app.app_context():
        synthetic.write(12_000, 30, seed=3, now_ms=ms(NOW))
        assert demo() == len(DEMO_FUNNELS)
        assert demo() == 0
        for funnel in Funnel.by_name():
            visitors = [row.visitors for row in report(funnel, PERIOD_30D, Filters()).rows]
            # people enter, fewer go on, some reach the end
            assert visitors[0] > visitors[-1] > 0, (funnel.name, visitors)
            assert visitors == sorted(visitors, reverse=True)


# ------------------------------------------------------------------------------ the property

PATHS = [
    "/",
    "/produkter",
    "/produkter/a",
    "/produkter/b",
    "/kontakt/offert",
    "/100%_x",
    "/100ab_x",
]
CLICKS = [("produktblad", "/filer/a.pdf"), ("Läs mer", "/produkter"), ("", "button")]
FIRST = datetime.datetime(2026, 9, 20)


def random_traffic(rng: random.Random, visitors: int) -> list[dict]:
    """Visitors with several visits over two months: page views, clicks, conversions, some
    at the same millisecond (the order then is the order they were stored in)."""
    lines = []
    for _ in range(visitors):
        visitor = uuid.UUID(int=rng.getrandbits(128)).hex
        geo, ua = rng.choice([(SE, DESKTOP), (NO, PHONE), (SE, PHONE)])
        moment = FIRST + datetime.timedelta(seconds=rng.randrange(55 * 86400))
        for _visit in range(rng.randint(1, 4)):
            events = []
            for index in range(rng.randint(1, 7)):
                kind = (
                    "pageview"
                    if index == 0
                    else rng.choice(["pageview", "pageview", "click", "conversion"])
                )
                item = ev(kind, moment, rng.choice(PATHS))
                item["id"] = str(uuid.UUID(int=rng.getrandbits(128)))
                if kind == "click":
                    name, target = rng.choice(CLICKS)
                    item.update(name=name, target=target)
                elif kind == "conversion":
                    item["name"] = rng.choice(["quote", "demo"])
                events.append(item)
                moment += datetime.timedelta(milliseconds=rng.choice([0, 2000, 600_000]))
            lines.append(line(visitor, events, geo=geo, ua=ua))
            if moment > NOW:
                break
            moment += datetime.timedelta(minutes=rng.randint(31, 20 * 24 * 60))
    lines = [item for item in lines if all(e["ts"] <= ms(NOW) for e in item["events"])]
    lines.sort(key=lambda item: item["events"][0]["ts"])
    return lines


def matches(step: Step, event: Event) -> bool:
    if step.kind == "page":
        if event.type != "pageview":
            return False
        return event.path.startswith(step.prefix) if step.wildcard else event.path == step.value
    if step.kind == "click":
        return event.type == "click" and step.value in (event.name, event.target)
    return event.type == "conversion" and event.name == step.value


def reference_counts(steps, within, period, filters) -> list[int]:
    """Plain Python over every stored event: the visits of the period passing the filters,
    each event's steps, then the brute-force search of the unit tests."""
    start, end = period.bounds()
    visits = {}
    for item in Visit.select():
        if not start <= item.started_at < end:
            continue
        if filters.country and item.country != filters.country:
            continue
        if filters.device and item.device != filters.device:
            continue
        visits[item.id] = item
    if filters.page:
        viewed = {
            e.visit_id for e in Event.select() if e.type == "pageview" and e.path == filters.page
        }
        visits = {key: value for key, value in visits.items() if key in viewed}
    found = []
    for event in sorted(Event.select(), key=lambda e: (e.visitor_id, e.occurred_at, e.id)):
        if event.visit_id not in visits:
            continue
        bits = sum(1 << index for index, step in enumerate(steps) if matches(step, event))
        if bits:
            found.append((event.visitor_id, event.visit_id, event.occurred_at, bits))
    window = None if within == "visit" else datetime.timedelta(days=30)
    return reference(found, len(steps), window)


STEPS = st.one_of(
    st.builds(Step, st.just("page"), st.sampled_from([*PATHS, "/produkter/*", "/100%*", "/*"])),
    st.builds(Step, st.just("click"), st.sampled_from(["produktblad", "/produkter", "button"])),
    st.builds(Step, st.just("conversion"), st.sampled_from(["quote", "demo"])),
)
PERIODS = [
    PERIOD_30D,
    PERIOD_7D,
    Period.parse("90d", None, None, TODAY),
    Period(datetime.date(2026, 10, 1), datetime.date(2026, 10, 20)),
]
FILTERS = [
    Filters(),
    Filters(country="NO"),
    Filters(device="mobile"),
    Filters(page="/kontakt/offert"),
    Filters(country="SE", device="mobile"),
]


def test_the_report_equals_a_brute_force_count_of_the_stored_events(app):
    with app.app_context():
        write_lines(random_traffic(random.Random(16), 70))
        assert Event.select().count() > 300
        seen = []

        @settings(
            max_examples=80,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(
            steps=st.lists(STEPS, min_size=2, max_size=4),
            within=st.sampled_from(["visit", "30d"]),
            period=st.sampled_from(PERIODS),
            filters=st.sampled_from(FILTERS),
        )
        def check(steps, within, period, filters):
            funnel = Funnel(name="p", within=within)
            funnel.steps_json = (
                "[" + ",".join(f'{{"kind": "{s.kind}", "value": "{s.value}"}}' for s in steps) + "]"
            )
            found = [row.visitors for row in report(funnel, period, filters).rows]
            assert found == reference_counts(steps, within, period, filters)
            seen.append(found[-1] > 0)

        check()
        assert any(seen) and not all(seen)


# ------------------------------------------------------------------------------ ClickHouse


@pytest.fixture
def chdb_store(database, tmp_path_factory):
    """The same traffic in the SQL database and in chDB (the test switches between them)."""
    pytest.importorskip("chdb")
    url = f"chdb://{tmp_path_factory.getbasetemp() / 'chdb'}?database=f_{uuid.uuid4().hex[:16]}"
    yield url
    clickhouse_client.configure(url)
    clickhouse_client.drop_database()
    clickhouse_client.configure("")


def test_clickhouse_answers_every_funnel_as_the_sql_store(app, chdb_store):
    rng = random.Random(5)
    lines = random_traffic(rng, 60) + synthetic.synthetic_lines(
        6000, 40, seed=9, now_ms=ms(NOW - datetime.timedelta(hours=2))
    )
    lines.sort(key=lambda item: item["events"][0]["ts"])
    funnels = [
        (QUOTE, "visit"),
        (QUOTE, "30d"),
        ([Step("page", "/produkter/*"), Step("click", "produktblad")], "30d"),
        ([Step("page", "/100%*"), Step("page", "/produkter")], "visit"),
        (
            [
                Step("page", "/utbildningar"),
                Step("page", "/utbildningar/*"),
                Step("conversion", "course"),
            ],
            "30d",
        ),
        (
            [
                Step("page", "/produkter/a"),
                Step("page", "/produkter/a"),
                Step("conversion", "quote"),
            ],
            "visit",
        ),
    ]
    cases = [
        (period, filters)
        for period in PERIODS
        for filters in [*FILTERS, Filters(source="search"), Filters(page="/finns-inte")]
    ]
    with app.app_context():
        for start in range(0, len(lines), 500):
            write_lines(lines[start : start + 500])
        sql = {}
        for index, (steps, within) in enumerate(funnels):
            funnel = Funnel.make(f"f{index}", steps, within)
            for period, filters in cases:
                events = step_events(steps, period, filters)
                sql[index, period, filters] = (
                    [(who, at, bits) for who, _visit, at, bits in events],
                    [row.visitors for row in report(funnel, period, filters).rows],
                )
        clickhouse_client.configure(chdb_store)
        try:
            clickhouse_schema.migrate(425)
            for start in range(0, len(lines), 500):
                write_lines(lines[start : start + 500])
            nonzero = 0
            for index, (steps, _within) in enumerate(funnels):
                funnel = Funnel.get(Funnel.name == f"f{index}")
                for period, filters in cases:
                    events = step_events(steps, period, filters)
                    fetched = [(who, at, bits) for who, _visit, at, bits in events]
                    visitors = [row.visitors for row in report(funnel, period, filters).rows]
                    expected_events, expected_visitors = sql[index, period, filters]
                    assert fetched == [
                        (who, _naive(at), bits) for who, at, bits in expected_events
                    ], (index, period, filters)
                    assert visitors == expected_visitors, (index, period, filters)
                    nonzero += visitors[-1] > 0
            assert nonzero > 10
        finally:
            clickhouse_client.configure("")


def _naive(value) -> datetime.datetime:
    """A SQL time (SQLite: text) as ClickHouse returns it: naive, to the millisecond."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.fromisoformat(str(value))
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


# ------------------------------------------------------------------------------ the pages


@pytest.fixture
def marketer(client, login_as):
    login_as("marknad@exempel.se", "marketer")
    return client


def form_data(page_html: str, name: str, steps, within: str = "visit") -> dict:
    data = {"csrf_token": csrf_from(page_html), "name": name, "within": within}
    for number in range(1, 6):
        kind, value = steps[number - 1] if number <= len(steps) else ("page", "")
        data[f"kind_{number}"] = kind
        data[f"value_{number}"] = value
    return data


def make_funnel(app, steps=QUOTE, within="visit", name="Offert") -> int:
    with app.app_context():
        return Funnel.make(name, steps, within).id


@pytest.mark.parametrize("role", ["anonymous", "customer", "staff"])
def test_only_marketers_and_admins_see_the_funnels(app, client, login_as, role):
    funnel_id = make_funnel(app)
    if role != "anonymous":
        login_as(f"{role}@exempel.se", role)
    urls = [
        "/dashboard/funnels/",
        "/dashboard/funnels/new",
        f"/dashboard/funnels/{funnel_id}",
        f"/dashboard/funnels/{funnel_id}.csv",
        f"/dashboard/funnels/{funnel_id}/edit",
    ]
    for url in urls:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
        else:
            assert response.status_code == 403, url
    # nothing changes for them either (CSRF aside: the guard answers first)
    for url in (f"/dashboard/funnels/{funnel_id}/delete", f"/dashboard/funnels/{funnel_id}/edit"):
        assert client.post(url, data={"name": "x"}).status_code in (302, 400, 403)
    with app.app_context():
        assert Funnel.get_by_id(funnel_id).name == "Offert"


def test_an_admin_sees_them(app, client, login_as):
    funnel_id = make_funnel(app)
    login_as("admin@exempel.se", "admin")
    assert client.get("/dashboard/funnels/").status_code == 200
    assert client.get(f"/dashboard/funnels/{funnel_id}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/funnels/999",
        "/dashboard/funnels/999.csv",
        "/dashboard/funnels/999/edit",
        "/dashboard/funnels/99999999999999999999999",
        "/dashboard/funnels/99999999999999999999999.csv",
        "/dashboard/funnels/2147483648/edit",
        "/dashboard/funnels/abc",
        "/dashboard/funnels/-1",
        "/dashboard/funnels/1%00",
    ],
)
def test_unknown_ids_are_404(marketer, path):
    assert marketer.get(path).status_code == 404


def test_deleting_an_unknown_funnel_is_404(marketer):
    page = marketer.get("/dashboard/funnels/new").get_data(as_text=True)
    token = csrf_from(page)
    for funnel_id in ("999", "99999999999999999999999"):
        response = marketer.post(
            f"/dashboard/funnels/{funnel_id}/delete", data={"csrf_token": token}
        )
        assert response.status_code == 404


def test_create_see_edit_and_delete_a_funnel_through_the_forms(app, marketer, traffic):
    page = marketer.get("/dashboard/funnels/new")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    steps = [("page", "/produkter/*"), ("page", "/kontakt/offert"), ("conversion", "quote")]
    response = marketer.post(
        "/dashboard/funnels/new", data=form_data(html, " Offert ", steps, "30d")
    )
    assert response.status_code == 302
    funnel_id = int(re.search(r"/dashboard/funnels/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        funnel = Funnel.get_by_id(funnel_id)
        assert (funnel.name, funnel.within, funnel.steps) == ("Offert", "30d", QUOTE)
    report_html = marketer.get(f"/dashboard/funnels/{funnel_id}").get_data(as_text=True)
    visitors = re.findall(r'data-column="visitors">([^<]+)<', report_html)
    dropped = re.findall(r'data-column="dropped">([^<]+)<', report_html)
    assert visitors == ["3", "2", "2"]
    assert dropped == ["–", "1", "0"]
    assert 'role="img"' in report_html and 'class="chart-bar funnel-drop"' in report_html
    # the list shows it
    listing = marketer.get("/dashboard/funnels/").get_data(as_text=True)
    assert f'/dashboard/funnels/{funnel_id}"' in listing and "Offert" in listing
    # edit: two steps, one visit
    edit_html = marketer.get(f"/dashboard/funnels/{funnel_id}/edit").get_data(as_text=True)
    assert 'value="/kontakt/offert"' in edit_html
    changed = marketer.post(
        f"/dashboard/funnels/{funnel_id}/edit",
        data=form_data(edit_html, "Offert kort", steps[:2], "visit"),
    )
    assert changed.status_code == 302
    report_html = marketer.get(f"/dashboard/funnels/{funnel_id}?period=7d").get_data(as_text=True)
    assert re.findall(r'data-column="visitors">([^<]+)<', report_html) == ["2", "1"]
    # delete
    gone = marketer.post(
        f"/dashboard/funnels/{funnel_id}/delete", data={"csrf_token": csrf_from(edit_html)}
    )
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/dashboard/funnels/")
    assert marketer.get(f"/dashboard/funnels/{funnel_id}").status_code == 404
    with app.app_context():
        assert Funnel.select().count() == 0


HOSTILE = [
    ("page", "kontakt", "En sida är en sökväg som börjar med /"),
    ("page", "/a\x00b", "otillåtna tecken"),
    ("page", "/" + "x" * 10_000, "högst 512 tecken"),
    ("page", "/a/*/b", "En * får bara stå sist"),
    ("click", "a\x07", "otillåtna tecken"),
    ("conversion", "'; DROP TABLE funnel; --", "Konverteringen finns inte"),
    ("pageview", "/a", "Välj sida, klick eller konvertering"),
    ("page\x00", "/a", "Välj sida, klick eller konvertering"),
]


@pytest.mark.parametrize(("kind", "value", "message"), HOSTILE)
def test_a_bad_step_is_refused_beside_its_row_and_nothing_is_stored(
    app, marketer, kind, value, message
):
    html = marketer.get("/dashboard/funnels/new").get_data(as_text=True)
    data = form_data(html, "Trasig", [("page", "/produkter"), (kind, value)])
    response = marketer.post("/dashboard/funnels/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    # the message sits in row 2, tied to its input
    assert re.search(r'id="value_2-error">[^<]*' + re.escape(message), page)
    assert 'aria-describedby="steps-hint value_2-error"' in page
    with app.app_context():
        assert Funnel.select().count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value_1": "/a", "value_2": ""}, "Ange minst två steg."),
        ({"value_1": "", "value_2": ""}, "Ange minst två steg."),
        ({"name": ""}, "Ge tratten ett namn."),
        ({"name": "   "}, "Ge tratten ett namn."),
        ({"name": "x" * 10_000}, "Namnet får vara högst 120 tecken."),
        ({"name": "a\x00b"}, "otillåtna tecken"),
        ({"within": "1y"}, "Välj när stegen ska ske."),
        ({"within": "\x00"}, "Välj när stegen ska ske."),
        ({"value_9999": "/x", "kind_" + "9" * 5000: "page"}, None),
    ],
)
def test_bad_funnels_are_refused_with_a_message(app, marketer, fields, message):
    html = marketer.get("/dashboard/funnels/new").get_data(as_text=True)
    data = form_data(html, "Offert", [("page", "/a"), ("page", "/b")])
    data.update(fields)
    response = marketer.post("/dashboard/funnels/new", data=data)
    if message is None:
        # unknown fields are ignored: the funnel is stored
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert Funnel.select().count() == 0


def test_empty_rows_between_and_after_the_steps_are_left_out(app, marketer):
    html = marketer.get("/dashboard/funnels/new").get_data(as_text=True)
    data = form_data(
        html, "Luckor", [("page", "/a"), ("page", ""), ("click", "  "), ("conversion", "quote")]
    )
    assert marketer.post("/dashboard/funnels/new", data=data).status_code == 302
    with app.app_context():
        assert Funnel.get().steps == [Step("page", "/a"), Step("conversion", "quote")]


def test_a_post_without_its_csrf_token_is_refused(app, marketer):
    html = marketer.get("/dashboard/funnels/new").get_data(as_text=True)
    data = form_data(html, "Offert", [("page", "/a"), ("page", "/b")])
    del data["csrf_token"]
    assert marketer.post("/dashboard/funnels/new", data=data).status_code in (200, 400)
    with app.app_context():
        assert Funnel.select().count() == 0


@pytest.mark.parametrize(
    "query",
    [
        "period=nope",
        "period=custom&first=2026-11-21&last=2026-11-22",
        "country=SEE",
        "page=produkter",
        "page=/a%00",
        "campaign=" + "x" * 600,
    ],
)
def test_a_bad_period_or_filter_is_400(app, marketer, query):
    funnel_id = make_funnel(app)
    assert marketer.get(f"/dashboard/funnels/{funnel_id}?{query}").status_code == 400
    assert marketer.get(f"/dashboard/funnels/{funnel_id}.csv?{query}").status_code == 400


def test_the_report_keeps_the_period_and_filters_and_the_csv_says_the_same(app, marketer, traffic):
    funnel_id = make_funnel(app, within="30d")
    html = marketer.get(f"/dashboard/funnels/{funnel_id}?period=30d&country=NO").get_data(
        as_text=True
    )
    assert re.findall(r'data-column="visitors">([^<]+)<', html) == ["1", "1", "1"]
    assert f"/dashboard/funnels/{funnel_id}.csv?period=30d&amp;country=NO" in html
    response = marketer.get(f"/dashboard/funnels/{funnel_id}.csv?period=30d")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert (
        response.headers["Content-Disposition"]
        == f"attachment; filename=funnel-{funnel_id}-2026-10-22-2026-11-20.csv"
    )
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows == [
        [
            "step",
            "kind",
            "value",
            "visitors",
            "rate_from_previous",
            "rate_from_first",
            "dropped",
            "drop_rate",
        ],
        # kinds and conversions in the funnel page's words, Swedish decimals (issue 17)
        ["1", "Sida", "/produkter/*", "3", "", "1,0", "0", ""],
        ["2", "Sida", "/kontakt/offert", "2", "0,6667", "0,6667", "1", "0,3333"],
        ["3", "Konvertering", "Offertförfrågan", "2", "1,0", "0,6667", "0", "0,0"],
    ]


def test_a_formula_looking_step_is_neutralised_in_the_csv(app, marketer):
    funnel_id = make_funnel(app, steps=[Step("click", "=HYPERLINK(1)"), Step("click", "+1")])
    text = marketer.get(f"/dashboard/funnels/{funnel_id}.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text and "'+1" in text


def test_a_report_past_its_budget_is_503_with_lighter_questions(app, marketer):
    with app.app_context():
        write_lines(synthetic.synthetic_lines(3000, 30, seed=7, now_ms=ms(NOW)))
    funnel_id = make_funnel(app, within="30d")
    app.config["ANALYTICS_QUERY_BUDGET_MS"] = 1
    for suffix in ("", ".csv"):
        response = marketer.get(f"/dashboard/funnels/{funnel_id}{suffix}?period=30d&country=SE")
        assert response.status_code == 503
        html = response.get_data(as_text=True)
        assert "Frågan är för tung" in html
        # the same question for a shorter period, and without the filter
        assert f"/dashboard/funnels/{funnel_id}{suffix}?period=7d&amp;country=SE" in html
        assert f"/dashboard/funnels/{funnel_id}{suffix}?period=30d" in html
    app.config["ANALYTICS_QUERY_BUDGET_MS"] = 10_000
    assert marketer.get(f"/dashboard/funnels/{funnel_id}?period=30d&country=SE").status_code == 200
