"""What makes an uncached page cheaper (issue 15) changes nothing a visitor sees: SQL built once
per process still asks the database every time, and the per-process tables of the templates
(links, dates, the menu, the footer, the consent banner) never mix languages, consent states,
return addresses or users, and never keep content staff have changed."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from flask import render_template_string
from flask_babel import force_locale, gettext

from winlas_site import db
from winlas_site.clock import now
from winlas_site.content import DRAFT, PUBLISHED
from winlas_site.i18n import current_language
from winlas_site.news.models import Article
from winlas_site.products.models import Product

from ..conftest import log_in

BANNER = re.compile(r'<section id="consent"[^>]*>')


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_PAGE_CACHE_SECONDS"] = 0  # every request renders its page
    return app_config


def visitor(app, language: str = "sv", consent: str = "none", gpc: bool = False):
    client = app.test_client()
    client.get(f"/sprak/{language}?next=/")
    if consent != "none":
        answer = client.post(
            "/samtycke",
            data={"action": consent, "next": "/"},
            headers={"Origin": "http://localhost"},
        )
        assert answer.status_code == 303
    return client


def page(client, path: str = "/", **options) -> str:
    response = client.get(path, **options)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def first_product(app) -> Product:
    with app.app_context():
        return Product.listed()[0]


# -- SQL built once, rows read every time --------------------------------------------------------


def test_an_edit_shows_at_once_on_the_start_and_product_pages(app, demo):
    client = visitor(app)
    product = first_product(app)
    assert product.summary_sv in page(client)
    with app.app_context():
        Product.update(summary_sv="Ändrad sammanfattning", body_sv="Ny **brödtext**").where(
            Product.id == product.id
        ).execute()
    assert "Ändrad sammanfattning" in page(client)
    detail = page(client, f"/produkter/{product.slug}")
    assert "Ändrad sammanfattning" in detail and "Ny <strong>brödtext</strong>" in detail


def test_unpublishing_and_scheduling_take_effect_on_the_next_request(app, demo):
    client = visitor(app)
    product = first_product(app)
    link = f'href="/produkter/{product.slug}"'
    assert link in page(client)
    with app.app_context():
        Product.update(status=DRAFT).where(Product.id == product.id).execute()
    assert link not in page(client)
    assert client.get(f"/produkter/{product.slug}").status_code == 404
    later = now() + datetime.timedelta(days=2)
    with app.app_context():
        Product.update(status=PUBLISHED, publish_at=later).where(Product.id == product.id).execute()
    assert link not in page(client)
    # the time is a value of each call, not part of the SQL kept
    with time_machine.travel(later.replace(tzinfo=datetime.UTC) + datetime.timedelta(hours=1)):
        assert link in page(client)
        assert client.get(f"/produkter/{product.slug}").status_code == 200


def test_the_start_page_news_follow_new_articles(app, demo):
    client = visitor(app)
    with app.app_context():
        newest = Article.latest().first()
        Article.create(
            slug="helt-ny-nyhet",
            title_sv="En helt ny nyhet",
            summary_sv="Kort.",
            body_sv="Text.",
            published=newest.published + datetime.timedelta(days=1),
        )
    html = page(client)
    assert "En helt ny nyhet" in html
    assert len(re.findall(r'href="/nyheter/[a-z0-9-]+"', html)) == 3


def test_prepared_queries_answer_like_the_queries_they_replace(app, demo):
    with app.test_request_context():
        plain = list(Product.live().order_by(Product.position, Product.name))
        assert [p.id for p in Product.listed()] == [p.id for p in plain]
        assert [(p.slug, p.summary_en) for p in Product.cards()] == [
            (p.slug, p.summary_en) for p in plain
        ]
        latest = list(Article.latest().limit(2))
        assert [a.id for a in Article.headlines(2)] == [a.id for a in latest]
        assert db.one_by(Product.slug, plain[0].slug).id == plain[0].id
        assert db.one_by(Product.slug, "finns-inte") is None


def test_the_sql_is_kept_per_database(app, demo, database):
    prepared = db.Prepared(lambda: Product.select(Product.id).where(Product.slug == db.Slot("s")))
    with app.app_context():
        sql, params = prepared.sql(s="x")
        assert params == ["x"]
        assert prepared.sql(s="y") == (sql, ["y"])
        other = db.make_database("sqlite:///:memory:", pool=False)
        db.database.initialize(other)
        try:
            other_sql, _ = prepared.sql(s="x")
        finally:
            db.database.initialize(database)
        assert prepared.sql(s="x")[0] == sql
        assert ("%s" in sql) != ("%s" in other_sql) or sql == other_sql


# -- per-process tables of the templates ---------------------------------------------------------


def test_languages_never_mix(app, demo):
    swedish, english = visitor(app, "sv"), visitor(app, "en")
    for _ in range(2):  # the second round is answered from the tables
        sv, en = page(swedish), page(english)
        # the start page's cached first screen (its calls to action, issue 17)
        assert ">Boka en visning<" in sv and ">Book a demo<" in en
        assert ">Produkter<" in sv and ">Products<" in en
        assert "Integritetspolicy" in sv and "Privacy policy" in en
        assert "Cookies på winlas.se" in sv and "Cookies on winlas.se" in en
        assert ">Book a demo<" not in sv and ">Boka en visning<" not in en


def test_dates_follow_the_language(app, demo):
    with app.test_request_context(headers={"Cookie": "winlas_lang=en"}):
        day = datetime.date(2026, 3, 5)
        english = render_template_string("{{ day|dateformat('long') }}", day=day)
    with app.test_request_context():
        swedish = render_template_string("{{ day|dateformat('long') }}", day=day)
    assert "March" in english and "mars" in swedish


def test_a_forced_language_inside_a_request_is_honoured_and_undone(app):
    with app.test_request_context():
        assert current_language() == "sv" and gettext("Logga in") == "Logga in"
        with force_locale("en"):
            assert current_language() == "en"
            assert render_template_string("{{ _('Logga in') }}") == "Log in"
        assert current_language() == "sv"
        assert render_template_string("{{ _('Logga in') }}") == "Logga in"


def test_the_banner_follows_each_visitors_consent(app, demo):
    undecided = visitor(app)
    accepted = visitor(app, consent="accept_all")
    rejected = visitor(app, consent="reject_all")
    for _ in range(2):
        assert "hidden" not in BANNER.search(page(undecided)).group(0)
        yes, no = page(accepted), page(rejected)
        assert "hidden" in BANNER.search(yes).group(0) and "hidden" in BANNER.search(no).group(0)
        assert 'id="consent-statistics" checked' in yes
        assert (
            'id="consent-statistics">' in no
            and "checked" not in no.split('id="consent-statistics"')[1].split(">")[0]
        )
        # Global Privacy Control: marketing cannot be ticked, whatever was chosen
        gpc = page(undecided, headers={"Sec-GPC": "1"})
        assert 'id="consent-marketing" disabled' in gpc
        assert 'id="consent-marketing" disabled' not in page(undecided)


def test_return_addresses_and_current_page_marks_follow_the_page(app, demo):
    client = visitor(app)
    product = first_product(app)
    for _ in range(2):
        home, products = page(client), page(client, "/produkter")
        detail = page(client, f"/produkter/{product.slug}")
        assert 'name="next" value="/"' in home
        assert f'name="next" value="/produkter/{product.slug}"' in detail
        assert f"next=/produkter/{product.slug}" in detail and "next=/produkter/" not in home
        assert 'href="/produkter" aria-current="page"' in products
        assert 'href="/produkter" aria-current="page"' not in home


def test_links_follow_the_script_root(app, demo):
    client = visitor(app)
    root = page(client)
    mounted = page(client, environ_overrides={"SCRIPT_NAME": "/webb"})
    assert 'href="/produkter"' in root and 'href="/webb/produkter"' not in root
    assert 'href="/webb/produkter"' in mounted
    assert 'href="/produkter"' in page(client)


def test_a_logged_in_customer_sees_their_own_header_and_account(app, demo):
    customer, other = app.test_client(), app.test_client()
    assert log_in(customer, "bibliotekarie@exempelkommun.se").status_code == 302
    anonymous = visitor(app)
    for _ in range(2):
        mine = page(customer, "/konto/")
        assert "bibliotekarie@exempelkommun.se" in mine and "Logga ut" in mine
        assert "Logga ut" not in page(anonymous)
        assert other.get("/konto/").status_code == 302
