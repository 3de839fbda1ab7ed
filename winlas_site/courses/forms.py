"""The sign-up form of a course session, built per session for its seminar slots, and the
staff forms of course administration."""

from __future__ import annotations

import re

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

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
        if (
            self.dietary is not None
            and self.dietary_other is not None
            and "other" in (self.dietary.data or [])
            and not self.dietary_other.data
        ):
            self.dietary_other.errors = [*self.dietary_other.errors, _l("Beskriv kostavvikelsen.")]
            valid = False
        return valid

    def submission_id(self) -> str | None:
        """The form's id when it looks like one we issued (32 hex digits), else None."""
        value = self.submission.data or ""
        return value if re.fullmatch(r"[0-9a-f]{32}", value) else None

    def dietary_codes(self) -> list[str]:
        """The checked codes; a described other requirement counts as "other"."""
        codes = list(self.dietary.data or []) if self.dietary is not None else []
        if self.dietary_other is not None and self.dietary_other.data and "other" not in codes:
            codes.append("other")
        return codes

    def dietary_text(self) -> str:
        """The described requirement ('' when the session offers no free text)."""
        return (self.dietary_other.data or "") if self.dietary_other is not None else ""

    def chosen_slot_ids(self) -> list[int]:
        """The seminar slots chosen, one at most per group."""
        return [int(self[name].data) for name in self.seminar_fields if self[name].data]


def signup_form_for(session: CourseSession, **kwargs) -> SignupForm:
    """A SignupForm with one radio group per start time of the session's seminar slots,
    offering the dietary choices staff chose for the session (the free text with "other")."""
    form = _form_class(session)(**kwargs)
    offered = session.dietary_codes
    if offered:
        form.dietary.choices = [SelectChoice(code, DIETARY_LABELS[code]) for code in offered]
    else:
        del form["dietary"]
    if "other" not in offered:
        del form["dietary_other"]
    return form


def _form_class(session: CourseSession) -> type[SignupForm]:
    groups = session.seminar_groups()
    if not groups:
        return SignupForm
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
    return type("SessionSignupForm", (SignupForm,), attrs)


# -- staff: sessions, seminar slots, participants and emails (course administration) --

# the years a session can be in: a typo such as 0202 or 20266 is an error, not a date
FIRST_YEAR, LAST_YEAR = 2000, 2100
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
LANGUAGE_CHOICES = [SelectChoice("sv", _l("Svenska")), SelectChoice("en", _l("Engelska"))]


def _sensible_year(form, field) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Ange ett år mellan 2000 och 2100."))


def _when(label) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        format=DATETIME_FORMATS,
        validators=[InputRequired(_l("Ange datum och tid.")), _sensible_year],
        description=_l("Svensk tid, till exempel 2026-03-12 09:00"),
    )


def _dietary_choices() -> list:
    return [SelectChoice(code, DIETARY_LABELS[code]) for code in DIETARY_CHOICES]


class SessionForm(BaseForm):
    """A session of a course: when, where, how many, and what the sign-up form offers."""

    starts_at = _when(_l("Börjar"))
    ends_at = _when(_l("Slutar"))
    place_sv = StringField(
        _l("Plats (svenska)"), validators=[DataRequired(), Length(max=200)], filters=[strip]
    )
    place_en = StringField(
        _l("Plats (engelska, frivilligt)"),
        validators=[Optional(), Length(max=200)],
        filters=[strip],
    )
    online = BooleanField(_l("Online (länken skickas med e-post före start)"))
    capacity = IntegerField(
        _l("Antal platser"),
        validators=[
            InputRequired(_l("Ange antalet platser.")),
            NumberRange(min=1, max=10000, message=_l("Ange ett antal mellan 1 och 10 000.")),
        ],
    )
    price_sek = IntegerField(
        _l("Pris i kronor exkl. moms (frivilligt)"),
        description=_l("Tomt: kursens pris."),
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000_000, message=_l("Ange ett pris från 0 kr.")),
        ],
    )
    # types-WTForms 3.2 lacks WTForms 3.3's invalid_choice_message
    dietary_options = MultiCheckboxField(  # type: ignore[call-arg]
        _l("Kostval i anmälan"),
        choices=_dietary_choices(),
        invalid_choice_message=_l("Välj bland alternativen i listan."),
    )
    signup_open = BooleanField(_l("Anmälan är öppen"), default=True)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.starts_at.data and self.ends_at.data and self.ends_at.data <= self.starts_at.data:
            self.ends_at.errors = [*self.ends_at.errors, _l("Slutet måste komma efter början.")]
            valid = False
        return valid

    def values(self) -> dict:
        """The session's fields as the model stores them."""
        wanted = set(self.dietary_options.data or [])
        return {
            "starts_at": self.starts_at.data,
            "ends_at": self.ends_at.data,
            "place_sv": self.place_sv.data,
            "place_en": self.place_en.data or "",
            "online": bool(self.online.data),
            "capacity": self.capacity.data,
            "price_sek": self.price_sek.data,
            "dietary_options": ",".join(code for code in DIETARY_CHOICES if code in wanted),
            "signup_open": bool(self.signup_open.data),
        }


