"""Views: /kundsidor and /kundsidor/<slug>."""

from flask import Blueprint, render_template
from flask_login import login_required

from ..content import find_or_redirect
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
    """One live resource; an old slug redirects to the new one."""
    resource = find_or_redirect(CustomerResource, slug, "customer.detail")
    return render_template("customer/detail.html", resource=resource)
