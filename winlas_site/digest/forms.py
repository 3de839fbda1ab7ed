"""The digest's switch in Mitt konto."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from ..forms import BaseForm

LANGUAGE_CHOICES = [SelectChoice("sv", _l("Svenska")), SelectChoice("en", _l("Engelska"))]


class DigestForm(BaseForm):
    """On or off, and the language the email is written in (the account has none of its own).
    The fields are named for the digest: Mitt konto holds several forms, ids must be unique."""

    digest_active = BooleanField(_l("Skicka mig veckosammanfattningen varje måndag morgon"))
    digest_language = SelectField(_l("Språk i mejlet"), choices=LANGUAGE_CHOICES)
