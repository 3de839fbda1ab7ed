"""A funnel's definition: a name, two to five steps in order, and the window they must fit in.

The steps are kept as one JSON text (a list of ``{"kind", "value"}``), validated on the way in
and on the way out, so a row edited by hand cannot make a report run on nonsense. A funnel holds
no personal data: it says which pages, clicks and forms to count, not who made it.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import peewee

from .. import clock
from ..dashboard_models import has_control_characters
from ..db import BaseModel, rows

STEP_KINDS = ("page", "click", "conversion")
# "visit": every step in the same visit; "30d": the last step at most 30 days after the first
WINDOWS = ("visit", "30d")
WINDOW_LENGTH = {"visit": None, "30d": datetime.timedelta(days=30)}
MIN_STEPS, MAX_STEPS = 2, 5
MAX_NAME_LENGTH = 120
# a path and a click target are stored with at most 512 characters (analytics.models.Event)
MAX_VALUE_LENGTH = 512
WILDCARD = "*"
# analytics.conversions.CONVERSIONS, repeated here because that module reaches the store, which
# reaches analytics.models, which lists this model: importing it would close a circle
# (tests/unit/test_funnels.py checks that the two agree)
CONVERSION_NAMES = ("contact", "quote", "demo", "course", "newsletter")

# why a step or a funnel is refused; the editor words each one (analytics.funnels.forms)
EMPTY = "empty"
TOO_LONG = "too_long"
CONTROL = "control"
UNKNOWN_KIND = "unknown_kind"
NOT_A_PATH = "not_a_path"
BAD_WILDCARD = "bad_wildcard"
UNKNOWN_CONVERSION = "unknown_conversion"


class InvalidFunnel(ValueError):
    """A funnel that may not be stored; ``problems`` are (step index or None, reason)."""

    def __init__(self, problems: Sequence[tuple[int | None, str]]):
        super().__init__("; ".join(f"{index}: {reason}" for index, reason in problems))
        self.problems = list(problems)


def has_control(text: str) -> bool:
    """A control character (NUL above all: PostgreSQL refuses it mid-query; C1 controls too)
    or an invisible bidirectional control, which turns the text after it around: the rule
    the notes and saved views of the dashboard follow."""
    return has_control_characters(text)


@dataclass(frozen=True)
class Step:
    """One step: a page view of a path (``/produkter/*``: every path under /produkter/), a
    click with this label or target, or a conversion of this name."""

    kind: str
    value: str

    @property
    def wildcard(self) -> bool:
        """A page step ending in ``*``: every path that starts with what comes before it."""
        return self.kind == "page" and self.value.endswith(WILDCARD)

    @property
    def prefix(self) -> str:
        """What a wildcard page's path starts with (the value without its ``*``)."""
        return self.value[: -len(WILDCARD)] if self.wildcard else self.value

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value}


def step_problem(kind: str, value: str) -> str | None:
    """Why ``kind``/``value`` is no step (one of the reasons above), or None for a good one.

    Values are compared literally: ``%`` and ``_`` are characters of a path like any other,
    and the only pattern is one ``*`` at the end of a page step."""
    if kind not in STEP_KINDS:
        return UNKNOWN_KIND
    if not isinstance(value, str) or value == "":
        return EMPTY
    if len(value) > MAX_VALUE_LENGTH:
        return TOO_LONG
    if has_control(value):
        return CONTROL
    if kind == "page":
        if not value.startswith("/"):
            return NOT_A_PATH
        if WILDCARD in value[:-1]:
            return BAD_WILDCARD
    elif kind == "conversion" and value not in CONVERSION_NAMES:
        return UNKNOWN_CONVERSION
    return None


def check(name: str, steps: Sequence[Step], window: str) -> list[tuple[int | None, str]]:
    """Every problem of a funnel (index None: the name, the window or the number of steps)."""
    problems: list[tuple[int | None, str]] = []
    if not isinstance(name, str) or not name.strip():
        problems.append((None, "name_empty"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append((None, "name_too_long"))
    elif has_control(name):
        problems.append((None, "name_control"))
    if window not in WINDOWS:
        problems.append((None, "unknown_window"))
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        problems.append((None, "step_count"))
    for index, step in enumerate(steps):
        reason = step_problem(step.kind, step.value)
        if reason is not None:
            problems.append((index, reason))
    return problems


def _loaded(text: object) -> object:
    """``text`` read as JSON; ValueError for anything else. A row written by hand may hold no
    text at all (TypeError) or brackets nested past the parser's recursion limit."""
    try:
        return json.loads(text)  # type: ignore[arg-type]
    except (TypeError, RecursionError) as exc:
        raise ValueError("the steps are no JSON text") from exc


def parse_steps(text: str) -> list[Step]:
    """The steps kept in ``text`` (JSON); ValueError when they are not a valid list of steps."""
    data = _loaded(text)
    if not isinstance(data, list) or not MIN_STEPS <= len(data) <= MAX_STEPS:
        raise ValueError("a funnel has two to five steps")
    steps = []
    for item in data:
        if not isinstance(item, dict) or set(item) != {"kind", "value"}:
            raise ValueError("a step is {kind, value}")
        kind, value = item["kind"], item["value"]
        if not isinstance(kind, str) or not isinstance(value, str):
            raise ValueError("a step is {kind, value}")
        if step_problem(kind, value) is not None:
            raise ValueError(f"bad step {kind!r}")
        steps.append(Step(kind, value))
    return steps


class Funnel(BaseModel):
    """A named funnel every marketer sees and may change."""

    name = peewee.CharField(max_length=MAX_NAME_LENGTH)
    steps_json = peewee.TextField()
    within = peewee.CharField(max_length=8, default="visit")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()

    class Meta:
        table_name = "funnel"

    @property
    def steps(self) -> list[Step]:
        """The stored steps; ValueError when they cannot be read (see ``readable``)."""
        return parse_steps(self.steps_json)

    @property
    def window(self) -> datetime.timedelta | None:
        """How long the steps may take from the first to the last (None: one visit);
        ValueError for a window this version does not know."""
        if self.within not in WINDOW_LENGTH:
            raise ValueError(f"unknown window {self.within!r}")
        return WINDOW_LENGTH[self.within]

    @property
    def readable(self) -> bool:
        """Whether the stored steps and window can be read. A row written by an older version
        or by hand may hold anything: such a funnel is listed and may be redefined or deleted,
        but never counted."""
        try:
            parse_steps(self.steps_json)
        except ValueError:
            return False
        return self.within in WINDOW_LENGTH

    def draft_steps(self) -> list[Step]:
        """What the editor shows of the stored steps: every one of them for a readable funnel,
        else the items that have the shape of a step (a kind and a value, both text without
        control characters, at most ``MAX_STEPS``), valid or not, so the marketer sees what
        was there; the editor's rules then say what is wrong with each."""
        try:
            data = _loaded(self.steps_json)
        except ValueError:
            return []
        if not isinstance(data, list):
            return []
        found = []
        for item in data:
            if not isinstance(item, dict):
                continue
            kind, value = item.get("kind"), item.get("value")
            if isinstance(kind, str) and isinstance(value, str) and not has_control(kind + value):
                found.append(Step(kind, value[: MAX_VALUE_LENGTH + 1]))
        return found[:MAX_STEPS]

    @classmethod
    def make(cls, name: str, steps: Iterable[Step], within: str) -> Funnel:
        """Store a new funnel; InvalidFunnel says what is wrong with it."""
        now = clock.now()
        funnel = cls(created_at=now, updated_at=now)
        funnel.change(name, steps, within)
        return funnel

    def change(self, name: str, steps: Iterable[Step], within: str) -> None:
        """Set and store name, steps and window (all checked first, nothing stored on error)."""
        steps = list(steps)
        problems = check(name, steps, within)
        if problems:
            raise InvalidFunnel(problems)
        self.name = name.strip()
        self.steps_json = json.dumps([step.to_json() for step in steps], ensure_ascii=False)
        self.within = within
        self.updated_at = clock.now()
        self.save()

    @classmethod
    def by_name(cls) -> list[Funnel]:
        return list(cls.select().order_by(cls.name, cls.id))


# The demo's funnels, fitted to analytics.synthetic's traffic: product pages lead some visitors
# to the quote form and fewer of them send it; course pages lead to sign-ups; a product sheet
# download before a demo request over several visits.
DEMO_FUNNELS = (
    (
        "Från produkt till offert",
        (
            Step("page", "/produkter/*"),
            Step("page", "/kontakt/offert"),
            Step("conversion", "quote"),
        ),
        "visit",
    ),
    (
        "Från kurssida till anmälan",
        # most sign-ups come straight to a course page (a campaign, a newsletter), not through
        # the course list, so the funnel starts at the course page
        (
            Step("page", "/utbildningar/*"),
            Step("conversion", "course"),
        ),
        "30d",
    ),
    (
        "Produktblad och visning",
        (
            Step("page", "/produkter/*"),
            Step("click", "produktblad"),
            Step("page", "/kontakt/visning"),
            Step("conversion", "demo"),
        ),
        "30d",
    ),
)


def demo() -> int:
    """Store the demo funnels that are not there yet (by name); how many were added."""
    have = {name for (name,) in rows(Funnel.select(Funnel.name).tuples())}
    added = 0
    for name, steps, within in DEMO_FUNNELS:
        if name not in have:
            Funnel.make(name, steps, within)
            added += 1
    return added


FUNNEL_MODELS = [Funnel]
