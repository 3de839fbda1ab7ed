"""Views: /nyheter and /nyheter/<slug>."""

from flask import Blueprint, abort, render_template, request

from .models import KINDS, Article

bp = Blueprint("news", __name__)


@bp.route("/nyheter")
def index():
    """All news, articles and webinars; ``?typ=`` narrows to one kind."""
    kind = request.args.get("typ", "")
    if kind and kind not in KINDS:
        abort(400)
    return render_template(
        "news/index.html", articles=Article.latest(kind or None), kind=kind, kinds=KINDS
    )


@bp.route("/nyheter/<slug:slug>")
def detail(slug: str):
    """One article."""
    article = Article.by_slug(slug) or abort(404)
    return render_template("news/detail.html", article=article)
