"""Customer registration (P3, P4): with a customer number or as a request staff decide,
email confirmation before the first login, and no account enumeration. Mail goes to a real
SMTP server on loopback where a test reads it; otherwise the outbox rows are read."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine

from tests.conftest import csrf_from, log_in
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.auth import tokens
from winlas_site.auth.models import Organisation, User
from winlas_site.mail.models import OutboxMessage

# http: an https site URL makes the session cookie Secure, which the test client (http) drops
SITE = "http://www.winlas.example"
EMAIL = "anna.berg@exempelkommun.se"
NEW_PASSWORD = "ett långt och bra lösenord"
STAFF = "support@winlas.se"


@pytest.fixture
def app_config(app_config):
    app_config["WINLAS_SITE_URL"] = SITE
    return app_config


@pytest.fixture
def customer(app) -> Organisation:
    with app.app_context():
        Organisation.create(name="WinLas AB", kind="company")  # no customer number
        return Organisation.create(
            name="Exempelkommun",
            kind="municipality",
            customer_number="K-1001",
            mail_domains="exempelkommun.se\nexempelskolor.se",
        )


# helpers -------------------------------------------------------------------------------------


def form_page(client, path="/registrera") -> dict:
    html = client.get(path).get_data(as_text=True)
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)
    return {"csrf_token": csrf_from(html), "started": started}


def register(client, email=EMAIL, customer_number="K-1001", **fields):
    data = {
        **form_page(client),
        "first_name": "Anna",
        "last_name": "Berg",
        "organisation": "Exempelkommun",
        "email": email,
        "work_phone": "08-123 45 67",
        "customer_number": customer_number,
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    data.update(fields)
    return client.post("/registrera", data=data)


def user(app, email=EMAIL) -> User | None:
    with app.app_context():
        return User.by_email(email)


def mails(app, related_prefix="", to=None) -> list[OutboxMessage]:
    with app.app_context():
        rows = OutboxMessage.select().order_by(OutboxMessage.id)
        return [
            m
            for m in rows
            if m.related.startswith(related_prefix) and (to is None or m.to_address == to)
        ]


def link_in(text: str, path: str) -> str:
    match = re.search(rf"{re.escape(SITE)}{re.escape(path)}\S+", text)
    assert match, f"no {path} link in the message"
    return urlsplit(match.group(0)).path


def confirm_path(app, email=EMAIL) -> str:
    return link_in(mails(app, "account-confirm:", to=email)[-1].body_text, "/registrera/bekrafta/")


def confirm(client, path):
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def post_with_token(client, path):
    """POST to ``path`` with a valid CSRF token of the client's session (from another page)."""
    token = csrf_from(client.get("/logga-in").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


# registration with a customer number ---------------------------------------------------------


def test_registration_with_a_customer_number_needs_confirmation_before_the_first_login(
    smtp_server,
    app,
    client,
    customer,  # noqa: F811
):
    response = register(client, customer_number="k-1001 ")  # case and spaces do not matter
    assert response.status_code == 303 and response.headers["Location"] == "/registrera/skickat"
    assert "Kolla din inkorg" in client.get("/registrera/skickat").get_data(as_text=True)
    account = user(app)
    assert account.organisation_id == customer.id and account.role == "customer"
    assert account.requested_organisation == "" and account.email_confirmed_at is None
    assert (account.first_name, account.last_name, account.work_phone) == (
        "Anna",
        "Berg",
        "08-123 45 67",
    )
    assert account.password_hash != NEW_PASSWORD  # hashed

    [message] = smtp_server.messages
    assert message["To"] == EMAIL and "List-Unsubscribe" not in message
    text = message.get_body(("plain",)).get_content()
    path = link_in(text, "/registrera/bekrafta/")
    assert path in message.get_body(("html",)).get_content()

    # no login before the address is confirmed: a clear answer, and a fresh link by mail
    response = log_in(client, EMAIL, NEW_PASSWORD)
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "bekräfta din e-postadress" in body
    assert client.get("/kundsidor").status_code == 302
    assert len(smtp_server.messages) == 2

    fresh = app.test_client()  # opened from a mail client, in another browser
    page = fresh.get(path)
    assert page.status_code == 200 and '<button type="submit"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert user(app).email_confirmed_at is None  # a mail scanner's GET confirms nothing
    response = fresh.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 200 and "Nu kan du logga in" in response.get_data(as_text=True)
    assert user(app).email_confirmed_at is not None

    assert log_in(client, EMAIL, NEW_PASSWORD).status_code == 302
    assert client.get("/kundsidor").status_code == 200


def answer(client, response) -> tuple:
    """What a registrant sees: the status, where it leads, and the page there."""
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.headers["Location"], page


@pytest.mark.parametrize("number", ["K-9999", "' OR 1=1--", "k-1002"])
def test_a_wrong_customer_number_gets_the_same_answer_as_a_right_one_and_becomes_a_request(
    app, client, customer, number
):
    right = answer(client, register(client, email="ratt@exempelkommun.se"))
    wrong = answer(client, register(app.test_client(), email=EMAIL, customer_number=number))
    assert wrong == right and right[0] == 303
    account = user(app)
    # no account in any organisation: a request staff decide, with what the person typed
    assert account.organisation_id is None and account.requested_organisation == "Exempelkommun"
    assert account.is_pending_approval
    assert user(app, "ratt@exempelkommun.se").organisation_id == customer.id


@pytest.mark.parametrize(
    "email", ["anna.berg@gmail.example.com", "anna@exempelkommun.se.evil.example", "a@kommun.se"]
)
def test_a_right_customer_number_from_a_foreign_domain_goes_to_staff_approval(
    app, client, customer, email
):
    # the number is printed on invoices (public records): alone it opens no account
    response = register(client, email=email)
    assert response.status_code == 303 and response.headers["Location"] == "/registrera/skickat"
    account = user(app, email)
    assert account.organisation_id is None and account.is_pending_approval
    # once the address is confirmed, staff see the request
    assert confirm(app.test_client(), confirm_path(app, email)).status_code == 200
    with app.app_context():
        assert [u.email for u in User.pending_requests()] == [email]
    assert log_in(app.test_client(), email, NEW_PASSWORD).status_code == 403  # waits for staff


@pytest.mark.parametrize(
    "email", ["anna@exempelkommun.se", "anna@skola.exempelkommun.se", "anna@Exempelskolor.SE"]
)
def test_a_right_customer_number_from_a_known_domain_or_its_subdomain_opens_the_account(
    app, client, customer, email
):
    assert register(client, email=email).status_code == 303
    account = user(app, email)
    assert account.organisation_id == customer.id and not account.is_pending_approval


def test_an_organisation_without_known_domains_sends_every_registration_to_staff(app, client):
    with app.app_context():
        Organisation.create(name="Exempelkommun", customer_number="K-1001")
    assert register(client).status_code == 303
    assert user(app).organisation_id is None and user(app).is_pending_approval


def test_a_registration_is_stored_under_the_normalised_address(app, client, customer):
    register(client, email="  Anna.BERG@Exempelkommun.SE ")
    assert user(app).email == EMAIL


# requests without a customer number ----------------------------------------------------------


def request_and_confirm(app, client, email=EMAIL, organisation="Exempelkommun"):
    assert (
        register(client, email=email, customer_number="", organisation=organisation).status_code
        == 303
    )
    response = confirm(app.test_client(), confirm_path(app, email))
    assert response.status_code == 200
    return user(app, email)


def staff_client(app, create_user, role="staff"):
    create_user(STAFF, role=role)
    client = app.test_client()
    assert log_in(client, STAFF).status_code == 302
    return client


def test_a_request_waits_for_staff_who_approve_it_with_a_customer_organisation(
    app, client, customer, create_user
):
    assert register(client, customer_number="", organisation="Exempel kommun").status_code == 303
    account = user(app)
    assert account.organisation_id is None and account.requested_organisation == "Exempel kommun"
    assert mails(app, "account-request:") == []  # staff hear only of confirmed requests

    response = confirm(app.test_client(), confirm_path(app))
    assert "går nu till vår personal" in response.get_data(as_text=True)
    [note] = mails(app, "account-request:")
    assert note.to_address == app.config["WINLAS_STAFF_EMAIL"]
    assert EMAIL not in note.body_text and "Anna" not in note.body_text  # a link, no person
    assert f"{SITE}/konton/ansokningar" in note.body_text

    response = log_in(client, EMAIL, NEW_PASSWORD)
    assert response.status_code == 403 and "väntar på att vår personal" in response.get_data(
        as_text=True
    )

    staff = staff_client(app, create_user)
    page = staff.get("/konton/ansokningar")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and EMAIL in html and "Exempel kommun" in html
    assert "WinLas AB" not in html  # only customer organisations can be chosen
    token = csrf_from(html)
    response = staff.post(
        f"/konton/ansokningar/{account.id}/godkann",
        data={"csrf_token": token, f"r{account.id}-organisation": str(customer.id)},
    )
    assert response.status_code == 303
    account = user(app)
    assert account.organisation_id == customer.id and account.requested_organisation == ""
    [approved] = [m for m in mails(app, "account-request:") if m.to_address == EMAIL]
    assert "godkänt" in approved.body_text and f"{SITE}/logga-in" in approved.body_text
    assert EMAIL not in staff.get("/konton/ansokningar").get_data(as_text=True)

    assert log_in(client, EMAIL, NEW_PASSWORD).status_code == 302


def test_approving_with_an_organisation_without_customer_number_is_refused(
    app, client, customer, create_user
):
    account = request_and_confirm(app, client)
    staff = staff_client(app, create_user)
    with app.app_context():
        other = Organisation.get(Organisation.customer_number.is_null())
    token = csrf_from(staff.get("/konton/ansokningar").get_data(as_text=True))
    response = staff.post(
        f"/konton/ansokningar/{account.id}/godkann",
        data={"csrf_token": token, f"r{account.id}-organisation": str(other.id)},
    )
    assert response.status_code == 303
    assert user(app).is_pending_approval


def test_staff_can_refuse_a_request_which_deletes_it_and_tells_the_person(
    app, client, customer, create_user
):
    account = request_and_confirm(app, client)
    staff = staff_client(app, create_user)
    token = csrf_from(staff.get("/konton/ansokningar").get_data(as_text=True))
    response = staff.post(f"/konton/ansokningar/{account.id}/avsla", data={"csrf_token": token})
    assert response.status_code == 303
    assert user(app) is None
    [refused] = [m for m in mails(app, "account-request:") if m.to_address == EMAIL]
    assert "raderade" in refused.body_text
    # already decided: nothing left to approve or refuse
    response = staff.post(f"/konton/ansokningar/{account.id}/avsla", data={"csrf_token": token})
    assert response.status_code == 404


def test_unconfirmed_requests_are_not_listed_for_staff(app, client, customer, create_user):
    register(client, customer_number="")
    staff = staff_client(app, create_user)
    assert EMAIL not in staff.get("/konton/ansokningar").get_data(as_text=True)
    token = csrf_from(staff.get("/konton/ansokningar").get_data(as_text=True))
    response = staff.post(f"/konton/ansokningar/{user(app).id}/avsla", data={"csrf_token": token})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "role,status",
    [(None, 302), ("customer", 403), ("marketer", 403), ("staff", 200), ("admin", 200)],
)
def test_the_request_pages_are_for_staff_only(app, client, customer, create_user, role, status):
    account = request_and_confirm(app, client)
    visitor = app.test_client() if role is None else staff_client(app, create_user, role)
    assert visitor.get("/konton/ansokningar").status_code == status
    page = visitor.get("/logga-in" if role is None else "/logga-ut")
    token = csrf_from(page.get_data(as_text=True))
    response = visitor.post(f"/konton/ansokningar/{account.id}/avsla", data={"csrf_token": token})
    assert response.status_code == (303 if status == 200 else status)
    assert (user(app) is None) is (status == 200)


