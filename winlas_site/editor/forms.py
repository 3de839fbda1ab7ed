"""The editing forms: one per kind of page, Swedish and English side by side.

Each form names the model fields it edits exactly as the model does (``title_sv``,
``body_en``...), so the values go onto the row by name. ``SWEDISH``/``ENGLISH`` list the
language columns of the form, ``SHARED`` the fields both languages share. Every form carries
the revision it was based on (``based_on``, for the conflict check) and the time to publish at
(Swedish local time here, naive UTC in the database).
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)

# types-WTForms 3.2 lacks WTForms 3.3's SelectChoice
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..clock import to_local, to_utc
from ..content import SLUG_MAX
from ..forms import BaseForm, strip
from ..news.models import KINDS as ARTICLE_KINDS
from ..products.models import AUDIENCES, Product

# a long manual page is some 30 000 characters; two languages must fit the request size limit
BODY_MAX = 100_000
# what the URL map's slug converter accepts (SlugConverter in create_app)
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def title_fields(max_length: int = 200):
    return (
        StringField(
            _l("Rubrik"),
            validators=[DataRequired(message=_l("Skriv en rubrik.")), Length(max=max_length)],
            filters=[strip],
        ),
        StringField(_l("Rubrik"), validators=[Optional(), Length(max=max_length)], filters=[strip]),
    )


def summary_fields():
    return (
        TextAreaField(
            _l("Ingress"),
            validators=[DataRequired(message=_l("Skriv en ingress.")), Length(max=2000)],
            filters=[strip],
        ),
        TextAreaField(_l("Ingress"), validators=[Optional(), Length(max=2000)], filters=[strip]),
    )


def body_fields():
    return (
        TextAreaField(
            _l("Brödtext"),
            validators=[DataRequired(message=_l("Skriv en brödtext.")), Length(max=BODY_MAX)],
            filters=[strip],
        ),
        TextAreaField(
            _l("Brödtext"), validators=[Optional(), Length(max=BODY_MAX)], filters=[strip]
        ),
    )


def product_choices() -> list:
    """Every product (drafts too: a course may be written before its product goes live)."""
    products = Product.select(Product.slug, Product.name).order_by(Product.position, Product.name)
    return [SelectChoice("", _l("Ingen"))] + [SelectChoice(p.slug, p.name) for p in products]


class PageForm(BaseForm):
    """What every editing form has besides the page's own fields."""

    # the id of the revision the form was filled from (0: the page had none); checked on save
    based_on = HiddenField(default="0")
    publish_at = DateTimeLocalField(
        _l("Publiceras tidigast"),
        format="%Y-%m-%dT%H:%M",
        description=_l(
            "Svensk tid. Lämna tomt för att publicera direkt när du trycker på Publicera."
        ),
        validators=[Optional()],
    )
    slug = StringField(
        _l("Adress (slug)"),
        description=_l(
            "Bara a–z, 0–9 och bindestreck. Byter du adress leder den gamla hit automatiskt."
        ),
        validators=[
            Optional(),
            Length(max=SLUG_MAX),
            Regexp(SLUG_PATTERN, message=_l("Bara små bokstäver a–z, siffror och bindestreck.")),
        ],
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
    )

    SWEDISH: ClassVar[tuple[str, ...]] = ()
    ENGLISH: ClassVar[tuple[str, ...]] = ()
    SHARED: ClassVar[tuple[str, ...]] = ()
    # the Markdown fields (they get the syntax help and the preview)
    MARKDOWN: ClassVar[tuple[str, ...]] = ("body_sv", "body_en")

    def validate_based_on(self, field) -> None:
        if not str(field.data or "0").isdigit() or len(str(field.data)) > 12:
            raise ValidationError(_l("Formuläret är skadat. Ladda om sidan."))

    def based_on_id(self) -> int:
        return int(self.based_on.data or 0)

    @classmethod
    def model_fields(cls) -> tuple[str, ...]:
        """The row's fields this form edits (besides slug and publish_at)."""
        return cls.SWEDISH + cls.ENGLISH + cls.SHARED

    def values(self) -> dict[str, Any]:
        """What the form says about the row's fields, ready to set on it."""
        values = {name: self[name].data for name in self.model_fields()}
        values["publish_at"] = to_utc(self.publish_at.data)
        return values

    def fill(self, row) -> None:
        """On GET: the row's current values."""
        for name in self.model_fields():
            value = getattr(row, name)
            self[name].data = value
        self.publish_at.data = to_local(row.publish_at)
        if hasattr(row, "slug"):
            self.slug.data = row.slug


class ArticleForm(PageForm):
    title_sv, title_en = title_fields()
    summary_sv, summary_en = summary_fields()
    body_sv, body_en = body_fields()
    kind = SelectField(
        _l("Typ"),
        choices=[
            SelectChoice(value, label)
            for value, label in zip(
                ARTICLE_KINDS, (_l("Nyhet"), _l("Artikel"), _l("Webbinarium")), strict=True
            )
        ],
    )
    published = DateField(
        _l("Datum som visas"),
        default=datetime.date.today,
        validators=[InputRequired(message=_l("Ange ett datum."))],
    )

    SWEDISH = ("title_sv", "summary_sv", "body_sv")
    ENGLISH = ("title_en", "summary_en", "body_en")
    SHARED = ("kind", "published")


