"""The site's one email-address rule: what is accepted, and when two addresses are one mailbox.

Every door that stores an address (login, registration, profile, the inquiry and course forms,
the CRM's contacts, ``winlas create-user``) goes through :func:`canonical`; every lookup and
throttling key goes through :func:`normalise`. On every address :func:`canonical` accepts, the
two give the same text, so a lookup always finds what a door stored.

The rule:

- **Case does not matter.** ``Anna.Berg@Exempel.SE`` is ``anna.berg@exempel.se`` (the local part
  is lower-cased too: no mail server our customers use treats case as significant, and two
  accounts differing only in case would be a trap).
- **One domain, however it is written.** The domain is IDNA-normalised (UTS 46) and kept in its
  Unicode form: ``xn--kersberga-42a.se`` and ``Åkersberga.se`` are both ``åkersberga.se``.
- **Look-alikes are refused, never merged.** Refused as invalid: an address that Unicode
  compatibility folding (NFKC) would change, such as fullwidth letters or ligatures; a local
  part with a letter that is not Latin (ASCII, an ASCII letter with accents such as å ä ö é ü,
  or one of æ ø œ ß þ ð), which catches the Cyrillic ``а`` in ``bibliotekаrie@…`` and the
  Latin look-alikes without an ASCII base (dotless ``ı``, Latin alpha ``ɑ``); a domain whose
  letters come from more than one script (``exempelkоmmun.se`` with a Cyrillic ``о``).
  Merging a look-alike would hand one person's account or contact to another; keeping it apart
  would let a stranger pose as them. Refusing is the only safe answer, the same at every door.
- **Syntax** is email-validator's, with the mail layer's settings (``check_deliverability=False``,
  internationalised addresses allowed, special-use domains such as ``.test`` refused), so an
  address the site accepts is one it can send mail to.
- **``+tags`` are distinct addresses.** ``anna+kurs@exempel.se`` reaches Anna's mailbox on some
  providers only; merging strangers is worse than a duplicate.

This module uses no Flask: the CLI, the models and the forms share it. The forms' validator
(``winlas_site.forms.Address``) turns :class:`InvalidAddress` into a translated form error.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import idna
from email_validator import EmailNotValidError, validate_email

SYNTAX = "syntax"
LOOKALIKE = "lookalike"

# Latin letters without a decomposition to an ASCII base that are still ordinary letters of
# Nordic and other European names (Danish/Norwegian, French, German, Icelandic).
_EXTRA_LATIN = frozenset("æøœßþð")


class InvalidAddress(ValueError):
    """An address the rule refuses; ``reason`` is ``SYNTAX`` or ``LOOKALIKE``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


def _has_control_characters(text: str) -> bool:
    return any(ord(ch) < 32 or 127 <= ord(ch) < 160 or ch in "\u2028\u2029" for ch in text)


def _plain_latin(ch: str) -> bool:
    """True for a character allowed in a local part: ASCII, or an (accented) Latin letter."""
    if ch.isascii():
        return True
    if ch in _EXTRA_LATIN:
        return True
    base = unicodedata.normalize("NFD", ch)[0]
    return base.isascii() and base.isalpha() and unicodedata.name(ch, "").startswith("LATIN ")


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name ("LATIN", "CYRILLIC", "GREEK", …).

    The standard library has no script property; the first word of a letter's name is the
    script for every alphabet a domain can be written in. Non-letters (digits, "-") have none.
    """
    if not ch.isalpha():
        return None
    if ch.isascii():
        return "LATIN"
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


# a pure function of the domain, asked several times on every page of a logged-in person
# (their contact, preferences, subscription and sign-ups are looked up by address)
@lru_cache(maxsize=4096)
def _domain_key(domain: str) -> str:
    """The domain in IDNA-normalised Unicode form; as typed (lower-cased) when it is not IDNA."""
    try:
        return idna.decode(idna.encode(domain, uts46=True))
    except (idna.IDNAError, UnicodeError, ValueError):
        return domain.lower()


def normalise(address: str) -> str:
    """The lookup key of an address: trimmed, NFKC-folded, lower-cased, IDNA domain. Never raises.

    For lookups and throttling only (by_email, lockout and rate-limit keys, DSAR searches,
    preferences): folding a fullwidth variant here finds the one real mailbox it imitates, which
    is what a lock or an objection should cover, and cannot merge two stored rows because no
    door (:func:`canonical`) ever stores a variant. It must not decide who logs in: login asks
    :func:`canonical` first.
    """
    if not isinstance(address, str):
        return ""
    text = unicodedata.normalize("NFKC", address).strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return text.lower()
    return f"{local.lower()}@{_domain_key(domain)}"


def canonical(address: str) -> str:
    """The address as the site stores it; :class:`InvalidAddress` when the rule refuses it.

    See the module docstring for the rule. Surrounding white space is ignored.
    """
    if not isinstance(address, str):
        raise InvalidAddress(SYNTAX, "not a text")
    text = address.strip()
    if not text or _has_control_characters(text):
        raise InvalidAddress(SYNTAX, "empty or holds control characters")
    text = unicodedata.normalize("NFC", text)  # the same text, composed: not a look-alike
    if unicodedata.normalize("NFKC", text) != text:
        raise InvalidAddress(LOOKALIKE, "holds compatibility characters (fullwidth, ligatures)")
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(SYNTAX, str(exc)) from None
    local = info.local_part.lower()
    if not all(_plain_latin(ch) for ch in local):
        raise InvalidAddress(LOOKALIKE, "the part before @ holds letters of another script")
    domain = info.domain.lower()
    scripts = {s for s in map(_script, domain) if s is not None}
    if len(scripts) > 1:
        raise InvalidAddress(LOOKALIKE, "the domain mixes scripts")
    return f"{local}@{domain}"


def is_valid(address: str) -> bool:
    """True when :func:`canonical` accepts ``address``."""
    try:
        canonical(address)
    except InvalidAddress:
        return False
    return True


def domain_of(address: str) -> str:
    """The normalised domain of an address ("" when it has none)."""
    return normalise(address).rpartition("@")[2]
