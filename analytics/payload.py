"""The collect endpoint's wire format: a strict parser that names the field it refuses.

Plain ``json.loads`` accepts NaN, Infinity and 1e999999, and ``request.get_json`` turns 100 000
levels of nesting into a RecursionError (a 500); here each is a clear PayloadError.

Two parsers give the same answer. ``parse_python`` checks field by field and words every
refusal; it is the definition. ``parse`` decodes and type-checks the whole body in msgspec's C
code, about five times faster on the tracker's batches, and hands anything it does not accept
outright to ``parse_python``, so a refusal always reads the same. A property test holds the two
equal over arbitrary bodies. One difference by design: msgspec skips the fields nobody reads
without looking inside them, so an unread ``"x": 1e999999`` is ignored rather than refused.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

import msgspec

from .models import EVENT_TYPES

# the clock of a browser may be off, and a queued batch may be resent later; beyond this window
# the timestamp is replaced by the server's.
PAST_WINDOW_MS = 24 * 3600 * 1000
FUTURE_WINDOW_MS = 5 * 60 * 1000
MAX_ENGAGED_MS = 4 * 3600 * 1000
_SIZE = re.compile(r"^\d{1,5}x\d{1,5}$")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)

# name -> maximum length of the optional text fields; anything not listed (such as "ip" or
# "userAgent") is ignored: only the request's own address and user agent count.
TEXT_FIELDS = {
    "url": 2048,
    "referrer": 2048,
    "target": 2048,
    "name": 200,
    "tz": 64,
    "lang": 100,
    "platform": 50,
    "screen": 20,
    "viewport": 20,
}


class PayloadError(ValueError):
    """A refused payload; ``field`` names where, e.g. ``events[3].url``."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class IncomingEvent:
    id: str
    type: str
    url: str
    ts: int
    referrer: str = ""
    target: str = ""
    name: str = ""
    tz: str = ""
    lang: str = ""
    platform: str = ""
    screen: str = ""
    viewport: str = ""
    ms: int = 0


