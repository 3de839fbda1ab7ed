"""A sent form counts as a conversion on the visitor's visit, only with statistics consent."""

import time
import uuid

import pytest

from analytics import profiles
from analytics.models import Event, Visit
from analytics.profile_models import InterestScore
from tests.integration.test_leads import submit

ORIGIN = {"Origin": "http://localhost"}
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture
def app_config(app_config):
    # fold at once: test_profiles covers the wait for concurrent writers on PostgreSQL
    return {**app_config, "ANALYTICS_PROFILE_SETTLE_SECONDS": 0}


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=CHROME)
    return client


def pageview(client, path="/kontakt/offert"):
    event = {"type": "pageview", "url": f"http://localhost{path}", "id": str(uuid.uuid4())}
    event["ts"] = int(time.time() * 1000)
    response = client.post("/api/collect", json={"events": [event]}, headers=ORIGIN)
    assert response.status_code == 202


def events(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.type, e.name, e.path) for e in Event.select().order_by(Event.id)]


@pytest.mark.parametrize(
    "kind, name", [("question", "contact"), ("quote", "quote"), ("demo", "demo")]
)
def test_a_lead_is_a_conversion_on_the_visit_that_sent_it(app, client, demo, kind, name):
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    pageview(client)
    assert submit(client, kind).status_code == 303
    found = events(app)
    assert found[0][0] == "pageview" and found[1][:2] == ("conversion", name)
    with app.app_context():
        assert Visit.select().count() == 1  # the same visit, not a new one
        # marketing consent too: the conversion feeds the interest profile and keeps it going
        assert Visit.get().profiling is True
        profiles.update()
        assert InterestScore.select().count() >= 1


def test_statistics_only_counts_the_conversion_but_profiles_nothing(app, client, demo):
    client.post("/samtycke", data={"action": "save", "statistics": "on"}, headers=ORIGIN)
    pageview(client)
    submit(client, "quote")
    assert [e[0] for e in events(app)] == ["pageview", "conversion"]
    with app.app_context():
        assert Visit.get().profiling is False


def test_without_consent_a_lead_leaves_no_trace_in_analytics(app, client, demo):
    client.post("/samtycke", data={"action": "reject_all"}, headers=ORIGIN)
    assert submit(client, "demo").status_code == 303
    with app.app_context():
        assert Event.select().count() == 0 and Visit.select().count() == 0
