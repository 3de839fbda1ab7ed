"""Views: /integritetspolicy, /cookies and /underbitraden."""

from flask import Blueprint, render_template

from ..cookies import COOKIES, REVISION
from .models import SubProcessor

bp = Blueprint("privacy", __name__)


@bp.route("/integritetspolicy")
def policy():
    """The privacy policy (P1–P22 in plain language)."""
    return render_template("privacy/policy.html")


@bp.route("/cookies")
def cookies():
    """The cookie policy, generated from the cookie registry so it cannot drift from the code."""
    return render_template("privacy/cookies.html", cookies=COOKIES, revision=REVISION)


@bp.route("/underbitraden")
def subprocessors():
    """The live sub-processors (P9)."""
    return render_template("privacy/subprocessors.html", subprocessors=SubProcessor.listed())
