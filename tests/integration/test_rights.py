"""Data-subject rights assembled from the features (issue 12): every table with personal data
has exactly one provider of its export and erasure, and the account only combines them."""

from __future__ import annotations

import peewee

from tests.integration.test_export_erase import EMAIL, seed_person
from winlas_site import inventory, rights
from winlas_site.account import data as person
from winlas_site.db import BaseModel
from winlas_site.models import PROVIDERS


class _Unprovided(BaseModel):
    """A new model with personal data whose feature forgot to provide for it."""

    work_phone = peewee.CharField()
    PERSONAL_DATA = {"work_phone": ("contact", "support")}

    class Meta:
        table_name = "unprovided_example"


def _provider(feature: str, *tables: str) -> rights.Provider:
    return rights.Provider(
        feature=feature,
        sections={table: "somewhere" for table in tables},
        export=lambda found: {},
        erase=lambda found: {},
        order=0,
    )


def personal_tables() -> list[str]:
    return [model._meta.table_name for model in inventory.personal_models()]


def test_every_table_with_personal_data_has_exactly_one_provider():
    assert rights.problems(PROVIDERS, personal_tables()) == []
    assert len({provider.feature for provider in PROVIDERS}) == len(PROVIDERS)


def test_a_model_with_personal_data_and_no_provider_fails_the_inventory(monkeypatch):
    models = inventory.all_models()
    monkeypatch.setattr(inventory, "all_models", lambda: [*models, _Unprovided])
    found = inventory.problems()
    assert (
        "unprovided_example holds personal data but no feature provides its export and erasure"
        in found
    )


def test_two_providers_of_a_table_and_a_provider_of_no_personal_data_are_found():
    found = rights.problems(
        [*PROVIDERS, _provider("twice", "contact"), _provider("stray", "product")],
        personal_tables(),
    )
    assert found == [
        "contact is provided by more than one feature: leads, twice",
        "product is provided by stray but holds no personal data",
    ]


def test_the_export_places_every_section_of_every_provider():
    sections = {section for provider in PROVIDERS for section in provider.sections.values()}
    assert sections == set(person.SECTIONS)
    assert set(person.EXPORT_SECTIONS) == set(personal_tables())


def test_the_account_goes_last_and_analytics_first_in_an_erasure():
    order = [provider.feature for provider in rights.erasure_order(PROVIDERS)]
    assert order[0] == "analytics"  # its tombstones are written before anything is deleted
    assert order[-1] == "auth"  # every other feature's rows refer to the account
    assert order.index("courses") < order.index("leads")  # sign-ups refer to the contact


def test_each_provider_answers_with_exactly_its_sections(app):
    seed_person(app)
    with app.test_request_context():
        for found in (person.find_person(EMAIL), person.find_person("okand@exempel.se")):
            for provider in PROVIDERS:
                assert set(provider.export(found)) == set(provider.sections.values()), provider


def test_the_person_is_found_once_with_the_keys_of_their_emails(app):
    user_id = seed_person(app)
    with app.app_context():
        found = person.find_person(EMAIL.upper())
        assert found.address == EMAIL and found.user.id == user_id
        assert found.contact.email == EMAIL
        kinds = {key.split(":")[0] for key in found.mail_keys}
        assert kinds == {
            "lead",
            "registration",
            "registration-reminder",
            "subscription",
            "user",
        }


def test_nobody_has_nothing_to_export_or_erase(app):
    with app.test_request_context():
        data = person.person_data("ingen@exempel.se")
        assert list(data) == [
            "format_version",
            "generated_at",
            "email",
            *person.SECTIONS,
            "inventory",
        ]
        assert data["account"] is None and data["contact"] is None
        assert data["leads"] == data["emails"] == [] and data["analytics"] == {}
        assert person.erase_person("ingen@exempel.se") == {}