def _refuse_constant(name: str) -> float:
    raise PayloadError("body", f"{name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise PayloadError("body", f"number {text[:20]} is out of range")
    return value


def decode(raw: bytes) -> object:
    """Bytes to JSON, refusing invalid UTF-8, NaN/Infinity, huge numbers and deep nesting."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError("body", "is not valid UTF-8") from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise PayloadError("body", "is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise PayloadError("body", f"is not JSON ({exc.msg})") from exc
    except PayloadError:
        raise
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise PayloadError("body", "holds a number out of range") from exc


def _text(event: dict[str, Any], key: str, where: str) -> str:
    value = event.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{where}.{key}", "must be a string")
    if len(value) > TEXT_FIELDS[key]:
        raise PayloadError(f"{where}.{key}", f"is longer than {TEXT_FIELDS[key]} characters")
    if "\x00" in value:
        raise PayloadError(f"{where}.{key}", "contains a NUL character")
    if not value.isascii():
        # JSON's "\ud800" escape decodes to a lone surrogate: a str no UTF-8 encoder or
        # database takes. Refused here, it can never block a spool segment later.
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise PayloadError(f"{where}.{key}", "is not valid Unicode (a lone surrogate)") from exc
    return value


def _number(event: dict[str, Any], key: str, where: str) -> float | None:
    value = event.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{where}.{key}", "must be a number")
    return value


def parse_python(raw: bytes, now_ms: int, max_events: int) -> list[IncomingEvent]:
    """The events of a request body, validated; raises PayloadError naming the first problem."""
    data = decode(raw)
    if not isinstance(data, dict):
        raise PayloadError("body", 'must be an object with "events"')
    events = data.get("events")
    if not isinstance(events, list):
        raise PayloadError("events", "must be a list")
    if not events:
        raise PayloadError("events", "is empty")
    if len(events) > max_events:
        raise PayloadError("events", f"holds more than {max_events} events")
    parsed = []
    for index, event in enumerate(events):
        where = f"events[{index}]"
        if not isinstance(event, dict):
            raise PayloadError(where, "must be an object")
        kind = event.get("type")
        if kind not in EVENT_TYPES:
            raise PayloadError(f"{where}.type", f"must be one of {', '.join(EVENT_TYPES)}")
        url = _text(event, "url", where)
        if not url:
            raise PayloadError(f"{where}.url", "is required")
        event_id = event.get("id")
        if event_id is None:
            event_id = str(uuid.uuid4())
        elif not isinstance(event_id, str) or not _UUID.fullmatch(event_id):
            raise PayloadError(f"{where}.id", "must be a UUID")
        ts = _number(event, "ts", where)
        if ts is None or not now_ms - PAST_WINDOW_MS <= ts <= now_ms + FUTURE_WINDOW_MS:
            ts = now_ms  # clamped: a wrong clock must not move an event to another day
        ms = _number(event, "ms", where) or 0
        fields = {key: _text(event, key, where) for key in TEXT_FIELDS if key != "url"}
        for key in ("screen", "viewport"):
            if fields[key] and not _SIZE.fullmatch(fields[key]):
                raise PayloadError(f"{where}.{key}", 'must look like "1920x1080"')
        parsed.append(
            IncomingEvent(
                # the tracker's form (36 characters: every hyphen) only needs lower case;
                # uuid.UUID is the slower way to the same canonical text for the other forms
                id=event_id.lower() if len(event_id) == 36 else str(uuid.UUID(event_id)),
                type=kind,
                url=url,
                ts=int(ts),
                ms=int(min(max(ms, 0), MAX_ENGAGED_MS)),
                **fields,
            )
        )
    return parsed


# ------------------------------------------------------------------ the fast path: msgspec

# \Z, not $: "$" also matches before a final newline
_UUID_TEXT = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\Z"
_SIZE_TEXT = r"^(?:\d{1,5}x\d{1,5})?\Z"
# a NUL or a surrogate can only arrive as a \u escape (a raw NUL byte is not JSON, and UTF-8
# holds no surrogates): bodies with one go to the Python parser, which refuses or pairs them
_ESCAPES_TO_CHECK = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _text_type(key: str, pattern: str | None = None) -> Any:
    meta = msgspec.Meta(max_length=TEXT_FIELDS[key], pattern=pattern)
    return Annotated[str, meta] | None


class _WireEvent(msgspec.Struct):
    # the same fields and limits as parse_python; a null text is "" there and here
    type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    url: _text_type("url") = None  # type: ignore[valid-type]
    id: Annotated[str, msgspec.Meta(pattern=_UUID_TEXT)] | None = None
    ts: int | float | None = None
    ms: int | float | None = None
    referrer: _text_type("referrer") = None  # type: ignore[valid-type]
    target: _text_type("target") = None  # type: ignore[valid-type]
    name: _text_type("name") = None  # type: ignore[valid-type]
    tz: _text_type("tz") = None  # type: ignore[valid-type]
    lang: _text_type("lang") = None  # type: ignore[valid-type]
    platform: _text_type("platform") = None  # type: ignore[valid-type]
    screen: _text_type("screen", _SIZE_TEXT) = None  # type: ignore[valid-type]
    viewport: _text_type("viewport", _SIZE_TEXT) = None  # type: ignore[valid-type]


@lru_cache(maxsize=8)
def _decoder(max_events: int) -> msgspec.json.Decoder[Any]:
    events = Annotated[list[_WireEvent], msgspec.Meta(min_length=1, max_length=max_events)]
    return msgspec.json.Decoder(msgspec.defstruct("Body", [("events", events)]))


def parse(raw: bytes, now_ms: int, max_events: int) -> list[IncomingEvent]:
    """The events of a request body, validated: the same answer as ``parse_python``, faster."""
    if _ESCAPES_TO_CHECK.search(raw):
        return parse_python(raw, now_ms, max_events)
    try:
        body = _decoder(max_events).decode(raw)
    except (msgspec.MsgspecError, RecursionError):
        # the Python parser says what is wrong and where; should it accept what msgspec refused
        # (an unread field nested deeper than msgspec goes, say), its answer stands
        return parse_python(raw, now_ms, max_events)
    parsed = []
    earliest, latest = now_ms - PAST_WINDOW_MS, now_ms + FUTURE_WINDOW_MS
    for event in body.events:
        if not event.url:
            return parse_python(raw, now_ms, max_events)  # it words the refusal
        event_id = event.id
        if event_id is None:
            event_id = str(uuid.uuid4())
        ts = event.ts
        if ts is None or not earliest <= ts <= latest:
            ts = now_ms
        ms = event.ms or 0
        parsed.append(
            IncomingEvent(
                id=event_id.lower() if len(event_id) == 36 else str(uuid.UUID(event_id)),
                type=event.type,
                url=event.url,
                ts=int(ts),
                ms=int(min(max(ms, 0), MAX_ENGAGED_MS)),
                referrer=event.referrer or "",
                target=event.target or "",
                name=event.name or "",
                tz=event.tz or "",
                lang=event.lang or "",
                platform=event.platform or "",
                screen=event.screen or "",
                viewport=event.viewport or "",
            )
        )
    return parsed
