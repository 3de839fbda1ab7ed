"""CSV for spreadsheets, safe to open: formula-looking cells are neutralised (BAD_INPUTS 12)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# a cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """The cell as text, with a leading ' when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: list[str], rows: Iterable[Iterable]) -> str:
    """A CSV document (UTF-8 with BOM so Excel reads å, ä, ö) of neutralised cells."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()
