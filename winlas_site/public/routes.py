"""Views of the general pages."""

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from ..cookies import registered
from ..i18n import LANGUAGE_COOKIE, LANGUAGES
from ..news.models import Article
from ..products import illustrations
from ..products.models import CustomerQuote, Product
from ..security import is_safe_redirect

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    """The start page: what WinLas is, for whom and what to do next (demo, quote, courses),
    then the products with their pictures, what libraries say and the latest news."""
    return render_template(
        "public/home.html",
        hero=illustrations.HERO,
        products=Product.cards(),
        pictures=illustrations.BY_SLUG,
        quotes=CustomerQuote.shown(),
        articles=Article.headlines(3),
    )


@bp.route("/om-oss")
def about():
    """About the company."""
    return render_template("public/about.html")


@bp.route("/kontakt")
def contact():
    """How to reach us (the forms arrive with the leads feature)."""
    return render_template("public/contact.html")


@bp.route("/tillganglighet")
def accessibility():
    """The accessibility statement."""
    return render_template("public/accessibility.html")


@bp.route("/sprak/<code>")
def set_language(code: str):
    """Switch language: keep the choice in a necessary cookie and go back to the page."""
    if code not in LANGUAGES:
        return render_template("errors/error.html", code=404), 404
    target = request.args.get("next", "")
    response = make_response(redirect(target if is_safe_redirect(target) else url_for(".home")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=registered(LANGUAGE_COOKIE).max_age(),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
