"""The base form every form of the site derives from."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import addresses


def has_control_characters(text: str, allow_line_breaks: bool = False) -> bool:
    """True when ``text`` holds a control character (NUL above all: PostgreSQL refuses it,
    SQLite stores it); tabs and line breaks are allowed where a message may have them."""
    allowed = "\t\n\r" if allow_line_breaks else ""
    return any((ord(ch) < 32 and ch not in allowed) or ch == "\x7f" for ch in text)


class BaseForm(FlaskForm):
    """A FlaskForm that refuses control characters in every text field."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            # hidden fields carry values the views check themselves (a bad ``next`` is dropped).
            if isinstance(field, HiddenField) or not isinstance(field, StringField):
                continue
            if isinstance(field.data, str) and has_control_characters(
                field.data, allow_line_breaks=isinstance(field, TextAreaField)
            ):
                field.errors = [*field.errors, gettext("Fältet innehåller otillåtna tecken.")]
                valid = False
        return valid


class Address:
    """The site's one address rule (``addresses``) as a form validator.

    A valid address is replaced by its canonical form (what the models store); a refused one
    keeps what was typed and gets a message that says what to do about it.
    """

    def __call__(self, form, field) -> None:
        try:
            field.data = addresses.canonical(field.data or "")
        except addresses.InvalidAddress as exc:
            if exc.reason == addresses.LOOKALIKE:
                message = _l(
                    "Skriv adressen med vanliga bokstäver: den innehåller tecken som bara liknar "
                    "dem (breda bokstäver eller bokstäver från ett annat alfabet)."
                )
            else:
                message = _l("Ange en giltig e-postadress, till exempel namn@kommun.se.")
            raise ValidationError(message) from None


def strip(value):
    """Filter: surrounding white space is never part of what a person meant."""
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ContactFields:
    """Name, email and work phone (P4), the same wherever a person gives or edits them."""

    first_name = StringField(
        _l("Förnamn"), validators=[DataRequired(), Length(max=100)], filters=[strip]
    )
    last_name = StringField(
        _l("Efternamn"), validators=[DataRequired(), Length(max=100)], filters=[strip]
    )
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(), Length(max=254), Address()],
        filters=[strip],
    )
    work_phone = StringField(
        _l("Telefon, arbete (frivilligt)"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9 +()\-]*$", message=_l("Ange bara siffror, mellanslag och + ( ) -.")),
        ],
        filters=[strip],
    )


class PersonFields(ContactFields):
    """The person fields the privacy policy lists (P4) for a form from outside: with the
    organisation, which an account takes from its customer link instead."""

    organisation = StringField(
        _l("Organisation"),
        description=_l("Kommun, myndighet, skola eller företag"),
        validators=[DataRequired(), Length(max=200)],
        filters=[strip],
    )
