"""How the CRM shows phone numbers to staff: ``tel:`` links. (Times: ``i18n.swedish_time``.)"""

from __future__ import annotations


def tel_href(number: str) -> str:
    """A ``tel:`` target: ``+`` and digits only, a Swedish national number (leading 0) in
    international form, so ``08-123 456 78`` dials as ``+46812345678`` from any phone."""
    digits = "".join(ch for ch in number if ch.isascii() and ch.isdigit())
    if number.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+46" + digits[1:]
    return digits
