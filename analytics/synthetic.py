"""Synthetic traffic with the shape of real traffic, for the demo, the benchmarks and the tests.

``winlas analytics generate``, ``winlas demo-data``, ``make bench`` and the tests all take their
events from here. The output is spooled lines exactly as the collector writes them (one line
per visit, see ``collector.collect``), stored through ``store.write_lines``. Deterministic: the
same ``events``, ``days``, ``seed`` and ``now_ms`` give the same lines, ids included.

The shape, and why (an even spread would show a marketer a flat, fake dashboard and give the
benchmarks a distribution real traffic never has):

- page popularity falls off like a Zipf law (weight 1/rank^1.2): a few pages take most views;
- browsers, systems, devices and screens follow Swedish shares (``*_CLIENTS``, ``*_SCREENS``);
  desktop dominates in office hours, phones in the evening and at the weekend;
- a third of new visitors are regulars (customers' librarians) who come back again and again,
  so unique visitors are well below visits;
- weekdays and office hours (local Swedish time) are busy, nights, weekends, July and the
  Christmas week quiet: the audience is librarians at work;
- each campaign and referrer has its own landing page, bounce rate and conversion rates; the
  newsletter goes out every other Tuesday morning and its traffic fades over two days;
- engaged time per page is log-normal around a median that depends on the kind of page;
- conversions (``analytics.conversions.CONVERSIONS``) are recorded the way the site records
  them: the form page, an event of type ``conversion`` named after the form at the form's
  address, then the thank-you page, all in the visit the campaign started.

About 10-15 µs per event (one pass, choices from precomputed cumulative weights, lines handed
out in batches instead of one big list): storing them is the slow part of ``generate``.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from . import clock
from .line import Agent, Geo, RequestLine, SpoolEvent
from .store import write_lines

LOCAL = ZoneInfo("Europe/Stockholm")
HOUR_MS = 3600 * 1000
T = TypeVar("T")
ZIPF_EXPONENT = 1.2


class Choice(Generic[T]):
    """Weighted random choice from a fixed table by bisection on cumulative weights
    (``random.choices`` rebuilds them on every call)."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, pairs: Sequence[tuple[T, float]]):
        self.items = [item for item, _weight in pairs]
        self.cumulative = list(itertools.accumulate(weight for _item, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def zipf(items: Sequence[str], exponent: float = ZIPF_EXPONENT) -> Choice[str]:
    """``items`` in order of popularity, the n-th weighted 1/n^exponent."""
    return Choice([(item, 1 / (rank**exponent)) for rank, item in enumerate(items, 1)])


# ----------------------------------------------------------------------------- the site

# the public pages of the WinLas site (the demo content's slugs), most visited first; only
# public pages carry the tracker, so customer, account and login pages never appear
PAGES = (
    "/",
    "/produkter/winlas-bibliotek",
    "/utbildningar",
    "/produkter",
    "/nyheter",
    "/produkter/winlas-skola",
    "/kontakt",
    "/produkter/winlas-webbkatalog",
    "/utbildningar/grundkurs-winlas-bibliotek",
    "/nyheter/hur-lange-far-biblioteket-spara-lanehistorik",
    "/om-oss",
    "/produkter/winlas-app",
    "/utbildningar/anvandardagar-2027",
    "/produkter/winlas-sjalvservice",
    "/nyheter/meroppet-bibliotek-kom-igang",
    "/produkter/winlas-statistik",
    "/utbildningar/katalogisering-marc21",
    "/kontakt/visning",
    "/nyheter/elevimport-direkt-via-ss-12000",
    "/utbildningar/winlas-skola-for-skolbibliotekarier",
    "/kontakt/offert",
    "/nyheter/anvandardagarna-2026",
    "/utbildningar/statistik-och-rapporter",
    "/nyheter/webbinarium-tillganglig-webbkatalog",
    "/kontakt/fraga",
    "/nyheter/webbinarium-fjarrlan-libris",
    "/nyheter/releaseinformation-pa-kundsidorna",
    "/utbildningar/frukostwebbinarium-nyheter-hosten-2027",
    "/nyhetsbrev",
    "/tillganglighet",
    "/integritetspolicy",
    "/cookies",
    "/underbitraden",
)
NEXT_PAGE = zipf(PAGES)
# what people land on from a search engine: content pages, not the form pages
SEARCH_LANDING = zipf([p for p in PAGES if p.count("/") == 2 and not p.startswith("/kontakt")])
DIRECT_LANDING = Choice([("/", 60), ("/produkter", 8), ("/utbildningar", 12), ("/nyheter", 10)])
NEWS = [p for p in PAGES if p.startswith("/nyheter/")]
COURSES = [p for p in PAGES if p.startswith("/utbildningar/")]
# median engaged seconds on a page, by the start of its path
DWELL_SECONDS = (
    ("/nyheter/", 70),
    ("/produkter/", 45),
    ("/utbildningar/", 40),
    ("/kontakt/", 90),
)
# a conversion: the form's page, which is also its address when it is sent (the conversion
# event's path, ``request.path``), and the page it leads to; a course sign-up's form is per
# course session (a stand-in session id)
FORMS = {
    "contact": ("/kontakt/fraga", "/kontakt/tack"),
    "quote": ("/kontakt/offert", "/kontakt/tack"),
    "demo": ("/kontakt/visning", "/kontakt/tack"),
    "newsletter": ("/nyhetsbrev", "/nyhetsbrev/tack"),
}
# clicks that do not lead to a page of the site: downloads and outbound links
OTHER_CLICKS = Choice(
    [
        (("produktblad", "/static/dokument/winlas-bibliotek-produktblad.pdf"), 5),
        (("produktblad", "/static/dokument/winlas-skola-produktblad.pdf"), 3),
        (("kursprogram", "/static/dokument/kursprogram-2027.pdf"), 2),
        (("libris", "libris.kb.se/"), 2),
        (("linkedin", "www.linkedin.com/company/winlas"), 1),
        (("telefon", "tel:"), 1),
        (("e-post", "mailto:"), 1),
    ]
)


@dataclass(frozen=True)
class Source:
    """Where a visit comes from, what it lands on and how it behaves."""

    kind: str  # the collector's referrer class: direct, search, social, referral, campaign
    host: str
    landing: Callable[[random.Random], str]
    bounce: float
    conversions: tuple[tuple[str, float], ...]  # (conversion, share of visits) in turn
    utm: dict[str, str] | None = None


def _fixed(path: str) -> Callable[[random.Random], str]:
    return lambda rng: path


ORGANIC = (("contact", 0.008), ("demo", 0.005), ("quote", 0.003), ("course", 0.005))
# visits that carry no campaign, by share (a typical B2B mix: search first, then bookmarks)
SOURCES = Choice(
    [
        (Source("direct", "", DIRECT_LANDING.pick, 0.42, (*ORGANIC, ("newsletter", 0.004))), 30),
        (Source("search", "google.com", SEARCH_LANDING.pick, 0.55, ORGANIC), 40),
        (Source("search", "bing.com", SEARCH_LANDING.pick, 0.55, ORGANIC), 4),
        (Source("search", "duckduckgo.com", SEARCH_LANDING.pick, 0.5, ORGANIC), 1.5),
        (Source("social", "linkedin.com", lambda r: r.choice(NEWS), 0.66, ORGANIC[:1]), 3),
        (Source("social", "facebook.com", lambda r: r.choice(NEWS), 0.72, ()), 1.5),
        (
            Source(
                "referral",
                "skolverket.se",
                _fixed("/produkter/winlas-skola"),
                0.38,
                (("demo", 0.02), ("contact", 0.01)),
            ),
            2,
        ),
        (
            Source(
                "referral",
                "kb.se",
                _fixed("/nyheter/webbinarium-fjarrlan-libris"),
                0.45,
                (("course", 0.015),),
            ),
            1.5,
        ),
        (
            Source(
                "referral",
                "biblioteksforeningen.se",
                _fixed("/utbildningar/anvandardagar-2027"),
                0.4,
                (("course", 0.06),),
            ),
            1,
        ),
    ]
)


def _campaign(
    source: str, medium: str, name: str, host: str, landing: str, bounce: float, conv: Any
) -> Source:
    utm = {"utm_source": source, "utm_medium": medium, "utm_campaign": name}
    return Source("campaign", host, _fixed(landing), bounce, conv, utm)


# paid and social campaigns: their own landing page, bounce rate and conversions (shares of
# the visits that did not bounce: a campaign's landing page is made to be asked from, so about
# 3-4 % of all its visits send a form)
CAMPAIGNS = Choice(
    [
        (
            _campaign(
                "google",
                "cpc",
                "bibliotekssystem",
                "google.com",
                "/produkter/winlas-bibliotek",
                0.48,
                (("demo", 0.08), ("quote", 0.04)),
            ),
            5,
        ),
        (
            _campaign(
                "linkedin",
                "paid-social",
                "anvandardagar-2027",
                "linkedin.com",
                "/utbildningar/anvandardagar-2027",
                0.62,
                (("course", 0.05),),
            ),
            3,
        ),
        (
            _campaign(
                "facebook",
                "social",
                "skolbibliotek-host",
                "facebook.com",
                "/produkter/winlas-skola",
                0.72,
                # the autumn campaign for school libraries: few stay, those who do ask for a demo
                (("demo", 0.09), ("quote", 0.03), ("contact", 0.03)),
            ),
            2,
        ),
    ]
)
CAMPAIGN_SHARE = 0.1  # of visits outside the newsletter's days
NEWSLETTER_EVERY_DAYS = 14  # sent every other Tuesday at 08:00 Swedish time
NEWSLETTER_PEAK = 1.5  # extra visits per ordinary one just after the send
NEWSLETTER_FADE_HOURS = 10.0
NEWSLETTER_CONVERSIONS = (("course", 0.04), ("newsletter", 0.0), ("contact", 0.006))

# ----------------------------------------------------------------------------- the visitors

# Shares approximate StatCounter Global Stats for Sweden (gs.statcounter.com, November 2024:
# browser, OS and screen resolution market share per platform), rounded; the device split is
# weighted for an office audience (``OFFICE_DEVICES``, ``SPARE_TIME_DEVICES``). Values are
# what the collector stores: [browser, version, os, os version, device] as
# ``useragent.classify`` names them.
DESKTOP_CLIENTS = Choice(
    [
        (("Chrome", "131", "Windows", "10", "desktop"), 41),
        (("Edge", "131", "Windows", "10", "desktop"), 18),
        (("Safari", "18", "Mac OS X", "10.15.7", "desktop"), 12),
        (("Chrome", "131", "Mac OS X", "10.15.7", "desktop"), 8),
        (("Firefox", "133", "Windows", "10", "desktop"), 7),
        (("Firefox", "133", "Linux", "", "desktop"), 2),
        (("Chrome", "131", "Linux", "", "desktop"), 2),
        (("Chrome", "131", "Chrome OS", "14541", "desktop"), 3),
        (("Opera", "115", "Windows", "10", "desktop"), 2),
        (("Chrome", "109", "Windows", "7", "desktop"), 1),
    ]
)
MOBILE_CLIENTS = Choice(
    [
        (("Mobile Safari", "18", "iOS", "18.1", "mobile"), 38),
        (("Mobile Safari", "17", "iOS", "17.6", "mobile"), 9),
        (("Chrome Mobile iOS", "131", "iOS", "18.1", "mobile"), 6),
        (("Chrome Mobile", "131", "Android", "14", "mobile"), 28),
        (("Chrome Mobile", "131", "Android", "13", "mobile"), 8),
        (("Samsung Internet", "26", "Android", "14", "mobile"), 8),
        (("Firefox Mobile", "133", "Android", "14", "mobile"), 1.5),
        (("Edge Mobile", "131", "Android", "14", "mobile"), 1.5),
    ]
)
TABLET_CLIENTS = Choice(
    [
        (("Mobile Safari", "18", "iOS", "18.1", "tablet"), 62),
        (("Chrome", "131", "Android", "14", "tablet"), 24),
        (("Samsung Internet", "26", "Android", "14", "tablet"), 14),
    ]
)
DESKTOP_SCREENS = Choice(
    [
        ("1920x1080", 28),
        ("1536x864", 10),
        ("2560x1440", 9),
        ("1440x900", 6),
        ("1366x768", 5),
        ("1512x982", 4),
        ("1280x720", 4),
        ("1680x1050", 3),
        ("1600x900", 3),
        ("1280x800", 3),
        ("3440x1440", 2),
        ("2560x1600", 2),
        ("1728x1117", 2),
        ("3840x2160", 2),
    ]
)
MOBILE_SCREENS = Choice(
    [
        ("390x844", 15),
        ("393x852", 12),
        ("412x915", 10),
        ("430x932", 8),
        ("360x800", 7),
        ("414x896", 6),
        ("375x812", 5),
        ("428x926", 5),
        ("384x832", 4),
        ("375x667", 4),
        ("412x892", 3),
    ]
)
TABLET_SCREENS = Choice(
    [
        ("810x1080", 25),
        ("820x1180", 20),
        ("768x1024", 18),
        ("800x1280", 10),
        ("834x1194", 9),
        ("1024x1366", 8),
        ("1280x800", 5),
    ]
)
DEVICES = {
    "desktop": (DESKTOP_CLIENTS, DESKTOP_SCREENS),
    "mobile": (MOBILE_CLIENTS, MOBILE_SCREENS),
    "tablet": (TABLET_CLIENTS, TABLET_SCREENS),
}
# at work librarians use their desktop; in the evening and at the weekend the phone
OFFICE_DEVICES = Choice([("desktop", 78), ("mobile", 19), ("tablet", 3)])
SPARE_TIME_DEVICES = Choice([("desktop", 38), ("mobile", 55), ("tablet", 7)])
# [country, region, city] as the GeoIP lookup gives them, weighted roughly by population;
# municipalities all over Sweden run libraries, a few visitors come from the neighbours
PLACES = Choice(
    [
        (("SE", "AB", "Stockholm"), 22),
        (("SE", "O", "Göteborg"), 10),
        (("SE", "M", "Malmö"), 7),
        (("SE", "C", "Uppsala"), 4),
        (("SE", "E", "Linköping"), 3),
        (("SE", "T", "Örebro"), 3),
        (("SE", "U", "Västerås"), 3),
        (("SE", "M", "Helsingborg"), 2.5),
        (("SE", "F", "Jönköping"), 2.5),
        (("SE", "E", "Norrköping"), 2.5),
        (("SE", "M", "Lund"), 2.5),
        (("SE", "AC", "Umeå"), 2.5),
        (("SE", "X", "Gävle"), 2),
        (("SE", "O", "Borås"), 2),
        (("SE", "S", "Karlstad"), 2),
        (("SE", "Y", "Sundsvall"), 1.8),
        (("SE", "BD", "Luleå"), 1.5),
        (("SE", "G", "Växjö"), 1.5),
        (("SE", "N", "Halmstad"), 1.5),
        (("SE", "D", "Eskilstuna"), 1.5),
        (("SE", "H", "Kalmar"), 1.3),
        (("SE", "W", "Falun"), 1.2),
        (("SE", "Z", "Östersund"), 1.1),
        (("SE", "K", "Karlskrona"), 1),
        (("SE", "I", "Visby"), 0.6),
        (("SE", "BD", "Kiruna"), 0.4),
        (("SE", "", ""), 4),  # the location database knows only the country
        (("FI", "18", "Helsinki"), 1.2),
        (("FI", "01", "Mariehamn"), 0.4),
        (("NO", "03", "Oslo"), 1.2),
        (("DK", "84", "Copenhagen"), 0.6),
        (("DE", "BE", "Berlin"), 0.3),
    ]
)
LANGUAGES = {
    "SE": Choice([("sv-SE", 88), ("sv", 4), ("en-GB", 4), ("en-US", 4)]),
    "FI": Choice([("fi-FI", 60), ("sv-FI", 40)]),
    "NO": Choice([("nb-NO", 100)]),
    "DK": Choice([("da-DK", 100)]),
    "DE": Choice([("de-DE", 100)]),
}
ZONES = {
    "SE": "Europe/Stockholm",
    "FI": "Europe/Helsinki",
    "NO": "Europe/Oslo",
    "DK": "Europe/Copenhagen",
    "DE": "Europe/Berlin",
}
NETWORKS = ("192.0.2.0", "198.51.100.0", "203.0.113.0")  # documentation ranges, anonymised
REGULAR_SHARE = 0.3  # of new visitors who come back again and again
RETURNING_SHARE = 0.42  # of visits made by a regular
PROFILING_SHARE = 0.35  # of visitors who also allowed marketing (interest profiles)

# ----------------------------------------------------------------------------- the rhythm

WEEKDAY = (1.0, 1.05, 1.0, 0.95, 0.75, 0.22, 0.28)  # Monday first
WORKDAY_HOURS = (
    *(0.03, 0.02, 0.02, 0.02, 0.03, 0.06, 0.15, 0.45),  # 00-07
    *(0.9, 1.0, 1.0, 0.9, 0.6, 0.9, 0.95, 0.8),  # 08-15
    *(0.5, 0.3, 0.25, 0.27, 0.3, 0.25, 0.15, 0.07),  # 16-23
)
WEEKEND_HOURS = (
    *(0.05, 0.03, 0.02, 0.02, 0.02, 0.03, 0.05, 0.15),
    *(0.35, 0.6, 0.8, 0.85, 0.8, 0.8, 0.75, 0.7),
    *(0.7, 0.7, 0.75, 0.8, 0.8, 0.65, 0.4, 0.15),
)


def _season(day: datetime.date) -> float:
    """Swedish holidays: libraries run on summer staff in July, and close over Christmas."""
    if day.month == 7 or (day.month == 12 and day.day >= 23) or (day.month == 1 and day.day <= 6):
        return 0.35
    if (day.month == 6 and day.day >= 20) or (day.month == 8 and day.day <= 10):
        return 0.6
    return 1.0


@dataclass
class Hour:
    start_ms: int
    end_ms: int
    weight: float
    office: bool  # a weekday's working hours, local time
    newsletter: float  # extra newsletter visits per ordinary visit
    newsletter_name: str
    newsletter_landing: str


def _newsletters(first_ms: int, last_ms: int) -> list[tuple[int, datetime.date]]:
    """Send moments (every other Tuesday, 08:00 Swedish time) from a fixed Tuesday, so the
    same calendar days are send days whatever the window."""
    epoch = datetime.date(2024, 1, 2)  # a Tuesday
    first = datetime.datetime.fromtimestamp(first_ms / 1000, LOCAL).date()
    day = first - datetime.timedelta(days=(first - epoch).days % NEWSLETTER_EVERY_DAYS)
    day -= datetime.timedelta(days=NEWSLETTER_EVERY_DAYS)  # the one fading into the window
    sends: list[tuple[int, datetime.date]] = []
    while True:
        moment = datetime.datetime.combine(day, datetime.time(8), LOCAL)
        ms = int(moment.timestamp() * 1000)
        if ms > last_ms:
            return sends
        sends.append((ms, day))
        day += datetime.timedelta(days=NEWSLETTER_EVERY_DAYS)


def hours(days: int, now_ms: int) -> list[Hour]:
    """Every hour of the window, oldest first, with its share of the traffic."""
    first = now_ms - days * 24 * HOUR_MS
    sends = _newsletters(first, now_ms)
    result = []
    start = first - first % HOUR_MS
    while start < now_ms:
        local = datetime.datetime.fromtimestamp(start / 1000, LOCAL)
        weekday = local.weekday()
        profile = WORKDAY_HOURS if weekday < 5 else WEEKEND_HOURS
        weight = WEEKDAY[weekday] * profile[local.hour] * _season(local.date())
        boost, name, landing = 0.0, "", ""
        for sent, day in sends:
            since = (start - sent) / HOUR_MS
            if 0 <= since < 72:
                boost = NEWSLETTER_PEAK * math.exp(-since / NEWSLETTER_FADE_HOURS)
                name = f"nyhetsbrev-{day:%Y-%m-%d}"
                # each issue leads with another article
                landing = NEWS[(day.toordinal() // NEWSLETTER_EVERY_DAYS) % len(NEWS)]
        low, high = max(start, first), min(start + HOUR_MS, now_ms)
        share = (high - low) / HOUR_MS
        result.append(
            Hour(
                low,
                high,
                weight * (1 + boost) * share,
                weekday < 5 and 8 <= local.hour < 17,
                boost,
                name,
                landing,
            )
        )
        start += HOUR_MS
    return result


# ----------------------------------------------------------------------------- the visits


def _uuid(rng: random.Random) -> str:
    # formatted by hand: a uuid.UUID per event was a third of the generator's time
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _new_visitor(rng: random.Random, office: bool) -> tuple[Any, ...]:
    device = (OFFICE_DEVICES if office else SPARE_TIME_DEVICES).pick(rng)
    clients, screens = DEVICES[device]
    place = PLACES.pick(rng)
    country = place[0]
    return (
        uuid.UUID(int=rng.getrandbits(128)).hex,
        list(clients.pick(rng)),
        screens.pick(rng),
        list(place),
        rng.choice(NETWORKS),
        LANGUAGES[country].pick(rng),
        ZONES[country],
        rng.random() < PROFILING_SHARE,
    )


def _dwell_ms(rng: random.Random, path: str) -> int:
    median = 15
    for prefix, seconds in DWELL_SECONDS:
        if path.startswith(prefix):
            median = seconds
            break
    # log-normal: most people glance, a few read for minutes; capped at half an hour
    return int(min(rng.lognormvariate(math.log(median), 0.9), 1800) * 1000)


def _source(rng: random.Random, hour: Hour, returning: bool) -> Source:
    if hour.newsletter and rng.random() < hour.newsletter / (1 + hour.newsletter):
        return Source(
            "campaign",
            "",  # a mail client sends no referrer
            _fixed(hour.newsletter_landing),
            0.4,
            NEWSLETTER_CONVERSIONS,
            {
                "utm_source": "nyhetsbrev",
                "utm_medium": "email",
                "utm_campaign": hour.newsletter_name,
            },
        )
    if rng.random() < CAMPAIGN_SHARE:
        return CAMPAIGNS.pick(rng)
    if returning and rng.random() < 0.4:
        return SOURCES.items[0]  # regulars come back by bookmark or by typing the address
    return SOURCES.pick(rng)


def _conversion(rng: random.Random, source: Source, returning: bool) -> str | None:
    draw = rng.random() / (1.5 if returning else 1.0)  # regulars convert more readily
    for name, share in source.conversions:
        if draw < share:
            return name
        draw -= share
    return None


def _visit(
    rng: random.Random, visitor: tuple[Any, ...], start: int, source: Source, returning: bool
) -> list[SpoolEvent]:
    """The events of one visit, oldest first."""
    screen, lang, tz = visitor[2], visitor[5], visitor[6]
    landing = source.landing(rng)
    bounce = rng.random() < source.bounce * (0.75 if returning else 1.0)
    converts = None if bounce else _conversion(rng, source, returning)
    pages = [landing]
    if not bounce:
        # 1 + geometric: most visits read two to four pages, a few many more
        while len(pages) < 25:
            pages.append(NEXT_PAGE.pick(rng))
            if rng.random() < 0.4:
                break
    form = None
    if converts is not None:
        if converts == "course":
            course = landing if landing in COURSES else rng.choice(COURSES)
            number = 1 + COURSES.index(course)
            form = (f"{course}/anmalan/{number}", f"{course}/anmalan/tack")
            pages.append(course)
        else:
            form = FORMS[converts]
        pages.append(form[0])
    events: list[SpoolEvent] = []
    ts = start
    for index, path in enumerate(pages):
        event: SpoolEvent = {"id": _uuid(rng), "type": "pageview", "ts": ts, "path": path}
        if index == 0:
            event["ref"] = [source.kind, source.host]
            if source.utm:
                event["utm"] = source.utm
        else:
            event["ref"] = ["internal", ""]
        event["screen"], event["tz"], event["lang"] = screen, tz, lang
        events.append(event)
        dwell = _dwell_ms(rng, path)
        if not bounce and rng.random() < 0.25:
            name, target = OTHER_CLICKS.pick(rng)
            events.append(
                {
                    "id": _uuid(rng),
                    "type": "click",
                    "ts": ts + dwell // 2,
                    "path": path,
                    "target": target,
                    "name": name,
                }
            )
        ts += dwell
        # engaged time is sent when the page is left (a little less than the time on it)
        engaged = int(dwell * (0.6 + 0.4 * rng.random()))
        events.append(
            {"id": _uuid(rng), "type": "engagement", "ts": ts, "path": path, "ms": engaged}
        )
        ts += rng.randint(300, 2500)
    if form is not None:
        events.append(
            {
                "id": _uuid(rng),
                "type": "conversion",
                "ts": ts,
                "path": form[0],
                "name": converts or "",
            }
        )
        ts += rng.randint(300, 1500)
        events.append(
            {
                "id": _uuid(rng),
                "type": "pageview",
                "ts": ts,
                "path": form[1],
                "ref": ["internal", ""],
                "screen": screen,
                "tz": tz,
                "lang": lang,
            }
        )
    return events


def lines(
    events: int, days: int, seed: int = 1, now_ms: int | None = None
) -> Iterator[dict[str, Any]]:
    """Spooled lines (one per visit) holding exactly ``events`` events over the last ``days``
    days before ``now_ms`` (default: the clock), oldest visit first, as the collector writes
    them. The order matters: the store opens visits by time, per visitor."""
    if events < 0 or days < 1:
        raise ValueError("events must be >= 0 and days >= 1")
    rng = random.Random(seed)
    now_ms = clock.now_ms() if now_ms is None else now_ms
    window = hours(days, now_ms)
    total_weight = sum(hour.weight for hour in window) or 1.0
    regulars: list[tuple[Any, ...]] = []
    made, cumulative = 0, 0.0
    for hour in window:
        cumulative += hour.weight
        budget = round(cumulative / total_weight * events) - made
        visits, new_regulars = [], []
        while budget > 0:
            start = rng.randrange(hour.start_ms, hour.end_ms)
            returning = bool(regulars) and rng.random() < RETURNING_SHARE
            if returning:
                visitor = regulars[rng.randrange(len(regulars))]
            else:
                visitor = _new_visitor(rng, hour.office)
                if rng.random() < REGULAR_SHARE:
                    new_regulars.append(visitor)
            source = _source(rng, hour, returning)
            items = [e for e in _visit(rng, visitor, start, source, returning) if e["ts"] <= now_ms]
            items = items[:budget]
            if not items:
                continue
            budget -= len(items)
            visits.append((start, visitor, items))
        # the regulars of this hour come back from the next hour on: every visit of a visitor
        # then starts after the one before, as the store expects
        regulars.extend(new_regulars)
        visits.sort(key=lambda visit: visit[0])
        for _start, visitor, items in visits:
            made += len(items)
            yield RequestLine(
                items[-1]["ts"],
                visitor[0],
                None,
                visitor[4],
                Geo(*visitor[3]),
                Agent(*visitor[1]),
                items,
                profiling=bool(visitor[7]),
            ).to_dict()


def batches(
    events: int, days: int, seed: int = 1, now_ms: int | None = None, size: int = 500
) -> Iterator[list[dict[str, Any]]]:
    """``lines`` in lists of ``size`` lines: what ``store.write_lines`` takes at a time."""
    stream = lines(events, days, seed, now_ms)
    while batch := list(itertools.islice(stream, size)):
        yield batch


def synthetic_lines(
    events: int, days: int, seed: int = 1, now_ms: int | None = None
) -> list[dict[str, Any]]:
    """All of ``lines`` in one list (for tests and small amounts)."""
    return list(lines(events, days, seed, now_ms))


def write(
    events: int,
    days: int,
    seed: int = 1,
    now_ms: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Generate and store through ``store.write_lines``; returns the events stored.

    ``progress(done, total)`` is called after each batch with the events generated so far."""
    stored = done = 0
    for batch in batches(events, days, seed, now_ms):
        stored += write_lines(batch)
        done += sum(len(line["events"]) for line in batch)
        if progress is not None:
            progress(done, events)
    return stored
