"""The spool line: the one schema between the request that accepts events and the writer that
stores them, with one writer (``to_json``) and one reader (``from_dict``/``from_json``).

On disk a line is one compact JSON object with short keys, as it always was, so lines already
waiting in a spool are read by this code unchanged:

- a request's events (``RequestLine``): ``r`` received (ms since the epoch), ``v`` visitor id,
  ``u`` user id or null, ``ip`` anonymised network, ``geo`` [country, region, city], ``ua``
  [browser, browser version, os, os version, device], ``events`` (``SpoolEvent`` objects),
  ``p`` 1 when the visit may feed an interest profile (absent otherwise);
- a tally of dropped requests (``TallyLine``): ``bot`` the day (YYYY-MM-DD), ``n`` the count,
  ``reason`` when it is not "bot" ("internal": the site's own people);
- the writer adds ``t``, the attempts a line the database refused has had (``store``).

A line of the wrong shape raises KeyError, TypeError or ValueError when read: the writer then
counts it as that line's fault (quarantine), never the database's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict

import orjson

# the visitor cookie's default name, and what a visitor id looks like (the collector makes them
# with uuid4().hex); every part of analytics uses these two, never a copy
VISITOR_COOKIE = "winlas_vid"
VISITOR_ID = re.compile(r"[0-9a-f]{32}")
# the reasons a tally line counts dropped requests for (DroppedCount.reason)
TALLY_REASONS = ("bot", "internal")


def dumps(value: object) -> str:
    """Compact JSON, as every spool line is written.

    orjson: about a tenth of ``json.dumps``' time on the collect path. It refuses what the
    standard library writes as escapes (a lone surrogate, an integer past 64 bits); such a value
    cannot come from the parser, but if one does, it is written the standard way, never lost.
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """A JSON value of a spool line: orjson, else the standard library for what orjson is
    stricter about (escaped lone surrogates, written by ``json.dumps`` in older lines); a line
    neither reads raises the standard ``ValueError``."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def is_visitor_id(value: object) -> bool:
    """Whether ``value`` is a visitor id as the collector makes them (32 lower-case hex)."""
    return isinstance(value, str) and VISITOR_ID.fullmatch(value) is not None


class Geo(NamedTuple):
    """Where a request came from, as GeoIP located it ("" when unknown)."""

    country: str
    region: str
    city: str


class Agent(NamedTuple):
    """The classified user agent, as stored on a visit."""

    browser: str
    browser_version: str
    os: str
    os_version: str
    device: str


class SpoolEvent(TypedDict, total=False):
    """One event of a request line, enriched and scrubbed by the collector.

    Every event has ``id``, ``type``, ``ts`` (ms) and ``path``; a page view ``ref`` ([source,
    host]) and what the browser told (``screen``, ``viewport``, ``tz``, ``lang``,
    ``platform``), any event ``utm``; a click ``target`` and ``name``; an engagement ``ms``; a
    conversion ``name``.
    """

    id: str
    type: str
    ts: int
    path: str
    utm: dict[str, str]
    ref: list[str]
    screen: str
    viewport: str
    tz: str
    lang: str
    platform: str
    target: str
    name: str
    ms: int


class RequestLine(NamedTuple):
    """The events of one accepted request, with what their visit needs.

    A named tuple, not a dataclass: the writer builds one per spooled line in its hot loop, and
    a tuple is made without a Python-level ``__init__``.
    """

    received_ms: int
    visitor: str
    user_id: int | None
    ip: str
    geo: Geo
    agent: Agent
    events: list[SpoolEvent]
    profiling: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The line as its JSON object (short keys)."""
        line: dict[str, Any] = {
            "r": self.received_ms,
            "v": self.visitor,
            "u": self.user_id,
            "ip": self.ip,
            # as lists: orjson refuses a named tuple (a tuple subclass), and the refusal sent
            # every line to json.dumps' slower fallback
            "geo": list(self.geo),
            "ua": list(self.agent),
            "events": self.events,
        }
        if self.profiling:
            line["p"] = 1  # the visit may feed an interest profile (marketing consent, P17)
        return line

    def to_json(self) -> str:
        """The line as it is written to the spool: one compact JSON object."""
        return dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestLine:
        """The line of a JSON object (KeyError, TypeError or ValueError for a wrong shape)."""
        events = data["events"]
        if not isinstance(events, list):
            raise TypeError("events is not a list")
        geo, agent = data["geo"], data["ua"]
        if len(geo) != len(Geo._fields) or len(agent) != len(Agent._fields):
            raise ValueError("geo or ua of the wrong length")
        # tuple.__new__ directly: the writer reads one line per request in its hot loop, and
        # the named tuples' Python-level constructors cost as much as the rest of this read
        return tuple.__new__(
            cls,
            (
                data["r"],
                data["v"],
                data["u"],
                data["ip"],
                tuple.__new__(Geo, geo),
                tuple.__new__(Agent, agent),
                events,
                bool(data.get("p")),
            ),
        )


@dataclass(frozen=True, slots=True)
class TallyLine:
    """Requests dropped at ingest on ``day`` (ISO date) for ``reason``, ``count`` of them."""

    day: str
    count: int
    reason: str = "bot"

    def to_dict(self) -> dict[str, Any]:
        line: dict[str, Any] = {"bot": self.day, "n": self.count}
        if self.reason != "bot":  # a bot line stays as it always was
            line["reason"] = self.reason
        return line

    def to_json(self) -> str:
        return dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TallyLine:
        """The tally of a JSON object; ValueError for a count or reason it cannot have."""
        count = data.get("n", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"a bot tally of {count!r}")
        reason = data.get("reason", "bot")
        if reason not in TALLY_REASONS:
            raise ValueError(f"a tally of {reason!r}")
        return cls(data["bot"], count, reason)


Line = RequestLine | TallyLine


def from_dict(data: Mapping[str, Any]) -> Line:
    """The line a spooled JSON object holds."""
    if "bot" in data:
        return TallyLine.from_dict(data)
    return RequestLine.from_dict(data)


def from_json(text: str | bytes) -> Line:
    """The line of one spooled text line (ValueError when it is not a JSON object)."""
    data = loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return from_dict(data)
