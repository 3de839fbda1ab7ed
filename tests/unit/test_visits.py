"""The visit rule (docs/ARCHITECTURE.md): a 30-minute gap, a new campaign or external referrer."""

import datetime

import pytest

from analytics.models import Visit
from analytics.store import starts_new_visit

T0 = datetime.datetime(2026, 11, 2, 10, 0)


def visit(**fields):
    base = {"last_seen_at": T0, "utm_campaign": "", "referrer_host": ""}
    return Visit(**{**base, **fields})


def pageview(source="internal", host="", campaign=None):
    event = {"type": "pageview", "ref": [source, host]}
    if campaign:
        event["utm"] = {"utm_campaign": campaign}
    return event


@pytest.mark.parametrize(
    "current,event,minutes,new",
    [
        (None, pageview(), 0, True),
        (visit(), pageview(), 29, False),
        (visit(), pageview(), 30, True),
        (visit(), {"type": "engagement"}, 29, False),
        (visit(), {"type": "click"}, 31, True),
        (visit(), pageview("search", "google.se"), 5, True),
        (visit(referrer_host="google.se"), pageview("search", "google.se"), 5, False),
        (visit(), pageview("direct"), 5, False),
        (visit(), pageview(campaign="vinter"), 5, True),
        (visit(utm_campaign="vinter"), pageview(campaign="vinter"), 5, False),
    ],
)
def test_starts_new_visit(current, event, minutes, new):
    assert starts_new_visit(current, event, T0 + datetime.timedelta(minutes=minutes)) is new
