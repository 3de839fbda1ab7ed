"""Views: /utbildningar and /utbildningar/<slug>."""

from flask import abort, render_template

from ..products.models import Product
from . import bp
from .models import Course


@bp.route("/utbildningar")
def index():
    """Courses and events, the next session first."""
    return render_template("courses/index.html", courses=Course.listed())


@bp.route("/utbildningar/<slug:slug>")
def detail(slug: str):
    """One course with its sessions."""
    course = Course.by_slug(slug) or abort(404)
    product = Product.by_slug(course.product_slug) if course.product_slug else None
    return render_template(
        "courses/detail.html", course=course, sessions=course.sessions_in_order(), product=product
    )
