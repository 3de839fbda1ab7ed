"""The consent banner without JavaScript, the signed cookie, proof of consent, GPC and receipts."""

import datetime
import json
import re

import pytest
from itsdangerous import URLSafeSerializer

from winlas_site import cookies as registry
from winlas_site.consent import core
from winlas_site.consent.models import ConsentRecord
from winlas_site.consent.texts import texts_digest

ORIGIN = {"Origin": "http://localhost"}
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
TRACKER = "/analytics/static/track.js"


def choose(client, action, next_url="/produkter", headers=None, **fields):
    data = {"action": action, "next": next_url, **fields}
    return client.post(
        "/samtycke", data=data, headers={**ORIGIN, "User-Agent": CHROME, **(headers or {})}
    )


def banner_shown(html: str) -> bool:
    tag = re.search(r"<section id=\"consent\"[^>]*>", html)
    return bool(tag) and " hidden" not in tag.group(0)


def set_cookies(response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}


def records(app):
    with app.app_context():
        return list(ConsentRecord.select().order_by(ConsentRecord.id))


def test_a_first_visit_shows_the_banner_sets_nothing_and_loads_no_tracker(client, demo):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert banner_shown(html)
    assert response.headers.get("Set-Cookie") is None
    assert TRACKER not in html
    for text in (
        "Acceptera alla",
        "Avvisa alla",
        "Inställningar",
        "Statistik",
        "Marknadsföring",
        'href="/cookies"',
        "återkalla",
    ):
        assert text in html
    # the first layer itself (not only the settings behind it) names each purpose, how to
    # withdraw, and links the policy
    first_layer = html.split('class="consent-first"', 1)[1].split('id="consent-settings"', 1)[0]
    for text in ("statistik", "marknadsföring", "återkalla", "cookie-inställningar", "/cookies"):
        assert text in first_layer.lower()


def visible_headings(html: str) -> list[str]:
    """The text of every heading and legend the page shows (not the visually hidden ones)."""
    return [
        re.sub(r"<[^>]+>", "", text).strip()
        for tag, attrs, text in re.findall(r"<(h[1-6]|legend)([^>]*)>(.*?)</\1>", html, re.S)
        if "visually-hidden" not in attrs
    ]


def test_the_settings_page_shows_its_heading_once_and_keeps_the_group_named(client):
    html = client.get("/samtycke/installningar?next=/").get_data(as_text=True)
    assert visible_headings(html).count("Cookie-inställningar") == 1
    assert re.findall(r"<h1[^>]*>([^<]*)</h1>", html) == ["Cookie-inställningar"]
    # the fieldset still has its legend, for a screen reader
    legend = r'<legend[^>]*class="visually-hidden"[^>]*>Cookie-inställningar</legend>'
    assert re.search(legend, html)


def test_the_banner_reopened_in_place_names_its_settings(client):
    # in the banner (no page heading above it) the legend is the visible title of the settings
    html = client.get("/").get_data(as_text=True)
    banner = html.split('id="consent"', 1)[1].split("</section>", 1)[0]
    assert "Cookie-inställningar" in visible_headings(banner)


def test_the_first_layer_has_three_choices_and_accept_and_reject_look_the_same(client):
    html = client.get("/").get_data(as_text=True)
    first_layer = html.split('class="consent-first"', 1)[1].split('id="consent-settings"', 1)[0]
    buttons = re.findall(r"<button ([^>]*)>([^<]+)</button>", first_layer)
    assert [text for _attrs, text in buttons] == ["Acceptera alla", "Avvisa alla", "Inställningar"]
    look = {text: re.sub(r'value="\w+"', "", attrs) for attrs, text in buttons}
    assert look["Acceptera alla"] == look["Avvisa alla"]


def test_settings_are_off_by_default_and_necessary_cannot_be_switched(client):
    html = client.get("/samtycke/installningar?next=/").get_data(as_text=True)
    assert re.search(r'id="consent-necessary" checked disabled', html)
    for name in ("statistics", "marketing"):
        box = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', html).group(0)
        assert "checked" not in box and "disabled" not in box


