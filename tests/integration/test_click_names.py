"""A click on a button is known by its name, never by its tag (issue 17: the click table showed
a raw "button" row, every button's clicks under the tag the tracker sent as their target)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import time
import uuid

import pytest

from analytics.models import Event
from analytics.store import write_lines
from tests.integration.test_collect import CHROME, ORIGIN, STOCKHOLM

NO_NAME = "(knapp utan namn)"


def click(target: str, name: str) -> dict:
    return {
        "type": "click",
        "url": "http://localhost/produkter",
        "id": str(uuid.uuid4()),
        "ts": int(time.time() * 1000),
        "target": target,
        "name": name,
    }


def collect(client, events: list[dict]) -> None:
    response = client.post(
        "/api/collect",
        data=json.dumps({"events": events}),
        content_type="application/json",
        headers={**ORIGIN, "User-Agent": CHROME},
        environ_base={"REMOTE_ADDR": STOCKHOLM},
    )
    assert response.status_code in (200, 202), response.get_data(as_text=True)


def click_rows(client) -> list[list[str]]:
    response = client.get("/dashboard/export/click.csv?period=7d")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:]), delimiter=";"))


@pytest.fixture
def marketer_after_clicks(app, client, create_user, auth):
    """A visitor's clicks from the tracker of before issue 17 (a button's tag as its target)
    and of now (no target, the button's name), then a marketer on the same browser."""
    client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    collect(
        client,
        [
            {**click("http://localhost/produkter", "Produkter"), "type": "pageview"},
            click("button", "Visa fler kurser"),  # an old tracker in a cached page
            click("", "Skicka"),
            click("", "Skicka"),
            click("", ""),  # a button with neither text nor label
            click("http://localhost/kontakt", "Kontakt"),
        ],
    )
    create_user("marknad@exempel.se", role="marketer")
    assert auth.login("marknad@exempel.se").status_code == 302
    return client


def test_a_button_is_stored_by_its_name_and_a_link_by_where_it_leads(app, marketer_after_clicks):
    with app.app_context():
        stored = {(e.target, e.name) for e in Event.select().where(Event.type == "click")}
    assert stored == {("", "Visa fler kurser"), ("", "Skicka"), ("", ""), ("/kontakt", "Kontakt")}


def test_the_click_table_lists_buttons_by_name_and_no_raw_tag(marketer_after_clicks):
    rows = click_rows(marketer_after_clicks)
    counts = {key: clicks for key, clicks in rows[1:]}
    assert counts == {"Skicka": "2", "Visa fler kurser": "1", "/kontakt": "1", NO_NAME: "1"}
    html = marketer_after_clicks.get("/dashboard/?period=7d").get_data(as_text=True)
    panel = re.search(r'data-table="click".*?</table>', html, re.S).group(0)
    assert "Skicka" in panel and NO_NAME in panel
    assert not re.search(r">\s*button\s*<", panel)


def test_clicks_stored_under_the_tag_before_read_as_a_button_without_a_name(
    app, client, create_user, auth
):
    now = datetime.datetime.now(datetime.UTC)
    with app.app_context():
        write_lines(
            [
                {
                    "r": int(now.timestamp() * 1000),
                    "v": "d" * 32,
                    "u": None,
                    "ip": "192.0.2.0",
                    "geo": ["SE", "", ""],
                    "ua": ["Chrome", "120", "Windows", "10", "desktop"],
                    "events": [
                        {
                            "id": str(uuid.uuid4()),
                            "type": kind,
                            "ts": int(now.timestamp() * 1000),
                            "path": "/produkter",
                            **fields,
                        }
                        for kind, fields in (
                            ("pageview", {"ref": ["direct", ""]}),
                            ("click", {"target": "button", "name": ""}),
                            ("click", {"target": "button", "name": "Visa fler"}),
                        )
                    ],
                }
            ]
        )
    create_user("marknad@exempel.se", role="marketer")
    assert auth.login("marknad@exempel.se").status_code == 302
    rows = click_rows(client)
    assert rows[1:] == [[NO_NAME, "2"]]
