"""The export page's "what we keep, why and for how long" (issue 17): read in the page's
language, retention in plain words from the running settings, no setting's or table's name."""

from __future__ import annotations

import re

import pytest

from tests.conftest import log_in
from winlas_site import inventory

EMAIL = "vera.vetgirig@exempelkommun.se"


@pytest.fixture
def app_config(app_config):
    # a deletion after 400 days: the page says what the site is set to, not a default
    app_config.update(WINLAS_INACTIVE_DAYS=400)
    return app_config


@pytest.fixture
def reader(client, create_user):
    create_user(EMAIL)
    assert log_in(client, EMAIL).status_code == 302
    return client


def inventory_part(html: str) -> str:
    table = html.split("<h2>", html.count("<h2>"))[-1]
    return " ".join(table.split("</table>", 1)[0].split())


@pytest.mark.parametrize(
    ("language", "heading", "rows"),
    [
        (
            "sv",
            ("Vad vi sparar", "Ändamål", "Lagringstid"),
            (
                "Det raderas 400 dagar efter din senaste inloggning eller aktivitet; 30 dagar "
                "innan får du en påminnelse",
                "För att kunna visa att vi följer ditt val (bevis på samtycke)",
                "2 år efter valet",
                "Dina kursanmälningar: kurstillfälle, status, kostavvikelser",
            ),
        ),
        (
            "en",
            # (not "What we keep": a new msgid, translated when the catalogue is)
            ("Purpose", "Retention"),
            (
                "It is deleted 400 days after your last login or activity; you get a reminder "
                "30 days before",
                "To be able to show that we respect your choice (proof of consent)",
                "2 years after the choice",
                "Your course sign-ups: the session, status, dietary requirements",
            ),
        ),
    ],
    ids=["swedish", "english"],
)
def test_the_inventory_reads_in_the_pages_language(reader, language, heading, rows):
    reader.get(f"/sprak/{language}")
    part = inventory_part(reader.get("/konto/export").get_data(as_text=True))
    for words in (*heading, *rows):
        assert words in part, words
    # no setting, table or field name, and nothing of the other language
    assert not re.search(r"WINLAS_|ANALYTICS_|\b[a-z]+_[a-z_]+\b", part), part
    other = "Dina kursanmälningar" if language == "en" else "Your course sign-ups"
    assert other not in part


def test_every_table_with_personal_data_has_a_row(reader):
    part = inventory_part(reader.get("/konto/export").get_data(as_text=True))
    assert part.count("<tr>") == 1 + len(inventory.personal_models())


def test_the_export_file_keeps_its_inventory_with_plain_retention(reader):
    exported = reader.get("/konto/export.json").get_json()
    entries = {(e["table"], e["field"]): e for e in exported["inventory"]}
    assert set(entries[("user", "email")]) == {"table", "field", "category", "purpose", "retention"}
    assert "400 dagar" in entries[("user", "email")]["retention"]
    assert not any("WINLAS_" in e["retention"] for e in exported["inventory"])


def test_every_section_of_the_summary_has_a_name(reader):
    html = reader.get("/konto/export").get_data(as_text=True)
    summary = html.split("<table>", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>([^<]*)</td>", summary)
    assert len(cells) >= 15
    assert [cell for cell in cells if re.search(r"\b[a-z]+_[a-z_]+\b", cell)] == []
