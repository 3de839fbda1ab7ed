"""Lighthouse benchmark: the four Lighthouse categories of every public page type and the dashboard.

What is measured, in one run and on the same machine:

* the real site (gunicorn, ``wsgi:app``, as ``bench/pages.py`` serves it) on a free loopback
  port, on a fresh SQLite database with the demo content (``winlas migrate`` then ``winlas
  demo-data``) in a temporary instance folder;
* the public page types -- start, product list, a product page, course list, a course page, news
  list, a news article, contact, quote form, demo form, about, privacy policy, cookie policy,
  login -- and the marketing dashboard, logged in as the demo marketer (the session cookie is
  handed to Lighthouse with ``--extra-headers``);
* each with the Lighthouse CLI pinned in ``bench/lighthouse/package.json`` (install with
  ``npm ci --prefix bench/lighthouse``) and Debian's Chromium (``CHROME_PATH``, default
  ``/usr/bin/chromium``), categories performance, accessibility, best-practices and seo, in the
  mobile form factor (Lighthouse's default: a mid-range phone on slow 4G, simulated) and the
  desktop preset.

Consent: by default the first visit is measured -- no cookies, the banner shown -- because that
is what every visitor sees first (Lighthouse clears the origin's storage before each run).
``LIGHTHOUSE_CONSENT=first,given`` adds a run with every category accepted (the cookie of a
real "accept all" POST to ``/samtycke``), which loads the tracker.

The dashboard is a page behind a login that search engines must not index, so a ``noindex`` on
it (meta tag or ``X-Robots-Tag``) is right and Lighthouse's ``is-crawlable`` audit would fail by
design. The SEO figure that counts for the dashboard is therefore Lighthouse's weighted mean
without that one audit; Lighthouse's own figure is printed beside it when the two differ (and is
``lighthouse_scores`` in the JSON).

Bars (issue 17): a public page below 95 in any category, or the dashboard below 95, fails the run
(exit status 1). The targets, printed in the summary, are 100 in all four categories on every
public page and at least 98 on the dashboard. Every audit that costs a page points is printed
(id, title, score, display value and the first elements it names) so that a developer can fix
it without opening the report; the full reports are kept as
``bench/results/lighthouse/<page>-<form factor>[-consent].report.{json,html}`` (open the HTML one
in a browser).

Noise: the throttling is simulated (Lighthouse's Lantern model on the page's real trace), so the
figures do not depend on the network, but busy cores still lengthen the main-thread tasks the
model starts from. A run in which any category misses the floor is therefore repeated once and
the better run (by the lowest category, then performance) counts; ``LIGHTHOUSE_RUNS=N`` measures
every page N times (default 1). Accessibility, best practices and SEO do not depend on load.

Environment: ``LIGHTHOUSE_PAGES`` (comma-separated page names, default all),
``LIGHTHOUSE_FORM_FACTORS`` (default ``mobile,desktop``), ``LIGHTHOUSE_CONSENT`` (default
``first``), ``LIGHTHOUSE_RUNS`` (default 1), ``CHROME_PATH``.

Output: one line per page and form factor with the four scores, the audits that cost points,
``name value`` lines for scripts (``lighthouse_<page>_<form factor>_<category> <score>``, then
``lighthouse_public_min``, ``lighthouse_dashboard_min`` and the counts), a summary, and
``bench/results/lighthouse.json`` with the same figures.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode, urlsplit

from loadgen import serve
from pages import BenchError, app_env, positive_from_env, prepare_database

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
LIGHTHOUSE_DIR = BENCH_DIR / "lighthouse"
LIGHTHOUSE_CLI = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
RESULTS = BENCH_DIR / "results" / "lighthouse.json"
REPORTS = BENCH_DIR / "results" / "lighthouse"

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FORM_FACTORS = ("mobile", "desktop")
CONSENT_STATES = ("first", "given")
PUBLIC_FLOOR = 95
PUBLIC_TARGET = 100
DASHBOARD_FLOOR = 95
DASHBOARD_TARGET = 98
# audits a page may fail by design: the dashboard is noindex behind a login
BY_DESIGN: Mapping[str, frozenset[str]] = {"dashboard": frozenset({"is-crawlable"})}
LIGHTHOUSE_TIMEOUT = 240  # seconds for one run; a normal one takes 15-30 s
DETAIL_ITEMS = 3  # elements named per failing audit
SNIPPET_CHARS = 360  # axe's explanations with their figures, and the neighbouring element


class LighthouseFailed(BenchError):
    """One Lighthouse run gave no report (its trace failed, Chromium crashed, a timeout)."""


@dataclass(frozen=True)
class Page:
    """One page type: a fixed path, or the first link matching ``link`` on the page ``path``."""

    name: str
    path: str
    link: str | None = None
    dashboard: bool = False


PAGES = (
    Page("start", "/"),
    Page("products", "/produkter"),
    Page("product", "/produkter", link=r"/produkter/[a-z0-9]+(?:-[a-z0-9]+)*"),
    Page("courses", "/utbildningar"),
    Page("course", "/utbildningar", link=r"/utbildningar/[a-z0-9]+(?:-[a-z0-9]+)*"),
    Page("news", "/nyheter"),
    Page("article", "/nyheter", link=r"/nyheter/[a-z0-9]+(?:-[a-z0-9]+)*"),
    Page("contact", "/kontakt"),
    Page("quote", "/kontakt/offert"),
    Page("demo", "/kontakt/visning"),
    Page("about", "/om-oss"),
    Page("privacy", "/integritetspolicy"),
    Page("cookies", "/cookies"),
    Page("login", "/logga-in"),
    Page("dashboard", "/dashboard/", dashboard=True),
)


@dataclass(frozen=True)
class FailingAudit:
    """An audit that costs its page points in one category."""

    category: str
    id: str
    title: str
    score: float | None
    weight: float
    display_value: str
    details: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the audit as a JSON-ready dict."""
        return {
            "category": self.category,
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "weight": self.weight,
            "display_value": self.display_value,
            "details": list(self.details),
        }


