"""The sign-up form, the preference switches, the link request and the staff composer."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import Address, BaseForm, has_control_characters, strip
from ..spam import SpamFields
from .models import MAX_LINKS, NEWSLETTER_CONSENT_VERSION

CONSENT_TEXT = _l(
    "Ja, jag vill få WinLas nyhetsbrev via e-post: nyheter om produkterna, nya versioner, "
    "utbildningar och evenemang, några gånger per år. Jag kan avregistrera mig när som helst "
    "via länken i varje utskick."
)
TRACKING_TEXT = _l(
    "Ja, WinLas får se om jag öppnar nyhetsbrevet och vilka länkar jag klickar på. Då laddas en "
    "osynlig bild från vår server och länkarna går via vår webbplats. Vi använder det för att "
    "se vad som intresserar läsarna. Utan ditt ja mäter vi ingenting."
)
PROFILING_TEXT = _l(
    "Jag invänder mot profilering: använd inte det jag gör på webbplatsen eller i våra mejl "
    "för att bygga en intresseprofil om mig."
)
NEWSLETTER_SWITCH_TEXT = _l("Skicka WinLas nyhetsbrev till mig")


def email_field() -> EmailField:
    # the site's one address rule (addresses): case and IDNA domains folded, look-alikes
    # (fullwidth letters, Cyrillic letters, mixed-script domains) refused with a clear message
    return EmailField(
        _l("E-postadress"),
        validators=[
            DataRequired(message=_l("Ange din e-postadress.")),
            Length(max=254),
            Address(),
        ],
        filters=[strip],
    )


class SubscribeForm(SpamFields, BaseForm):
    consent_version = NEWSLETTER_CONSENT_VERSION  # shown with the consent text, stored with it

    email = email_field()
    consent = BooleanField(
        CONSENT_TEXT,
        validators=[DataRequired(message=_l("Kryssa i rutan för att prenumerera."))],
    )
    # the path of the page the form was on, kept with the subscription as its source
    source = HiddenField()


class LinkRequestForm(SpamFields, BaseForm):
    email = email_field()


class PreferencesForm(BaseForm):
    newsletter = BooleanField(NEWSLETTER_SWITCH_TEXT)
    object_to_profiling = BooleanField(PROFILING_TEXT)
    email_tracking = BooleanField(TRACKING_TEXT)


def parse_links(text: str) -> list[tuple[str, str]]:
    """``Label | https://…`` or a bare URL per line → ``[(label, url), …]``; ValueError on bad."""
    links = []
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        label, sep, url = line.rpartition("|")
        label, url = (label.strip(), url.strip()) if sep else ("", line)
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or any(ch.isspace() for ch in url)
            or len(url) > 2000
        ):
            raise ValueError(
                _l(
                    "Rad %(n)d: länken måste börja med https:// eller http:// och får inte "
                    "innehålla mellanslag.",
                    n=number,
                )
            )
        if len(label) > 200:
            raise ValueError(_l("Rad %(n)d: länktexten får vara högst 200 tecken.", n=number))
        links.append((label or url, url))
    if len(links) > MAX_LINKS:
        raise ValueError(_l("Högst %(n)d länkar per utskick.", n=MAX_LINKS))
    return links


class IssueForm(BaseForm):
    subject = StringField(
        _l("Ämnesrad"),
        validators=[DataRequired(message=_l("Skriv en ämnesrad.")), Length(max=200)],
    )
    body = TextAreaField(
        _l("Text"),
        description=_l("Vanlig text. En tom rad mellan stycken."),
        validators=[DataRequired(message=_l("Skriv en text.")), Length(max=20000)],
    )
    # the English edition (issue 17): optional, but a subject needs a text and a text a subject
    subject_en = StringField(
        _l("Ämnesrad på engelska (frivilligt)"),
        # no Optional(): it would skip the check that an English text has a subject too
        validators=[Length(max=200)],
    )
    body_en = TextAreaField(
        _l("Text på engelska (frivilligt)"),
        description=_l(
            "Prenumeranter som har valt engelska får den engelska versionen när både ämnesrad "
            "och text är skrivna, annars den svenska. Alla andra får den svenska."
        ),
        validators=[Length(max=20000)],
    )
    links = TextAreaField(
        _l("Länkar (frivilligt)"),
        description=_l(
            "En länk per rad, till exempel: Läs mer om version 8 | https://winlas.se/nyheter"
        ),
        validators=[Optional(), Length(max=10000)],
    )

    def validate_subject_en(self, field) -> None:
        if (self.body_en.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Skriv en engelsk ämnesrad till den engelska texten."))

    def validate_body_en(self, field) -> None:
        if (self.subject_en.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Skriv en engelsk text till den engelska ämnesraden."))

    def validate_links(self, field) -> None:
        try:
            parse_links(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc.args[0])) from None

    def link_list(self) -> list[tuple[str, str]]:
        """The validated links as ``[(label, url), …]``."""
        return parse_links(self.links.data or "")


class SendForm(BaseForm):
    """Only the CSRF token: the page around it is the confirmation step."""


def clean_source(value: str | None, default: str) -> str:
    """The sign-up's source: a same-site path of at most 200 characters, else ``default``."""
    value = value or ""
    if (
        not value.startswith("/")
        or value.startswith("//")
        or len(value) > 200
        or has_control_characters(value)
        or "\\" in value
    ):
        return default
    return value
