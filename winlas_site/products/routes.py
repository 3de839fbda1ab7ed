"""Views: /produkter and /produkter/<slug>."""

from flask import Blueprint, render_template

from ..content import find_or_redirect
from ..courses.models import Course
from . import illustrations
from .models import Product

bp = Blueprint("products", __name__)


@bp.route("/produkter")
def index():
    """Every live product, each card with its picture's thumbnail when it has one."""
    return render_template(
        "products/index.html", products=Product.listed(), pictures=illustrations.BY_SLUG
    )


@bp.route("/produkter/<slug:slug>")
def detail(slug: str):
    """One live product with its picture and the live courses about it; an old slug
    redirects."""
    product = find_or_redirect(Product, slug, "products.detail")
    courses = Course.titles_about(product.slug)
    return render_template(
        "products/detail.html",
        product=product,
        courses=courses,
        picture=illustrations.for_product(product.slug),
    )