@pytest.mark.parametrize("user_id", ["0", "99999", "99999999999999999999"])
def test_unknown_request_ids_are_404(app, client, customer, create_user, user_id):
    staff = staff_client(app, create_user)
    token = csrf_from(staff.get("/konton/ansokningar").get_data(as_text=True))
    response = staff.post(f"/konton/ansokningar/{user_id}/godkann", data={"csrf_token": token})
    assert response.status_code == 404


# no account enumeration ----------------------------------------------------------------------


def test_registering_a_taken_address_looks_the_same_and_mails_the_owner_instead(
    app, client, customer, create_user
):
    owner = create_user(EMAIL, organisation=customer)
    before = user(app).password_hash
    fresh = register(app.test_client(), email="nybörjare@exempelkommun.se")
    taken = register(client, email=EMAIL.upper())
    assert (taken.status_code, taken.headers["Location"]) == (
        fresh.status_code,
        fresh.headers["Location"],
    )
    assert user(app).password_hash == before  # nothing about the account changed
    [note] = mails(app, "account-exists:")
    assert note.to_address == EMAIL and f"{SITE}/glomt-losenord" in note.body_text
    assert mails(app, f"account-confirm:{owner.id}") == []
    # at most one such note a day: the form cannot be used to flood a mailbox
    register(client, email=EMAIL)
    assert len(mails(app, "account-exists:")) == 1
    with app.app_context():
        assert User.select().where(User.email.contains("anna.berg")).count() == 1


