"""A real browser builds an interest profile with marketing consent; a marketer sees it."""

import re

from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_only_declared_storage, open_page


def test_a_visitors_interest_shows_up_in_the_marketers_profile_views(
    browser, live_server, live_app
):
    visitor = open_page(browser, live_server)
    visitor.goto("/produkter/winlas-bibliotek")
    with visitor.expect_response(re.compile(r"/api/collect$")) as collected:
        visitor.get_by_role("button", name="Acceptera alla").click()
    assert collected.value.status == 202
    visitor_id = next(c["value"] for c in visitor.context.cookies() if c["name"] == "winlas_vid")
    assert_only_declared_storage(visitor)
    visitor.context.close()

    from analytics import profiles

    with live_app.app_context():
        live_app.extensions["analytics"].flush()  # what the background writer does
        profiles.update()

    marketer = open_page(browser, live_server)
    marketer.goto("/logga-in?next=/dashboard/profiler/")
    marketer.get_by_label("E-postadress").fill("marknad@winlas.se")
    marketer.get_by_label("Lösenord").fill(PASSWORD)
    marketer.get_by_role("button", name="Logga in").click()
    marketer.wait_for_url(re.compile(r"/dashboard/profiler/$"))
    marketer.get_by_role("link", name=f"{visitor_id[:8]}…").click()
    assert marketer.get_by_role("heading", level=1).inner_text().endswith(f"{visitor_id[:8]}…")
    table = marketer.get_by_role("table", name="Intressen")
    assert "WinLas Bibliotek" in table.inner_text()
    assert (
        "Sidvisning /produkter/winlas-bibliotek" in marketer.locator("section.visit").inner_text()
    )
    marketer.context.close()
