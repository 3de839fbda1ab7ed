"""The page cache's WSGI layer: a cached public page is answered before Flask's machinery,
exactly as the full path answers it (status, body, every header), and never to a logged-in
visitor."""

from __future__ import annotations

import re

import pytest
from flask import Flask, request, url_for
from werkzeug.exceptions import HTTPException

from winlas_site import access

from ..conftest import log_in

LANGUAGES = ("sv", "en")
CONSENT_STATES = ("none", "yes", "no", "gpc")
HREF = re.compile(r'href="(/[^"#?]*)"')


def cacheable_urls(app: Flask, client) -> dict[str, str]:
    """One URL of every endpoint the access table lets the cache keep: a plain one by
    url_for, one with a slug as the first link to it on the other cacheable pages."""
    endpoints = sorted(name for name, rule in access.table(app).items() if rule.cacheable)
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    urls: dict[str, str] = {}
    with app.test_request_context():
        for endpoint in endpoints:
            if not rules[endpoint].arguments:
                urls[endpoint] = url_for(endpoint)
    adapter = app.url_map.bind("localhost")
    for url in list(urls.values()):
        for href in HREF.findall(client.get(url).get_data(as_text=True)):
            try:
                endpoint, _values = adapter.match(href, method="GET")
            except HTTPException:
                continue
            if endpoint in endpoints:
                urls.setdefault(endpoint, href)
    assert sorted(urls) == endpoints, f"no URL found for {set(endpoints) - set(urls)}"
    return urls


def visitor(app: Flask, language: str, consent: str):
    """A fresh browser in ``language`` that answered the banner ``consent``; the headers it
    sends with every request."""
    client = app.test_client()
    headers = {"Sec-GPC": "1"} if consent == "gpc" else {}
    client.get(f"/sprak/{language}?next=/")
    if consent in ("yes", "no"):
        answer = client.post(
            "/samtycke",
            data={"action": "accept_all" if consent == "yes" else "reject_all", "next": "/"},
            headers={"Origin": "http://localhost"},
        )
        assert answer.status_code == 303
    return client, headers


@pytest.fixture
def flask_calls(app) -> list[str]:
    """The paths that reached Flask's first before-request hook (the fast layer skips it; the
    full path's own cache lookup comes after it)."""
    calls: list[str] = []

    def record() -> None:
        calls.append(request.path)

    app.before_request_funcs.setdefault(None, []).insert(0, record)
    return calls


def comparable(response) -> tuple:
    return response.status, response.get_data(), sorted(response.headers.items())


def test_every_cacheable_page_is_answered_by_the_fast_layer_exactly_as_by_the_full_path(
    app, demo, flask_calls
):
    cache = app.extensions["page_cache"]
    urls = cacheable_urls(app, app.test_client())
    assert len(urls) == 13  # the start page, about, contact, ... the product, course, news pages
    for language in LANGUAGES:
        for consent in CONSENT_STATES:
            client, headers = visitor(app, language, consent)
            for endpoint, url in urls.items():
                case = f"{endpoint} {url} {language} {consent}"
                cache.clear()
                flask_calls.clear()
                full = client.get(url, headers=headers)
                assert full.status_code == 200, case
                assert flask_calls == [url], case  # rendered by Flask and stored
                fast = client.get(url, headers=headers)
                head = client.head(url, headers=headers)
                assert flask_calls == [url], f"{case}: the cached page went through Flask"
                assert comparable(fast) == comparable(full), case
                assert head.status == full.status and head.get_data() == b"", case
                assert sorted(head.headers.items()) == sorted(full.headers.items()), case
                assert f'<html lang="{language}">' in fast.get_data(as_text=True), case


def test_the_variants_keep_apart_what_they_change(app, demo):
    """Eight visitors, one page: each gets the body the full path renders for them."""
    bodies = {}
    for language in LANGUAGES:
        for consent in CONSENT_STATES:
            client, headers = visitor(app, language, consent)
            client.get("/produkter", headers=headers)
            bodies[language, consent] = client.get("/produkter", headers=headers).get_data()
    assert len(app.extensions["page_cache"].entries) == len(bodies)
    app.extensions["page_cache"].clear()
    for (language, consent), body in bodies.items():
        client, headers = visitor(app, language, consent)
        assert client.get("/produkter", headers=headers).get_data() == body


