"""CSV for spreadsheets, safe to open (docs/HOSTILE_INPUTS.md #12): the one implementation
lives in analytics, which cannot import the site, so the site's exports use it from there."""

from analytics import FORMULA_STARTS, neutralise, to_csv

__all__ = ["FORMULA_STARTS", "neutralise", "to_csv"]
