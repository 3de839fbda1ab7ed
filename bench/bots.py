"""Bot detection benchmark: recall, false positives and the cost of analytics.useragent.classify.

Run with ``.venv/bin/python bench/bots.py``. Inputs:

* every ``instances`` example string of the ``crawler-user-agents`` list (the crawlers);
* ``tests/data/browser_user_agents.txt`` (real browsers, in-app browsers included).

Output, as ``name value`` lines for scripts:

* ``bot_recall``: share of crawler strings that ``is_bot`` flags;
* ``bot_recall_useragents``: the same for the user-agents package's own ``is_bot``, the baseline;
* ``bot_recall_without_list``: ours without the crawler list's patterns (user-agents and the hand
  list only). ``bot_recall`` is measured on the examples the list's patterns were written for,
  so it is an upper bound; this figure shows what the other two signals catch on their own;
* ``bot_false_positive_rate``: share of browser strings flagged as bots;
* ``bot_crawler_strings`` and ``bot_browser_strings``: the sizes of the two inputs;
* ``classify_us_uncached`` and ``classify_us_cached``: mean microseconds per ``classify`` call
  over both inputs, with the lru cache emptied first and then with every string cached.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from user_agents import parse as parse_with_user_agents  # noqa: E402

from analytics import useragent  # noqa: E402

BROWSERS_FILE = ROOT / "tests" / "data" / "browser_user_agents.txt"
# Rounds of the cached measurement: one pass over 2,300 strings takes well under a millisecond.
CACHED_ROUNDS = 50


def crawler_strings() -> list[str]:
    """Every example string of every crawler in the crawler-user-agents list."""
    data = json.loads(
        resources.files("crawleruseragents")
        .joinpath("crawler-user-agents.json")
        .read_text(encoding="utf-8")
    )
    return [instance for entry in data for instance in entry.get("instances", [])]


def share(detect: Callable[[str], bool], strings: list[str]) -> float:
    """The fraction of ``strings`` for which ``detect`` is true."""
    return sum(1 for user_agent in strings if detect(user_agent)) / len(strings)


def without_list(user_agent: str) -> bool:
    """Our verdict from user-agents and the hand list alone, the crawler patterns left out."""
    lowered = user_agent.lower()
    return (
        len(user_agent.strip()) < useragent.MIN_LENGTH
        or useragent._GENERIC_BOT.search(lowered) is not None
        or parse_with_user_agents(user_agent).is_bot
    )


def mean_us(strings: Iterable[str], rounds: int = 1) -> float:
    """Mean microseconds per classify() call over ``rounds`` passes of ``strings``."""
    strings = list(strings)
    start = time.perf_counter()
    for _ in range(rounds):
        for user_agent in strings:
            useragent.classify(user_agent)
    return (time.perf_counter() - start) / (len(strings) * rounds) * 1e6


def main() -> None:
    crawlers = crawler_strings()
    browsers = BROWSERS_FILE.read_text(encoding="utf-8").splitlines()
    everything = crawlers + browsers

    # Uncached first: the recall figures below would otherwise fill the cache.
    useragent.clear_cache()
    uncached = mean_us(everything)
    cached = mean_us(everything, CACHED_ROUNDS)

    figures = {
        "bot_recall": f"{share(useragent.is_bot, crawlers):.4f}",
        "bot_recall_useragents": (
            f"{share(lambda ua: parse_with_user_agents(ua).is_bot, crawlers):.4f}"
        ),
        "bot_recall_without_list": f"{share(without_list, crawlers):.4f}",
        "bot_false_positive_rate": f"{share(useragent.is_bot, browsers):.4f}",
        "bot_crawler_strings": str(len(crawlers)),
        "bot_browser_strings": str(len(browsers)),
        "classify_us_cached": f"{cached:.2f}",
        "classify_us_uncached": f"{uncached:.1f}",
    }
    for name, value in figures.items():
        print(f"{name} {value}")


if __name__ == "__main__":
    main()
