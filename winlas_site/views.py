"""What the site's views share: the page of a form, the screening of a form that anonymous
visitors send, and a JSON file to download.

A form view shows its form on GET; a POST that validates does its work and redirects (303);
one that does not comes back as the same page with a 400. ``form_page`` is that page,
``screen`` the spam and fill-token checks a public form passes before any work is done.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from .security import PRIVATE
from .spam import EXPIRED, REUSED, SpamFields, log_spam

# what ``screen`` answers besides the fill token's states (spam.FRESH, REPLAYED, EXPIRED, REUSED)
SPAM = "spam"


def form_page(
    template: str,
    form,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    **context,
) -> ResponseReturnValue:
    """``template`` with ``form``: 200 on GET, 400 on a POST sent back (it was not accepted),
    unless ``status`` says otherwise; ``headers`` such as ``security.PRIVATE``."""
    if status is None:
        status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status, dict(headers or {})


def screen(form: SpamFields, kind: str) -> str:
    """Check a validated public form before acting on it.

    ``SPAM``: a honeypot or a bot's speed, logged under ``kind``; answer with the polite refusal
    page and store nothing. Otherwise the fill token's state: ``FRESH`` (go ahead),
    ``REPLAYED`` (a double click of a form already handled: answer as the first time did), or
    ``EXPIRED``/``REUSED``, for which the form already carries a fresh token and the message:
    send it back with a 400.
    """
    reason = form.is_spam()
    if reason:
        log_spam(kind, reason)
        return SPAM
    token = form.use_token()
    if token in (EXPIRED, REUSED):
        form.renew_token(token)
    return token


def json_download(data: dict, filename: str) -> Response:
    """``data`` as a JSON attachment named ``filename``; personal data, so ``PRIVATE``."""
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    return Response(
        body,
        mimetype="application/json",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