def test_accept_all_without_javascript(app, client, demo):
    response = choose(client, "accept_all")
    assert response.status_code == 303 and response.headers["Location"] == "/produkter"
    cookies = set_cookies(response)
    # the visitor id comes with the choice, before the tracker's first beacons race for one
    assert set(cookies) == {"winlas_consent", "winlas_vid"}
    consent = cookies["winlas_consent"]
    assert "HttpOnly" in consent and "SameSite=Lax" in consent
    assert f"Max-Age={6 * 30 * 24 * 3600}" in consent
    html = client.get("/produkter").get_data(as_text=True)
    assert not banner_shown(html) and TRACKER in html
    [record] = records(app)
    assert (record.action, record.statistics, record.marketing) == ("accept_all", True, True)


def test_reject_all_sets_no_optional_cookie_and_hides_the_banner(app, client, demo):
    response = choose(client, "reject_all")
    assert set(set_cookies(response)) == {"winlas_consent"}
    for path in ("/", "/produkter", "/nyheter"):
        html = client.get(path).get_data(as_text=True)
        assert not banner_shown(html) and TRACKER not in html
    assert client.get_cookie("winlas_vid") is None
    assert [r.action for r in records(app)] == ["reject_all"]


def test_a_custom_choice_and_a_withdrawal_delete_the_cookies_at_once(app, client, demo):
    choose(client, "save", statistics="on")
    collect = client.post(
        "/api/collect",
        json={"events": [{"type": "pageview", "url": "http://localhost/"}]},
        headers={**ORIGIN, "User-Agent": CHROME},
    )
    assert collect.status_code == 202 and client.get_cookie("winlas_vid") is not None
    with app.test_request_context(
        headers={"Cookie": f"winlas_consent={client.get_cookie('winlas_consent').value}"}
    ):
        from flask import request

        assert core.allows(request, "statistics") and not core.allows(request, "marketing")
    response = choose(client, "save")  # everything off: a withdrawal
    deleted = set_cookies(response)["winlas_vid"]
    assert "Expires=Thu, 01 Jan 1970" in deleted or "Max-Age=0" in deleted
    assert client.get_cookie("winlas_vid") is None
    assert [r.action for r in records(app)] == ["custom", "withdraw"]
    assert TRACKER not in client.get("/").get_data(as_text=True)


def test_every_decision_keeps_one_consent_id_and_a_complete_proof(app, client, demo):
    choose(client, "accept_all", headers={"Accept-Language": "sv"})
    choose(client, "reject_all", next_url="/nyheter")
    first, second = records(app)
    assert first.consent_id == second.consent_id and re.fullmatch(r"[0-9a-f]{32}", first.consent_id)
    assert second.path == "/nyheter" and first.path == "/produkter"
    assert first.revision == registry.REVISION and first.language == "sv"
    assert first.ua_family == "Chrome"
    with app.test_request_context():
        assert first.texts_sha256 == texts_digest()
    assert not [name for name in ConsentRecord._meta.fields if "ip" in name.split("_")]
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert abs((now - first.created_at).total_seconds()) < 60  # server time in UTC


def test_the_english_banner_is_recorded_with_its_own_texts(app, client):
    client.get("/sprak/en?next=/")
    html = client.get("/").get_data(as_text=True)
    assert "Accept all" in html and "Reject all" in html
    choose(client, "reject_all")
    [record] = records(app)
    with app.test_request_context(headers={"Cookie": "winlas_lang=en"}):
        assert record.language == "en" and record.texts_sha256 == texts_digest()
    with app.test_request_context():
        assert texts_digest() != record.texts_sha256


def forge(app, payload):
    with app.app_context():
        return URLSafeSerializer(app.secret_key, salt="winlas-consent").dumps(payload)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "eyJpZCI6IjEyMyJ9.tampered",
        "x" * 600,
    ],
)
def test_a_tampered_or_broken_cookie_counts_as_no_consent(client, demo, value):
    client.set_cookie("winlas_consent", value)
    html = client.get("/").get_data(as_text=True)
    assert banner_shown(html) and TRACKER not in html


def test_a_cookie_signed_with_another_key_counts_as_no_consent(client, demo):
    other = URLSafeSerializer("another-key", salt="winlas-consent")
    client.set_cookie(
        "winlas_consent",
        other.dumps({"id": "a" * 32, "c": ["statistics"], "r": registry.REVISION, "t": 2**31}),
    )
    assert banner_shown(client.get("/").get_data(as_text=True))


