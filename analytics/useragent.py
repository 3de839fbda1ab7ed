"""User-agent classification: browser, operating system, device class and bot detection.

``classify`` is the one code path the collect endpoint, the CLI and newsletter tracking use.
Families and versions come from ua-parser's regex table (``ua-parser-builtins``), run by its
Rust engine (``ua-parser-rs``); the device class is ours (see ``_device``). Bot detection
combines sources kept by others, because each alone misses what the others know (``bench/bots.py``
measures each one held out in turn):

1. ``generic``: our own short list of signals that hold for whole classes of software (no
   ``Mozilla/`` prefix, HTTP libraries, headless browsers, health checks and monitors, scanners,
   "bot"/"crawl"/"spider" words, a ``+http://`` contact URL, ``${jndi:`` probes) and empty or
   very short strings; checked first, because it is cheap and catches most scripted clients;
2. ``crawler-user-agents``: every regex of the public crawler list, as one alternation;
3. ``matomo``: the bot list of Matomo's Device Detector (``regexes/upstream/bots.yml`` of the
   ``device-detector`` package), matched as Matomo matches it (after a non-word boundary);
4. ua-parser's own "Spider" device family, which the parse for the browser yields anyway.

No list ever sees an Android device's model and build (``_mask_device``): vendors name models
freely, and short list patterns ("Sonic", "Butterfly", a build number) dropped real phones.

The result is cached per (truncated) string: real traffic repeats a small set of user agents; an
uncached classification costs about 0.2 ms, a cache hit well under a microsecond.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

import yaml_rs
from ua_parser import BestAvailableResolver, Domain, PartialResult, load_lazy_builtins

__all__ = [
    "BOT_SOURCES",
    "DEVICES",
    "Client",
    "bot_detector",
    "classify",
    "clear_cache",
    "is_bot",
    "known_to_ua_parser",
    "matches_crawler_list",
    "matches_matomo_list",
]

# Longer strings are cut before parsing and before the cache: nothing a browser sends needs more
# (in-app browsers reach about 400 characters), and a 16 KB header must not cost 16 KB of regex
# work nor pin 16 KB per entry in the cache.
MAX_LENGTH = 512
# Below this, a "user agent" is a placeholder ("-", "Mozilla", "test"), never a browser.
MIN_LENGTH = 10
DEVICES = frozenset({"desktop", "mobile", "tablet", "bot", "other"})
UNKNOWN = "Other"
BOT_SOURCES = ("generic", "crawler-user-agents", "matomo")

# Patterns of the lists left out because they match real browsers. The false-positive tests run
# every pattern against the browser corpora in tests/data/; list a pattern here, with the browser
# it hits, when such a test fails after an update of a list. Patterns that only hit a phone's model
# or build number need no entry: the lists never see that part of the string (see _mask_device).
EXCLUDED_CRAWLER_PATTERNS: frozenset[str] = frozenset(
    {
        # Sogou's own browser says "SogouMobileBrowser"; its spiders say "spider", which the
        # generic signals and Matomo's list catch.
        "Sogou",
        # Fluid is a Mac browser that wraps one site ("Fluid/0.9.6 Safari/528.16").
        "Fluid",
    }
)
EXCLUDED_MATOMO_PATTERNS: frozenset[str] = frozenset()

# Generic signals of software that is not a person's browser, matched against the lowered string.
# Words are bounded where a bare substring would hit real browsers or devices. Deliberately not
# "electron": desktop apps built on Electron are people.
_GENERIC_BOT = re.compile(
    r"""
    headless | phantomjs | slimerjs | puppeteer | playwright | selenium | webdriver
    # HTTP libraries and command-line clients.
    | python-requests | python-urllib | \bpython/\d | aiohttp | httpx | \bcurl/ | wget
    | go-http-client | \bjava/ | okhttp | node-fetch | undici | axios | libwww-perl | \blwp:
    | guzzlehttp | apache-httpclient | apachebench | \bab/\d | scrapy | httrack | winhttp
    | restsharp | postmanruntime | insomnia/ | powershell | \bruby\b | \bphp/\d | \bperl/
    | http[_ -]?client | httpunit | jakarta | \bwininet | reqwest | \bdart:io | hackney
    | \bk6/ | \bjmeter | locust | \bwrk\b | gatling | siege/ | \bhey/ | vegeta
    # Health checks, monitors, speed and security tools.
    | health[_ -]?check | monitor | uptime | pingdom | statuscake | nagios | zabbix
    | check_http | route53 | lighthouse | \bptst/ | gtmetrix | pagespeed | nmap | nikto
    | sqlmap | masscan | zgrab | nuclei | wpscan | acunetix | netsparker | burp | qualys
    | \$\{jndi: | \$\{\$\{ | <script | \bunion\s+select
    # Link previews and feed readers fetch on a person's behalf but are not the person.
    | preview | facebookexternalhit | whatsapp | telegrambot | feed | \brss\b | podcast
    # "bot" ends a word in googlebot, bingbot, slackbot, discordbot, robot; "cubot" is a phone
    # brand whose model names ("CUBOT P40") reach the string through WebView apps.
    | (?<!cu)bot(?![a-z0-9]) | crawl | spider | slurp | fetch | scrap | \bscan | probe
    | archiv | validator | indexer | \+https?: | detector | synthetic | \bgoogle[-_] | \bseo\b
    | \baudit | sitemap | webcopy | webcopier | downloader | \btest(?:er|ing)?\b | [-_ ]agent\b
    | extractor | parser\b | lookup | checker | \bcheck\b | analy[sz]er | crawler
    # A domain as the product name ("seo4ajax.com", "Pixalate.com/1.0", "cyberscan.io").
    | [a-z0-9]\.(?:com|net|org|io|ru|info|ai|co)\b(?!\.)
    """,
    re.VERBOSE,
)
# Matomo matches each of its bot patterns only after such a boundary, so that "bot" inside a
# model name does not count; the same prefix keeps its patterns as precise here.
_MATOMO_BOUNDARY = r"(?:^|[^a-z0-9_-]|[^a-z0-9-]_|sprd-|mz-)"
# The model and build of an Android device: "(linux; android 12; 22111317g build/sp1a; wv)".
# Thousands of vendors name their models freely ("Panasonic P77", "HTC Butterfly", "CUBOT P50"),
# and the short, unanchored patterns of the lists ("Sonic", "Butterfly", a build number) hit them;
# no crawler announces itself there, so the lists and the generic words never see that part.
_ANDROID_DEVICE = re.compile(r"(android(?: [\d._]+)?)[^)]*\)")
# Characters with a meaning in a regex: a pattern starting with one has no literal first char.
_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_QUANTIFIERS = frozenset("*+?{")
# How many leading literal characters are factored out of the list patterns (see _factor).
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


def _bare_characters(pattern: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """(index, character) of each character of ``pattern`` from ``start`` that is neither
    escaped nor inside a character class: the ones that can open, close or split a group."""
    escaped = in_class = False
    for index in range(start, len(pattern)):
        char = pattern[index]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield index, char


def _split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern: ``a|b(c|d)`` gives ``a`` and ``b(c|d)``."""
    cuts = [-1]
    depth = 0
    for index, char in _bare_characters(pattern):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            cuts.append(index)
    cuts.append(len(pattern))
    return [pattern[start + 1 : end] for start, end in zip(cuts, cuts[1:], strict=False)]


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


def _split_lookbehinds(pattern: str) -> str:
    """``(?<!a|bc)`` as ``(?<!a)(?<!bc)``: Python's re wants each look-behind of one width.

    Matomo writes its patterns for PCRE, which accepts alternatives of different widths inside a
    look-behind; the rewrite means the same (and ``(?<=a|bc)`` becomes ``(?:(?<=a)|(?<=bc))``).
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith(("(?<!", "(?<="), i):
            kind = pattern[i : i + 4]
            depth, j = 1, len(pattern)  # j: just past the look-behind's closing parenthesis
            for index, char in _bare_characters(pattern, i + 4):
                if char == "(":
                    depth += 1
                elif char == ")":
                    depth -= 1
                    if depth == 0:
                        j = index + 1
                        break
            parts = _split_alternatives(pattern[i + 4 : j - 1])
            if kind == "(?<!":
                out.append("".join(f"(?<!{part})" for part in parts))
            else:
                out.append("(?:" + "|".join(f"(?<={part})" for part in parts) + ")")
            i = j
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _usable(pattern: str) -> str | None:
    """The lowered pattern when it compiles and survives concatenation, else None."""
    lowered = _split_lookbehinds(_lower_pattern(pattern))
    try:
        compiled = re.compile(lowered)
    except re.error:
        # Written for another regex dialect (the lists also serve JavaScript, PHP and Go).
        return None
    if compiled.groups and re.search(r"\\[1-9]|\(\?P[=<]", pattern):
        # Back references and named groups break once the patterns are concatenated.
        return None
    return lowered


def _compile_list(patterns: Iterable[str], excluded: frozenset[str]) -> tuple[str, int, int]:
    """One factored alternation of ``patterns``, with the number of patterns used and skipped."""
    alternatives: list[str] = []
    used = skipped = 0
    for pattern in patterns:
        if pattern in excluded:
            continue
        lowered = _usable(pattern)
        if lowered is None:
            skipped += 1
            continue
        used += 1
        alternatives.extend(_split_alternatives(lowered))
    # Patterns and subject are lowered instead of compiling with re.IGNORECASE: sre gives up its
    # literal shortcuts under IGNORECASE and the search gets several times slower.
    return _factor(alternatives, _FACTOR_DEPTH), used, skipped


def crawler_patterns() -> list[str]:
    """The regexes of the crawler-user-agents list, as the installed package ships them."""
    data = json.loads(
        resources.files("crawleruseragents")
        .joinpath("crawler-user-agents.json")
        .read_text(encoding="utf-8")
    )
    return [entry["pattern"] for entry in data]


def matomo_patterns() -> list[str]:
    """The bot regexes of Matomo's Device Detector, as the device-detector package ships them."""
    entries = yaml_rs.loads(
        resources.files("device_detector")
        .joinpath("regexes", "upstream", "bots.yml")
        .read_text(encoding="utf-8")
    )
    return [str(entry["regex"]) for entry in cast(list[dict[str, Any]], entries)]


_CRAWLER_SOURCE, CRAWLER_PATTERNS_USED, CRAWLER_PATTERNS_SKIPPED = _compile_list(
    crawler_patterns(), EXCLUDED_CRAWLER_PATTERNS
)
_MATOMO_SOURCE, MATOMO_PATTERNS_USED, MATOMO_PATTERNS_SKIPPED = _compile_list(
    matomo_patterns(), EXCLUDED_MATOMO_PATTERNS
)
_CRAWLERS = re.compile(_CRAWLER_SOURCE)
_MATOMO = re.compile(f"{_MATOMO_BOUNDARY}(?:{_MATOMO_SOURCE})")


def matches_crawler_list(user_agent: str) -> bool:
    """Whether any pattern of the crawler list (minus the excluded) matches, ignoring case."""
    return _CRAWLERS.search(user_agent.lower()) is not None


def matches_matomo_list(user_agent: str) -> bool:
    """Whether any pattern of Matomo's bot list (minus the excluded) matches, ignoring case."""
    return _MATOMO.search(user_agent.lower()) is not None


def _mask_device(lowered: str) -> str:
    """The lowered string with an Android device's model and build left out (_ANDROID_DEVICE)."""
    if "android" not in lowered:
        return lowered
    return _ANDROID_DEVICE.sub(r"\1)", lowered, count=1)


# Every browser that can run our tracker starts its string with "Mozilla/" (or, old Opera,
# "Opera/"). Without it, a string is a program's own name ("PostRank/2.0", "Jetty/9.3",
# "Amazon CloudFront"), unless it is one of the old phone browsers of before that custom, a
# browser that names itself so, Apple's CFNetwork fetching for Safari or an app, or an email
# client fetching newsletter images for a person (Outlook says "Microsoft Office/16.0").
_BROWSER_PREFIXES = ("mozilla/", "opera/", "opera ")
_NOT_MOZILLA_PEOPLE = re.compile(
    r"midp|cldc|up\.browser|ucweb|ucbrowser|dalvik|nokia|samsung|sonyericsson|blackberry|\blg-"
    r"|\bmot-|htc|android|iphone|ipad|symbian|series ?[46]0|windows (?:nt|ce|phone)|j2me"
    r"|microsoft office|outlook|obigo|netfront|teleca|openwave|\bdv\(|cfnetwork|mosaic"
    # Browsers of their own name: text browsers, Amiga, e-readers, game clients.
    r"|browser|\blinks\b|amiga|galaxyclient"
)


def _generic(lowered: str) -> bool:
    if len(lowered.strip()) < MIN_LENGTH:
        return True
    if not lowered.startswith(_BROWSER_PREFIXES) and not _NOT_MOZILLA_PEOPLE.search(lowered):
        return True
    return _GENERIC_BOT.search(lowered) is not None


def bot_detector(sources: Iterable[str] = BOT_SOURCES) -> Callable[[str], bool]:
    """A bot check on a lowered string from the named sources only (``BOT_SOURCES``).

    ``classify`` uses all of them; ``bench/bots.py`` builds one without each list in turn to
    measure recall on strings the detector was not built from.
    """
    checks: list[Callable[[str], object]] = []
    chosen = set(sources)
    if unknown := chosen - set(BOT_SOURCES):
        raise ValueError(f"unknown bot sources: {sorted(unknown)}")
    # Cheapest first: the generic list is short and catches most scripted clients, so they
    # never reach the two large alternations.
    if "generic" in chosen:
        checks.append(_generic)
    if "crawler-user-agents" in chosen:
        checks.append(_CRAWLERS.search)
    if "matomo" in chosen:
        checks.append(_MATOMO.search)

    def detect(lowered: str) -> bool:
        masked = _mask_device(lowered)
        return any(check(masked) for check in checks)

    return detect


_is_listed_bot = bot_detector()
# ua-parser's table (ua-parser-builtins) run by its Rust engine (ua-parser-rs) when installed:
# about 40 µs a string against about 900 µs for the pure-Python parser user-agents wraps. Our own
# lru cache sits in front, so no cache of ua-parser's own.
_PARSER = BestAvailableResolver(load_lazy_builtins())


def _is_spider(result: PartialResult) -> bool:
    """ua-parser's "Spider" device family: the crawlers its own table knows."""
    return result.device is not None and result.device.family == "Spider"


def known_to_ua_parser(user_agent: str) -> bool:
    """Whether ua-parser's own table calls the string a crawler (the fourth source)."""
    return _is_spider(_PARSER(user_agent[:MAX_LENGTH], Domain.DEVICE))


def _version(parts: Iterable[str | None], length: int) -> str:
    """The first ``length`` components of a parsed version, numbers without leading zeros."""
    present = [part for part in parts if part is not None][:length]
    return ".".join(str(int(part)) if part.isdigit() else part for part in present)


# Device rules. ua-parser names browsers, systems and device models but leaves the device class
# to the caller; these follow the user-agents package (which we used before, and whose families
# the tests pin) and correct it where measurement against the browser corpora showed it wrong.
_TABLET_FAMILIES = frozenset(
    {"iPad", "BlackBerry Playbook", "Blackberry Playbook", "Kindle", "Kindle Fire"}
    | {"Kindle Fire HD", "Galaxy Tab", "Xoom", "Dell Streak"}
)
_MOBILE_FAMILIES = frozenset(
    {"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone", "PlayStation Vita"}
    | {"iOS-Device"}
)
_MOBILE_OS = frozenset(
    {"Windows Phone", "Windows Phone OS", "Symbian OS", "Bada", "Windows CE", "Windows Mobile"}
    | {"Maemo", "BlackBerry OS", "KaiOS", "Tizen"}
)
_MOBILE_BROWSERS = frozenset(
    {"IE Mobile", "Opera Mobile", "Opera Mini", "Chrome Mobile", "Chrome Mobile iOS"}
    | {"Chrome Mobile WebView"}
)
# Android also runs on laptops, all-in-ones and Chromebooks ("Android 7.1.1; Vostro 3546",
# "Dell Chromebook 11"): no "Mobile" token there means a keyboard, not a tablet.
_LAPTOP = re.compile(
    r"chromebook|pixelbook|\bcros\b|vostro|inspiron|latitude|elitebook|probook|thinkpad"
    r"|ideapad|lifebook|travelmate|aspire|satellite|notebook|laptop|\baio\b|all-in-one"
)
# Tablet makers that keep Chrome's "Mobile" token often still name the tablet in the model
# ("Galaxy Tab", "SM-T510", "Lenovo TB-7703X", "Mi Pad 4", "MediaPad", "Wi-Fi" models).
_TABLET_MODEL = re.compile(
    r"android[^)]*(?:tab\b|\btab[ _-]?[a-z]?\d|pad\b|pad ?\d|\bsm-[tpx]\d|\btb-|wi-?fi\b"
    r"|\bmid\d|-mid|slidepad)"
)
# Desktop systems ua-parser does not flag as such (user-agents knew only Windows, Mac, Chrome OS
# and X11 Linux), and the words of televisions and consoles, which stay "other".
_DESKTOP = re.compile(
    r"windows|macintosh|mac_powerpc|\bx11\b|linux|bsd|os/2|beos|haiku|amiga|morphos|sunos"
    r"|solaris|openvms|\bunix"
)
_NOT_DESKTOP = re.compile(
    r"\btv\b|smart-?tv|hbbtv|playstation|xbox|nintendo|web0s|webos|netcast|crkey|roku|tizen"
    r"|appletv|bravia|viera|aquos|opera tv|\bstb\b|kindle|silk/"
)


def _device(result: PartialResult, user_agent: str, lowered: str) -> str:
    """desktop, mobile, tablet or other for a client that is not a bot."""
    os_family = result.os.family if result.os else ""
    device_family = result.device.family if result.device else ""
    browser_family = result.user_agent.family if result.user_agent else ""
    if "chromebook" in lowered or os_family == "Chrome OS":
        return "desktop"
    if os_family == "Android" or "android" in lowered:
        if "tablet" in lowered:
            return "tablet"
        if _LAPTOP.search(lowered):
            return "desktop"
        # No "Mobile" on Android is the standard tablet signal (Chrome drops it on tablets);
        # Firefox says "Tablet" instead. Apps fetching through Dalvik never say "Mobile" and
        # run on phones far more often than on tablets.
        tablet = (
            device_family in _TABLET_FAMILIES
            or _TABLET_MODEL.search(lowered) is not None
            or ("mobile" not in lowered and not lowered.startswith("dalvik/"))
        )
        return "tablet" if tablet else "mobile"
    if device_family in _TABLET_FAMILIES:
        return "tablet"
    if os_family == "Windows" and result.os.major == "RT":  # type: ignore[union-attr]
        return "tablet"
    if (
        device_family in _MOBILE_FAMILIES
        or browser_family in _MOBILE_BROWSERS
        or os_family in _MOBILE_OS
        or "iphone" in lowered
        or "midp" in lowered
        or "j2me" in lowered
    ):
        return "mobile"
    if os_family == "Mac OS X" and "Silk" not in user_agent:
        return "desktop"
    if re.search(r"\bmobile\b", lowered):
        return "mobile"
    if _DESKTOP.search(lowered) and not _NOT_DESKTOP.search(lowered):
        return "desktop"
    return "other"


@functools.lru_cache(maxsize=4096)
def _classify(user_agent: str) -> Client:
    """classify() for a string already cut to MAX_LENGTH (so the cache key is the cut string)."""
    lowered = user_agent.lower()
    bot = _is_listed_bot(lowered)
    try:
        result = _PARSER(user_agent, Domain.ALL)
        agent, system = result.user_agent, result.os
        browser = (agent.family if agent else None) or UNKNOWN
        browser_version = _version((agent.major,), 1) if agent else ""
        os_family = (system.family if system else None) or UNKNOWN
        os_version = _version((system.major, system.minor), 2) if system else ""
        bot = bot or _is_spider(result)
        device = "bot" if bot else _device(result, user_agent, lowered)
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
