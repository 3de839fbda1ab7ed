"""Bot and device detection benchmark: held-out recall per source, false positives, device
agreement and the cost of analytics.useragent.classify.

Run with ``.venv/bin/python bench/bots.py``; ``--refresh`` first rebuilds the stored corpora in
``tests/data/`` from the installed device-detector package and the npm package ``user-agents``
(fetched with ``npm pack``; see tests/data/README.md).

Recall is measured honestly: a list is never scored on its own examples. For each bot corpus the
detector is rebuilt without the source that corpus comes from:

* ``bots_recall_crawler_user_agents``: every ``instances`` string of the crawler-user-agents list,
  detected by generic signals + Matomo's list + ua-parser (the crawler patterns left out);
* ``bots_recall_matomo``: the bot fixtures of Matomo's Device Detector
  (``tests/data/bots_matomo.txt``), detected by generic signals + crawler-user-agents + ua-parser
  (Matomo's patterns left out);
* ``bots_recall_<source>_full``: the same corpora with every source, what production runs;
* ``bots_false_positive_rate``: share of the real browser strings of
  ``tests/data/browsers_real.tsv`` that the full detector flags (``_intoli`` and ``_matomo``: per
  corpus; the Intoli strings are independent of every list we use);
* ``device_agreement``: share of those browser strings whose device class (desktop, mobile,
  tablet) matches the corpus's label (``_intoli``, ``_matomo`` per corpus);
* ``classify_uncached_p50_us`` / ``classify_uncached_p99_us``: one classify() call on a string
  not in the cache; ``classify_cached_us``: mean of a cache hit.

The figures are printed as ``name value`` lines and written to ``bench/results/bots.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import useragent  # noqa: E402

DATA = ROOT / "tests" / "data"
BOTS_MATOMO_FILE = DATA / "bots_matomo.txt"
BROWSERS_FILE = DATA / "browsers_real.tsv"
RESULTS_FILE = ROOT / "bench" / "results" / "bots.json"
# How many of Matomo's browser fixtures of each device type go into the browser corpus: enough
# for many devices and brands, few enough that the test over the whole corpus stays a second.
MATOMO_SAMPLE = {"smartphone": 1500, "phablet": 200, "tablet": 1000, "desktop": 1000}
MATOMO_DEVICE = {
    "smartphone": "mobile",
    "phablet": "mobile",
    "tablet": "tablet",
    "desktop": "desktop",
}
CACHED_ROUNDS = 20
CACHED_STRINGS = 1000


# --- the stored corpora ------------------------------------------------------------------------


def read_lines(path: Path) -> list[str]:
    """The lines of a corpus file, without its ``#`` header."""
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def matomo_bots() -> list[str]:
    return read_lines(BOTS_MATOMO_FILE)


def real_browsers() -> list[tuple[str, str, str]]:
    """(corpus, device, user agent) of every stored real browser string."""
    return [tuple(line.split("\t", 2)) for line in read_lines(BROWSERS_FILE)]  # type: ignore[misc]


def crawler_instances() -> list[str]:
    """Every example string of every crawler in the installed crawler-user-agents list."""
    data = json.loads(
        resources.files("crawleruseragents")
        .joinpath("crawler-user-agents.json")
        .read_text(encoding="utf-8")
    )
    return list(dict.fromkeys(i for entry in data for i in entry.get("instances", [])))


def _fixtures(name: str) -> list[dict]:
    import yaml_rs

    text = (
        resources.files("device_detector")
        .joinpath("tests", "fixtures", "upstream", name)
        .read_text(encoding="utf-8")
    )
    return [entry for entry in yaml_rs.loads(text) or [] if isinstance(entry, dict)]


def _stable_order(strings: Iterable[str]) -> list[str]:
    """A fixed pseudo-random order, so a refresh picks the same sample from the same input."""
    return sorted(strings, key=lambda s: hashlib.sha256(s.encode()).hexdigest())


def _usable_string(user_agent: object) -> bool:
    return isinstance(user_agent, str) and "\t" not in user_agent and "\n" not in user_agent


