"""Staff forms of the CRM: a lead's status, owner, organisation, follow-up and notes; the status
select of the list; a lead taken by phone; the confirmation of a merge."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import BaseForm, ContactFields, MultiCheckboxField, strip
from ..leads.models import LEAD_TYPES, STATUSES

STATUS_LABELS = {
    "ny": _l("Ny"),
    "kontaktad": _l("Kontaktad"),
    "kvalificerad": _l("Kvalificerad"),
    "vunnen": _l("Vunnen"),
    "forlorad": _l("Förlorad"),
}
TYPE_LABELS = {"question": _l("Fråga"), "quote": _l("Offert"), "demo": _l("Visning")}
ORGANISATION_TYPE_LABELS = {
    "school": _l("Skola"),
    "municipal_library": _l("Kommunalt bibliotek"),
    "agency": _l("Myndighet"),
    "company": _l("Företag"),
}
# a form's one-time id: 32 hex digits (uuid4().hex), nothing else is ever stored
FORM_ID = r"^[0-9a-f]{32}$"


def _status_choices() -> list:
    return [SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES]


class LeadUpdateForm(BaseForm):
    # the contact's customer organisation, so the CRM relates organisation ↔ contact ↔ lead
    organisation = SelectField(_l("Kundorganisation"), choices=[], coerce=int)
    status = SelectField(_l("Status"), choices=_status_choices())
    owner = SelectField(_l("Ansvarig"), choices=[], coerce=int)


class StatusForm(BaseForm):
    """The status select on each row of the list."""

    status = SelectField(_l("Status"), choices=_status_choices())
    # the list's own address with its filters, to go back to (checked by the view)
    back = HiddenField()


class FollowUpForm(BaseForm):
    follow_up_on = DateField(
        _l("Följ upp den"),
        validators=[Optional()],
        description=_l("Lämna tomt för att ta bort uppföljningen."),
    )
    follow_up_note = StringField(
        _l("Vad ska göras?"), validators=[Optional(), Length(max=500)], filters=[strip]
    )


class NoteForm(BaseForm):
    text = TextAreaField(_l("Ny anteckning"), validators=[DataRequired(), Length(max=5000)])


class NewLeadForm(ContactFields, BaseForm):
    """A lead from a phone call: the caller, what they want, who takes it and when."""

    organisation = StringField(
        _l("Organisation"), validators=[Optional(), Length(max=200)], filters=[strip]
    )
    type = SelectField(
        _l("Typ"),
        choices=[SelectChoice(t, TYPE_LABELS[t]) for t in LEAD_TYPES],
        validators=[DataRequired()],
    )
    message = TextAreaField(_l("Vad gäller samtalet?"), validators=[Optional(), Length(max=5000)])
    organisation_type = SelectField(
        _l("Typ av organisation"),
        choices=[SelectChoice("", _l("Okänd"))]
        + [SelectChoice(k, v) for k, v in ORGANISATION_TYPE_LABELS.items()],
        validators=[Optional()],
    )
    products = MultiCheckboxField(_l("Produkter"), choices=[])
    owner = SelectField(_l("Ansvarig"), choices=[], coerce=int)
    follow_up_on = DateField(_l("Följ upp den"), validators=[Optional()])
    follow_up_note = StringField(
        _l("Vad ska göras?"), validators=[Optional(), Length(max=500)], filters=[strip]
    )
    # the form's random id: the same form sent twice makes one lead (the view checks it)
    submission = HiddenField()


class MergeForm(BaseForm):
    """The confirmation of a merge: which contact goes (the page shows what moves)."""

    duplicate = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,9}$")])
