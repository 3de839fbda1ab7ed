"""The collect endpoint's parser: every input is either events or a PayloadError naming a field."""

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.payload import MAX_ENGAGED_MS, PayloadError, parse

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
