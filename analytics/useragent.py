"""User-agent classification: browser, operating system, device class and bot detection.

``classify`` is the one code path the collect endpoint and the CLI use. The families and versions
come from the ``user-agents`` package (ua-parser's regex table); bot detection combines three
signals, because user-agents' own ``is_bot`` only knows the crawlers in ua-parser's table and
misses about 40 % of the strings in public crawler lists:

1. user-agents' ``is_bot`` (ua-parser's "Spider" device family);
2. every regex of the ``crawler-user-agents`` list, compiled into one alternation;
3. a short hand list of generic signals (HTTP libraries, headless browsers, monitors, link
   preview fetchers, "bot"/"crawl"/"spider" words) and empty or very short strings.

The result is cached per (truncated) string: real traffic repeats a small set of user agents,
and a parse costs hundreds of microseconds while a cache hit costs about one.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

from user_agents import parse as _parse_user_agent
from user_agents.parsers import TABLET_DEVICE_FAMILIES, UserAgent

__all__ = ["DEVICES", "Client", "classify", "clear_cache", "is_bot", "matches_crawler_list"]

# Longer strings are cut before parsing and before the cache: nothing a browser sends needs more
# (in-app browsers reach about 400 characters), and a 16 KB header must not cost 16 KB of regex
# work nor pin 16 KB per entry in the cache.
MAX_LENGTH = 512
# Below this, a "user agent" is a placeholder ("-", "Mozilla", "test"), never a browser.
MIN_LENGTH = 10
DEVICES = frozenset({"desktop", "mobile", "tablet", "bot", "other"})
UNKNOWN = "Other"

# Patterns of the crawler list left out because they match real browsers. The false-positive test
# runs every pattern against tests/data/browser_user_agents.txt; list a pattern here, with the
# browser it hits, when that test fails after an update of the list. Empty for 1.67.0: no
# pattern matches any of the browser strings.
EXCLUDED_CRAWLER_PATTERNS: frozenset[str] = frozenset()

# Generic signals of software that is not a person's browser, matched against the lowered string.
# Checked before the crawler list, so the common scripted clients never reach the large regex.
# Words are bounded where a bare substring would hit real browsers or devices. Deliberately not
# "electron": desktop apps built on Electron are people.
_GENERIC_BOT = re.compile(
    r"""
    headlesschrome | phantomjs | slimerjs
    | python-requests | python-urllib | aiohttp | httpx | \bcurl/ | wget | go-http-client
    | \bjava/ | okhttp | node-fetch | axios | libwww-perl | scrapy | httrack
    | lighthouse | \bptst/                    # Lighthouse / PageSpeed Insights, WebPageTest
    | monitor | uptime | preview
    | facebookexternalhit | whatsapp | telegrambot
    # "bot" ends a word in googlebot, bingbot, slackbot, discordbot, robot; "cubot" is a phone
    # brand whose model names ("CUBOT P40") reach the string through WebView apps.
    | (?<!cu)bot\b
    | crawl | spider | slurp | fetch
    """,
    re.VERBOSE,
)
# Characters with a meaning in a regex: a pattern starting with one has no literal first char.
_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_QUANTIFIERS = frozenset("*+?{")
# How many leading literal characters are factored out of the crawler patterns (see _factor).
_FACTOR_DEPTH = 2


@dataclass(frozen=True)
class Client:
    """What a user-agent string says about the client that sent it."""

    browser: str
    browser_version: str
    os: str
    os_version: str
    device: str
    is_bot: bool


def _lower_pattern(pattern: str) -> str:
    """The pattern in lower case, escape sequences untouched (``\\S`` must not become ``\\s``)."""
    out: list[str] = []
    escaped = False
    for char in pattern:
        out.append(char if escaped else char.lower())
        escaped = not escaped and char == "\\"
    return "".join(out)


def _split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern: ``a|b(c|d)`` gives ``a`` and ``b(c|d)``."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _leading_literal(alternative: str) -> str | None:
    """The first character when it is a plain literal that is not quantified, else None."""
    if not alternative or alternative[0] in _SPECIAL:
        return None
    if len(alternative) > 1 and alternative[1] in _QUANTIFIERS:
        return None
    return alternative[0]


def _factor(alternatives: list[str], depth: int) -> str:
    """One alternation of ``alternatives`` with their leading literal characters factored out.

    sre tries every branch of an alternation at every position of the subject; with 1,500 flat
    branches a browser string that matches none costs ~350 µs. Grouped by first character
    (``g(?:ooglebot/|...)|b(?:ingbot|...)``) a position costs a few dozen one-character checks
    and the search about 17 µs. Alternatives without a literal first character stay flat.
    """
    if depth == 0:
        return "|".join(alternatives)
    groups: dict[str, list[str]] = {}
    flat: list[str] = []
    for alternative in alternatives:
        first = _leading_literal(alternative)
        if first is None:
            flat.append(f"(?:{alternative})")
        else:
            groups.setdefault(first, []).append(alternative[1:])
    branches = [
        f"{re.escape(first)}(?:{_factor(rests, depth - 1)})"
        for first, rests in sorted(groups.items())
    ]
    return "|".join(branches + flat)


def _compile_crawler_patterns() -> tuple[re.Pattern[str], int, int]:
    """The crawler list as one regex, with the number of patterns used and skipped."""
    data = json.loads(
        resources.files("crawleruseragents")
        .joinpath("crawler-user-agents.json")
        .read_text(encoding="utf-8")
    )
    alternatives: list[str] = []
    used = skipped = 0
    for entry in data:
        pattern = entry["pattern"]
        if pattern in EXCLUDED_CRAWLER_PATTERNS:
            continue
        lowered = _lower_pattern(pattern)
        try:
            compiled = re.compile(lowered)
        except re.error:
            # Written for another regex dialect (the list also serves JavaScript, PHP and Go).
            skipped += 1
            continue
        if compiled.groups and re.search(r"\\[1-9]|\(\?P[=<]", pattern):
            # Back references and named groups break once the patterns are concatenated.
            skipped += 1
            continue
        used += 1
        alternatives.extend(_split_alternatives(lowered))
    # Patterns and subject are lowered instead of compiling with re.IGNORECASE: sre gives up its
    # literal shortcuts under IGNORECASE and the search gets several times slower.
    return re.compile(_factor(alternatives, _FACTOR_DEPTH)), used, skipped


_CRAWLERS, CRAWLER_PATTERNS_USED, CRAWLER_PATTERNS_SKIPPED = _compile_crawler_patterns()


def matches_crawler_list(user_agent: str) -> bool:
    """Whether any pattern of the crawler list (minus the excluded) matches, ignoring case."""
    return _CRAWLERS.search(user_agent.lower()) is not None


def _version(parts: tuple[object, ...], length: int) -> str:
    """The first ``length`` components of a parsed version, joined with dots."""
    return ".".join(str(part) for part in parts[:length])


def _device(parsed: UserAgent, user_agent: str) -> str:
    """desktop, mobile, tablet or other for a client that is not a bot."""
    if parsed.os.family == "Android":
        # user-agents tells Android tablets by a missing "Mobile Safari", which misses Firefox's
        # own "Tablet" token ("Android 14; Tablet; rv:128.0") and browsers that put "Mobile"
        # elsewhere ("Mobile DuckDuckGo/5 Safari"); Chrome drops "Mobile" on tablets.
        tablet = (
            "Tablet" in user_agent
            or "Mobile" not in user_agent
            or parsed.device.family in TABLET_DEVICE_FAMILIES
        )
        return "tablet" if tablet else "mobile"
    if parsed.is_tablet:
        return "tablet"
    if parsed.is_mobile:
        return "mobile"
    if parsed.is_pc:
        return "desktop"
    return "other"


@functools.lru_cache(maxsize=4096)
def _classify(user_agent: str) -> Client:
    """classify() for a string already cut to MAX_LENGTH (so the cache key is the cut string)."""
    lowered = user_agent.lower()
    bot = (
        len(user_agent.strip()) < MIN_LENGTH
        or _GENERIC_BOT.search(lowered) is not None
        or _CRAWLERS.search(lowered) is not None
    )
    try:
        parsed = _parse_user_agent(user_agent)
        browser = parsed.browser.family or UNKNOWN
        browser_version = _version(parsed.browser.version, 1)
        os_family = parsed.os.family or UNKNOWN
        os_version = _version(parsed.os.version, 2)
        bot = bot or parsed.is_bot
        device = "bot" if bot else _device(parsed, user_agent)
    except Exception:
        # ua-parser's regex table changes with every release; a hostile or odd header must
        # never fail the collect endpoint, it only loses its browser and OS.
        browser, browser_version, os_family, os_version = UNKNOWN, "", UNKNOWN, ""
        device = "bot" if bot else "other"
    return Client(browser, browser_version, os_family, os_version, device, bot)


def classify(user_agent: str) -> Client:
    """Browser, OS, device class and bot verdict of a User-Agent header value."""
    return _classify(user_agent[:MAX_LENGTH])


def is_bot(user_agent: str) -> bool:
    """Whether the User-Agent belongs to a crawler, script, monitor or headless browser."""
    return classify(user_agent).is_bot


def clear_cache() -> None:
    """Empty the classification cache (benchmarks and tests)."""
    _classify.cache_clear()
