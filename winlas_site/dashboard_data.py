"""The site's own daily counts for the dashboard's conversion reports (placeholder)."""

from __future__ import annotations

import datetime


def site_series(first: datetime.date, last: datetime.date) -> dict:
    return {}
