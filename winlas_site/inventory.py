"""The data inventory (P8): every stored field of personal data, with its category, purpose and
retention, built from the ``PERSONAL_DATA`` each model declares beside its fields; and per
table, in words for the person it is about (``ABOUT``, Swedish and English), what it keeps,
why and for how long, the durations read from the running settings (``described``).

The data export reads it to know which tables hold a person's data, the export page shows it
in the reader's language, and ``tests/unit/test_inventory.py`` fails when a model with
personal-looking fields (an email, a name, a phone number, an IP, a visitor id, a link to a
user or a contact) declares nothing, when a personal-data model has no words and retention
here, or when no feature provides its export and erasure (``rights.py``, the ``PROVIDERS`` in
``models.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import peewee
from flask import current_app, has_app_context, has_request_context

import analytics

from . import config, rights
from .i18n import DEFAULT_LANGUAGE, current_language
from .models import MODELS, PROVIDERS
from .newsletter.models import UNCONFIRMED_DAYS

# Declarations for models whose owners have not put them on the model yet: the same shape as
# ``PERSONAL_DATA``, merged into it. Move an entry onto its model when you next edit it.
SUPPLEMENT: dict[str, dict[str, tuple[str, str]]] = {
    "user_session": {
        "user": ("account link", "keeping a person logged in (authentication, security)"),
    },
    "lead": {
        "contact": ("identity", "answering the inquiry (P11)"),
        "owner": ("staff identity", "who at WinLas handles the inquiry"),
    },
    "lead_note": {
        "text": ("free text", "staff notes on the inquiry, may describe the person (P11)"),
        "author": ("staff identity", "who wrote the note"),
    },
    "subscription": {
        "contact": ("identity", "the subscriber in the customer register, once confirmed"),
    },
    "newsletter_issue": {
        "created_by": ("staff identity", "who wrote the newsletter"),
    },
}


# Each table's personal data in words for the person it is about: what, why and how long, in
# Swedish and English (as the cookie registry has its purposes). ``{name}`` in a retention is a
# duration of the settings, said in words (``durations``): no setting's name reaches a reader.
@dataclass(frozen=True)
class About:
    what_sv: str
    what_en: str
    why_sv: str
    why_en: str
    kept_sv: str
    kept_en: str


_KEPT_WITH_ACCOUNT = ("Lika länge som kontot", "As long as the account")
_STATISTICS = (
    "Vår egen besöksstatistik; med samtycke till marknadsföring även en intresseprofil",
    "Our own visitor statistics; with consent to marketing also an interest profile",
)
_RAW = (
    "{raw}; kopplingen till ditt konto tas bort när dina uppgifter raderas",
    "{raw}; the link to your account is removed when your data is erased",
)
_PROFILE_WHY = (
    "För att visa och skicka dig det som är relevant för dig",
    "To show and send you what is relevant to you",
)
_STAFF_LINK = (
    "Sparas för marknadsteamet; kopplingen till dig tas bort när dina uppgifter raderas",
    "Kept for the marketing team; the link to you is removed when your data is erased",
)


def _about(what: tuple[str, str], why: tuple[str, str], kept: tuple[str, str]) -> About:
    return About(what[0], what[1], why[0], why[1], kept[0], kept[1])


ABOUT: dict[str, About] = {
    "user": _about(
        (
            "Ditt konto: e-postadress, namn, telefonnummer i arbetet, organisation (och den du "
            "angav när du ansökte om konto), lösenordet som ett hashvärde som ingen kan läsa, "
            "när du bekräftade adressen och när du senast var aktiv",
            "Your account: email address, name, work phone number, organisation (and the one "
            "you gave when you applied for an account), your password as a hash nobody can "
            "read, when you confirmed the address and when you were last active",
        ),
        (
            "För att du ska kunna logga in och använda kundsidorna, för support, och för att "
            "kunna radera konton som inte används",
            "So you can log in and use the customer pages, for support, and to delete "
            "accounts that are no longer used",
        ),
        (
            "Så länge kontot används. Det raderas {inactive} efter din senaste inloggning eller "
            "aktivitet; {reminder} innan får du en påminnelse",
            "While the account is used. It is deleted {inactive} after your last login or "
            "activity; you get a reminder {reminder} before",
        ),
    ),
    "user_session": _about(
        (
            "Dina inloggningar: när de började, när de senast användes och om du valde "
            "”Kom ihåg mig”",
            "Your logins: when they started, when they were last used and whether you chose "
            "“Remember me”",
        ),
        (
            "För att hålla dig inloggad och skydda kontot",
            "To keep you logged in and protect your account",
        ),
        (
            "Tills du loggar ut, efter {idle} utan aktivitet eller som längst {absolute} "
            "({remember} med ”Kom ihåg mig”)",
            "Until you log out, after {idle} without activity or at most {absolute} "
            "({remember} with “Remember me”)",
        ),
    ),
    "consent_record": _about(
        (
            "Dina cookieval: ett slumpat id för webbläsaren, valet, typen av webbläsare och "
            "sidan där du gjorde valet – inget namn, ingen e-postadress",
            "Your cookie choices: a random id of the browser, the choice, the type of browser "
            "and the page where you made it – no name, no email address",
        ),
        (
            "För att kunna visa att vi följer ditt val (bevis på samtycke)",
            "To be able to show that we respect your choice (proof of consent)",
        ),
        ("{consent_records} efter valet", "{consent_records} after the choice"),
    ),
    "contact": _about(
        (
            "Dina kontaktuppgifter i kundregistret: e-postadress, namn, organisation, "
            "telefonnummer i arbetet och vilka produkter du är intresserad av",
            "Your contact details in the customer register: email address, name, "
            "organisation, work phone number and the products you are interested in",
        ),
        (
            "För att kunna svara dig och ha kontakt med dig som kund",
            "To answer you and keep in touch with you as a customer",
        ),
        (
            "Så länge en förfrågan, kursanmälan, prenumeration eller ett konto använder dem; "
            "de raderas med den sista av dem",
            "As long as an inquiry, course sign-up, subscription or account uses them; "
            "deleted with the last of them",
        ),
    ),
    "lead": _about(
        (
            "Dina förfrågningar: det du skrev i formuläret (namn, organisation, telefon, "
            "meddelande, önskade tider), om du ville ha marknadsföring, vem hos oss som tar "
            "hand om dem och vad som ska göras härnäst, och med samtycke till statistik vilken "
            "kampanj eller sida som ledde dig dit",
            "Your inquiries: what you wrote in the form (name, organisation, phone, message, "
            "preferred times), whether you wanted marketing, who at WinLas handles them and "
            "what is to be done next, and with consent to statistics which campaign or page "
            "led you there",
        ),
        (
            "För att svara på din förfrågan och ordna en visning eller offert",
            "To answer your inquiry and arrange a demo or a quote",
        ),
        ("{leads} efter förfrågan", "{leads} after the inquiry"),
    ),
    "lead_note": _about(
        ("Våra anteckningar om din förfrågan", "Our notes on your inquiry"),
        (
            "För att vi ska veta vad som har sagts och gjorts i ärendet",
            "So we know what has been said and done about it",
        ),
        ("Lika länge som förfrågan", "As long as the inquiry"),
    ),
    "lead_event": _about(
        (
            "Historiken för din förfrågan: ändrad status, ansvarig och uppföljning, och när två "
            "kontakter för samma person slogs ihop, namn och adress för den som togs bort",
            "The history of your inquiry: changes of status, owner and follow-up, and, when "
            "two contacts of the same person were merged, the removed one's name and address",
        ),
        (
            "För att vi ska kunna se vad som har hänt i ärendet och vem som gjorde det",
            "So we can see what happened to the inquiry and who did it",
        ),
        (
            "Lika länge som förfrågan ({leads}); en sammanslagning som nämner din adress raderas "
            "när dina uppgifter raderas",
            "As long as the inquiry ({leads}); a merge naming your address is deleted when "
            "your data is erased",
        ),
    ),
    "registration": _about(
        (
            "Dina kursanmälningar: kurstillfälle, status, kostavvikelser, språket i e-posten om "
            "anmälan, när du anmälde dig, avbokade och fick påminnelsen, och med samtycke till "
            "statistik vilken kampanj som ledde dig dit",
            "Your course sign-ups: the session, status, dietary requirements, the language of "
            "the emails about it, when you signed up, cancelled and got the reminder, and with "
            "consent to statistics which campaign led you there",
        ),
        (
            "För att ordna kursen eller evenemanget, maten och e-posten om det",
            "To arrange the course or event, the meals and the emails about it",
        ),
        (
            "{registrations} efter att kursen eller evenemanget ägde rum",
            "{registrations} after the course or event took place",
        ),
    ),
    "registration_seminar": _about(
        ("De seminarier du valde när du anmälde dig", "The seminars you chose when signing up"),
        ("För att planera evenemangets parallella pass", "To plan the event's parallel sessions"),
        ("Lika länge som kursanmälan", "As long as the course sign-up"),
    ),
    "outbox_message": _about(
        (
            "E-post vi har skickat till dig: adress, ämne och innehåll",
            "Emails we sent you: address, subject and content",
        ),
        (
            "För att skicka e-posten och kunna se att den kom fram",
            "To send the email and see that it arrived",
        ),
        (
            "{mail} efter att den skickades; bekräftelsen av en radering bara tills den har "
            "levererats",
            "{mail} after it was sent; the confirmation of an erasure only until it is delivered",
        ),
    ),
    "subscription": _about(
        (
            "Din prenumeration på nyhetsbrevet: e-postadress, status, var du anmälde dig, vilken "
            "samtyckestext du godkände, språk och när du bekräftade eller avslutade den",
            "Your newsletter subscription: email address, status, where you signed up, which "
            "consent text you agreed to, language and when you confirmed or ended it",
        ),
        (
            "För att skicka nyhetsbrevet och kunna visa ditt samtycke eller att du har avslutat",
            "To send the newsletter and be able to show your consent or that you ended it",
        ),
        (
            "Tills dina uppgifter raderas; en obekräftad anmälan {unconfirmed}; en avslutad "
            "prenumeration sparas som bevis på att du har avslutat",
            "Until your data is erased; an unconfirmed sign-up {unconfirmed}; an ended "
            "subscription is kept as proof that you ended it",
        ),
    ),
    "preference": _about(
        (
            "Dina val: nyhetsbrev, mätning av öppningar och klick i e-post och invändning mot "
            "profilering, med när du gjorde dem",
            "Your choices: newsletter, measuring opens and clicks in email, and objection to "
            "profiling, with when you made them",
        ),
        ("För att respektera dina val", "To respect your choices"),
        (
            "Så länge du har val sparade hos oss (tills dina uppgifter raderas)",
            "As long as you keep choices with us (until your data is erased)",
        ),
    ),
    "mail_event": _about(
        (
            "Öppningar av nyhetsbrev och klick på länkar i dem, om du har tillåtit mätningen",
            "Opens of newsletters and clicks on their links, if you allowed the measurement",
        ),
        (
            "För att se vad i nyhetsbreven som intresserar läsarna",
            "To see what in the newsletters interests readers",
        ),
        ("Lika länge som prenumerationen", "As long as the subscription"),
    ),
    "newsletter_issue": _about(
        ("Vem som skrev ett nyhetsbrev", "Who wrote a newsletter"),
        ("För att veta vem som skrev vad", "To know who wrote what"),
        (
            "Kopplingen till dig tas bort när ditt konto raderas",
            "The link to you is removed when your account is deleted",
        ),
    ),
    "audit_entry": _about(
        (
            "Åtgärder på dina uppgifter i dataskyddsloggen: vad som gjordes, när och av vem, "
            "med ett nyckelhashat värde av e-postadressen – aldrig adressen",
            "Actions on your data in the data protection log: what was done, when and by "
            "whom, with a keyed hash of the email address – never the address",
        ),
        (
            "För att kunna visa att vi hanterar personuppgifter rätt (ansvarsskyldigheten i "
            "GDPR artikel 5.2)",
            "To be able to show that we handle personal data correctly (accountability, GDPR "
            "article 5(2))",
        ),
        (
            "Sparas för ansvarsskyldigheten; innehåller bara hashvärdet, aldrig adressen",
            "Kept for accountability; holds only the hash, never the address",
        ),
    ),
    "retention_notice": _about(
        (
            "Påminnelser om att ditt konto raderas efter inaktivitet: när de skickades och "
            "vilket datum de gällde",
            "Reminders that your account will be deleted for inactivity: when they were sent "
            "and the date they named",
        ),
        (
            "För att påminna dig innan ett oanvänt konto raderas",
            "To remind you before an unused account is deleted",
        ),
        _KEPT_WITH_ACCOUNT,
    ),
    "digest_subscription": _about(
        (
            "Om du får veckosammanfattningen av statistiken, på vilket språk och vilken vecka "
            "den senast skickades",
            "Whether you get the weekly statistics digest, in which language and which week "
            "it was last sent",
        ),
        (
            "För att skicka sammanfattningen du har bett om, en gång i veckan",
            "To send the digest you asked for, once a week",
        ),
        (
            "Så länge kontot finns, påslagen eller avstängd; raderas med kontot",
            "As long as the account exists, switched on or off; deleted with the account",
        ),
    ),
    "revision": _about(
        (
            "Vem som ändrade en sida på webbplatsen (namn och konto)",
            "Who changed a page of the site (name and account)",
        ),
        ("Webbplatsens ändringshistorik", "The site's edit history"),
        (
            "Sparas som ändringshistorik; namnet och kontot tas bort när dina uppgifter raderas",
            "Kept as the edit history; the name and account are removed when your data is erased",
        ),
    ),
    "image": _about(
        ("Vem som laddade upp en bild", "Who uploaded an image"),
        (
            "För att veta varifrån bilderna i bildbiblioteket kommer",
            "To know where the images in the library came from",
        ),
        (
            "Så länge bilden finns; kopplingen till dig tas bort när dina uppgifter raderas",
            "As long as the image exists; the link to you is removed when your data is erased",
        ),
    ),
    "annotation": _about(
        ("Anteckningar du har skrivit i statistiken", "Notes you wrote on the statistics"),
        ("Marknadsteamets anteckningar i diagrammen", "The marketing team's notes on the charts"),
        _STAFF_LINK,
    ),
    "saved_view": _about(
        ("Vyer av statistiken som du har sparat", "Views of the statistics you saved"),
        (
            "För att marknadsteamet ska hitta tillbaka till samma urval",
            "So the marketing team can return to the same selection",
        ),
        _STAFF_LINK,
    ),
    "visit": _about(
        (
            "Dina besök på webbplatsen, med samtycke till statistik: ett slumpat besökar-id, "
            "ditt konto om du var inloggad, en förkortad IP-adress, ungefärlig plats (land, "
            "region, ort), webbläsare, enhet, skärm, språk och tidszon",
            "Your visits to the site, with consent to statistics: a random visitor id, your "
            "account if you were logged in, a shortened IP address, approximate location "
            "(country, region, town), browser, device, screen, language and time zone",
        ),
        _STATISTICS,
        _RAW,
    ),
    "event": _about(
        (
            "Vilka sidor du såg och vad du klickade på under besöken, med samtycke till statistik",
            "Which pages you saw and what you clicked on during the visits, with consent to "
            "statistics",
        ),
        _STATISTICS,
        _RAW,
    ),
    "interest_profile": _about(
        (
            "Din intresseprofil, med samtycke till marknadsföring: besökar-id eller konto och "
            "när den första och den senaste händelsen var",
            "Your interest profile, with consent to marketing: visitor id or account and when "
            "its first and last events were",
        ),
        _PROFILE_WHY,
        (
            "Tills du invänder eller dina uppgifter raderas, eller {profile} efter den senaste "
            "händelsen; intressena bleknar med tiden (halveringstid {half_life})",
            "Until you object or your data is erased, or {profile} after the last event; the "
            "interests fade over time (half-life {half_life})",
        ),
    ),
    "interest_score": _about(
        (
            "Ämnena i din intresseprofil och skälen till dem (sidvisningar, klick och "
            "förfrågningar)",
            "The topics of your interest profile and the reasons for them (page views, clicks "
            "and inquiries)",
        ),
        _PROFILE_WHY,
        ("Lika länge som intresseprofilen", "As long as the interest profile"),
    ),
    "profile_opt_out": _about(
        (
            "Att du har invänt mot profilering, från en viss webbläsare (dess besökar-id)",
            "That you objected to profiling, from a given browser (its visitor id)",
        ),
        ("För att respektera din invändning", "To respect your objection"),
        ("Så länge invändningen gäller", "As long as the objection stands"),
    ),
}

# the durations a retention names: the setting (or a fixed number of days) and its unit
DURATIONS: dict[str, tuple[str | int, str]] = {
    "inactive": ("WINLAS_INACTIVE_DAYS", "day"),
    "reminder": ("WINLAS_INACTIVITY_REMINDER_DAYS", "day"),
    "idle": ("WINLAS_SESSION_IDLE_MINUTES", "minute"),
    "absolute": ("WINLAS_SESSION_ABSOLUTE_HOURS", "hour"),
    "remember": ("WINLAS_REMEMBER_DAYS", "day"),
    "consent_records": ("WINLAS_CONSENT_RECORD_MONTHS", "month"),
    "leads": ("WINLAS_LEAD_RETENTION_DAYS", "day"),
    "registrations": ("WINLAS_REGISTRATION_RETENTION_DAYS", "day"),
    "mail": ("WINLAS_MAIL_RETENTION_DAYS", "day"),
    "unconfirmed": (UNCONFIRMED_DAYS, "day"),
    "raw": ("ANALYTICS_RAW_RETENTION_DAYS", "day"),
    # None: as long as the raw events
    "profile": ("ANALYTICS_PROFILE_RETENTION_DAYS", "day"),
    "half_life": ("ANALYTICS_PROFILE_HALF_LIFE_DAYS", "day"),
}
# a unit's words, singular and plural, in Swedish and in English
UNITS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "year": (("år", "år"), ("year", "years")),
    "month": (("månad", "månader"), ("month", "months")),
    "day": (("dag", "dagar"), ("day", "days")),
    "hour": (("timme", "timmar"), ("hour", "hours")),
    "minute": (("minut", "minuter"), ("minute", "minutes")),
}

# fields whose name says they identify a person; a field named like this must be declared
PERSONAL_NAME = re.compile(
    r"(^|_)(email|first_name|last_name|full_name|phone|work_phone|ip|ip_anonymised|"
    r"visitor_id|user_id|to_address|address)($|_)"
)
PERSON_TABLES = ("user", "contact")


@dataclass(frozen=True)
class Entry:
    """One field of personal data."""

    table: str
    field: str
    category: str
    purpose: str
    retention: str


def all_models() -> list[type[peewee.Model]]:
    """Every model of the site and of analytics."""
    return [*MODELS, *analytics.MODELS]


def declared(model: type[peewee.Model]) -> dict[str, tuple[str, str]]:
    """The model's ``PERSONAL_DATA`` together with what ``SUPPLEMENT`` adds for it."""
    fields = dict(getattr(model, "PERSONAL_DATA", None) or {})
    fields.update(SUPPLEMENT.get(model._meta.table_name, {}))
    return fields


