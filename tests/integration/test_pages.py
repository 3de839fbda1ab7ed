"""Every public page, in Swedish and English, in the site's layout."""

import datetime
import re

import pytest
from werkzeug.http import parse_date

from winlas_site.courses.models import Course
from winlas_site.customer.models import CustomerResource
from winlas_site.news.models import Article
from winlas_site.products.models import Product

STATIC_PAGES = [
    "/",
    "/produkter",
    "/utbildningar",
    "/nyheter",
    "/om-oss",
    "/kontakt",
    "/integritetspolicy",
    "/cookies",
    "/underbitraden",
    "/tillganglighet",
    "/logga-in",
]
FOOTER_LINKS = ["/integritetspolicy", "/cookies", "/underbitraden", "/tillganglighet"]


def public_pages(app) -> list[str]:
    with app.app_context():
        return (
            STATIC_PAGES
            + [f"/produkter/{p.slug}" for p in Product.select()]
            + [f"/utbildningar/{c.slug}" for c in Course.select()]
            + [f"/nyheter/{a.slug}" for a in Article.select()]
            + ["/nyheter?typ=webinar"]
        )


def use_english(client):
    client.get("/sprak/en?next=/")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_public_page_has_one_h1_a_title_and_the_language(app, client, demo, language):
    if language == "en":
        use_english(client)
    pages = public_pages(app)
    assert len(pages) > len(STATIC_PAGES) + 10
    for path in pages:
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert f'<html lang="{language}">' in html, path
        assert len(re.findall(r"<h1[ >]", html)) == 1, path
        title = re.search(r"<title>(.+?)</title>", html, re.S)
        assert title and title.group(1).strip() not in ("", "– WinLas"), path
        for link in FOOTER_LINKS:
            assert f'href="{link}"' in html, (path, link)
        assert "Cookie-inställningar" in html or "Cookie settings" in html


def test_english_pages_are_in_english(client, demo):
    use_english(client)
    html = client.get("/produkter").get_data(as_text=True)
    assert ">Products<" in html and ">Produkter<" not in html
    policy = client.get("/integritetspolicy").get_data(as_text=True)
    assert "Privacy policy" in policy and "IMY" in policy


def test_swedish_is_the_default_language(client, demo):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in html and ">Produkter<" in html


def test_content_is_shown_in_the_chosen_language(app, client, demo):
    with app.app_context():
        product = Product.select().first()
    assert product.summary_sv in client.get(f"/produkter/{product.slug}").get_data(as_text=True)
    use_english(client)
    assert product.summary_en in client.get(f"/produkter/{product.slug}").get_data(as_text=True)


