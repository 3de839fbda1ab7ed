"""What the analytics package needs to know about people, and the objection to profiling.

Interest profiles (P17) are built only for visits made with marketing consent by someone who
has not objected (P19). Analytics asks ``allows_profiling`` at ingest and calls ``people``
(through ``current_app.extensions["analytics"].people``) for names and organisations; the
preference centre and the account page call ``forget_profile`` when the objection is set.
"""

from __future__ import annotations

import peewee
from flask import Flask, Request, current_app, has_request_context
from flask_babel import gettext
from flask_login import current_user

import analytics

from . import consent
from .auth.models import Organisation, User
from .consent.core import Consent
from .db import Prepared
from .newsletter.models import Preference
from .products.models import Product


def init_app(app: Flask) -> None:
    """Listen to the consent gate: a withdrawn marketing consent deletes the profile."""
    consent.consent_changed.connect(forget_on_withdrawal)


def forget_on_withdrawal(
    sender: Flask, before: frozenset[str], after: Consent, user: User | None, request: Request
) -> None:
    """Marketing was allowed and is not any more: delete the interest profile at once (P17).

    No opt-out is kept: without consent nothing is profiled anyway.
    """
    if "marketing" in before and "marketing" not in after.categories:
        forget_profile(user=user, request=request, opt_out=False)


def allows_profiling(req: Request) -> bool:
    """Marketing consent (GPC/DNT count as no) and, for a logged-in user, no objection."""
    if not consent.allows(req, "marketing"):
        return False
    # the collector's fast path has no request context without a login cookie: anonymous
    if has_request_context() and current_user.is_authenticated:
        return not Preference.objects_to_profiling(current_user.email)
    return True


def _visitor_of(req: Request | None) -> list[str]:
    if req is None:
        return []
    name = current_app.config["ANALYTICS_VISITOR_COOKIE"]
    value = req.cookies.get(name, "")
    return [value] if value else []


def forget_profile(
    email: str | None = None, user=None, request: Request | None = None, opt_out: bool = True
) -> dict:
    """Delete the interest profile of a person at once and stop profiling them (P19).

    The person is the ``user``, or the account with ``email``; ``request`` adds the browser
    the objection was made from (its visitor cookie), which stays unprofiled even when not
    logged in (``opt_out=False`` for a withdrawn marketing consent: deleted, not blocked).
    """
    if user is None and email:
        user = User.by_email(email)
    return analytics.forget_profile(
        user_id=user.id if user is not None else None,
        visitor_ids=_visitor_of(request),
        opt_out=opt_out,
    )


def resume_profiling(request: Request | None) -> int:
    """The objection was withdrawn: this browser may be profiled again from its next visit."""
    return analytics.resume_profile(_visitor_of(request))


class People:
    """Names and organisations behind user ids, for the profile views (marketers only)."""

    def describe(self, user_ids) -> dict[int, dict]:
        """``{user_id: {"name", "email", "organisation_id", "organisation"}}`` of known users."""
        ids = sorted({int(i) for i in user_ids if i is not None})
        if not ids:
            return {}
        found = {}
        query = (
            User.select(User, Organisation)
            .join(Organisation, peewee.JOIN.LEFT_OUTER)
            .where(User.id.in_(ids))
        )
        for user in query:
            organisation = user.organisation if user.organisation_id else None
            found[user.id] = {
                "name": f"{user.first_name} {user.last_name}".strip() or user.email,
                "email": user.email,
                "organisation_id": user.organisation_id,
                "organisation": organisation.name if organisation else "",
            }
        return found

    def organisation(self, organisation_id: int) -> dict | None:
        """``{"id", "name", "user_ids"}`` of an organisation, or None."""
        organisation = Organisation.get_or_none(Organisation.id == organisation_id)
        if organisation is None:
            return None
        users = User.select(User.id).where(User.organisation == organisation).order_by(User.id)
        return {
            "id": organisation.id,
            "name": organisation.name,
            "user_ids": [u.id for u in users],
        }

    def topic_labels(self) -> dict[str, str]:
        """Readable names of the topics of the default rules: product names and sections."""
        labels = {f"produkt:{p.slug}": p.name for p in _product_names.all()}
        # translated for the reader of a page; the Swedish names outside a request (exports)
        _ = gettext if has_request_context() else str
        labels.update(
            {
                "utbildning": _("Utbildningar"),
                "offert": _("Offertförfrågan"),
                "visning": _("Visning"),
                "kundsidor": _("Kundsidorna"),
            }
        )
        return labels


people = People()

# every visit of the account page asks for the labels: the SQL is built once (db.Prepared)
_product_names: Prepared[Product] = Prepared(lambda: Product.select(Product.slug, Product.name))