def personal_looking_fields(model: type[peewee.Model]) -> list[str]:
    """Fields that look like personal data by their name or by linking to a person."""
    found = []
    for field in model._meta.sorted_fields:
        links_person = (
            isinstance(field, peewee.ForeignKeyField)
            and field.rel_model._meta.table_name in PERSON_TABLES
        )
        if links_person or PERSONAL_NAME.search(field.name):
            found.append(field.name)
    return found


def personal_models() -> list[type[peewee.Model]]:
    """Models that hold personal data (declared)."""
    return [model for model in all_models() if declared(model)]


def inventory() -> list[Entry]:
    """Every declared field of personal data, table by table; the retention in plain words in
    the reader's language (Swedish outside a request)."""
    language = _language()
    spans = durations(language)
    entries = []
    for model in personal_models():
        table = model._meta.table_name
        retention = kept(table, language, spans)
        for field, (category, purpose) in declared(model).items():
            entries.append(Entry(table, field, category, purpose, retention))
    return entries


@dataclass(frozen=True)
class Described:
    """One table's personal data as the person it is about reads it (the export page)."""

    table: str
    what: str
    why: str
    retention: str


def described() -> list[Described]:
    """What each table with personal data keeps, why and how long, in the reader's language,
    in model order."""
    language = _language()
    spans = durations(language)
    found = []
    for model in personal_models():
        table = model._meta.table_name
        about = ABOUT.get(table)
        if about is None:
            continue  # problems() names it
        english = language == "en"
        found.append(
            Described(
                table,
                about.what_en if english else about.what_sv,
                about.why_en if english else about.why_sv,
                kept(table, language, spans),
            )
        )
    return found


