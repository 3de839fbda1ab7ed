"""Views: /nyheter and /nyheter/<slug>."""

from flask import Blueprint, abort, render_template, request

from ..content import find_or_redirect
from .models import KINDS, Article

bp = Blueprint("news", __name__)


@bp.route("/nyheter")
def index():
    """All live news, articles and webinars; ``?typ=`` narrows to one kind."""
    kind = request.args.get("typ", "")
    if kind and kind not in KINDS:
        abort(400)
    return render_template(
        "news/index.html", articles=Article.latest(kind or None), kind=kind, kinds=KINDS
    )


@bp.route("/nyheter/<slug:slug>")
def detail(slug: str):
    """One live article; an old slug redirects to the new one."""
    article = find_or_redirect(Article, slug, "news.detail")
    return render_template("news/detail.html", article=article)
