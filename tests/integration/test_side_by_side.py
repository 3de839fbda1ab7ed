"""Two visitors side by side: neither ever sees the other's identifiers (issue 10 item 3,
docs/HOSTILE_INPUTS.md #32).

With the page cache on (30 s), every GET route of the URL map is asked by two visitors
back-to-back, then by the first one again: different consent cookies (accepting all, rejecting
all), one of them logged in, and also two anonymous visitors who both accepted all (the pair that
once shared a consent receipt through the cache). The test fails when a page of one holds an
identifier of the other (consent id, email, name, visitor id, session cookie, CSRF token), or
when a page outside the access table's cacheable list is answered from the cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask import g, request

from tests.conftest import PASSWORD, AuthActions
from tests.integration.test_access_table import DEMO_LOGINS, example_urls
from winlas_site import access

ORIGIN = {"Origin": "http://localhost", "Accept": "application/json"}
CSRF_VALUE = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)
# state-changing or language-switching GETs would change what the rest of the walk shows
# binary answers (files, images) and the language switch (a redirect that sets a cookie)
SKIPPED = {"static", "analytics.static", "public.set_language", "media.file"}
NAMES = {
    "admin": ("admin@winlas.se", "Ada", "Admin"),
    "customer": ("bibliotekarie@exempelkommun.se", "Karin", "Kund"),
}


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_PAGE_CACHE_SECONDS"] = 30
    return app_config


@dataclass
class Visitor:
    label: str
    client: object
    consent_id: str
    logged_in: bool = False
    fixed: set[str] = field(default_factory=set)  # email, name, cookie values
    pages: list[tuple[str, str]] = field(default_factory=list)  # (path, body)

    def get(self, app, url: str):
        session_cookie = app.config["SESSION_COOKIE_NAME"]
        if not self.logged_in:
            # an anonymous visitor as the cache meets them: a form page gave them a session
            # (CSRF), which would make every later request bypass the cache
            self.client.delete_cookie(session_cookie)
        response = self.client.get(url)
        for name in (session_cookie, "winlas_vid"):
            cookie = self.client.get_cookie(name)
            if cookie is not None:
                self.fixed.add(cookie.value)
        self.pages.append((url, response.get_data(as_text=True)))
        return response

    def identifiers(self) -> set[str]:
        found = set(self.fixed)
        found.add(self.consent_id)
        for _path, body in self.pages:
            for match in CSRF_VALUE.finditer(body):
                found.add(match.group(1) or match.group(2))
        return {value for value in found if value and len(value) >= 6}


def visitor(app, label: str, choice: str, role: str | None = None) -> Visitor:
    """A browser that made ``choice`` in the banner and, with ``role``, logged in."""
    client = app.test_client()
    answer = client.post("/samtycke", data={"action": choice, "next": "/"}, headers=ORIGIN)
    assert answer.status_code == 200, answer.status_code
    person = Visitor(label, client, answer.json["consent_id"], logged_in=role is not None)
    if role is not None:
        assert AuthActions(client).login(DEMO_LOGINS[role], PASSWORD).status_code == 302
        email, first, last = NAMES[role]
        person.fixed |= {email, f"{first} {last}"}
    return person


PAIRS = {
    "logged-in-admin-accepting-vs-anonymous-rejecting": (
        ("accept_all", "admin"),
        ("reject_all", None),
    ),
    "anonymous-rejecting-vs-logged-in-customer-accepting": (
        ("reject_all", None),
        ("accept_all", "customer"),
    ),
    "two-anonymous-visitors-both-accepting": (("accept_all", None), ("accept_all", None)),
}


@pytest.mark.parametrize("pair", PAIRS)
def test_two_visitors_asking_for_every_page_within_the_cache_time_never_see_each_other(
    app, demo, pair
):
    assert app.extensions["page_cache"].ttl == 30
    hits: list[tuple[str, str]] = []

    @app.after_request
    def record_cache_hits(response):
        if g.get("page_cache_hit"):
            hits.append((request.endpoint, request.path))
        return response

    # the page cache's WSGI layer answers before Flask: a request that never reached Flask's
    # first hook came from the cache too
    reached: list[str] = []

    def reached_flask():
        reached.append(request.path)

    app.before_request_funcs.setdefault(None, []).insert(0, reached_flask)

    urls = example_urls(app)
    (choice_a, role_a), (choice_b, role_b) = PAIRS[pair]
    first = visitor(app, "first", choice_a, role_a)
    second = visitor(app, "second", choice_b, role_b)
    # the cacheable pages first: visitors who have not yet been shown a form (and so have no
    # session cookie) are the ones the cache serves
    endpoints = sorted(
        (rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods),
        key=lambda endpoint: (not access.TABLE[endpoint].cacheable, endpoint),
    )
    for endpoint in endpoints:
        if endpoint in SKIPPED:
            continue
        for person in (first, second, first):
            before = len(reached)
            response = person.get(app, urls[endpoint])
            assert response.status_code < 500, (person.label, urls[endpoint])
            if len(reached) == before:
                hits.append((endpoint, urls[endpoint]))

    leaks = set()
    for me, other in ((first, second), (second, first)):
        theirs = other.identifiers()
        for path, body in me.pages:
            leaks |= {(me.label, path, value) for value in theirs if value in body}
    assert not leaks, f"a visitor saw the other's identifiers: {sorted(leaks)}"

    outside = sorted({(e, p) for e, p in hits if not access.TABLE[e].cacheable})
    assert not outside, f"pages outside the cacheable list came from the cache: {outside}"
    if pair == "two-anonymous-visitors-both-accepting":
        # the walk did exercise the cache: the same consent state shares public pages
        assert {"public.home", "products.index"} <= {endpoint for endpoint, _path in hits}
