"""The micro-cache of public pages: fast for anonymous visitors, never holding personal data."""

import pytest

from winlas_site.products.models import Product


def test_an_anonymous_page_is_served_from_the_cache_until_it_expires(app, client, demo):
    cache = app.extensions["page_cache"]
    first = client.get("/produkter").get_data(as_text=True)
    with app.app_context():
        Product.update(summary_sv="Ändrad sammanfattning").execute()
    assert client.get("/produkter").get_data(as_text=True) == first
    cache.ttl = 0  # let every entry expire
    cache.clear()
    assert "Ändrad sammanfattning" in client.get("/produkter").get_data(as_text=True)


def test_cached_pages_still_carry_the_security_headers(client, demo):
    client.get("/")
    response = client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_each_language_has_its_own_entry(client, demo):
    swedish = client.get("/produkter").get_data(as_text=True)
    client.get("/sprak/en?next=/")
    english = client.get("/produkter").get_data(as_text=True)
    assert '<html lang="sv">' in swedish and '<html lang="en">' in english


def test_a_logged_in_page_is_never_cached_nor_served_from_the_cache(app, client, demo, auth):
    client.get("/")  # an anonymous copy of the start page is now cached
    auth.login("bibliotekarie@exempelkommun.se")
    html = client.get("/").get_data(as_text=True)
    assert "Logga ut" in html  # rendered for the user, not the anonymous copy
    keys = list(app.extensions["page_cache"].entries)
    assert all("/kundsidor" not in key[0] for key in keys)
    anonymous = app.test_client().get("/").get_data(as_text=True)
    assert "Logga ut" not in anonymous


def test_responses_that_set_cookies_or_are_not_200_are_not_cached(app, client):
    client.get("/logga-in")  # sets the session cookie for the CSRF token
    client.get("/finns-inte")
    app.test_client().get("/kundsidor")  # a redirect
    app.test_client().get("/om-oss")
    paths = {key[0] for key in app.extensions["page_cache"].entries}
    assert paths == {"/om-oss?"}


def accepting_visitor(app):
    """A fresh browser that accepted all in the banner; returns (client, consent id)."""
    client = app.test_client()
    answer = client.post(
        "/samtycke",
        data={"action": "accept_all", "next": "/"},
        headers={"Origin": "http://localhost", "Accept": "application/json"},
    )
    return client, answer.json["consent_id"]


def test_a_consent_receipt_is_never_served_from_the_cache_to_the_next_visitor(app, demo):
    """Issue 10 item 3: the second visitor was shown the first one's consent id."""
    first, first_id = accepting_visitor(app)
    second, second_id = accepting_visitor(app)
    assert first_id in first.get("/samtycke/kvitto").get_data(as_text=True)
    receipt = second.get("/samtycke/kvitto").get_data(as_text=True)
    assert second_id in receipt and first_id not in receipt
    assert all(key[0] != "/samtycke/kvitto?" for key in app.extensions["page_cache"].entries)


def add_page(app, endpoint: str, rule, headers: dict | None = None) -> str:
    """A plain anonymous 200 HTML page at /prov/<endpoint>, declared with ``rule``."""
    from flask import Blueprint

    from winlas_site import access

    blueprint = Blueprint(endpoint, __name__)
    blueprint.add_url_rule(
        f"/prov/{endpoint}",
        "page",
        lambda: ("<p>sida</p>", 200, headers or {}),
    )
    app.register_blueprint(blueprint)
    access.declare(app, f"{endpoint}.page", rule)
    return f"/prov/{endpoint}"


def test_a_page_not_declared_cacheable_is_never_cached_whatever_its_headers(app):
    from winlas_site import access

    path = add_page(app, "notdeclared", access.page(cacheable=False))
    for _ in range(2):
        app.test_client().get(path)
    assert app.extensions["page_cache"].entries == {}


@pytest.mark.parametrize("header", ["no-store", "private, max-age=60", "no-cache"])
def test_a_cacheable_page_that_says_no_store_or_private_is_not_cached(app, header):
    from winlas_site import access

    path = add_page(app, "declared", access.page(), {"Cache-Control": header})
    app.test_client().get(path)
    assert app.extensions["page_cache"].entries == {}


def test_a_cacheable_page_is_cached(app):
    from winlas_site import access

    path = add_page(app, "plain", access.page())
    app.test_client().get(path)
    assert [key[0] for key in app.extensions["page_cache"].entries] == [f"{path}?"]