class ProductForm(PageForm):
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(message=_l("Skriv produktens namn.")), Length(max=120)],
        filters=[strip],
    )
    summary_sv, summary_en = summary_fields()
    body_sv, body_en = body_fields()
    features_sv = TextAreaField(
        _l("Det här ingår"),
        description=_l("En sak per rad."),
        validators=[Optional(), Length(max=5000)],
        filters=[strip],
    )
    features_en = TextAreaField(
        _l("Det här ingår"),
        description=_l("En sak per rad."),
        validators=[Optional(), Length(max=5000)],
        filters=[strip],
    )
    audience = SelectField(
        _l("För"),
        choices=[
            SelectChoice(value, label)
            for value, label in zip(
                AUDIENCES,
                (_l("Skolbibliotek"), _l("Folkbibliotek"), _l("Skol- och folkbibliotek")),
                strict=True,
            )
        ],
    )
    position = IntegerField(
        _l("Plats i listan"),
        default=0,
        validators=[InputRequired(message=_l("Ange ett tal.")), NumberRange(min=0, max=1000)],
    )

    SWEDISH = ("summary_sv", "body_sv", "features_sv")
    ENGLISH = ("summary_en", "body_en", "features_en")
    SHARED = ("name", "audience", "position")


class CourseForm(PageForm):
    title_sv, title_en = title_fields()
    summary_sv, summary_en = summary_fields()
    body_sv, body_en = body_fields()
    audience_sv = TextAreaField(
        _l("För vem"), validators=[Optional(), Length(max=2000)], filters=[strip]
    )
    audience_en = TextAreaField(
        _l("För vem"), validators=[Optional(), Length(max=2000)], filters=[strip]
    )
    kind = SelectField(
        _l("Typ"),
        choices=[SelectChoice("course", _l("Kurs")), SelectChoice("event", _l("Evenemang"))],
    )
    price_sek = IntegerField(
        _l("Pris i kronor exkl. moms (0 = kostnadsfritt)"),
        default=0,
        validators=[InputRequired(message=_l("Ange ett tal.")), NumberRange(min=0, max=1_000_000)],
    )
    product_slug = SelectField(_l("Produkt"), choices=[])

    SWEDISH = ("title_sv", "summary_sv", "body_sv", "audience_sv")
    ENGLISH = ("title_en", "summary_en", "body_en", "audience_en")
    SHARED = ("kind", "price_sek", "product_slug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_slug.choices = product_choices()

    def values(self) -> dict[str, Any]:
        values = super().values()
        values["product_slug"] = values["product_slug"] or None
        return values

    def fill(self, row) -> None:
        super().fill(row)
        self.product_slug.data = row.product_slug or ""


class CustomerResourceForm(PageForm):
    title_sv, title_en = title_fields()
    summary_sv, summary_en = summary_fields()
    body_sv, body_en = body_fields()
    kind = SelectField(
        _l("Typ"),
        choices=[
            SelectChoice("release", _l("Programversion")),
            SelectChoice("documentation", _l("Dokumentation")),
            SelectChoice("manual", _l("Manual")),
            SelectChoice("video", _l("Instruktionsfilm")),
        ],
    )
    product_slug = SelectField(_l("Produkt"), choices=[])
    version = StringField(
        _l("Version (frivilligt)"), validators=[Optional(), Length(max=20)], filters=[strip]
    )
    published = DateField(
        _l("Datum som visas"),
        default=datetime.date.today,
        validators=[InputRequired(message=_l("Ange ett datum."))],
    )
    duration_minutes = IntegerField(
        _l("Längd i minuter (filmer, frivilligt)"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )

    SWEDISH = ("title_sv", "summary_sv", "body_sv")
    ENGLISH = ("title_en", "summary_en", "body_en")
    SHARED = ("kind", "product_slug", "version", "published", "duration_minutes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_slug.choices = product_choices()

    def values(self) -> dict[str, Any]:
        values = super().values()
        values["product_slug"] = values["product_slug"] or None
        values["version"] = values["version"] or None
        return values

    def fill(self, row) -> None:
        super().fill(row)
        self.product_slug.data = row.product_slug or ""
        self.version.data = row.version or ""


class SubProcessorForm(PageForm):
    name = StringField(
        _l("Leverantör"),
        validators=[DataRequired(message=_l("Skriv leverantörens namn.")), Length(max=200)],
        filters=[strip],
    )
    purpose_sv = TextAreaField(
        _l("Ändamål"),
        validators=[DataRequired(message=_l("Skriv ändamålet.")), Length(max=2000)],
        filters=[strip],
    )
    purpose_en = TextAreaField(
        _l("Ändamål"), validators=[Optional(), Length(max=2000)], filters=[strip]
    )
    location_sv = StringField(
        _l("Var uppgifterna behandlas"),
        validators=[DataRequired(message=_l("Skriv var uppgifterna behandlas.")), Length(max=200)],
        filters=[strip],
    )
    location_en = StringField(
        _l("Var uppgifterna behandlas"), validators=[Optional(), Length(max=200)], filters=[strip]
    )
    safeguard_sv = TextAreaField(
        _l("Skydd"),
        validators=[DataRequired(message=_l("Skriv hur uppgifterna skyddas.")), Length(max=2000)],
        filters=[strip],
    )
    safeguard_en = TextAreaField(
        _l("Skydd"), validators=[Optional(), Length(max=2000)], filters=[strip]
    )
    position = IntegerField(
        _l("Plats i listan"),
        default=0,
        validators=[InputRequired(message=_l("Ange ett tal.")), NumberRange(min=0, max=1000)],
    )

    SWEDISH = ("purpose_sv", "location_sv", "safeguard_sv")
    ENGLISH = ("purpose_en", "location_en", "safeguard_en")
    SHARED = ("name", "position")
    MARKDOWN = ()