@pytest.mark.parametrize(
    "look_alike",
    [
        "аnna.berg@exempelkommun.se",  # the first letter is Cyrillic
        "ａｎｎａ.berg@exempelkommun.se",  # fullwidth letters
        "anna.berg@exempelkоmmun.se",  # a Cyrillic о in the domain
        "annа.bеrg@exempelkommun.se",  # Cyrillic а and е among Latin letters
        "ıanna.berg@exempelkommun.se",  # a dotless ı, a Latin look-alike of i
    ],
)
def test_registering_a_look_alike_address_is_refused_with_a_clear_message(
    app, client, customer, look_alike
):
    register(client)
    response = register(app.test_client(), email=look_alike)
    assert response.status_code == 400
    assert "Skriv adressen med vanliga bokstäver" in response.get_data(as_text=True)
    with app.app_context():
        assert [u.email for u in User.select()] == [EMAIL]


def test_the_punycode_and_unicode_forms_of_a_domain_are_one_account(app, client, customer):
    register(client, email="anna@åkersberga.se")
    register(app.test_client(), email="Anna@XN--KERSBERGA-42A.SE")
    with app.app_context():
        assert [u.email for u in User.select()] == ["anna@åkersberga.se"]


def test_a_plus_tag_is_a_different_account(app, client, customer):
    register(client)
    register(app.test_client(), email="anna.berg+kurs@exempelkommun.se")
    with app.app_context():
        assert User.select().count() == 2


