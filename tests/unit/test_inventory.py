"""The data inventory: every model holding personal data declares it, with a retention, and
has a place in the data export."""

import peewee
import pytest

from winlas_site import inventory
from winlas_site.account.data import EXPORT_SECTIONS
from winlas_site.db import BaseModel


def test_the_inventory_of_the_site_is_complete():
    assert inventory.problems() == []


def test_every_personal_data_model_has_a_place_in_the_export():
    tables = {model._meta.table_name for model in inventory.personal_models()}
    assert tables <= set(EXPORT_SECTIONS), tables - set(EXPORT_SECTIONS)


def test_every_personal_data_model_has_a_retention_rule():
    for model in inventory.personal_models():
        assert model._meta.table_name in inventory.ABOUT


def test_the_inventory_lists_field_category_purpose_and_retention():
    entries = {(entry.table, entry.field): entry for entry in inventory.inventory()}
    email = entries[("user", "email")]
    assert email.category == "contact"
    assert "authentication" in email.purpose
    # in plain words, from the settings' defaults outside an app: no setting's name
    assert email.retention.startswith("Så länge kontot används")
    assert "2 år efter din senaste inloggning" in email.retention
    assert "WINLAS_" not in email.retention
    assert ("visit", "ip_anonymised") in entries
    assert ("registration", "dietary_choices") in entries


class _Undeclared(BaseModel):
    email = peewee.CharField()
    owner = peewee.ForeignKeyField(inventory.all_models()[1], null=True)  # the user table

    class Meta:
        table_name = "undeclared_example"


class _Declared(BaseModel):
    work_phone = peewee.CharField()
    PERSONAL_DATA = {"work_phone": ("contact", "support"), "gone": ("contact", "support")}

    class Meta:
        table_name = "declared_example"


def test_a_model_with_personal_looking_fields_and_no_declaration_is_found(monkeypatch):
    models = inventory.all_models()
    monkeypatch.setattr(inventory, "all_models", lambda: [*models, _Undeclared])
    found = inventory.problems()
    assert "undeclared_example.email looks personal but is not declared" in found
    assert "undeclared_example.owner looks personal but is not declared" in found


def test_a_declaration_of_a_missing_field_and_a_missing_retention_are_found(monkeypatch):
    models = inventory.all_models()
    monkeypatch.setattr(inventory, "all_models", lambda: [*models, _Declared])
    found = inventory.problems()
    assert "declared_example.gone is declared but is no field" in found
    assert "declared_example holds personal data but has no retention in inventory.py" in found


def test_names_that_only_look_alike_are_not_personal():
    class Thing(BaseModel):
        name = peewee.CharField()  # a product's or an event's name
        users = peewee.IntegerField()  # a number of users
        username_hint = peewee.CharField()

        class Meta:
            table_name = "thing_example"

    assert inventory.personal_looking_fields(Thing) == []


@pytest.mark.parametrize(
    ("amount", "unit", "language", "words"),
    [
        (730, "day", "sv", "2 år"),
        (425, "day", "sv", "425 dagar"),
        (1, "day", "en", "1 day"),
        (24, "month", "en", "2 years"),
        (13, "month", "sv", "13 månader"),
        (30, "minute", "sv", "30 minuter"),
        (12, "hour", "en", "12 hours"),
        (30.0, "day", "en", "30 days"),
    ],
    ids=[
        "years-sv",
        "days-sv",
        "one-day-en",
        "months-as-years-en",
        "months-sv",
        "minutes-sv",
        "hours-en",
        "float-days-en",
    ],
)
def test_durations_are_said_in_words(amount, unit, language, words):
    assert inventory.duration(amount, unit, language) == words


def test_every_retention_names_only_durations_it_knows():
    for language in ("sv", "en"):
        spans = inventory.durations(language)
        for table in inventory.ABOUT:
            text = inventory.kept(table, language, spans)
            assert "{" not in text and "_DAYS" not in text and "_MONTHS" not in text, table