def test_language_switch_sets_a_cookie_and_returns_to_the_page(client):
    response = client.get("/sprak/en?next=/produkter")
    assert response.status_code == 302
    assert response.headers["Location"] == "/produkter"
    cookie = response.headers["Set-Cookie"]
    assert (
        cookie.startswith("winlas_lang=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    )


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_language_switch_does_not_follow_foreign_targets(client, target):
    response = client.get("/sprak/sv", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_404(client):
    assert client.get("/sprak/de").status_code == 404


@pytest.mark.parametrize("language", ["sv", "en"])
def test_unknown_pages_are_404_in_the_site_style(client, language):
    if language == "en":
        use_english(client)
    response = client.get("/finns-inte")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert f'<html lang="{language}">' in html and 'class="site-footer"' in html
    assert ("Sidan finns inte" if language == "sv" else "Page not found") in html


@pytest.mark.parametrize(
    "path",
    [
        "/produkter/finns-inte",
        "/nyheter/finns-inte",
        "/utbildningar/finns-inte",
        "/produkter/abc%00",
        "/produkter/%FF%FE",
        "/produkter/' OR 1=1--",
    ],
)
def test_missing_or_hostile_slugs_are_404(client, demo, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("kind", ["okänd", "%FF", "' OR 1=1--", "\x00"])
def test_an_unknown_news_filter_is_a_clear_400(client, kind):
    response = client.get("/nyheter", query_string={"typ": kind})
    assert response.status_code == 400
    assert "Felaktig förfrågan" in response.get_data(as_text=True)


def test_customer_pages_need_login(client):
    response = client.get("/kundsidor")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")


def test_customer_pages_list_every_kind_of_resource(app, client, demo, auth):
    auth.login("bibliotekarie@exempelkommun.se")
    html = client.get("/kundsidor").get_data(as_text=True)
    with app.app_context():
        resources = list(CustomerResource.select())
    assert {r.kind for r in resources} == {"release", "documentation", "manual", "video"}
    for resource in resources:
        assert resource.title_sv in html
        assert client.get(f"/kundsidor/{resource.slug}").status_code == 200


def test_pages_make_no_request_to_another_host(app, client, demo):
    for path in public_pages(app):
        html = client.get(path).get_data(as_text=True)
        for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert not re.match(r"^(https?:)?//", attribute), (path, attribute)


def test_user_content_is_escaped(app, client, demo):
    with app.app_context():
        Product.update(summary_sv='"><svg onload=alert(1)> {{7*7}}').execute()
    html = client.get("/produkter").get_data(as_text=True)
    assert "<svg onload" not in html
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt; {{7*7}}" in html


def test_subprocessors_are_listed_from_the_data(client, demo):
    html = client.get("/underbitraden").get_data(as_text=True)
    assert html.count("<tr>") >= 4


def test_cookie_policy_lists_every_registered_cookie(client):
    from winlas_site.cookies import COOKIES

    html = client.get("/cookies").get_data(as_text=True)
    for cookie in COOKIES:
        assert f"<code>{cookie.name}</code>" in html


def test_an_unexpected_error_is_a_500_page_without_internals(app, client, caplog):
    @app.route("/test-boom")
    def boom():
        raise RuntimeError("secret internals")

    # the access table refuses an endpoint it does not list: give the test page its rule
    from winlas_site import access

    access.declare(app, "boom", access.page(cacheable=False))

    response = client.get("/test-boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Något gick fel" in html and 'class="site-footer"' in html
    assert "secret internals" not in html and "Traceback" not in html
    assert "secret internals" in caplog.text  # but it is logged


@pytest.mark.parametrize(
    "name,value",
    [
        ("winlas_session", "garbage"),
        ("winlas_session", "eyJ4IjoxfQ.forged.signature"),
        ("winlas_remember", "1|deadbeef"),
        ("winlas_remember", "\x00" * 50),
        ("winlas_lang", "xx" * 1900),
    ],
)
def test_forged_or_broken_cookies_are_ignored(client, name, value):
    client.set_cookie(name, value)
    assert client.get("/").status_code == 200
    assert client.get("/kundsidor").status_code == 302


# one fact per promise of docs/PRIVACY_PROMISES.md the privacy page must state, in each language.
POLICY_FACTS = {
    "sv": {
        "P9 storage in Sweden": "Sverige",
        "P9 sub-processor page": 'href="/underbitraden"',
        "P9 SCC outside the EU": "standardavtalsklausuler",
        "P7 cookie policy": 'href="/cookies"',
        "P20 settings on every page": "Cookie-inställningar",
        "P4 dietary requirements": "kostavvikelser",
        "P4 hashed password": "hashat",
        "P5 screen resolution": "skärmupplösning",
        "P10 two years": "två år",
        "P10 reminder": "30 dagar",
        "P12 portability": "portabilitet",
        "P15 IMY": "IMY",
        "P16 data-protection address": "dataskydd@winlas.se",
        "P17 profiling": "profilering",
        "P17 legitimate interest": "berättigat intresse",
        "P21 administrative messages": "administrativa",
    },
    "en": {
        "P9 storage in Sweden": "Sweden",
        "P9 sub-processor page": 'href="/underbitraden"',
        "P9 SCC outside the EU": "standard contractual clauses",
        "P7 cookie policy": 'href="/cookies"',
        "P20 settings on every page": "Cookie settings",
        "P4 dietary requirements": "dietary",
        "P4 hashed password": "hashed",
        "P5 screen resolution": "screen resolution",
        "P10 two years": "two years",
        "P10 reminder": "30 days",
        "P12 portability": "portability",
        "P15 IMY": "IMY",
        "P16 data-protection address": "dataskydd@winlas.se",
        "P17 profiling": "profiling",
        "P17 legitimate interest": "legitimate interest",
        "P21 administrative messages": "administrative",
    },
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_privacy_policy_states_every_promise(client, language):
    if language == "en":
        use_english(client)
    html = " ".join(client.get("/integritetspolicy").get_data(as_text=True).lower().split())
    missing = [p for p, fact in POLICY_FACTS[language].items() if fact.lower() not in html]
    assert missing == []


def test_cookie_lifetimes_on_the_policy_page_are_the_ones_set(app, client, create_user, auth):
    from winlas_site.cookies import declared

    html = client.get("/cookies").get_data(as_text=True)
    assert f"{app.config['WINLAS_REMEMBER_DAYS']} dagar" in html and "365 dagar" in html
    language = client.get("/sprak/en?next=/").headers["Set-Cookie"]
    assert f"Max-Age={declared('winlas_lang').max_age()}" in language
    create_user()
    login = auth.login(remember=True)
    remember = [c for c in login.headers.getlist("Set-Cookie") if c.startswith("winlas_remember=")]
    expires = parse_date(remember[0].split("Expires=")[1].split(";")[0])
    left = expires - datetime.datetime.now(datetime.UTC)
    assert (
        abs(left - datetime.timedelta(days=app.config["WINLAS_REMEMBER_DAYS"])).total_seconds() < 60
    )


def test_the_registry_names_the_cookies_flask_is_configured_with(app):
    from winlas_site.cookies import declared

    for setting in ("SESSION_COOKIE_NAME", "REMEMBER_COOKIE_NAME"):
        assert declared(app.config[setting]).category == "necessary"