def kept(table: str, language: str, spans: dict[str, str]) -> str:
    """How long ``table`` keeps its rows, in words, its durations filled in."""
    about = ABOUT.get(table)
    if about is None:
        return "–"
    return (about.kept_en if language == "en" else about.kept_sv).format(**spans)


def duration(amount: float, unit: str, language: str) -> str:
    """``amount`` of ``unit`` in words: "2 år" for 730 days or 24 months, else in its own unit
    ("425 dagar", "30 minutes")."""
    whole = int(amount)
    if (unit == "day" and whole % 365 == 0) or (unit == "month" and whole % 12 == 0):
        whole, unit = whole // (365 if unit == "day" else 12), "year"
    singular, plural = UNITS[unit][1 if language == "en" else 0]
    return f"{whole} {singular if whole == 1 else plural}"


def durations(language: str) -> dict[str, str]:
    """Every duration a retention names, from the running site's settings, in words."""
    spans = {}
    for name, (source, unit) in DURATIONS.items():
        amount = _setting(source) if isinstance(source, str) else source
        if amount is None:  # a profile lives as long as the raw events
            amount = _setting("ANALYTICS_RAW_RETENTION_DAYS")
        spans[name] = duration(amount, unit, language)
    return spans


def _setting(name: str) -> Any:
    """The running site's value; outside an app (a unit test, a script) the default."""
    if has_app_context():
        return current_app.config[name]
    table = config.SETTINGS if name in config.SETTINGS else analytics.SETTINGS
    return table[name][0]


def _language() -> str:
    return current_language() if has_request_context() else DEFAULT_LANGUAGE


def by_table() -> dict[str, list[Entry]]:
    """The inventory grouped by table, in model order."""
    grouped: dict[str, list[Entry]] = {}
    for entry in inventory():
        grouped.setdefault(entry.table, []).append(entry)
    return grouped


def problems() -> list[str]:
    """What is missing from the inventory; an empty list when it is complete."""
    found = []
    for model in all_models():
        table = model._meta.table_name
        fields = declared(model)
        names = {field.name for field in model._meta.sorted_fields}
        for name in personal_looking_fields(model):
            if name not in fields:
                found.append(f"{table}.{name} looks personal but is not declared")
        for name in fields:
            if name not in names:
                found.append(f"{table}.{name} is declared but is no field")
        if fields and table not in ABOUT:
            found.append(f"{table} holds personal data but has no retention in inventory.py")
    tables = [model._meta.table_name for model in personal_models()]
    return found + rights.problems(PROVIDERS, tables)
