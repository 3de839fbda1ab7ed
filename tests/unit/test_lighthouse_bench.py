"""bench/lighthouse.py: reading Lighthouse reports and holding them to the bars of issue 17.

Runs on a trimmed report (tests/fixtures/lighthouse/report.json, Lighthouse 12.8.2's shape)
without Node or Chromium: the benchmark itself is `make bench`'s.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import shutil
import sys
from http.client import parse_headers
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "lighthouse" / "report.json"

# the benchmark is a script beside its helpers (loadgen, pages), not a package: load it by
# path, with bench/ importable for its own imports
sys.path.insert(0, str(ROOT / "bench"))
_spec = importlib.util.spec_from_file_location("bench_lighthouse", ROOT / "bench" / "lighthouse.py")
assert _spec is not None and _spec.loader is not None
lighthouse = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = lighthouse  # dataclasses look their module up there
_spec.loader.exec_module(lighthouse)
sys.path.remove(str(ROOT / "bench"))

PAGES = {page.name: page for page in lighthouse.PAGES}
URL = "http://127.0.0.1:5000/dashboard/"


@pytest.fixture
def report() -> dict:
    return json.loads(FIXTURE.read_text())


def measured(report: dict, page: str = "dashboard", form_factor: str = "mobile"):
    return lighthouse.measurement_from_report(report, PAGES[page], form_factor, "first", URL)


def with_scores(page: str, **scores: int | None):
    """A measurement with the given scores (the rest 100), as the run would build it."""
    all_scores = {category: 100 for category in lighthouse.CATEGORIES}
    all_scores.update({name.replace("_", "-"): value for name, value in scores.items()})
    return lighthouse.Measurement(
        page=page,
        form_factor="mobile",
        consent="first",
        url="http://127.0.0.1:5000/",
        dashboard=PAGES[page].dashboard,
        scores=all_scores,
        lighthouse_scores=dict(all_scores),
    )


def test_public_page_scores_are_lighthouses_own(report):
    m = measured(report, page="article")
    assert m.scores == {"performance": 95, "accessibility": 42, "best-practices": 100, "seo": 33}
    assert m.lighthouse_scores == m.scores


def test_dashboard_seo_counts_without_is_crawlable(report):
    # noindex behind a login is by design; the other SEO audits still count
    m = measured(report)
    assert m.lighthouse_scores["seo"] == 33
    assert m.scores["seo"] == 100
    assert m.scores["performance"] == 95
    assert "is-crawlable" not in {audit.id for audit in m.audits}


@pytest.mark.parametrize("category", lighthouse.CATEGORIES)
def test_recomputed_score_follows_lighthouses_rule(report, category):
    # ignoring an audit the category does not have changes nothing
    expected = report["categories"][category]["score"]
    assert lighthouse.category_score(report, category, ignore=["no-such-audit"]) == expected


def test_one_unscored_weighted_audit_leaves_the_category_unscored(report):
    report["audits"]["document-title"]["score"] = None
    report["categories"]["seo"]["score"] = None
    m = measured(report)
    assert m.scores["seo"] is None
    assert "dashboard mobile: seo not scored" in lighthouse.problems([m])


def test_failing_audits_costliest_first_then_hints(report):
    audits = measured(report, page="article").audits
    assert [(a.category, a.id) for a in audits] == [
        # weight x (1 - score): FCP, LCP and TBT lose 1.5 each (kept in report order), SI 0.1
        ("performance", "first-contentful-paint"),
        ("performance", "largest-contentful-paint"),
        ("performance", "total-blocking-time"),
        ("performance", "speed-index"),
        # unweighted, failing: what moves the metrics (numeric diagnostics and passing ones not)
        ("performance", "render-blocking-resources"),
        ("accessibility", "color-contrast"),
        ("accessibility", "target-size"),
        ("seo", "is-crawlable"),
    ]
    tbt = audits[2]
    assert (tbt.title, tbt.score, tbt.weight, tbt.display_value) == (
        "Total Blocking Time",
        0.95,
        30,
        "150 ms",
    )


def test_details_name_the_elements_and_why(report):
    contrast = next(a for a in measured(report).audits if a.id == "color-contrast")
    assert contrast.details == (
        'footer > p.muted <p class="muted"> -- Element has insufficient color contrast of 3.9 '
        "(foreground color: #888888, background color: #ffffff, font size: 10.5pt (14px), font "
        "weight: normal). Expected contrast ratio of 4.5:1",
        'div.banner > a <a href="/cookies"> -- Element has insufficient color contrast of 4.1',
        'nav > a.small <a class="small" href="/om-oss">',
        "(4 items in all)",
    )
    target = next(a for a in measured(report).audits if a.id == "target-size")
    assert target.details == (
        'ul.cards > li.card > h2 > a <a href="/utbildningar/grundkurs"> -- Target has insufficient '
        "size (314.4px by 23px, should be at least 24px by 24px); Target has insufficient space "
        "to its closest neighbors. Safe clickable space has a diameter of 21.4px instead of at "
        "least 24px. [near form.consent-form > div.consent-actions > button.consent-choice]",
    )
    blocking = next(a for a in measured(report).audits if a.id == "render-blocking-resources")
    assert blocking.details == (
        "http://127.0.0.1:5000/static/css/site.css wastedMs=305 totalBytes=16750",
    )


def test_a_redirect_is_no_measurement(report):
    # the session did not hold: Lighthouse measured the login page instead
    report["finalDisplayedUrl"] = "http://127.0.0.1:5000/logga-in?next=%2Fdashboard%2F"
    m = measured(report)
    assert set(m.scores.values()) == {None}
    assert m.warnings == [f"measured {report['finalDisplayedUrl']}, not {URL}"]
    assert len(lighthouse.problems([m])) == 4


@pytest.mark.parametrize(
    ("page", "scores", "expected"),
    [
        pytest.param("start", {}, [], id="public-all-100"),
        pytest.param("start", {"performance": 95}, [], id="public-at-floor"),
        pytest.param(
            "product",
            {"performance": 94},
            ["product mobile: performance 94 < 95"],
            id="public-below-floor",
        ),
        pytest.param(
            "login",
            {"best_practices": 92, "seo": 90},
            ["login mobile: best-practices 92 < 95", "login mobile: seo 90 < 95"],
            id="public-two-below",
        ),
        pytest.param("dashboard", {"performance": 95}, [], id="dashboard-at-floor"),
        pytest.param(
            "dashboard",
            {"accessibility": 94},
            ["dashboard mobile: accessibility 94 < 95"],
            id="dashboard-below-floor",
        ),
    ],
)
def test_floors(page, scores, expected):
    assert lighthouse.problems([with_scores(page, **scores)]) == expected


def test_summary_and_metric_lines():
    runs = [
        with_scores("start"),
        with_scores("article", performance=97),
        with_scores("dashboard", performance=98),
    ]
    summary = lighthouse.summarise(runs)
    assert summary["passed"] is True
    assert summary["public_target_met"] is False  # 97 is above the floor, below the target
    assert summary["dashboard_target_met"] is True
    lines = lighthouse.metric_lines(summary)
    assert "lighthouse_start_mobile_best_practices 100" in lines
    assert "lighthouse_article_mobile_performance 97" in lines
    assert lines[-4:] == [
        "lighthouse_public_min 97",
        "lighthouse_public_at_target 1",
        "lighthouse_public_runs 2",
        "lighthouse_dashboard_min 98",
    ]
    people = lighthouse.summary_lines(summary, runs)
    assert people[0].startswith("public pages: 1 of 2 runs at 100 in all four categories")


def test_a_failing_run_fails_the_summary():
    summary = lighthouse.summarise([with_scores("dashboard", seo=None)])
    assert summary["passed"] is False
    assert lighthouse.metric_lines(summary)[3] == "lighthouse_dashboard_mobile_seo -"


def test_audit_lines_list_only_categories_below_100(report):
    lines = lighthouse.audit_lines([measured(report)])
    assert lines[0] == "dashboard mobile (/dashboard/):"
    assert any(
        line.strip().startswith("accessibility  color-contrast score 0.00") for line in lines
    )
    # SEO counts 100 on the dashboard: its by-design failure is not listed
    assert not any("is-crawlable" in line for line in lines)


def test_the_better_run_has_the_higher_lowest_score():
    noisy = with_scores("start", performance=88)
    calm = with_scores("start", performance=99)
    assert lighthouse.better(noisy, calm) is calm
    assert lighthouse.better(calm, noisy) is calm


def test_cookies_follow_set_cookie_headers():
    message = parse_headers(
        io.BytesIO(
            b"Set-Cookie: winlas_session=abc; HttpOnly; Path=/; SameSite=Lax\r\n"
            b"Set-Cookie: old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/\r\n"
            b"\r\n"
        )
    )
    jar = lighthouse.cookies_from(message, {"old": "1", "kept": "2"})
    assert jar == {"kept": "2", "winlas_session": "abc"}
    assert lighthouse.cookie_header(jar) == "kept=2; winlas_session=abc"


def test_lighthouse_command_desktop_with_session(tmp_path):
    command = lighthouse.lighthouse_command(
        "/usr/bin/node", URL, "desktop", {"winlas_session": "abc"}, tmp_path / "dashboard"
    )
    assert command[2] == URL
    assert "--preset=desktop" in command
    assert "--only-categories=performance,accessibility,best-practices,seo" in command
    headers = next(arg for arg in command if arg.startswith("--extra-headers="))
    assert json.loads(headers.split("=", 1)[1]) == {"Cookie": "winlas_session=abc"}
    mobile = lighthouse.lighthouse_command("/usr/bin/node", URL, "mobile", {}, tmp_path / "x")
    assert not any(arg.startswith(("--preset", "--extra-headers")) for arg in mobile)


def test_fixture_is_not_changed_by_reading(report):
    before = copy.deepcopy(report)
    measured(report)
    assert report == before


def test_warnings_are_printed_once_with_their_runs():
    slow = "The tested device appears to have a slower CPU than Lighthouse expects."
    runs = [with_scores(name) for name in ("start", "about", "login")]
    for m in runs:
        m.warnings.append(slow)
    runs[2].warnings.append("measured http://127.0.0.1:5000/, not http://127.0.0.1:5000/x")
    assert lighthouse.warning_lines(runs) == [
        f"warning (start mobile, about mobile, login mobile): {slow}",
        "warning (login mobile): measured http://127.0.0.1:5000/, not http://127.0.0.1:5000/x",
    ]


def test_a_page_lighthouse_cannot_measure_has_no_figures(tmp_path, capsys):
    # `false` stands in for node: the run exits 1 without a report, twice; the page gets no
    # figures (failing the benchmark) instead of ending it for every other page
    fails = shutil.which("false")
    assert fails is not None
    m = lighthouse.once(
        fails, "/usr/bin/chromium", URL, PAGES["news"], "mobile", "first", {}, tmp_path / "news"
    )
    assert set(m.scores.values()) == {None}
    assert m.warnings[0].startswith(f"Lighthouse failed on {URL} (1)")
    assert len(lighthouse.problems([m])) == 4
    assert capsys.readouterr().err.count("news mobile: Lighthouse failed") == 2
