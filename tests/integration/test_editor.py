"""The editing pages (/redaktion/): writing, previewing, publishing, scheduling, renaming,
restoring and the conflict of two editors, seen from the public side too. Both backends."""

from __future__ import annotations

import datetime
import logging
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.conftest import csrf_from, log_in
from winlas_site.auth.models import User
from winlas_site.clock import now
from winlas_site.content import Revision, SlugRedirect
from winlas_site.courses.models import Course
from winlas_site.customer.models import CustomerResource
from winlas_site.media.models import Image
from winlas_site.news.models import Article
from winlas_site.privacy.models import SubProcessor
from winlas_site.products.models import Product

MARKETER = "marknad@winlas.se"
STAFF = "support@winlas.se"
ADMIN = "admin@winlas.se"
CUSTOMER = "bibliotekarie@exempelkommun.se"

# an image of the media library (its row is made by the ``marketer`` fixture)
IMAGE = "/media/" + "ab" * 16 + ".webp"
BODY = (
    "Första stycket med **fet** text.\n\n"
    "<script>alert(1)</script>\n\n"
    f"![Skärmbild av katalogen]({IMAGE})\n\n"
    "[Farlig länk](javascript:alert(2))"
)


def article_fields(**changes) -> dict[str, str]:
    fields = {
        "title_sv": "Årets nyheter på Öland",
        "title_en": "",
        "summary_sv": "En sammanfattning av året.",
        "summary_en": "",
        "body_sv": BODY,
        "body_en": "",
        "kind": "news",
        "published": "2026-11-30",
        "publish_at": "",
    }
    fields.update(changes)
    return fields