def test_a_validly_signed_cookie_with_unknown_categories_is_refused(app, client, demo):
    client.set_cookie(
        "winlas_consent",
        forge(app, {"id": "b" * 32, "c": ["everything"], "r": registry.REVISION, "t": 2**31}),
    )
    assert banner_shown(client.get("/").get_data(as_text=True))


def test_a_new_revision_asks_again_and_keeps_the_history(app, client, demo, monkeypatch):
    choose(client, "accept_all")
    monkeypatch.setattr(registry, "REVISION", registry.REVISION + 1)
    monkeypatch.setattr(core, "REVISION", registry.REVISION)
    html = client.get("/").get_data(as_text=True)
    assert banner_shown(html) and TRACKER not in html
    choose(client, "reject_all")
    first, second = records(app)
    assert second.revision == first.revision + 1 and second.consent_id == first.consent_id


def test_an_expired_choice_asks_again(app, client, demo):
    old = int((datetime.datetime.now() - datetime.timedelta(days=200)).timestamp())
    client.set_cookie(
        "winlas_consent",
        forge(app, {"id": "c" * 32, "c": ["statistics"], "r": registry.REVISION, "t": old}),
    )
    assert banner_shown(client.get("/").get_data(as_text=True))


@pytest.mark.parametrize("signal", [{"Sec-GPC": "1"}, {"DNT": "1"}])
def test_gpc_or_dnt_refuses_marketing_without_asking(app, client, demo, signal):
    html = client.get("/samtycke/installningar?next=/", headers=signal).get_data(as_text=True)
    assert "Global Privacy Control" in html
    assert re.search(r'<input type="checkbox" name="marketing"[^>]*disabled', html)
    choose(client, "accept_all", headers=signal)
    [record] = records(app)
    assert (record.statistics, record.marketing, record.gpc) == (True, False, True)


def test_gpc_withdraws_an_earlier_yes_to_marketing(app, client, demo):
    choose(client, "accept_all")
    response = client.get("/", headers={"Sec-GPC": "1"})
    assert "winlas_consent" in set_cookies(response)
    assert [r.action for r in records(app)] == ["accept_all", "gpc"]
    assert records(app)[-1].marketing is False
    client.get("/", headers={"Sec-GPC": "1"})
    assert len(records(app)) == 2  # recorded once


def test_the_receipt_shows_the_choice_and_its_history(app, client, demo):
    assert "inte gjort något val" in client.get("/samtycke/kvitto").get_data(as_text=True)
    choose(client, "accept_all")
    choose(client, "save", statistics="on")
    response = client.get("/samtycke/kvitto")
    html = response.get_data(as_text=True)
    consent_id = records(app)[0].consent_id
    assert consent_id in html and "no-store" in response.headers["Cache-Control"]
    assert "Accepterade alla" in html and "Återkallade samtycke" in html
    assert html.count("<tr>") == 3  # header + two decisions


