"""The funnel editor: a name, the window, and five step rows (a kind and a value each).

It works without JavaScript: all five rows are always there, a row without a value is left
out, and at least two must be filled in. Each refusal is shown beside its row; the rules are
the model's (``models.step_problem``), the words are here.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice (tuples are deprecated there)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length

from .models import (
    BAD_WILDCARD,
    CONTROL,
    EMPTY,
    MAX_NAME_LENGTH,
    MAX_STEPS,
    MAX_VALUE_LENGTH,
    MIN_STEPS,
    NOT_A_PATH,
    TOO_LONG,
    UNKNOWN_CONVERSION,
    UNKNOWN_KIND,
    WINDOWS,
    Funnel,
    Step,
    has_control,
    step_problem,
)

STEP_NUMBERS = range(1, MAX_STEPS + 1)


def strip(value: object) -> object:
    """Surrounding white space is never part of what a person meant."""
    return value.strip() if isinstance(value, str) else value


def problem_text(reason: str) -> str:
    """A step's refusal (``models.step_problem``) in the reader's language."""
    texts = {
        UNKNOWN_KIND: gettext("Välj sida, klick eller konvertering."),
        EMPTY: gettext("Ange ett värde."),
        TOO_LONG: gettext("Värdet får vara högst %(max)d tecken.", max=MAX_VALUE_LENGTH),
        CONTROL: gettext("Fältet innehåller otillåtna tecken."),
        NOT_A_PATH: gettext("En sida är en sökväg som börjar med /, till exempel /kontakt/offert."),
        BAD_WILDCARD: gettext(
            "En * får bara stå sist, till exempel /produkter/* för alla sidor under /produkter/."
        ),
        UNKNOWN_CONVERSION: gettext(
            "Konverteringen finns inte. Välj contact, quote, demo, course eller newsletter."
        ),
    }
    return str(texts.get(reason) or texts[EMPTY])


class FunnelForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no types
    """The editor's fields; the step rows are added below (``kind_1`` … ``value_5``)."""

    name = StringField(
        _l("Namn"),
        validators=[
            DataRequired(message=_l("Ge tratten ett namn.")),
            Length(max=MAX_NAME_LENGTH, message=_l("Namnet får vara högst %(max)d tecken.")),
        ],
        filters=[strip],
    )
    within = RadioField(
        _l("Stegen ska ske"),
        choices=[
            SelectChoice("visit", _l("under ett och samma besök")),
            SelectChoice("30d", _l("inom 30 dagar från första steget")),
        ],
        default="visit",
        # worded in ``validate`` (a forged value only: the page offers the two)
        validate_choice=False,
    )

    def kind(self, number: int) -> SelectField:
        field: SelectField = self[f"kind_{number}"]
        return field

    def value(self, number: int) -> StringField:
        field: StringField = self[f"value_{number}"]
        return field

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        if isinstance(self.name.data, str) and has_control(self.name.data):
            self.name.errors = [*self.name.errors, gettext("Fältet innehåller otillåtna tecken.")]
            valid = False
        # no window sent at all: no option was checked (the editor of a funnel whose stored
        # window is unknown checks none), and the field's default must not choose for them
        if not self.within.raw_data or self.within.data not in WINDOWS:
            self.within.errors = [*self.within.errors, gettext("Välj när stegen ska ske.")]
            valid = False
        filled = 0
        for number in STEP_NUMBERS:
            kind, value = self.kind(number), self.value(number)
            if not value.data:
                continue
            filled += 1
            reason = step_problem(str(kind.data or ""), str(value.data))
            if reason is not None and not value.errors:
                value.errors = [*value.errors, problem_text(reason)]
            if reason is not None or value.errors:
                valid = False
        if filled < MIN_STEPS:
            # beside the first empty row of the two that must be filled
            for number in range(1, MIN_STEPS + 1):
                if not self.value(number).data:
                    field = self.value(number)
                    field.errors = [*field.errors, gettext("Ange minst två steg.")]
                    break
            valid = False
        return valid

    def steps(self) -> list[Step]:
        """The filled-in rows, in order (after ``validate``)."""
        return [
            Step(str(self.kind(number).data), str(self.value(number).data))
            for number in STEP_NUMBERS
            if self.value(number).data
        ]

    def fill(self, funnel: Funnel) -> None:
        """Show a stored funnel in the fields (the edit page). Of a funnel that cannot be read,
        what has the shape of a step; a window this version does not know is left unchosen,
        so saving asks for one instead of quietly picking it."""
        self.name.data = funnel.name if isinstance(funnel.name, str) else ""
        self.within.data = funnel.within if funnel.within in WINDOWS else None
        for number, step in enumerate(funnel.draft_steps(), 1):
            self.kind(number).data = step.kind
            self.value(number).data = step.value


for _number in STEP_NUMBERS:
    setattr(
        FunnelForm,
        f"kind_{_number}",
        SelectField(
            _l("Steg %(number)d: typ", number=_number),
            choices=[
                SelectChoice("page", _l("Sida")),
                SelectChoice("click", _l("Klick")),
                SelectChoice("conversion", _l("Konvertering")),
            ],
            default="page",
            # a value no option has is worded beside its row (``step_problem``), and is no
            # matter at all in a row left empty
            validate_choice=False,
        ),
    )
    setattr(
        FunnelForm,
        f"value_{_number}",
        StringField(
            _l("Steg %(number)d: värde", number=_number),
            # the length and every other rule: ``step_problem`` in ``validate``
            filters=[strip],
            render_kw={"maxlength": MAX_VALUE_LENGTH},
        ),
    )
