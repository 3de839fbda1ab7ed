"""The micro-cache of public pages: fast for anonymous visitors, never holding personal data."""

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
