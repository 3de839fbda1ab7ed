"""One preference service (issue 12): Mitt konto, the preference centre (logged in or by signed
link) and the DSAR tool have the same effects for the same choice."""

from __future__ import annotations

import datetime

import pytest

from analytics.profile_models import InterestProfile, InterestScore
from tests.conftest import csrf_from, log_in
from tests.integration.test_export_erase import EMAIL, seed_person
from winlas_site.account.models import AuditEntry
from winlas_site.newsletter import tokens
from winlas_site.newsletter.models import Preference, Subscription

PAGES = ("account", "preference_centre", "signed_link")


def signed_link(app, email: str = EMAIL) -> str:
    with app.app_context():
        preference = Preference.for_email(email)
        return "/installningar/" + tokens.make(tokens.PREFERENCES, preference.id, preference.digest)


def choose(app, client, page: str, **switches):
    """Post the three switches (on when given as True) from one of the pages."""
    if page == "account":
        form, target = "/konto/", "/konto/installningar"
    elif page == "preference_centre":
        form = target = "/installningar"
    else:
        form = target = signed_link(app)
    html = client.get(form).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html)}
    data.update({name: "y" for name, on in switches.items() if on})
    response = client.post(target, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def effects(app, user_id: int) -> dict:
    """What the choice left in the database about the person."""
    with app.app_context():
        preference = Preference.get(Preference.email == EMAIL)
        return {
            "newsletter": preference.newsletter,
            "objection": preference.profiling_objection,
            "objected_at_set": preference.objected_at is not None,
            "tracking": preference.email_tracking_consent,
            "subscription": Subscription.by_email(EMAIL).status,
            # seed_person's own "lookup" entry left out
            "audit": [
                (entry.action, entry.details_dict())
                for entry in AuditEntry.about(EMAIL)
                if entry.action != "lookup"
            ],
            "profiles": InterestProfile.select().where(InterestProfile.user_id == user_id).count(),
            "scores": InterestScore.select().count(),
        }


@pytest.fixture
def person(app, client) -> int:
    """The seeded person (subscribed, tracking on, an interest profile); logged in."""
    user_id = seed_person(app)
    assert log_in(client, EMAIL).status_code == 302
    return user_id


OBJECTED = {
    "newsletter": False,
    "objection": True,
    "objected_at_set": True,
    "tracking": True,
    "subscription": "unsubscribed",
    "audit": [("self_objection", {"profiling": True})],
    "profiles": 0,
    "scores": 0,
}


@pytest.mark.parametrize("page", PAGES)
def test_an_objection_has_the_same_effects_on_every_page(app, client, person, page):
    choose(app, client, page, object_to_profiling=True, email_tracking=True)
    assert effects(app, person) == OBJECTED


@pytest.mark.parametrize("page", PAGES)
def test_objecting_again_writes_no_second_audit_entry(app, client, person, page):
    choose(app, client, page, object_to_profiling=True, email_tracking=True)
    choose(app, client, page, object_to_profiling=True, email_tracking=True)
    assert effects(app, person) == OBJECTED


@pytest.mark.parametrize("page", PAGES)
def test_withdrawing_the_objection_has_the_same_effects_on_every_page(app, client, person, page):
    choose(app, client, page, object_to_profiling=True)
    choose(app, client, page, newsletter=True)
    assert effects(app, person) == {
        "newsletter": True,
        "objection": False,
        "objected_at_set": False,
        "tracking": False,
        "subscription": "confirmed",
        "audit": [("self_objection", {"profiling": True})],
        "profiles": 0,
        "scores": 0,
    }


@pytest.mark.parametrize("page", ["account", "preference_centre"])
def test_a_logged_in_objection_names_the_person_as_actor(app, client, person, page):
    choose(app, client, page, object_to_profiling=True)
    with app.app_context():
        entry = AuditEntry.get(AuditEntry.action == "self_objection")
        assert (entry.actor_id, entry.actor_role) == (person, "customer")


def test_a_signed_link_acts_on_its_address_not_on_whoever_is_logged_in(
    app, client, person, create_user
):
    """Someone else logged in opens the person's link: the person's profile goes, not theirs,
    and the audit entry names no actor."""
    other = create_user("annan@exempel.se")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    with app.app_context():
        InterestProfile.create(
            visitor_id="o" * 32, user_id=other.id, first_event_at=now, last_event_at=now
        )
    client.post("/logga-ut", data={"csrf_token": csrf_from(client.get("/logga-ut").text)})
    assert log_in(client, "annan@exempel.se").status_code == 302
    choose(app, client, "signed_link", object_to_profiling=True, email_tracking=True)
    assert effects(app, person) == OBJECTED
    with app.app_context():
        assert InterestProfile.select().where(InterestProfile.user_id == other.id).count() == 1
        assert not Preference.objects_to_profiling("annan@exempel.se")
        entry = AuditEntry.get(AuditEntry.action == "self_objection")
        assert (entry.actor_id, entry.actor_role) == (None, "system")
