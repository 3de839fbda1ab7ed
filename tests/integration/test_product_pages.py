"""The product pages and the start page show the product (issue 17): every picture with its
size and its words, lazy below the fold and at once above it; the start page's next steps lead
to the demo, quote and course forms in both languages; invented customer quotes say they are
examples; a product nobody has drawn yet still gets whole pages."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from winlas_site import inventory
from winlas_site.demo import content
from winlas_site.products import illustrations
from winlas_site.products.models import CustomerQuote, Product


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_PAGE_CACHE_SECONDS"] = 0  # every request renders its page
    return app_config


class Main(HTMLParser):
    """The ``<img>`` and ``<a>`` tags inside ``<main>``, in document order, with their
    attributes; and the text of the elements with the class ``demo-marker``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inside = False
        self.images: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self.markers: list[str] = []
        self._marker = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "main":
            self.inside = True
        elif self.inside and tag == "img":
            self.images.append(found)
        elif self.inside and tag == "a":
            self.links.append(found)
        self._marker = "demo-marker" in (found.get("class") or "").split()

    def handle_endtag(self, tag):
        if tag == "main":
            self.inside = False
        self._marker = False

    def handle_data(self, data):
        if self._marker and data.strip():
            self.markers.append(data.strip())


def visitor(app, language: str):
    client = app.test_client()
    client.get(f"/sprak/{language}?next=/")
    return client


def main_of(client, path: str) -> Main:
    response = client.get(path)
    assert response.status_code == 200, path
    return Main(response.get_data(as_text=True))


def src_of(picture: illustrations.Illustration) -> str:
    return f"/static/{picture.file}"


def assert_lazy(image) -> None:
    assert image.get("loading") == "lazy" and image.get("decoding") == "async", image


def assert_eager(image) -> None:
    assert "loading" not in image, image


@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_product_page_shows_its_picture_with_size_and_words(app, demo, language):
    client = visitor(app, language)
    for item in content.PRODUCTS:
        picture = illustrations.for_product(item["slug"])
        page = main_of(client, f"/produkter/{item['slug']}")
        [image] = page.images
        assert image["src"] == src_of(picture)
        assert (image["width"], image["height"]) == ("640", "400")
        assert image["alt"] == getattr(picture, f"alt_{language}")
        # just under the summary, on the first screen: loaded at once
        assert_eager(image)
        served = client.get(image["src"])
        assert served.status_code == 200 and served.mimetype == "image/svg+xml"
        served.close()


def test_the_product_list_shows_a_thumbnail_per_product_the_first_at_once(app, demo):
    page = main_of(visitor(app, "sv"), "/produkter")
    with app.app_context():
        slugs = [product.slug for product in Product.listed()]
    assert [image["src"] for image in page.images] == [
        src_of(illustrations.for_product(slug)) for slug in slugs
    ]
    for image in page.images:
        assert (image["width"], image["height"]) == ("320", "200")
        # the card's heading and summary say what the thumbnail shows
        assert image["alt"] == ""
    assert_eager(page.images[0])
    for image in page.images[1:]:
        assert_lazy(image)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_start_page_hero_loads_at_once_and_everything_below_lazily(app, demo, language):
    page = main_of(visitor(app, language), "/")
    hero, *below = page.images
    assert hero["src"] == src_of(illustrations.HERO)
    assert (hero["width"], hero["height"]) == ("640", "440")
    assert hero["alt"] == getattr(illustrations.HERO, f"alt_{language}")
    assert_eager(hero)
    assert hero.get("fetchpriority") == "high"
    # a thumbnail for every product, each with its size, loaded as the visitor scrolls
    assert len(below) == len(content.PRODUCTS)
    for image in below:
        assert image["width"] and image["height"] and image["alt"] == ""
        assert_lazy(image)


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("sv", ("Boka en visning", "Begär offert")),
        ("en", ("Book a demo", "Request a quote")),
    ],
    ids=["sv", "en"],
)
def test_the_start_page_calls_to_action_lead_to_the_forms(app, demo, language, labels):
    client = visitor(app, language)
    html = client.get("/").get_data(as_text=True)
    page = Main(html)
    first_image = html.index("<img")
    wanted = {"hero-demo": "/kontakt/visning", "hero-quote": "/kontakt/offert"}
    wanted["hero-courses"] = "/utbildningar"
    found = {link["data-track"]: link["href"] for link in page.links if link.get("data-track")}
    for track, href in wanted.items():
        assert found[track] == href, track
        # above the picture: the first thing after the heading and the one-line pitch
        assert html.index(f'data-track="{track}"') < first_image
        # and the same three again at the end of the page
        assert found[track.replace("hero", "footer")] == href
    demo_label, quote_label = labels
    assert f">{demo_label}</a>" in html and f">{quote_label}</a>" in html
    # the forms are there, in the visitor's language
    for href in wanted.values():
        form = client.get(href)
        assert form.status_code == 200, href
        assert f'<html lang="{language}">' in form.get_data(as_text=True)


