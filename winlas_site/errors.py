"""Error pages in the site's style and language; JSON for API paths."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("winlas.errors")


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


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Exception, unexpected)
