"""Hostile input against the marketer pages of issue 16 (docs/HOSTILE_INPUTS.md #5, #6, #10,
#17, #22, #35): funnels, notes on the time charts, saved views, the campaign-to-customer report,
the lead's journey in the CRM, the weekly digest's switch in Mitt konto and its unsubscribe link,
and the dashboard's "measured with consent: N of M".

Every request answers a 4xx or a valid page, never a 500, and a refused one changes nothing
stored. Rows this version cannot read -- a funnel's steps or window, a saved view's query, a
note's date, a lead's touches, written by an older version or by hand -- are listed as such,
answer a clear page instead of their report, and can be redefined or deleted.
"""

from __future__ import annotations

import datetime
import json
import re
from urllib.parse import quote

import peewee
import pytest
import time_machine

from analytics.attribution.touches import Touches
from analytics.dashboard_models import Annotation, SavedView, authored
from analytics.funnels.models import Funnel, Step
from analytics.funnels.report import report as count_funnel
from analytics.querying import MAX_FILTER_LENGTH, Filters, Period
from analytics.request_models import PageRequestCount
from analytics.store import write_lines
from tests.conftest import csrf_from
from tests.integration.test_attribution import make_lead, touch, touches
from tests.integration.test_funnels import ev, line
from winlas_site.auth.models import User
from winlas_site.digest import mailing
from winlas_site.digest.models import DigestSubscription
from winlas_site.leads.models import Lead

