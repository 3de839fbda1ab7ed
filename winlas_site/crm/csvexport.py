"""CSV for spreadsheets (docs/HOSTILE_INPUTS.md #12, issue 17): the one implementation lives in
analytics, which cannot import the site, so the site's exports use it from here. ``site_csv``
writes in the request's language; every cell's code and time is the caller's to make readable
(the HTML page's label, ``i18n.swedish_time``)."""

from collections.abc import Iterable

from analytics import FORMULA_STARTS, neutralise, to_csv

from ..i18n import current_language

__all__ = ["FORMULA_STARTS", "neutralise", "site_csv", "to_csv"]


def site_csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    """``to_csv`` in the current request's language (decimal mark, Ja/Nej or Yes/No)."""
    return to_csv(header, rows, language=current_language())