def test_the_json_answer_for_the_script(client):
    response = client.post(
        "/samtycke",
        data={"action": "accept_all", "next": "/"},
        headers={**ORIGIN, "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json["categories"] == ["marketing", "statistics"]
    assert response.json["load"] == [TRACKER]
    response = client.post(
        "/samtycke", data={"action": "reject_all"}, headers={**ORIGIN, "Accept": "application/json"}
    )
    assert response.json["load"] == [] and response.json["clear_storage"] == ["winlas_track_queue"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
    ],
)
def test_a_choice_from_another_site_is_refused(app, client, headers):
    response = client.post("/samtycke", data={"action": "accept_all"}, headers=headers)
    assert response.status_code == 403
    assert records(app) == [] and response.headers.get("Set-Cookie") is None


def test_a_referer_of_our_own_is_enough(client):
    response = client.post(
        "/samtycke",
        data={"action": "reject_all"},
        headers={"Referer": "http://localhost/produkter"},
    )
    assert response.status_code == 303


@pytest.mark.parametrize("action", ["", "accept", "ACCEPT_ALL", "' OR 1=1--", "\x00"])
def test_an_unknown_action_is_a_clear_400(app, client, action):
    response = client.post("/samtycke", data={"action": action}, headers=ORIGIN)
    assert response.status_code == 400 and records(app) == []


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil"])
def test_next_leads_only_to_our_own_pages(client, target):
    response = choose(client, "reject_all", next_url=target)
    assert response.headers["Location"] == "/"


def test_settings_without_javascript_lead_to_the_settings_page(client):
    response = choose(client, "settings", next_url="/nyheter")
    assert response.status_code == 303
    assert response.headers["Location"] == "/samtycke/installningar?next=/nyheter"


def test_the_footer_link_reopens_the_settings_with_the_current_choice(client, demo):
    choose(client, "save", statistics="on")
    html = client.get("/produkter").get_data(as_text=True)
    assert 'href="/samtycke/installningar?next=/produkter" data-consent-open' in html
    page = client.get("/samtycke/installningar?next=/produkter").get_data(as_text=True)
    assert re.search(r'name="statistics" id="consent-statistics" checked', page)
    assert not re.search(r'name="marketing" id="consent-marketing" checked', page)


def test_a_cached_page_is_never_shown_with_the_wrong_banner(app, client, demo):
    assert banner_shown(client.get("/").get_data(as_text=True))  # cached with the banner
    choose(client, "accept_all")
    html = client.get("/").get_data(as_text=True)
    assert not banner_shown(html) and TRACKER in html


def test_the_consent_cookie_domain_is_configurable(app_config):
    from winlas_site import create_app

    app = create_app(
        {
            **app_config,
            "WINLAS_COOKIE_DOMAIN": ".winlas.se",
            "WINLAS_TRUSTED_HOSTS": ["www.winlas.se"],
        }
    )
    response = app.test_client().post(
        "/samtycke",
        data={"action": "reject_all"},
        headers={"Origin": "http://www.winlas.se", "Host": "www.winlas.se"},
    )
    assert "Domain=winlas.se" in set_cookies(response)["winlas_consent"]


@pytest.mark.parametrize("months", [0, 14])
def test_a_consent_lifetime_over_13_months_is_refused(app_config, months):
    from winlas_site import create_app

    with pytest.raises(ValueError):
        create_app({**app_config, "WINLAS_CONSENT_MONTHS": months})


def test_daily_counts_for_the_dashboard(app, client):
    choose(client, "accept_all")
    app.test_client().post("/samtycke", data={"action": "reject_all"}, headers=ORIGIN)
    app.test_client().post("/samtycke", data={"action": "reject_all"}, headers=ORIGIN)
    today = datetime.datetime.now(datetime.UTC).date()
    with app.app_context():
        counts = ConsentRecord.daily_counts(today - datetime.timedelta(days=1), today)
    assert counts == {today: {"accept_all": 1, "reject_all": 2}}


def test_the_stats_and_purge_commands(app, client, runner):
    choose(client, "accept_all")
    result = runner.invoke(args=["consent", "stats", "--days", "2"])
    assert result.exit_code == 0
    assert list(json.loads(result.output).values()) == [{"accept_all": 1}]
    with app.app_context():
        old = datetime.datetime.now() - datetime.timedelta(days=25 * 30)
        ConsentRecord.create(
            consent_id="d" * 32,
            created_at=old,
            action="reject_all",
            statistics=False,
            marketing=False,
            revision=1,
            texts_sha256="0" * 64,
            language="sv",
            path="/",
            ua_family="Other",
        )
    result = runner.invoke(args=["consent", "purge"])
    assert "removed 1 consent record(s) older than 24 months" in result.output
    assert [r.action for r in records(app)] == ["accept_all"]


def test_a_choice_from_the_http_twin_of_the_https_site_is_refused(app, client):
    response = client.post(
        "/samtycke",
        data={"action": "accept_all"},
        base_url="https://localhost",
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 403 and records(app) == []
    response = client.post(
        "/samtycke",
        data={"action": "reject_all"},
        base_url="https://localhost",
        headers={"Origin": "https://localhost"},
    )
    assert response.status_code == 303


def test_accepting_in_place_on_a_staff_page_loads_no_tracker(app, client, demo):
    response = client.post(
        "/samtycke",
        data={"action": "accept_all", "next": "/crm/"},
        headers={**ORIGIN, "Accept": "application/json"},
    )
    assert "statistics" in response.json["categories"]
    assert response.json["load"] == []