def test_registering_an_unconfirmed_address_again_replaces_it_and_voids_the_old_link(
    app, client, customer
):
    register(client, first_name="Fel")
    old_link = confirm_path(app)
    register(
        app.test_client(),
        first_name="Anna",
        password="ett annat bra lösenord",
        password_again="ett annat bra lösenord",
    )
    with app.app_context():
        assert User.select().count() == 1
    assert user(app).first_name == "Anna"
    new_link = confirm_path(app)
    assert new_link != old_link
    assert app.test_client().get(old_link).status_code == 410  # replaced
    assert user(app).email_confirmed_at is None
    assert confirm(app.test_client(), new_link).status_code == 200
    assert log_in(client, EMAIL, "ett annat bra lösenord").status_code == 302


# confirmation links --------------------------------------------------------------------------


def test_a_confirmation_link_used_twice_changes_nothing_more(app, client, customer):
    register(client)
    path = confirm_path(app)
    assert confirm(app.test_client(), path).status_code == 200
    confirmed_at = user(app).email_confirmed_at
    page = app.test_client().get(path)
    assert page.status_code == 200 and "redan bekräftad" in page.get_data(as_text=True)
    assert post_with_token(app.test_client(), path).status_code == 200
    assert user(app).email_confirmed_at == confirmed_at


