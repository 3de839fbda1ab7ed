"""Error pages in the site's style and language; JSON for API paths."""

from __future__ import annotations

import logging

import peewee
from flask import Flask, Response, g, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from . import db
from .extensions import login_manager
from .security import NO_STORE

log = logging.getLogger("winlas.errors")

# seconds a visitor is asked to wait when the database is away (Retry-After)
RETRY_AFTER_SECONDS = 30
# posted fields never written back into a page: the CSRF token (a fresh one is issued) and the
# honeypot (sent back empty, as a person sends it). Fields named like a password are asked for
# again instead of being echoed.
NEVER_ECHOED = frozenset({"csrf_token"})
HONEYPOTS = frozenset({"website"})


BARE_PAGE = (
    '<!doctype html><html lang="sv"><meta charset="utf-8"><title>{code} {name}</title>'
    "<h1>{code} {name}</h1>"
    "<p>Förfrågan kunde inte behandlas. / The request could not be handled.</p>"
)


def render_error(error: HTTPException):
    """Answer an HTTP error with the site's page (or JSON under /api/)."""
    code = error.code or 500
    if request_ctx.url_adapter is None:
        # an untrusted Host header: no URL can be built, so answer without the layout.
        return BARE_PAGE.format(code=code, name=error.name), code, {"Content-Type": "text/html"}
    response: Response | str
    if request.path.startswith("/api/"):
        response = jsonify(error=error.name, description=error.description)
    else:
        response = render_template("errors/error.html", code=code)
    headers = {}
    if code == 429 and getattr(error, "retry_after", None) is None:
        headers["Retry-After"] = "60"
    return response, code, headers


def unexpected(error: Exception):
    """Log the traceback once and show the 500 page; nothing internal reaches the visitor."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(InternalServerError())


def _is_password(name: str) -> bool:
    return "password" in name.lower() or "losenord" in name.lower()


def kept_fields() -> tuple[list[tuple[str, str]], list[str]]:
    """What a POST carried, to send again: ([(name, value)] in order, [password field names]).

    Never the CSRF token, a password or a honeypot's value (the honeypot goes back empty).
    """
    fields, passwords = [], []
    for name, value in request.form.items(multi=True):
        if name in NEVER_ECHOED:
            continue
        if _is_password(name):
            if name not in passwords:
                passwords.append(name)
            continue
        fields.append((name, "" if name in HONEYPOTS else value))
    return fields, passwords


def _same_address() -> str:
    """The path and query of this request as a same-site relative URL (never ``//host``)."""
    path = "/" + request.path.lstrip("/\\")
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def database_unavailable(error: Exception):
    """The database cannot be reached or used right now: 503 with Retry-After, never a 500.

    A form that could not be stored comes back with what was typed, in a form that posts it
    again to the same address: one click once the database is back (the form's one-time id
    goes along, so a submission that did get stored is not stored twice).
    """
    if not db.is_unavailable(error):
        return unexpected(error)
    # one line, no traceback: this is an outage to watch, not a bug to read
    log.error("database unavailable on %s %s: %s", request.method, request.path, error)
    # the page must not need the database: its layout sees an anonymous visitor unless the
    # user was loaded before the failure
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), **NO_STORE}
    unavailable = ServiceUnavailable()
    if request_ctx.url_adapter is None or request.path.startswith("/api/"):
        response, code, extra = render_error(unavailable)
        return response, code, {**extra, **headers}
    fields, passwords = kept_fields() if request.method == "POST" else ([], [])
    page = render_template(
        "errors/unavailable.html",
        code=503,
        fields=fields,
        passwords=passwords,
        action=_same_address(),
    )
    return page, 503, headers


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, render_error)
    # peewee's errors of an unreachable or locked database; other ones go on to `unexpected`
    app.register_error_handler(peewee.OperationalError, database_unavailable)
    app.register_error_handler(peewee.InterfaceError, database_unavailable)
    app.register_error_handler(Exception, unexpected)
