"""The dashboard's forms: a note on the time charts, a saved view, and the delete buttons.

Flask-WTF, so every POST carries the CSRF token the host's ``CSRFProtect`` checks. The rules
themselves (length, control characters, the dates a note may have) are the models' own
(``analytics.dashboard_models``): a form only words the refusal for the reader.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from .. import clock
from ..dashboard_models import (
    ANNOTATION_MAX_LENGTH,
    VIEW_NAME_MAX_LENGTH,
    Invalid,
    check_day,
    clean_text,
    day_range,
)


def _text_rule(max_length: int) -> Any:
    """A validator applying the models' text rule, the stripped text kept as the field's data."""

    def check(form: FlaskForm, field: StringField) -> None:
        try:
            field.data = clean_text(field.data or "", max_length)
        except Invalid as exc:
            messages = {
                "empty": _l("Fyll i fältet."),
                "too_long": _l("Högst %(num)d tecken.", num=max_length),
                "control": _l("Fältet innehåller otillåtna tecken."),
            }
            raise ValidationError(str(messages.get(exc.reason, exc.reason))) from None

    return check


def _sane_day(form: FlaskForm, field: DateField) -> None:
    if field.data is None:
        return
    today = clock.now().date()
    try:
        check_day(field.data, today)
    except Invalid:
        first, last = day_range(today)
        raise ValidationError(
            str(
                _l(
                    "Välj ett datum från %(first)s till %(last)s.",
                    first=first.isoformat(),
                    last=last.isoformat(),
                )
            )
        ) from None


class AnnotationForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no types
    """A dated note: shown on every time chart and in the time-series table."""

    day = DateField(
        _l("Datum"),
        validators=[InputRequired(_l("Ange ett datum, till exempel 2026-11-20.")), _sane_day],
    )
    text = StringField(
        _l("Anteckning"),
        validators=[DataRequired(_l("Fyll i fältet.")), _text_rule(ANNOTATION_MAX_LENGTH)],
        render_kw={"maxlength": ANNOTATION_MAX_LENGTH},
    )


class SavedViewForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no types
    """A name for the period and filters sent beside it (hidden fields the view validates with
    the dashboard's own parser)."""

    name = StringField(
        _l("Namn på vyn"),
        validators=[DataRequired(_l("Fyll i fältet.")), _text_rule(VIEW_NAME_MAX_LENGTH)],
        render_kw={"maxlength": VIEW_NAME_MAX_LENGTH},
    )


class DeleteForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no types
    """A delete button: only the CSRF token."""
