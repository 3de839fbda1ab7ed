"""Views: /kundsidor and /kundsidor/<slug>."""

from flask import Blueprint, abort, render_template
from flask_login import login_required

from .models import KINDS, CustomerResource

bp = Blueprint("customer", __name__)


@bp.route("/kundsidor")
@login_required
def index():
    """Release notes, documentation, manuals and videos for logged-in contacts."""
    return render_template("customer/index.html", grouped=CustomerResource.by_kind(), kinds=KINDS)


@bp.route("/kundsidor/<slug:slug>")
@login_required
def detail(slug: str):
    """One resource."""
    resource = CustomerResource.by_slug(slug) or abort(404)
    return render_template("customer/detail.html", resource=resource)