class _FormReader(HTMLParser):
    """The values a browser would send from the editing form (``form.editor-form``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = "editor-form" in (attributes.get("class") or "")
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "checkbox"):
            self.values[name] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and ("selected" in attributes):
            self.values[self.select] = attributes.get("value") or ""

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self.textarea:
                # a browser drops the one newline right after <textarea>
                self.values[self.textarea] = self.values[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def form_values(html: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(html)
    return reader.values


def submit(client, form_url: str, fields: dict, action: str, post_url: str | None = None):
    """Open the form page, change ``fields`` in it and press ``action``, as a browser does
    (the hidden revision id too, unless ``fields`` names one)."""
    page = client.get(form_url)
    assert page.status_code == 200, page.status_code
    data = form_values(page.get_data(as_text=True))
    assert "csrf_token" in data and "based_on" in data
    data.update(fields)
    data["action"] = action
    return client.post(post_url or form_url, data=data)


def post_button(client, page_url: str, action_url: str):
    """Press a one-button form (publish, unpublish, restore) found on ``page_url``."""
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={"csrf_token": token})


def row_id_from(response) -> int:
    assert response.status_code == 303, response.status_code
    return int(urlsplit(response.headers["Location"]).path.rstrip("/").split("/")[-1])


@pytest.fixture
def marketer(app, demo):
    with app.app_context():
        Image.create(
            file_name=IMAGE.rpartition("/")[2],
            original_name="katalog.png",
            content_type="image/webp",
            width=800,
            height=600,
            byte_size=1000,
            alt_sv="Skärmbild av katalogen",
        )
    client = app.test_client()
    assert log_in(client, MARKETER).status_code == 302
    return client


def test_a_marketer_writes_previews_and_publishes_an_article_the_public_then_sees(app, marketer):
    cache = app.extensions["page_cache"]
    anonymous = app.test_client()
    assert "Årets nyheter på Öland" not in anonymous.get("/nyheter").get_data(as_text=True)
    assert any(key[0] == "/nyheter?" for key in cache.entries)  # the list is cached now

    # the preview renders what was typed, sanitised, and saves nothing
    preview = submit(marketer, "/redaktion/nyheter/ny", article_fields(), "preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Förhandsgranskning" in html and "<strong>fet</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (
        f'<img src="{IMAGE}" alt="Skärmbild av katalogen" width="800" height="600" loading="lazy">'
        in html
    )
    assert 'href="javascript:' not in html
    # what was typed is still in the form
    assert "Första stycket med **fet** text." in html
    with app.app_context():
        assert not Article.select().where(Article.title_sv == "Årets nyheter på Öland").exists()

    created = submit(marketer, "/redaktion/nyheter/ny", article_fields(), "publish")
    article_id = row_id_from(created)
    with app.app_context():
        article = Article.get_by_id(article_id)
        assert (article.status, article.slug) == ("published", "arets-nyheter-pa-oland")
        assert [r.action for r in Revision.history("news", article_id)] == ["published"]
        assert Revision.latest("news", article_id).author_name == "Maja Marknad"

    # right after publishing, the cached list shows it
    listing = anonymous.get("/nyheter").get_data(as_text=True)
    assert "Årets nyheter på Öland" in listing
    page = anonymous.get("/nyheter/arets-nyheter-pa-oland")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>fet</strong>" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert f'src="{IMAGE}"' in body and 'width="800" height="600"' in body
    assert 'href="javascript:' not in body and "[Farlig länk](javascript:alert(2))" in body


def test_drafts_and_scheduled_articles_are_not_public(app, marketer):
    draft_id = row_id_from(
        submit(marketer, "/redaktion/nyheter/ny", article_fields(title_sv="Ett utkast"), "save")
    )
    later = (datetime.datetime.now() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    scheduled_id = row_id_from(
        submit(
            marketer,
            "/redaktion/nyheter/ny",
            article_fields(title_sv="Schemalagd nyhet", publish_at=later),
            "publish",
        )
    )
    anonymous = app.test_client()
    listing = anonymous.get("/nyheter").get_data(as_text=True)
    assert "Ett utkast" not in listing and "Schemalagd nyhet" not in listing
    assert anonymous.get("/nyheter/ett-utkast").status_code == 404
    assert anonymous.get("/nyheter/schemalagd-nyhet").status_code == 404
    # the editor shows both, with their state
    overview = marketer.get("/redaktion/nyheter/").get_data(as_text=True)
    assert "Utkast" in overview and "Schemalagd" in overview
    # the saved draft can be previewed by the editor
    preview = marketer.get(f"/redaktion/nyheter/{draft_id}/forhandsgranska")
    assert preview.status_code == 200 and "Första stycket" in preview.get_data(as_text=True)

    with app.app_context():
        # the scheduled time passes
        Article.update(publish_at=now() - datetime.timedelta(minutes=1)).where(
            Article.id == scheduled_id
        ).execute()
    app.extensions["page_cache"].clear()
    assert anonymous.get("/nyheter/schemalagd-nyhet").status_code == 200
    assert "Schemalagd nyhet" in anonymous.get("/nyheter").get_data(as_text=True)

    # publishing the draft, then taking it down again
    assert (
        post_button(
            marketer, f"/redaktion/nyheter/{draft_id}", f"/redaktion/nyheter/{draft_id}/publicera"
        ).status_code
        == 303
    )
    assert anonymous.get("/nyheter/ett-utkast").status_code == 200
    assert (
        post_button(
            marketer, f"/redaktion/nyheter/{draft_id}", f"/redaktion/nyheter/{draft_id}/avpublicera"
        ).status_code
        == 303
    )
    assert anonymous.get("/nyheter/ett-utkast").status_code == 404
    with app.app_context():
        actions = [r.action for r in Revision.history("news", draft_id)]
    assert actions == ["unpublished", "published", "created"]


def test_the_publishing_time_is_swedish_local_time(app, marketer):
    # 12:00 in Stockholm in winter is 11:00 UTC
    row_id = row_id_from(
        submit(
            marketer,
            "/redaktion/nyheter/ny",
            article_fields(title_sv="Vintertid", publish_at="2030-01-15T12:00"),
            "save",
        )
    )
    with app.app_context():
        assert Article.get_by_id(row_id).publish_at == datetime.datetime(2030, 1, 15, 11, 0)
    html = marketer.get(f"/redaktion/nyheter/{row_id}").get_data(as_text=True)
    assert 'value="2030-01-15T12:00"' in html


def test_the_slug_is_made_once_and_a_renamed_slug_redirects(app, marketer):
    first = row_id_from(submit(marketer, "/redaktion/nyheter/ny", article_fields(), "publish"))
    second = row_id_from(submit(marketer, "/redaktion/nyheter/ny", article_fields(), "publish"))
    with app.app_context():
        assert Article.get_by_id(second).slug == "arets-nyheter-pa-oland-2"
    # a new title keeps the address
    edit = f"/redaktion/nyheter/{first}"
    assert submit(marketer, edit, {"title_sv": "Ny rubrik"}, "save").status_code == 303
    with app.app_context():
        assert Article.get_by_id(first).slug == "arets-nyheter-pa-oland"

    # an explicit new slug: the old one redirects (301), twice over (a chain)
    assert submit(marketer, edit, {"slug": "ny-adress"}, "save").status_code == 303
    assert submit(marketer, edit, {"slug": "nyaste-adressen"}, "save").status_code == 303
    anonymous = app.test_client()
    for old in ("arets-nyheter-pa-oland", "ny-adress"):
        moved = anonymous.get(f"/nyheter/{old}")
        assert moved.status_code == 301
        assert urlsplit(moved.headers["Location"]).path == "/nyheter/nyaste-adressen"
    assert anonymous.get("/nyheter/nyaste-adressen").status_code == 200
    # back to the first address: no loop, the page answers there
    assert submit(marketer, edit, {"slug": "arets-nyheter-pa-oland"}, "save").status_code == 303
    assert anonymous.get("/nyheter/arets-nyheter-pa-oland").status_code == 200
    for old in ("ny-adress", "nyaste-adressen"):
        moved = anonymous.get(f"/nyheter/{old}")
        assert moved.status_code == 301
        assert urlsplit(moved.headers["Location"]).path == "/nyheter/arets-nyheter-pa-oland"
    # another page's slug is refused, with the form kept
    taken = submit(marketer, edit, {"slug": "arets-nyheter-pa-oland-2"}, "save")
    assert taken.status_code == 400
    assert "En annan sida har redan den adressen." in taken.get_data(as_text=True)
    # an unpublished page's old slug does not reveal the new one
    post_button(marketer, edit, f"{edit}/avpublicera")
    assert anonymous.get("/nyheter/ny-adress").status_code == 404
    with app.app_context():
        assert SlugRedirect.select().count() == 2


def test_restoring_an_old_revision_brings_back_its_text(app, marketer):
    edit_url = "/redaktion/nyheter/{}"
    row_id = row_id_from(
        submit(marketer, "/redaktion/nyheter/ny", article_fields(body_sv="Version ett."), "publish")
    )
    url = edit_url.format(row_id)
    assert submit(marketer, url, {"body_sv": "Version två."}, "save").status_code == 303
    anonymous = app.test_client()
    assert "Version två." in anonymous.get("/nyheter/arets-nyheter-pa-oland").get_data(as_text=True)
    with app.app_context():
        first = Revision.history("news", row_id)[-1]
    history = marketer.get(f"{url}/historik").get_data(as_text=True)
    assert "Maja Marknad" in history and "Version ett." in history
    assert f"/historik/{first.id}/aterstall" in history
    restored = post_button(marketer, f"{url}/historik", f"{url}/historik/{first.id}/aterstall")
    assert restored.status_code == 303
    with app.app_context():
        assert Article.get_by_id(row_id).body_sv == "Version ett."
        assert [r.action for r in Revision.history("news", row_id)] == [
            "restored",
            "edited",
            "published",
        ]
    # the page cache was cleared: the public sees the restored text at once
    assert "Version ett." in anonymous.get("/nyheter/arets-nyheter-pa-oland").get_data(as_text=True)
    # a revision of another page is not this page's to restore
    with app.app_context():
        other = Revision.select().where(Revision.object_id != row_id).first()
    token = csrf_from(marketer.get(f"{url}/historik").get_data(as_text=True))
    wrong = marketer.post(f"{url}/historik/{other.id}/aterstall", data={"csrf_token": token})
    assert wrong.status_code == 404


def test_saving_over_a_newer_revision_shows_a_conflict_and_keeps_the_typed_text(app, marketer):
    row_id = row_id_from(submit(marketer, "/redaktion/nyheter/ny", article_fields(), "publish"))
    url = f"/redaktion/nyheter/{row_id}"
    # Maja opens the form...
    html = marketer.get(url).get_data(as_text=True)
    stale = re.search(r'name="based_on" type="hidden" value="(\d+)"', html).group(1)
    # ...the admin saves a change meanwhile...
    admin = app.test_client()
    log_in(admin, ADMIN)
    assert submit(admin, url, {"body_sv": "Adas ändring."}, "save").status_code == 303
    # ...and Maja saves hers on the old form
    mine = {**article_fields(body_sv="Majas ändring."), "based_on": stale}
    conflict = submit(marketer, url, mine, "save")
    page = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Ada Admin" in page and "Majas ändring." in page and "Adas ändring." in page
    with app.app_context():
        assert Article.get_by_id(row_id).body_sv == "Adas ändring."
        newest = Revision.latest("news", row_id).id
    # the form now knows of the newer revision: saving again overwrites it knowingly
    assert f'value="{newest}"' in page
    again = submit(marketer, url, {**mine, "based_on": str(newest)}, "save")
    assert again.status_code == 303
    with app.app_context():
        assert Article.get_by_id(row_id).body_sv == "Majas ändring."


def test_a_form_that_fails_validation_comes_back_with_everything_typed(app, marketer):
    fields = article_fields(title_sv="", body_sv="Allt jag skrev.", publish_at="inte en tid")
    answer = submit(marketer, "/redaktion/nyheter/ny", fields, "save")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Skriv en rubrik." in html and "Allt jag skrev." in html
    assert "En sammanfattning av året." in html
    with app.app_context():
        assert not Article.select().where(Article.body_sv == "Allt jag skrev.").exists()


@pytest.mark.parametrize(
    "path,data",
    [
        ("/redaktion/nyheter/ny", {"action": "radera-allt"}),
        ("/redaktion/nyheter/ny", {"published": "2026-13-45", "action": "save"}),
        ("/redaktion/nyheter/ny", {"kind": "annons", "action": "save"}),
        ("/redaktion/nyheter/{id}", {"based_on": "'; drop table", "action": "save"}),
        ("/redaktion/nyheter/{id}", {"slug": "Inte En Slug!", "action": "save"}),
        ("/redaktion/nyheter/{id}", {"title_sv": "a\x00b", "action": "save"}),
        ("/redaktion/produkter/{pid}", {"position": "många", "action": "save"}),
        ("/redaktion/kundsidor/{cid}", {"duration_minutes": "-5", "action": "save"}),
    ],
)
def test_bad_input_in_any_field_is_a_4xx(app, demo, path, data):
    with app.app_context():
        ids = {
            "id": Article.select().first().id,
            "pid": Product.select().first().id,
            "cid": CustomerResource.select().first().id,
        }
    client = app.test_client()
    log_in(client, ADMIN)
    url = path.format(**ids)
    html = client.get(url).get_data(as_text=True)
    form = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', html))
    form.update({k: v for k, v in article_fields().items() if k not in form or not form[k]})
    form.update(data)
    form["csrf_token"] = csrf_from(html)
    answer = client.post(url, data=form)
    assert 400 <= answer.status_code < 500, answer.status_code


@pytest.mark.parametrize(
    "url",
    [
        "/redaktion/nyheter/99999999999999999",
        "/redaktion/nyheter/999999/historik",
        "/redaktion/produkter/999999/forhandsgranska",
    ],
)
def test_unknown_rows_are_404(app, demo, url):
    client = app.test_client()
    log_in(client, ADMIN)
    assert client.get(url).status_code == 404


def _editor_urls(app) -> list[tuple[str, str, tuple[str, ...]]]:
    """(endpoint, url, methods) of every editor route, with real ids."""
    with app.app_context():
        ids = {}
        for model in (Article, Product, Course, CustomerResource, SubProcessor):
            row = model.select().first()
            ids[model] = row.id
        revision = Revision.select().first().id
    urls = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("editor."):
            continue
        values = {"row_id": 1, "revision_id": revision}
        kind = rule.endpoint.split(".")[1].split("_")[0]
        model = {
            "news": Article,
            "product": Product,
            "course": Course,
            "customer": CustomerResource,
            "subprocessor": SubProcessor,
        }.get(kind)
        if model is not None:
            values["row_id"] = ids[model]
        url = adapter.build(rule.endpoint, {k: v for k, v in values.items() if k in rule.arguments})
        urls.append((rule.endpoint, url, tuple(m for m in ("GET", "POST") if m in rule.methods)))
    return urls


@pytest.mark.parametrize(
    "email,refused",
    [
        (None, "everything"),
        (CUSTOMER, "everything"),
        (MARKETER, ("customer", "subprocessor")),
        (STAFF, ("news", "product", "course", "subprocessor")),
    ],
)
def test_who_may_not_edit_is_refused_on_every_editor_endpoint(app, demo, database, email, refused):
    client = app.test_client()
    if email:
        log_in(client, email)
    urls = _editor_urls(app)
    assert len(urls) == 1 + 5 * 8
    checked = 0
    for endpoint, url, methods in urls:
        kind = endpoint.split(".")[1].split("_")[0]
        if refused != "everything" and kind not in refused:
            continue
        for method in methods:
            response = client.open(url, method=method, data={})
            if email is None:
                assert response.status_code == 302, (method, url)
                assert urlsplit(response.headers["Location"]).path == "/logga-in"
            else:
                assert response.status_code == 403, (email, method, url, response.status_code)
            checked += 1
    assert checked >= 10
    with app.app_context():
        # nothing was changed by the refused requests
        assert Revision.select().where(Revision.author_id.is_null(False)).count() == 0


def test_the_overview_shows_what_each_role_may_edit_with_demo_content(app, demo):
    pages = {}
    for role, email in (("marketer", MARKETER), ("staff", STAFF), ("admin", ADMIN)):
        client = app.test_client()
        log_in(client, email)
        response = client.get("/redaktion/")
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]
        pages[role] = response.get_data(as_text=True)
    sections = {
        role: set(re.findall(r'<h2 id="kind-(\w+)">', html)) for role, html in pages.items()
    }
    assert sections == {
        "marketer": {"news", "product", "course"},
        "staff": {"customer"},
        "admin": {"news", "product", "course", "customer", "subprocessor"},
    }
    # the demo content is there, published, with its first revision
    assert "Publicerad" in pages["marketer"] and "Demoinnehåll" in pages["marketer"]
    with app.app_context():
        for kind, model in (
            ("news", Article),
            ("product", Product),
            ("subprocessor", SubProcessor),
        ):
            assert model.select().where(model.status != "published").count() == 0
            assert Revision.select().where(Revision.kind == kind).count() == model.select().count()


def test_every_editor_page_of_every_kind_is_no_store_and_has_no_inline_script(app, demo):
    admin = app.test_client()
    log_in(admin, ADMIN)
    urls = []
    for _endpoint, url, methods in _editor_urls(app):
        if "GET" in methods:
            urls.append(url)
    assert len(urls) == 1 + 5 * 5
    for url in urls:
        response = admin.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.headers["X-Robots-Tag"] == "noindex", url
        assert "nonce-" not in response.headers["Content-Security-Policy"], url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html, url
        # every field has its label
        for field_id in re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', html):
            if field_id not in ("based_on", "csrf_token"):
                assert f'for="{field_id}"' in html, (url, field_id)


def test_editing_actions_are_logged(app, marketer, caplog):
    with caplog.at_level(logging.INFO, logger="winlas.editor"):
        row_id = row_id_from(submit(marketer, "/redaktion/nyheter/ny", article_fields(), "save"))
        post_button(
            marketer, f"/redaktion/nyheter/{row_id}", f"/redaktion/nyheter/{row_id}/publicera"
        )
    with app.app_context():
        user_id = User.by_email(MARKETER).id
    messages = [r.getMessage() for r in caplog.records if r.name == "winlas.editor"]
    assert f"user={user_id} action=created kind=news id={row_id}" in messages
    assert f"user={user_id} action=published kind=news id={row_id}" in messages


def test_english_pages_without_english_text_say_so(app, marketer):
    row_id = row_id_from(submit(marketer, "/redaktion/nyheter/ny", article_fields(), "publish"))
    english = app.test_client()
    english.get("/sprak/en?next=/")
    html = english.get("/nyheter/arets-nyheter-pa-oland").get_data(as_text=True)
    assert "This page is not yet available in English" in html or (
        "Den här sidan finns ännu inte på engelska" in html
    )
    assert '<div lang="sv">' in html
    fields = article_fields(
        title_en="This year's news", summary_en="A summary.", body_en="The **English** text."
    )
    submit(marketer, f"/redaktion/nyheter/{row_id}", fields, "save")
    html = english.get("/nyheter/arets-nyheter-pa-oland").get_data(as_text=True)
    assert "<strong>English</strong>" in html and '<div lang="sv">' not in html
    assert "Den här sidan finns ännu inte på engelska" not in html


def test_renaming_a_product_keeps_its_courses_and_customer_pages_linked(app, demo):
    client = app.test_client()
    log_in(client, MARKETER)
    with app.app_context():
        product = Product.get(Product.slug == "winlas-bibliotek")
        linked = Course.select().where(Course.product_slug == "winlas-bibliotek").count()
    assert linked
    url = f"/redaktion/produkter/{product.id}"
    assert submit(client, url, {"slug": "winlas-bibliotek-9"}, "save").status_code == 303
    with app.app_context():
        assert Course.select().where(Course.product_slug == "winlas-bibliotek-9").count() == linked
        assert (
            not CustomerResource.select()
            .where(CustomerResource.product_slug == "winlas-bibliotek")
            .exists()
        )
    moved = app.test_client().get("/produkter/winlas-bibliotek")
    assert moved.status_code == 301
    assert app.test_client().get("/produkter/winlas-bibliotek-9").status_code == 200


def test_staff_edit_customer_pages_and_admins_the_sub_processor_list(app, demo):
    staff = app.test_client()
    log_in(staff, STAFF)
    fields = {
        "title_sv": "Nyheter i version 9",
        "summary_sv": "Det nya i version 9.",
        "body_sv": "- Snabbare sökning\n- Nya rapporter",
        "kind": "release",
        "product_slug": "",
        "version": "9.0",
        "published": "2026-12-01",
        "duration_minutes": "",
        "publish_at": "",
    }
    row_id = row_id_from(submit(staff, "/redaktion/kundsidor/ny", fields, "publish"))
    customer = app.test_client()
    log_in(customer, CUSTOMER)
    assert "Nyheter i version 9" in customer.get("/kundsidor").get_data(as_text=True)
    page = customer.get("/kundsidor/nyheter-i-version-9").get_data(as_text=True)
    assert "<li>Snabbare sökning</li>" in page
    assert staff.get(f"/redaktion/kundsidor/{row_id}/historik").status_code == 200

    admin = app.test_client()
    log_in(admin, ADMIN)
    sub = {
        "name": "Nytt Moln AB",
        "purpose_sv": "Lagring",
        "location_sv": "Sverige",
        "safeguard_sv": "DPA",
        "position": "9",
        "publish_at": "",
    }
    sub_id = row_id_from(submit(admin, "/redaktion/underbitraden/ny", sub, "save"))
    assert "Nytt Moln AB" not in app.test_client().get("/underbitraden").get_data(as_text=True)
    post_button(
        admin,
        f"/redaktion/underbitraden/{sub_id}",
        f"/redaktion/underbitraden/{sub_id}/publicera",
    )
    assert "Nytt Moln AB" in app.test_client().get("/underbitraden").get_data(as_text=True)


def test_existing_customer_lists_still_render_as_lists(app, demo):
    customer = app.test_client()
    log_in(customer, CUSTOMER)
    with app.app_context():
        resource = CustomerResource.get(CustomerResource.body_sv.contains("\n- "))
    html = customer.get(f"/kundsidor/{resource.slug}").get_data(as_text=True)
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<ul>\n<li>" in main and "– " not in main
