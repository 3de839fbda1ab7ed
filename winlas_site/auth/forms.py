"""Forms of the account features: login, registration, password reset, request approval."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..forms import Address, BaseForm, PersonFields, strip
from ..spam import SpamFields
from .models import Organisation, normalise_email

PASSWORD_MIN_LENGTH = 12


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` is refused as a new password, or None (the site's password policy).

    At least 12 characters, at most ``WINLAS_PASSWORD_MAX_LENGTH`` (a stated cap: hashing
    megabytes would be a cheap denial of service), and not the email address itself.
    """
    password = password or ""
    limit = current_app.config["WINLAS_PASSWORD_MAX_LENGTH"]
    if len(password) > limit:
        return gettext("Lösenordet får vara högst %(n)d tecken.", n=limit)
    if len(password) < PASSWORD_MIN_LENGTH:
        return gettext("Lösenordet måste ha minst %(n)d tecken.", n=PASSWORD_MIN_LENGTH)
    if email and normalise_email(password) == normalise_email(email):
        return gettext("Lösenordet får inte vara din e-postadress.")
    return None


class LoginForm(BaseForm):
    # no address rule here: the view checks it (``User.authenticate``) and answers an address
    # the rule refuses exactly like an unknown one, "wrong address or password".
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(), Length(max=254)],
        filters=[strip],
    )
    password = PasswordField(_l("Lösenord"), validators=[DataRequired()])
    remember = BooleanField(_l("Kom ihåg mig på den här datorn"))
    next = HiddenField()

    def validate_password(self, field) -> None:
        # a stated cap: hashing megabytes of "password" would be a cheap denial of service.
        limit = current_app.config["WINLAS_PASSWORD_MAX_LENGTH"]
        if len(field.data or "") > limit:
            raise ValidationError(_l("Lösenordet får vara högst %(n)d tecken.", n=limit))


class NewPasswordFields:
    """A new password typed twice, checked against the policy (registration, reset)."""

    password = PasswordField(
        _l("Lösenord"),
        description=_l("Minst 12 tecken. En mening eller några ord du kommer ihåg fungerar bra."),
        validators=[DataRequired()],
    )
    password_again = PasswordField(
        _l("Upprepa lösenordet"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Lösenorden är inte likadana.")),
        ],
    )

    def policy_email(self) -> str:
        """The address the password may not equal."""
        email = getattr(self, "email", None)
        return (email.data or "") if email is not None else ""

    def validate_password(self, field) -> None:
        problem = password_problem(field.data, self.policy_email())
        if problem:
            raise ValidationError(problem)


class RegistrationForm(PersonFields, NewPasswordFields, SpamFields, BaseForm):
    """P3 and P4: the person fields, the customer number (or none: a request), a password."""

    customer_number = StringField(
        _l("Kundnummer (frivilligt)"),
        description=_l(
            "Står på avtalet och fakturan från WinLas. Med kundnumret och en adress i er "
            "organisations e-postdomän öppnas kontot direkt; annars granskar vår personal "
            "ansökan innan kontot öppnas."
        ),
        validators=[Optional(), Length(max=20)],
        filters=[strip],
    )

    # set by validate_customer_number: the organisation the number belongs to, if any. A
    # number that matches nothing is no form error: the answer must not tell a right number
    # from a wrong one (numbers are printed on invoices, which are public records). The
    # registration then becomes a request staff decide (``registration.register``).
    customer: Organisation | None = None

    def validate_customer_number(self, field) -> None:
        self.customer = Organisation.by_customer_number(field.data or "")


class ForgotPasswordForm(BaseForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(), Length(max=254), Address()],
        filters=[strip],
    )


class ResetPasswordForm(NewPasswordFields, BaseForm):
    # the address of the account the link belongs to, set by the view (not a form field)
    account_email = ""

    def policy_email(self) -> str:
        return self.account_email


class ApproveForm(BaseForm):
    organisation = SelectField(
        _l("Kundorganisation"), coerce=int, validators=[DataRequired()], choices=[]
    )

    def fill_choices(self) -> None:
        """Only customer organisations (with a customer number): P3, no accounts for others."""
        self.organisation.choices = [
            (o.id, f"{o.name} ({o.customer_number})") for o in Organisation.customers()
        ]


class DecisionForm(BaseForm):
    """A button with a CSRF token (refuse a request)."""
