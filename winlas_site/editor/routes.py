"""Views of the editing pages under /redaktion/.

Per kind of page (``kinds.KINDS``) the same views, each its own endpoint so the access table
decides per kind: ``editor.<kind>_list``, ``_new``, ``_edit``, ``_preview``, ``_history``,
``_restore``, ``_publish`` and ``_unpublish``. Everything works without JavaScript: the preview
is rendered by the server from what was typed, a form that fails validation or meets a newer
revision comes back with everything typed in it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from .. import content
from ..auth.decorators import role_required
from ..content import PUBLISHED, Author, Revision, StaleEdit
from ..db import database
from ..security import PRIVATE, no_store
from .forms import PageForm
from .kinds import KINDS, Kind

bp = Blueprint("editor", __name__, url_prefix="/redaktion")
log = logging.getLogger("winlas.editor")

ACTIONS = ("preview", "save", "publish")


@bp.after_request
def never_stored(response):
    """Drafts and the edit history are nobody's to keep: no cache, no index."""
    return no_store(response, PRIVATE)


def _author() -> Author:
    return Author(current_user.id, current_user.full_name or current_user.email)


def _logged(action: str, kind: Kind, row_id: int | None) -> None:
    log.info("user=%s action=%s kind=%s id=%s", current_user.id, action, kind.name, row_id)


def _clear_page_cache() -> None:
    """A changed public page must not be served from the page cache (this worker's; the others'
    copies expire within WINLAS_PAGE_CACHE_SECONDS)."""
    cache = current_app.extensions.get("page_cache")
    if cache is not None:
        cache.clear()


# ids are 32-bit integers: a larger number in the address is no row (PostgreSQL would refuse it)
MAX_ID = 2**31 - 1


def _row_or_404(kind: Kind, row_id: int):
    if row_id > MAX_ID:
        abort(404)
    return kind.model.get_or_none(kind.model.id == row_id) or abort(404)


def _editable_kinds() -> list[Kind]:
    return [kind for kind in KINDS.values() if current_user.has_role(*kind.roles)]


# -- the overview -------------------------------------------------------------------------------


@bp.route("/")
@role_required("staff", "marketer")
def index():
    """What the current user may edit: each kind's most recently changed pages."""
    sections = []
    for kind in _editable_kinds():
        rows = list(kind.ordered().limit(5))
        sections.append((kind, rows, Revision.latest_of(kind.name, [row.id for row in rows])))
    return render_template("editor/index.html", sections=sections)


# -- per kind -----------------------------------------------------------------------------------


def list_rows(kind: Kind):
    """Every page of one kind with its state and its last change."""
    rows = list(kind.ordered())
    latest = Revision.latest_of(kind.name, [row.id for row in rows])
    return render_template("editor/list.html", kind=kind, rows=rows, latest=latest)


def _action() -> str:
    action = request.form.get("action", "preview")
    if action not in ACTIONS:
        abort(400)
    return action


def _form_page(kind: Kind, form: PageForm, row, status: int = 200, **context):
    preview = None
    if context.pop("show_preview", False):
        preview = kind.model(**{**form.values(), "slug": form.slug.data or ""})
        if row is not None:
            preview.status = row.status
    return (
        render_template(
            "editor/edit.html", kind=kind, form=form, row=row, preview=preview, **context
        ),
        status,
    )


def _slug_problem(kind: Kind, form: PageForm, row) -> bool:
    """A slug another page has: an error on the field (True)."""
    wanted = form.slug.data
    if not kind.slugged or row is None or not wanted or wanted == row.slug:
        return False
    if content.slug_in_use(kind.model, wanted, exclude_id=row.id):
        form.slug.errors = [*form.slug.errors, _("En annan sida har redan den adressen.")]
        return True
    return False


def new(kind: Kind):
    """Write a new page: preview it, save it as a draft or publish it at once."""
    form = kind.form()
    if request.method == "GET":
        return _form_page(kind, form, None)
    action = _action()
    if not form.validate():
        return _form_page(kind, form, None, status=400)
    if action == "preview":
        return _form_page(kind, form, None, show_preview=True)
    values = form.values()
    if kind.slugged:
        # made once from the title; editing the title later keeps the address
        values["slug"] = content.unique_slug(kind.model, str(values[kind.title_field]))
    status = PUBLISHED if action == "publish" else content.DRAFT
    row = kind.model()
    revision_action = content.PUBLISHED_ACTION if action == "publish" else content.CREATED
    content.save(kind.name, row, values, kind.fields, revision_action, _author(), status=status)
    _logged(revision_action, kind, row.id)
    if status == PUBLISHED:
        _clear_page_cache()
        flash(_("Sidan är publicerad."), "success")
    else:
        flash(_("Utkastet är sparat."), "success")
    return redirect(url_for(kind.endpoint("edit"), row_id=row.id), 303)


