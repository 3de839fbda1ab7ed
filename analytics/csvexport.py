"""CSV for spreadsheets, safe to open: formula-looking cells are neutralised (hostile input 12).

Here, in analytics, because analytics never imports the site; the site's CRM and staff exports
use it too. A page path, a campaign name, a click target or a name in a form is text from
outside and may well start with ``=``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# a cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell as text, with a leading ' when a spreadsheet would read it as a formula.

    Numbers are written as they are: a negative change (-0.25) is a number, not a formula."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    """A CSV document (UTF-8 with BOM so Excel reads å, ä, ö) of neutralised cells."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()
