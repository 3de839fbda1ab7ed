"""The login form."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..forms import BaseForm


class LoginForm(BaseForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    password = PasswordField(_l("Lösenord"), validators=[DataRequired()])
    remember = BooleanField(_l("Kom ihåg mig på den här datorn"))
    next = HiddenField()

    def validate_password(self, field) -> None:
        # a stated cap: hashing megabytes of "password" would be a cheap denial of service.
        limit = current_app.config["WINLAS_PASSWORD_MAX_LENGTH"]
        if len(field.data or "") > limit:
            raise ValidationError(_l("Lösenordet får vara högst %(n)d tecken.", n=limit))
