"""The words of the banner, in one place: the template shows them and the proof hashes them."""

from __future__ import annotations

import hashlib
import json

from flask_babel import lazy_gettext as _l

from ..cookies import registry_digest
from ..i18n import current_language

TEXTS = {
    "title": _l("Cookies på winlas.se"),
    # the first layer in one short paragraph: each purpose named, details in the settings
    "intro": _l(
        "Med ditt samtycke använder vi cookies för statistik (vår egen besöksstatistik) och "
        "marknadsföring (intresseprofiler och mätning av e-postutskick). Nödvändiga cookies "
        "används alltid."
    ),
    "statistics": _l("Statistik"),
    "statistics_purpose": _l(
        "vår egen besöksstatistik, så att vi ser vilka sidor som används och kan förbättra dem."
    ),
    "marketing": _l("Marknadsföring"),
    "marketing_purpose": _l(
        "intresseprofiler och mätning av våra e-postutskick, så att vi kan visa och skicka "
        "sådant som är relevant för dig."
    ),
    "necessary": _l("Nödvändiga"),
    "necessary_purpose": _l("inloggning, skydd av formulär, ditt språkval och det här valet."),
    "withdraw": _l(
        "Ändra eller återkalla ditt val när som helst under ”Cookie-inställningar” längst ned."
    ),
    "accept_all": _l("Acceptera alla"),
    "reject_all": _l("Avvisa alla"),
    "settings": _l("Inställningar"),
    "settings_title": _l("Cookie-inställningar"),
    "save": _l("Spara val"),
    "policy_link": _l("Läs cookiepolicyn"),
    "gpc": _l(
        "Din webbläsare skickar en signal om att du inte vill spåras (Global Privacy Control "
        "eller Do Not Track). Därför är marknadsföring avstängd och kan inte slås på här."
    ),
    "always_on": _l("Alltid på"),
}

_digests: dict[str, str] = {}


def texts_digest() -> str:
    """SHA-256 of the banner texts in the current language and the cookie registry."""
    language = current_language()
    if language not in _digests:
        shown = {key: str(text) for key, text in TEXTS.items()}
        payload = json.dumps({"texts": shown, "registry": registry_digest()}, sort_keys=True)
        _digests[language] = hashlib.sha256(payload.encode()).hexdigest()
    return _digests[language]