def refresh() -> None:
    """Rebuild tests/data/bots_matomo.txt and tests/data/browsers_real.tsv."""
    from importlib.metadata import version

    dd_version = version("device-detector")
    bots = list(
        dict.fromkeys(
            e["user_agent"] for e in _fixtures("bots.yml") if _usable_string(e.get("user_agent"))
        )
    )
    BOTS_MATOMO_FILE.write_text(
        f"# Bot fixtures of Matomo's Device Detector (tests/fixtures/upstream/bots.yml of the\n"
        f"# PyPI package device-detector {dd_version}); LGPL-3.0-or-later, (c) Matomo.\n"
        f"# Rebuilt by `python bench/bots.py --refresh`; one user agent a line.\n"
        + "".join(f"{ua}\n" for ua in bots),
        encoding="utf-8",
    )

    with tempfile.TemporaryDirectory() as tmp:
        packed = subprocess.run(
            ["npm", "pack", "user-agents", "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        with tarfile.open(Path(tmp) / packed) as tar:
            member = tar.extractfile("package/dist/user-agents.json")
            assert member is not None
            intoli = json.load(member)
    intoli_version = packed.removeprefix("user-agents-").removesuffix(".tgz")
    # One label per string: the category most samples of that string carry.
    labels: dict[str, Counter[str]] = {}
    for sample in intoli:
        if _usable_string(sample["userAgent"]):
            labels.setdefault(sample["userAgent"], Counter())[sample["deviceCategory"]] += 1
    rows = [("intoli", counts.most_common(1)[0][0], ua) for ua, counts in labels.items()]

    by_type: dict[str, list[str]] = {}
    names = [
        p.name
        for p in resources.files("device_detector")
        .joinpath("tests", "fixtures", "upstream")
        .iterdir()
        if p.name.endswith(".yml")
    ]
    for name in sorted(names):
        if name.split("-")[0].split(".")[0] not in MATOMO_DEVICE:
            continue
        for entry in _fixtures(name):
            client = entry.get("client") or {}
            device = (entry.get("device") or {}).get("type")
            ua = entry.get("user_agent")
            # Browsers only: apps and libraries on a phone fetch with their own agents and
            # are not a person on a web page.
            if (
                isinstance(client, dict)
                and client.get("type") == "browser"
                and device in MATOMO_DEVICE
                and _usable_string(ua)
                and ua not in labels
            ):
                by_type.setdefault(device, []).append(ua)
    for device, strings in sorted(by_type.items()):
        for ua in _stable_order(dict.fromkeys(strings))[: MATOMO_SAMPLE[device]]:
            rows.append(("matomo", MATOMO_DEVICE[device], ua))

    BROWSERS_FILE.write_text(
        "# Real browser user agents with their device class; tab-separated corpus, device, agent.\n"
        f"# intoli: every distinct string of the npm package user-agents {intoli_version}\n"
        "#   (Intoli; BSD-2-Clause), labelled with its deviceCategory.\n"
        f"# matomo: a fixed sample of the browser fixtures of device-detector {dd_version}\n"
        "#   (Matomo's Device Detector; LGPL-3.0-or-later), smartphone and phablet as mobile.\n"
        "# Rebuilt by `python bench/bots.py --refresh`.\n"
        + "".join(f"{c}\t{d}\t{ua}\n" for c, d, ua in rows),
        encoding="utf-8",
    )
    print(f"wrote {len(bots)} bots and {len(rows)} browsers", file=sys.stderr)


# --- the measurement ---------------------------------------------------------------------------


def detector(sources: Iterable[str]) -> Callable[[str], bool]:
    """The production verdict with only ``sources`` of the lists (ua-parser's own always in)."""
    listed = useragent.bot_detector(sources)

    def detect(user_agent: str) -> bool:
        cut = user_agent[: useragent.MAX_LENGTH]
        return listed(cut.lower()) or useragent.known_to_ua_parser(cut)

    return detect


def share(detect: Callable[[str], bool], strings: list[str]) -> float:
    return sum(1 for s in strings if detect(s)) / len(strings)


def agreement(rows: list[tuple[str, str, str]]) -> float:
    return sum(1 for _, device, ua in rows if useragent.classify(ua).device == device) / len(rows)


def timings(strings: list[str]) -> tuple[float, float, float]:
    """p50 and p99 microseconds of an uncached classify(), and the mean of a cached one."""
    useragent.clear_cache()
    samples = []
    for user_agent in strings:
        start = time.perf_counter()
        useragent.classify(user_agent)
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    # Cache hits: a set small enough to stay in the lru cache, warmed once.
    warm = strings[:CACHED_STRINGS]
    for user_agent in warm:
        useragent.classify(user_agent)
    start = time.perf_counter()
    for _ in range(CACHED_ROUNDS):
        for user_agent in warm:
            useragent.classify(user_agent)
    cached = (time.perf_counter() - start) / (len(warm) * CACHED_ROUNDS) * 1e6
    return statistics.median(samples), samples[int(len(samples) * 0.99)], cached


def measure() -> dict[str, float | int]:
    crawlers = crawler_instances()
    matomo = matomo_bots()
    browsers = real_browsers()
    by_corpus = {c: [row for row in browsers if row[0] == c] for c in ("intoli", "matomo")}
    everything = useragent.BOT_SOURCES

    # Timed first, on strings in an order the cache has never seen.
    p50, p99, cached = timings([ua for _, _, ua in browsers] + crawlers + matomo)

    full = detector(everything)
    without = {source: detector(s for s in everything if s != source) for source in everything}
    figures: dict[str, float | int] = {
        "bots_recall_crawler_user_agents": share(without["crawler-user-agents"], crawlers),
        "bots_recall_matomo": share(without["matomo"], matomo),
        "bots_recall_crawler_user_agents_full": share(full, crawlers),
        "bots_recall_matomo_full": share(full, matomo),
        "bots_recall_crawler_user_agents_without_generic": share(without["generic"], crawlers),
        "bots_recall_matomo_without_generic": share(without["generic"], matomo),
        "bots_recall_crawler_user_agents_ua_parser_only": share(
            useragent.known_to_ua_parser, crawlers
        ),
        "bots_recall_matomo_ua_parser_only": share(useragent.known_to_ua_parser, matomo),
        "bots_false_positive_rate": share(full, [ua for _, _, ua in browsers]),
    }
    for corpus, rows in by_corpus.items():
        figures[f"bots_false_positive_rate_{corpus}"] = share(full, [ua for _, _, ua in rows])
    figures["device_agreement"] = agreement(browsers)
    for corpus, rows in by_corpus.items():
        figures[f"device_agreement_{corpus}"] = agreement(rows)
    figures.update(
        {
            "bots_crawler_user_agents_strings": len(crawlers),
            "bots_matomo_strings": len(matomo),
            "browser_strings": len(browsers),
            "classify_uncached_p50_us": p50,
            "classify_uncached_p99_us": p99,
            "classify_cached_us": cached,
        }
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refresh", action="store_true", help="rebuild the stored corpora first")
    if parser.parse_args().refresh:
        refresh()
    figures = measure()
    for name, value in figures.items():
        print(f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {value}")
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(
        json.dumps({k: round(v, 4) for k, v in figures.items()}, indent=2) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
