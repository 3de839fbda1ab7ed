"""The newsletter over HTTP: double opt-in, one-click unsubscribe, the preference centre, staff
sending and consent-gated tracking; mail received by a real SMTP server on loopback."""

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import csrf_from
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.newsletter import tokens, tracking
from winlas_site.newsletter.models import (
    NEWSLETTER_CONSENT_VERSION,
    MailEvent,
    NewsletterIssue,
    NewsletterLink,
    Preference,
    Subscription,
)

# http: an https site URL makes the session cookie Secure, which the test client (http) drops
SITE = "http://www.winlas.example"
STAFF = "redaktor@winlas.se"
WEEK = 7 * 86400 + 60
GOOGLE_PROXY = "Mozilla/5.0 (Windows NT 5.1) Gecko (via ggpht.com GoogleImageProxy)"
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_SITE_URL"] = SITE
    return app_config


# helpers -------------------------------------------------------------------------------------


def signup_page(client, path="/nyhetsbrev"):
    html = client.get(path).get_data(as_text=True)
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)
    return {"csrf_token": csrf_from(html), "started": started}


def signup(client, email="anna.berg@exempel.se", **fields):
    data = {**signup_page(client), "email": email, "consent": "y", "source": "/nyheter"}
    data.update(fields)
    return client.post("/nyhetsbrev", data=data)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def link_in(message, path: str) -> str:
    """The absolute URL in the plain-text body whose path starts with ``path``."""
    match = re.search(rf"{re.escape(SITE)}{re.escape(path)}\S+", text_of(message))
    assert match, f"no {path} link in the message"
    return match.group(0)


def path_of(url: str) -> str:
    return urlsplit(url).path


def subscription(app, email="anna.berg@exempel.se") -> Subscription | None:
    with app.app_context():
        return Subscription.by_email(email)


def confirmed(app, email: str, tracking_consent=False) -> Subscription:
    """A confirmed subscriber, set up through the models (the HTTP path has its own test)."""
    with app.app_context():
        sub, _ = Subscription.request(email, "/nyhetsbrev", "sv")
        sub.confirm()
        if tracking_consent:
            Preference.for_email(email).apply(
                newsletter=True,
                object_to_profiling=False,
                email_tracking=True,
                source="/installningar",
                language="sv",
            )
        return Subscription.by_email(email)


def token_for(app, kind, *values, age_seconds=0):
    with app.app_context():
        if not age_seconds:
            return tokens.make(kind, *values)

        class OldSigner(TimestampSigner):
            def get_timestamp(self):
                return int(time.time()) - age_seconds

        serializer = URLSafeTimedSerializer(app.secret_key, salt=kind, signer=OldSigner)
        return serializer.dumps(list(values))


def preferences_path(app, email) -> str:
    with app.app_context():
        preference = Preference.for_email(email)
        return "/installningar/" + tokens.make(tokens.PREFERENCES, preference.id, preference.digest)


def compose(client, subject="Nytt i WinLas 8", body="Hej!\n\nVersion 8 är här.", links=""):
    page = client.get("/nyhetsbrev/utskick/nytt").get_data(as_text=True)
    return client.post(
        "/nyhetsbrev/utskick/nytt",
        data={"csrf_token": csrf_from(page), "subject": subject, "body": body, "links": links},
    )


def send(client, issue_path):
    page = client.get(issue_path + "/skicka").get_data(as_text=True)
    return client.post(issue_path + "/skicka", data={"csrf_token": csrf_from(page)})