def test_https_gets_hsts_from_the_fast_layer_as_from_the_full_path(app, demo, flask_calls):
    client = app.test_client()
    full = client.get("/om-oss", base_url="https://localhost")
    fast = client.get("/om-oss", base_url="https://localhost")
    plain = client.get("/om-oss")
    assert flask_calls == ["/om-oss"]
    assert comparable(fast) == comparable(full)
    assert fast.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in plain.headers


def test_a_logged_in_visitor_never_gets_the_cached_body_next_to_an_anonymous_one(
    app, demo, flask_calls
):
    anonymous = app.test_client()
    customer = app.test_client()
    assert log_in(customer, "bibliotekarie@exempelkommun.se").status_code == 302
    flask_calls.clear()
    for _ in range(2):
        anonymous_page = anonymous.get("/produkter")
        customer_page = customer.get("/produkter")
        assert "Logga ut" in customer_page.get_data(as_text=True)
        assert "Logga ut" not in anonymous_page.get_data(as_text=True)
        assert customer_page.headers["Cache-Control"] == "no-store"
        assert "Cache-Control" not in anonymous_page.headers
    # the anonymous visitor's second request was the fast layer's; both of the customer's
    # went through Flask (and its login machinery)
    assert flask_calls == ["/produkter"] * 3
    assert all(len(key) == 3 for key in app.extensions["page_cache"].entries)


def test_a_cookie_that_only_looks_like_a_login_goes_through_flask_and_gets_the_page(
    app, demo, flask_calls
):
    client = app.test_client()
    cached = client.get("/om-oss").get_data()
    stale = app.test_client()
    stale.set_cookie("winlas_session", "not-a-session")
    assert stale.get("/om-oss").get_data() == cached
    assert flask_calls == ["/om-oss", "/om-oss"]


def test_a_stored_marketing_yes_meeting_gpc_is_still_refused_on_a_cached_page(
    app, demo, flask_calls
):
    from winlas_site.consent.models import ConsentRecord

    # statistics only, with GPC: the page is cached for consent state "s1m0g1"
    first = app.test_client()
    first.post(
        "/samtycke",
        data={"action": "save", "statistics": "on", "next": "/"},
        headers={"Origin": "http://localhost"},
    )
    first.get("/om-oss", headers={"Sec-GPC": "1"})
    # yes to everything, then GPC: the same cache key, but the refusal must be recorded
    second, _ = visitor(app, "sv", "yes")
    flask_calls.clear()
    page = second.get("/om-oss", headers={"Sec-GPC": "1"})
    assert flask_calls == ["/om-oss"]
    assert "winlas_consent=" in page.headers["Set-Cookie"]
    with app.app_context():
        assert ConsentRecord.select().where(ConsentRecord.action == "gpc").count() == 1


def test_an_untrusted_host_is_refused_even_for_a_cached_page(app, demo, flask_calls):
    client = app.test_client()
    client.get("/om-oss")
    refused = client.get("/om-oss", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert flask_calls == ["/om-oss", "/om-oss"]


def test_an_expired_entry_is_rendered_again(app, demo, flask_calls):
    cache = app.extensions["page_cache"]
    cache.ttl = 0
    client = app.test_client()
    client.get("/om-oss")
    client.get("/om-oss")
    assert flask_calls == ["/om-oss", "/om-oss"]


def test_other_methods_and_uncacheable_pages_go_through_flask(app, demo, flask_calls):
    client = app.test_client()
    for _ in range(2):
        client.get("/kontakt/fraga")  # a form with a CSRF token: never cached
        client.post("/om-oss")
    assert flask_calls == ["/kontakt/fraga", "/om-oss"] * 2


def test_pages_rendered_one_after_another_speak_each_visitors_language(app, demo):
    """The template translations are looked up once per locale: a Swedish page, then an
    English one, then a Swedish one again each get their own words, the banner's included."""
    words = {
        "sv": ("Acceptera alla", "Visa kvitto på ditt samtycke", "Hoppa till innehållet"),
        "en": ("Accept all", "Show your consent receipt", "Skip to content"),
    }
    for language in ("sv", "en", "sv", "en"):
        client, _headers = visitor(app, language, "none")
        html = client.get("/kontakt/fraga").get_data(as_text=True)  # never cached
        other = "en" if language == "sv" else "sv"
        assert all(word in html for word in words[language]), language
        assert not any(word in html for word in words[other]), language
