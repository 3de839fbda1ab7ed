"""Page benchmark: requests per second of the real site against a bare Flask app.

What is measured, in one run and on the same machine:

* ``bare``: ``bench/bare_app.py``, a Flask app whose only view returns "ok";
* ``start``: the real site's start page ``/``;
* ``product``: one real product page ``/produkter/<slug>``;
* ``start_nocache`` and ``product_nocache``: the same two pages from a second instance of the
  site with its page cache off (``WINLAS_PAGE_CACHE_SECONDS=0``), so the cost of a full render
  -- queries and templates -- stays visible next to the cached figure.

Both apps are served by the same gunicorn command line (2 sync workers on 127.0.0.1), the real
one on a fresh SQLite database with the demo content in a temporary instance folder, and loaded
with wrk (or a Python fallback). Every target gets a 1 s warm-up, then the three are measured
twice in alternation (bare, start, product, bare, start, product) and the better run of each
counts, so a noisy moment on the machine hurts all of them alike.

Why the ratio matters and the absolute numbers do not: requests per second depend on the CPU,
its clock, the kernel and whatever else runs at the time; they differ between laptops and CI
runners and even between two runs. The bare app measured side by side absorbs all of that.
``pages_ratio = min(start_rps, product_rps) / bare_rps`` is the share of Flask-plus-gunicorn's
own throughput that the site keeps after its extensions, hooks, queries and templates; it is
comparable across machines and is the figure to track and to set a budget on.

Environment: ``BENCH_SECONDS`` (default 5) is the length of each measured run;
The load generator is wrk (``BENCH_LOADGEN=python`` for the Python one, which competes with the
servers for the cores); its name is printed first and kept in the results.

It also reports ``consent_js_gzip_bytes``: the banner script's size compressed, the figure to
compare with consent tools (vanilla-cookieconsent ships about 10 KB of JS, Klaro about 69 KB).

Output: a table for people, then ``name value`` lines for scripts, and
``bench/results/pages.json`` with the same figures.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from loadgen import (
    CONNECTIONS,
    THREADS,
    WORKER_CLASS,
    WORKERS,
    Result,
    fetch,
    generator,
    measure,
    serve,
)

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "pages.json"
WARMUP_SECONDS = 1
ROUNDS = 2
TARGETS = ("bare", "start", "product", "start_nocache", "product_nocache")
PRODUCT_LINK = re.compile(r'href="(/produkter/[a-z0-9]+(?:-[a-z0-9]+)*)"')
# Settings the developer's shell may carry that would point the app at another database,
# another secret or other hosts; the benchmark must run on defaults and a fresh SQLite file.
INHERITED_SETTINGS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")


def gzip_bytes(path: Path) -> int:
    """Size of a static file as served compressed (gzip -9): what a visitor downloads."""
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


class BenchError(Exception):
    """The benchmark cannot produce trustworthy figures."""


def positive_from_env(name: str, default: str, unit: str = "") -> int:
    """The environment variable ``name`` (``default`` when unset) as a whole number of at
    least 1; BenchError naming the variable otherwise."""
    raw = os.environ.get(name, default)
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(f"{name} must be a whole number{unit}, not {raw!r}") from None
    if value < 1:
        raise BenchError(f"{name} must be at least 1")
    return value


def seconds_from_env() -> int:
    """Return BENCH_SECONDS as a whole number of seconds (wrk takes no fractions)."""
    return positive_from_env("BENCH_SECONDS", "5", " of seconds")


def app_env(instance: Path) -> dict[str, str]:
    """Return the environment for the real app: defaults plus the temporary instance folder."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in INHERITED_SETTINGS and not name.startswith("WINLAS_")
    }
    env["WINLAS_INSTANCE_PATH"] = str(instance)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Create the fresh database: ``winlas migrate`` then ``winlas demo-data``."""
    # the console script of the interpreter running us, i.e. .venv/bin/winlas under `make bench`
    winlas = Path(sys.executable).parent / "winlas"
    if not winlas.exists():
        raise BenchError(f"{winlas} not found; run `make install` first")
    for command in ("migrate", "demo-data"):
        completed = subprocess.run(
            [str(winlas), command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            raise BenchError(
                f"`winlas {command}` failed ({completed.returncode}):\n"
                f"{completed.stdout}{completed.stderr}"
            )


def check_html_page(url: str) -> str:
    """Fail unless ``url`` answers 200 with text/html; return the page text."""
    status, headers, body = fetch(url)
    content_type = headers.get("content-type", "")
    if status != 200 or not content_type.startswith("text/html"):
        raise BenchError(f"{url} answered {status} {content_type!r}; expected 200 text/html")
    return body.decode("utf-8", errors="replace")


def find_product_path(site: str) -> str:
    """Return the path of the first product linked from /produkter."""
    match = PRODUCT_LINK.search(check_html_page(site + "/produkter"))
    if not match:
        raise BenchError(f"{site}/produkter links to no /produkter/<slug> page")
    return match.group(1)


def check_bare(url: str) -> None:
    """Fail unless the bare app answers 200 "ok" (a broken baseline makes the ratio meaningless)."""
    status, _headers, body = fetch(url)
    if status != 200 or body != b"ok":
        raise BenchError(f"bare app at {url} answered {status} {body[:80]!r}; expected 200 'ok'")


def run_rounds(urls: dict[str, str], seconds: int, tool: str | None) -> dict[str, list[Result]]:
    """Warm every target up, then measure them in alternation ROUNDS times."""
    for name in TARGETS:
        # the first requests pay for imports, template compilation and cold caches
        warm = measure(urls[name], WARMUP_SECONDS, tool=tool)
        check_result(name, warm, "warm-up")
    runs: dict[str, list[Result]] = {name: [] for name in TARGETS}
    for round_number in range(1, ROUNDS + 1):
        for name in TARGETS:
            result = measure(urls[name], seconds, tool=tool)
            print(
                f"  round {round_number} {name:<16} {result.rps:10.1f} req/s"
                f"  errors {result.errors}  non-2xx {result.non2xx}",
                flush=True,
            )
            check_result(name, result, f"round {round_number}")
            runs[name].append(result)
    return runs


def check_result(name: str, result: Result, label: str) -> None:
    """Fail on failing statuses: error pages are cheaper than real ones and inflate req/s."""
    if result.non2xx:
        raise BenchError(
            f"{name} ({label}): {result.non2xx} of {result.requests} responses had a failing status"
        )
    if result.requests == 0:
        raise BenchError(f"{name} ({label}): no request completed ({result.errors} socket errors)")


def summarise(runs: dict[str, list[Result]], urls: dict[str, str], seconds: int) -> dict[str, Any]:
    """Collect best-of figures, the ratio and the run details into one JSON-ready dict."""
    best = {name: max(r.rps for r in results) for name, results in runs.items()}
    ratio = min(best["start"], best["product"]) / best["bare"]
    nocache_ratio = min(best["start_nocache"], best["product_nocache"]) / best["bare"]
    return {
        **{f"{name}_rps": round(best[name], 1) for name in TARGETS},
        "pages_ratio": round(ratio, 3),
        "pages_nocache_ratio": round(nocache_ratio, 3),
        "consent_js_gzip_bytes": gzip_bytes(ROOT / "static" / "js" / "consent.js"),
        "errors": sum(r.errors for results in runs.values() for r in results),
        "settings": {
            "seconds": seconds,
            "warmup_seconds": WARMUP_SECONDS,
            "rounds": ROUNDS,
            "tool": runs["bare"][0].tool,
            "threads": THREADS,
            "connections": CONNECTIONS,
            "workers": WORKERS,
            "worker_class": WORKER_CLASS,
        },
        "targets": {
            name: {
                "path": urlsplit(urls[name]).path,
                "runs": [r.as_dict() for r in runs[name]],
            }
            for name in TARGETS
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _ms(value: float | None) -> str:
    """Format a latency for the table."""
    return "-" if value is None else f"{value:.1f}"


def report(summary: dict[str, Any]) -> None:
    """Print the table for people, then the ``name value`` lines for scripts."""
    print()
    header = (
        f"{'target':<16} {'path':<32} {'best req/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'err':>4}"
    )
    print(header)
    print("-" * len(header))
    for name in TARGETS:
        target = summary["targets"][name]
        best = max(target["runs"], key=lambda run: run["rps"])
        errors = sum(run["errors"] for run in target["runs"])
        print(
            f"{name:<16} {target['path']:<32} {best['rps']:>10.1f} {_ms(best['p50_ms']):>7}"
            f" {_ms(best['p99_ms']):>7} {errors:>4}"
        )
    print(f"pages_ratio = min(start, product) / bare = {summary['pages_ratio']:.3f}")
    print(f"pages_nocache_ratio (page cache off) = {summary['pages_nocache_ratio']:.3f}")
    if summary["errors"]:
        print(f"warning: {summary['errors']} socket errors during the measured runs")
    print()
    for name in TARGETS:
        print(f"{name}_rps {summary[name + '_rps']:.1f}")
    print(f"pages_ratio {summary['pages_ratio']:.3f}")
    print(f"pages_nocache_ratio {summary['pages_nocache_ratio']:.3f}")
    print(f"consent_js_gzip_bytes {summary['consent_js_gzip_bytes']}")


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the servers are stopped on the way out."""
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    """Run the benchmark; return the process exit status."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        tool = generator()
        print(f"load generator: {tool}", flush=True)
        seconds = seconds_from_env()
        with ExitStack() as stack:
            instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="winlas-")))
            env = app_env(instance)
            print(f"preparing a fresh database in {instance}", flush=True)
            prepare_database(env)
            site = stack.enter_context(serve("wsgi:app", env, ROOT))
            uncached_env = {**env, "WINLAS_PAGE_CACHE_SECONDS": "0"}
            uncached = stack.enter_context(serve("wsgi:app", uncached_env, ROOT))
            # the same environment for both: only the app differs
            bare = stack.enter_context(serve("bare_app:app", env, BENCH_DIR))
            check_bare(bare + "/")
            check_html_page(site + "/")
            urls = {
                "bare": bare + "/",
                "start": site + "/",
                "product": site + find_product_path(site),
            }
            urls["start_nocache"] = uncached + "/"
            urls["product_nocache"] = uncached + urlsplit(urls["product"]).path
            check_html_page(urls["product"])
            print(f"measuring {', '.join(urls.values())} ({seconds} s each, best of {ROUNDS})")
            runs = run_rounds(urls, seconds, tool)
        summary = summarise(runs, urls, seconds)
    except (BenchError, RuntimeError) as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench interrupted; servers stopped", file=sys.stderr)
        return 130
    report(summary)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwritten {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
