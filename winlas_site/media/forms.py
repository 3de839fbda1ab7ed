"""The upload form and the delete button of the image library."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import BaseForm, strip
from .models import MAX_ALT
from .processing import Processed, Refused, process


class UploadForm(BaseForm):
    image = FileField(
        _l("Bildfil"),
        description=_l(
            "JPEG, PNG, WebP eller GIF (första bildrutan). Bilden sparas som WebP utan "
            "platsuppgifter och annan metadata, och bredare bilder skalas ned."
        ),
        validators=[FileRequired(message=_l("Välj en bildfil."))],
    )
    alt_sv = StringField(
        _l("Alternativtext på svenska"),
        description=_l(
            "Beskriv vad bilden visar för den som inte ser den, till exempel "
            "”Bibliotekarie lånar ut böcker vid disken”."
        ),
        validators=[
            DataRequired(message=_l("Skriv en alternativtext på svenska.")),
            Length(max=MAX_ALT),
        ],
        filters=[strip],
    )
    alt_en = StringField(
        _l("Alternativtext på engelska (frivillig)"),
        validators=[Optional(), Length(max=MAX_ALT)],
        filters=[strip],
    )

    # the cleaned image once the file field validated; why it was refused otherwise (the log)
    processed: Processed | None = None
    refusal: str = ""

    def validate_image(self, field) -> None:
        """Decode, check and re-encode the upload (``processing.process``); its refusal is
        the field's error."""
        upload = field.data
        config = current_app.config
        max_bytes = config["WINLAS_MEDIA_MAX_BYTES"]
        # one byte more than allowed is enough to know it is too large
        data = upload.stream.read(max_bytes + 1)
        try:
            self.processed = process(
                data, max_bytes=max_bytes, max_width=config["WINLAS_MEDIA_MAX_WIDTH"]
            )
        except Refused as refused:
            self.refusal = refused.reason
            raise ValidationError(str(refused.message)) from None


class DeleteForm(BaseForm):
    """Only the CSRF token: the image is named by the URL."""
