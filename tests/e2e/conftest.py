"""A live server with demo content and a real Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import CHEAP_HASHER, PASSWORD
from winlas_site import create_app, db
from winlas_site.cookies import declared

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("WINLAS_REQUIRE_BROWSER") == "1"
# the flags Chromium needs as root in a closed network (no calls home, no sandbox user).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def closing_before_sending(app):
    """Buffer each response and close it before the server writes a byte.

    Werkzeug's development server skips the response's close() when the browser drops
    the connection mid-write (a navigation cancels the favicon), which leaves the static
    file open; the ResourceWarning then fails whichever test happens to be running.
    """

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The real app with demo content, served over HTTP on a free loopback port."""
    folder = tmp_path_factory.mktemp("live")
    database = db.make_database(f"sqlite:///{folder / 'winlas.db'}")
    db.migrate(database)
    app = create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE": database,
            "SECRET_KEY": "e2e-secret",
            "PASSWORD_HASHER": CHEAP_HASHER,
            "RATELIMIT_STORAGE_URI": "memory://",
            # no writer process beside this in-process server: a writer thread stores instead
            "ANALYTICS_WRITE_MODE": "background",
        }
    )
    with app.app_context():
        from winlas_site.demo import load

        load.load_all(PASSWORD)
    server = make_server("127.0.0.1", 0, closing_before_sending(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.live_url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(live_app):
    return live_app.live_url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; the run fails (not skips) in CI when it is missing."""
    if not os.path.exists(CHROMIUM):
        if REQUIRE_BROWSER:
            pytest.fail("WINLAS_REQUIRE_BROWSER=1 but chromium is not installed", pytrace=False)
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# headless Chromium says "HeadlessChrome", which the collector rightly drops as a bot; the tests
# play a visitor in an ordinary Chrome.
VISITOR_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


def open_page(browser, live_server, **options):
    """A page in a fresh context (no cookies) whose every request is recorded."""
    options.setdefault("user_agent", VISITOR_AGENT)
    context = browser.new_context(base_url=live_server, locale="sv-SE", **options)
    page = context.new_page()
    page.requests_seen = []
    page.on("request", lambda request: page.requests_seen.append(request.url))
    return page


@pytest.fixture(scope="session")
def visitor_browser(browser):
    """A second Chromium that says it is an ordinary Chrome in every request, with the back/forward
    cache on, as a visitor's browser has it (Playwright turns the cache off by default).

    ``open_page``'s user agent is a per-page override, and it does not reach a beacon a page
    sends while a navigation unloads it: that one goes out as HeadlessChrome and is dropped as a
    bot, so with ``browser`` such beacons are lost. Launched by the same Playwright as
    ``browser``."""
    other = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, f"--user-agent={VISITOR_AGENT}"],
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield other
    other.close()


def log_in(
    page, email: str, password: str = PASSWORD, next_url: str = "", lands_on: str = ""
) -> None:
    """Log the page in through the real form, as a person types it; wait for the answer.

    ``next_url`` goes into the login address's ``?next=``; ``lands_on`` is the path the login
    must end on (plain text, not a pattern), when the test needs to be sure it worked.
    """
    page.goto(f"/logga-in?next={next_url}" if next_url else "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    if lands_on:
        page.wait_for_url(re.compile(re.escape(lands_on) + "$"))


def assert_only_declared_storage(page) -> None:
    """Every cookie and storage key the browser holds must be in the registry."""
    names = {cookie["name"] for cookie in page.context.cookies()}
    if page.url.startswith("http") and not page.is_closed():
        names |= set(page.evaluate("Object.keys(sessionStorage).concat(Object.keys(localStorage))"))
    undeclared = {name for name in names if declared(name) is None}
    assert not undeclared, f"undeclared cookies or storage keys: {undeclared}"


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context whose cookies and storage are checked against the registry."""
    page = open_page(browser, live_server)
    yield page
    assert_only_declared_storage(page)
    page.context.close()
