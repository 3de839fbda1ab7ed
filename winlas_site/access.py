"""The access table: who may call which endpoint with which method, which pages carry the
tracker, and which pages the page cache may keep.

One place answers all three questions, because each answer is a promise about the same page:
a CRM page is for staff, so it is not public, so it carries no tracker and is never cached.
``init_app`` enforces the table for every request before any view runs (and before the CSRF
check, so a denial is a 403 however the request is formed). An endpoint missing from the table
is refused for everyone (fail closed), and ``tests/integration/test_access_table.py`` fails on
it, so a new route cannot go live without a decision.

Roles: ``anonymous`` (no login), ``customer``, ``marketer``, ``staff``, ``admin``. Admin may do
everything. GET rules also govern HEAD and OPTIONS; POST rules govern every other method.
Decorators such as ``role_required`` may stay on views, but must agree with this table (the
generated test checks every rule, role and method against it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .extensions import login_manager

log = logging.getLogger("winlas.auth")

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, "customer", "marketer", "staff", "admin")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {ANONYMOUS}
STAFF = frozenset({"staff", "admin"})
MARKETING = frozenset({"marketer", "admin"})
# docs/ARCHITECTURE.md: marketers read and export the CRM, staff work it; both run newsletters
STAFF_OR_MARKETING = STAFF | MARKETING
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Rule:
    """Who may read (GET, HEAD, OPTIONS) and who may write (POST) one endpoint.

    ``tracked``: a public page that may carry the tracker (with statistics consent).
    ``cacheable``: the same for every visitor in one consent state and language, so the page
    cache may keep it; nothing else is ever cached, whatever headers it sets.
    """

    read: frozenset[str] = NOBODY
    write: frozenset[str] = NOBODY
    tracked: bool = False
    cacheable: bool = False

    def allows(self, role: str, method: str) -> bool:
        roles = self.read if method in READ_METHODS else self.write
        return role in roles or (role == "admin" and bool(roles))

    def open_to_anonymous(self, method: str) -> bool:
        return ANONYMOUS in (self.read if method in READ_METHODS else self.write)


def page(cacheable: bool = True) -> Rule:
    """Public content: everyone reads it, it carries the tracker, and it may be cached."""
    return Rule(read=EVERYONE, tracked=True, cacheable=cacheable)


def public_form(tracked: bool = True) -> Rule:
    """A form anyone may fill in; it carries a CSRF token (a session), so never cached."""
    return Rule(read=EVERYONE, write=EVERYONE, tracked=tracked)


def personal(read: frozenset[str] = EVERYONE, write: frozenset[str] = NOBODY) -> Rule:
    """Reachable without login (a link with a token, a receipt, the login page), but about one
    person: no tracker, no cache."""
    return Rule(read=read, write=write)


TABLE: dict[str, Rule] = {
    # assets and the beacon endpoint (answered by a WSGI fast path before Flask, kept here so
    # the table is the whole map)
    "static": Rule(read=EVERYONE),
    "analytics.static": Rule(read=EVERYONE),  # the tracker, the dashboard's CSS
    "analytics.collect": Rule(write=EVERYONE),
    # public content
    "public.home": page(),
    "public.about": page(),
    "public.contact": page(),
    "public.accessibility": page(),
    "public.set_language": personal(),  # sets a cookie and redirects
    "products.index": page(),
    "products.detail": page(),
    "courses.index": page(),
    "courses.detail": page(),
    "news.index": page(),
    "news.detail": page(),
    "privacy.policy": page(),
    "privacy.cookies": page(),
    "privacy.subprocessors": page(),
    # forms for everyone; the thank-you pages describe what the visitor just sent
    "leads.question": public_form(),
    "leads.quote": public_form(),
    "leads.demo": public_form(),
    "leads.thanks": Rule(read=EVERYONE, tracked=True),
    "courses.signup": public_form(),
    "courses.thanks": personal(),
    "courses.cancel": personal(write=EVERYONE),
    "newsletter.subscribe": public_form(),
    "newsletter.thanks": Rule(read=EVERYONE, tracked=True),
    "newsletter.confirm": personal(write=EVERYONE),
    "newsletter.unsubscribe": personal(write=EVERYONE),
    "newsletter.preferences": personal(write=EVERYONE),
    "newsletter.account_preferences": personal(write=EVERYONE),
    "newsletter.link_sent": personal(),
    "newsletter.click": personal(),
    "newsletter.open_pixel": personal(),
    # the banner and what it recorded
    "consent.decide": Rule(write=EVERYONE),
    "consent.settings": personal(),
    "consent.receipt": personal(),
    # accounts: login, registration, password reset (never tracked: addresses are typed here)
    "auth.login": personal(write=EVERYONE),
    "auth.logout": personal(write=EVERYONE),
    "auth.register": personal(write=EVERYONE),
    "auth.registered": personal(),
    "auth.confirm": personal(write=EVERYONE),
    "auth.forgot_password": personal(write=EVERYONE),
    "auth.reset_sent": personal(),
    "auth.reset_password": personal(write=EVERYONE),
    "auth.requests": Rule(read=STAFF),
    "auth.approve": Rule(write=STAFF),
    "auth.refuse": Rule(write=STAFF),
    # the customer pages and Mitt konto: any logged-in person, each sees their own
    "customer.index": Rule(read=LOGGED_IN),
    "customer.detail": Rule(read=LOGGED_IN),
    "account.index": Rule(read=LOGGED_IN),
    "account.update_profile": Rule(write=LOGGED_IN),
    "account.update_preferences": Rule(write=LOGGED_IN),
    "account.export": Rule(read=LOGGED_IN),
    "account.export_json": Rule(read=LOGGED_IN),
    "account.erase": Rule(read=LOGGED_IN, write=LOGGED_IN),
    "account.erased": personal(),  # shown after the erasure logged the person out
    "account.keep": personal(write=EVERYONE),
    # the CRM: marketers read and export, staff work the pipeline
    "crm.index": Rule(read=STAFF_OR_MARKETING),
    "crm.leads_csv": Rule(read=STAFF_OR_MARKETING),
    "crm.lead": Rule(read=STAFF_OR_MARKETING, write=STAFF),
    "courses.participants": Rule(read=STAFF_OR_MARKETING),
    "courses.participants_csv": Rule(read=STAFF_OR_MARKETING),
    "newsletter.issues": Rule(read=STAFF_OR_MARKETING),
    "newsletter.issue_detail": Rule(read=STAFF_OR_MARKETING),
    "newsletter.new_issue": Rule(read=STAFF_OR_MARKETING, write=STAFF_OR_MARKETING),
    "newsletter.edit_issue": Rule(read=STAFF_OR_MARKETING, write=STAFF_OR_MARKETING),
    "newsletter.send_issue": Rule(read=STAFF_OR_MARKETING, write=STAFF_OR_MARKETING),
    # analytics: the dashboard and interest profiles (P17)
    "dashboard.index": Rule(read=MARKETING),
    "dashboard.table": Rule(read=MARKETING),
    "dashboard.export": Rule(read=MARKETING),
    "profiles.index": Rule(read=MARKETING),
    "profiles.person": Rule(read=MARKETING),
    "profiles.organisation": Rule(read=MARKETING),
    "profiles.visitor": Rule(read=MARKETING),
    "profiles.segment": Rule(read=MARKETING),
    "profiles.segment_csv": Rule(read=MARKETING),
    # -- issue 16: annotations and saved views --
    "dashboard.annotations": Rule(read=MARKETING, write=MARKETING),
    "dashboard.delete_annotation": Rule(write=MARKETING),
    "dashboard.views": Rule(read=MARKETING, write=MARKETING),
    "dashboard.delete_view": Rule(write=MARKETING),
    "dashboard.open_view": Rule(read=MARKETING),
    # -- issue 16: funnels --
    "funnels.index": Rule(read=MARKETING),
    "funnels.new": Rule(read=MARKETING, write=MARKETING),
    "funnels.edit": Rule(read=MARKETING, write=MARKETING),
    "funnels.delete": Rule(write=MARKETING),
    "funnels.report": Rule(read=MARKETING),
    "funnels.export": Rule(read=MARKETING),
    # -- issue 16: campaign to customer --
    "attribution.index": Rule(read=MARKETING),
    "attribution.export": Rule(read=MARKETING),
    # -- issue 16: weekly digest --
    "digest.settings": Rule(write=MARKETING),  # the switch in Mitt konto
    # the email's unsubscribe link: no login, the signed token is the proof
    "digest.unsubscribe": personal(write=EVERYONE),
    # data protection: the audit log for staff, the tool itself for admins
    "dsar.audit_log": Rule(read=STAFF),
    "dsar.audit_csv": Rule(read=STAFF),
    "dsar.index": Rule(read=ADMIN, write=ADMIN),
    "dsar.export": Rule(write=ADMIN),
    "dsar.erase": Rule(write=ADMIN),
    "dsar.objection": Rule(write=ADMIN),
    # publishing (editor): marketers the public pages, staff the customer pages, admins all
    "editor.index": Rule(read=STAFF_OR_MARKETING),
    # per kind (editor/kinds.py): editor.<kind>_list, _preview, _history (pages);
    # _new, _edit (forms); _restore, _publish, _unpublish (POST only)
    **{
        f"editor.{kind}_{view}": Rule(
            read=NOBODY if view in ("restore", "publish", "unpublish") else roles,
            write=NOBODY if view in ("list", "preview", "history") else roles,
        )
        for kind, roles in (
            ("news", MARKETING),
            ("product", MARKETING),
            ("course", MARKETING),
            ("customer", STAFF),
            ("subprocessor", ADMIN),
        )
        for view in ("list", "new", "edit", "preview", "history", "restore", "publish", "unpublish")
    },
    # -- publishing: end --
    # the media library
    "media.library": Rule(read=STAFF_OR_MARKETING, write=STAFF_OR_MARKETING),
    "media.delete": Rule(write=STAFF_OR_MARKETING),
    # published pages show the images: everyone loads them; never tracked, never page-cached
    # (the browser keeps them instead: the name is the content's hash)
    "media.file": Rule(read=EVERYONE),
    # -- media: end --
    # course administration (staff)
    "courses.admin_index": Rule(read=STAFF),
    "courses.admin_session": Rule(read=STAFF),
    "courses.admin_session_new": Rule(read=STAFF, write=STAFF),
    "courses.admin_session_edit": Rule(read=STAFF, write=STAFF),
    "courses.admin_session_open": Rule(write=STAFF),
    "courses.admin_session_close": Rule(write=STAFF),
    "courses.admin_session_email": Rule(read=STAFF, write=STAFF),
    "courses.admin_participant_add": Rule(read=STAFF, write=STAFF),
    "courses.admin_registration_cancel": Rule(write=STAFF),
    "courses.admin_registration_promote": Rule(write=STAFF),
    "courses.admin_registration_move": Rule(write=STAFF),
    "courses.admin_slot_new": Rule(read=STAFF, write=STAFF),
    "courses.admin_slot_edit": Rule(read=STAFF, write=STAFF),
    "courses.admin_slot_delete": Rule(write=STAFF),
    # -- course administration: end --
    # the CRM's working tools (staff write, marketers read)
    "crm.set_status": Rule(write=STAFF),
    "crm.due": Rule(read=STAFF_OR_MARKETING),
    "crm.new_lead": Rule(read=STAFF, write=STAFF),
    "crm.merge": Rule(read=STAFF, write=STAFF),
    # -- crm tools: end --
}

# what an endpoint without an entry gets: nobody, nothing tracked, nothing cached
UNLISTED = Rule()


def table(app: Flask | None = None) -> dict[str, Rule]:
    """The table of ``app`` (the current app by default)."""
    return (app or current_app).extensions.get("access_table", TABLE)


def rule_for(endpoint: str | None) -> Rule:
    """The rule of ``endpoint``; an unlisted one is refused to everyone."""
    return table().get(endpoint or "", UNLISTED)


def declare(app: Flask, endpoint: str, rule: Rule) -> None:
    """Add a rule for an endpoint registered outside the site's packages (tests, plug-ins)."""
    app.extensions["access_table"][endpoint] = rule


