"""The time budget of the dashboard's and the profiles' pages (ANALYTICS_QUERY_BUDGET_MS).

A view wrapped in ``budgeted`` runs its queries within ``analytics.db.time_budget``: past the
budget the database stops the statement, and the reader gets a page (503) that says the
question is too heavy, with links to a lighter one, instead of a worker that gunicorn kills.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from ..db import TooHeavy, time_budget

log = logging.getLogger("analytics")

# 503: the server could not answer this question now; a lighter one is answered at once
STATUS = 503


def budget_ms() -> int:
    """The configured budget in milliseconds (at least 1)."""
    return max(1, int(current_app.config["ANALYTICS_QUERY_BUDGET_MS"]))


def budgeted(
    too_heavy: Callable[[int], str],
) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]:
    """Run the view within the budget; past it, answer ``too_heavy(budget_ms)`` instead."""

    def wrap(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        @functools.wraps(view)
        def run(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            budget = budget_ms()
            try:
                with time_budget(budget):
                    return view(*args, **kwargs)
            except TooHeavy:
                # the endpoint only: a path may carry a visitor id, a query string a filter
                log.warning("query budget of %d ms exceeded on %s", budget, request.endpoint)
                return too_heavy(budget), STATUS

        return run

    return wrap


def too_heavy_page(budget: int, **context: Any) -> str:
    """The page that explains the stop; ``context`` fills in the suggestions' links."""
    return render_template("analytics/dashboard/too_heavy.html", seconds=budget / 1000, **context)