def test_the_start_page_says_what_and_for_whom_before_the_calls_to_action(app, demo):
    html = visitor(app, "sv").get("/").get_data(as_text=True)
    heading = html.index("<h1")
    pitch = html.index('class="lead home-pitch"')
    action = html.index('data-track="hero-demo"')
    assert heading < pitch < action
    for audience in ("skolbibliotek", "folkbibliotek", "kommuner"):
        assert audience in html[pitch:action]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_invented_quotes_are_marked_as_demo_content(app, demo, language):
    page_html = visitor(app, language).get("/").get_data(as_text=True)
    page = Main(page_html)
    quotes = content.CUSTOMER_QUOTES
    assert all(quote["is_demo"] for quote in quotes)
    assert len(page.markers) == len(quotes)
    if language == "sv":
        assert set(page.markers) == {"Exempel (demoinnehåll)"}
    for quote in quotes:
        assert quote[f"quote_{language}"] in page_html
        assert quote["organisation"] in page_html


def test_a_real_quote_has_no_marker_and_no_quotes_no_section(app, demo, client):
    with app.app_context():
        CustomerQuote.delete().execute()
    html = client.get("/").get_data(as_text=True)
    assert 'id="quotes-heading"' not in html and "demo-marker" not in html
    with app.app_context():
        CustomerQuote.create(
            organisation="Exempelby bibliotek",
            role_sv="Bibliotekarie",
            quote_sv="Ett riktigt citat.",
            is_demo=False,
        )
    html = client.get("/").get_data(as_text=True)
    assert "Ett riktigt citat." in html and "demo-marker" not in html


def test_the_start_page_shows_at_most_three_quotes_in_their_order(app, demo, client):
    with app.app_context():
        CustomerQuote.create(
            organisation="Exempelby bibliotek",
            role_sv="Bibliotekarie",
            quote_sv="Först.",
            position=0,
        )
    html = client.get("/").get_data(as_text=True)
    assert html.count('<figure class="quote">') == 3
    assert html.index("Först.") < html.index(content.CUSTOMER_QUOTES[0]["quote_sv"])
    assert content.CUSTOMER_QUOTES[-1]["quote_sv"] not in html


def test_a_product_without_a_picture_still_renders_everywhere(app, demo, client):
    with app.app_context():
        Product.create(
            slug="winlas-nytt",
            name="WinLas Nytt",
            summary_sv="En produkt som ingen har ritat ännu.",
            body_sv="Brödtext.",
            features_sv="En sak\nEn annan sak",
            position=0,
        )
    assert illustrations.for_product("winlas-nytt") is None
    detail = client.get("/produkter/winlas-nytt")
    assert detail.status_code == 200
    detail_html = detail.get_data(as_text=True)
    assert "<img" not in detail_html and "En produkt som ingen har ritat ännu." in detail_html
    assert "product-intro-with-picture" not in detail_html
    for path in ("/produkter", "/"):
        page_html = client.get(path).get_data(as_text=True)
        page = Main(page_html)
        assert "WinLas Nytt" in page_html, path
        # the others keep their pictures; the new one is a card without one
        assert sum(src_of(illustrations.HERO) != i["src"] for i in page.images) == len(
            content.PRODUCTS
        ), path


def test_customer_quotes_hold_no_personal_data(app):
    assert CustomerQuote not in inventory.personal_models()
    assert inventory.personal_looking_fields(CustomerQuote) == []