def role_of(user) -> str:
    return user.role if user is not None and user.is_authenticated else ANONYMOUS


def may(endpoint: str, method: str = "GET") -> bool:
    """Whether the current user may call ``endpoint`` with ``method`` (templates ask this
    before offering a form or link)."""
    return rule_for(endpoint).allows(role_of(current_user), method)


def tracked() -> bool:
    """Whether the page being rendered may carry the tracker."""
    return rule_for(request.endpoint).tracked


def tracked_path(path: str) -> bool:
    """Whether the page at same-site ``path`` (the banner's ``next``) carries the tracker: the
    banner's in-place answer loads the tracker only there."""
    adapter = current_app.create_url_adapter(request)
    if adapter is None:  # only outside a request, where no page is being answered
        return False
    try:
        endpoint, _values = adapter.match(urlsplit(path).path, method="GET")
    except HTTPException:  # unknown, redirecting or not a GET page
        return False
    return rule_for(endpoint).tracked


def cacheable() -> bool:
    """Whether the page cache may keep the answer to the current request."""
    return rule_for(request.endpoint).cacheable


def check(rule: Rule, endpoint: str, method: str):
    """Anonymous on a login-only endpoint → the login page; a wrong role → 403 (logged)."""
    if rule is UNLISTED:
        log.error("no access rule for endpoint=%s: refused to everyone", endpoint)
    role = role_of(current_user)
    if rule.allows(role, method):
        return None
    if role == ANONYMOUS and rule.allows("admin", method):
        return login_manager.unauthorized()
    log.warning(
        "denied user=%s role=%s method=%s path=%s client=%s",
        current_user.id if role != ANONYMOUS else "-",
        role,
        method,
        request.path,
        request.remote_addr,
    )
    abort(403)


def init_app(app: Flask) -> None:
    """Give the app its copy of the table, enforce it first, and let templates ask it."""
    rules = app.extensions["access_table"] = dict(TABLE)

    def enforce():
        """before_request: the table's answer for this endpoint, method and user.

        A request to an endpoint open to anonymous visitors (every public page, the hot path)
        is decided from the table alone, without loading the user.
        """
        req = request._get_current_object()
        endpoint = req.endpoint
        if endpoint is None:  # 404 or 405: routing answers
            return None
        rule = rules.get(endpoint, UNLISTED)
        if rule.open_to_anonymous(req.method):
            return None
        return check(rule, endpoint, req.method)

    # first of all before-request functions: a refused request does no other work (no CSRF
    # check, no page-cache lookup, no activity write)
    app.before_request_funcs.setdefault(None, []).insert(0, enforce)
    app.jinja_env.globals.update(may=may, page_tracked=tracked)
