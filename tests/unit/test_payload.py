"""The collect endpoint's parser: every input is either events or a PayloadError naming a field."""

import json
import time
import uuid
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import payload
from analytics.payload import (
    FUTURE_WINDOW_MS,
    MAX_ENGAGED_MS,
    PAST_WINDOW_MS,
    PayloadError,
    parse,
    parse_python,
)

NOW = int(time.time() * 1000)


def body(*events) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def test_only_type_and_url_are_required_and_an_id_is_given_when_missing():
    [event] = parse(body({"type": "pageview", "url": "https://www.winlas.se/"}), NOW, 50)
    assert event.type == "pageview" and event.ts == NOW and len(event.id) == 36


def test_ip_and_user_agent_in_the_payload_are_ignored():
    [event] = parse(
        body({"type": "click", "url": "https://a.se/", "ip": "1.2.3.4", "userAgent": "curl"}),
        NOW,
        50,
    )
    assert not hasattr(event, "ip") and not hasattr(event, "userAgent")


def test_engaged_time_is_clamped():
    [event] = parse(body({"type": "engagement", "url": "https://a.se/", "ms": 10**12}), NOW, 50)
    assert event.ms == MAX_ENGAGED_MS


def test_an_upper_case_uuid_is_normalised():
    [event] = parse(
        body(
            {
                "type": "pageview",
                "url": "https://a.se/",
                "id": "0F8FAD5B-D9CB-469F-A165-70867728950E",
            }
        ),
        NOW,
        50,
    )
    assert event.id == "0f8fad5b-d9cb-469f-a165-70867728950e"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
events = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["pageview", "click", "engagement", "other"]) | json_values,
        "url": st.text(max_size=60) | json_values,
        "ts": st.integers() | st.floats() | json_values,
        "ms": st.integers() | json_values,
        "id": st.uuids().map(str) | json_values,
        "screen": st.sampled_from(["1920x1080", "x", ""]) | json_values,
        "name": st.text(max_size=300) | json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.lists(events, max_size=60).map(lambda evs: json.dumps({"events": evs}).encode()),
        json_values.map(lambda value: json.dumps(value).encode()),
    )
)
def test_any_body_gives_events_or_a_named_refusal(raw):
    try:
        parsed = parse(raw, NOW, 50)
    except PayloadError as error:
        assert error.field and error.message
        return
    assert 1 <= len(parsed) <= 50
    for event in parsed:
        assert event.type in ("pageview", "click", "engagement") and event.url
        assert NOW - 24 * 3600 * 1000 <= event.ts <= NOW + 5 * 60 * 1000
        assert 0 <= event.ms <= MAX_ENGAGED_MS


@pytest.mark.parametrize("raw", [b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"1e999999"])
def test_non_finite_numbers_are_refused_anywhere(raw):
    with pytest.raises(PayloadError):
        parse(raw, NOW, 50)


@pytest.mark.parametrize(
    "field", ["url", "referrer", "target", "name", "tz", "lang", "platform", "screen", "viewport"]
)
@pytest.mark.parametrize("surrogate", ["\\ud800", "\\udfff", "\\udc80x"])
def test_a_lone_surrogate_in_any_text_field_is_refused_naming_the_field(field, surrogate):
    # JSON may spell a lone surrogate as an escape: valid JSON, but no UTF-8 encoder (and so no
    # database) takes the string; it must be refused here, not block the writer later
    event = {"type": "click", "url": "http://127.0.0.1:5000/", "target": "http://127.0.0.1:5000/x"}
    raw = json.dumps({"events": [event]})[:-3] + f', "{field}": "a{surrogate}"}}]}}'
    with pytest.raises(PayloadError) as refused:
        parse(raw.encode(), NOW, 50)
    assert refused.value.field == f"events[0].{field}"


def test_a_surrogate_pair_is_one_character_and_accepted():
    raw = b'{"events": [{"type": "click", "url": "https://a.se/", "name": "ok \\ud83d\\ude00"}]}'
    [event] = parse(raw, NOW, 50)
    assert event.name == "ok \U0001f600"


@pytest.mark.parametrize(
    "key,value", [("id", "0f8fad5b-d9cb-469f-a165-70867728950e\n"), ("screen", "1920x1080\n")]
)
def test_a_trailing_newline_does_not_slip_past_a_pattern(key, value):
    # "$" matches before a final newline; the UUID then failed in uuid.UUID with a 500
    with pytest.raises(PayloadError) as refused:
        parse(body({"type": "pageview", "url": "https://a.se/", key: value}), NOW, 50)
    assert refused.value.field == f"events[0].{key}"


@settings(max_examples=200, deadline=None)
@given(
    # st.text never yields a lone surrogate, even from such an alphabet: joined by hand
    st.lists(
        st.characters(categories=["Cs"]) | st.characters(exclude_categories=()), max_size=40
    ).map("".join)
)
def test_every_accepted_text_encodes_as_utf8(text):
    try:
        [event] = parse(
            json.dumps(
                {"events": [{"type": "click", "url": "https://a.se/", "name": text}]}
            ).encode(),
            NOW,
            50,
        )
    except PayloadError as error:
        assert error.field == "events[0].name"
        return
    event.name.encode("utf-8")


