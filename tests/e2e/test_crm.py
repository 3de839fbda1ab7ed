"""A salesperson's morning in a real browser: sort the leads, change a status from the list,
plan a follow-up for today and find it under "Att göra i dag"."""

import re

import pytest

from tests.e2e.conftest import log_in
from winlas_site.auth.models import User
from winlas_site.clock import local_today
from winlas_site.leads.models import Lead, submit_inquiry

pytestmark = pytest.mark.e2e

STAFF = "support@winlas.se"


def test_staff_sort_change_a_status_and_find_todays_follow_up(page, live_app):
    with live_app.app_context():
        lead, _created = submit_inquiry(
            "quote",
            "e2e-crm-tools",
            {
                "email": "zacharias.oberg@e2e-crm.se",
                "first_name": "Zacharias",
                "last_name": "Öberg-E2E",
                "organisation_name": "E2E-kommunen",
                "work_phone": "08-765 43 21",
            },
            {"message": "Vi vill veta mer om RFID."},
        )
        Lead.update(owner=User.get(User.email == STAFF).id).where(Lead.id == lead.id).execute()

    log_in(page, STAFF, next_url="/crm/", lands_on="/crm/")
    page.get_by_role("columnheader", name=re.compile(r"^Kontakt")).get_by_role("link").click()
    page.wait_for_url(re.compile(r"sortera=namn&ordning=asc"))
    header = page.locator("th[aria-sort]")
    assert header.get_attribute("aria-sort") == "ascending" and "Kontakt" in header.inner_text()
    page.get_by_role("columnheader", name=re.compile(r"^Kontakt")).get_by_role("link").click()
    page.wait_for_url(re.compile(r"sortera=namn&ordning=desc"))
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"

    row = page.get_by_role("row").filter(has_text="zacharias.oberg@e2e-crm.se")
    assert row.get_by_role("link", name="08-765 43 21").get_attribute("href") == "tel:+4687654321"
    row.get_by_label("Status för Zacharias Öberg-E2E").select_option("kontaktad")
    row.get_by_role("button", name=re.compile("Spara")).click()
    page.wait_for_url(re.compile(r"/crm/\?sortera=namn&ordning=desc$"))
    row = page.get_by_role("row").filter(has_text="zacharias.oberg@e2e-crm.se")
    assert row.get_by_label("Status för Zacharias Öberg-E2E").input_value() == "kontaktad"

    row.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/crm/leads/{lead.id}$"))
    today = local_today().isoformat()
    page.get_by_label("Följ upp den").fill(today)
    page.get_by_label("Vad ska göras?").fill("Ring och boka visning")
    page.get_by_role("button", name="Spara uppföljning").click()
    page.wait_for_url(re.compile(rf"/crm/leads/{lead.id}$"))
    timeline = page.get_by_role("list", name="Tidslinje").inner_text()
    assert f"Uppföljning satt till {today}: Ring och boka visning" in timeline
    assert "Status ändrad från Ny till Kontaktad" in timeline

    page.goto("/crm/")
    page.get_by_role("link", name="Att göra i dag").click()
    page.wait_for_url(re.compile(r"/crm/att-gora$"))
    due = page.locator("main").inner_text()
    today_part = due.split("Försenade")[0]
    assert "Zacharias Öberg-E2E" in today_part and "Ring och boka visning" in today_part
