"""Internal traffic is left out, on SQLite and PostgreSQL (issue 11).

The site's own people browsing it with statistics allowed are not prospects: a logged-in
staff member, marketer or admin, or any client in ANALYTICS_INTERNAL_NETWORKS (the office),
gets 202 and nothing is stored or profiled; the request is counted per day as "internal" in
DroppedCount, like bots. A customer, and a client outside the office, are recorded as before.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from analytics import profiles
from analytics.models import DroppedCount, Event, Visit
from analytics.profile_models import InterestProfile
from tests.geoip import write_test_mmdb
from winlas_site import create_app

ORIGIN = {"Origin": "http://localhost"}
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
STOCKHOLM = "81.2.69.160"  # in the test GeoIP database
OFFICE = "192.0.2.0/24"  # TEST-NET-1: the office of these tests
OFFICE_V6 = "2001:db8:1::/48"


@pytest.fixture
def app_config(app_config, tmp_path):
    return {
        **app_config,
        "GEOIP_DATABASE": str(write_test_mmdb(tmp_path / "test-city.mmdb")),
        # fold every stored event into profiles at once, on PostgreSQL too
        "ANALYTICS_PROFILE_SETTLE_SECONDS": 0,
    }


@pytest.fixture
def office_app(app_config):
    return create_app({**app_config, "ANALYTICS_INTERNAL_NETWORKS": [OFFICE, OFFICE_V6]})


def accept_all(client):
    """Statistics and marketing consent: a visit that would be profiled."""
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    return client


def send(client, address=STOCKHOLM, headers=None, path="/produkter/winlas-bibliotek"):
    event = {
        "type": "pageview",
        "url": f"http://localhost{path}",
        "id": str(uuid.uuid4()),
        "ts": int(time.time() * 1000),
    }
    return client.post(
        "/api/collect",
        data=json.dumps({"events": [event]}),
        content_type="application/json",
        headers={**ORIGIN, "User-Agent": CHROME, **(headers or {})},
        environ_base={"REMOTE_ADDR": address},
    )


def stored(app) -> tuple[int, int, int]:
    """(events, visits, interest profiles) after folding whatever was stored into profiles."""
    with app.app_context():
        profiles.update()
        return Event.select().count(), Visit.select().count(), InterestProfile.select().count()


def dropped(app, reason="internal") -> int:
    with app.app_context():
        return sum(d.count for d in DroppedCount.select().where(DroppedCount.reason == reason))


# logged-in users ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "marketer", "admin"])
def test_a_logged_in_staff_marketer_or_admin_stores_nothing_and_is_never_profiled(
    app, client, create_user, auth, role
):
    create_user("intern@winlas.se", role=role)
    accept_all(client)
    assert auth.login("intern@winlas.se").status_code == 302
    for path in ("/produkter/winlas-bibliotek", "/kontakt/offert", "/utbildningar"):
        response = send(client, path=path)
        assert response.status_code == 202 and response.json == {"dropped": "internal"}
        assert "Set-Cookie" not in response.headers
    assert stored(app) == (0, 0, 0)
    assert dropped(app) == 3 and dropped(app, "bot") == 0


def test_a_logged_in_customer_is_stored_and_profiled(app, client, create_user, auth):
    user = create_user("bibliotekarie@kommun.se", role="customer")
    accept_all(client)
    auth.login("bibliotekarie@kommun.se")
    response = send(client)
    assert response.status_code == 202 and response.json == {"accepted": 1}
    assert stored(app) == (1, 1, 1)
    with app.app_context():
        assert Visit.get().user_id == user.id
        assert InterestProfile.get().user_id == user.id
    assert dropped(app) == 0


def test_after_logging_out_a_staff_members_browser_counts_as_anyone_elses(
    app, client, create_user, auth
):
    # the rule is about the request, not the browser: logged out, nothing says who it is
    create_user("support@winlas.se", role="staff")
    accept_all(client)
    auth.login("support@winlas.se")
    assert send(client).json == {"dropped": "internal"}
    auth.logout()
    assert send(client).json == {"accepted": 1}
    assert stored(app)[:2] == (1, 1)
    with app.app_context():
        assert Visit.get().user_id is None


def test_a_staff_member_without_statistics_consent_gets_the_usual_403(
    app, client, create_user, auth
):
    # consent is asked first, as for everyone: nothing about a person without it is counted
    create_user("support@winlas.se", role="staff")
    auth.login("support@winlas.se")
    assert send(client).status_code == 403
    assert stored(app) == (0, 0, 0) and dropped(app) == 0


# the office's networks ------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["192.0.2.1", "192.0.2.254", "2001:db8:1:ff::7"])
def test_a_request_from_an_office_network_stores_nothing(office_app, address):
    client = accept_all(office_app.test_client())
    response = send(client, address=address)
    assert response.status_code == 202 and response.json == {"dropped": "internal"}
    assert stored(office_app) == (0, 0, 0)
    assert dropped(office_app) == 1
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("address", [STOCKHOLM, "192.0.3.1", "2001:db8:2::1"])
def test_a_request_from_outside_the_office_networks_is_stored(office_app, address):
    client = accept_all(office_app.test_client())
    response = send(client, address=address)
    assert response.status_code == 202 and response.json == {"accepted": 1}
    assert stored(office_app)[:2] == (1, 1)
    assert dropped(office_app) == 0


def test_an_ipv4_office_client_reported_as_an_ipv6_mapped_address_is_internal(office_app):
    # a dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d
    client = accept_all(office_app.test_client())
    assert send(client, address="::ffff:192.0.2.9").json == {"dropped": "internal"}
    assert stored(office_app) == (0, 0, 0)


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_what_counts(app_config):
    app = create_app(
        {
            **app_config,
            "WINLAS_TRUSTED_PROXIES": ["10.0.0.0/8"],
            # the proxy's own network is not the office: were the proxy's address used, every
            # visit would be dropped or (with the office there) none
            "ANALYTICS_INTERNAL_NETWORKS": [OFFICE],
        }
    )
    client = accept_all(app.test_client())
    office = send(client, address="10.0.0.5", headers={"X-Forwarded-For": "192.0.2.40"})
    assert office.json == {"dropped": "internal"}
    outside = send(client, address="10.0.0.5", headers={"X-Forwarded-For": STOCKHOLM})
    assert outside.json == {"accepted": 1}
    # a client cannot claim the office's address: the untrusted hop nearest the proxy counts
    forged = send(
        client, address="10.0.0.5", headers={"X-Forwarded-For": f"192.0.2.40, {STOCKHOLM}"}
    )
    assert forged.json == {"accepted": 1}
    # nor is the header read from a peer that is not a trusted proxy
    direct = send(client, address=STOCKHOLM, headers={"X-Forwarded-For": "192.0.2.40"})
    assert direct.json == {"accepted": 1}
    assert stored(app)[:1] == (3,)
    assert dropped(app) == 1
    with app.app_context():
        assert {v.ip_anonymised for v in Visit.select()} == {"81.2.69.0"}


def test_the_networks_setting_is_read_from_the_environment(monkeypatch, app_config):
    from winlas_site import config

    assert config.env_settings({"ANALYTICS_INTERNAL_NETWORKS": f" {OFFICE} ,{OFFICE_V6}"}) == {
        "ANALYTICS_INTERNAL_NETWORKS": [OFFICE, OFFICE_V6]
    }
    monkeypatch.setenv("ANALYTICS_INTERNAL_NETWORKS", OFFICE)
    app = create_app(app_config)
    assert [str(n) for n in app.extensions["analytics"].internal_networks] == [OFFICE]
    client = accept_all(app.test_client())
    assert send(client, address="192.0.2.3").json == {"dropped": "internal"}


def test_without_networks_configured_an_office_address_is_an_ordinary_visitor(app, client):
    accept_all(client)
    assert send(client, address="192.0.2.1").json == {"accepted": 1}
    assert app.extensions["analytics"].internal_networks == ()


@pytest.mark.parametrize(
    "value",
    ["192.0.2.0/33", "kontoret", "192.0.2.10/24", "10.0.0.0/8,  999.1.1.1", "2001:db8::/129"],
)
def test_a_bad_network_setting_stops_the_app_from_starting(app_config, value):
    with pytest.raises(ValueError, match="ANALYTICS_INTERNAL_NETWORKS") as error:
        create_app({**app_config, "ANALYTICS_INTERNAL_NETWORKS": value})
    assert "CIDR" in str(error.value)


def test_a_bad_network_in_the_environment_stops_the_app_from_starting(monkeypatch, app_config):
    monkeypatch.setenv("ANALYTICS_INTERNAL_NETWORKS", "192.0.2.0/24,kontor")
    with pytest.raises(ValueError, match="'kontor' is not a network in CIDR notation"):
        create_app(app_config)


# the dashboard says so ------------------------------------------------------------------------


def marketer_of(app):
    from tests.conftest import AuthActions

    client = app.test_client()
    assert AuthActions(client).login("marknad@winlas.se").status_code == 302
    return client


def test_the_dashboard_says_internal_traffic_is_excluded_and_whether_networks_are_set(
    app, client, create_user, auth
):
    create_user("marknad@winlas.se", role="marketer")
    auth.login("marknad@winlas.se")
    for url in ("/dashboard/", "/dashboard/table/page"):
        html = client.get(url).get_data(as_text=True)
        assert 'id="internal-traffic"' in html
        assert "inloggad personal, marknadsförare och administratörer sorteras bort" in html
        assert "Inga kontorsnätverk är inställda" in html


def test_the_dashboard_names_how_many_office_networks_are_left_out(office_app, create_user):
    create_user("marknad@winlas.se", role="marketer")
    html = marketer_of(office_app).get("/dashboard/").get_data(as_text=True)
    assert "Besök från kontorets nätverk (2 adressintervall) räknas inte heller." in html
    assert "Inga kontorsnätverk" not in html


# forms sent by the site's own people ----------------------------------------------------------


@pytest.mark.parametrize(
    "email, conversions", [("support@winlas.se", 0), ("bibliotekarie@exempelkommun.se", 1)]
)
def test_a_form_sent_by_logged_in_staff_is_no_conversion_and_a_customers_is(
    app, client, auth, demo, email, conversions
):
    # staff try the quote form out; a conversion (10 interest points) would profile them too
    from tests.integration.test_leads import submit

    client.environ_base.update(HTTP_USER_AGENT=CHROME)
    accept_all(client)
    assert auth.login(email).status_code == 302
    assert submit(client, "quote").status_code == 303
    with app.app_context():
        assert Event.select().where(Event.type == "conversion").count() == conversions
    assert stored(app)[2] == conversions


# the tally ------------------------------------------------------------------------------------


def test_bots_and_internal_traffic_are_counted_apart(office_app):
    client = accept_all(office_app.test_client())
    assert send(client, headers={"User-Agent": "curl/8.5.0"}).json == {"dropped": "bot"}
    assert send(client, address="192.0.2.8").json == {"dropped": "internal"}
    assert send(client, address="192.0.2.9").json == {"dropped": "internal"}
    assert (dropped(office_app, "bot"), dropped(office_app)) == (1, 2)


def test_a_tally_of_an_unknown_reason_is_quarantined_not_counted(app):
    import datetime

    state = app.extensions["analytics"]
    today = datetime.date.today().isoformat()
    state.spool.append(json.dumps({"bot": today, "n": 4, "reason": "internal"}))
    state.spool.append(json.dumps({"bot": today, "n": 2}))  # a tally as spooled before
    state.spool.append(json.dumps({"bot": today, "n": 9, "reason": "x" * 40}))
    for _ in range(3):  # a line that fails is retried, then set aside
        with app.app_context():
            state.replay()
    assert (dropped(app, "bot"), dropped(app)) == (2, 4)
    with app.app_context():
        assert DroppedCount.select().count() == 2
    assert state.spool.quarantined_lines() == 1
