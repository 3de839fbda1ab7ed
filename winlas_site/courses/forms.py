"""The sign-up form of a course session, built per session for its seminar slots."""

from __future__ import annotations

import re

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    StringField,
)

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, Optional

from ..forms import BaseForm, MultiCheckboxField, PersonFields, strip
from ..spam import SpamFields
from .models import DIETARY_CHOICES, CourseSession, SeminarSlot

DIETARY_LABELS = {
    "vegetarian": _l("Vegetarisk"),
    "vegan": _l("Vegansk"),
    "gluten": _l("Glutenfri"),
    "lactose": _l("Laktosfri"),
    "nuts": _l("Nötallergi"),
    "other": _l("Annat (beskriv nedan)"),
}


class SignupForm(PersonFields, SpamFields, BaseForm):
    # types-WTForms 3.2 lacks WTForms 3.3's invalid_choice_message
    dietary = MultiCheckboxField(  # type: ignore[call-arg]
        _l("Kostavvikelser"),
        choices=[SelectChoice(code, DIETARY_LABELS[code]) for code in DIETARY_CHOICES],
        invalid_choice_message=_l("Välj bland alternativen i listan."),
    )
    dietary_other = StringField(
        _l("Annan kostavvikelse eller allergi"),
        validators=[Optional(), Length(max=200)],
        filters=[strip],
    )
    acknowledge = BooleanField(
        _l("Jag har läst hur WinLas hanterar uppgifterna i anmälan."),
        validators=[DataRequired(_l("Bekräfta att du har läst hur vi hanterar uppgifterna."))],
    )

    # a random id given to the form when shown: the same form sent twice is one sign-up
    submission = HiddenField()

    # the names of the seminar fields, one per group of parallel slots (set per session)
    seminar_fields: tuple[str, ...] = ()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # (not a validate_dietary_other: Optional() stops the chain of an empty field)
        if "other" in (self.dietary.data or []) and not self.dietary_other.data:
            self.dietary_other.errors = [*self.dietary_other.errors, _l("Beskriv kostavvikelsen.")]
            valid = False
        return valid

    def submission_id(self) -> str | None:
        """The form's id when it looks like one we issued (32 hex digits), else None."""
        value = self.submission.data or ""
        return value if re.fullmatch(r"[0-9a-f]{32}", value) else None

    def dietary_codes(self) -> list[str]:
        """The checked codes; a described other requirement counts as "other"."""
        codes = list(self.dietary.data or [])
        if self.dietary_other.data and "other" not in codes:
            codes.append("other")
        return codes

    def chosen_slot_ids(self) -> list[int]:
        """The seminar slots chosen, one at most per group."""
        return [int(self[name].data) for name in self.seminar_fields if self[name].data]


def signup_form_for(session: CourseSession, **kwargs) -> SignupForm:
    """A SignupForm with one radio group per start time of the session's seminar slots."""
    groups = session.seminar_groups()
    if not groups:
        return SignupForm(**kwargs)
    taken = SeminarSlot.taken_counts(session)
    attrs: dict = {}
    names = []
    for index, (starts_at, slots) in enumerate(groups, start=1):
        choices = [SelectChoice("", _l("Inget seminarium"))]
        for slot in slots:
            full = slot.capacity is not None and taken.get(slot.id, 0) >= slot.capacity
            label = slot.t("title")
            if full:
                label = _l("%(title)s (fullt)", title=label)
            choices.append(SelectChoice(str(slot.id), label))
        name = f"seminar_{index}"
        names.append(name)
        # one radio group per start time: at most one seminar at a time, by construction
        # types-WTForms 3.2 lacks WTForms 3.3's invalid_choice_message
        attrs[name] = RadioField(  # type: ignore[call-arg]
            _l(
                "Seminarier %(date)s kl. %(time)s",
                date=format_date(starts_at.date(), "d MMMM"),
                time=starts_at.strftime("%H:%M"),
            ),
            choices=choices,
            default="",
            invalid_choice_message=_l("Välj ett av seminariepassen i listan."),
        )
    attrs["seminar_fields"] = tuple(names)
    form_class = type("SessionSignupForm", (SignupForm,), attrs)
    return form_class(**kwargs)
