"""Headers, limits and hostile requests that every page must survive."""

import datetime
import logging

import pytest
import time_machine
from werkzeug.test import encode_multipart

from tests.conftest import PASSWORD, csrf_from

PAGES = [
    "/",
    "/produkter",
    "/finns-inte",
    "/logga-in",
    "/kundsidor",
    "/static/css/site.css",
    "/sprak/en?next=/",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    for directive in (
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "default-src 'self'",
    ):
        assert directive in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain http: HSTS would be ignored


def test_hsts_of_at_least_a_year_over_https(client):
    response = client.get("/", base_url="https://localhost")
    max_age = int(response.headers["Strict-Transport-Security"].split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600


def test_an_untrusted_host_is_refused(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "X-Frame-Options" in response.headers


def test_a_configured_host_is_served(app_config):
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_TRUSTED_HOSTS": ["www.winlas.se"]})
    client = app.test_client()
    assert client.get("/", headers={"Host": "www.winlas.se"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400


def test_post_without_csrf_token_is_refused(client, create_user):
    create_user()
    response = client.post("/logga-in", data={"email": "kund@exempel.se", "password": "x"})
    assert response.status_code == 400
    assert "gått ut" in response.get_data(as_text=True)


def test_csrf_token_of_another_session_is_refused(app, create_user):
    create_user()
    other = app.test_client()
    token = csrf_from(other.get("/logga-in").get_data(as_text=True))
    client = app.test_client()
    client.get("/logga-in")
    response = client.post(
        "/logga-in", data={"csrf_token": token, "email": "kund@exempel.se", "password": "fel"}
    )
    assert response.status_code == 400


def test_a_20_mb_body_is_413(client):
    response = client.post(
        "/logga-in", data=b"x" * (20 * 1024 * 1024), content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert "För mycket data" in response.get_data(as_text=True)


def test_a_form_field_over_500_kb_is_413(client):
    # encoded here: the test client would spool a body this large to a temporary file.
    boundary, body = encode_multipart({"email": "a" * (600 * 1024)})
    response = client.post(
        "/logga-in", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413


def test_a_long_urlencoded_field_is_a_4xx(client):
    response = client.post("/logga-in", data={"email": "a" * (600 * 1024)})
    assert response.status_code == 400


def test_more_than_1000_form_parts_is_refused(client):
    body = "&".join(f"f{i}=x" for i in range(1200))
    response = client.post("/logga-in", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 413)


def test_invalid_utf8_in_form_and_headers_is_a_4xx(client):
    response = client.post(
        "/logga-in",
        data=b"email=%FF%FE&password=%FF",
        content_type="application/x-www-form-urlencoded",
    )
    assert 400 <= response.status_code < 500
    response = client.get(
        "/",
        headers={"Accept-Language": b"\xff\xfe".decode("latin-1"), "Cookie": "winlas_lang=\xff"},
    )
    assert response.status_code == 200


def test_session_cookie_flags(client, create_user, auth):
    create_user()
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over http in development


def test_cookies_are_secure_when_the_site_is_https(app_config):
    from winlas_site import create_app
    from winlas_site.auth.models import User

    app = create_app({**app_config, "WINLAS_SITE_URL": "https://www.winlas.se"})
    with app.app_context():
        User.create_account("kund@exempel.se", PASSWORD)
    client = app.test_client()
    assert client.get("/", base_url="https://localhost").headers.get("Set-Cookie") is None
    page = client.get("/logga-in", base_url="https://localhost")
    response = client.post(
        "/logga-in",
        base_url="https://localhost",
        # over https Flask-WTF also checks that the Referer is our own site, as browsers send it
        headers={"Referer": "https://localhost/logga-in"},
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": "kund@exempel.se",
            "password": PASSWORD,
            "remember": "y",
        },
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} == {"winlas_session", "winlas_remember"}
    for cookie in cookies:
        assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forged_forwarding_headers_neither_escape_the_login_limit_nor_reach_the_log(app, caplog):
    """docs/HOSTILE_INPUTS.md #15: without configured proxies, X-Forwarded-For and Forwarded are
    the client's own words; a new forged address per request must not make a new client."""
    caplog.set_level(logging.INFO, logger="winlas.auth")
    client = app.test_client()
    statuses = []
    for i in range(11):
        forged = f"203.0.113.{i + 1}"
        token = csrf_from(client.get("/logga-in").get_data(as_text=True))
        response = client.post(
            "/logga-in",
            data={"csrf_token": token, "email": f"person{i}@exempel.se", "password": "fel"},
            headers={"X-Forwarded-For": forged, "Forwarded": f"for={forged};proto=https"},
        )
        statuses.append(response.status_code)
    assert statuses == [401] * 10 + [429]
    assert "client=127.0.0.1" in caplog.text
    assert "203.0.113." not in caplog.text


def test_an_expired_csrf_token_is_refused(app, create_user):
    """docs/HOSTILE_INPUTS.md #17: a token older than WTF_CSRF_TIME_LIMIT is a 400, like a
    missing one."""
    create_user()
    client = app.test_client()
    with time_machine.travel(datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=9)):
        token = csrf_from(client.get("/logga-in").get_data(as_text=True))
    response = client.post(
        "/logga-in", data={"csrf_token": token, "email": "kund@exempel.se", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "gått ut" in response.get_data(as_text=True)
