"""Views: the image library for editors (/redaktion/bilder) and the images themselves (/media/).

Editors upload, list and delete; everyone may load an image, because published pages show
them. The stored name is the content's hash, so a served file never changes under its name and
browsers may keep it for a year.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_from_directory,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user

# types-peewee's flask_utils stub has only FlaskDB
from playhouse.flask_utils import PaginatedQuery  # type: ignore[attr-defined]

from ..auth.decorators import role_required
from ..security import NO_STORE
from ..views import form_page, page_number
from . import storage
from .forms import DeleteForm, UploadForm
from .models import Image
from .processing import CONTENT_TYPES, FILE_NAME, clean_name, file_size

bp = Blueprint("media", __name__)

log = logging.getLogger("winlas.media")

# docs/ARCHITECTURE.md: marketers and staff keep the image library (admins hold every role)
EDITORS = ("staff", "marketer")
PER_PAGE = 48
# the multipart framing and the alt texts that travel beside the file in an upload
FORM_OVERHEAD = 64 * 1024
ONE_YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"


def allow_upload_size() -> None:
    """before_request: an upload may be as large as WINLAS_MEDIA_MAX_BYTES (plus the form
    around it), although the site's body limit (WINLAS_MAX_CONTENT_LENGTH) is smaller.

    Raised for this one endpoint only, before the CSRF check reads the body, and only after
    the access table let the request through (``access.enforce`` runs first). A larger body
    is still refused by werkzeug with a 413 before it is read.
    """
    if request.endpoint == "media.library" and request.method == "POST":
        limit = current_app.config["WINLAS_MEDIA_MAX_BYTES"] + FORM_OVERHEAD
        if limit > (request.max_content_length or 0):
            request.max_content_length = limit


@bp.record_once
def _install_upload_size(state: BlueprintSetupState) -> None:
    # ahead of the app's own before-request functions (Flask-WTF's CSRF check reads the body);
    # the access table and the bad-query guard are installed later, in front of this one
    state.app.before_request_funcs.setdefault(None, []).insert(0, allow_upload_size)


@bp.app_template_filter("file_size")
def file_size_filter(size: int) -> str:
    return file_size(size)


@bp.route("/redaktion/bilder", methods=["GET", "POST"])
@role_required(*EDITORS)
def library():
    """The images, newest first, and the upload form; a valid upload is stored and listed."""
    form = UploadForm()
    if form.validate_on_submit() and form.processed is not None:
        image, created = storage.add(
            form.processed,
            original_name=clean_name(form.image.data.filename),
            alt_sv=form.alt_sv.data or "",
            alt_en=form.alt_en.data or "",
            uploaded_by=current_user.id,
        )
        if created:
            log.info(
                "uploaded image=%s id=%s bytes=%d size=%dx%d from=%s user=%s",
                image.file_name,
                image.id,
                image.byte_size,
                image.width,
                image.height,
                form.processed.source_format,
                current_user.id,
            )
            flash(_("Bilden är uppladdad."), "success")
        else:
            log.info("upload of stored image=%s user=%s", image.file_name, current_user.id)
            flash(_("Bilden finns redan i biblioteket. Den sparades inte en gång till."), "info")
        return redirect(url_for(".library", _anchor=f"bild-{image.id}"), 303)
    if request.method == "POST":
        log.info(
            "refused upload reason=%s user=%s",
            form.refusal or ",".join(name for name, _errors in form.errors.items()),
            current_user.id,
        )
    pages = PaginatedQuery(Image.newest_first(), PER_PAGE, page_var="sida", check_bounds=False)
    page = page_number()
    return form_page(
        "media/library.html",
        form,
        headers=NO_STORE,
        images=list(pages.get_object_list()),
        page=page,
        page_count=pages.get_page_count(),
        delete_form=DeleteForm(formdata=None),
        max_bytes=current_app.config["WINLAS_MEDIA_MAX_BYTES"],
        max_width=current_app.config["WINLAS_MEDIA_MAX_WIDTH"],
    )


# an id beyond the integer column's range is a plain 404, not a database error
@bp.route("/redaktion/bilder/<int(max=2147483647):image_id>/radera", methods=["POST"])
@role_required(*EDITORS)
def delete(image_id: int):
    """Delete the image and its file. A page that still shows it renders without it."""
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    image = Image.get_or_none(Image.id == image_id)
    if image is None or not storage.remove(image):
        # a second click on the same button: the first one deleted it
        flash(_("Bilden finns inte längre."), "info")
        return redirect(url_for(".library"), 303)
    log.info("deleted image=%s id=%s user=%s", image.file_name, image.id, current_user.id)
    flash(_("Bilden %(name)s är raderad.", name=image.original_name), "success")
    return redirect(url_for(".library"), 303)


@bp.route("/media/<name>", endpoint="file")
def serve(name: str):
    """A stored image. Only names of the stored form reach the disk (no path ever does)."""
    if not FILE_NAME.fullmatch(name):
        abort(404)
    response = send_from_directory(
        storage.folder(),
        name,
        mimetype=CONTENT_TYPES[name.rsplit(".", 1)[1]],
        max_age=ONE_YEAR,
        conditional=True,
    )
    # the name is the content's hash: it never changes, so it never needs to be asked again
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["X-Content-Type-Options"] = "nosniff"
    # opened on its own, an image is a document: nothing in it may run or load anything
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
