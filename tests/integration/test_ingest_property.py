"""Property: whatever a client sends to the collect endpoint, every event answered 202 is stored
exactly once, nothing refused is stored, and nothing accepted ends in the quarantine (issue 10).

Arbitrary JSON and arbitrary Unicode (lone surrogates, NUL, control and format characters,
huge and non-finite numbers, invalid UTF-8) in every field go through the real path: parse →
spool (the request only appends, as in production) → store → ``replay``, on SQLite and on
PostgreSQL. Bounded to 60 examples per backend so the test stays well under a minute each.
"""

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.models import Event
from tests.integration.test_collect import CHROME, ORIGIN

HOSTILE = [
    "\ud800",
    "\udfff",
    "a\udc80b",
    "\x00",
    "\u202e\u200b\ufeff",
    "\uffff\U0010ffff",
    "Karin Kund karin.kund@exempelkommun.se",
    "070-123 45 67",
    "mailto:karin.kund@exempelkommun.se?subject=x",
    "tel:+46701234567",
    "http://localhost/" + "a" * 3000,
    "javascript:alert(1)",
    "' OR 1=1--",
    '"><svg onload=alert(1)>',
    "http://[::1",
    "",
]
# every code point, lone surrogates and NUL included (st.text never yields a lone surrogate,
# whatever its alphabet, so strings are joined from characters by hand)
any_char = st.characters(categories=["Cs"]) | st.characters(exclude_categories=())
any_text = st.lists(any_char, max_size=30).map("".join)
# what a browser may well send: any Unicode scalar value but NUL
clean_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
)
text = st.one_of(
    any_text,
    st.sampled_from(HOSTILE),
    any_text.map(lambda s: "http://localhost/" + s),
    any_text.map(lambda s: "https://extern.example/" + s + "?q=" + s),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
NUMBERS = st.integers(min_value=-(10**20), max_value=10**20) | st.floats(
    allow_nan=False, allow_infinity=False
)
FIELDS = ("referrer", "target", "name", "tz", "lang", "platform", "screen", "viewport", "ts", "ms")


@st.composite
def events(draw):
    """An event that is often good, and where any field may be anything."""
    # hostile in one field out of a few: most events are good, so most batches have a 202
    hostile = draw(st.sampled_from(range(12)))
    event = {
        "type": draw(
            json_values if hostile == 0 else st.sampled_from(["pageview", "click", "engagement"])
        ),
        "url": draw(
            json_values | text
            if hostile == 1
            else clean_text.map(lambda s: "http://localhost/" + s)
        ),
    }
    for key in draw(st.sets(st.sampled_from(FIELDS), max_size=5)):
        event[key] = draw(
            json_values | text
            if hostile == 2
            else NUMBERS
            if key in ("ts", "ms")
            else st.sampled_from(["1920x1080", "375x812", ""])
            if key in ("screen", "viewport")
            else clean_text
        )
    if hostile == 3:
        event["id"] = draw(json_values)  # anything: refused unless it is a UUID
    else:
        event["id"] = "fresh"  # replaced by a new UUID at sending, to track the event
    for key in draw(st.sets(st.sampled_from(["ip", "userAgent", "extra"]), max_size=2)):
        event[key] = draw(json_values)
    return event


@st.composite
def requests(draw):
    """(body bytes, the ids sent) of one request."""
    batch = draw(st.lists(events(), min_size=1, max_size=4))
    ids = []
    for event in batch:
        if event.get("id") in ("fresh", None):  # (a missing id is made up by the server)
            event["id"] = str(uuid.uuid4())
        if isinstance(event.get("id"), str):
            ids.append(event["id"])
    document = {"events": batch}
    shape = draw(st.sampled_from(["escaped"] * 4 + ["raw", "huge-number"]))
    if shape == "escaped":  # lone surrogates as JSON escapes: valid JSON
        body = json.dumps(document).encode()
    elif shape == "raw":  # lone surrogates as raw bytes: invalid UTF-8
        body = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    else:
        body = json.dumps(document).replace('"type"', '"big": 1' + "0" * 5000 + ', "type"', 1)
        body = body.encode()
    return body, ids


@pytest.fixture
def app_config(app_config):
    # the production write path (the request only spools), with the writer asleep: the test
    # stores with replay; and no rate limit in the way of the examples
    return {
        **app_config,
        "ANALYTICS_WRITE_MODE": "background",
        "ANALYTICS_FLUSH_SECONDS": 3600,
        "ANALYTICS_RATE_LIMIT": "100000 per minute",
    }


@pytest.fixture
def consented(app):
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    yield client
    app.extensions["analytics"].spool.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(requests(), min_size=1, max_size=3))
def test_every_accepted_event_is_stored_exactly_once_and_nothing_refused_is_stored(
    app, consented, batch
):
    state = app.extensions["analytics"]
    accepted, refused = [], []
    for body, ids in batch:
        response = consented.post(
            "/api/collect",
            data=body,
            content_type="text/plain;charset=UTF-8",
            headers={**ORIGIN, "User-Agent": CHROME},
        )
        assert response.status_code in (202, 400), (response.status_code, response.data)
        if response.status_code == 202:
            assert response.json == {"accepted": len(ids)}
            accepted += ids
        else:
            assert response.json["error"] and response.json["field"]
            refused += ids
    # every request's line shares one segment: replay stores them together
    with app.app_context():
        state.replay()
        assert state.spool.pending_lines() == 0
        assert state.spool.quarantined_lines() == 0  # nothing accepted was unstorable
        wanted = {str(uuid.UUID(i)) for i in accepted}
        if wanted:
            found = [e.event_id for e in Event.select().where(Event.event_id.in_(sorted(wanted)))]
            assert sorted(found) == sorted(wanted)
        unwanted = set()
        for value in refused:
            try:
                unwanted.add(str(uuid.UUID(value)))
            except ValueError:
                continue
        unwanted -= wanted  # the same id in an accepted request (a resend)
        if unwanted:
            assert not Event.select().where(Event.event_id.in_(sorted(unwanted))).exists()