def test_an_expired_confirmation_link_is_refused_and_login_sends_a_new_one(app, client, customer):
    register(client)
    path = confirm_path(app)
    hours = app.config.get("WINLAS_CONFIRM_HOURS", 72)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours, minutes=1)
    with time_machine.travel(later, tick=False):
        response = app.test_client().get(path)
        assert response.status_code == 410 and "har gått ut" in response.get_data(as_text=True)
        assert post_with_token(app.test_client(), path).status_code == 410
        assert user(app).email_confirmed_at is None
        assert log_in(client, EMAIL, NEW_PASSWORD).status_code == 403
        new_path = confirm_path(app)
        assert new_path != path
        assert confirm(app.test_client(), new_path).status_code == 200
    assert user(app).is_confirmed


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature altered
        lambda t: t[:20],  # cut short
        lambda t: "x" * 400,  # too long
        lambda t: "%00",  # a NUL byte
        lambda t: "eyJhIjoxfQ.abc.def",  # forged structure
    ],
)
def test_a_tampered_confirmation_link_is_a_400_page(app, client, customer, damage):
    register(client)
    token = confirm_path(app).rsplit("/", 1)[1]
    response = app.test_client().get("/registrera/bekrafta/" + damage(token))
    assert response.status_code in (400, 404)
    bad = "/registrera/bekrafta/" + damage(token)
    assert post_with_token(app.test_client(), bad).status_code in (400, 404)
    assert user(app).email_confirmed_at is None


def test_a_password_reset_token_is_not_a_confirmation_token(app, client, customer):
    register(client)
    with app.test_request_context():
        token = tokens.make(tokens.RESET, User.by_email(EMAIL))
    assert app.test_client().get("/registrera/bekrafta/" + token).status_code == 400


def test_confirming_needs_a_real_csrf_token(app, client, customer):
    register(client)
    response = app.test_client().post(confirm_path(app), data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert user(app).email_confirmed_at is None


# the form ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"password": "elva tecken", "password_again": "elva tecken"}, "minst 12 tecken"),
        ({"password": EMAIL.upper(), "password_again": EMAIL.upper()}, "inte vara din e-post"),
        ({"password_again": "något helt annat"}, "inte likadana"),
        ({"password": "p" * 1025, "password_again": "p" * 1025}, "högst 1024 tecken"),
        ({"password": "p" * 100_000, "password_again": "p" * 100_000}, "högst 1024 tecken"),
        ({"first_name": ""}, "obligatoriskt"),
        ({"organisation": ""}, "obligatoriskt"),
        ({"email": "inte-en-adress"}, "Ange en giltig e-postadress"),
        ({"email": "anna@exempel.test"}, "Ange en giltig e-postadress"),
        ({"email": "a@b.se\r\nBcc: x@evil.example"}, ""),
        ({"email": "a@b.se%0d%0aBcc: x@evil.example"}, ""),
        ({"first_name": "An\x00na"}, "otillåtna tecken"),
        ({"work_phone": "' OR 1=1--"}, "bara siffror"),
        ({"customer_number": "K" * 21}, ""),
    ],
)
def test_bad_registrations_are_form_errors_and_store_nothing(
    app, client, customer, fields, message
):
    response = register(client, **fields)
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert User.select().count() == 0
        assert OutboxMessage.select().count() == 0


