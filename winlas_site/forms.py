"""The base form every form of the site derives from."""

from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


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
