"""Views: the digest's switch in Mitt konto and the unsubscribe link of the email.

The link works without login (the signed token is the proof). As with the newsletter, a GET
only shows a page with a button (mail scanners follow every link) and the POST turns the
digest off; the POST is exempt from CSRF so a mail client's RFC 8058 one-click POST works.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import role_required
from ..auth.models import User
from ..extensions import csrf
from ..security import PRIVATE
from . import cli, mailing
from .forms import DigestForm
from .models import READER_ROLES, DigestSubscription

bp = Blueprint("digest", __name__)

log = logging.getLogger("winlas.digest")

# ``winlas analytics digest`` lives on analytics' command group (the site's users and outbox)
cli.register()


@bp.route("/konto/veckosammanfattning", methods=["POST"])
@role_required(*READER_ROLES)
def settings():
    """Turn the weekly digest on or off, in the language chosen (marketers and admins)."""
    form = DigestForm(formdata=request.form)
    if not form.validate_on_submit():
        # two controls with fixed values: only a forged or stale form fails here
        abort(400)
    active = bool(form.digest_active.data)
    user = User.get_by_id(current_user.id)
    DigestSubscription.choose(user, active, str(form.digest_language.data))
    log.info("weekly digest %s for user=%s", "on" if active else "off", user.id)
    if active:
        flash(_("Du får veckosammanfattningen varje måndag morgon."), "success")
    else:
        flash(_("Du får inte längre veckosammanfattningen."), "success")
    return redirect(url_for("account.index") + "#veckosammanfattning", 303)


@bp.route("/veckosammanfattning/avsluta/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET shows one button; POST (the button or a one-click client) turns the digest off."""
    subscription = mailing.subscription_from(token)
    if subscription is None:
        return render_template("digest/invalid_link.html"), 400, PRIVATE
    if request.method == "POST":
        subscription.stop()
        log.info("weekly digest unsubscribed subscription=%s", subscription.id)
        return render_template("digest/unsubscribed.html"), 200, PRIVATE
    return render_template("digest/unsubscribe.html", subscription=subscription), 200, PRIVATE