@pytest.mark.parametrize(
    "written",
    [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "0F8FAD5B-D9CB-469F-A165-70867728950E",
        "0f8fad5bd9cb469fa16570867728950e",
        "0F8FAD5B-D9CB469FA165-70867728950E",
    ],
)
def test_every_accepted_form_of_an_id_is_stored_in_one_canonical_form(written):
    [event] = parse(body({"type": "pageview", "url": "https://a.se/", "id": written}), NOW, 50)
    assert event.id == "0f8fad5b-d9cb-469f-a165-70867728950e"


# the fast parser (msgspec) against the Python one that defines what is valid ---------------

texts = (
    st.sampled_from(["a\x00b", "\ud800", "\udc80x", "ok \U0001f600", "\u2028", "å"])
    | st.text(max_size=30)
    | st.lists(st.characters(categories=["Cs"]) | st.characters(codec="utf-8"), max_size=8).map(
        "".join
    )
)
valid_type = st.sampled_from(["pageview", "click", "engagement"])
valid_url = st.sampled_from(["https://a.se/p?utm_source=x", "http://127.0.0.1:5000/"])
wire_events = st.fixed_dictionaries(
    # mostly events the tracker could send, so that the fields after type and url are reached
    {
        "type": valid_type | st.sampled_from(["Click", ""]) | json_values,
        "url": valid_url | valid_url | st.just("") | texts | json_values,
    },
    optional={
        "id": st.uuids().map(str)
        | st.uuids().map(lambda u: u.hex.upper())
        | st.uuids().map(lambda u: str(u).upper())
        | st.sampled_from(["0f8fad5b-d9cb-469f-a165-70867728950e\n", ""])
        | json_values,
        "ts": st.sampled_from([NOW, NOW - 10**9, NOW + 10**6, 10**30, 1.5e12, True, None])
        | st.sampled_from([NOW - PAST_WINDOW_MS, NOW + FUTURE_WINDOW_MS]).flatmap(
            lambda edge: st.sampled_from([edge - 1, edge, edge + 1, edge + 0.5])
        )
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False),
        "ms": st.sampled_from([0, -1, 45_000, MAX_ENGAGED_MS + 1, 2.5])
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | json_values,
        "screen": st.sampled_from(["1920x1080", "123456x1", "1x1\n", "", None]) | texts,
        "viewport": st.sampled_from(["390x844", "x"]) | texts,
        "name": texts | st.text(min_size=195, max_size=205) | json_values,
        "referrer": texts | json_values,
        "target": texts,
        "tz": texts,
        "lang": texts,
        "platform": texts,
        "extra": json_values,
    },
)


def outcome(parser, raw, max_events):
    """What a parser answers, with the ids it makes up for events without one fixed."""
    with patch.object(payload.uuid, "uuid4", lambda: uuid.UUID(int=7)):
        try:
            return parser(raw, NOW, max_events)
        except PayloadError as error:
            return ("refused", error.field, error.message)


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        st.lists(wire_events, max_size=4).map(
            lambda evs: json.dumps({"events": evs}, ensure_ascii=True).encode()
        ),
        st.lists(wire_events, max_size=4).map(
            lambda evs: json.dumps({"events": evs}, ensure_ascii=False).encode(
                "utf-8", "surrogatepass"
            )
        ),
        json_values.map(lambda value: json.dumps({"events": value}).encode()),
        st.binary(max_size=100),
    ),
    st.integers(min_value=1, max_value=10),
)
def test_the_fast_parser_answers_exactly_as_the_python_one(raw, max_events):
    assert outcome(parse, raw, max_events) == outcome(parse_python, raw, max_events)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"events": [{"type": "click", "url": "https://a.se/", "name": "a\\u0000b"}]}',
        b'{"events": [{"type": "click", "url": "https://a.se/", "name": "\\udc80"}]}',
        b'{"events": [{"type": "click", "url": "https://a.se/", "screen": "1x1\\n"}]}',
        b'{"events": [{"type": "click", "url": ""}]}',
        b'{"events": [{"type": "click", "url": "https://a.se/", "ts": true}]}',
        b'{"events": []}',
        b'{"events": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
        b'{"events": [{"type": "click", "url": "https://a.se/", "extra": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}]}",
    ],
)
def test_what_the_fast_parser_refuses_is_worded_by_the_python_one(raw):
    assert outcome(parse, raw, 50) == outcome(parse_python, raw, 50)


# offsets from NOW, not times: the parameters name the tests, and every xdist worker must
# collect the same names
@pytest.mark.parametrize("edge", [-PAST_WINDOW_MS, FUTURE_WINDOW_MS])
@pytest.mark.parametrize("step", [-1, -0.5, 0, 0.5, 1])
def test_both_parsers_keep_and_clamp_the_same_timestamps_at_the_window_edges(edge, step):
    raw = body({"type": "click", "url": "https://a.se/", "ts": NOW + edge + step})
    assert outcome(parse, raw, 50) == outcome(parse_python, raw, 50)
