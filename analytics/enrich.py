"""Pure enrichment of a page view: anonymised IP, referrer class, scrubbed page path and UTM tags.

Nothing here touches Flask or the database, and nothing raises on hostile input: every function
gets data straight from a visitor's request, so a garbage value degrades to the "unknown" answer
("", "direct", "/") instead of an error. What leaves this module never holds more personal data
than the analytics need: a network instead of an address, a referrer host instead of its URL, a
page path with email addresses and tokens masked.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import parse_qsl, quote, unquote, urlsplit

__all__ = [
    "MAX_PATH_LENGTH",
    "REFERRER_SOURCES",
    "SOURCES",
    "UTM_KEYS",
    "anonymise_ip",
    "classify_referrer",
    "scrub_label",
    "scrub_target",
    "scrub_url",
    "site_host_of",
]

SOURCES = ("campaign", "direct", "internal", "search", "social", "referral")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_PATH_LENGTH = 512
MAX_UTM_LENGTH = 100
# Browsers cut the Referer header at 4096 characters; anything longer was not sent by one.
MAX_REFERRER_LENGTH = 4096
# A click's name is a label for a report, not the element's whole text.
MAX_LABEL_LENGTH = 80
# Event.target holds at most this much: an outbound host (200) plus a path must still fit.
MAX_TARGET_LENGTH = 512
# Far beyond any real page URL; parsing more would only spend CPU on an attacker's input.
MAX_URL_LENGTH = 64 * 1024

# Host (without "www.") -> source. A parent domain covers its subdomains (m.facebook.com,
# se.search.yahoo.com); the most specific entry wins, which is how mail.google.com stays a
# referral while google.com is a search engine. "name.*" means that name under any country or
# generic top-level domain: google.se, google.co.uk, google.com.au, pinterest.de.
REFERRER_SOURCES: Mapping[str, str] = MappingProxyType(
    {
        # search engines
        "google.*": "search",
        "bing.com": "search",
        "duckduckgo.com": "search",
        "yahoo.*": "search",
        "ecosia.org": "search",
        "yandex.*": "search",
        "ya.ru": "search",
        "baidu.com": "search",
        "qwant.com": "search",
        "startpage.com": "search",
        "search.brave.com": "search",
        "kagi.com": "search",
        # web mail and office suites of the search companies are not searches
        "mail.google.com": "referral",
        "docs.google.com": "referral",
        "drive.google.com": "referral",
        "sites.google.com": "referral",
        "groups.google.com": "referral",
        "classroom.google.com": "referral",
        "mail.yahoo.com": "referral",
        "mail.yandex.ru": "referral",
        # social networks
        "facebook.com": "social",
        "fb.me": "social",
        "instagram.com": "social",
        "linkedin.com": "social",
        "lnkd.in": "social",
        "t.co": "social",
        "twitter.com": "social",
        "x.com": "social",
        "youtube.com": "social",
        "youtu.be": "social",
        "reddit.com": "social",
        "pinterest.*": "social",
        "pin.it": "social",
        "tiktok.com": "social",
        "threads.net": "social",
        "bsky.app": "social",
    }
)

# What may follow "name." for a "name.*" entry: com/org/net, a two-letter country code, or a
# second-level country domain such as co.uk or com.au. Nothing longer, so google.evil.com is no
# search engine.
_ANY_TLD = re.compile(r"(?:com|org|net|[a-z]{2}|(?:co|com|org|net|ne|or)\.[a-z]{2})")
# Letters (any script, for internationalised domain names), digits, "-", "_", "." and the colons
# of an IPv6 literal. Anything else (spaces, "%", control characters) is not a host a browser sent.
_HOST = re.compile(r"[\w.:-]{1,253}")

_SEGMENT_PIECES = re.compile(r"[^A-Za-z0-9_-]+")
_TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9_-]{20,}")
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_HEX = re.compile(r"[0-9a-fA-F]{16,}")
# A JWT (or any JWS) is header.payload.signature in base64url; a JSON header always encodes to
# "eyJ…". Three long parts without that prefix are treated as a token too, a file name is not.
_JWT = re.compile(
    r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|(?:[A-Za-z0-9_-]{16,}\.){2}[A-Za-z0-9_-]{16,}"
)
_LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# In a click label: anything around an "@" is an address or a handle, never a button's words.
_LABEL_EMAIL = re.compile(r"\S*@\S*")
# A phone number as people write it: "070-123 45 67", "+46 8 123 456 78", "(08) 123 45 67".
# Only a run holding 7 digits or more counts (see _drop_phone), so "3 av 4" or "1 995 kr" stay.
_LABEL_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d \t\u00a0().\-/]{4,}\d(?!\w)")
_LABEL_DIGITS = re.compile(r"\d{5,}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SPACES = re.compile(r"\s+")
# Characters kept literally when a path segment is re-encoded: RFC 3986 pchar plus "%", so
# existing escapes survive unchanged and only raw unsafe characters get encoded.
_PCHAR_SAFE = "!$&'()*+,;=:@%-._~"


def anonymise_ip(address: str) -> str:
    """Return the /24 (IPv4) or /48 (IPv6) network address of ``address``, or "" if invalid."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except (AttributeError, TypeError, ValueError):
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # ::ffff:a.b.c.d is an IPv4 visitor seen through a dual-stack socket.
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Address(int(ip) & 0xFFFFFF00))
    # Masking the integer drops any "%zone" suffix too, which could name the server's interface.
    return str(ipaddress.IPv6Address(int(ip) & ~((1 << 80) - 1)))


