"""The three contact forms. Only the fields the privacy policy lists (P4)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import BaseForm, MultiCheckboxField, PersonFields
from ..spam import SpamFields

# the version of the consent text shown beside the marketing checkbox, stored with each lead
MARKETING_CONSENT_VERSION = "2026-11-1"


class InquiryForm(PersonFields, SpamFields, BaseForm):
    """The fields every inquiry has."""

    products = MultiCheckboxField(_l("Produkter ni är intresserade av"), choices=[])
    message = TextAreaField(_l("Meddelande"), validators=[DataRequired(), Length(max=5000)])
    marketing_consent = BooleanField(
        _l(
            "Ja, jag vill få nyheter och erbjudanden från WinLas via e-post. Jag kan när som "
            "helst ångra mig via länken i varje utskick."
        )
    )
    submission = HiddenField()


class QuestionForm(InquiryForm):
    pass


class QuoteForm(InquiryForm):
    organisation_type = SelectField(
        _l("Typ av organisation"),
        choices=[
            SelectChoice("school", _l("Skola")),
            SelectChoice("municipal_library", _l("Kommunalt bibliotek")),
            SelectChoice("agency", _l("Myndighet")),
            SelectChoice("company", _l("Företag")),
        ],
        validators=[DataRequired()],
    )
    sites = IntegerField(
        _l("Antal bibliotek eller enheter"), validators=[Optional(), NumberRange(min=1, max=10000)]
    )
    users = IntegerField(
        _l("Antal användare (personal)"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    message = TextAreaField(_l("Meddelande"), validators=[Optional(), Length(max=5000)])


class DemoForm(InquiryForm):
    meeting_mode = RadioField(
        _l("Hur vill ni se visningen?"),
        choices=[
            SelectChoice("online", _l("Online")),
            SelectChoice("on_site", _l("På plats hos oss")),
        ],
        default="online",
        validators=[DataRequired()],
    )
    preferred_times = TextAreaField(
        _l("Önskade dagar och tider"), validators=[DataRequired(), Length(max=1000)]
    )
    message = TextAreaField(_l("Meddelande"), validators=[Optional(), Length(max=5000)])


FORMS = {"question": QuestionForm, "quote": QuoteForm, "demo": DemoForm}