def edit(kind: Kind, row_id: int):
    """Change a page. Saving over a revision newer than the form's shows a conflict."""
    row = _row_or_404(kind, row_id)
    form = kind.form()
    latest = Revision.latest(kind.name, row.id)
    if request.method == "GET":
        form.fill(row)
        form.based_on.data = str(latest.id if latest else 0)
        return _form_page(kind, form, row, latest=latest)
    action = _action()
    if not form.validate() or _slug_problem(kind, form, row):
        return _form_page(kind, form, row, status=400, latest=latest)
    if action == "preview":
        return _form_page(kind, form, row, show_preview=True, latest=latest)
    was_published = row.status == PUBLISHED
    values = form.values()
    old_slug = row.slug if kind.slugged else None
    new_slug = form.slug.data if kind.slugged and form.slug.data else old_slug
    status = PUBLISHED if action == "publish" else None
    revision_action = content.PUBLISHED_ACTION if action == "publish" else content.EDITED
    try:
        with database.atomic():
            if old_slug is not None and new_slug is not None and new_slug != old_slug:
                content.rename_slug(row, new_slug)
                kind.on_rename(old_slug, new_slug)
            content.save(
                kind.name,
                row,
                values,
                kind.fields,
                revision_action,
                _author(),
                based_on=form.based_on_id(),
                status=status,
            )
    except StaleEdit as stale:
        if kind.slugged:
            row.slug = old_slug
        log.info(
            "user=%s action=conflict kind=%s id=%s based_on=%s latest=%s",
            current_user.id,
            kind.name,
            row.id,
            form.based_on_id(),
            stale.latest.id,
        )
        # the next save is made knowing of the newer revision: it may overwrite it
        form.based_on.data = str(stale.latest.id)
        return _form_page(kind, form, row, status=409, latest=stale.latest, conflict=stale.latest)
    _logged(revision_action, kind, row.id)
    if old_slug is not None and new_slug != old_slug:
        _logged("renamed", kind, row.id)
    if was_published or row.status == PUBLISHED:
        _clear_page_cache()
    flash(
        _("Sidan är publicerad.") if action == "publish" else _("Ändringarna är sparade."),
        "success",
    )
    return redirect(url_for(kind.endpoint("edit"), row_id=row.id), 303)


def preview(kind: Kind, row_id: int):
    """The page as saved, drafts too, rendered as the public would see it."""
    row = _row_or_404(kind, row_id)
    return render_template("editor/preview.html", kind=kind, row=row, preview=row)


def history(kind: Kind, row_id: int):
    """Every revision of a page: who, when, what was done; any older one can be restored."""
    row = _row_or_404(kind, row_id)
    revisions = list(Revision.history(kind.name, row.id))
    return render_template("editor/history.html", kind=kind, row=row, revisions=revisions)


def restore(kind: Kind, row_id: int, revision_id: int):
    """Bring back the text of an older revision (recorded as a revision of its own)."""
    row = _row_or_404(kind, row_id)
    if revision_id > MAX_ID:
        abort(404)
    revision = Revision.get_or_none(
        (Revision.id == revision_id) & (Revision.kind == kind.name) & (Revision.object_id == row.id)
    ) or abort(404)
    content.restore(kind.name, row, revision, kind.fields, _author())
    log.info(
        "user=%s action=restored kind=%s id=%s revision=%s",
        current_user.id,
        kind.name,
        row.id,
        revision.id,
    )
    if row.status == PUBLISHED:
        _clear_page_cache()
    flash(_("Den äldre versionen är återställd."), "success")
    return redirect(url_for(kind.endpoint("edit"), row_id=row.id), 303)


def _set_status(kind: Kind, row_id: int, status: str) -> ResponseReturnValue:
    row = _row_or_404(kind, row_id)
    if row.status != status:
        revision = content.set_status(kind.name, row, status, kind.fields, _author())
        _logged(revision.action, kind, row.id)
        _clear_page_cache()
    if status == PUBLISHED:
        flash(_("Sidan är publicerad."), "success")
    else:
        flash(_("Sidan är avpublicerad och syns inte längre för besökare."), "success")
    return redirect(url_for(kind.endpoint("edit"), row_id=row.id), 303)


def publish(kind: Kind, row_id: int):
    """Make a page public (at its publishing time, if one is set)."""
    return _set_status(kind, row_id, PUBLISHED)


def unpublish(kind: Kind, row_id: int):
    """Take a page off the site; it stays in the editor as a draft."""
    return _set_status(kind, row_id, content.DRAFT)


# -- the routes, one set per kind ---------------------------------------------------------------

ROUTES: tuple[tuple[str, str, Callable[..., ResponseReturnValue], tuple[str, ...]], ...] = (
    ("list", "/", list_rows, ("GET",)),
    ("new", "/ny", new, ("GET", "POST")),
    ("edit", "/<int:row_id>", edit, ("GET", "POST")),
    ("preview", "/<int:row_id>/forhandsgranska", preview, ("GET",)),
    ("history", "/<int:row_id>/historik", history, ("GET",)),
    ("restore", "/<int:row_id>/historik/<int:revision_id>/aterstall", restore, ("POST",)),
    ("publish", "/<int:row_id>/publicera", publish, ("POST",)),
    ("unpublish", "/<int:row_id>/avpublicera", unpublish, ("POST",)),
)


def _view_for(kind: Kind, view: Callable[..., ResponseReturnValue], name: str):
    def handler(**values):
        return view(kind, **values)

    handler.__name__ = f"{kind.name}_{name}"
    handler.__doc__ = view.__doc__
    return role_required(*kind.roles)(handler)


for _kind in KINDS.values():
    for _name, _rule, _view, _methods in ROUTES:
        bp.add_url_rule(
            f"/{_kind.segment}{_rule}",
            f"{_kind.name}_{_name}",
            _view_for(_kind, _view, _name),
            methods=list(_methods),
        )
