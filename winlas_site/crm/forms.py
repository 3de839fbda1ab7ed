"""Staff forms on a lead."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length

from ..forms import BaseForm
from ..leads.models import STATUSES

STATUS_LABELS = {
    "ny": _l("Ny"),
    "kontaktad": _l("Kontaktad"),
    "kvalificerad": _l("Kvalificerad"),
    "vunnen": _l("Vunnen"),
    "forlorad": _l("Förlorad"),
}


class LeadUpdateForm(BaseForm):
    # the contact's customer organisation, so the CRM relates organisation ↔ contact ↔ lead
    organisation = SelectField(_l("Kundorganisation"), choices=[], coerce=int)
    status = SelectField(
        _l("Status"), choices=[SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES]
    )
    owner = SelectField(_l("Ansvarig"), choices=[], coerce=int)


class NoteForm(BaseForm):
    text = TextAreaField(_l("Ny anteckning"), validators=[DataRequired(), Length(max=5000)])