def compose_and_send(client, **fields) -> str:
    response = compose(client, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    issue_path = response.headers["Location"]
    assert send(client, issue_path).status_code == 303
    return issue_path


def newsletters(smtp_server):  # noqa: F811
    return [m for m in smtp_server.messages if "List-Unsubscribe" in m]


# double opt-in -------------------------------------------------------------------------------


def test_double_opt_in_mails_a_link_whose_get_changes_nothing_and_whose_post_confirms(
    smtp_server, app, client
):  # noqa: F811
    response = signup(client, email="Anna.Berg@Exempel.se")
    assert response.status_code == 303 and response.headers["Location"] == "/nyhetsbrev/tack"
    assert "Kolla din inkorg" in client.get("/nyhetsbrev/tack").get_data(as_text=True)
    sub = subscription(app)
    assert sub.status == "pending" and sub.confirmed_at is None and sub.contact_id is None
    assert sub.source == "/nyheter" and sub.consent_text_version == NEWSLETTER_CONSENT_VERSION

    [message] = smtp_server.messages
    assert message["To"] == "anna.berg@exempel.se" and "List-Unsubscribe" not in message
    url = link_in(message, "/nyhetsbrev/bekrafta/")
    assert url in html_of(message)

    fresh = app.test_client()  # the link is opened in another browser, as from a mail client
    page = fresh.get(path_of(url))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<button type="submit"' in html
    assert page.headers["Cache-Control"] == "no-store"
    assert subscription(app).status == "pending"  # a mail scanner's GET confirms nothing

    response = fresh.post(path_of(url), data={"csrf_token": csrf_from(html)})
    assert response.status_code == 200 and "nu prenumererar du" in response.get_data(as_text=True)
    sub = subscription(app)
    assert sub.status == "confirmed" and sub.confirmed_at is not None
    with app.app_context():
        assert sub.contact.email == "anna.berg@exempel.se"
        assert Preference.for_email("anna.berg@exempel.se").newsletter is True

    # idempotent: a second POST changes nothing and still says yes
    again = fresh.post(path_of(url), data={"csrf_token": csrf_from(html)})
    assert again.status_code == 200 and subscription(app).confirmed_at == sub.confirmed_at


def test_the_consent_box_is_unticked_and_required(smtp_server, app, client):  # noqa: F811
    html = client.get("/nyhetsbrev").get_data(as_text=True)
    box = re.search(r'<input id="consent"[^>]*>', html).group(0)
    assert "checked" not in box and NEWSLETTER_CONSENT_VERSION in html
    response = signup(client, consent="")
    assert response.status_code == 400 and "Kryssa i rutan" in response.get_data(as_text=True)
    assert subscription(app) is None and smtp_server.messages == []


def test_confirming_needs_a_real_csrf_token(app, client):
    signup(client)
    sub = subscription(app)
    token = token_for(app, tokens.CONFIRM, sub.id, sub.digest)
    response = app.test_client().post(f"/nyhetsbrev/bekrafta/{token}")
    assert response.status_code == 400 and subscription(app).status == "pending"


@pytest.mark.parametrize("damage", ["expired", "tampered", "other_kind", "unknown_id", "long"])
def test_an_expired_or_tampered_confirmation_link_is_a_400_page(app, client, damage):
    signup(client)
    sub = subscription(app)
    token = {
        "expired": lambda: token_for(
            app, tokens.CONFIRM, sub.id, sub.digest, age_seconds=8 * 86400
        ),
        "tampered": lambda: token_for(app, tokens.CONFIRM, sub.id, sub.digest)[:-3] + "abc",
        "other_kind": lambda: token_for(app, tokens.UNSUBSCRIBE, sub.id, sub.digest),
        "unknown_id": lambda: token_for(app, tokens.CONFIRM, sub.id + 1000, sub.digest),
        "long": lambda: "a" * 5000,
    }[damage]()
    response = client.get(f"/nyhetsbrev/bekrafta/{token}")
    assert response.status_code == 400
    assert "Länken fungerar inte" in response.get_data(as_text=True)
    assert subscription(app).status == "pending"


def test_resubscribing_a_confirmed_address_looks_the_same_and_mails_the_address(
    smtp_server, app, client
):  # noqa: F811
    before = confirmed(app, "anna.berg@exempel.se")
    response = signup(client, email="anna.berg@exempel.se", source="/annan-sida")
    assert response.status_code == 303 and response.headers["Location"] == "/nyhetsbrev/tack"
    after = subscription(app)
    assert (after.status, after.confirmed_at, after.source) == (
        "confirmed",
        before.confirmed_at,
        "/nyhetsbrev",
    )
    [message] = smtp_server.messages
    assert message["To"] == "anna.berg@exempel.se" and "prenumererar redan" in text_of(message)
    assert "/installningar/" in text_of(message) and "/bekrafta/" not in text_of(message)


def test_an_old_confirmation_link_cannot_undo_a_later_unsubscription(app, client):
    signup(client)
    sub = subscription(app)
    old = token_for(app, tokens.CONFIRM, sub.id, sub.digest, age_seconds=60)
    with app.app_context():
        sub.confirm()
        sub.unsubscribe()
    page = client.get(f"/nyhetsbrev/bekrafta/{old}").get_data(as_text=True)
    response = client.post(f"/nyhetsbrev/bekrafta/{old}", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 400 and subscription(app).status == "unsubscribed"
    # signing up again and confirming the new link works
    signup(client)
    new = token_for(app, tokens.CONFIRM, sub.id, sub.digest)
    page = client.get(f"/nyhetsbrev/bekrafta/{new}").get_data(as_text=True)
    client.post(f"/nyhetsbrev/bekrafta/{new}", data={"csrf_token": csrf_from(page)})
    assert subscription(app).status == "confirmed"


# unsubscribe (RFC 8058) ----------------------------------------------------------------------


def test_every_newsletter_has_one_click_unsubscribe_headers_and_links(
    smtp_server, app, client, login_as
):  # noqa: F811
    confirmed(app, "anna.berg@exempel.se")
    login_as(STAFF, "marketer")
    compose_and_send(client)
    [message] = smtp_server.messages
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [part.strip() for part in message["List-Unsubscribe"].split(",")]
    assert re.fullmatch(rf"<{re.escape(SITE)}/nyhetsbrev/avregistrera/[\w.-]+>", https)
    assert mailto.startswith("<mailto:") and mailto.endswith(">")
    unsubscribe = https[1:-1]
    assert unsubscribe in text_of(message) and unsubscribe in html_of(message)
    assert f"{SITE}/installningar/" in text_of(message)


def test_administrative_mail_has_no_unsubscribe_headers(smtp_server, app, client):  # noqa: F811
    signup(client)
    [message] = smtp_server.messages
    assert "List-Unsubscribe" not in message and "List-Unsubscribe-Post" not in message
    with app.app_context():
        from winlas_site.mail.models import OutboxMessage

        [row] = OutboxMessage.select()
        sub = Subscription.get()
        assert row.kind == "administrative" and row.related == f"subscription:{sub.id}"


def test_one_click_post_without_csrf_token_unsubscribes(smtp_server, app, client, login_as):  # noqa: F811
    confirmed(app, "anna.berg@exempel.se")
    login_as(STAFF, "marketer")
    compose_and_send(client)
    [message] = smtp_server.messages
    url = re.search(r"<(http[^>]+)>", message["List-Unsubscribe"]).group(1)

    mail_client = app.test_client()  # what Gmail's servers do: no cookie, no CSRF token
    response = mail_client.post(
        path_of(url),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    sub = subscription(app)
    assert sub.status == "unsubscribed" and sub.unsubscribed_at is not None
    with app.app_context():
        assert Preference.for_email("anna.berg@exempel.se").newsletter is False
    # a second one-click (clients retry) is harmless and keeps the first time
    mail_client.post(path_of(url), data="List-Unsubscribe=One-Click")
    assert subscription(app).unsubscribed_at == sub.unsubscribed_at


def test_the_unsubscribe_link_get_shows_one_button_and_changes_nothing(app, client):
    sub = confirmed(app, "anna.berg@exempel.se")
    path = "/nyhetsbrev/avregistrera/" + token_for(app, tokens.UNSUBSCRIBE, sub.id, sub.digest)
    page = client.get(path)
    html = page.get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    assert page.status_code == 200 and main.count("<button") == 1
    assert subscription(app).status == "confirmed"
    # the button on that page (a browser POST of the form) unsubscribes
    client.post(path, data={"csrf_token": csrf_from(html)})
    assert subscription(app).status == "unsubscribed"


def test_a_tampered_unsubscribe_link_is_a_400_page(app, client):
    sub = confirmed(app, "anna.berg@exempel.se")
    token = token_for(app, tokens.UNSUBSCRIBE, sub.id, "000000000000")
    for method in (client.get, client.post):
        assert method(f"/nyhetsbrev/avregistrera/{token}").status_code == 400
    assert subscription(app).status == "confirmed"


def test_unsubscribing_stops_only_marketing_administrative_mail_still_arrives(
    smtp_server, app, client, login_as
):  # noqa: F811
    """P21: an opt-out blocks the newsletter; a course confirmation still goes out."""
    from winlas_site.mail import queue_email

    confirmed(app, "kvar@exempel.se")
    gone = confirmed(app, "borta@exempel.se")
    with app.app_context():
        gone.unsubscribe()
        queue_email(
            "borta@exempel.se",
            "test_message",
            {},
            kind="administrative",
            related="registration:1",
        )
    login_as(STAFF, "marketer")
    compose_and_send(client)
    administrative = [m for m in smtp_server.messages if "List-Unsubscribe" not in m]
    assert [m["To"] for m in administrative] == ["borta@exempel.se"]
    assert [m["To"] for m in newsletters(smtp_server)] == ["kvar@exempel.se"]


# preference centre (P19) --------------------------------------------------------------------


def test_preference_centre_switches_take_effect_at_once(app, client):
    confirmed(app, "anna.berg@exempel.se")
    path = preferences_path(app, "anna.berg@exempel.se")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "anna.berg@exempel.se" in html
    assert re.search(r'<input[^>]*checked[^>]*name="newsletter"', html)
    assert not re.search(r'<input[^>]*checked[^>]*name="email_tracking"', html)

    response = client.post(path, data={"csrf_token": csrf_from(html), "email_tracking": "y"})
    assert response.status_code == 303
    sub = subscription(app)
    assert sub.status == "unsubscribed"
    with app.app_context():
        preference = Preference.for_email("anna.berg@exempel.se")
        assert preference.newsletter is False and preference.email_tracking_consent is True
        assert preference.tracking_consent_at is not None and preference.tracking_consent_version
    assert "Dina val är sparade" in client.get(path).get_data(as_text=True)

    client.post(path, data={"csrf_token": csrf_from(html), "newsletter": "y"})
    sub = subscription(app)
    assert sub.status == "confirmed" and sub.source == "/installningar"
    with app.app_context():
        assert Preference.allows_tracking("anna.berg@exempel.se") is False


def test_profiling_objection_is_recorded_and_readable(app, client):
    with app.app_context():
        assert Preference.objects_to_profiling("anna.berg@exempel.se") is False
    path = preferences_path(app, "anna.berg@exempel.se")
    html = client.get(path).get_data(as_text=True)
    client.post(path, data={"csrf_token": csrf_from(html), "object_to_profiling": "y"})
    with app.app_context():
        assert Preference.objects_to_profiling("anna.berg@exempel.se") is True
        assert Preference.objects_to_profiling("  ANNA.Berg@exempel.se ") is True
        assert Preference.objects_to_profiling("ａｎｎａ.berg@exempel.se") is True  # fullwidth
        assert Preference.for_email("anna.berg@exempel.se").objected_at is not None
        assert Subscription.by_email("anna.berg@exempel.se") is None  # no newsletter implied
    client.post(path, data={"csrf_token": csrf_from(html)})
    with app.app_context():
        assert Preference.objects_to_profiling("anna.berg@exempel.se") is False


@pytest.mark.parametrize("damage", ["expired", "tampered"])
def test_a_bad_preference_link_is_a_400_page(app, client, damage):
    with app.app_context():
        preference = Preference.for_email("anna.berg@exempel.se")
    age = 400 * 86400 if damage == "expired" else 0
    token = token_for(app, tokens.PREFERENCES, preference.id, preference.digest, age_seconds=age)
    if damage == "tampered":
        token = token_for(app, tokens.PREFERENCES, preference.id + 1, preference.digest)
    response = client.get(f"/installningar/{token}")
    assert response.status_code == 400 and "Beställ en ny länk" in response.get_data(as_text=True)


def test_a_logged_in_user_has_the_same_switches_at_installningar(app, client, auth, create_user):
    create_user("kund@exempel.se")
    auth.login("kund@exempel.se")
    html = client.get("/installningar").get_data(as_text=True)
    assert 'name="object_to_profiling"' in html and "kund@exempel.se" in html
    response = client.post(
        "/installningar",
        data={"csrf_token": csrf_from(html), "object_to_profiling": "y", "next": "/kundsidor"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/kundsidor"
    with app.app_context():
        assert Preference.objects_to_profiling("kund@exempel.se") is True


def test_the_account_partial_renders_the_switches_for_the_user(app, client, auth, create_user):
    from flask import render_template_string

    create_user("kund@exempel.se")
    auth.login("kund@exempel.se")
    cookie = client.get_cookie("winlas_session")
    with app.test_request_context("/konto", headers={"Cookie": f"winlas_session={cookie.value}"}):
        app.preprocess_request()
        html = render_template_string('{% include "newsletter/_preferences.html" %}')
    assert 'action="/installningar"' in html and 'name="next" value="/konto"' in html


def test_anyone_can_ask_for_a_link_but_only_known_addresses_get_one(smtp_server, app, client):  # noqa: F811
    confirmed(app, "anna.berg@exempel.se")
    answers = []
    for email in ("okand@exempel.se", "anna.berg@exempel.se"):
        html = client.get("/installningar").get_data(as_text=True)
        started = re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)
        response = client.post(
            "/installningar",
            data={"csrf_token": csrf_from(html), "started": started, "email": email},
        )
        answers.append((response.status_code, response.headers["Location"]))
    assert answers[0] == answers[1] == (303, "/installningar/skickad")
    [message] = smtp_server.messages
    assert message["To"] == "anna.berg@exempel.se"
    client.get("/logga-ut")
    assert client.get(path_of(link_in(message, "/installningar/"))).status_code == 200


# staff sending -------------------------------------------------------------------------------


def test_a_newsletter_reaches_only_confirmed_subscribers(smtp_server, app, client, login_as):  # noqa: F811
    confirmed(app, "ja@exempel.se")
    confirmed(app, "aven-ja@exempel.se")
    with app.app_context():
        Subscription.request("obekraftad@exempel.se", "/nyhetsbrev", "sv")
        gone, _ = Subscription.request("avregistrerad@exempel.se", "/nyhetsbrev", "en")
        gone.confirm()
        gone.unsubscribe()
    login_as(STAFF, "marketer")
    issue_path = compose(client).headers["Location"]
    form = {"csrf_token": csrf_from(client.get(issue_path + "/skicka").get_data(as_text=True))}
    assert client.post(issue_path + "/skicka", data=form).status_code == 303
    assert [m["To"] for m in smtp_server.messages] == ["ja@exempel.se", "aven-ja@exempel.se"]
    with app.app_context():
        from winlas_site.mail.models import OutboxMessage

        issue = NewsletterIssue.get()
        assert issue.sent_at is not None and issue.recipient_count == 2
        rows = list(OutboxMessage.select())
        assert {row.kind for row in rows} == {"marketing"}
        assert {row.related for row in rows} == {f"newsletter:{issue.id}"}
    # a second send (double submit, a replayed form) sends nothing more
    assert client.post(issue_path + "/skicka", data=form).status_code == 303
    assert len(smtp_server.messages) == 2
    assert "Skickat" in client.get(issue_path).get_data(as_text=True)
    # the queue's task run again (a retry after a crash) skips everyone who has it
    with app.app_context():
        from winlas_site.newsletter.mailing import deliver_issue

        deliver_issue(NewsletterIssue.get().id)
        assert OutboxMessage.select().count() == 2
        assert NewsletterIssue.get().recipient_count == 2
    assert len(smtp_server.messages) == 2


def test_the_send_step_states_the_number_and_needs_a_post(app, client, login_as):
    confirmed(app, "ja@exempel.se")
    login_as(STAFF, "marketer")
    issue_path = compose(client).headers["Location"]
    page = client.get(issue_path + "/skicka").get_data(as_text=True)
    assert "Skicka till 1 bekräftad prenumerant" in page
    with app.app_context():
        assert NewsletterIssue.get().sent_at is None


@pytest.mark.parametrize("role,status", [(None, 302), ("customer", 403), ("staff", 200)])
def test_only_staff_and_marketers_reach_the_composer(app, client, auth, create_user, role, status):
    if role:
        create_user("person@exempel.se", role=role)
        auth.login("person@exempel.se")
    assert client.get("/nyhetsbrev/utskick").status_code == status


def test_an_unknown_or_huge_issue_id_is_404(app, client, login_as):
    login_as(STAFF, "marketer")
    for issue_id in ("999", "99999999999999999999"):
        assert client.get(f"/nyhetsbrev/utskick/{issue_id}").status_code == 404


@pytest.mark.parametrize(
    "links",
    [
        "javascript:alert(1)",
        "Klicka | javascript:alert(1)",
        "//evil.example/x",
        "https://exempel.se/a b",
        "\n".join(f"https://exempel.se/{n}" for n in range(21)),
    ],
)
def test_bad_links_in_an_issue_are_refused(app, client, login_as, links):
    login_as(STAFF, "marketer")
    response = compose(client, links=links)
    assert response.status_code == 400
    with app.app_context():
        assert NewsletterIssue.select().count() == 0


# tracking (P6: only with the recipient's consent) --------------------------------------------


def test_tracking_only_for_recipients_who_agreed(smtp_server, app, client, login_as):  # noqa: F811
    confirmed(app, "matbar@exempel.se", tracking_consent=True)
    confirmed(app, "integritet@exempel.se")
    login_as(STAFF, "marketer")
    compose_and_send(client, links="Version 8 | https://winlas.se/nyheter/version-8")
    by_address = {m["To"]: m for m in smtp_server.messages}

    private = html_of(by_address["integritet@exempel.se"])
    assert "/nyhetsbrev/o/" not in private and "/nyhetsbrev/l/" not in private
    assert 'href="https://winlas.se/nyheter/version-8"' in private

    tracked = html_of(by_address["matbar@exempel.se"])
    assert re.search(rf'<img src="{re.escape(SITE)}/nyhetsbrev/o/[\w.-]+\.gif"', tracked)
    assert re.search(rf'href="{re.escape(SITE)}/nyhetsbrev/l/[\w.-]+\?lang=sv"', tracked)
    assert "winlas.se/nyheter/version-8" not in tracked
    with app.app_context():
        assert NewsletterIssue.get().tracked_count == 1


def tracked_mail(smtp_server, app, client, login_as):  # noqa: F811
    confirmed(app, "matbar@exempel.se", tracking_consent=True)
    login_as(STAFF, "marketer")
    compose_and_send(client, links="Version 8 | https://winlas.se/nyheter/version-8")
    html = html_of(smtp_server.messages[0])
    pixel = re.search(r'<img src="([^"]+)"', html).group(1)
    link = re.search(rf'href="({re.escape(SITE)}/nyhetsbrev/l/[^"]+)"', html).group(1)
    return path_of(pixel), path_of(link)


def events(app):
    with app.app_context():
        return [(e.kind, e.is_machine) for e in MailEvent.select().order_by(MailEvent.id)]


def test_opens_from_proxies_scanners_head_and_instant_fetches_are_marked_as_machines(
    smtp_server, app, client, login_as, monkeypatch
):  # noqa: F811
    pixel, _link = tracked_mail(smtp_server, app, client, login_as)
    reader = app.test_client()
    # within two seconds of sending: a scanner, whatever it claims to be
    response = reader.get(pixel, headers={"User-Agent": BROWSER})
    assert response.status_code == 200 and response.mimetype == "image/gif"
    monkeypatch.setattr(tracking, "INSTANT_SECONDS", 0)
    reader.get(pixel, headers={"User-Agent": "Mozilla/5.0"})  # Apple Mail Privacy Protection
    reader.get(
        pixel,
        headers={
            "User-Agent": "Mozilla/5.0 (Windows NT 5.1) Gecko (via ggpht.com GoogleImageProxy)"
        },
    )
    reader.get(pixel, headers={"User-Agent": "Barracuda Sentinel (EE)"})
    reader.head(pixel, headers={"User-Agent": BROWSER})
    reader.get(pixel, headers={"User-Agent": BROWSER})  # a person
    assert events(app) == [("open", True)] * 5 + [("open", False)]
    with app.app_context():
        stats = NewsletterIssue.get().stats()
    assert stats["opened"] == 1 and stats["machine_opens"] == 5
    with app.app_context():
        issue_id = NewsletterIssue.get().id
    page = client.get(f"/nyhetsbrev/utskick/{issue_id}").get_data(as_text=True)
    assert re.search(r"Personer som öppnat</dt><dd>1<", page)


def test_a_tracked_link_redirects_only_to_its_stored_url(
    smtp_server, app, client, login_as, monkeypatch
):  # noqa: F811
    _pixel, link = tracked_mail(smtp_server, app, client, login_as)
    monkeypatch.setattr(tracking, "INSTANT_SECONDS", 0)
    reader = app.test_client()
    response = reader.get(link + "?url=https://evil.example/", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert response.headers["Location"] == "https://winlas.se/nyheter/version-8"
    assert events(app) == [("click", False)]
    with app.app_context():
        stats = NewsletterIssue.get().stats()
        link_row = NewsletterLink.get()
    assert stats["clicked"] == 1 and stats["per_link"] == [(link_row, 1)]

    token = link.rsplit("/", 1)[1]
    with app.app_context():
        sub = Subscription.get()
    for bad in (
        token[:-2] + "xx",  # tampered
        "https:%2F%2Fevil.example",
        token_for(app, tokens.CLICK, 9999, sub.id, sub.digest),  # a link that does not exist
        token_for(app, tokens.OPEN, link_row.id, sub.id, sub.digest),  # another kind of token
    ):
        response = reader.get(f"/nyhetsbrev/l/{bad}")
        assert response.status_code == 404 and "Location" not in response.headers
    assert len(events(app)) == 1


def test_after_withdrawing_tracking_consent_nothing_is_recorded(
    smtp_server, app, client, login_as, monkeypatch
):  # noqa: F811
    pixel, link = tracked_mail(smtp_server, app, client, login_as)
    monkeypatch.setattr(tracking, "INSTANT_SECONDS", 0)
    with app.app_context():
        Preference.for_email("matbar@exempel.se").apply(
            newsletter=True,
            object_to_profiling=False,
            email_tracking=False,
            source="/installningar",
            language="sv",
        )
    reader = app.test_client()
    assert reader.get(pixel, headers={"User-Agent": BROWSER}).status_code == 200
    assert reader.get(link, headers={"User-Agent": BROWSER}).status_code == 302
    assert events(app) == []


# hostile input (docs/HOSTILE_INPUTS.md) -------------------------------------------------------


def test_a_forged_host_header_never_reaches_a_link_in_a_mail(smtp_server, app_config):  # noqa: F811
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_TRUSTED_HOSTS": []})  # every Host accepted
    client = app.test_client()
    evil = {"base_url": "http://evil.example"}
    html = client.get("/nyhetsbrev", **evil).get_data(as_text=True)
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)
    client.post(
        "/nyhetsbrev",
        data={"csrf_token": csrf_from(html), "started": started, "email": "a@exempel.se"}
        | {"consent": "y"},
        **evil,
    )
    confirm = link_in(smtp_server.messages[0], "/nyhetsbrev/bekrafta/")
    page = client.get(path_of(confirm), **evil).get_data(as_text=True)
    client.post(path_of(confirm), data={"csrf_token": csrf_from(page)}, **evil)
    with app.app_context():
        from winlas_site.auth.models import User

        User.create_account(STAFF, "korrekt-hast-batteri-häftstift", role="marketer")
    auth_client = app.test_client()
    page = auth_client.get("/logga-in", **evil).get_data(as_text=True)
    auth_client.post(
        "/logga-in",
        data={
            "csrf_token": csrf_from(page),
            "email": STAFF,
            "password": "korrekt-hast-batteri-häftstift",
        },
        **evil,
    )
    page = auth_client.get("/nyhetsbrev/utskick/nytt", **evil).get_data(as_text=True)
    response = auth_client.post(
        "/nyhetsbrev/utskick/nytt",
        data={"csrf_token": csrf_from(page), "subject": "Hej", "body": "Text", "links": ""},
        **evil,
    )
    issue_path = response.headers["Location"]
    page = auth_client.get(issue_path + "/skicka", **evil).get_data(as_text=True)
    auth_client.post(issue_path + "/skicka", data={"csrf_token": csrf_from(page)}, **evil)
    assert len(smtp_server.messages) == 2
    for message in smtp_server.messages:
        whole = message.as_string()
        assert "evil.example" not in whole and SITE in whole


@pytest.mark.parametrize(
    "email",
    [
        "a@b.se\r\nBcc: x@evil.example",
        "a@b.se\nBcc: x@evil.example",
        "a@b.se%0d%0aBcc: x@evil.example",
        "a" * 10_000 + "@exempel.se",
        "x" * 10_000,
        '"><svg onload=alert(1)>@exempel.se',
        "inte-en-adress",
        "anna@exempel.se\x00",
    ],
)
def test_hostile_addresses_are_a_clear_400_and_store_and_send_nothing(
    smtp_server, app, client, email
):  # noqa: F811
    response = signup(client, email=email)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'aria-invalid="true"' in html
    assert "<svg onload" not in html
    with app.app_context():
        assert Subscription.select().count() == 0
    assert smtp_server.messages == []


def test_oversized_hidden_fields_do_not_break_the_form(smtp_server, app, client):  # noqa: F811
    response = signup(client, source="/" + "x" * 10_000, started="s" * 10_000)
    assert response.status_code == 400  # the start time is no signed token
    response = signup(client, source="/" + "x" * 10_000 + "\r\n")
    assert response.status_code == 303
    assert subscription(app).source == "/nyhetsbrev"  # an unusable source is not stored


def test_html_in_an_issue_is_shown_escaped_on_the_page_and_in_the_mail(
    smtp_server, app, client, login_as
):  # noqa: F811
    confirmed(app, "anna.berg@exempel.se")
    attack = '"><svg onload=alert(1)>{{7*7}}</script>'
    login_as(STAFF, "marketer")
    issue_path = compose_and_send(
        client, subject=attack, body=attack, links=f"{attack} | https://exempel.se/"
    )
    page = client.get(issue_path).get_data(as_text=True)
    assert "<svg onload" not in page and "&lt;svg onload=alert(1)&gt;{{7*7}}" in page
    assert "<svg onload" not in client.get("/nyhetsbrev/utskick").get_data(as_text=True)
    [message] = smtp_server.messages
    assert "<svg onload" not in html_of(message) and "&lt;svg onload" in html_of(message)
    assert message["Subject"] == attack  # the text is kept, as text


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "s" * 10_000},
        {"body": "b" * 20_001},
        {"links": "https://exempel.se/" + "l" * 10_000},
        {"subject": "Hej\r\nBcc: x@evil.example"},
        {"subject": "Hej\x00"},
    ],
)
def test_oversized_or_broken_issue_fields_are_a_400(app, client, login_as, fields):
    login_as(STAFF, "marketer")
    response = compose(client, **fields)
    assert response.status_code == 400
    with app.app_context():
        assert NewsletterIssue.select().count() == 0


def test_case_is_one_subscription_and_look_alikes_are_refused_not_merged(app, client):
    signup(client, email="anna@exempel.se")
    signup(client, email="ANNA@Exempel.se")
    for look_alike in (
        "ａｎｎａ@ｅｘｅｍｐｅｌ.ｓｅ",  # fullwidth letters
        "anna@ex\u0435mpel.se",  # a Cyrillic е in the domain
        "\u0430nna@exempel.se",  # a Cyrillic а in the name
    ):
        response = signup(client, email=look_alike)
        assert response.status_code == 400
        assert "Skriv adressen med vanliga bokstäver" in response.get_data(as_text=True)
    with app.app_context():
        assert [s.email for s in Subscription.select()] == ["anna@exempel.se"]


def test_the_honeypot_refuses_politely_and_stores_nothing(smtp_server, app, client, caplog):  # noqa: F811
    response = signup(client, website="http://spam.example")
    assert response.status_code == 400
    assert "kunde inte tas emot" in response.get_data(as_text=True)
    assert subscription(app) is None and smtp_server.messages == []
    assert "spam refused form=newsletter reason=honeypot" in caplog.text


def test_a_signup_faster_than_a_person_is_refused(app_config):
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_MIN_FILL_SECONDS": 3})
    client = app.test_client()
    assert signup(client).status_code == 400
    with app.app_context():
        assert Subscription.select().count() == 0


def test_too_many_signups_for_one_address_are_429(app_config):
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_FORM_EMAIL_LIMIT": "2 per hour"})
    client = app.test_client()
    assert [signup(client).status_code for _ in range(3)] == [303, 303, 429]


def test_the_signup_partial_can_appear_twice_on_a_page_with_distinct_ids(app):
    from flask import render_template_string

    template = (
        '{% with newsletter_form_id="news" %}{% include "newsletter/_signup.html" %}{% endwith %}'
        '{% with newsletter_form_id="footer" %}{% include "newsletter/_signup.html" %}{% endwith %}'
    )
    with app.test_request_context("/nyheter"):
        html = render_template_string(template)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and 'value="/nyheter"' in html
    assert html.count('action="/nyhetsbrev"') == 2


def test_unconfirmed_signups_are_purged_after_thirty_days(app, runner):
    import datetime

    with app.app_context():
        old, _ = Subscription.request("gammal@exempel.se", "/nyhetsbrev", "sv")
        Subscription.request("ny@exempel.se", "/nyhetsbrev", "sv")
        Subscription.update(requested_at=old.requested_at - datetime.timedelta(days=31)).where(
            Subscription.id == old.id
        ).execute()
    result = runner.invoke(args=["newsletter", "purge"])
    assert "removed 1" in result.output
    with app.app_context():
        assert [s.email for s in Subscription.select()] == ["ny@exempel.se"]


def test_an_address_can_be_exported_and_forgotten(smtp_server, app, client, login_as, monkeypatch):  # noqa: F811
    from winlas_site.newsletter.models import forget, personal_data

    pixel, _link = tracked_mail(smtp_server, app, client, login_as)
    monkeypatch.setattr(tracking, "INSTANT_SECONDS", 0)
    app.test_client().get(pixel, headers={"User-Agent": BROWSER})
    with app.app_context():
        data = personal_data("MATBAR@exempel.se")
        assert data["subscription"]["status"] == "confirmed"
        assert data["preference"]["email_tracking_consent"] is True
        assert [e["kind"] for e in data["mail_events"]] == ["open"]
        assert forget("matbar@exempel.se") == 3
        assert personal_data("matbar@exempel.se")["subscription"] is None
        assert MailEvent.select().count() == 0 and Preference.select().count() == 0
        assert NewsletterIssue.select().count() == 1  # the issue itself is no personal data