@dataclass
class Measurement:
    """The figures of one page, form factor and consent state."""

    page: str
    form_factor: str
    consent: str
    url: str
    dashboard: bool
    # the scores that count (0-100; None when Lighthouse could not score the category)
    scores: dict[str, int | None]
    # Lighthouse's own figures where they differ (the dashboard's SEO with is-crawlable)
    lighthouse_scores: dict[str, int | None]
    audits: list[FailingAudit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    runs: int = 1
    # every run's scores when the page was measured more than once (the noise, for the record)
    run_scores: list[dict[str, int | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``page form_factor`` (plus the consent state when not the first visit)."""
        suffix = "" if self.consent == "first" else f" consent={self.consent}"
        return f"{self.page} {self.form_factor}{suffix}"

    @property
    def key(self) -> str:
        """The name used in the ``name value`` lines and report file names."""
        suffix = "" if self.consent == "first" else f"_consent_{self.consent}"
        return f"{self.page}_{self.form_factor}{suffix}"

    @property
    def floor(self) -> int:
        return DASHBOARD_FLOOR if self.dashboard else PUBLIC_FLOOR

    def lowest(self) -> int:
        """The lowest category score (0 for a category Lighthouse could not score)."""
        return min((score or 0) for score in self.scores.values())

    def as_dict(self) -> dict[str, Any]:
        """Return the measurement as a JSON-ready dict."""
        return {
            "page": self.page,
            "form_factor": self.form_factor,
            "consent": self.consent,
            "path": urlsplit(self.url).path,
            "dashboard": self.dashboard,
            "scores": self.scores,
            "lighthouse_scores": self.lighthouse_scores,
            "runs": self.runs,
            "run_scores": self.run_scores,
            "failing_audits": [audit.as_dict() for audit in self.audits],
            "warnings": self.warnings,
        }


# --- reading a Lighthouse report (pure: tests/unit/test_lighthouse_bench.py) ---


def _percent(score: float | None) -> int | None:
    """Lighthouse's 0-1 score as the 0-100 figure its report shows."""
    return None if score is None else round(score * 100)


def category_score(
    report: Mapping[str, Any], category: str, ignore: Iterable[str] = ()
) -> float | None:
    """The category's score (0-1), recomputed without the audits in ``ignore``.

    Lighthouse's own rule (core/scoring.js): the weighted mean over the audit references with a
    weight above zero (not-applicable, informative and manual audits already carry weight 0 in
    the report); one unscored audit among them makes the category unscored.
    """
    skipped = set(ignore)
    entry = report["categories"][category]
    if not skipped:
        return entry["score"]
    total = weight_sum = 0.0
    for ref in entry["auditRefs"]:
        if ref["weight"] <= 0 or ref["id"] in skipped:
            continue
        score = report["audits"][ref["id"]]["score"]
        if score is None:
            return None
        total += score * ref["weight"]
        weight_sum += ref["weight"]
    # two decimals, half up, as Lighthouse's clampTo2Decimals (Math.round) does
    return math.floor(total / weight_sum * 100 + 0.5) / 100 if weight_sum else 0.0


def scores_of(
    report: Mapping[str, Any], ignore: Iterable[str] = ()
) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """(the scores that count, Lighthouse's own scores), 0-100, for every category measured."""
    counted: dict[str, int | None] = {}
    own: dict[str, int | None] = {}
    for category in CATEGORIES:
        if category not in report.get("categories", {}):
            counted[category] = own[category] = None
            continue
        own[category] = _percent(report["categories"][category]["score"])
        counted[category] = _percent(category_score(report, category, ignore))
    return counted, own


def _clip(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _related_selector(item: Mapping[str, Any]) -> str:
    """The selector of the first node an item's sub-items name (axe's related node)."""
    sub_items = item.get("subItems")
    if not isinstance(sub_items, Mapping):
        return ""
    for sub in sub_items.get("items") or []:
        related = sub.get("relatedNode") if isinstance(sub, Mapping) else None
        if isinstance(related, Mapping) and related.get("selector"):
            return str(related["selector"])
    return ""


def detail_lines(audit: Mapping[str, Any], limit: int = DETAIL_ITEMS) -> tuple[str, ...]:
    """The first elements, URLs or sources an audit names: what to look for in the templates."""
    details = audit.get("details") or {}
    items = details.get("items") or []
    lines: list[str] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        node = item.get("node")
        if isinstance(node, Mapping) and node.get("type") == "node":
            text = node.get("selector") or ""
            if node.get("snippet"):
                text = f"{text} {_clip(node['snippet'], 100)}".strip()
            if node.get("explanation"):
                # axe's reasons (the measured contrast, the target's size), without its headings
                reasons = [
                    line.strip()
                    for line in str(node["explanation"]).splitlines()
                    if line.strip() and not line.strip().endswith("following:")
                ]
                text += " -- " + "; ".join(reasons)
            related = _related_selector(item)
            if related:
                # the neighbour a target is too close to (the banner's buttons, say)
                text += f" [near {related}]"
        elif item.get("url"):
            text = str(item["url"])
            for extra in ("wastedBytes", "wastedMs", "totalBytes"):
                if item.get(extra):
                    text += f" {extra}={round(float(item[extra]))}"
        elif isinstance(item.get("source"), Mapping) and item["source"].get("url"):
            text = f"{item['source']['url']}:{item['source'].get('line', '')}"
            if item.get("description"):
                text += f" {item['description']}"
        elif item.get("description"):
            text = str(item["description"])
        else:
            continue
        lines.append(_clip(text))
        if len(lines) == limit:
            break
    if len(items) > len(lines) and lines:
        lines.append(f"({len(items)} items in all)")
    return tuple(lines)


def failing_audits(
    report: Mapping[str, Any], ignore: Iterable[str] = (), *, hints: bool = True
) -> list[FailingAudit]:
    """The audits that cost points, per category, the costliest first.

    Counted: every audit with a weight whose score is below 1 (``ignore`` excepted). With
    ``hints``, the performance category also lists its unweighted diagnostics and insights that
    fail (score below 0.9): they carry no weight themselves but are what moves the metrics.
    """
    skipped = set(ignore)
    found: list[FailingAudit] = []
    for category in CATEGORIES:
        entry = report.get("categories", {}).get(category)
        if entry is None:
            continue
        weighted: list[tuple[float, FailingAudit]] = []
        hinted: list[FailingAudit] = []
        for ref in entry["auditRefs"]:
            audit = report["audits"][ref["id"]]
            score = audit.get("score")
            mode = audit.get("scoreDisplayMode")
            if ref["id"] in skipped or mode in ("notApplicable", "informative", "manual"):
                continue
            failing = FailingAudit(
                category=category,
                id=ref["id"],
                title=_clip(audit.get("title", ""), 120),
                score=score,
                weight=ref["weight"],
                display_value=_clip(audit.get("displayValue", "") or audit.get("errorMessage", "")),
                details=detail_lines(audit),
            )
            if ref["weight"] > 0 and (score is None or score < 1):
                # points lost; rounded so that float noise does not reorder equal losses
                lost = round(ref["weight"] * (1 - (score or 0)), 4)
                weighted.append((lost, failing))
            elif hints and category == "performance" and ref["weight"] == 0:
                if score is not None and score < 0.9 and mode in ("binary", "metricSavings"):
                    hinted.append(failing)
        found += [audit for _lost, audit in sorted(weighted, key=lambda pair: -pair[0])]
        found += hinted
    return found


def measurement_from_report(
    report: Mapping[str, Any],
    page: Page,
    form_factor: str,
    consent: str,
    url: str,
) -> Measurement:
    """Turn one Lighthouse report into the figures of its page."""
    ignore = BY_DESIGN.get(page.name, frozenset())
    counted, own = scores_of(report, ignore)
    warnings = [_clip(str(w), 300) for w in report.get("runWarnings", [])]
    runtime_error = report.get("runtimeError")
    if runtime_error:
        warnings.append(f"runtimeError {runtime_error.get('code')}: {runtime_error.get('message')}")
    final = report.get("finalDisplayedUrl") or report.get("finalUrl") or url
    if urlsplit(final).path != urlsplit(url).path:
        # a redirect (the dashboard to the login page when the session did not hold) measures
        # another page: no figure for this one
        warnings.append(f"measured {final}, not {url}")
        counted = dict.fromkeys(counted)
    return Measurement(
        page=page.name,
        form_factor=form_factor,
        consent=consent,
        url=url,
        dashboard=page.dashboard,
        scores=counted,
        lighthouse_scores=own,
        audits=failing_audits(report, ignore),
        warnings=warnings,
    )


def better(first: Measurement, second: Measurement) -> Measurement:
    """Of two runs of the same page, the one with the higher lowest category, then performance."""

    def rank(m: Measurement) -> tuple[int, int]:
        return m.lowest(), m.scores.get("performance") or 0

    return second if rank(second) > rank(first) else first


def problems(measurements: Sequence[Measurement]) -> list[str]:
    """What misses a floor: one line per page, form factor and category (empty: all pass)."""
    found = []
    for m in measurements:
        for category in CATEGORIES:
            score = m.scores.get(category)
            if score is None:
                found.append(f"{m.label}: {category} not scored")
            elif score < m.floor:
                found.append(f"{m.label}: {category} {score} < {m.floor}")
    return found


def _metric_name(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def summarise(measurements: Sequence[Measurement]) -> dict[str, Any]:
    """The figures for the ``name value`` lines and the JSON file."""
    public = [m for m in measurements if not m.dashboard]
    dashboard = [m for m in measurements if m.dashboard]
    figures: dict[str, int | None] = {}
    for m in measurements:
        for category in CATEGORIES:
            figures[f"lighthouse_{m.key}_{_metric_name(category)}"] = m.scores.get(category)
    if public:
        figures["lighthouse_public_min"] = min(m.lowest() for m in public)
        figures["lighthouse_public_at_target"] = sum(
            1 for m in public if m.lowest() >= PUBLIC_TARGET
        )
        figures["lighthouse_public_runs"] = len(public)
    if dashboard:
        figures["lighthouse_dashboard_min"] = min(m.lowest() for m in dashboard)
    failing = problems(measurements)
    return {
        "figures": figures,
        "problems": failing,
        "public_target_met": bool(public) and all(m.lowest() >= PUBLIC_TARGET for m in public),
        "dashboard_target_met": bool(dashboard)
        and all(m.lowest() >= DASHBOARD_TARGET for m in dashboard),
        "passed": not failing,
    }


def _score_text(score: int | None) -> str:
    return "  -" if score is None else f"{score:>3}"


def table_lines(measurements: Sequence[Measurement]) -> list[str]:
    """One line per page, form factor and consent state with the four scores."""
    header = f"{'page':<32} {'path':<40} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4}"
    lines = [header, "-" * len(header)]
    for m in measurements:
        cells = " ".join(f"{_score_text(m.scores.get(c)):>4}" for c in CATEGORIES)
        note = ""
        if m.lighthouse_scores != m.scores:
            own = m.lighthouse_scores.get("seo")
            note = f"  (Lighthouse's seo {_score_text(own).strip()}: noindex by design)"
        if m.runs > 1:
            note += f"  ({m.runs} runs, best counts)"
        lines.append(f"{m.label:<32} {urlsplit(m.url).path[:40]:<40} {cells}{note}")
    return lines


def audit_lines(measurements: Sequence[Measurement]) -> list[str]:
    """Every page below 100 somewhere, with the audits that cost it points."""
    lines: list[str] = []
    for m in measurements:
        below = [c for c in CATEGORIES if (m.scores.get(c) or 0) < 100]
        if not below:
            continue
        lines.append(f"{m.label} ({urlsplit(m.url).path}):")
        for audit in m.audits:
            if audit.category not in below:
                continue
            score = "-" if audit.score is None else f"{audit.score:.2f}"
            kind = f"weight {audit.weight:g}" if audit.weight else "hint"
            value = f" [{audit.display_value}]" if audit.display_value else ""
            lines.append(
                f"  {audit.category:<14} {audit.id} score {score} ({kind}): {audit.title}{value}"
            )
            lines += [f"      {detail}" for detail in audit.details]
    return lines


def warning_lines(measurements: Sequence[Measurement]) -> list[str]:
    """Lighthouse's run warnings, each once, with the runs that gave it (the slow-CPU warning
    comes on most mobile runs of a busy machine)."""
    runs_of: dict[str, list[str]] = {}
    for m in measurements:
        for warning in m.warnings:
            runs_of.setdefault(warning, []).append(m.label)
    lines = []
    for warning, labels in runs_of.items():
        named = ", ".join(labels) if len(labels) <= 4 else f"{len(labels)} runs"
        lines.append(f"warning ({named}): {warning}")
    return lines


def summary_lines(summary: Mapping[str, Any], measurements: Sequence[Measurement]) -> list[str]:
    """The summary for people: the bars of issue 17 and whether they hold."""
    figures = summary["figures"]
    lines = []
    if "lighthouse_public_min" in figures:
        lines.append(
            f"public pages: {figures['lighthouse_public_at_target']} of "
            f"{figures['lighthouse_public_runs']} runs at {PUBLIC_TARGET} in all four categories"
            f" (target: all); lowest score {figures['lighthouse_public_min']}"
            f" (floor {PUBLIC_FLOOR})"
        )
    if "lighthouse_dashboard_min" in figures:
        lines.append(
            f"dashboard: lowest score {figures['lighthouse_dashboard_min']}"
            f" (target {DASHBOARD_TARGET}, floor {DASHBOARD_FLOOR})"
        )
    if summary["problems"]:
        lines.append("below the floor:")
        lines += [f"  {problem}" for problem in summary["problems"]]
    else:
        lines.append(f"every page at or above its floor ({len(measurements)} runs)")
    return lines


def metric_lines(summary: Mapping[str, Any]) -> list[str]:
    """``name value`` lines, as the other benchmarks print them."""
    return [
        f"{name} {'-' if value is None else value}" for name, value in summary["figures"].items()
    ]


# --- running the site and Lighthouse ---


def _settings() -> tuple[list[Page], list[str], list[str], int]:
    """The pages, form factors, consent states and runs asked for in the environment."""

    def listed(name: str, default: Sequence[str], allowed: Sequence[str]) -> list[str]:
        raw = os.environ.get(name, "")
        chosen = [item.strip() for item in raw.split(",") if item.strip()] or list(default)
        unknown = [item for item in chosen if item not in allowed]
        if unknown:
            raise BenchError(f"{name}: unknown {', '.join(unknown)}; known: {', '.join(allowed)}")
        return chosen

    names = listed("LIGHTHOUSE_PAGES", [p.name for p in PAGES], [p.name for p in PAGES])
    form_factors = listed("LIGHTHOUSE_FORM_FACTORS", FORM_FACTORS, FORM_FACTORS)
    consents = listed("LIGHTHOUSE_CONSENT", ("first",), CONSENT_STATES)
    runs = positive_from_env("LIGHTHOUSE_RUNS", "1")
    return [p for p in PAGES if p.name in names], form_factors, consents, runs


def chrome_path() -> str:
    """The Chromium Lighthouse drives: CHROME_PATH, else Debian's."""
    path = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise BenchError(f"no Chromium at {path}: apt-get install chromium, or set CHROME_PATH")
    return path


def check_lighthouse() -> str:
    """Fail with the fix unless node and the pinned Lighthouse are installed; return node."""
    node = shutil.which("node")
    if node is None:
        raise BenchError("node not found: Lighthouse needs Node.js 18.20 or newer")
    if not LIGHTHOUSE_CLI.exists():
        raise BenchError(
            f"{LIGHTHOUSE_CLI.relative_to(ROOT)} not found: run `npm ci --prefix bench/lighthouse`"
        )
    return node


def request(
    url: str,
    method: str = "GET",
    form: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, str]:
    """One request, no redirect followed: (status, headers, body as text)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        send = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form).encode()
            send["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body, send)
        response = conn.getresponse()
        return response.status, response.msg, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def cookies_from(message: http.client.HTTPMessage, jar: dict[str, str]) -> dict[str, str]:
    """``jar`` updated with the response's Set-Cookie headers (a deleted cookie leaves it)."""
    updated = dict(jar)
    for header in message.get_all("Set-Cookie") or []:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            if morsel.value and morsel["max-age"] != "0":
                updated[name] = morsel.value
            else:
                updated.pop(name, None)
    return updated


def cookie_header(jar: Mapping[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def log_in(site: str, email: str, password: str) -> dict[str, str]:
    """Log in through the real form; return the session cookies."""
    status, message, body = request(site + "/logga-in")
    match = re.search(r'name="csrf_token"[^>]*\svalue="([^"]+)"', body)
    if status != 200 or not match:
        raise BenchError(f"{site}/logga-in answered {status} without a CSRF token")
    jar = cookies_from(message, {})
    status, message, _body = request(
        site + "/logga-in",
        "POST",
        form={"csrf_token": match.group(1), "email": email, "password": password},
        headers={"Cookie": cookie_header(jar), "Origin": site, "Referer": site + "/logga-in"},
    )
    if status not in (302, 303):
        raise BenchError(f"logging in as {email} answered {status}, not a redirect")
    return cookies_from(message, jar)


def accept_all(site: str) -> dict[str, str]:
    """The cookies of a visitor who chose "accept all" in the banner."""
    status, message, _body = request(
        site + "/samtycke",
        "POST",
        form={"action": "accept_all", "next": "/"},
        headers={"Origin": site, "Referer": site + "/"},
    )
    jar = cookies_from(message, {})
    if status not in (302, 303) or not jar:
        raise BenchError(f"accepting all cookies answered {status} with no cookie")
    return jar


def resolve(site: str, page: Page, cookies: Mapping[str, str]) -> str:
    """The page's URL; checked to answer 200 text/html (which also warms the page cache)."""
    headers = {"Cookie": cookie_header(cookies)} if cookies else {}
    path = page.path
    if page.link is not None:
        status, _message, body = request(site + page.path, headers=headers)
        match = re.search(rf'href="({page.link})"', body)
        if status != 200 or match is None:
            raise BenchError(f"{site}{page.path} answered {status} and links to no {page.link}")
        path = match.group(1)
    status, message, _body = request(site + path, headers=headers)
    content_type = message.get("Content-Type", "")
    if status != 200 or not content_type.startswith("text/html"):
        raise BenchError(
            f"{page.name}: {site}{path} answered {status} {content_type!r}"
            f" (location {message.get('Location')!r}); expected 200 text/html"
        )
    return site + path


def lighthouse_command(
    node: str, url: str, form_factor: str, cookies: Mapping[str, str], output: Path
) -> list[str]:
    """The Lighthouse CLI call for one page: JSON and HTML reports at ``output``.report.*."""
    command = [
        node,
        str(LIGHTHOUSE_CLI),
        url,
        "--output=json",
        "--output=html",
        f"--output-path={output}",
        "--quiet",
        # Chromium as root needs --no-sandbox; headless, no GPU on a server
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--only-categories=" + ",".join(CATEGORIES),
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    if cookies:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie_header(cookies)}))
    return command


def run_lighthouse(
    node: str, chrome: str, url: str, form_factor: str, cookies: Mapping[str, str], output: Path
) -> dict[str, Any]:
    """Run Lighthouse once; return its JSON report."""
    env = {**os.environ, "CHROME_PATH": chrome}
    command = lighthouse_command(node, url, form_factor, cookies, output)
    # its own process group, so that a timeout or Ctrl-C ends Chromium with it
    proc = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=LIGHTHOUSE_TIMEOUT)
    except BaseException as error:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        if isinstance(error, subprocess.TimeoutExpired):
            raise LighthouseFailed(
                f"Lighthouse took over {LIGHTHOUSE_TIMEOUT} s on {url}"
            ) from None
        raise
    report_file = output.parent / (output.name + ".report.json")
    if proc.returncode != 0 or not report_file.exists():
        output_text = (stdout[-2000:] + stderr[-2000:]).strip()
        raise LighthouseFailed(f"Lighthouse failed on {url} ({proc.returncode}): {output_text}")
    report: dict[str, Any] = json.loads(report_file.read_text())
    return report


def once(
    node: str,
    chrome: str,
    url: str,
    page: Page,
    form_factor: str,
    consent: str,
    cookies: Mapping[str, str],
    output: Path,
) -> Measurement:
    """One Lighthouse run of one page, read. A run that fails (Lighthouse itself says "run
    Lighthouse again" when its trace fails, NO_NAVSTART) is tried once more; if that fails too,
    the page has no figures (which fails the benchmark) and the other pages are still measured."""
    error = ""
    for attempt in (1, 2):
        try:
            report = run_lighthouse(node, chrome, url, form_factor, cookies, output)
        except LighthouseFailed as failed:
            error = str(failed)
        else:
            if not report.get("runtimeError") or attempt == 2:
                return measurement_from_report(report, page, form_factor, consent, url)
            error = f"runtimeError {report['runtimeError'].get('code')}"
        print(f"  {page.name} {form_factor}: {error.splitlines()[0]}", file=sys.stderr, flush=True)
    return Measurement(
        page=page.name,
        form_factor=form_factor,
        consent=consent,
        url=url,
        dashboard=page.dashboard,
        scores=dict.fromkeys(CATEGORIES),
        lighthouse_scores=dict.fromkeys(CATEGORIES),
        warnings=[_clip(error, 600)],
    )


def measure_page(
    node: str,
    chrome: str,
    site: str,
    page: Page,
    form_factor: str,
    consent: str,
    cookies: Mapping[str, str],
    runs: int,
) -> Measurement:
    """Measure one page ``runs`` times (once more when a run misses the floor); the best counts
    and its reports are kept as ``REPORTS/<page>-<form factor>.report.{json,html}``."""
    url = resolve(site, page, cookies)
    name = page.name + "-" + form_factor + ("" if consent == "first" else f"-consent-{consent}")
    measured: list[tuple[Measurement, Path]] = []
    while len(measured) < runs or (
        len(measured) == runs and max(m.lowest() for m, _out in measured) < measured[0][0].floor
    ):
        # no dot: Lighthouse would take ".runN" for an extension and drop it
        output = REPORTS / f"{name}-run{len(measured) + 1}"
        measured.append(
            (once(node, chrome, url, page, form_factor, consent, cookies, output), output)
        )
    best, best_output = measured[0]
    for candidate, output in measured[1:]:
        if better(best, candidate) is candidate:
            best, best_output = candidate, output
    for extension in ("json", "html"):
        kept = REPORTS / f"{best_output.name}.report.{extension}"
        final = REPORTS / f"{name}.report.{extension}"
        final.unlink(missing_ok=True)  # an older run's report must not pass for this one's
        if kept.exists():  # none when Lighthouse failed
            kept.replace(final)
        for _m, output in measured:
            (REPORTS / f"{output.name}.report.{extension}").unlink(missing_ok=True)
    best.runs = len(measured)
    best.run_scores = [m.scores for m, _out in measured]
    return best


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the server is stopped on the way out."""
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    """Run the benchmark; return the process exit status."""
    signal.signal(signal.SIGTERM, _interrupt)
    measurements: list[Measurement] = []
    try:
        pages, form_factors, consents, runs = _settings()
        node = check_lighthouse()
        chrome = chrome_path()
        version = json.loads((LIGHTHOUSE_CLI.parent.parent / "package.json").read_text())
        print(f"Lighthouse {version['version']}, {chrome}", flush=True)
        REPORTS.mkdir(parents=True, exist_ok=True)
        with ExitStack() as stack:
            instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="winlas-")))
            env = app_env(instance)
            print(f"preparing a fresh database in {instance}", flush=True)
            prepare_database(env)
            site = stack.enter_context(serve("wsgi:app", env, ROOT))
            password = env.get("WINLAS_DEMO_PASSWORD", "demo-lösenord-2026")
            started = time.monotonic()
            for consent in consents:
                visitor = accept_all(site) if consent == "given" else {}
                for page in pages:
                    cookies = dict(visitor)
                    if page.dashboard:
                        # a fresh login for each consent state: the marketer's own session
                        cookies.update(log_in(site, "marknad@winlas.se", password))
                    for form_factor in form_factors:
                        m = measure_page(
                            node, chrome, site, page, form_factor, consent, cookies, runs
                        )
                        measurements.append(m)
                        print(table_lines([m])[-1], flush=True)
            elapsed = time.monotonic() - started
    except (BenchError, RuntimeError) as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench interrupted; server stopped", file=sys.stderr)
        return 130
    summary = summarise(measurements)
    print()
    print("\n".join(table_lines(measurements)))
    failing = audit_lines(measurements)
    if failing:
        print("\naudits that cost points:")
        print("\n".join(failing))
    warnings = warning_lines(measurements)
    if warnings:
        print()
        print("\n".join(warnings))
    print()
    print("\n".join(metric_lines(summary)))
    print()
    print("\n".join(summary_lines(summary, measurements)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                **summary,
                "lighthouse": version["version"],
                "chrome": chrome,
                "seconds": round(elapsed),
                "pages": [m.as_dict() for m in measurements],
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "load": os.getloadavg(),
                },
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten {RESULTS.relative_to(ROOT)}, reports in {REPORTS.relative_to(ROOT)}/")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
