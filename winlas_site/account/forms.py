"""Forms of "Mitt konto" and of the DSAR tool."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..forms import BaseForm, ContactFields, strip


class PasswordCheck:
    """A password field with the stated cap: hashing megabytes would be a cheap attack."""

    def validate_password(self, field) -> None:
        limit = current_app.config["WINLAS_PASSWORD_MAX_LENGTH"]
        if len(field.data or "") > limit:
            raise ValidationError(_l("Lösenordet får vara högst %(n)d tecken.", n=limit))


class ProfileForm(ContactFields, PasswordCheck, BaseForm):
    """Every personal field of the account (P4, P13). Role and organisation are not here: a
    posted ``role`` or ``organisation`` is simply not read."""

    password = PasswordField(
        _l("Nuvarande lösenord (krävs för att byta e-postadress)"), validators=[Optional()]
    )


class EraseForm(PasswordCheck, BaseForm):
    """Erasure needs the password in the same form (re-authentication) and a clear yes."""

    password = PasswordField(_l("Ditt lösenord"), validators=[DataRequired()])
    confirm = BooleanField(
        _l("Ja, radera mitt konto och alla mina uppgifter. Det går inte att ångra."),
        validators=[DataRequired(message=_l("Kryssa i rutan för att bekräfta."))],
    )


class ButtonForm(BaseForm):
    """A form that is only a button (and its CSRF token)."""


class LookupForm(BaseForm):
    """The DSAR tool: the address a request is about.

    Only the syntax is checked, not the site's address rule (``addresses``): the tool
    looks data up (by the rule's lookup key), and must also find, export and erase rows stored
    before the rule refused look-alikes.
    """

    email = EmailField(
        _l("E-postadress"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip]
    )


class DsarEraseForm(LookupForm):
    confirm = BooleanField(
        _l("Ja, radera allt vi har om den här adressen."),
        validators=[DataRequired(message=_l("Kryssa i rutan för att bekräfta."))],
    )


class ObjectionForm(LookupForm):
    profiling = BooleanField(_l("Invändning mot profilering"))
    newsletter = BooleanField(_l("Avsluta nyhetsbrevet"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not (self.profiling.data or self.newsletter.data):
            self.form_errors.append(_l("Välj minst en sak att registrera."))
            return False
        return valid