NOW = datetime.datetime(2026, 11, 20, 12, 0)
TODAY = NOW.date()
DAY = datetime.date(2026, 11, 18)
STEPS = [Step("page", "/produkter/*"), Step("conversion", "quote")]
FUNNEL_JSON = json.dumps([step.to_json() for step in STEPS])


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW.replace(tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def marketer(client, login_as):
    login_as("marknad@exempel.se", "marketer")
    return client


@pytest.fixture
def kept(app):
    """One valid funnel, note and saved view: what every refusal must leave as it was."""
    with app.app_context():
        funnel = Funnel.make("Kvar", STEPS, "visit")
        note = Annotation.add(DAY, "Kvar", None)
        view = SavedView.save_as("Kvar", "period=30d&country=SE", None)
    return {"funnel": funnel.id, "note": note.id, "view": view.id}


def stored(app) -> tuple:
    """Every row the marketer pages write, as plain values."""
    with app.app_context():
        return (
            sorted(tuple(row) for row in Funnel.select().tuples()),
            sorted(tuple(row) for row in Annotation.select().tuples()),
            sorted(tuple(row) for row in SavedView.select().tuples()),
            sorted(tuple(row) for row in DigestSubscription.select().tuples()),
        )


def token(client, url: str = "/dashboard/annotations") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def form_body(fields: list[tuple[str, str]]) -> str:
    """An urlencoded body; a value already holding %-escapes goes as it is (bad UTF-8 bytes,
    encoded surrogates), everything else is escaped."""
    return "&".join(
        f"{quote(key)}={value if re.search(r'%[0-9A-Fa-f]{2}', value) else quote(value)}"
        for key, value in fields
    )


def post_form(client, url: str, fields: list[tuple[str, str]]):
    return client.post(
        url, data=form_body(fields), content_type="application/x-www-form-urlencoded"
    )


# ---------------------------------------------------------------------------- query strings

# already escaped, as they go in a URL
HOSTILE_QUERY = [
    "%00",
    "a%00b",
    "%FF%FE",
    "%ED%A0%80",  # an encoded lone surrogate
    "%C0%AF",  # an overlong "/"
    "%1B%5B31m",
    "%0D%0ABcc:%20x",
    "x" * 5000,
    "'%20OR%201=1--",
    "*",
    "%25",
    "_",
    "%5C",
    "-1",
    "9" * 40,
    "%D9%A1",  # Arabic-Indic one: int() reads it as 1, a path id is ASCII digits only
    "%EF%BC%91",  # fullwidth one
    "NaN",
]
QUERY_PARAMS = ["period", "first", "last", "page", "country", "campaign", "dimension"]


def marketer_pages(kept: dict) -> list[str]:
    return [
        "/dashboard/",
        "/dashboard/table/timeseries",
        "/dashboard/export/page.csv",
        "/dashboard/funnels/",
        f"/dashboard/funnels/{kept['funnel']}",
        f"/dashboard/funnels/{kept['funnel']}.csv",
        f"/dashboard/funnels/{kept['funnel']}/edit",
        "/dashboard/annotations",
        "/dashboard/views",
        f"/dashboard/views/{kept['view']}",
        "/dashboard/kunder/",
        "/dashboard/kunder/export.csv",
    ]


@pytest.mark.parametrize("value", HOSTILE_QUERY)
def test_hostile_query_values_on_every_marketer_page_are_no_500(app, marketer, kept, value):
    before = stored(app)
    for page in marketer_pages(kept):
        for name in QUERY_PARAMS:
            for query in (
                f"period=custom&first=2026-11-01&last=2026-11-10&{name}={value}",
                # twice, and as an array where one value is expected
                f"{name}={value}&{name}=7d&{name}[]={value}&{name}[]=x",
            ):
                response = marketer.get(f"{page}?{query}")
                assert response.status_code < 500, (page, query)
                assert "Traceback" not in response.get_data(as_text=True)
    assert stored(app) == before


IMPOSSIBLE_PERIODS = [
    "period=custom&first=2026-02-30&last=2026-03-01",
    "period=custom&first=2026-02-01&last=2026-02-30",
    "period=custom&first=0000-01-01&last=2026-01-01",
    "period=custom&first=0001-01-01&last=2026-01-01",
    "period=custom&first=99999-01-01&last=99999-01-02",
    "period=custom&first=-2026-01-01&last=2026-01-02",
    "period=custom&first=2026-11-10&last=2026-11-01",  # from after to
    "period=custom&first=1926-11-01&last=2026-11-01",  # a hundred years
    "period=custom&first=2026-11-01&last=2126-11-01",  # into the future
    "period=custom&first=2026-11-01T00:00&last=2026-11-02",
    "period=custom&first=%EF%BC%92026-11-01&last=2026-11-02",  # a fullwidth digit
    "period=custom&first=2026-11-01",
    "period=custom",
    "period=36500d",
    "period=",
]


@pytest.mark.parametrize("query", IMPOSSIBLE_PERIODS[:-1])
def test_impossible_reversed_and_endless_periods_are_400(marketer, kept, query):
    for page in marketer_pages(kept):
        if "/edit" in page or page.endswith(("/funnels/", "/annotations", "/views")):
            continue  # pages that show no period
        if re.fullmatch(r"/dashboard/views/\d+", page):
            continue  # opening a saved view reads the view's period, not the URL's
        assert marketer.get(f"{page}?{query}").status_code == 400, (page, query)


def test_an_empty_period_is_the_default_one(marketer, kept):
    for page in marketer_pages(kept):
        response = marketer.get(f"{page}?{IMPOSSIBLE_PERIODS[-1]}")
        assert response.status_code in (200, 302), page


# ---------------------------------------------------------------------------- ids in paths

BAD_IDS = [
    "0",
    "-1",
    "2147483648",
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 40,
    "1%00",
    "%FF",
    "1e3",
    "0x1",
    "1.0",
]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_ids_no_row_can_have_are_404_and_change_nothing(app, marketer, kept, bad_id):
    before = stored(app)
    csrf = token(marketer)
    for url in (
        f"/dashboard/funnels/{bad_id}",
        f"/dashboard/funnels/{bad_id}.csv",
        f"/dashboard/funnels/{bad_id}/edit",
        f"/dashboard/views/{bad_id}",
    ):
        for method in ("GET", "HEAD"):
            assert marketer.open(url, method=method).status_code == 404, (method, url)
    for url in (
        f"/dashboard/funnels/{bad_id}/edit",
        f"/dashboard/funnels/{bad_id}/delete",
        f"/dashboard/views/{bad_id}/delete",
        f"/dashboard/annotations/{bad_id}/delete",
    ):
        response = marketer.post(url, data={"csrf_token": csrf, "name": "x", "within": "visit"})
        assert response.status_code == 404, url
    assert stored(app) == before


# ---------------------------------------------------------------------------- methods, CSRF

STATE_CHANGING = [
    "/dashboard/funnels/new",
    "/dashboard/funnels/{funnel}/edit",
    "/dashboard/funnels/{funnel}/delete",
    "/dashboard/annotations",
    "/dashboard/annotations/{note}/delete",
    "/dashboard/views",
    "/dashboard/views/{view}/delete",
    "/konto/veckosammanfattning",
]


def test_posts_without_their_csrf_token_are_400_and_change_nothing(app, marketer, kept):
    before = stored(app)
    fields = {
        "name": "Ny",
        "within": "visit",
        "kind_1": "page",
        "value_1": "/a",
        "kind_2": "page",
        "value_2": "/b",
        "day": DAY.isoformat(),
        "text": "Ny",
        "period": "7d",
        "digest_active": "y",
        "digest_language": "sv",
    }
    for template in STATE_CHANGING:
        url = template.format(**kept)
        for csrf in (None, "", "x" * 5000, "%00", token(marketer) + "x"):
            data = dict(fields) if csrf is None else {**fields, "csrf_token": csrf}
            assert marketer.post(url, data=data).status_code == 400, (url, csrf)
    assert stored(app) == before


def test_other_methods_head_and_options_change_nothing(app, marketer, kept):
    before = stored(app)
    for template in STATE_CHANGING:
        url = template.format(**kept)
        for method in ("HEAD", "OPTIONS", "GET"):
            assert marketer.open(url, method=method).status_code < 500, (method, url)
        for method in ("PUT", "DELETE", "PATCH"):
            assert marketer.open(url, method=method).status_code == 405, (method, url)
    assert stored(app) == before


# ---------------------------------------------------------------------------- funnel forms

# (value sent, what a stored step must equal; None: must be refused)
STEP_VALUES = [
    ("%00", None),
    ("/a%00b", None),
    ("/a%1Fb", None),
    ("/" + "x" * 600, None),
    ("*", None),
    ("**", None),
    ("/**", None),
    ("/a*b", None),
    ("/*/*", None),
    ("/a%C2%85b", None),  # a C1 control
    ("/a%E2%80%AEb", None),  # a bidirectional override
    ("/*", "/*"),
    ("/%25", "/%"),
    ("/_", "/_"),
    ("/a%5Cb", "/a\\b"),
    ("/%5C*", "/\\*"),
    ("/(a%2B)%2B$", "/(a+)+$"),
    ("/" + "(a+)+" * 80 + "$", "/" + "(a+)+" * 80 + "$"),
    ("/%FF%FE", "/%FF%FE"),  # bad UTF-8 stays the text that was sent, never an error
    ("/%ED%A0%80", "/%ED%A0%80"),
]


@pytest.mark.parametrize(("value", "expected"), STEP_VALUES)
def test_a_hostile_page_step_is_refused_or_kept_literally(app, marketer, value, expected):
    csrf = token(marketer, "/dashboard/funnels/new")
    fields = [
        ("csrf_token", csrf),
        ("name", "Tratt"),
        ("within", "visit"),
        ("kind_1", "page"),
        ("value_1", "/start"),
        ("kind_2", "page"),
        ("value_2", value),
    ]
    response = post_form(marketer, "/dashboard/funnels/new", fields)
    with app.app_context():
        funnels = list(Funnel.select())
    if expected is None:
        assert response.status_code == 200 and 'class="error"' in response.get_data(as_text=True)
        assert funnels == []
        return
    assert response.status_code == 302
    assert [funnel.steps for funnel in funnels] == [
        [Step("page", "/start"), Step("page", expected)]
    ]
    # and it is counted, shown and exported without trouble
    for url in (response.headers["Location"], response.headers["Location"] + ".csv"):
        assert marketer.get(url).status_code == 200


@pytest.mark.parametrize("name", ["%00", "Tratt%C2%9B31m", "%E2%80%AEtrats", "Tratt%E2%81%A6"])
def test_a_funnel_name_with_control_characters_is_refused(app, marketer, name):
    fields = [
        ("csrf_token", token(marketer, "/dashboard/funnels/new")),
        ("name", name),
        ("within", "visit"),
        ("kind_1", "page"),
        ("value_1", "/a"),
        ("kind_2", "page"),
        ("value_2", "/b"),
    ]
    response = post_form(marketer, "/dashboard/funnels/new", fields)
    assert response.status_code == 200
    assert "Fältet innehåller otillåtna tecken." in response.get_data(as_text=True)
    with app.app_context():
        assert Funnel.select().count() == 0


CLICK_NAMES = ["say \"hi\" 'x'", "'; DROP TABLE funnel; --", '"', "\\", "%", "_", "*", "(a+)+$"]


@pytest.mark.parametrize("name", CLICK_NAMES)
def test_click_names_with_quotes_and_pattern_characters_are_matched_literally(app, marketer, name):
    start = datetime.datetime(2026, 11, 19, 10, 0)
    minute = datetime.timedelta(minutes=1)
    with app.app_context():
        write_lines(
            [
                # a: the exact name, then the quote form: every step
                line(
                    "a" * 32,
                    [
                        ev("pageview", start, "/produkter/x"),
                        ev("click", start + minute, "/produkter/x", name=name, target=""),
                        ev("pageview", start + 2 * minute, "/kontakt/offert"),
                    ],
                ),
                # b: a name that a pattern or a LIKE would match, but not the literal one
                line(
                    "b" * 32,
                    [
                        ev("pageview", start, "/produkter/y"),
                        ev("click", start + minute, "/produkter/y", name="x" + name + "x"),
                        ev("pageview", start + 2 * minute, "/kontakt/offert"),
                    ],
                ),
            ]
        )
        funnel = Funnel.make(
            "Klick",
            [Step("page", "/produkter/*"), Step("click", name), Step("page", "/kontakt/offert")],
            "visit",
        )
        found = count_funnel(funnel, Period.parse("7d", None, None, TODAY), Filters())
    assert [row.visitors for row in found.rows] == [2, 1, 1]
    html = marketer.get(f"/dashboard/funnels/{funnel.id}").get_data(as_text=True)
    assert re.findall(r'data-column="visitors">([^<]+)<', html) == ["2", "1", "1"]
    assert marketer.get(f"/dashboard/funnels/{funnel.id}.csv").status_code == 200


HOSTILE_FORM_VALUES = [
    "%00",
    "a%00b",
    "%FF%FE",
    "%ED%A0%80",
    "x" * 100_000,
    "%0D%0A",
    "%E2%80%AE",  # a bidirectional override
    "'%20OR%201=1--",
    "-1",
    str(2**64),
    "2026-02-30",
    "0000-01-01",
    "99999-01-01",
]
FUNNEL_FIELDS = ["name", "within", "kind_1", "value_1", "kind_2", "value_2"]


@pytest.mark.parametrize("value", HOSTILE_FORM_VALUES)
def test_hostile_funnel_fields_are_refused_or_stored_as_sent(app, marketer, kept, value):
    csrf = token(marketer, "/dashboard/funnels/new")
    good = {
        "csrf_token": csrf,
        "name": "Tratt",
        "within": "visit",
        "kind_1": "page",
        "value_1": "/a",
        "kind_2": "click",
        "value_2": "x",
    }
    for url in ("/dashboard/funnels/new", f"/dashboard/funnels/{kept['funnel']}/edit"):
        for field in FUNNEL_FIELDS:
            for repeat in (1, 2):  # once, and twice: an array where one value is expected
                before = stored(app)
                fields = [(key, val) for key, val in good.items() if key != field]
                fields += [(field, value)] * repeat
                response = post_form(marketer, url, fields)
                assert response.status_code in (200, 302, 400), (url, field)
                if response.status_code != 302:
                    assert stored(app) == before, (url, field)
    with app.app_context():
        # whatever was stored is a funnel the pages can count
        assert all(funnel.readable for funnel in Funnel.select())
    assert marketer.get("/dashboard/funnels/").status_code == 200


# ---------------------------------------------------------------------------- notes and views


@pytest.mark.parametrize("value", HOSTILE_FORM_VALUES)
def test_hostile_note_fields_are_refused_or_stored_as_sent(app, marketer, kept, value):
    for field in ("day", "text", "period", "first", "page"):
        for repeat in (1, 2):
            before = stored(app)
            fields = [("csrf_token", token(marketer)), ("day", DAY.isoformat()), ("text", "Ok")]
            fields = [(key, val) for key, val in fields if key != field]
            fields += [(field, value)] * repeat
            response = post_form(marketer, "/dashboard/annotations", fields)
            assert response.status_code in (302, 400), (field, repeat)
            if response.status_code == 400:
                assert stored(app) == before, field
    with app.app_context():
        assert all(note.dated for note in Annotation.select())
    for url in ("/dashboard/annotations", "/dashboard/?period=12m", "/dashboard/table/timeseries"):
        assert marketer.get(url).status_code == 200


@pytest.mark.parametrize("value", HOSTILE_FORM_VALUES)
def test_hostile_view_fields_are_refused_or_saved_as_a_view_that_opens(app, marketer, kept, value):
    for field in ("name", "period", "first", "last", "campaign"):
        before = stored(app)
        fields = [("csrf_token", token(marketer)), ("name", "Vy " + field), ("period", "7d")]
        fields = [(key, val) for key, val in fields if key != field] + [(field, value)]
        response = post_form(marketer, "/dashboard/views", fields)
        assert response.status_code in (302, 400), field
        if response.status_code == 400:
            assert stored(app) == before, field
    with app.app_context():
        ids = [view.id for view in SavedView.select()]
    for view_id in ids:
        assert marketer.get(f"/dashboard/views/{view_id}").status_code == 302


def test_the_longest_selection_the_dashboard_takes_can_be_saved_and_opened(app, marketer, kept):
    """Filters of the longest length in four-byte characters: the encoded query is far longer
    than the characters typed, and a view of what the dashboard shows must still be saved."""
    smiles = {name: "\U0001f600" * MAX_FILTER_LENGTH[name] for name in ("campaign", "browser")}
    chosen = {"page": "/" + "\U0001f600" * (MAX_FILTER_LENGTH["page"] - 1), **smiles}
    assert marketer.get("/dashboard/", query_string=chosen).status_code == 200
    fields = [("csrf_token", token(marketer)), ("name", "Lång vy"), ("period", "7d")]
    assert post_form(marketer, "/dashboard/views", [*fields, *chosen.items()]).status_code == 302
    with app.app_context():
        view = SavedView.get(SavedView.name == "Lång vy")
    opened = marketer.get(f"/dashboard/views/{view.id}")
    assert opened.status_code == 302
    assert marketer.get(opened.headers["Location"]).status_code == 200


# ---------------------------------------------------------------------------- unreadable rows

BROKEN_STEPS = [
    "",
    "not json",
    "null",
    "{}",
    "[]",
    "1e999",
    '"/produkter/*"',
    "[1, 2]",
    '[{"kind": "page", "value": "/a"}]',  # one step
    json.dumps([{"kind": "page", "value": f"/{n}"} for n in range(6)]),  # six
    '[{"kind": "page", "value": "/a"}, {"kind": "page", "value": "/*/x"}]',
    '[{"kind": "pageview", "value": "/a"}, {"kind": "page", "value": "/b"}]',
    '[{"kind": "page", "value": "/a"}, {"kind": "conversion", "value": "order"}]',
    '[{"kind": "page", "value": "/a", "extra": 1}, {"kind": "page", "value": "/b"}]',
    '[{"kind": "page", "value": 5}, {"kind": "page", "value": "/b"}]',
    '[{"kind": "page", "value": "/a\\u0000"}, {"kind": "page", "value": "/b"}]',
    "[" * 100_000 + "]" * 100_000,  # past the JSON parser's recursion limit
]


def insert_funnel(app, steps_json: str = FUNNEL_JSON, within: str = "visit") -> int:
    """A row as an older version or a person at the database prompt may have written it."""
    with app.app_context():
        return Funnel.insert(
            name="Gammal tratt",
            steps_json=steps_json,
            within=within,
            created_at=NOW,
            updated_at=NOW,
        ).execute()


def assert_unreadable_funnel_is_listed_and_explained(marketer, funnel_id, kept):
    listing = marketer.get("/dashboard/funnels/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    item = re.search(
        rf'<li data-funnel="{funnel_id}" data-unreadable="true">(.*?)</li>', html, re.S
    )
    assert item and "Gammal tratt" in item[1] and "Tratten kan inte läsas" in item[1]
    assert f"/dashboard/funnels/{funnel_id}/edit" in item[1]
    assert f'href="/dashboard/funnels/{funnel_id}"' not in item[1]  # no report to open
    # the readable funnel beside it is listed as before
    assert f'href="/dashboard/funnels/{kept["funnel"]}"' in html
    for url in (f"/dashboard/funnels/{funnel_id}", f"/dashboard/funnels/{funnel_id}.csv"):
        response = marketer.get(url + "?period=30d")
        assert response.status_code == 409, url
        page = response.get_data(as_text=True)
        assert "Tratten kan inte läsas" in page and "Gammal tratt" in page
        assert f"/dashboard/funnels/{funnel_id}/edit" in page
    editor = marketer.get(f"/dashboard/funnels/{funnel_id}/edit")
    assert editor.status_code == 200
    page = editor.get_data(as_text=True)
    assert 'id="funnel-unreadable"' in page and 'value="Gammal tratt"' in page
    return page


@pytest.mark.parametrize("steps_json", BROKEN_STEPS)
def test_a_funnel_with_unreadable_steps_is_listed_and_can_be_redefined(
    app, marketer, kept, steps_json
):
    funnel_id = insert_funnel(app, steps_json)
    editor = assert_unreadable_funnel_is_listed_and_explained(marketer, funnel_id, kept)
    # redefined in its editor, it is a funnel like any other
    fields = {
        "csrf_token": csrf_from(editor),
        "name": "Ny tratt",
        "within": "30d",
        "kind_1": "page",
        "value_1": "/produkter/*",
        "kind_2": "conversion",
        "value_2": "quote",
    }
    response = marketer.post(f"/dashboard/funnels/{funnel_id}/edit", data=fields)
    assert response.status_code == 302
    with app.app_context():
        funnel = Funnel.get_by_id(funnel_id)
        assert (funnel.name, funnel.within, funnel.steps) == ("Ny tratt", "30d", STEPS)
    assert marketer.get(f"/dashboard/funnels/{funnel_id}").status_code == 200
    assert marketer.get(f"/dashboard/funnels/{funnel_id}.csv").status_code == 200


@pytest.mark.parametrize("within", ["", "1y", "month", "VISIT", "x" * 8])
def test_a_funnel_with_an_unknown_window_is_listed_and_can_be_deleted(app, marketer, kept, within):
    funnel_id = insert_funnel(app, within=within)
    editor = assert_unreadable_funnel_is_listed_and_explained(marketer, funnel_id, kept)
    # the readable steps are shown; no window is chosen for the marketer
    assert 'value="/produkter/*"' in editor and 'value="quote"' in editor
    assert not re.search(r'name="within"[^>]*checked', editor)
    # saving without choosing one is refused with a message, and stores nothing
    fields = {"csrf_token": csrf_from(editor), "name": "Gammal tratt"}
    for number, step in enumerate(STEPS, 1):
        fields.update({f"kind_{number}": step.kind, f"value_{number}": step.value})
    refused = marketer.post(f"/dashboard/funnels/{funnel_id}/edit", data=fields)
    assert refused.status_code == 200 and "Välj när stegen ska ske." in refused.get_data(
        as_text=True
    )
    with app.app_context():
        assert Funnel.get_by_id(funnel_id).within == within
    deleted = marketer.post(
        f"/dashboard/funnels/{funnel_id}/delete", data={"csrf_token": csrf_from(editor)}
    )
    assert deleted.status_code == 302
    with app.app_context():
        assert [funnel.id for funnel in Funnel.select()] == [kept["funnel"]]


def test_the_editor_shows_what_has_the_shape_of_a_step(app, marketer, kept):
    steps_json = json.dumps(
        [
            {"kind": "page", "value": "/produkter/*"},
            "trasig",
            {"kind": "page", "value": "/a\u0000b"},
            {"kind": "conversion", "value": "order"},
        ]
    )
    funnel_id = insert_funnel(app, steps_json)
    editor = marketer.get(f"/dashboard/funnels/{funnel_id}/edit").get_data(as_text=True)
    assert 'id="value_1" maxlength="512" name="value_1" type="text" value="/produkter/*"' in editor
    assert 'value="order"' in editor and "\x00" not in editor
    # saved as it stands, the unknown conversion is worded beside its row
    fields = {"csrf_token": csrf_from(editor), "name": "Gammal tratt", "within": "visit"}
    fields.update(kind_1="page", value_1="/produkter/*", kind_2="conversion", value_2="order")
    refused = marketer.post(f"/dashboard/funnels/{funnel_id}/edit", data=fields)
    assert refused.status_code == 200
    assert "Konverteringen finns inte" in refused.get_data(as_text=True)
    with app.app_context():
        assert Funnel.get_by_id(funnel_id).steps_json == steps_json


BROKEN_VIEW_QUERIES = [
    "",
    "x" * 5000,
    "period=7d&region=norr",  # a filter this version does not know
    "dimension=campaign&period=7d",  # the campaign report's, not the dashboard's
    "period=7d&period=30d",
    "period=7d&&country=SE",
    "period=custom&first=2026-02-30&last=2026-03-01",
    "period=custom&first=2026-11-10&last=2026-11-01",
    "period=custom&first=1926-01-01&last=2026-01-01",
    "period=9999d",
    "period=7d&page=/a%00",
    "period=7d&country=%FF",
    "a" * 5000 + "=1",
]


@pytest.mark.parametrize("query", BROKEN_VIEW_QUERIES)
def test_a_saved_view_that_cannot_be_read_is_explained_and_can_be_deleted(
    app, marketer, kept, query
):
    with app.app_context():
        view_id = SavedView.insert(name="Gammal vy", query=query, created_at=NOW).execute()
    listing = marketer.get("/dashboard/views")
    assert listing.status_code == 200
    row = re.search(rf'<tr data-view="{view_id}">(.*?)</tr>', listing.get_data(as_text=True), re.S)
    assert row and "Kan inte läsas" in row[1]
    assert marketer.get("/dashboard/").status_code == 200  # listed there too
    opened = marketer.get(f"/dashboard/views/{view_id}")
    assert opened.status_code == 409
    page = opened.get_data(as_text=True)
    assert 'id="view-unreadable"' in page and "Gammal vy" in page
    assert f"/dashboard/views/{view_id}/delete" in page
    # the others still open
    kept_view = marketer.get(f"/dashboard/views/{kept['view']}")
    assert kept_view.status_code == 302 and "country=SE" in kept_view.headers["Location"]
    deleted = marketer.post(
        f"/dashboard/views/{view_id}/delete", data={"csrf_token": token(marketer)}
    )
    assert deleted.status_code == 302
    with app.app_context():
        assert [view.id for view in SavedView.select()] == [kept["view"]]


INSERT_NOTE = {
    "?": "INSERT INTO annotation (day, text, created_by, created_at) VALUES (?, ?, 7, ?)",
    "%s": "INSERT INTO annotation (day, text, created_by, created_at) VALUES (%s, %s, 7, %s)",
}


def is_postgres(app) -> bool:
    return "Postgres" in type(app.config["DATABASE"]).__name__


def test_notes_whose_stored_date_is_no_date_never_break_a_page(app, marketer, kept):
    if is_postgres(app):
        # PostgreSQL refuses an impossible date, but keeps some no Python date can hold
        days = ["infinity", "-infinity", "10000-01-01", "0001-01-01 BC", "5874897-12-31"]
    else:
        # SQLite keeps any text in a date column and hands it back unconverted
        days = ["2026-02-30", "2026-11-31", "garbage", "", "0000-01-01", "99999-01-01"]
    database = app.config["DATABASE"]
    with app.app_context():
        for number, day in enumerate(days):
            # raw SQL: peewee would convert the day, the point is what it cannot convert
            database.execute_sql(INSERT_NOTE[database.param], (day, f"Trasig {number}", NOW))
        if not is_postgres(app):
            # a creation time that is no time either
            Annotation.insert(day=DAY, text="Trasig tid", created_by=7, created_at="igår").execute()
    for url in (
        "/dashboard/annotations",
        "/dashboard/?period=12m",
        "/dashboard/?period=custom&first=2026-02-01&last=2026-03-31",
        "/dashboard/?period=custom&first=2025-01-01&last=2026-11-20",
        "/dashboard/table/timeseries?period=12m",
        "/dashboard/export/timeseries.csv?period=12m",
    ):
        response = marketer.get(url)
        assert response.status_code == 200, url
    notes = marketer.get("/dashboard/annotations").get_data(as_text=True)
    assert f'data-annotation="{kept["note"]}"' in notes
    with app.app_context():
        # the author's data export holds the notes a query can fetch, as stored
        exported = [
            (note["day"], note["text"], note["created_at"]) for note in authored(7)["annotations"]
        ]
        if is_postgres(app):
            assert exported == []
        else:
            assert exported == [
                ("2026-02-30", "Trasig 0", NOW.isoformat()),
                ("2026-11-31", "Trasig 1", NOW.isoformat()),
                (DAY.isoformat(), "Trasig tid", "igår"),
            ]
        odd = [note for note in Annotation.newest_first() if not note.dated]
    # what SQLite hands back unconverted is listed as stored, with its delete button
    for note in odd:
        assert f'data-annotation="{note.id}"' in notes
        response = marketer.post(
            f"/dashboard/annotations/{note.id}/delete", data={"csrf_token": token(marketer)}
        )
        assert response.status_code == 302
    # 2026-02-30 and 2026-11-31; a text that sorts outside the years 1 to 9999 ("garbage",
    # "99999-01-01", "") is not listed, as PostgreSQL's dates past Python's are not
    assert len(odd) == (0 if is_postgres(app) else 2)


# ---------------------------------------------------------------------------- touches


def test_touches_with_impossible_numbers_or_shapes_read_as_unknown():
    good = {
        "converted_at": NOW.isoformat(),
        "first": {"at": NOW.isoformat(), "source": "search"},
        "last": {"at": NOW.isoformat(), "source": "search"},
        "visits": 1,
        "days": 0,
    }
    assert Touches.from_json(good) is not None
    for broken in (
        {**good, "visits": float("inf")},
        {**good, "days": float("-inf")},
        {**good, "visits": float("nan")},
        {**good, "visits": "many"},
        {**good, "converted_at": "2026-02-30T00:00"},
        {**good, "first": {"at": "99999-01-01"}},
        {**good, "first": {"source": "search"}},
        {**good, "last": []},
        [good],
        "text",
        None,
    ):
        assert Touches.from_json(broken) is None, broken


# ---------------------------------------------------------------------------- the digest


def digest_user(app, email: str) -> int:
    with app.app_context():
        user = User.get_or_none(User.email == email)
        if user is None:
            user = User.create_account(
                email,
                "korrekt-hast-batteri-häftstift",
                role="marketer",
                first_name="M",
                last_name="M",
            )
        return DigestSubscription.choose(user, True, "sv").id


def unsubscribe_link(app, subscription_id: int) -> str:
    with app.test_request_context():
        subscription = DigestSubscription.get_by_id(subscription_id)
        return "/veckosammanfattning/avsluta/" + mailing.unsubscribe_token(subscription)


def active(app, subscription_id: int) -> bool:
    with app.app_context():
        return DigestSubscription.get_by_id(subscription_id).active


def test_an_unsubscribe_link_turns_off_its_own_reader_only_and_may_be_used_twice(app, client):
    mine = digest_user(app, "mia@winlas.se")
    theirs = digest_user(app, "ola@winlas.se")
    link = unsubscribe_link(app, mine)
    for method in ("GET", "HEAD", "OPTIONS"):
        assert client.open(link, method=method).status_code in (200, 204), method
    assert client.put(link).status_code == 405
    assert active(app, mine) and active(app, theirs)
    assert client.post(link).status_code == 200
    assert client.post(link).status_code == 200  # a second click, or a mail scanner's replay
    assert not active(app, mine) and active(app, theirs)


def test_an_old_unsubscribe_link_keeps_working(app, client):
    subscription_id = digest_user(app, "mia@winlas.se")
    with time_machine.travel(datetime.datetime(2023, 1, 2, tzinfo=datetime.UTC), tick=False):
        link = unsubscribe_link(app, subscription_id)
    assert client.post(link).status_code == 200
    assert not active(app, subscription_id)


def forged_links(app, subscription_id: int) -> list[str]:
    link = unsubscribe_link(app, subscription_id)
    token = link.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    return [
        link[:-3],  # cut short
        link + "x",
        link.replace(payload, payload[::-1]),  # another payload under the same signature
        link.rsplit("/", 1)[0] + "/" + payload,  # no signature at all
        link + "%00",
        link + "%FF%FE",  # itsdangerous' decoder skips what is outside its alphabet
        link + "%C3%A5",
        link[:-1] + "%00",
        link.rsplit("/", 1)[0] + "/" + "A" * 5000,
        link.rsplit("/", 1)[0] + "/" + rest,
    ]


def test_forged_unsubscribe_links_are_400_and_turn_nothing_off(app, client):
    subscription_id = digest_user(app, "mia@winlas.se")
    for link in forged_links(app, subscription_id):
        for method in ("GET", "POST"):
            response = client.open(link, method=method)
            assert 400 <= response.status_code < 500, (method, link[:80])
    assert active(app, subscription_id)


def test_a_link_to_a_deleted_and_remade_subscription_is_400(app, client):
    subscription_id = digest_user(app, "mia@winlas.se")
    link = unsubscribe_link(app, subscription_id)
    with app.app_context():
        DigestSubscription.delete_by_id(subscription_id)
    again = digest_user(app, "mia@winlas.se")
    assert client.post(link).status_code == 400
    assert active(app, again)


@pytest.mark.parametrize("value", HOSTILE_FORM_VALUES)
def test_hostile_digest_switch_values_are_400_and_change_nothing(app, client, login_as, value):
    login_as("mia@winlas.se", "marketer")
    before = stored(app)
    for field in ("digest_language", "csrf_token"):
        for repeat in (1, 2):
            csrf = csrf_from(client.get("/konto/").get_data(as_text=True))
            fields = [("csrf_token", csrf), ("digest_active", "y"), ("digest_language", "sv")]
            fields = [(key, val) for key, val in fields if key != field]
            fields += [(field, value)] * repeat
            response = post_form(client, "/konto/veckosammanfattning", fields)
            assert response.status_code == 400, (field, repeat)
    assert stored(app) == before


# ---------------------------------------------------------------------------- coverage


def test_measured_with_consent_survives_odd_request_counts(app, marketer):
    with app.app_context():
        write_lines([line("a" * 32, [ev("pageview", NOW - datetime.timedelta(hours=1), "/a")])])
        PageRequestCount.insert_many(
            [
                {"day": TODAY, "path": "/a", "count": 0},
                {"day": TODAY, "path": "/b", "count": 2**62},
                {"day": TODAY - datetime.timedelta(days=1), "path": "/a", "count": -5},
            ]
        ).execute()
    for query in ("", "period=today", "page=/a", "page=/b", "page=/c", "period=12m&page=/a"):
        response = marketer.get(f"/dashboard/?{query}")
        assert response.status_code == 200, query
        assert 'id="coverage"' in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- leads' touches


@pytest.mark.parametrize(
    "text", ["not json", "", "[" * 100_000 + "]" * 100_000, '{"first": 1e999', "[1, 2]", "null"]
)
def test_a_lead_whose_stored_touches_are_no_json_breaks_no_page(app, client, login_as, text):
    """Touches written by hand or cut short read as unknown; the lead's neighbours still count."""
    with app.app_context():
        good = make_lead(
            1,
            created_at=NOW,
            conversion_id="00000000-0000-4000-8000-000000000000",
            touches=touches(touch(campaign_name="vinter", at=NOW), touch(at=NOW)),
        )
        bad = make_lead(2, created_at=NOW, conversion_id="11111111-0000-4000-8000-000000000000")
        # the text as stored, past the field's JSON encoding
        raw = peewee.Value(text, converter=False)
        Lead.update({Lead.touches: raw}).where(Lead.id == bad.id).execute()
        stored = peewee.fn.COALESCE(Lead.touches, "").coerce(False)
        assert Lead.select(stored).where(Lead.id == bad.id).scalar() == text
        assert Lead.get_by_id(bad.id).touches == {}
    login_as("admin@winlas.se", "admin")
    for url in (
        f"/crm/leads/{good.id}",
        f"/crm/leads/{bad.id}",
        "/crm/",
        "/crm/leads.csv",
        "/dashboard/",
        "/dashboard/kunder/",
        "/dashboard/kunder/export.csv",
    ):
        assert client.get(url).status_code == 200, url
    assert "vinter" in client.get("/dashboard/kunder/").get_data(as_text=True)