class SlotForm(BaseForm):
    """A seminar slot of a session: parallel slots share a start time."""

    title_sv = StringField(
        _l("Titel (svenska)"), validators=[DataRequired(), Length(max=200)], filters=[strip]
    )
    title_en = StringField(
        _l("Titel (engelska, frivilligt)"),
        validators=[Optional(), Length(max=200)],
        filters=[strip],
    )
    starts_at = _when(_l("Börjar"))
    capacity = IntegerField(
        _l("Platser (frivilligt)"),
        description=_l("Tomt: så många som tillfället har."),
        validators=[
            Optional(),
            NumberRange(min=1, max=10000, message=_l("Ange ett antal mellan 1 och 10 000.")),
        ],
    )
    position = IntegerField(
        _l("Ordning bland parallella seminarier"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )

    def __init__(self, *args, session: CourseSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        start = self.starts_at.data
        if start and not self.session.starts_at <= start < self.session.ends_at:
            self.starts_at.errors = [
                *self.starts_at.errors,
                _l("Seminariet måste börja medan tillfället pågår."),
            ]
            valid = False
        return valid

    def values(self) -> dict:
        return {
            "title_sv": self.title_sv.data,
            "title_en": self.title_en.data or "",
            "starts_at": self.starts_at.data,
            "capacity": self.capacity.data,
            "position": self.position.data or 0,
        }


class ParticipantForm(PersonFields, BaseForm):
    """A sign-up staff take by phone or email, for the participant."""

    # types-WTForms 3.2 lacks WTForms 3.3's invalid_choice_message
    dietary = MultiCheckboxField(  # type: ignore[call-arg]
        _l("Kostavvikelser"),
        choices=_dietary_choices(),
        invalid_choice_message=_l("Välj bland alternativen i listan."),
    )
    dietary_other = StringField(
        _l("Annan kostavvikelse eller allergi"),
        validators=[Optional(), Length(max=200)],
        filters=[strip],
    )
    # types-WTForms 3.2 lacks WTForms 3.3's invalid_choice_message
    language = RadioField(  # type: ignore[call-arg]
        _l("Språk i mejlen"),
        choices=LANGUAGE_CHOICES,
        default="sv",
        invalid_choice_message=_l("Välj svenska eller engelska."),
    )


class MoveForm(BaseForm):
    """Move a sign-up to another session of the course (choices set per sign-up)."""

    target = SelectField(_l("Flytta till"), coerce=int, validate_choice=True)


class EmailForm(BaseForm):
    """A message to a session's participants, each in the language of the sign-up."""

    # types-WTForms 3.2 lacks WTForms 3.3's invalid_choice_message
    recipients = RadioField(  # type: ignore[call-arg]
        _l("Mottagare"),
        choices=[
            SelectChoice("confirmed", _l("Bekräftade deltagare")),
            SelectChoice("active", _l("Bekräftade deltagare och väntelistan")),
        ],
        default="confirmed",
        invalid_choice_message=_l("Välj bland alternativen i listan."),
    )
    subject_sv = StringField(
        _l("Ämne (svenska)"), validators=[DataRequired(), Length(max=150)], filters=[strip]
    )
    body_sv = TextAreaField(
        _l("Meddelande (svenska)"), validators=[DataRequired(), Length(max=10000)], filters=[strip]
    )
    subject_en = StringField(
        _l("Ämne (engelska)"), validators=[Optional(), Length(max=150)], filters=[strip]
    )
    body_en = TextAreaField(
        _l("Meddelande (engelska)"),
        description=_l("Tomt: de som anmält sig på engelska får den svenska texten."),
        validators=[Optional(), Length(max=10000)],
        filters=[strip],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if bool(self.subject_en.data) != bool(self.body_en.data):
            self.body_en.errors = [
                *self.body_en.errors,
                _l("Fyll i både ämne och meddelande på engelska, eller inget av dem."),
            ]
            valid = False
        return valid

    def text_in(self, language: str) -> tuple[str, str, str]:
        """(subject, body, language of the email): English when written, else Swedish."""
        if language == "en" and self.subject_en.data and self.body_en.data:
            return self.subject_en.data, self.body_en.data, "en"
        return self.subject_sv.data or "", self.body_sv.data or "", "sv"


class ActionForm(BaseForm):
    """A button that changes something (cancel, promote, open/close): the CSRF token only."""