def test_a_password_of_exactly_twelve_characters_is_accepted(app, client, customer):
    assert register(client, password="tolv tecken!", password_again="tolv tecken!").status_code == (
        303
    )


def test_posted_role_organisation_and_status_fields_are_ignored(app, client, customer):
    with app.app_context():
        other = Organisation.create(name="Annan kund", customer_number="K-2002")
    register(
        client,
        role="admin",
        is_staff="1",
        organisation_id=str(other.id),
        active="0",
        email_confirmed_at="2020-01-01",
        requested_organisation="",
    )
    account = user(app)
    assert account.role == "customer" and account.organisation_id == customer.id
    assert account.email_confirmed_at is None and account.active


def test_script_in_a_name_is_shown_literally(app, client, customer, create_user):
    request_and_confirm(app, client, organisation='"><svg onload=alert(1)>')
    staff = staff_client(app, create_user)
    html = staff.get("/konton/ansokningar").get_data(as_text=True)
    assert "<svg onload" not in html and "&lt;svg onload=alert(1)&gt;" in html


def test_a_filled_honeypot_is_refused_and_stores_nothing(app, client, customer):
    response = register(client, website="http://spam.example")
    assert response.status_code == 400
    assert user(app) is None


def test_registration_is_throttled_per_client(app_config, customer):
    from winlas_site import create_app

    app = create_app({**app_config, "WINLAS_REGISTER_LIMIT": "2 per hour"})
    client = app.test_client()
    statuses = [register(client, email=f"person{i}@exempelkommun.se").status_code for i in range(3)]
    assert statuses == [303, 303, 429]


def test_the_login_page_links_to_registration_and_password_reset(client):
    html = client.get("/logga-in").get_data(as_text=True)
    assert 'href="/registrera"' in html and "Skapa konto" in html
    assert 'href="/glomt-losenord"' in html and "Glömt lösenordet?" in html


def test_the_registration_page_is_not_cached_and_a_logged_in_user_is_sent_on(
    client, create_user, auth
):
    response = client.get("/registrera")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    create_user()
    auth.login()
    assert client.get("/registrera").status_code == 302


def test_an_untrusted_host_is_refused(client):
    assert client.get("/registrera", headers={"Host": "evil.example"}).status_code == 400


def test_registrations_never_confirmed_are_purged_after_thirty_days(app, client, customer):
    from winlas_site.auth import registration

    register(client)
    register(app.test_client(), email="bekraftad@exempelkommun.se")
    confirm(app.test_client(), confirm_path(app, "bekraftad@exempelkommun.se"))
    with app.app_context():
        assert registration.purge_unconfirmed(30) == 0
        later = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(
            days=31
        )
        assert registration.purge_unconfirmed(30, moment=later) == 1
        assert [u.email for u in User.select()] == ["bekraftad@exempelkommun.se"]


@pytest.mark.parametrize("value", ["", "abc", "99999999999999999999", "' OR 1=1--", "1\x00"])
def test_approving_with_a_bad_organisation_value_changes_nothing(
    app, client, customer, create_user, value
):
    account = request_and_confirm(app, client)
    staff = staff_client(app, create_user)
    token = csrf_from(staff.get("/konton/ansokningar").get_data(as_text=True))
    response = staff.post(
        f"/konton/ansokningar/{account.id}/godkann",
        data={"csrf_token": token, f"r{account.id}-organisation": value},
    )
    assert response.status_code == 303
    assert user(app).is_pending_approval
    assert "Välj en kundorganisation" in staff.get("/konton/ansokningar").get_data(as_text=True)


def test_the_organisation_named_in_a_request_is_suggested_to_staff(
    app, client, customer, create_user
):
    account = request_and_confirm(app, client, organisation="exempelkommun")
    staff = staff_client(app, create_user)
    html = staff.get("/konton/ansokningar").get_data(as_text=True)
    assert re.search(rf'<option selected value="{customer.id}">Exempelkommun \(K-1001\)', html)
    assert f'name="r{account.id}-organisation"' in html