def _normalise_host(host: str) -> str:
    """Lower-case ``host`` and drop a trailing dot and one leading "www."."""
    host = host.lower().rstrip(".")
    return host.removeprefix("www.")


def _host_of(url: str, max_length: int) -> str:
    """Return the normalised host of an http(s) ``url``, or "" when there is none."""
    if not isinstance(url, str) or not url or len(url) > max_length:
        return ""
    try:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https"):
            return ""
        # .hostname drops the user info and the port, unwraps [IPv6] and lower-cases.
        host = parts.hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the netloc
        return ""
    host = _normalise_host(host)
    return host if _HOST.fullmatch(host) else ""


def site_host_of(url: str) -> str:
    """Return the host of ``url`` lower-cased, without "www." and port ("" if not http(s))."""
    return _host_of(url, MAX_URL_LENGTH)


def _own_host(site_host: str) -> str:
    """Normalise the site's own host, given bare ("www.winlas.se:443") or as a URL."""
    if not isinstance(site_host, str):
        return ""
    if "://" in site_host:
        return site_host_of(site_host)
    try:
        # A scheme-relative URL lets urlsplit strip the port and the brackets of an IPv6 host.
        return _normalise_host(urlsplit("//" + site_host.strip()).hostname or "")
    except ValueError:
        return ""


def _source_of_host(host: str) -> str:
    """Return the REFERRER_SOURCES class of an external ``host``, "referral" if unlisted."""
    labels = host.split(".")
    # Most specific first: mail.google.com must be looked up before google.com.
    for index in range(len(labels)):
        source = REFERRER_SOURCES.get(".".join(labels[index:]))
        if source is not None:
            return source
        tail = ".".join(labels[index + 1 :])
        source = REFERRER_SOURCES.get(labels[index] + ".*")
        if source is not None and _ANY_TLD.fullmatch(tail):
            return source
    return "referral"


def classify_referrer(
    referrer: str | None, site_host: str, utm_source: str | None = None
) -> tuple[str, str]:
    """Return (source, host) for a page view's referrer; host never carries a path or query."""
    host = _host_of(referrer, MAX_REFERRER_LENGTH) if referrer else ""
    # Tagged links say where they were posted better than the referrer does (and newsletters
    # send none): the caller passes whichever of utm_source/medium/campaign is present.
    if isinstance(utm_source, str) and utm_source.strip():
        return "campaign", host
    if not host:
        return "direct", ""
    if host == _own_host(site_host):
        return "internal", host
    return _source_of_host(host), host


def _clean_text(value: str) -> str:
    """Drop control and format characters (newlines, NUL, bidi overrides) and outer spaces."""
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf")).strip()


def _fully_unquote(segment: str) -> str:
    """Percent-decode ``segment`` until it is stable, so "%2540" is still seen as "@"."""
    for _ in range(3):
        decoded = unquote(segment, errors="replace")
        if decoded == segment:
            break
        segment = decoded
    return segment


def _is_random_token(piece: str) -> bool:
    """Tell a random identifier from a slug: both are [A-Za-z0-9_-]{20,} with digits."""
    if not _TOKEN_ALPHABET.fullmatch(piece):
        return False
    if not (re.search(r"[A-Za-z]", piece) and re.search(r"[0-9]", piece)):
        return False
    # A slug is words with the odd number ("webbinarium-2026", "iphone-15-pro"): letters and
    # digits seldom alternate inside a word. A random string alternates all the time.
    words = re.split(r"[-_]", piece)
    switches = sum(len(_LETTER_DIGIT.findall(word)) for word in words)
    if switches >= 3:
        return True
    # Mixed case plus digits inside one word is base64 ("aB3xYz9Q"), not a slug.
    return any(
        len(word) >= 8 and re.search(r"[a-z]", word) and re.search(r"[A-Z]", word)
        for word in words
        if re.search(r"[0-9]", word)
    )


