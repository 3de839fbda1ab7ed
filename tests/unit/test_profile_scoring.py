"""Interest scores: topics from paths, weights per event type, exponential decay (P17)."""

import datetime

import pytest

from analytics.profiles import (
    Settings,
    contribution,
    decay_factor,
    event_topic,
    score_at,
    topic_of,
)
from analytics.profiles import settings as profiles_settings
from analytics.settings import defaults

# the site's rules, as register_analytics hands them to analytics (Host.topic_rules)
SITE_TOPICS = (
    (r"^/produkter/(?P<slug>[a-z0-9][a-z0-9-]{0,80})/?$", "produkt:{slug}"),
    (r"^/utbildningar(?:/|$)", "utbildning"),
    (r"^/kontakt/offert/?$", "offert"),
    (r"^/kontakt/visning/?$", "visning"),
    (r"^/kundsidor(?:/|$)", "kundsidor"),
)
T0 = datetime.datetime(2026, 11, 1, 12, 0)
EPOCH = datetime.datetime(2026, 1, 1)


@pytest.mark.parametrize(
    "path,topic",
    [
        ("/produkter/winlas-bibliotek", "produkt:winlas-bibliotek"),
        ("/produkter/winlas-bibliotek/", "produkt:winlas-bibliotek"),
        ("/produkter", ""),
        ("/produkter/", ""),
        ("/utbildningar", "utbildning"),
        ("/utbildningar/grundkurs/anmalan/3", "utbildning"),
        ("/utbildningarna", ""),
        ("/kontakt/offert", "offert"),
        ("/kontakt/visning", "visning"),
        ("/", ""),
        ("/nyheter/ny-version", ""),
    ],
)
def test_topics_come_from_paths(path, topic):
    assert topic_of(path, SITE_TOPICS) == topic


def test_the_site_hands_its_rules_to_analytics(app):
    assert app.extensions["analytics"].host.topic_rules == SITE_TOPICS
    with app.app_context():
        assert profiles_settings().topics == SITE_TOPICS


def test_the_topic_rules_are_data_and_the_first_match_wins():
    rules = (
        (r"^/nyheter/(?P<slug>[a-z-]+)$", "nyhet:{slug}"),
        (r"^/nyheter", "nyheter"),
    )
    assert topic_of("/nyheter/ny-version", rules) == "nyhet:ny-version"
    assert topic_of("/nyheter", rules) == "nyheter"
    assert topic_of("/produkter/x", rules) == ""


def test_a_click_is_about_where_it_leads_else_about_its_page():
    page = "/produkter/winlas-skola"
    assert event_topic("click", page, "/utbildningar/grundkurs", SITE_TOPICS) == "utbildning"
    assert event_topic("click", page, "button", SITE_TOPICS) == "produkt:winlas-skola"
    assert (
        event_topic("click", page, "example.org/produkter/x", SITE_TOPICS) == "produkt:winlas-skola"
    )
    assert event_topic("pageview", page, "", SITE_TOPICS) == "produkt:winlas-skola"


def test_the_score_halves_every_half_life():
    config = Settings(half_life_days=30)
    events = [("pageview", T0)]
    assert score_at(events, T0, config) == pytest.approx(1.0)
    assert score_at(events, T0 + datetime.timedelta(days=30), config) == pytest.approx(0.5)
    assert score_at(events, T0 + datetime.timedelta(days=90), config) == pytest.approx(0.125)


def test_weights_per_event_type():
    config = Settings(weights=(("pageview", 1.0), ("click", 3.0), ("engagement", 0.0)))
    events = [("pageview", T0), ("click", T0), ("engagement", T0), ("unknown", T0)]
    assert score_at(events, T0, config) == pytest.approx(4.0)


def test_stored_scale_gives_the_definition_back():
    """Stored at the epoch, then decayed to now: the same as Σ w · 0.5^((now − t)/h)."""
    config = Settings(half_life_days=14)
    moments = [T0 - datetime.timedelta(days=d, hours=d) for d in (0, 3, 20, 100)]
    events = [("pageview", m) for m in moments] + [("click", moments[1])]
    weights = config.weight_of
    stored = sum(
        contribution(weights[kind], when, EPOCH, config.half_life_seconds) for kind, when in events
    )
    now = T0 + datetime.timedelta(days=5)
    assert stored * decay_factor(now, EPOCH, config.half_life_seconds) == pytest.approx(
        score_at(events, now, config)
    )


@pytest.mark.parametrize(
    "config",
    [
        {"ANALYTICS_PROFILE_HALF_LIFE_DAYS": 0},
        {"ANALYTICS_PROFILE_HALF_LIFE_DAYS": -3},
        {"ANALYTICS_PROFILE_HALF_LIFE_DAYS": "inf"},
        {"ANALYTICS_PROFILE_HALF_LIFE_DAYS": "x"},
        {"ANALYTICS_PROFILE_TOPICS": [("(unclosed", "t")]},
        {"ANALYTICS_PROFILE_WEIGHTS": {"pageview": "many"}},
    ],
)
def test_bad_settings_are_refused(config):
    with pytest.raises(ValueError):
        Settings.from_config({**defaults(), **config})


def test_settings_from_config():
    config = Settings.from_config(
        {
            **defaults(),
            "ANALYTICS_PROFILE_HALF_LIFE_DAYS": "7",
            "ANALYTICS_PROFILE_WEIGHTS": {"pageview": 2, "click": 5},
            "ANALYTICS_PROFILE_TOPICS": [["^/a$", "a"]],
        }
    )
    assert config.half_life_days == 7.0
    assert config.weight_of == {"pageview": 2.0, "click": 5.0}
    assert config.topics == (("^/a$", "a"),)
    assert Settings.from_config(defaults(), SITE_TOPICS).topics == SITE_TOPICS
    assert Settings.from_config(defaults()).topics == ()  # no host rules: no topic, no profile
    with pytest.raises(KeyError):  # read strictly: the app's config holds every setting
        Settings.from_config({})
