"""What the site's views share: the page of a form, the screening of a form that anonymous
visitors send, and a JSON file to download.

A form view shows its form on GET; a POST that validates does its work and redirects (303);
one that does not comes back as the same page with a 400. ``form_page`` is that page,
``screen`` the spam and fill-token checks a public form passes before any work is done.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import Response, abort, render_template, request
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


# the largest page number of a paginated list, and the most digits a row id may have (the
# integer columns hold 2 147 483 647)
LAST_PAGE = 99_999
ID_DIGITS = 9


def plain_number(raw: str, digits: int) -> int:
    """``raw`` as a number when it is at most ``digits`` ASCII digits; a 400 otherwise.

    isdigit() alone lets "²" through, which int() refuses, and the length bound keeps int()
    away from strings long enough to refuse (or to slow down)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > digits:
        abort(400)
    return int(raw)


def page_number(name: str = "sida", last: int = LAST_PAGE) -> int:
    """The page of a paginated list in the query string (1 when absent): 1 to ``last``."""
    page = plain_number(request.args.get(name, "1"), len(str(last)))
    if not 0 < page <= last:
        abort(400)
    return page


def row_id(raw: str) -> int:
    """A row id typed into a query string or form field; a 400 for anything else."""
    return plain_number(raw, ID_DIGITS)
