"""Views: /produkter and /produkter/<slug>."""

from flask import Blueprint, abort, render_template

from ..courses.models import Course
from .models import Product

bp = Blueprint("products", __name__)


@bp.route("/produkter")
def index():
    """Every product."""
    return render_template("products/index.html", products=Product.listed())


@bp.route("/produkter/<slug:slug>")
def detail(slug: str):
    """One product with the courses about it."""
    product = Product.by_slug(slug) or abort(404)
    courses = Course.select().where(Course.product_slug == slug)
    return render_template("products/detail.html", product=product, courses=courses)