def _mask_segment(segment: str) -> str | None:
    """Return ":email" or ":token" when a decoded path ``segment`` holds one, else None."""
    decoded = _fully_unquote(segment)
    # Any "@" in a path is a person (an address or a handle), never page structure.
    if "@" in decoded:
        return ":email"
    if _UUID.fullmatch(decoded) or _HEX.fullmatch(decoded) or _JWT.fullmatch(decoded):
        return ":token"
    # File names and path parameters ("x.json", "page;jsessionid=…") hide a token in a piece.
    for piece in _SEGMENT_PIECES.split(decoded):
        if _UUID.fullmatch(piece) or _HEX.fullmatch(piece) or _is_random_token(piece):
            return ":token"
    return None


def _scrub_path(path: str) -> str:
    """Mask emails and tokens segment by segment, re-encode and limit the path's length."""
    segments = []
    for segment in path.split("/"):
        masked = _mask_segment(segment)
        segments.append(masked if masked is not None else quote(segment, safe=_PCHAR_SAFE))
    scrubbed = "/".join(segments)
    if not scrubbed.startswith("/"):
        scrubbed = "/" + scrubbed
    if len(scrubbed) > MAX_PATH_LENGTH:
        # Do not leave half a "%XX" escape at the cut.
        scrubbed = re.sub(r"%[0-9A-Fa-f]?$", "", scrubbed[:MAX_PATH_LENGTH])
    return scrubbed


def _utm_tags(query: str) -> dict[str, str]:
    """Return the first value of each UTM key in ``query``, cleaned and truncated."""
    tags: dict[str, str] = {}
    for key, value in parse_qsl(query, errors="replace"):
        key = key.strip().lower()
        if key not in UTM_KEYS or key in tags:
            continue
        value = _clean_text(value)[:MAX_UTM_LENGTH]
        if not value:
            continue
        # Newsletter tools sometimes put the recipient in utm_term/utm_content.
        tags[key] = ":email" if _EMAIL_LIKE.search(value) else value
    return tags


def scrub_url(url: str) -> tuple[str, dict[str, str]]:
    """Return (path, utm) of a page URL: query and fragment dropped, emails and tokens masked."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        return "/", {}
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "/", {}
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "/", {}
    return _scrub_path(parts.path or "/"), _utm_tags(parts.query)


def _drop_phone(match: re.Match[str]) -> str:
    text: str = match.group(0)
    if _ISO_DATE.fullmatch(text) or sum(ch.isdigit() for ch in text) < 7:
        return text  # a date or a short number ("2026-03-12", "3 av 4") is no phone number
    return " "


def scrub_label(name: str) -> str:
    """A click's name as a short label: email addresses, phone-number-shaped strings and runs
    of 5 digits or more (customer, order or personal identity numbers) removed.

    The tracker sends an element's ``data-track`` or its text; on a staff page that text can be
    a person's address or number (docs/HOSTILE_INPUTS.md #34), so the server keeps only what
    reads like a label, whatever the browser sent.
    """
    if not isinstance(name, str) or not name:
        return ""
    text = _clean_text(name)
    if "@" in text:
        text = _LABEL_EMAIL.sub(" ", text)
    if any(ch.isdigit() for ch in text):
        text = _LABEL_PHONE.sub(_drop_phone, text)
        text = _LABEL_DIGITS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" ,;:-/|()")
    return text[:MAX_LABEL_LENGTH].rstrip()


def scrub_target(value: str, site_host: str) -> str:
    """Where a click leads, as path (our own pages) or host + path (outbound); never a query.

    ``mailto:``, ``tel:``, ``sms:`` and any other non-web link is kept as its scheme only
    ("mailto:"): the rest of it is an address or a number. ``site_host`` is the request's
    host (with its port), to tell our own links from outbound ones.
    """
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if not value or len(value) > MAX_URL_LENGTH:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and parts.netloc:
        path, _utm = scrub_url(value)
        if parts.netloc.lower() == str(site_host).lower():
            return path
        try:
            host = parts.hostname or ""
        except ValueError:
            host = ""
        host = host if _HOST.fullmatch(host) else ""
        return (host[:200] + path)[:MAX_TARGET_LENGTH]
    if scheme:
        return scheme[:20] + ":"
    if parts.netloc:  # "//host/path": a link relative to the page's scheme
        return scrub_target("https:" + value, site_host)
    if value.startswith("/") or "?" in value or "#" in value:  # a relative link
        return scrub_url("http://relative/" + value.lstrip("/"))[0]
    return scrub_label(value)[:40]  # a tag name such as "button"
